//! The Admin API as a pure function of the simulation's state, the request and the time: the path's
//! API version, the access token (401 when unknown or expired), the body (`query`, `variables`), the
//! GraphQL document and its variables, the calculated query cost against the leaky bucket
//! (`MAX_COST_EXCEEDED`, `THROTTLED`), then each root field, answered through the request's selection
//! set. Also the token endpoint (refresh of expiring offline tokens) and signed webhooks.

use std::collections::HashMap;

use channels::shopify::{iso_time, parse_iso_time, webhook_hmac};
use domain::Timestamp;
use serde_json::{Map, Value, json};

use crate::rng::Rng;
use crate::shopify::data::CATALOGUE;
use crate::shopify::graphql::{Field, Operation, OperationKind, parse, resolve, used_variables};
use crate::shopify::render::{CONNECTION, LIST, gid, order_node, rest_order};
use crate::shopify::shop::{FulfilError, Order, Shop, Traffic};

/// The versions served as asked; an older or unknown `YYYY-MM` is served as the oldest of them, as
/// Shopify falls forward, and the answer's `X-Shopify-API-Version` says which.
pub const SUPPORTED_VERSIONS: &[&str] = &["2025-04", "2025-07", "2025-10", "2026-01", "2026-04"];
/// From this version `inventorySetQuantities` requires `@idempotent`.
const IDEMPOTENCY_REQUIRED_FROM: &str = "2026-04";
/// A mutation's calculated cost.
const MUTATION_COST: f64 = 10.0;
/// Connections return at most this many nodes per page.
const MAX_PAGE: i64 = 250;
const INVALID_TOKEN: &str =
    "[API] Invalid API key or access token (unrecognized login or wrong password)";

/// What the simulated platform knows.
#[derive(Clone, Debug)]
pub struct Config {
    /// `{shop}.myshopify.com`.
    pub shop_domain: String,
    pub seed: u64,
    pub app: App,
    /// The offline tokens the shop granted the app.
    pub tokens: Vec<Grant>,
    pub traffic: Traffic,
    /// Simulated hours of trading before the simulation starts.
    pub history_hours: u32,
    pub throttle: Throttle,
    /// The shop's offset from UTC for REST times, in minutes.
    pub utc_offset_minutes: i32,
    /// The lifetime of access tokens issued by a refresh (Shopify: 3600 seconds).
    pub token_lifetime_secs: i64,
}

/// The app: its client id and secret (the secret signs webhooks).
#[derive(Clone, Debug)]
pub struct App {
    pub client_id: String,
    pub client_secret: String,
}

/// An offline access token, with its expiry and refresh token when it is an expiring one.
#[derive(Clone, Debug)]
pub struct Grant {
    pub access_token: String,
    pub expires_at: Option<Timestamp>,
    pub refresh_token: Option<String>,
}

/// The leaky bucket of calculated query cost, per app and shop.
#[derive(Clone, Copy, Debug)]
pub struct Throttle {
    pub maximum_available: f64,
    /// Points restored per second.
    pub restore_rate: f64,
}

impl Config {
    /// One app and one shop with a non-expiring token `shpat_example`, the Standard plan's bucket
    /// (2000 points, 100 a second), a day of history and a busy shop.
    pub fn example(seed: u64) -> Config {
        Config {
            shop_domain: "orderhub-tea.myshopify.com".to_owned(),
            seed,
            app: App {
                client_id: "sim-client-id".to_owned(),
                client_secret: "hush".to_owned(),
            },
            tokens: vec![Grant {
                access_token: "shpat_example".to_owned(),
                expires_at: None,
                refresh_token: None,
            }],
            traffic: Traffic {
                orders_per_hour: 20,
                pending_percent: 8,
                refund_percent: 8,
                change_percent: 12,
                fulfilled_elsewhere_percent: 10,
            },
            history_hours: 24,
            throttle: Throttle {
                maximum_available: 2000.0,
                restore_rate: 100.0,
            },
            utc_offset_minutes: -240,
            token_lifetime_secs: 3600,
        }
    }
}

/// Trouble the API answers with instead of serving, for retry tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outage {
    /// HTTP 502 with an HTML page.
    BadGateway,
    /// HTTP 200 with an `INTERNAL_SERVER_ERROR` GraphQL error.
    InternalError,
}

/// An HTTP answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            headers: vec![(
                "Content-Type".to_owned(),
                "application/json; charset=utf-8".to_owned(),
            )],
            body: body.to_string(),
        }
    }
}

/// A `fulfillmentCreate` as received, with what the platform made of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FulfillmentCall {
    pub order_id: Option<u64>,
    pub company: String,
    pub number: String,
    pub at: Timestamp,
    /// The fulfillment created, or why it was refused.
    pub result: Result<u64, String>,
}

/// One quantity of an `inventorySetQuantities` as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StockCall {
    pub idempotency_key: Option<String>,
    pub inventory_item_id: u64,
    pub location_id: u64,
    pub quantity: i64,
    pub at: Timestamp,
    /// Applied (`Ok(delta)`), or why not; a replayed key is `Err("replayed")` and changes nothing.
    pub result: Result<i64, String>,
}

/// A signed webhook as Shopify delivers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Webhook {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// One error of a GraphQL answer.
#[derive(Clone, Debug)]
struct GqlError {
    message: String,
    at: Option<(usize, usize)>,
    code: Option<&'static str>,
}

impl GqlError {
    fn at(field: &Field, message: impl Into<String>, code: &'static str) -> GqlError {
        GqlError {
            message: message.into(),
            at: Some((field.line, field.column)),
            code: Some(code),
        }
    }

    fn json(&self) -> Value {
        let mut out = Map::new();
        out.insert("message".to_owned(), json!(self.message));
        if let Some((line, column)) = self.at {
            out.insert(
                "locations".to_owned(),
                json!([{ "line": line, "column": column }]),
            );
        }
        if let Some(code) = self.code {
            out.insert("extensions".to_owned(), json!({ "code": code }));
        }
        Value::Object(out)
    }
}

