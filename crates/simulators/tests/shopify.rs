//! The Shopify simulator from the outside: GraphQL calls through the Router (and once over a real
//! loopback socket), Shopify's error bodies, cost throttling, keyset paging on live data,
//! write-backs, token refresh, signed webhooks, determinism, and every generated order mapping
//! cleanly in both of its shapes (the GraphQL node and the REST/webhook order) to the same order.

use std::collections::BTreeSet;
use std::sync::Arc;

use app::{ChannelError, Clock, Connector, ManualClock};
use axum::body::{Body, to_bytes};
use axum::http::{Request, header};
use channels::shopify::{
    API_VERSION, ShopifyConfig, ShopifyConnector, order_query, orders_query, window_query,
};
use domain::{ShopId, StandardOrder, Timestamp};
use mapping::{Divisions, MapContext, OrderMapping};
use serde_json::{Value, json};
use simulators::shopify::{
    Config, Financial, Fulfillment, Grant, Outage, Simulation, Simulator, TOKEN_PATH, Throttle,
    graphql_order, graphql_path, rest_order,
};
use tower::ServiceExt;

const TOKEN: &str = "shpat_example";
const HOUR: i64 = 3_600_000;

fn start_time() -> Timestamp {
    Timestamp::from_unix_millis(1_718_683_200_000)
}

struct Fixture {
    clock: Arc<ManualClock>,
    simulator: Simulator,
}

fn fixture(config: Config) -> Fixture {
    let clock = Arc::new(ManualClock::new(start_time()));
    let simulator = Simulator::new(config, clock.clone());
    Fixture { clock, simulator }
}

/// The example shop with a bucket too big to meet, for tests of other things than throttling.
fn config() -> Config {
    let mut config = Config::example(5);
    config.throttle = Throttle {
        maximum_available: 100_000.0,
        restore_rate: 10_000.0,
    };
    config.tokens.push(Grant {
        access_token: "shpat_short".to_owned(),
        expires_at: Some(start_time().plus_millis(HOUR)),
        refresh_token: Some("shprt_short".to_owned()),
    });
    config
}

