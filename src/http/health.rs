//! `/healthz` (the process answers), `/readyz` (the database answers; 503 when it does not) and
//! `/metrics`.

use crate::app::AppState;
use actix_web::{HttpResponse, web};
use diesel::RunQueryDsl;

/// The process is alive.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok\n")
}

/// The database answers a trivial query.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let result = state
        .db
        .run(|conn| {
            diesel::sql_query("SELECT 1").execute(conn)?;
            Ok(())
        })
        .await;
    match result {
        Ok(()) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("ready\n"),
        Err(error) => {
            tracing::warn!(%error, "not ready");
            HttpResponse::ServiceUnavailable()
                .insert_header(("Retry-After", "5"))
                .content_type("text/plain; charset=utf-8")
                .body("database unavailable\n")
        }
    }
}

/// Prometheus metrics.
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(state.hasher.queue_depth()))
}