/// The whole simulated platform: one shop and one app.
#[derive(Debug)]
pub struct Simulation {
    app: App,
    shop: Shop,
    tokens: HashMap<String, Option<Timestamp>>,
    refresh_tokens: HashMap<String, ()>,
    /// A new access token → the refresh token it replaced, retired when the new token is first used.
    retire_on_use: HashMap<String, String>,
    throttle: Throttle,
    available: f64,
    refilled_at: Timestamp,
    outage: Option<(u32, Outage)>,
    seed: u64,
    requests: u64,
    issued: u64,
    deliveries: u64,
    offset_minutes: i32,
    token_lifetime_secs: i64,
    fulfillments: Vec<FulfillmentCall>,
    stock: Vec<StockCall>,
    idempotency: HashMap<String, (Value, Value)>,
}

impl Simulation {
    /// The platform at `now`, the shop's history already played.
    pub fn new(config: Config, now: Timestamp) -> Simulation {
        let since = now.plus_millis(-i64::from(config.history_hours) * 3_600_000);
        let mut shop = Shop::new(config.shop_domain, config.seed, config.traffic, since);
        shop.advance(now);
        let mut tokens = HashMap::new();
        let mut refresh_tokens = HashMap::new();
        for grant in config.tokens {
            tokens.insert(grant.access_token, grant.expires_at);
            if let Some(it) = grant.refresh_token {
                refresh_tokens.insert(it, ());
            }
        }
        Simulation {
            app: config.app,
            shop,
            tokens,
            refresh_tokens,
            retire_on_use: HashMap::new(),
            throttle: config.throttle,
            available: config.throttle.maximum_available,
            refilled_at: now,
            outage: None,
            seed: config.seed,
            requests: 0,
            issued: 0,
            deliveries: 0,
            offset_minutes: config.utc_offset_minutes,
            token_lifetime_secs: config.token_lifetime_secs,
            fulfillments: Vec::new(),
            stock: Vec::new(),
            idempotency: HashMap::new(),
        }
    }

    /// Plays the shop forward to `to`.
    pub fn advance(&mut self, to: Timestamp) {
        self.shop.advance(to);
    }

    pub fn shop(&self) -> &Shop {
        &self.shop
    }

    /// The next `calls` GraphQL calls fail with `outage` (none reaches a resolver or the records).
    pub fn fail_next(&mut self, calls: u32, outage: Outage) {
        self.outage = Some((calls, outage));
    }

    /// Every access token stops working now (as an expiring token does after its hour); refresh
    /// tokens still work.
    pub fn expire_tokens(&mut self, now: Timestamp) {
        for expiry in self.tokens.values_mut() {
            *expiry = Some(expiry.map_or(now, |it| it.min(now)));
        }
    }

    /// Every `fulfillmentCreate` received, in order.
    pub fn fulfillment_calls(&self) -> &[FulfillmentCall] {
        &self.fulfillments
    }

    /// Every quantity of every `inventorySetQuantities` received, in order.
    pub fn stock_calls(&self) -> &[StockCall] {
        &self.stock
    }

    /// `POST /admin/api/{version}/graphql.json` at `now`, injected outages included.
    pub fn graphql(
        &mut self,
        version: &str,
        token: Option<&str>,
        body: &[u8],
        now: Timestamp,
    ) -> Reply {
        let outage = match &mut self.outage {
            Some((left, outage)) if *left > 0 => {
                *left -= 1;
                Some(*outage)
            }
            Some(_) | None => None,
        };
        match outage {
            None => self.serve(version, token, body, now),
            Some(Outage::BadGateway) => Reply {
                status: 502,
                headers: vec![("Content-Type".to_owned(), "text/html".to_owned())],
                body: "<html><body><h1>502 Bad Gateway</h1></body></html>".to_owned(),
            },
            Some(Outage::InternalError) => {
                self.requests += 1;
                let id = request_id(self.seed, self.requests);
                let error = json!({ "message": format!("Internal error. Looks like something went wrong on our end.\nRequest ID: {id} (include this in support requests)."), "extensions": { "code": "INTERNAL_SERVER_ERROR", "requestId": id } });
                Reply::json(200, json!({ "errors": [error] }))
            }
        }
    }

    fn serve(&mut self, version: &str, token: Option<&str>, body: &[u8], now: Timestamp) -> Reply {
        self.advance(now);
        self.requests += 1;
        let well_formed = version == "unstable"
            || (version.len() == 7
                && version.as_bytes()[4] == b'-'
                && version
                    .bytes()
                    .enumerate()
                    .all(|(i, b)| i == 4 || b.is_ascii_digit()));
        if !well_formed {
            return Reply::json(404, json!({ "errors": "Not Found" }));
        }
        let served = match SUPPORTED_VERSIONS.contains(&version) || version == "unstable" {
            true => version,
            false => SUPPORTED_VERSIONS[0],
        };
        let valid = token.is_some_and(|it| {
            self.tokens
                .get(it)
                .is_some_and(|expiry| expiry.is_none_or(|at| now < at))
        });
        if !valid {
            return Reply::json(401, json!({ "errors": INVALID_TOKEN }));
        }
        if let Some(old) = token.and_then(|it| self.retire_on_use.remove(it)) {
            self.refresh_tokens.remove(&old);
        }
        let mut reply = self.execute(served, body, now);
        reply
            .headers
            .push(("X-Shopify-API-Version".to_owned(), served.to_owned()));
        reply.headers.push((
            "X-Request-Id".to_owned(),
            request_id(self.seed, self.requests),
        ));
        reply
    }

