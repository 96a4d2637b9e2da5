//! The OAuth 2.0 Form Post Response Mode page: the response fields as hidden inputs, posted to
//! the client's redirect URI by a script file (no inline script under the CSP), or by a button
//! when scripts are off.

use crate::oidc::authorize::interaction::csp_source_of;
use actix_web::HttpResponse;
use actix_web::http::header;
use askama::Template;

#[derive(Template)]
#[template(path = "form_post.html")]
struct FormPostView<'a> {
    action: &'a str,
    fields: &'a [(&'static str, String)],
}

/// The auto-submitting page.
pub fn page(action: &str, fields: &[(&'static str, String)]) -> HttpResponse {
    let Ok(body) = (FormPostView { action, fields }).render() else {
        return HttpResponse::InternalServerError().finish();
    };
    let target = csp_source_of(action).unwrap_or_else(|| "'none'".into());
    let policy = format!(
        "default-src 'none'; script-src 'self'; form-action {target}; frame-ancestors 'none'; base-uri 'none'"
    );
    let mut response = HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::CONTENT_SECURITY_POLICY, policy))
        .body(body);
    response.extensions_mut().insert(super::page::RenderedPage);
    response
}

const SCRIPT: &str = include_str!("../../static/form-post.js");

/// `GET /static/form-post.js`
pub async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(SCRIPT)
}
