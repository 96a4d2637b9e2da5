//! The friendly error page. Any error response of the hosted pages that is not already a page (an
//! error returned by a handler, an unknown path, a body that is too large or unreadable) is
//! replaced here by the branded error page with the same status and `Retry-After`.

use super::page::{PageContext, PageError, RenderedPage, texts_for_status};
use super::views::ErrorView;
use crate::app::AppState;
use crate::http::request_id::RequestId;
use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{HttpMessage, web};
use askama::Template;

/// The middleware.
pub fn middleware() -> ErrorHandlers<BoxBody> {
    ErrorHandlers::new().default_handler(render_error_page)
}

fn render_error_page(
    res: ServiceResponse<BoxBody>,
) -> actix_web::Result<ErrorHandlerResponse<BoxBody>> {
    // Pages already rendered, and machine answers (JSON), are left as they are.
    let already_page = res.response().extensions().get::<RenderedPage>().is_some()
        || res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/"));
    let is_html_route = !res.request().path().starts_with("/metrics")
        && !res.request().path().starts_with("/healthz")
        && !res.request().path().starts_with("/readyz");
    let Some(state) = res.request().app_data::<web::Data<AppState>>().cloned() else {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    };
    if already_page || !is_html_route {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    if res.request().path().starts_with("/admin/") {
        // The admin API answers machines: a problem document, not a page.
        let status = res.status();
        let error = match status {
            actix_web::http::StatusCode::PAYLOAD_TOO_LARGE => {
                crate::admin_api::problem::ApiError::PayloadTooLarge
            }
            actix_web::http::StatusCode::METHOD_NOT_ALLOWED
            | actix_web::http::StatusCode::NOT_FOUND => {
                crate::admin_api::problem::ApiError::NotFound("route")
            }
            s if s.is_server_error() => {
                crate::admin_api::problem::ApiError::Internal("unexpected failure".into())
            }
            _ => crate::admin_api::problem::ApiError::BadRequest(
                "the request could not be understood".into(),
            ),
        };
        let (req, _) = res.into_parts();
        let response = actix_web::ResponseError::error_response(&error);
        let res: ServiceResponse<EitherBody<BoxBody>> =
            ServiceResponse::new(req, response).map_into_right_body();
        return Ok(ErrorHandlerResponse::Response(res));
    }
    let status = res.status();
    let (title, message) = match res
        .response()
        .error()
        .and_then(|e| e.as_error::<PageError>())
    {
        Some(page_error) => page_error.texts(),
        None => texts_for_status(status),
    };
    let retry_after = res.headers().get(header::RETRY_AFTER).cloned();
    let request_id = res
        .request()
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone());
    let (req, _) = res.into_parts();
    let page = PageContext::new(&req, &state, false);
    let view = ErrorView {
        chrome: page.chrome.clone(),
        title,
        message,
        request_id,
    };
    let mut response = page.respond(status, view.render());
    if let Some(value) = retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    let res: ServiceResponse<EitherBody<BoxBody>> =
        ServiceResponse::new(req, response).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}