    fn execute(&mut self, version: &str, body: &[u8], now: Timestamp) -> Reply {
        let request: Option<(String, Map<String, Value>)> =
            serde_json::from_slice::<Value>(body).ok().and_then(|it| {
                let query = it.get("query")?.as_str()?.to_owned();
                let variables = match it.get("variables") {
                    None | Some(Value::Null) => Map::new(),
                    Some(Value::Object(map)) => map.clone(),
                    Some(_) => return None,
                };
                Some((query, variables))
            });
        let Some((query, variables)) = request else {
            return Reply::json(
                400,
                json!({ "errors": { "query": "Required parameter missing or invalid" } }),
            );
        };
        let operation = match parse(&query) {
            Ok(it) => it,
            Err(err) => {
                let error = json!({ "message": err.message, "locations": [{ "line": err.line, "column": err.column }] });
                return Reply::json(200, json!({ "errors": [error] }));
            }
        };
        let variables = match check_variables(&operation, variables) {
            Ok(it) => it,
            Err(message) => {
                let error =
                    json!({ "message": message, "extensions": { "code": "variableMismatch" } });
                return Reply::json(200, json!({ "errors": [error] }));
            }
        };
        let requested = requested_cost(&operation, &variables);
        self.refill(now);
        let status = |available: f64, throttle: Throttle| {
            json!({
                "maximumAvailable": throttle.maximum_available,
                "currentlyAvailable": available.floor() as i64,
                "restoreRate": throttle.restore_rate,
            })
        };
        if requested > self.throttle.maximum_available {
            let error = json!({ "message": format!("Query cost is {requested}, which exceeds the single query max cost limit ({}).", self.throttle.maximum_available), "extensions": { "code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": self.throttle.maximum_available, "documentation": "https://shopify.dev/api/usage/limits#rate-limits" } });
            let cost = json!({ "requestedQueryCost": requested, "actualQueryCost": null, "throttleStatus": status(self.available, self.throttle) });
            return Reply::json(
                200,
                json!({ "errors": [error], "extensions": { "cost": cost } }),
            );
        }
        if requested > self.available {
            let error = json!({ "message": "Throttled", "extensions": { "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits" } });
            let cost = json!({ "requestedQueryCost": requested, "actualQueryCost": null, "throttleStatus": status(self.available, self.throttle) });
            return Reply::json(
                200,
                json!({ "errors": [error], "extensions": { "cost": cost } }),
            );
        }
        self.available -= requested;
        let mut actual = 0.0;
        let mut warnings = Vec::new();
        let result = self.run(
            &operation,
            &variables,
            version,
            now,
            &mut actual,
            &mut warnings,
        );
        // The difference between the requested and the actual cost is given back.
        self.available = (self.available + requested - actual).min(self.throttle.maximum_available);
        let cost = json!({ "requestedQueryCost": requested, "actualQueryCost": actual, "throttleStatus": status(self.available, self.throttle) });
        let mut extensions = json!({ "cost": cost });
        if !warnings.is_empty() {
            extensions["search"] = Value::Array(warnings);
        }
        match result {
            Ok(data) => Reply::json(200, json!({ "data": data, "extensions": extensions })),
            Err(errors) => Reply::json(
                200,
                json!({ "errors": errors.iter().map(GqlError::json).collect::<Vec<_>>(), "extensions": extensions }),
            ),
        }
    }

    fn refill(&mut self, now: Timestamp) {
        let elapsed = (now.unix_millis() - self.refilled_at.unix_millis()).max(0) as f64 / 1000.0;
        self.available = (self.available + elapsed * self.throttle.restore_rate)
            .min(self.throttle.maximum_available);
        self.refilled_at = self.refilled_at.max(now);
    }

    fn run(
        &mut self,
        operation: &Operation,
        variables: &Map<String, Value>,
        version: &str,
        now: Timestamp,
        actual: &mut f64,
        warnings: &mut Vec<Value>,
    ) -> Result<Value, Vec<GqlError>> {
        let mut data = Map::new();
        let mut errors = Vec::new();
        for field in &operation.selection {
            let value = match (operation.kind, field.name.as_str()) {
                (OperationKind::Query, "orders") => self.orders(field, variables, actual, warnings),
                (OperationKind::Query, "order") => self.order(field, variables, actual),
                (OperationKind::Query, "productVariant") => {
                    self.product_variant(field, variables, actual)
                }
                (OperationKind::Query, "__typename") => Ok(json!("QueryRoot")),
                (OperationKind::Mutation, "fulfillmentCreate") => {
                    *actual += MUTATION_COST;
                    self.fulfillment_create(field, variables, now)
                }
                (OperationKind::Mutation, "inventorySetQuantities") => {
                    *actual += MUTATION_COST;
                    self.set_quantities(field, variables, version, now)
                }
                (kind, name) => {
                    let root = match kind {
                        OperationKind::Query => "QueryRoot",
                        OperationKind::Mutation => "Mutation",
                    };
                    Err(GqlError::at(
                        field,
                        format!("Field '{name}' doesn't exist on type '{root}'"),
                        "undefinedField",
                    ))
                }
            };
            match value {
                Ok(it) => {
                    data.insert(field.key().to_owned(), it);
                }
                Err(err) => errors.push(err),
            }
        }
        match errors.is_empty() {
            true => Ok(Value::Object(data)),
            false => Err(errors),
        }
    }

    fn orders(
        &mut self,
        field: &Field,
        variables: &Map<String, Value>,
        actual: &mut f64,
        warnings: &mut Vec<Value>,
    ) -> Result<Value, GqlError> {
        let args = arguments(field, variables);
        let first = page_size(field, &args)?;
        let reverse = args
            .get("reverse")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let sort = args.get("sortKey").and_then(Value::as_str).unwrap_or("ID");
        let key: fn(&Order) -> i64 = match sort {
            "UPDATED_AT" => |it| it.updated_at.unix_millis(),
            "CREATED_AT" => |it| it.created_at.unix_millis(),
            "PROCESSED_AT" => |it| it.processed_at.unix_millis(),
            "ID" => |it| it.id as i64,
            other => {
                return Err(GqlError::at(
                    field,
                    format!(
                        "Argument 'sortKey' on Field 'orders' has an invalid value ({other}). Expected type 'OrderSortKeys'."
                    ),
                    "argumentLiteralsIncompatible",
                ));
            }
        };
        let query = args.get("query").and_then(Value::as_str).unwrap_or("");
        let (filters, search_warnings) = search(query);
        if !search_warnings.is_empty() {
            warnings.push(
                json!({ "path": [field.key()], "query": query, "warnings": search_warnings }),
            );
        }
        let after = match args.get("after").and_then(Value::as_str) {
            None => None,
            Some(cursor) => Some(decode_cursor(cursor).ok_or_else(|| {
                GqlError::at(
                    field,
                    "Invalid cursor for current pagination sort.",
                    "argumentLiteralsIncompatible",
                )
            })?),
        };
        // Keyset paging over the live data: (sort value, id) after the cursor, in sort order.
        let mut matching: Vec<(i64, u64, &Order)> = self
            .shop
            .orders()
            .iter()
            .filter(|order| filters.iter().all(|it| it.matches(order)))
            .map(|order| (key(order), order.id, order))
            .collect();
        matching.sort_by_key(|(value, id, _)| (*value, *id));
        if reverse {
            matching.reverse();
        }
        let matching: Vec<_> = match after {
            None => matching,
            Some(position) => matching
                .into_iter()
                .filter(|(value, id, _)| match reverse {
                    false => (*value, *id) > position,
                    true => (*value, *id) < position,
                })
                .collect(),
        };
        let has_next = matching.len() > first;
        let page: Vec<_> = matching.into_iter().take(first).collect();
        let cursors: Vec<String> = page
            .iter()
            .map(|(value, id, _)| encode_cursor(*value, *id))
            .collect();
        let nodes: Vec<Value> = page.iter().map(|(_, _, order)| order_node(order)).collect();
        connection(
            field,
            &nodes,
            &cursors,
            has_next,
            "OrderConnection",
            variables,
            actual,
        )
    }

