//! Rendering pages: the chrome every page shares (brand, stylesheet, CSRF token), the response
//! headers of a page, and the friendly error page.

use super::csrf;
use crate::app::AppState;
use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};

/// What every page template needs besides its own content.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub product_name: String,
    pub logo_url: Option<String>,
    pub css_href: String,
    pub brand_css_href: String,
    /// The hidden field value of every form on the page.
    pub csrf_token: String,
    pub signed_in: bool,
}

/// The chrome of one response, and the CSRF cookie to set if the browser had none.
pub struct PageContext {
    pub chrome: Chrome,
    csrf_cookie: Option<Cookie<'static>>,
}

/// Marks a response as a finished page, so the error-page middleware leaves it alone.
#[derive(Debug, Clone, Copy)]
pub struct RenderedPage;

impl PageContext {
    /// The context for a page answered to `req`.
    pub fn new(req: &HttpRequest, state: &AppState, signed_in: bool) -> Self {
        let (csrf_token, csrf_cookie) = csrf::token_for(req, state);
        let brand = &state.config.brand;
        Self {
            chrome: Chrome {
                product_name: brand.product_name.clone(),
                logo_url: brand.logo_url.clone(),
                css_href: state.asset_hrefs.stylesheet.clone(),
                brand_css_href: state.asset_hrefs.brand.clone(),
                csrf_token,
                signed_in,
            },
            csrf_cookie,
        }
    }

    /// A page response: HTML, never cached (pages hold tokens and personal data).
    pub fn respond(self, status: StatusCode, html: Result<String, askama::Error>) -> HttpResponse {
        let body = match html {
            Ok(body) => body,
            Err(error) => {
                tracing::error!(%error, "template failed to render");
                return PageError::Internal("template".into()).to_response();
            }
        };
        let mut response = HttpResponse::build(status);
        response
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"));
        if let Some(cookie) = self.csrf_cookie {
            response.cookie(cookie);
        }
        let mut response = response.body(body);
        response.extensions_mut().insert(RenderedPage);
        response
    }
}

/// A 303 redirect (after a POST, the browser follows with GET).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// Errors of the hosted pages. Each becomes the friendly error page with the right status.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    /// The form's CSRF token is missing or does not match the browser's cookie.
    #[error("csrf check failed")]
    Csrf,
    #[error("link invalid")]
    LinkInvalid,
    #[error("payload too large")]
    PayloadTooLarge,
    /// The database is down; the page says to try again shortly.
    #[error("database unavailable")]
    Unavailable,
    /// Password hashing is at capacity.
    #[error("overloaded")]
    Overloaded,
    #[error("internal error: {0}")]
    Internal(String),
}

impl PageError {
    /// The title and message shown.
    pub fn texts(&self) -> (&'static str, String) {
        match self {
            PageError::NotFound => ("Page not found", "There is nothing at this address.".into()),
            PageError::BadRequest(message) => ("Something is wrong with that request", message.clone()),
            PageError::Csrf => (
                "This form has expired",
                "For your security, forms stop working after a while or when opened elsewhere. Go back, reload the page and try again.".into(),
            ),
            PageError::LinkInvalid => (
                "This link is invalid or has expired",
                "Links we email work once and for a limited time. Ask for a new one.".into(),
            ),
            PageError::PayloadTooLarge => ("That was too much", "The form you sent is larger than we accept.".into()),
            PageError::Unavailable => (
                "We are having trouble",
                "The service is temporarily unavailable. Please try again in a few seconds.".into(),
            ),
            PageError::Overloaded => (
                "We are busy",
                "Too many people are signing in right now. Please try again in a few seconds.".into(),
            ),
            PageError::Internal(_) => (
                "Something went wrong",
                "An unexpected error happened on our side. Please try again.".into(),
            ),
        }
    }

    fn to_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if matches!(self, PageError::Unavailable | PageError::Overloaded) {
            response.insert_header((header::RETRY_AFTER, "5"));
        }
        response
            .content_type("text/plain; charset=utf-8")
            .body(self.texts().1)
    }
}

impl actix_web::ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::BadRequest(_) => StatusCode::BAD_REQUEST,
            PageError::Csrf => StatusCode::FORBIDDEN,
            PageError::LinkInvalid => StatusCode::GONE,
            PageError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            PageError::Unavailable | PageError::Overloaded => StatusCode::SERVICE_UNAVAILABLE,
            PageError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let PageError::Internal(reason) = self {
            tracing::error!(%reason, "internal error");
        }
        self.to_response()
    }
}

impl From<crate::storage::StorageError> for PageError {
    fn from(error: crate::storage::StorageError) -> Self {
        crate::accounts::AccountError::from(error).into()
    }
}

impl From<crate::accounts::AccountError> for PageError {
    fn from(error: crate::accounts::AccountError) -> Self {
        use crate::accounts::AccountError as E;
        match error {
            E::Invalid(field) | E::Conflict(field) => PageError::BadRequest(field.message),
            E::LinkInvalid => PageError::LinkInvalid,
            E::NotFound => PageError::NotFound,
            E::Overloaded => PageError::Overloaded,
            E::Unavailable => PageError::Unavailable,
            E::Internal(reason) => PageError::Internal(reason),
        }
    }
}

/// The title and message for an error response that did not come from a [`PageError`].
pub fn texts_for_status(status: StatusCode) -> (&'static str, String) {
    match status {
        StatusCode::NOT_FOUND => PageError::NotFound.texts(),
        StatusCode::PAYLOAD_TOO_LARGE => PageError::PayloadTooLarge.texts(),
        StatusCode::METHOD_NOT_ALLOWED => (
            "That did not work",
            "This address does not accept that kind of request.".into(),
        ),
        s if s.is_server_error() => PageError::Internal(String::new()).texts(),
        _ => PageError::BadRequest("The request could not be understood.".into()).texts(),
    }
}

/// Builds the value of a `Retry-After` header.
pub fn retry_after_value(seconds: i64) -> HeaderValue {
    HeaderValue::from(seconds.max(1))
}
