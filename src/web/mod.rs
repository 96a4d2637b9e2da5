//! The hosted pages: sign-in, sign-up, email verification, password reset, account, sign-out,
//! development mail, and the friendly error page. Handlers stay short: check the CSRF token,
//! call `accounts`, render a view or redirect.

pub mod account;
pub mod choose_organization;
pub mod consent;
pub mod csrf;
pub mod dev_mail;
pub mod end_session;
pub mod error_pages;
pub mod form_post;
pub mod forms;
pub mod invitation;
pub mod notices;
pub mod page;
pub mod password_reset;
pub mod return_to;
pub mod session_cookie;
pub mod sign_in;
pub mod sign_out;
pub mod sign_up;
pub mod static_assets;
pub mod verify_email;
pub mod views;

pub use page::PageError;

use crate::accounts::ClientInfo;
use crate::app::AppState;
use actix_web::{HttpRequest, HttpResponse, web};

/// Registers the routes of the hosted pages.
pub fn routes(cfg: &mut web::ServiceConfig, development: bool) {
    cfg.route("/", web::get().to(home))
        .route("/sign-in", web::get().to(sign_in::show))
        .route("/sign-in", web::post().to(sign_in::submit))
        .route("/sign-up", web::get().to(sign_up::show))
        .route("/sign-up", web::post().to(sign_up::submit))
        .route("/verify-email", web::get().to(verify_email::show))
        .route("/verify-email", web::post().to(verify_email::submit))
        .route(
            "/forgot-password",
            web::get().to(password_reset::show_request),
        )
        .route(
            "/forgot-password",
            web::post().to(password_reset::submit_request),
        )
        .route("/reset-password", web::get().to(password_reset::show_reset))
        .route(
            "/reset-password",
            web::post().to(password_reset::submit_reset),
        )
        .route("/sign-out", web::get().to(sign_out::show))
        .route("/sign-out", web::post().to(sign_out::submit))
        .route("/invitations/accept", web::get().to(invitation::show))
        .route("/invitations/accept", web::post().to(invitation::submit))
        .route("/account", web::get().to(account::show))
        .route(
            "/account/organizations",
            web::post().to(account::create_organization),
        )
        .route(
            "/account/organizations/join",
            web::post().to(account::join_organization),
        )
        .route("/account/profile", web::post().to(account::save_profile))
        .route(
            "/account/password",
            web::post().to(account::change_password),
        )
        .route(
            "/account/verify-email",
            web::post().to(account::send_verification),
        )
        .route(
            "/account/sessions/revoke-others",
            web::post().to(account::revoke_other_sessions),
        )
        .route(
            "/account/sessions/{id}/revoke",
            web::post().to(account::revoke_session),
        )
        .route(
            "/account/apps/{client_id}/revoke",
            web::post().to(account::revoke_app),
        )
        .route(
            "/account/organization",
            web::post().to(account::switch_organization),
        )
        .route(
            "/static/tessera.css",
            web::get().to(static_assets::stylesheet),
        )
        .route("/static/form-post.js", web::get().to(form_post::script))
        .route("/brand.css", web::get().to(static_assets::brand_stylesheet));
    if development {
        cfg.route("/dev/mail", web::get().to(dev_mail::list))
            .route("/dev/mail/{id}", web::get().to(dev_mail::show));
    }
}

/// `GET /`: the account page when signed in, else sign-in.
async fn home(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let signed_in = session_cookie::current_session(&req, &state)
        .await?
        .is_some();
    Ok(page::see_other(if signed_in {
        "/account"
    } else {
        "/sign-in"
    }))
}

/// Who is asking: the client address (behind trusted proxies) and user agent.
pub fn client_info(req: &HttpRequest, state: &AppState) -> ClientInfo {
    ClientInfo {
        ip: state.trusted_proxies.client_ip(req),
        user_agent: req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    }
}