    fn order(
        &mut self,
        field: &Field,
        variables: &Map<String, Value>,
        actual: &mut f64,
    ) -> Result<Value, GqlError> {
        let args = arguments(field, variables);
        let id = global_id(field, &args, "Order")?;
        match self.shop.order(id) {
            Some(order) => project(
                &order_node(order),
                &field.selection,
                field,
                variables,
                actual,
            ),
            None => Ok(Value::Null),
        }
    }

    fn product_variant(
        &mut self,
        field: &Field,
        variables: &Map<String, Value>,
        actual: &mut f64,
    ) -> Result<Value, GqlError> {
        let args = arguments(field, variables);
        let id = global_id(field, &args, "ProductVariant")?;
        let found = CATALOGUE
            .iter()
            .flat_map(|product| product.variants.iter().map(move |it| (product, it)))
            .find(|(_, it)| it.id == id);
        let Some((product, variant)) = found else {
            return Ok(Value::Null);
        };
        let node = json!({
            "__typename": "ProductVariant",
            "id": gid("ProductVariant", variant.id),
            "legacyResourceId": variant.id.to_string(),
            "sku": variant.sku,
            "title": variant.title,
            "inventoryQuantity": self.shop.available(variant.inventory_item_id, self.shop.location_id),
            "inventoryItem": { "__typename": "InventoryItem", "id": gid("InventoryItem", variant.inventory_item_id) },
            "product": { "__typename": "Product", "id": gid("Product", product.id), "title": product.title },
        });
        project(&node, &field.selection, field, variables, actual)
    }

    fn fulfillment_create(
        &mut self,
        field: &Field,
        variables: &Map<String, Value>,
        now: Timestamp,
    ) -> Result<Value, GqlError> {
        let args = arguments(field, variables);
        let Some(input) = args.get("fulfillment").filter(|it| it.is_object()) else {
            return Err(GqlError::at(
                field,
                "Variable $fulfillment of type FulfillmentInput! was provided invalid value",
                "argumentLiteralsIncompatible",
            ));
        };
        let company = input
            .pointer("/trackingInfo/company")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let number = input
            .pointer("/trackingInfo/number")
            .and_then(Value::as_str)
            .or_else(|| {
                input
                    .pointer("/trackingInfo/numbers/0")
                    .and_then(Value::as_str)
            })
            .unwrap_or("")
            .to_owned();
        let groups = input
            .get("lineItemsByFulfillmentOrder")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let result = self.fulfil_groups(&groups, &company, &number, now);
        let order_id = groups
            .first()
            .and_then(|it| it.get("fulfillmentOrderId"))
            .and_then(Value::as_str)
            .and_then(|it| number_of(it, "FulfillmentOrder"))
            .and_then(|it| self.shop.order_of_fulfillment_order(it))
            .map(|it| it.id);
        self.fulfillments.push(FulfillmentCall {
            order_id,
            company,
            number,
            at: now,
            result: result.clone().map_err(|(_, message)| message),
        });
        let payload = match result {
            Ok(id) => json!({
                "__typename": "FulfillmentCreatePayload",
                "fulfillment": { "__typename": "Fulfillment", "id": gid("Fulfillment", id), "status": "SUCCESS" },
                "userErrors": { LIST: [] },
            }),
            Err((path, message)) => json!({
                "__typename": "FulfillmentCreatePayload",
                "fulfillment": null,
                "userErrors": { LIST: [{ "__typename": "UserError", "field": path, "message": message }] },
            }),
        };
        let mut ignored = 0.0;
        project(&payload, &field.selection, field, variables, &mut ignored)
    }

