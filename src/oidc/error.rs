//! The errors a client sees, with the codes of RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1,
//! OpenID Connect Core §3.1.2.6 and RFC 7009. Each endpoint turns them into its wire form once:
//! a redirect to the client, a JSON body, or a `WWW-Authenticate` challenge.

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};

/// An OAuth 2.0 / OpenID Connect error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// The request is missing a parameter, repeats one, or is otherwise malformed.
    InvalidRequest,
    /// Client authentication failed (unknown client, wrong secret, unsupported method).
    InvalidClient,
    /// The code or refresh token is invalid, expired, revoked, or was issued to another client
    /// or redirect URI.
    InvalidGrant,
    /// The client may not use this grant type or response type.
    UnauthorizedClient,
    /// The grant type is not supported.
    UnsupportedGrantType,
    /// The response type is not supported.
    UnsupportedResponseType,
    /// The scope is unknown, malformed, or more than the client may ask for.
    InvalidScope,
    /// The user or the server refused the request.
    AccessDenied,
    /// `prompt=none`, but the user must sign in.
    LoginRequired,
    /// `prompt=none`, but the user must consent.
    ConsentRequired,
    /// `prompt=none`, but the user must interact.
    InteractionRequired,
    /// The `request` parameter is not supported.
    RequestNotSupported,
    /// The `request_uri` parameter is not supported.
    RequestUriNotSupported,
    /// The bearer token is missing the mark: malformed, expired, revoked (RFC 6750).
    InvalidToken,
    /// The token lacks a scope the resource needs (RFC 6750 §3.1).
    InsufficientScope,
    /// The token type cannot be revoked (RFC 7009).
    UnsupportedTokenType,
    /// The server failed.
    ServerError,
    /// The server is overloaded or the database is away.
    TemporarilyUnavailable,
}

impl ErrorCode {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::LoginRequired => "login_required",
            Self::ConsentRequired => "consent_required",
            Self::InteractionRequired => "interaction_required",
            Self::RequestNotSupported => "request_not_supported",
            Self::RequestUriNotSupported => "request_uri_not_supported",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
            Self::UnsupportedTokenType => "unsupported_token_type",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
        }
    }
}

/// An error with a description for the developer (never a secret, never user data).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {description}", code.as_str())]
pub struct OAuthError {
    pub code: ErrorCode,
    pub description: String,
}

impl OAuthError {
    pub fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
        }
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, description)
    }

    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidGrant, description)
    }

    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidClient, description)
    }

    pub fn invalid_scope(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidScope, description)
    }

    pub fn invalid_token(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidToken, description)
    }

    pub fn server_error() -> Self {
        Self::new(ErrorCode::ServerError, "the server failed; try again")
    }

    pub fn unavailable() -> Self {
        Self::new(
            ErrorCode::TemporarilyUnavailable,
            "the server is busy; try again shortly",
        )
    }

    /// The HTTP status of this error in a JSON response (RFC 6749 §5.2).
    pub fn status(&self) -> StatusCode {
        match self.code {
            ErrorCode::InvalidClient | ErrorCode::InvalidToken => StatusCode::UNAUTHORIZED,
            ErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::AccessDenied | ErrorCode::InsufficientScope => StatusCode::FORBIDDEN,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The JSON body `{"error": ..., "error_description": ...}`.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({
            "error": self.code.as_str(),
            "error_description": self.description,
        })
    }

    /// A JSON error response, never cached.
    pub fn json_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status());
        response
            .content_type("application/json")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::PRAGMA, "no-cache"));
        if self.code == ErrorCode::TemporarilyUnavailable {
            response.insert_header((header::RETRY_AFTER, "5"));
        }
        response.body(self.body().to_string())
    }
}

impl From<crate::storage::StorageError> for OAuthError {
    fn from(error: crate::storage::StorageError) -> Self {
        match error {
            crate::storage::StorageError::Unavailable(_) => Self::unavailable(),
            other => {
                tracing::error!(error = %other, "storage failed");
                Self::server_error()
            }
        }
    }
}

impl From<crate::crypto::signing_keys::KeyError> for OAuthError {
    fn from(error: crate::crypto::signing_keys::KeyError) -> Self {
        use crate::crypto::signing_keys::KeyError;
        match error {
            KeyError::Storage(e) => e.into(),
            other => {
                tracing::error!(error = %other, "signing failed");
                Self::server_error()
            }
        }
    }
}
