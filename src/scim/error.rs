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

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum ScimError {
    /// No token, or an unknown or revoked one.
    #[error("a valid SCIM bearer token is required")]
    Unauthorized,
    #[error("{0}")]
    NotFound(String),
    #[error("the database is unavailable; try again shortly")]
    Unavailable,
    #[error("internal error")]
    Internal(String),
}

impl ScimError {
    fn scim_type(&self) -> Option<&'static str> {
        None
    }
}

impl ResponseError for ScimError {
    fn status_code(&self) -> StatusCode {
        match self {
            ScimError::Unauthorized => StatusCode::UNAUTHORIZED,
            ScimError::NotFound(_) => StatusCode::NOT_FOUND,
            ScimError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ScimError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
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