    /// Fulfils the groups (all on one order); the user error's field path and message on refusal.
    fn fulfil_groups(
        &mut self,
        groups: &[Value],
        company: &str,
        number: &str,
        now: Timestamp,
    ) -> Result<u64, (Value, String)> {
        let path =
            |at: usize| json!(["fulfillment", "lineItemsByFulfillmentOrder", at.to_string()]);
        if groups.is_empty() {
            return Err((
                json!(["fulfillment", "lineItemsByFulfillmentOrder"]),
                "Line items by fulfillment order can't be blank.".to_owned(),
            ));
        }
        if number.is_empty() && !company.is_empty() {
            return Err((
                json!(["fulfillment", "trackingInfo", "number"]),
                "Tracking number can't be blank when a tracking company is given.".to_owned(),
            ));
        }
        if groups.len() > 1 {
            let orders: Vec<Option<u64>> = groups
                .iter()
                .map(|it| {
                    it.get("fulfillmentOrderId")
                        .and_then(Value::as_str)
                        .and_then(|id| number_of(id, "FulfillmentOrder"))
                        .and_then(|id| self.shop.order_of_fulfillment_order(id))
                        .map(|it| it.id)
                })
                .collect();
            if orders.windows(2).any(|pair| pair[0] != pair[1]) {
                return Err((
                    path(1),
                    "All fulfillment orders in a fulfillment must belong to the same order."
                        .to_owned(),
                ));
            }
        }
        let mut created = None;
        for (at, group) in groups.iter().enumerate() {
            let Some(fo) = group
                .get("fulfillmentOrderId")
                .and_then(Value::as_str)
                .and_then(|it| number_of(it, "FulfillmentOrder"))
            else {
                return Err((path(at), "Invalid fulfillment order id.".to_owned()));
            };
            let mut lines = Vec::new();
            for item in group
                .get("fulfillmentOrderLineItems")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let id = item
                    .get("id")
                    .and_then(Value::as_str)
                    .and_then(|it| number_of(it, "FulfillmentOrderLineItem"));
                let quantity = item.get("quantity").and_then(Value::as_u64);
                match (id, quantity) {
                    (Some(id), Some(quantity)) => lines.push((id, quantity as u32)),
                    _ => return Err((path(at), "Invalid fulfillment order line item.".to_owned())),
                }
            }
            let result = self.shop.fulfil(fo, &lines, company, number, now);
            created = Some(result.map_err(|err| {
                let message = match err {
                    FulfilError::NoFulfillmentOrder(id) => format!("Fulfillment order {id} does not exist."),
                    FulfilError::Unfulfillable { fulfillment_order, status } => {
                        format!("Fulfillment order {fulfillment_order} has an unfulfillable status= {status}.")
                    }
                    FulfilError::BadLine(id) => format!("Fulfillment order line item {id} does not belong to the fulfillment order."),
                    FulfilError::TooMany(id) => format!("Invalid fulfillment order line item quantity requested for {id}."),
                    FulfilError::Empty => "The fulfillment order has no line items left to fulfill.".to_owned(),
                };
                (path(at), message)
            })?);
        }
        Ok(created.expect("at least one group"))
    }

    fn set_quantities(
        &mut self,
        field: &Field,
        variables: &Map<String, Value>,
        version: &str,
        now: Timestamp,
    ) -> Result<Value, GqlError> {
        let args = arguments(field, variables);
        let key = field
            .directive("idempotent")
            .and_then(|it| it.arguments.iter().find(|(name, _)| name == "key"))
            .map(|(_, it)| resolve(it, variables))
            .and_then(|it| it.as_str().map(str::to_owned));
        if key.is_none() && version != "unstable" && version >= IDEMPOTENCY_REQUIRED_FROM {
            return Err(GqlError::at(
                field,
                "The @idempotent directive is required for this mutation.",
                "BAD_REQUEST",
            ));
        }
        let input = args.get("input").cloned().unwrap_or(Value::Null);
        let replay = key.as_ref().and_then(|key| {
            self.idempotency
                .get(key)
                .cloned()
                .map(|it| (key.clone(), it))
        });
        if let Some((key, (seen, payload))) = replay {
            if seen != input {
                return Err(GqlError::at(
                    field,
                    "The idempotency key was already used with different arguments.",
                    "IDEMPOTENCY_CONFLICT",
                ));
            }
            for quantity in input
                .get("quantities")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                self.stock.push(StockCall {
                    idempotency_key: Some(key.clone()),
                    inventory_item_id: quantity
                        .get("inventoryItemId")
                        .and_then(Value::as_str)
                        .and_then(|it| number_of(it, "InventoryItem"))
                        .unwrap_or(0),
                    location_id: quantity
                        .get("locationId")
                        .and_then(Value::as_str)
                        .and_then(|it| number_of(it, "Location"))
                        .unwrap_or(0),
                    quantity: quantity
                        .get("quantity")
                        .and_then(Value::as_i64)
                        .unwrap_or(0),
                    at: now,
                    result: Err("replayed".to_owned()),
                });
            }
            let mut ignored = 0.0;
            return project(&payload, &field.selection, field, variables, &mut ignored);
        }
        let payload = self.apply_quantities(&input, key.clone(), now);
        if let Some(key) = key {
            self.idempotency.insert(key, (input, payload.clone()));
        }
        let mut ignored = 0.0;
        project(&payload, &field.selection, field, variables, &mut ignored)
    }

    /// Validates every quantity first (all or nothing, as Shopify does), then sets them.
    fn apply_quantities(&mut self, input: &Value, key: Option<String>, now: Timestamp) -> Value {
        let user_error = |code: &str, path: Value, message: &str| {
            json!({
                "__typename": "InventorySetQuantitiesPayload",
                "inventoryAdjustmentGroup": null,
                "userErrors": { LIST: [{ "__typename": "InventorySetQuantitiesUserError", "code": code, "field": path, "message": message }] },
            })
        };
        let name = input.get("name").and_then(Value::as_str).unwrap_or("");
        if !matches!(name, "available" | "on_hand") {
            return user_error(
                "INVALID_NAME",
                json!(["input", "name"]),
                "The quantity name must be either 'available' or 'on_hand'.",
            );
        }
        let reason = input.get("reason").and_then(Value::as_str).unwrap_or("");
        if !matches!(
            reason,
            "correction"
                | "cycle_count_available"
                | "damaged"
                | "movement_created"
                | "received"
                | "restock"
                | "safety_stock"
                | "shrinkage"
                | "other"
        ) {
            return user_error(
                "INVALID_REASON",
                json!(["input", "reason"]),
                "The specified reason is invalid.",
            );
        }
        let ignore_compare = input
            .get("ignoreCompareQuantity")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let list = input
            .get("quantities")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut planned = Vec::new();
        for (at, quantity) in list.iter().enumerate() {
            let path = |leaf: &str| json!(["input", "quantities", at.to_string(), leaf]);
            let item = quantity
                .get("inventoryItemId")
                .and_then(Value::as_str)
                .and_then(|it| number_of(it, "InventoryItem"));
            let location = quantity
                .get("locationId")
                .and_then(Value::as_str)
                .and_then(|it| number_of(it, "Location"));
            let value = quantity.get("quantity").and_then(Value::as_i64);
            let (Some(item), Some(location), Some(value)) = (item, location, value) else {
                return user_error(
                    "INVALID_INVENTORY_ITEM",
                    path("inventoryItemId"),
                    "The specified inventory item could not be found.",
                );
            };
            let Some(current) = self.shop.available(item, location) else {
                return user_error(
                    "INVALID_LOCATION",
                    path("locationId"),
                    "The specified location could not be found.",
                );
            };
            match (
                ignore_compare,
                quantity.get("compareQuantity").and_then(Value::as_i64),
            ) {
                (true, _) => {}
                (false, None) => {
                    return user_error(
                        "COMPARE_QUANTITY_REQUIRED",
                        path("compareQuantity"),
                        "The compareQuantity argument must be given to each quantity or ignored using ignoreCompareQuantity.",
                    );
                }
                (false, Some(compare)) if compare != current => {
                    return user_error(
                        "COMPARE_QUANTITY_STALE",
                        path("compareQuantity"),
                        "The compareQuantity value does not match persisted value.",
                    );
                }
                (false, Some(_)) => {}
            }
            if value < 0 && name == "on_hand" {
                return user_error(
                    "INVALID_QUANTITY_NEGATIVE",
                    path("quantity"),
                    "The quantity can't be negative.",
                );
            }
            planned.push((item, location, value));
        }
        let mut changes = Vec::new();
        for (item, location, value) in planned {
            let delta = self
                .shop
                .set_available(item, location, value)
                .expect("checked above");
            self.stock.push(StockCall {
                idempotency_key: key.clone(),
                inventory_item_id: item,
                location_id: location,
                quantity: value,
                at: now,
                result: Ok(delta),
            });
            changes.push(json!({ "__typename": "InventoryChange", "name": name, "delta": delta, "quantityAfterChange": value }));
        }
        json!({
            "__typename": "InventorySetQuantitiesPayload",
            "inventoryAdjustmentGroup": { "__typename": "InventoryAdjustmentGroup", "reason": reason, "createdAt": iso_time(now), "changes": { LIST: changes } },
            "userErrors": { LIST: [] },
        })
    }

    /// `POST /admin/oauth/access_token` with `grant_type=refresh_token`: a new access token for the
    /// token lifetime and a new refresh token; the old refresh token keeps working until the new
    /// access token is first used (Shopify's "more resilient refreshes", August 2026).
    pub fn token(&mut self, params: &[(String, String)], now: Timestamp) -> Reply {
        self.advance(now);
        let param = |name: &str| {
            params
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, it)| it.as_str())
        };
        if param("client_id") != Some(self.app.client_id.as_str())
            || param("client_secret") != Some(self.app.client_secret.as_str())
        {
            return Reply::json(
                401,
                json!({ "error": "invalid_client", "error_description": "Client authentication failed." }),
            );
        }
        if param("grant_type") != Some("refresh_token") {
            return Reply::json(400, json!({ "error": "unsupported_grant_type" }));
        }
        let Some(old) = param("refresh_token").filter(|it| self.refresh_tokens.contains_key(*it))
        else {
            return Reply::json(
                400,
                json!({ "error": "invalid_grant", "error_description": "The refresh token is invalid, expired or revoked." }),
            );
        };
        let old = old.to_owned();
        self.issued += 1;
        let access = format!("shpat_sim{}r{}", self.seed, self.issued);
        let refresh = format!("shprt_sim{}r{}", self.seed, self.issued);
        self.tokens.insert(
            access.clone(),
            Some(now.plus_millis(self.token_lifetime_secs * 1000)),
        );
        self.refresh_tokens.insert(refresh.clone(), ());
        self.retire_on_use.insert(access.clone(), old);
        Reply::json(
            200,
            json!({
                "access_token": access,
                "expires_in": self.token_lifetime_secs,
                "refresh_token": refresh,
                "refresh_token_expires_in": 90 * 24 * 3600,
                "scope": "read_orders,write_fulfillments,read_merchant_managed_fulfillment_orders,write_merchant_managed_fulfillment_orders,write_inventory",
            }),
        )
    }

    /// A webhook about an order as Shopify delivers it: the REST-shaped order, signed with the app's
    /// client secret, with the topic, shop, API version, ids and trigger time. `None` for an unknown
    /// order.
    pub fn webhook(&mut self, order_id: u64, topic: &str, now: Timestamp) -> Option<Webhook> {
        self.advance(now);
        let order = self.shop.order(order_id)?;
        let body = rest_order(order, self.offset_minutes)
            .to_string()
            .into_bytes();
        self.deliveries += 1;
        let mut rng = Rng::derive(self.seed ^ 0x3e6b_0000, self.deliveries);
        let uuid = |rng: &mut Rng| {
            let hex = format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64());
            format!(
                "{}-{}-4{}-a{}-{}",
                &hex[..8],
                &hex[8..12],
                &hex[13..16],
                &hex[17..20],
                &hex[20..32]
            )
        };
        let headers = vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("X-Shopify-Topic".to_owned(), topic.to_owned()),
            (
                "X-Shopify-Hmac-Sha256".to_owned(),
                webhook_hmac(&self.app.client_secret, &body),
            ),
            ("X-Shopify-Shop-Domain".to_owned(), self.shop.domain.clone()),
            (
                "X-Shopify-API-Version".to_owned(),
                SUPPORTED_VERSIONS[3].to_owned(),
            ),
            ("X-Shopify-Webhook-Id".to_owned(), uuid(&mut rng)),
            ("X-Shopify-Event-Id".to_owned(), uuid(&mut rng)),
            ("X-Shopify-Triggered-At".to_owned(), iso_time(now)),
        ];
        Some(Webhook { headers, body })
    }
}

