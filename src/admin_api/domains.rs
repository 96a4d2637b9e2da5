//! `/admin/v1/organizations/{org}/domains`: an organization's claimed domains, proving them with
//! a mailed code, and their enrollment mode.

use super::caller::Caller;
use super::problem::{ApiError, Problem};
use super::{idempotency, json_body, time};
use crate::app::AppState;
use crate::domain::organization_domain::EnrollmentMode;
use crate::organizations::domains::{self as ops, Domain};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// A claimed domain (never its code).
#[derive(Debug, Serialize, ToSchema)]
pub struct DomainOut {
    pub id: String,
    pub organization_id: String,
    pub domain: String,
    /// manual, automatic_invitation or automatic_suggestion.
    pub enrollment_mode: String,
    pub verified: bool,
    pub verified_at: Option<String>,
    pub verification_email: Option<String>,
    pub created_at: String,
}

impl From<Domain> for DomainOut {
    fn from(d: Domain) -> Self {
        Self {
            id: d.id,
            organization_id: d.organization_id,
            domain: d.domain,
            enrollment_mode: d.enrollment_mode,
            verified: d.verified,
            verified_at: d.verified_at.map(time),
            verification_email: d.verification_email,
            created_at: time(d.created_at),
        }
    }
}

/// A domain to claim.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DomainCreate {
    pub domain: String,
    /// Default: manual.
    pub enrollment_mode: Option<String>,
}

/// Where to mail a code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// An address at the domain itself.
    pub email: String,
}

/// The code from the mail.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeCheck {
    pub code: String,
}

/// A new enrollment mode.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DomainPatch {
    pub enrollment_mode: String,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organizations/{org}/domains", web::get().to(list))
        .route("/organizations/{org}/domains", web::post().to(add))
        .route(
            "/organizations/{org}/domains/{domain}",
            web::patch().to(set_mode),
        )
        .route(
            "/organizations/{org}/domains/{domain}",
            web::delete().to(remove),
        )
        .route(
            "/organizations/{org}/domains/{domain}/send-code",
            web::post().to(send_code),
        )
        .route(
            "/organizations/{org}/domains/{domain}/verify",
            web::post().to(verify),
        );
}

/// An organization's domains.
#[utoipa::path(get, path = "/admin/v1/organizations/{org}/domains", tag = "organizations",
    params(("org" = String, Path, description = "The organization (id or slug)")),
    responses((status = 200, body = super::DataList<DomainOut>), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:read"])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    org: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:read")?;
    let all: Vec<DomainOut> = ops::list(&state, &org)
        .await?
        .into_iter()
        .map(DomainOut::from)
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "data": all })))
}

/// Claim a domain (public mail providers are refused).
#[utoipa::path(post, path = "/admin/v1/organizations/{org}/domains", tag = "organizations", request_body = DomainCreate,
    params(("org" = String, Path, description = "The organization (id or slug)"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = DomainOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:write"])))]
pub async fn add(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    org: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:write")?;
    idempotency::run(&state, &caller, &req, &body, || async {
        let input: DomainCreate = json_body(&body)?;
        let mode = EnrollmentMode::parse(input.enrollment_mode.as_deref().unwrap_or("manual"))?;
        let made = ops::add(&state, &org, &input.domain, mode, caller.actor()).await?;
        Ok((StatusCode::CREATED, json!(DomainOut::from(made))))
    })
    .await
}

/// Change a domain's enrollment mode.
#[utoipa::path(patch, path = "/admin/v1/organizations/{org}/domains/{domain}", tag = "organizations", request_body = DomainPatch,
    params(("org" = String, Path, description = "The organization (id or slug)"), ("domain" = String, Path, description = "The domain")),
    responses((status = 200, body = DomainOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:write"])))]
pub async fn set_mode(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:write")?;
    let (org, domain) = path.into_inner();
    let patch: DomainPatch = json_body(&body)?;
    let mode = EnrollmentMode::parse(&patch.enrollment_mode)?;
    let changed = ops::set_mode(&state, &org, &domain, mode, caller.actor()).await?;
    Ok(HttpResponse::Ok().json(DomainOut::from(changed)))
}

/// Remove a domain claim.
#[utoipa::path(delete, path = "/admin/v1/organizations/{org}/domains/{domain}", tag = "organizations",
    params(("org" = String, Path, description = "The organization (id or slug)"), ("domain" = String, Path, description = "The domain")),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:write"])))]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:write")?;
    let (org, domain) = path.into_inner();
    ops::remove(&state, &org, &domain, caller.actor()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Mail a verification code to an address at the domain.
#[utoipa::path(post, path = "/admin/v1/organizations/{org}/domains/{domain}/send-code", tag = "organizations", request_body = CodeRequest,
    params(("org" = String, Path, description = "The organization (id or slug)"), ("domain" = String, Path, description = "The domain")),
    responses((status = 202), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:write"])))]
pub async fn send_code(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:write")?;
    let (org, domain) = path.into_inner();
    let input: CodeRequest = json_body(&body)?;
    ops::send_code(&state, &org, &domain, &input.email, caller.actor()).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Verify the domain with the mailed code.
#[utoipa::path(post, path = "/admin/v1/organizations/{org}/domains/{domain}/verify", tag = "organizations", request_body = CodeCheck,
    params(("org" = String, Path, description = "The organization (id or slug)"), ("domain" = String, Path, description = "The domain")),
    responses((status = 200, body = DomainOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:write"])))]
pub async fn verify(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:write")?;
    let (org, domain) = path.into_inner();
    let input: CodeCheck = json_body(&body)?;
    let verified = ops::verify(&state, &org, &domain, &input.code, caller.actor()).await?;
    Ok(HttpResponse::Ok().json(DomainOut::from(verified)))
}
