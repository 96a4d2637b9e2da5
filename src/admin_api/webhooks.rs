//! `/admin/v1/webhook-endpoints`: endpoints (the secret shown once), their delivery log, and
//! redelivery.

use super::caller::Caller;
use super::problem::{ApiError, Problem};
use super::{PageQuery, idempotency, json_body, page, time};
use crate::app::AppState;
use crate::webhooks::endpoints::{self as ops, Delivery, Endpoint, EndpointInput};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

/// A webhook endpoint (never its secret, except once in the answer that makes it).
#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointOut {
    pub id: String,
    pub url: String,
    pub description: String,
    /// Event types or families (`user.*`); empty means every event.
    pub event_types: Vec<String>,
    pub disabled: bool,
    pub created_at: String,
    pub updated_at: String,
    /// Only when the endpoint is made or its secret rotated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl EndpointOut {
    fn new(e: Endpoint, secret: Option<String>) -> Self {
        Self {
            id: e.id,
            url: e.url,
            description: e.description,
            event_types: e.event_types,
            disabled: e.disabled,
            created_at: time(e.created_at),
            updated_at: time(e.updated_at),
            secret,
        }
    }
}

/// A new endpoint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointCreate {
    /// https (http only on a loopback host).
    pub url: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub event_types: Vec<String>,
}

/// Changes to an endpoint.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointPatch {
    pub url: Option<String>,
    pub description: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub disabled: Option<bool>,
}

/// A delivery of one event to one endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryOut {
    pub id: String,
    /// The `webhook-id` every try carries.
    pub message_id: String,
    pub event_type: String,
    /// pending, delivered or failed.
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: Option<String>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: String,
}

impl From<Delivery> for DeliveryOut {
    fn from(d: Delivery) -> Self {
        Self {
            id: d.id,
            message_id: d.message_id,
            event_type: d.event_type,
            state: d.state,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at.map(time),
            last_status: d.last_status,
            last_error: d.last_error,
            created_at: time(d.created_at),
        }
    }
}

/// A page of deliveries.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    pub data: Vec<DeliveryOut>,
    pub next_cursor: Option<String>,
}

/// Filters of the delivery log.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default, deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// pending, delivered or failed.
    pub state: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/webhook-endpoints", web::get().to(list))
        .route("/webhook-endpoints", web::post().to(create))
        .route("/webhook-endpoints/{id}", web::get().to(get))
        .route("/webhook-endpoints/{id}", web::patch().to(update))
        .route("/webhook-endpoints/{id}", web::delete().to(delete))
        .route(
            "/webhook-endpoints/{id}/rotate-secret",
            web::post().to(rotate_secret),
        )
        .route(
            "/webhook-endpoints/{id}/deliveries",
            web::get().to(deliveries),
        )
        .route(
            "/webhook-deliveries/{id}/redeliver",
            web::post().to(redeliver),
        );
}

/// List the endpoints.
#[utoipa::path(get, path = "/admin/v1/webhook-endpoints", tag = "webhooks",
    responses((status = 200, body = super::DataList<EndpointOut>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["webhooks:read"])))]
pub async fn list(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require("webhooks:read")?;
    let all: Vec<EndpointOut> = ops::list(&state)
        .await?
        .into_iter()
        .map(|e| EndpointOut::new(e, None))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "data": all })))
}

/// Register an endpoint; the answer carries its signing secret, once.
#[utoipa::path(post, path = "/admin/v1/webhook-endpoints", tag = "webhooks", request_body = EndpointCreate,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = EndpointOut), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["webhooks:write"])))]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require("webhooks:write")?;
    idempotency::run(&state, &caller, &req, &body, || async {
        let input: EndpointCreate = json_body(&body)?;
        let (endpoint, secret) = ops::create(
            &state,
            EndpointInput {
                url: Some(input.url),
                description: Some(input.description),
                event_types: Some(input.event_types),
                disabled: None,
            },
        )
        .await?;
        crate::audit::record(
            &state,
            caller.event("webhook.created", "webhook_endpoint", &endpoint.id),
        )
        .await;
        Ok((
            StatusCode::CREATED,
            json!(EndpointOut::new(endpoint, Some(secret))),
        ))
    })
    .await
}