/// Checks the request's variables against the operation's definitions: every variable used is
/// defined, every non-null one is given (or has a default). Returns the variables with defaults.
fn check_variables(
    operation: &Operation,
    mut variables: Map<String, Value>,
) -> Result<Map<String, Value>, String> {
    let name = operation.name.as_deref().unwrap_or("anonymous");
    let mut used = Vec::new();
    used_variables(&operation.selection, &mut used);
    for it in &used {
        if !operation.variables.iter().any(|def| &def.name == it) {
            return Err(format!("Variable ${it} is used by {name} but not declared"));
        }
    }
    for def in &operation.variables {
        let given = variables
            .get(&def.name)
            .filter(|it| !it.is_null())
            .is_some();
        if given {
            continue;
        }
        match &def.default {
            Some(default) => {
                variables.insert(def.name.clone(), resolve(default, &Map::new()));
            }
            None if def.type_name.ends_with('!') => {
                return Err(format!(
                    "Variable ${} of type {} was provided invalid value",
                    def.name, def.type_name
                ));
            }
            None => {}
        }
    }
    Ok(variables)
}

/// The calculated cost of an operation before it runs: objects cost 1, scalars 0, a connection or
/// list 2 plus `first` times its node; a mutation 10.
fn requested_cost(operation: &Operation, variables: &Map<String, Value>) -> f64 {
    match operation.kind {
        OperationKind::Mutation => MUTATION_COST * operation.selection.len() as f64,
        OperationKind::Query => operation
            .selection
            .iter()
            .map(|it| field_cost(it, variables))
            .sum(),
    }
}

