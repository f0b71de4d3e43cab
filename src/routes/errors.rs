//! HTTP errors for the JSON API: each variant is one status code with a stable `error`
//! code and a human reason. Internal details only reach the log.

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use crate::ratelimit::RetryAfter;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("missing or invalid API key")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Gone(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("validation failed")]
    Validation(BTreeMap<String, String>),
    #[error("too many requests")]
    TooManyRequests(RetryAfter),
    /// A limit on the caller's work, named in the message (a 429 with `Retry-After`).
    #[error("{0}")]
    Limited(String, RetryAfter),
    #[error("service temporarily unavailable")]
    Unavailable,
    #[error("internal error")]
    Internal,
}

impl ApiError {
    fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::Gone(_) => "gone",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::Validation(_) => "validation",
            ApiError::TooManyRequests(_) => "too_many_requests",
            ApiError::Limited(..) => "limit_reached",
            ApiError::Unavailable => "unavailable",
            ApiError::Internal => "internal",
        }
    }

    /// A 422 with a single field error.
    pub fn field(name: &str, message: impl Into<String>) -> ApiError {
        ApiError::Validation(BTreeMap::from([(name.to_owned(), message.into())]))
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        if e.is_unavailable() {
            tracing::warn!(error = %e, "database unavailable");
            ApiError::Unavailable
        } else {
            tracing::error!(error = %e, "storage error");
            ApiError::Internal
        }
    }
}

impl From<crate::db::DbError> for ApiError {
    fn from(e: crate::db::DbError) -> ApiError {
        StoreError::from(e).into()
    }
}

impl From<RetryAfter> for ApiError {
    fn from(r: RetryAfter) -> ApiError {
        ApiError::TooManyRequests(r)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests(_) | ApiError::Limited(..) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        let body = match self {
            ApiError::Validation(fields) => json!({ "error": "validation", "fields": fields }),
            other => json!({ "error": other.code(), "message": other.to_string() }),
        };
        match self {
            ApiError::TooManyRequests(RetryAfter(secs)) | ApiError::Limited(_, RetryAfter(secs)) => {
                res.insert_header((header::RETRY_AFTER, secs.to_string()));
            }
            ApiError::Unavailable => {
                res.insert_header((header::RETRY_AFTER, "5"));
            }
            ApiError::Unauthorized => {
                res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            _ => {}
        }
        res.insert_header((header::CACHE_CONTROL, "no-store")).json(body)
    }
}

/// Turns actix's JSON extractor failures into clear 400/413 answers.
pub fn json_error(err: actix_web::error::JsonPayloadError, _req: &actix_web::HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as J;
    let api = match &err {
        J::OverflowKnownLength { limit, .. } | J::Overflow { limit } => {
            ApiError::PayloadTooLarge(format!("request body is larger than {limit} bytes"))
        }
        J::ContentType => ApiError::BadRequest("expected Content-Type: application/json".into()),
        J::Deserialize(e) => ApiError::BadRequest(format!("malformed JSON: {e}")),
        other => ApiError::BadRequest(format!("cannot read request body: {other}")),
    };
    api.into()
}