/// POSTs a GraphQL request through the Router: status, headers' API version, body.
async fn post(
    fixture: &Fixture,
    version: &str,
    token: Option<&str>,
    body: Value,
) -> (u16, Option<String>, Value) {
    let mut request =
        Request::post(graphql_path(version)).header(header::CONTENT_TYPE, "application/json");
    if let Some(token) = token {
        request = request.header("X-Shopify-Access-Token", token);
    }
    let response = fixture
        .simulator
        .router()
        .oneshot(request.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let version = response
        .headers()
        .get("X-Shopify-API-Version")
        .map(|it| it.to_str().unwrap().to_owned());
    let bytes = to_bytes(response.into_body(), 1 << 24).await.unwrap();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    (
        status,
        version,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn query(fixture: &Fixture, query: &str, variables: Value) -> Value {
    let (status, _, body) = post(
        fixture,
        API_VERSION,
        Some(TOKEN),
        json!({ "query": query, "variables": variables }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code: {body}"))
}

#[tokio::test]
async fn the_connectors_listing_query_answers_with_its_selection_and_cost() {
    let fixture = fixture(Config::example(5));
    let now = fixture.clock.now();
    let body = query(
        &fixture,
        &orders_query(5),
        json!({ "first": 3, "after": null, "query": window_query(now.plus_millis(-6 * HOUR), now) }),
    )
    .await;
    let orders = &body["data"]["orders"];
    let nodes = orders["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 3, "{body}");
    assert_eq!(orders["pageInfo"]["hasNextPage"], true);
    assert!(orders["pageInfo"]["endCursor"].is_string());
    let node = &nodes[0];
    assert!(
        node["id"]
            .as_str()
            .unwrap()
            .starts_with("gid://shopify/Order/")
    );
    assert!(node["totalPriceSet"]["shopMoney"]["amount"].is_string());
    // Only what was asked: no fulfillment orders, no presentment money.
    assert!(node.get("fulfillmentOrders").is_none());
    assert!(node["totalPriceSet"].get("presentmentMoney").is_none());
    let cost = &body["extensions"]["cost"];
    let requested = cost["requestedQueryCost"].as_f64().unwrap();
    let actual = cost["actualQueryCost"].as_f64().unwrap();
    assert!(actual > 0.0 && actual < requested, "{cost}");
    assert_eq!(
        cost["throttleStatus"]["currentlyAvailable"]
            .as_f64()
            .unwrap(),
        2000.0 - actual
    );
}

#[tokio::test]
async fn errors_have_shopifys_shapes() {
    let fixture = fixture(Config::example(5));
    let q = json!({ "query": "{ orders(first: 1) { nodes { id } } }" });
    let (status, _, body) = post(&fixture, API_VERSION, None, q.clone()).await;
    assert_eq!(
        (status, body["errors"].as_str()),
        (
            401,
            Some("[API] Invalid API key or access token (unrecognized login or wrong password)")
        )
    );
    let (status, _, _) = post(&fixture, API_VERSION, Some("shpat_nobody"), q.clone()).await;
    assert_eq!(status, 401);
    let (status, _, _) = post(&fixture, "latest", Some(TOKEN), q.clone()).await;
    assert_eq!(status, 404);
    let (status, version, _) = post(&fixture, "2023-01", Some(TOKEN), q.clone()).await;
    assert_eq!(
        (status, version.as_deref()),
        (200, Some("2025-04")),
        "old versions fall forward"
    );
    let (status, _, body) = post(
        &fixture,
        API_VERSION,
        Some(TOKEN),
        json!({ "variables": {} }),
    )
    .await;
    assert_eq!(
        (status, &body),
        (
            400,
            &json!({ "errors": { "query": "Required parameter missing or invalid" } })
        )
    );

    let body = query(
        &fixture,
        "{ orders(first: 1) { nodes { id colour } } }",
        json!({}),
    )
    .await;
    assert_eq!(code(&body), "undefinedField");
    assert_eq!(
        body["errors"][0]["message"],
        "Field 'colour' doesn't exist on type 'Order'"
    );
    assert!(body.get("data").is_none());
    let body = query(&fixture, "{ orders(first: 1) { nodes { id }", json!({})).await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Parse error"),
        "{body}"
    );
    assert!(body["errors"][0]["locations"][0]["line"].is_u64());
    let body = query(
        &fixture,
        "query Q($id: ID!) { order(id: $id) { id } }",
        json!({}),
    )
    .await;
    assert_eq!(
        body["errors"][0]["message"],
        "Variable $id of type ID! was provided invalid value"
    );
    let body = query(
        &fixture,
        "{ orders(first: 251) { nodes { id } } }",
        json!({}),
    )
    .await;
    assert_eq!(code(&body), "BAD_REQUEST");
    let body = query(
        &fixture,
        "{ orders(first: 250) { nodes { id lineItems(first: 250) { nodes { id } } } } }",
        json!({}),
    )
    .await;
    assert_eq!(code(&body), "MAX_COST_EXCEEDED");
    let body = query(
        &fixture,
        "{ order(id: \"gid://shopify/Order/1\") { id } }",
        json!({}),
    )
    .await;
    assert_eq!(body["data"]["order"], Value::Null);
}

#[tokio::test]
async fn the_bucket_throttles_until_it_refills() {
    let fixture = fixture(Config::example(5));
    let expensive =
        "{ orders(first: 100) { nodes { id customer { id } shippingAddress { city } } } }";
    let mut throttled = None;
    for _ in 0..20 {
        let body = query(&fixture, expensive, json!({})).await;
        if body.get("errors").is_some() {
            throttled = Some(body);
            break;
        }
    }
    let body = throttled.expect("the bucket ran dry");
    assert_eq!(code(&body), "THROTTLED");
    assert_eq!(body["errors"][0]["message"], "Throttled");
    let cost = &body["extensions"]["cost"];
    assert_eq!(cost["actualQueryCost"], Value::Null);
    let missing = cost["requestedQueryCost"].as_f64().unwrap()
        - cost["throttleStatus"]["currentlyAvailable"]
            .as_f64()
            .unwrap();
    let wait =
        (missing / cost["throttleStatus"]["restoreRate"].as_f64().unwrap() * 1000.0).ceil() as i64;
    fixture.clock.advance_millis(wait);
    let body = query(&fixture, expensive, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
}

/// Every order in `window` by walking the cursors, with how many times each was seen.
async fn walk(
    fixture: &Fixture,
    from: Timestamp,
    to: Timestamp,
    between: impl Fn(&Fixture),
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let body = query(
            fixture,
            &orders_query(5),
            json!({ "first": 25, "after": after, "query": window_query(from, to) }),
        )
        .await;
        let orders = &body["data"]["orders"];
        for node in orders["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
        {
            seen.push(node["id"].as_str().unwrap().to_owned());
        }
        if orders["pageInfo"]["hasNextPage"] != true {
            return seen;
        }
        after = orders["pageInfo"]["endCursor"].clone();
        between(fixture);
    }
}

#[tokio::test]
async fn keyset_paging_sees_every_order_once_even_while_orders_change() {
    let fixture = fixture(config());
    let to = fixture.clock.now();
    let from = to.plus_millis(-12 * HOUR);
    let expected: BTreeSet<String> = fixture
        .simulator
        .lock()
        .shop()
        .orders()
        .iter()
        .filter(|it| from <= it.updated_at && it.updated_at < to)
        .map(|it| format!("gid://shopify/Order/{}", it.id))
        .collect();
    assert!(expected.len() > 100, "{}", expected.len());
    let seen = walk(&fixture, from, to, |_| {}).await;
    assert_eq!(seen.len(), expected.len());
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), expected);

    // While orders change between pages, those untouched are all still seen, once; the changed ones
    // move past the window's end (the next window finds them).
    let seen = walk(&fixture, from, to, |it| {
        it.clock.advance_millis(10 * 60_000)
    })
    .await;
    let unique: BTreeSet<_> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no order twice");
    let simulation = fixture.simulator.lock();
    for order in simulation.shop().orders() {
        let id = format!("gid://shopify/Order/{}", order.id);
        if from <= order.updated_at && order.updated_at < to {
            assert!(unique.contains(&id), "{id} was skipped");
        }
    }
}

#[tokio::test]
async fn a_fulfillment_is_recorded_and_a_repeat_is_refused() {
    let fixture = fixture(config());
    let order = {
        let simulation = fixture.simulator.lock();
        simulation
            .shop()
            .orders()
            .iter()
            .find(|it| {
                it.financial == Financial::Paid
                    && it.fulfillment() == Fulfillment::Unfulfilled
                    && it.lines.len() > 1
            })
            .cloned()
            .expect("an order to ship")
    };
    let create = "mutation Ship($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) { fulfillment { id status } userErrors { field message } } }";
    let fo = format!(
        "gid://shopify/FulfillmentOrder/{}",
        order.fulfillment_order_id
    );
    let one_line = json!({ "f": {
        "lineItemsByFulfillmentOrder": [{ "fulfillmentOrderId": fo, "fulfillmentOrderLineItems": [
            { "id": format!("gid://shopify/FulfillmentOrderLineItem/{}", order.lines[0].fulfillment_line_id), "quantity": order.lines[0].quantity } ] }],
        "trackingInfo": { "company": "SF Express", "number": "SF100" } } });
    let body = query(&fixture, create, one_line.clone()).await;
    assert_eq!(
        body["data"]["fulfillmentCreate"]["userErrors"],
        json!([]),
        "{body}"
    );
    assert_eq!(
        body["data"]["fulfillmentCreate"]["fulfillment"]["status"],
        "SUCCESS"
    );
    let body = query(&fixture, create, one_line).await;
    let errors = &body["data"]["fulfillmentCreate"]["userErrors"];
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid fulfillment order line item quantity"),
        "{body}"
    );
    let node = query(
        &fixture,
        &order_query(10),
        json!({ "id": format!("gid://shopify/Order/{}", order.id) }),
    )
    .await;
    assert_eq!(
        node["data"]["order"]["displayFulfillmentStatus"],
        "PARTIALLY_FULFILLED"
    );
    let rest = json!({ "f": { "lineItemsByFulfillmentOrder": [{ "fulfillmentOrderId": fo }], "trackingInfo": { "company": "SF Express", "number": "SF101" } } });
    let body = query(&fixture, create, rest.clone()).await;
    assert_eq!(
        body["data"]["fulfillmentCreate"]["userErrors"],
        json!([]),
        "{body}"
    );
    let body = query(&fixture, create, rest).await;
    assert_eq!(
        body["data"]["fulfillmentCreate"]["userErrors"][0]["message"],
        format!(
            "Fulfillment order {} has an unfulfillable status= closed.",
            order.fulfillment_order_id
        )
    );
    let simulation = fixture.simulator.lock();
    let calls: Vec<_> = simulation
        .fulfillment_calls()
        .iter()
        .map(|it| (it.number.as_str(), it.result.is_ok(), it.order_id))
        .collect();
    assert_eq!(
        calls,
        [
            ("SF100", true, Some(order.id)),
            ("SF100", false, Some(order.id)),
            ("SF101", true, Some(order.id)),
            ("SF101", false, Some(order.id))
        ]
    );
    assert_eq!(
        simulation.shop().order(order.id).unwrap().fulfillment(),
        Fulfillment::Fulfilled
    );
}

#[tokio::test]
async fn stock_is_set_once_per_idempotency_key() {
    let fixture = fixture(config());
    let (item, location) = {
        let simulation = fixture.simulator.lock();
        (
            simulators::shopify::CATALOGUE[0].variants[0].inventory_item_id,
            simulation.shop().location_id,
        )
    };
    let mutation = "mutation S($input: InventorySetQuantitiesInput!, $key: String!) { inventorySetQuantities(input: $input) @idempotent(key: $key) { inventoryAdjustmentGroup { changes { delta quantityAfterChange } } userErrors { code message } } }";
    let input = |quantity: i64| {
        json!({ "name": "available", "reason": "correction", "ignoreCompareQuantity": true, "quantities": [
        { "inventoryItemId": format!("gid://shopify/InventoryItem/{item}"), "locationId": format!("gid://shopify/Location/{location}"), "quantity": quantity } ] })
    };
    let first = query(
        &fixture,
        mutation,
        json!({ "input": input(37), "key": "k1" }),
    )
    .await;
    let change = &first["data"]["inventorySetQuantities"]["inventoryAdjustmentGroup"]["changes"][0];
    assert_eq!(
        (
            change["delta"].as_i64(),
            change["quantityAfterChange"].as_i64()
        ),
        (Some(37 - 120), Some(37)),
        "{first}"
    );
    let again = query(
        &fixture,
        mutation,
        json!({ "input": input(37), "key": "k1" }),
    )
    .await;
    assert_eq!(
        again["data"], first["data"],
        "a replay answers like the first call"
    );
    let conflict = query(
        &fixture,
        mutation,
        json!({ "input": input(12), "key": "k1" }),
    )
    .await;
    assert_eq!(code(&conflict), "IDEMPOTENCY_CONFLICT");
    let stale = json!({ "name": "available", "reason": "correction", "quantities": [
        { "inventoryItemId": format!("gid://shopify/InventoryItem/{item}"), "locationId": format!("gid://shopify/Location/{location}"), "quantity": 5, "compareQuantity": 99 } ] });
    let body = query(&fixture, mutation, json!({ "input": stale, "key": "k2" })).await;
    assert_eq!(
        body["data"]["inventorySetQuantities"]["userErrors"][0]["code"],
        "COMPARE_QUANTITY_STALE"
    );
    let (_, _, body) = post(&fixture, "2026-04", Some(TOKEN), json!({ "query": "mutation S($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) { userErrors { code } } }", "variables": { "input": input(1) } })).await;
    assert_eq!(
        body["errors"][0]["message"],
        "The @idempotent directive is required for this mutation."
    );
    let simulation = fixture.simulator.lock();
    let results: Vec<_> = simulation
        .stock_calls()
        .iter()
        .map(|it| (it.quantity, it.result.clone()))
        .collect();
    assert_eq!(
        results,
        [(37, Ok(37 - 120)), (37, Err("replayed".to_owned()))]
    );
    assert_eq!(simulation.shop().available(item, location), Some(37));
}

async fn refresh(fixture: &Fixture, refresh_token: &str) -> (u16, Value) {
    let form = format!(
        "client_id=sim-client-id&client_secret=hush&grant_type=refresh_token&refresh_token={refresh_token}"
    );
    let request = Request::post(TOKEN_PATH)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    let response = fixture.simulator.router().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn expiring_tokens_are_refreshed_and_refresh_tokens_rotate() {
    let fixture = fixture(config());
    let q = json!({ "query": "{ orders(first: 1) { nodes { id } } }" });
    assert_eq!(
        post(&fixture, API_VERSION, Some("shpat_short"), q.clone())
            .await
            .0,
        200
    );
    fixture.clock.advance_millis(HOUR);
    assert_eq!(
        post(&fixture, API_VERSION, Some("shpat_short"), q.clone())
            .await
            .0,
        401
    );
    let (status, token) = refresh(&fixture, "shprt_short").await;
    assert_eq!(status, 200, "{token}");
    assert_eq!(token["expires_in"], 3600);
    let access = token["access_token"].as_str().unwrap().to_owned();
    let rotated = token["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rotated, "shprt_short");
    // The old refresh token still works until the new access token is used …
    let (status, again) = refresh(&fixture, "shprt_short").await;
    assert_eq!(status, 200);
    assert_eq!(
        post(&fixture, API_VERSION, Some(&access), q.clone())
            .await
            .0,
        200
    );
    // … and not after.
    let (status, body) = refresh(&fixture, "shprt_short").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(refresh(&fixture, &rotated).await.0, 200);
    assert!(again["access_token"].is_string());
    fixture.clock.advance_millis(HOUR);
    assert_eq!(post(&fixture, API_VERSION, Some(&access), q).await.0, 401);
}

fn connector(client_secret: &str) -> ShopifyConnector {
    ShopifyConnector::new(
        ShopifyConfig {
            shop_url: "http://127.0.0.1:9".to_owned(),
            api_version: API_VERSION.to_owned(),
            access_token: TOKEN.to_owned(),
            token_expires_at: None,
            refresh_token: None,
            client_id: "sim-client-id".to_owned(),
            client_secret: client_secret.to_owned(),
            location_id: "1".to_owned(),
            page_size: 20,
            line_items_per_order: 5,
        },
        ShopId(1),
        None,
    )
    .unwrap()
}

#[test]
fn webhooks_are_signed_and_the_connector_verifies_them() {
    let fixture = fixture(config());
    let order = fixture.simulator.lock().shop().orders()[3].id;
    let webhook = fixture.simulator.webhook(order, "orders/updated").unwrap();
    let header = |name: &str| {
        webhook
            .headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(header("X-Shopify-Topic"), "orders/updated");
    assert_eq!(
        header("X-Shopify-Shop-Domain"),
        "orderhub-tea.myshopify.com"
    );
    let now = fixture.clock.now();
    let messages = connector("hush")
        .verify_push(&webhook.headers, &webhook.body, now)
        .unwrap();
    let [message] = messages.as_slice() else {
        panic!("a webhook is one event: {messages:?}");
    };
    assert_eq!(message.topic, "orders/updated");
    assert_eq!(message.external_id, Some(order.to_string()));
    assert_eq!(message.event_id, header("X-Shopify-Event-Id"));
    // A tampered body, another app's secret, and no signature at all are refused.
    let mut tampered = webhook.body.clone();
    let at = tampered.iter().position(|it| *it == b'5').unwrap();
    tampered[at] = b'6';
    for (headers, body, secret) in [
        (webhook.headers.clone(), tampered, "hush"),
        (
            webhook.headers.clone(),
            webhook.body.clone(),
            "another-secret",
        ),
        (
            webhook
                .headers
                .iter()
                .filter(|(k, _)| k != "X-Shopify-Hmac-Sha256")
                .cloned()
                .collect(),
            webhook.body.clone(),
            "hush",
        ),
    ] {
        assert!(matches!(
            connector(secret).verify_push(&headers, &body, now),
            Err(ChannelError::Unauthorized(_))
        ));
    }
    // Each delivery is a new event.
    let again = fixture.simulator.webhook(order, "orders/updated").unwrap();
    assert_ne!(again.headers, webhook.headers);
    assert!(fixture.simulator.webhook(1, "orders/updated").is_none());
}

fn context() -> MapContext<'static> {
    MapContext {
        shop: ShopId(1),
        default_country: "US",
        divisions: Divisions::official(),
    }
}

/// What both shapes of one order must agree on.
fn essence(order: &StandardOrder) -> Value {
    json!({
        "external_id": order.external_id.as_str(),
        "state": format!("{:?}", order.platform_state),
        "created": order.created_at.unix_millis(),
        "updated": order.updated_at.unix_millis(),
        "paid_at": order.paid_at.map(|it| it.unix_millis()),
        "amounts": format!("{:?}", order.amounts),
        "receiver": format!("{:?}", order.receiver),
        "buyer": format!("{:?}", order.buyer),
        "message": order.buyer_message,
        "tags": order.tags,
        "lines": order.lines.iter().map(|it| format!("{it:?}")).collect::<Vec<_>>(),
    })
}

#[test]
fn every_generated_order_maps_cleanly_in_both_shapes_to_the_same_order() {
    let clock = ManualClock::new(start_time());
    let mut config = Config::example(21);
    config.history_hours = 24 * 12;
    config.traffic.orders_per_hour = 12;
    let mut simulation = Simulation::new(config, clock.now());
    simulation.advance(clock.now().plus_millis(HOUR));
    let graphql = OrderMapping::from_toml(mapping::builtin("shopify_graphql").unwrap()).unwrap();
    let rest = OrderMapping::from_toml(mapping::builtin("shopify").unwrap()).unwrap();
    let mut states = BTreeSet::new();
    let mut refunded_lines = 0;
    let orders = simulation.shop().orders();
    assert!(orders.len() > 3000, "{}", orders.len());
    for order in orders {
        let node = graphql_order(order).to_string();
        let from_node = graphql
            .map(node.as_bytes(), &context())
            .unwrap_or_else(|err| panic!("{err} in {node}"))
            .order;
        let document = json!({ "order": rest_order(order, -240) }).to_string();
        let from_rest = rest
            .map(document.as_bytes(), &context())
            .unwrap_or_else(|err| panic!("{err} in {document}"))
            .order;
        assert_eq!(
            essence(&from_node),
            essence(&from_rest),
            "order {}",
            order.id
        );
        assert_eq!(from_node.external_id.as_str(), order.id.to_string());
        assert_eq!(
            channels::shopify::mapping_for(node.as_bytes()),
            "shopify_graphql"
        );
        assert_eq!(
            channels::shopify::mapping_for(document.as_bytes()),
            "shopify"
        );
        states.insert(format!(
            "{}/{}",
            order.financial.graphql(),
            order.fulfillment().graphql()
        ));
        refunded_lines += from_node
            .lines
            .iter()
            .filter(|it| format!("{:?}", it.refund) == "Refunded")
            .count();
    }
    // The history reaches every kind of order.
    for state in [
        "PENDING/UNFULFILLED",
        "PAID/UNFULFILLED",
        "PAID/FULFILLED",
        "PARTIALLY_REFUNDED/UNFULFILLED",
        "REFUNDED/UNFULFILLED",
        "VOIDED/UNFULFILLED",
    ] {
        assert!(states.contains(state), "no {state} in {states:?}");
    }
    assert!(refunded_lines > 0);
}

#[test]
fn the_generator_is_deterministic_and_independent_of_step_size() {
    let describe = |simulation: &Simulation| {
        simulation
            .shop()
            .orders()
            .iter()
            .map(|it| graphql_order(it).to_string())
            .collect::<Vec<_>>()
    };
    let mut config = Config::example(9);
    config.history_hours = 6;
    let a = Simulation::new(config.clone(), start_time());
    let b = Simulation::new(config.clone(), start_time());
    assert_eq!(describe(&a), describe(&b));
    // The same history start (six hours before `start_time`), played in half-minute steps.
    let mut stepped = Simulation::new(
        Config {
            history_hours: 4,
            ..config.clone()
        },
        start_time().plus_millis(-2 * HOUR),
    );
    for step in 1..=240 {
        stepped.advance(start_time().plus_millis(-2 * HOUR + step * 30_000));
    }
    assert_eq!(describe(&stepped), describe(&a));
    config.seed = 10;
    assert_ne!(
        describe(&Simulation::new(config, start_time())),
        describe(&a)
    );
}

#[tokio::test]
async fn a_real_loopback_server_answers_and_shuts_down() {
    let fixture = fixture(config());
    let (addr, server) = simulators::shopify::start(simulators::shopify::ServeConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        simulator: fixture.simulator.clone(),
    })
    .await
    .unwrap();
    let mut config = ShopifyConfig {
        shop_url: format!("http://{addr}"),
        api_version: API_VERSION.to_owned(),
        access_token: TOKEN.to_owned(),
        token_expires_at: None,
        refresh_token: None,
        client_id: "sim-client-id".to_owned(),
        client_secret: "hush".to_owned(),
        location_id: fixture.simulator.lock().shop().location_id.to_string(),
        page_size: 20,
        line_items_per_order: 1,
    };
    let connector = ShopifyConnector::new(config.clone(), ShopId(1), None).unwrap();
    let now = fixture.clock.now();
    let window = app::Window {
        from: now.plus_millis(-3 * HOUR),
        to: now,
    };
    let page = connector.list_orders(window, None, now).await.unwrap();
    assert_eq!(page.items.len(), 20);
    // Orders with more lines than a listing carries were fetched again whole.
    let mut more_lines = 0;
    for item in &page.items {
        let order = item.order.as_ref().unwrap();
        let truth = fixture
            .simulator
            .lock()
            .shop()
            .order(order.external_id.as_str().parse().unwrap())
            .unwrap()
            .lines
            .len();
        assert_eq!(order.lines.len(), truth);
        more_lines += usize::from(truth > 1);
    }
    assert!(more_lines > 0);
    let one = connector
        .fetch_order(&page.items[0].external_id, now)
        .await
        .unwrap();
    assert_eq!(one.external_id, page.items[0].external_id);
    assert_eq!(one.format, channels::shopify::FORMAT);
    assert!(one.order.is_ok());
    // Pages are cut to what the bucket holds: the smallest plan's until the shop's is known.
    let greedy = ShopifyConnector::new(
        ShopifyConfig {
            page_size: 250,
            line_items_per_order: 50,
            ..config.clone()
        },
        ShopId(1),
        None,
    )
    .unwrap();
    let first = greedy.list_orders(window, None, now).await.unwrap();
    assert_eq!(first.items.len(), 2, "998 points hold two orders of 363");
    let second = greedy.list_orders(window, None, now).await.unwrap();
    assert!(second.items.len() > 20, "{}", second.items.len());
    // A token that is not valid needs a person: no refresh token to recover with.
    config.access_token = "shpat_revoked".to_owned();
    let revoked = ShopifyConnector::new(config, ShopId(1), None).unwrap();
    assert!(matches!(
        revoked.list_orders(window, None, now).await,
        Err(ChannelError::Unauthorized(_))
    ));
    fixture.simulator.lock().fail_next(2, Outage::InternalError);
    assert!(matches!(
        connector.list_orders(window, None, now).await,
        Err(ChannelError::Transient(_))
    ));
    fixture.simulator.lock().fail_next(1, Outage::BadGateway);
    assert!(matches!(
        connector.list_orders(window, None, now).await,
        Err(ChannelError::Transient(_))
    ));
    assert!(connector.list_orders(window, None, now).await.is_ok());
    server.shutdown().await.unwrap();
}