fn field_cost(field: &Field, variables: &Map<String, Value>) -> f64 {
    if field.selection.is_empty() {
        return 0.0;
    }
    let children = |fields: &[Field]| {
        fields
            .iter()
            .map(|it| field_cost(it, variables))
            .sum::<f64>()
    };
    let first = field
        .argument("first")
        .map(|it| resolve(it, variables))
        .and_then(|it| it.as_i64());
    let Some(first) = first else {
        return 1.0 + children(&field.selection);
    };
    let per_node: f64 = field
        .selection
        .iter()
        .map(|child| match child.name.as_str() {
            "pageInfo" => 0.0,
            "edges" => child
                .selection
                .iter()
                .filter(|it| it.name == "node")
                .map(|it| 1.0 + children(&it.selection))
                .sum(),
            "nodes" => 1.0 + children(&child.selection),
            _ => field_cost(child, variables),
        })
        .sum();
    let is_connection = field
        .selection
        .iter()
        .any(|it| matches!(it.name.as_str(), "nodes" | "edges" | "pageInfo"));
    match is_connection {
        true => 2.0 + first.clamp(0, MAX_PAGE) as f64 * per_node,
        false => 2.0 + first.clamp(0, MAX_PAGE) as f64 * (1.0 + per_node),
    }
}

/// A field's arguments with the variables substituted.
fn arguments(field: &Field, variables: &Map<String, Value>) -> Map<String, Value> {
    field
        .arguments
        .iter()
        .map(|(name, it)| (name.clone(), resolve(it, variables)))
        .collect()
}

fn page_size(field: &Field, args: &Map<String, Value>) -> Result<usize, GqlError> {
    match args.get("first").and_then(Value::as_i64) {
        None => Err(GqlError::at(
            field,
            "you must provide one of first or last",
            "BAD_REQUEST",
        )),
        Some(n) if !(0..=MAX_PAGE).contains(&n) => Err(GqlError::at(
            field,
            format!("The 'first' argument must be between 0 and {MAX_PAGE}."),
            "BAD_REQUEST",
        )),
        Some(n) => Ok(n as usize),
    }
}

/// The number of `gid://shopify/{kind}/{n}`.
fn number_of(gid: &str, kind: &str) -> Option<u64> {
    gid.strip_prefix("gid://shopify/")?
        .strip_prefix(kind)?
        .strip_prefix('/')?
        .parse()
        .ok()
}

fn global_id(field: &Field, args: &Map<String, Value>, kind: &str) -> Result<u64, GqlError> {
    let text = args.get("id").and_then(Value::as_str).unwrap_or("");
    number_of(text, kind).ok_or_else(|| {
        GqlError::at(
            field,
            format!("Invalid global id '{text}'"),
            "argumentLiteralsIncompatible",
        )
    })
}

/// A cursor: the sort value and id after which the next page starts, as opaque hex.
fn encode_cursor(value: i64, id: u64) -> String {
    let text = json!({ "last_id": id, "last_value": value }).to_string();
    text.bytes().map(|it| format!("{it:02x}")).collect()
}

fn decode_cursor(cursor: &str) -> Option<(i64, u64)> {
    if !cursor.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(cursor.get(i..i + 2)?, 16).ok())
        .collect();
    let value: Value = serde_json::from_slice(&bytes?).ok()?;
    Some((
        value.get("last_value")?.as_i64()?,
        value.get("last_id")?.as_u64()?,
    ))
}

/// One term of a search query on a time field.
#[derive(Clone, Debug)]
struct Filter {
    field: &'static str,
    op: &'static str,
    at: Timestamp,
}

impl Filter {
    fn matches(&self, order: &Order) -> bool {
        let value = match self.field {
            "updated_at" => order.updated_at,
            "created_at" => order.created_at,
            _ => order.processed_at,
        };
        match self.op {
            ">=" => value >= self.at,
            ">" => value > self.at,
            "<=" => value <= self.at,
            "<" => value < self.at,
            _ => value == self.at,
        }
    }
}

/// The time filters of a search query (`updated_at:>='2024-06-18T00:00:00Z' AND …`) and warnings
/// for the terms it cannot use, as Shopify reports them in `extensions.search`.
fn search(query: &str) -> (Vec<Filter>, Vec<Value>) {
    let mut filters = Vec::new();
    let mut warnings = Vec::new();
    let mut terms = Vec::new();
    let mut current = String::new();
    let mut quote = None;
    for c in query.chars() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if !current.is_empty() {
                    terms.push(std::mem::take(&mut current));
                }
            }
            (_, c) => current.push(c),
        }
    }
    if !current.is_empty() {
        terms.push(current);
    }
    for term in terms {
        if term == "AND" {
            continue;
        }
        let Some((name, rest)) = term.split_once(':') else {
            warnings.push(json!({ "field": null, "message": format!("Free-text term {term:?} is not supported by this simulator.") }));
            continue;
        };
        let field = match name {
            "updated_at" => "updated_at",
            "created_at" => "created_at",
            "processed_at" => "processed_at",
            other => {
                warnings.push(
                    json!({ "field": other, "message": "Invalid search field for this query." }),
                );
                continue;
            }
        };
        let (op, value) = [">=", "<=", ">", "<"]
            .iter()
            .find_map(|op| rest.strip_prefix(op).map(|it| (*op, it)))
            .unwrap_or(("=", rest));
        match parse_iso_time(value) {
            Some(at) => filters.push(Filter { field, op, at }),
            None => warnings
                .push(json!({ "field": field, "message": format!("Invalid date {value:?}.") })),
        }
    }
    (filters, warnings)
}

