//! Errors of the admin API as RFC 9457 problem details (`application/problem+json`).

use crate::accounts::AccountError;
use crate::domain::FieldError;
use crate::organizations::OrgError;
use crate::webhooks::endpoints::WebhookError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// What went wrong, with the HTTP status it maps to.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No key, an unknown, revoked or expired key.
    #[error("a valid API key is required")]
    Unauthenticated,
    /// The key lacks the scope the route needs.
    #[error("this API key lacks the scope {0}")]
    MissingScope(&'static str),
    #[error("no {0} matches")]
    NotFound(&'static str),
    #[error("{}", .0.message)]
    Invalid(FieldError),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Conflict(String),
    #[error("the body is larger than the API accepts (64 KiB)")]
    PayloadTooLarge,
    #[error("the Idempotency-Key was used with a different request")]
    IdempotencyMismatch,
    #[error("a request with this Idempotency-Key is still running")]
    IdempotencyInProgress,
    #[error("the database is unavailable; try again shortly")]
    Unavailable,
    #[error("the server is busy; try again shortly")]
    Overloaded,
    #[error("internal error")]
    Internal(String),
}

/// The problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The field at fault, for validation problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::MissingScope(_) => "insufficient-scope",
            ApiError::NotFound(_) => "not-found",
            ApiError::Invalid(_) => "invalid",
            ApiError::BadRequest(_) => "bad-request",
            ApiError::Conflict(_) => "conflict",
            ApiError::PayloadTooLarge => "payload-too-large",
            ApiError::IdempotencyMismatch => "idempotency-key-mismatch",
            ApiError::IdempotencyInProgress => "idempotency-key-in-progress",
            ApiError::Unavailable => "unavailable",
            ApiError::Overloaded => "overloaded",
            ApiError::Internal(_) => "internal",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated => "Unauthenticated",
            ApiError::MissingScope(_) => "Insufficient scope",
            ApiError::NotFound(_) => "Not found",
            ApiError::Invalid(_) => "Invalid input",
            ApiError::BadRequest(_) => "Bad request",
            ApiError::Conflict(_) => "Conflict",
            ApiError::PayloadTooLarge => "Payload too large",
            ApiError::IdempotencyMismatch => "Idempotency key reused",
            ApiError::IdempotencyInProgress => "Request in progress",
            ApiError::Unavailable => "Service unavailable",
            ApiError::Overloaded => "Overloaded",
            ApiError::Internal(_) => "Internal error",
        }
    }

    /// The problem document of this error.
    pub fn problem(&self) -> Problem {
        Problem {
            kind: format!("urn:tessera:problem:{}", self.code()),
            title: self.title().into(),
            status: self.status_code().as_u16(),
            detail: self.to_string(),
            field: match self {
                ApiError::Invalid(f) => Some(f.field.to_string()),
                _ => None,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::MissingScope(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Conflict(_) | ApiError::IdempotencyInProgress => StatusCode::CONFLICT,
            ApiError::IdempotencyMismatch => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unavailable | ApiError::Overloaded => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(reason) = self {
            tracing::error!(%reason, "admin API internal error");
        }
        let mut response = HttpResponse::build(self.status_code());
        response
            .content_type("application/problem+json")
            .insert_header((header::CACHE_CONTROL, "no-store"));
        match self {
            ApiError::Unauthenticated => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"tessera-admin\""),
                ));
            }
            ApiError::MissingScope(scope) => {
                if let Ok(value) = HeaderValue::from_str(&format!(
                    "Bearer realm=\"tessera-admin\", error=\"insufficient_scope\", scope=\"{scope}\""
                )) {
                    response.insert_header((header::WWW_AUTHENTICATE, value));
                }
            }
            ApiError::Unavailable | ApiError::Overloaded => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            _ => {}
        }
        response.json(self.problem())
    }
}

impl From<FieldError> for ApiError {
    fn from(error: FieldError) -> Self {
        ApiError::Invalid(error)
    }
}

impl From<crate::storage::StorageError> for ApiError {
    fn from(error: crate::storage::StorageError) -> Self {
        use crate::storage::StorageError as S;
        match error {
            S::Unavailable(_) => ApiError::Unavailable,
            S::NotFound => ApiError::NotFound("record"),
            S::Conflict { field } => ApiError::Conflict(format!("{field} is already taken")),
            S::Query(reason) => ApiError::Internal(reason),
        }
    }
}

impl From<OrgError> for ApiError {
    fn from(error: OrgError) -> Self {
        match error {
            OrgError::Invalid(field) => ApiError::Invalid(field),
            OrgError::Conflict(field) => ApiError::Conflict(field.to_string()),
            OrgError::NotFound(what) => ApiError::NotFound(what),
            OrgError::LastAdmin => ApiError::Conflict(error.to_string()),
            OrgError::Unavailable => ApiError::Unavailable,
            OrgError::Internal(reason) => ApiError::Internal(reason),
        }
    }
}

impl From<AccountError> for ApiError {
    fn from(error: AccountError) -> Self {
        match error {
            AccountError::Invalid(field) => ApiError::Invalid(field),
            AccountError::Conflict(field) => ApiError::Conflict(field.message),
            AccountError::LinkInvalid => ApiError::BadRequest(error.to_string()),
            AccountError::NotFound => ApiError::NotFound("user"),
            AccountError::Overloaded => ApiError::Overloaded,
            AccountError::Unavailable => ApiError::Unavailable,
            AccountError::Internal(reason) => ApiError::Internal(reason),
        }
    }
}

impl From<WebhookError> for ApiError {
    fn from(error: WebhookError) -> Self {
        match error {
            WebhookError::Invalid(field) => ApiError::Invalid(field),
            WebhookError::NotFound(what) => ApiError::NotFound(what),
            WebhookError::Busy => ApiError::Conflict(error.to_string()),
            WebhookError::Unavailable => ApiError::Unavailable,
            WebhookError::Internal(reason) => ApiError::Internal(reason),
        }
    }
}
