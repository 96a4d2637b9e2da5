//! SCIM errors (RFC 7644 §3.12): `application/scim+json` bodies with the error schema, the HTTP
//! status as a string, and a `scimType` where the RFC names one.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

/// The schema URN of an error response.
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// The media type of every SCIM answer.
pub const CONTENT_TYPE: &str = "application/scim+json";

/// The `scimType` of a 400 (RFC 7644 §3.12, table 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScimType {
    InvalidFilter,
    TooMany,
    InvalidSyntax,
    InvalidPath,
    NoTarget,
    InvalidValue,
    Mutability,
}

impl ScimType {
    pub fn as_str(self) -> &'static str {
        match self {
            ScimType::InvalidFilter => "invalidFilter",
            ScimType::TooMany => "tooMany",
            ScimType::InvalidSyntax => "invalidSyntax",
            ScimType::InvalidPath => "invalidPath",
            ScimType::NoTarget => "noTarget",
            ScimType::InvalidValue => "invalidValue",
            ScimType::Mutability => "mutability",
        }
    }
}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum ScimError {
    /// No token, or an unknown or revoked one.
    #[error("a valid SCIM bearer token is required")]
    Unauthorized,
    #[error("{0}")]
    NotFound(String),
    /// 403: a request the endpoint refuses by design (a filter on a discovery endpoint).
    #[error("{0}")]
    Forbidden(String),
    /// 400 with a `scimType`.
    #[error("{detail}")]
    Invalid { scim_type: ScimType, detail: String },
    /// 409 `uniqueness`.
    #[error("{0}")]
    Uniqueness(String),
    /// 409 `invalidValue`: a Bulk operation names a `bulkId` no successful operation defined.
    #[error("{0}")]
    Unresolved(String),
    /// 405: the path exists, the method does not.
    #[error("this method is not supported on this path")]
    MethodNotAllowed,
    /// 412: `If-Match` named another version.
    #[error("the resource has changed since version {0}")]
    PreconditionFailed(String),
    /// 413.
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("the database is unavailable; try again shortly")]
    Unavailable,
    #[error("internal error")]
    Internal(String),
}

impl ScimError {
    /// A 400 with this `scimType`.
    pub fn invalid(scim_type: ScimType, detail: impl Into<String>) -> Self {
        ScimError::Invalid {
            scim_type,
            detail: detail.into(),
        }
    }

    /// The error body (RFC 7644 §3.12); an internal error is logged with its reason here, and
    /// the body never carries it.
    pub fn body(&self) -> serde_json::Value {
        if let ScimError::Internal(reason) = self {
            tracing::error!(%reason, "SCIM internal error");
        }
        let status = self.status_code();
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": status.as_u16().to_string(),
            "detail": self.to_string(),
        });
        if let Some(scim_type) = self.scim_type() {
            body["scimType"] = json!(scim_type);
        }
        body
    }

    fn scim_type(&self) -> Option<&'static str> {
        match self {
            ScimError::Invalid { scim_type, .. } => Some(scim_type.as_str()),
            ScimError::Uniqueness(_) => Some("uniqueness"),
            ScimError::Unresolved(_) => Some("invalidValue"),
            _ => None,
        }
    }
}

impl ResponseError for ScimError {
    fn status_code(&self) -> StatusCode {
        match self {
            ScimError::Unauthorized => StatusCode::UNAUTHORIZED,
            ScimError::NotFound(_) => StatusCode::NOT_FOUND,
            ScimError::Forbidden(_) => StatusCode::FORBIDDEN,
            ScimError::Invalid { .. } => StatusCode::BAD_REQUEST,
            ScimError::Uniqueness(_) | ScimError::Unresolved(_) => StatusCode::CONFLICT,
            ScimError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ScimError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ScimError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ScimError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ScimError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let body = self.body();
        let mut response = HttpResponse::build(status);
        response
            .content_type(CONTENT_TYPE)
            .insert_header((header::CACHE_CONTROL, "no-store"));
        match self {
            ScimError::Unauthorized => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"tessera-scim\""),
                ));
            }
            ScimError::Unavailable => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            _ => {}
        }
        response.body(body.to_string())
    }
}

impl From<crate::storage::StorageError> for ScimError {
    fn from(error: crate::storage::StorageError) -> Self {
        match error {
            crate::storage::StorageError::Unavailable(_) => ScimError::Unavailable,
            other => ScimError::Internal(other.to_string()),
        }
    }
}