/// A connection built from its nodes (already one page), projected through the selection.
fn connection(
    field: &Field,
    nodes: &[Value],
    cursors: &[String],
    has_next: bool,
    type_name: &str,
    variables: &Map<String, Value>,
    actual: &mut f64,
) -> Result<Value, GqlError> {
    *actual += 2.0;
    let mut out = Map::new();
    for child in &field.selection {
        let value = match child.name.as_str() {
            "__typename" => json!(type_name),
            "nodes" => {
                let mut list = Vec::with_capacity(nodes.len());
                for node in nodes {
                    *actual += 1.0;
                    list.push(project(node, &child.selection, child, variables, actual)?);
                }
                Value::Array(list)
            }
            "edges" => {
                let mut edges = Vec::new();
                for (node, cursor) in nodes.iter().zip(cursors) {
                    let mut edge = Map::new();
                    for part in &child.selection {
                        let value = match part.name.as_str() {
                            "cursor" => json!(cursor),
                            "node" => {
                                *actual += 1.0;
                                project(node, &part.selection, part, variables, actual)?
                            }
                            other => return Err(undefined(part, other, "Edge")),
                        };
                        edge.insert(part.key().to_owned(), value);
                    }
                    edges.push(Value::Object(edge));
                }
                Value::Array(edges)
            }
            "pageInfo" => {
                let info = json!({
                    "__typename": "PageInfo",
                    "hasNextPage": has_next,
                    "hasPreviousPage": false,
                    "startCursor": cursors.first(),
                    "endCursor": cursors.last(),
                });
                let mut ignored = 0.0;
                project(&info, &child.selection, child, variables, &mut ignored)?
            }
            other => return Err(undefined(child, other, type_name)),
        };
        out.insert(child.key().to_owned(), value);
    }
    Ok(Value::Object(out))
}

fn undefined(field: &Field, name: &str, type_name: &str) -> GqlError {
    GqlError::at(
        field,
        format!("Field '{name}' doesn't exist on type '{type_name}'"),
        "undefinedField",
    )
}

/// An object node through a selection set: each field by its key, nested objects, connections
/// (`{"__connection": […]}`, paged with `first`) and lists (`{"__list": […]}`). Objects cost 1
/// and connections 2 towards the actual cost.
fn project(
    node: &Value,
    selection: &[Field],
    parent: &Field,
    variables: &Map<String, Value>,
    actual: &mut f64,
) -> Result<Value, GqlError> {
    let type_name = node
        .get("__typename")
        .and_then(Value::as_str)
        .unwrap_or("Object")
        .to_owned();
    if selection.is_empty() {
        return Err(GqlError::at(
            parent,
            format!(
                "Field must have selections (field '{}' returns {type_name} but has no selections. Did you mean '{} {{ ... }}'?)",
                parent.name, parent.name
            ),
            "selectionMismatch",
        ));
    }
    let mut out = Map::new();
    for field in selection {
        if field.name == "__typename" {
            out.insert(field.key().to_owned(), json!(type_name));
            continue;
        }
        let Some(value) = node
            .get(&field.name)
            .filter(|_| !field.name.starts_with("__"))
        else {
            return Err(undefined(field, &field.name, &type_name));
        };
        let projected = match value {
            Value::Object(map) if map.contains_key(CONNECTION) => {
                let items = map[CONNECTION].as_array().cloned().unwrap_or_default();
                let args = arguments(field, variables);
                let first = page_size(field, &args)?;
                let cursors: Vec<String> = (0..items.len())
                    .map(|it| encode_cursor(it as i64, it as u64))
                    .collect();
                let page: Vec<Value> = items.iter().take(first).cloned().collect();
                let name = format!(
                    "{}Connection",
                    page.first()
                        .and_then(|it| it.get("__typename"))
                        .and_then(Value::as_str)
                        .unwrap_or("Node")
                );
                connection(
                    field,
                    &page,
                    &cursors,
                    items.len() > first,
                    &name,
                    variables,
                    actual,
                )?
            }
            Value::Object(map) if map.contains_key(LIST) => {
                let items = map[LIST].as_array().cloned().unwrap_or_default();
                let args = arguments(field, variables);
                let first = match args.get("first") {
                    None => items.len(),
                    Some(_) => page_size(field, &args)?,
                };
                *actual += 2.0;
                let mut list = Vec::new();
                for item in items.iter().take(first) {
                    *actual += 1.0;
                    list.push(project(item, &field.selection, field, variables, actual)?);
                }
                Value::Array(list)
            }
            Value::Object(_) => {
                *actual += 1.0;
                project(value, &field.selection, field, variables, actual)?
            }
            other if !field.selection.is_empty() && !other.is_null() => {
                return Err(GqlError::at(
                    field,
                    format!(
                        "Selections can't be made on scalars (field '{}' returns a scalar)",
                        field.name
                    ),
                    "selectionMismatch",
                ));
            }
            other => other.clone(),
        };
        out.insert(field.key().to_owned(), projected);
    }
    Ok(Value::Object(out))
}

/// A request id like Shopify's (a UUID), the same for a seed and request number.
fn request_id(seed: u64, n: u64) -> String {
    let mut rng = Rng::derive(seed ^ 0x5eed_1d00, n);
    let hex = format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64());
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use domain::Timestamp;
    use serde_json::{Map, json};

    use crate::shopify::admin::{decode_cursor, encode_cursor, requested_cost, search};
    use crate::shopify::graphql::parse;

    #[test]
    fn cursors_round_trip() {
        let cursor = encode_cursor(1_718_683_200_000, 5_820_000_000_000_001_009);
        assert_eq!(
            decode_cursor(&cursor),
            Some((1_718_683_200_000, 5_820_000_000_000_001_009))
        );
        assert_eq!(decode_cursor("zz"), None);
        assert_eq!(decode_cursor("abc"), None);
    }

    #[test]
    fn search_reads_time_ranges() {
        let (filters, warnings) = search(
            "updated_at:>='2024-06-18T00:00:00Z' AND updated_at:<\"2024-06-18T01:00:00Z\" status:open",
        );
        assert_eq!(filters.len(), 2);
        assert_eq!(
            (filters[0].op, filters[0].at),
            (">=", Timestamp::from_unix_millis(1_718_668_800_000))
        );
        assert_eq!(filters[1].op, "<");
        assert_eq!(
            warnings,
            [json!({ "field": "status", "message": "Invalid search field for this query." })]
        );
    }

    #[test]
    fn costs_multiply_through_connections() {
        let op = parse("{ orders(first: 10) { pageInfo { hasNextPage } nodes { id customer { id } lineItems(first: 5) { nodes { id variant { id } } } } } }").unwrap();
        // 2 + 10 × (1 + customer 1 + (2 + 5 × (1 + 1))).
        assert_eq!(
            requested_cost(&op, &Map::new()),
            2.0 + 10.0 * (1.0 + 1.0 + 12.0)
        );
        let op = parse("mutation { a { b } }").unwrap();
        assert_eq!(requested_cost(&op, &Map::new()), 10.0);
    }
}
