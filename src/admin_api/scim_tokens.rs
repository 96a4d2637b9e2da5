//! `/admin/v1/organizations/{org}/scim-tokens`: an organization's SCIM directory connections
//! (the token shown once).

use super::caller::Caller;
use super::problem::{ApiError, Problem};
use super::{idempotency, json_body, time};
use crate::app::AppState;
use crate::scim::tokens::{self as ops, ScimToken};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// A SCIM token (never its secret, except once in the answer that makes it).
#[derive(Debug, Serialize, ToSchema)]
pub struct ScimTokenOut {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    /// The first characters of the token, to tell tokens apart.
    pub prefix: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    /// Only when the token is made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Only when the token is made: where the directory sends its requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
}

impl ScimTokenOut {
    fn new(t: ScimToken, token: Option<String>, base_url: Option<String>) -> Self {
        Self {
            id: t.id,
            organization_id: t.organization_id,
            name: t.name,
            prefix: t.prefix,
            created_at: time(t.created_at),
            last_used_at: t.last_used_at.map(time),
            revoked_at: t.revoked_at.map(time),
            token,
            base_url,
        }
    }
}

/// A new SCIM token.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScimTokenCreate {
    /// Default: "Directory".
    pub name: Option<String>,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organizations/{org}/scim-tokens", web::get().to(list))
        .route("/organizations/{org}/scim-tokens", web::post().to(create))
        .route(
            "/organizations/{org}/scim-tokens/{id}/revoke",
            web::post().to(revoke),
        );
}

/// An organization's SCIM tokens.
#[utoipa::path(get, path = "/admin/v1/organizations/{org}/scim-tokens", tag = "organizations",
    params(("org" = String, Path, description = "The organization (id or slug)")),
    responses((status = 200, body = super::DataList<ScimTokenOut>), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:read"])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    org: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:read")?;
    let all: Vec<ScimTokenOut> = ops::list(&state, &org)
        .await?
        .into_iter()
        .map(|t| ScimTokenOut::new(t, None, None))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "data": all })))
}

/// Make a SCIM token for a directory; the answer carries it, once, with the base URL.
#[utoipa::path(post, path = "/admin/v1/organizations/{org}/scim-tokens", tag = "organizations", request_body = ScimTokenCreate,
    params(("org" = String, Path, description = "The organization (id or slug)"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = ScimTokenOut), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:write"])))]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    org: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:write")?;
    idempotency::run(&state, &caller, &req, &body, || async {
        let input: ScimTokenCreate = if body.is_empty() {
            ScimTokenCreate::default()
        } else {
            json_body(&body)?
        };
        let (token, secret) =
            ops::create(&state, &org, input.name.as_deref(), caller.actor()).await?;
        let out = ScimTokenOut::new(token, Some(secret), Some(state.url("/scim/v2")));
        Ok((StatusCode::CREATED, json!(out)))
    })
    .await
}

/// Revoke a SCIM token: the directory's next request is refused.
#[utoipa::path(post, path = "/admin/v1/organizations/{org}/scim-tokens/{id}/revoke", tag = "organizations",
    params(("org" = String, Path, description = "The organization (id or slug)"), ("id" = String, Path, description = "The id")),
    responses((status = 200, body = ScimTokenOut), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:write"])))]
pub async fn revoke(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:write")?;
    let (org, id) = path.into_inner();
    let revoked = ops::revoke(&state, &org, &id, caller.actor()).await?;
    Ok(HttpResponse::Ok().json(ScimTokenOut::new(revoked, None, None)))
}