/// Get an endpoint.
#[utoipa::path(get, path = "/admin/v1/webhook-endpoints/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "The id")),
    responses((status = 200, body = EndpointOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["webhooks:read"])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require("webhooks:read")?;
    Ok(HttpResponse::Ok().json(EndpointOut::new(ops::find(&state, &id).await?, None)))
}

/// Change an endpoint.
#[utoipa::path(patch, path = "/admin/v1/webhook-endpoints/{id}", tag = "webhooks", request_body = EndpointPatch,
    params(("id" = String, Path, description = "The id")),
    responses((status = 200, body = EndpointOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["webhooks:write"])))]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require("webhooks:write")?;
    let patch: EndpointPatch = json_body(&body)?;
    let updated = ops::update(
        &state,
        &id,
        EndpointInput {
            url: patch.url,
            description: patch.description,
            event_types: patch.event_types,
            disabled: patch.disabled,
        },
    )
    .await?;
    crate::audit::record(
        &state,
        caller.event("webhook.updated", "webhook_endpoint", &updated.id),
    )
    .await;
    Ok(HttpResponse::Ok().json(EndpointOut::new(updated, None)))
}

/// Delete an endpoint with its delivery log.
#[utoipa::path(delete, path = "/admin/v1/webhook-endpoints/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "The id")),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["webhooks:write"])))]
pub async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require("webhooks:write")?;
    let deleted = ops::delete(&state, &id).await?;
    crate::audit::record(
        &state,
        caller.event("webhook.deleted", "webhook_endpoint", &deleted.id),
    )
    .await;
    Ok(HttpResponse::NoContent().finish())
}

/// A new signing secret (in the answer, once); the old one stops at once.
#[utoipa::path(post, path = "/admin/v1/webhook-endpoints/{id}/rotate-secret", tag = "webhooks",
    params(("id" = String, Path, description = "The id")),
    responses((status = 200, body = EndpointOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["webhooks:write"])))]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require("webhooks:write")?;
    let secret = ops::rotate_secret(&state, &id).await?;
    let endpoint = ops::find(&state, &id).await?;
    crate::audit::record(
        &state,
        caller.event("webhook.secret_rotated", "webhook_endpoint", &endpoint.id),
    )
    .await;
    Ok(HttpResponse::Ok().json(EndpointOut::new(endpoint, Some(secret))))
}

/// The deliveries to an endpoint, newest first.
#[utoipa::path(get, path = "/admin/v1/webhook-endpoints/{id}/deliveries", tag = "webhooks", params(("id" = String, Path, description = "The id"), DeliveryQuery),
    responses((status = 200, body = DeliveryPage), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["webhooks:read"])))]
pub async fn deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    query: web::Query<DeliveryQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require("webhooks:read")?;
    let (size, before) = PageQuery::of(query.limit, &query.cursor)?;
    let rows = ops::deliveries(&state, &id, query.state.clone(), before, size + 1).await?;
    let (data, next_cursor) = page(rows, size, |d| d.id.clone(), DeliveryOut::from);
    Ok(HttpResponse::Ok().json(DeliveryPage { data, next_cursor }))
}

/// Send a delivery again now, with a fresh retry window.
#[utoipa::path(post, path = "/admin/v1/webhook-deliveries/{id}/redeliver", tag = "webhooks",
    params(("id" = String, Path, description = "The id")),
    responses((status = 202), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["webhooks:write"])))]
pub async fn redeliver(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require("webhooks:write")?;
    ops::redeliver(&state, &id).await?;
    crate::audit::record(
        &state,
        caller.event("webhook.redelivered", "webhook_delivery", &id),
    )
    .await;
    Ok(HttpResponse::Accepted().finish())
}
