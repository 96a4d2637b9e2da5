//! Assembles the HTTP application and runs it.

use crate::app::AppState;
use crate::http::{health, metrics, request_id, security_headers};
use crate::web::forms::MAX_FORM_BYTES;
use crate::web::{PageError, error_pages};
use actix_web::dev::Server;
use actix_web::error::{PathError, QueryPayloadError, UrlencodedError};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpRequest, HttpServer, web};
use std::net::TcpListener;
use std::time::Duration;

fn form_error(error: UrlencodedError, _req: &HttpRequest) -> actix_web::Error {
    match error {
        UrlencodedError::Overflow { .. } => PageError::PayloadTooLarge.into(),
        other => {
            tracing::info!(error = %other, "unreadable form");
            PageError::BadRequest("The form could not be read. Go back and try again.".into())
                .into()
        }
    }
}

fn query_error(error: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    tracing::info!(%error, "unreadable query");
    PageError::BadRequest("The address has parameters we could not read.".into()).into()
}

fn path_error(_error: PathError, _req: &HttpRequest) -> actix_web::Error {
    PageError::NotFound.into()
}

async fn not_found() -> Result<actix_web::HttpResponse, PageError> {
    Err(PageError::NotFound)
}

/// Starts serving on `listener`; the returned server runs until stopped or sent SIGTERM/SIGINT,
/// then finishes in-flight requests (up to `shutdown_timeout_seconds`).
pub fn serve(state: AppState, listener: TcpListener) -> std::io::Result<Server> {
    let config = state.config.clone();
    let development = config.is_development();
    let https = config.is_https();
    let data = web::Data::new(state);
    let workers = config
        .http_workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .max(1);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(
                web::FormConfig::default()
                    .limit(MAX_FORM_BYTES)
                    .error_handler(form_error),
            )
            .app_data(web::QueryConfig::default().error_handler(query_error))
            .app_data(web::PathConfig::default().error_handler(path_error))
            .wrap(error_pages::middleware())
            .wrap(security_headers::middleware(https))
            .wrap(from_fn(metrics::middleware))
            .wrap(from_fn(request_id::middleware))
            .route("/healthz", web::get().to(health::healthz))
            .route("/readyz", web::get().to(health::readyz))
            .route("/metrics", web::get().to(health::metrics))
            .configure(crate::oidc::routes)
            .configure(crate::admin_api::routes)
            .configure(crate::scim::routes)
            .configure(crate::saml::routes)
            .configure(|cfg| crate::web::routes(cfg, development))
            .default_service(web::to(not_found))
    })
    .workers(workers)
    .shutdown_timeout(config.shutdown_timeout_seconds)
    .listen(listener)?
    .run();
    Ok(server)
}

/// Deletes dead sessions, expired links and stale throttle counters every `every`.
pub async fn sweep_forever(state: AppState, every: Duration) {
    let mut interval = tokio::time::interval(every);
    loop {
        interval.tick().await;
        match crate::accounts::cleanup::sweep(&state).await {
            Ok(counts) => tracing::debug!(?counts, "swept expired rows"),
            Err(error) => tracing::warn!(%error, "sweep failed"),
        }
    }
}
