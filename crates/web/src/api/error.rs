//! The API's one error shape, `{code, message, field?}` with a stable snake_case code, and the
//! mapping of every failure onto it: a request the client got wrong is a 4xx that says what, where
//! and why; only the database failing is a 5xx.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// What every failed request answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable, snake_case: clients branch on it.
    pub code: &'static str,
    /// For people: what went wrong and what to do.
    pub message: String,
    /// The request field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: ErrorBody {
                code,
                message: message.into(),
                field: None,
            },
        }
    }

    pub fn field(mut self, field: impl Into<String>) -> ApiError {
        self.body.field = Some(field.into());
        self
    }

    pub fn unauthenticated() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "sign in, or send an API token as `Authorization: Bearer …`",
        )
    }

    pub fn forbidden(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("your role may not {what}"),
        )
    }

    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{} not found", what.into()),
        )
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message).field(field)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

impl From<app::Error> for ApiError {
    fn from(error: app::Error) -> ApiError {
        use app::Error as E;
        let message = error.to_string();
        match error {
            E::NotFound(_) => ApiError::new(StatusCode::NOT_FOUND, "not_found", message),
            E::Conflict(_) => ApiError::new(StatusCode::CONFLICT, "conflict", message),
            E::Order(_) => ApiError::new(StatusCode::CONFLICT, "order_refused", message),
            E::Shipment(_) => ApiError::new(StatusCode::CONFLICT, "shipment_refused", message),
            E::Stock(_) => ApiError::new(StatusCode::CONFLICT, "stock_refused", message),
            E::AfterSale(_) => ApiError::new(StatusCode::CONFLICT, "after_sale_refused", message),
            E::OverAllocation(_) => ApiError::new(StatusCode::CONFLICT, "over_allocation", message),
            E::Invalid { field, reason } => ApiError::invalid(&field, reason),
            E::Storage(_) => {
                tracing::error!(%message, "storage failed");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "storage",
                    "the database failed; the operator has been told",
                )
            }
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        let text = rejection.body_text();
        match rejection {
            JsonRejection::JsonDataError(_) => {
                let code = match text.contains("unknown field") {
                    true => "unknown_field",
                    false => "wrong_type",
                };
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, text)
            }
            JsonRejection::JsonSyntaxError(_) => {
                ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", text)
            }
            JsonRejection::MissingJsonContentType(_) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "json_expected",
                "send the body as `Content-Type: application/json`",
            ),
            JsonRejection::BytesRejection(_) => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", text)
            }
            _ => ApiError::new(StatusCode::BAD_REQUEST, "bad_request", text),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_query", rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_path", rejection.body_text())
    }
}
