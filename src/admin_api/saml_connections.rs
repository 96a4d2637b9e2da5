//! `/admin/v1/organizations/{org}/saml-connections`: an organization's SAML enterprise
//! connections, the same operations as `tessera saml connection`.

use super::caller::Caller;
use super::problem::{ApiError, Problem};
use super::{idempotency, json_body};
use crate::app::AppState;
use crate::audit::{self, Event};
use crate::saml::connections::{
    self as ops, AttributeNames, Connection, ConnectionSettings, IdpSource,
};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

/// A connection to create or the fields to change. The IdP comes from one of `metadata_xml`,
/// `metadata_url`, or `entity_id` with `sso_url` and `certificates_pem`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SamlConnectionInput {
    pub metadata_xml: Option<String>,
    pub metadata_url: Option<String>,
    pub entity_id: Option<String>,
    pub sso_url: Option<String>,
    /// The IdP's signing certificates, PEM.
    pub certificates_pem: Option<String>,
    /// Verified domains of the organization the connection serves (replaces the list).
    pub domains: Option<Vec<String>>,
    pub name: Option<String>,
    pub sign_requests: Option<bool>,
    pub allow_idp_initiated: Option<bool>,
    /// A path on this server; empty clears it.
    pub default_target: Option<String>,
    pub mandatory: Option<bool>,
    pub email_attribute: Option<String>,
    pub given_name_attribute: Option<String>,
    pub family_name_attribute: Option<String>,
    pub groups_attribute: Option<String>,
}

impl SamlConnectionInput {
    fn settings(self, adding: bool) -> Result<ConnectionSettings, ApiError> {
        let manual =
            self.entity_id.is_some() || self.sso_url.is_some() || self.certificates_pem.is_some();
        let count = [
            self.metadata_xml.is_some(),
            self.metadata_url.is_some(),
            manual,
        ]
        .iter()
        .filter(|s| **s)
        .count();
        if count > 1 || (adding && count == 0) {
            return Err(ApiError::BadRequest(
                "give one of metadata_xml, metadata_url, or entity_id with sso_url and certificates_pem".into(),
            ));
        }
        let source = match (self.metadata_xml, self.metadata_url) {
            (Some(xml), _) => Some(IdpSource::MetadataXml(xml)),
            (_, Some(url)) => Some(IdpSource::MetadataUrl(url)),
            _ if manual => match (self.entity_id, self.sso_url, self.certificates_pem) {
                (Some(entity_id), Some(sso_url), Some(certificates_pem)) => {
                    Some(IdpSource::Manual {
                        entity_id,
                        sso_url,
                        certificates_pem,
                    })
                }
                _ => {
                    return Err(ApiError::BadRequest(
                        "entity_id, sso_url and certificates_pem go together".into(),
                    ));
                }
            },
            _ => None,
        };
        Ok(ConnectionSettings {
            name: self.name,
            source,
            domains: self.domains,
            sign_requests: self.sign_requests,
            allow_idp_initiated: self.allow_idp_initiated,
            default_target: self
                .default_target
                .map(|t| if t.is_empty() { None } else { Some(t) }),
            mandatory: self.mandatory,
            attributes: AttributeNames {
                email: self.email_attribute,
                given_name: self.given_name_attribute,
                family_name: self.family_name_attribute,
                groups: self.groups_attribute,
            },
        })
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organizations/{org}/saml-connections", web::get().to(list))
        .route(
            "/organizations/{org}/saml-connections",
            web::post().to(create),
        )
        .route(
            "/organizations/{org}/saml-connections/{id}",
            web::get().to(get),
        )
        .route(
            "/organizations/{org}/saml-connections/{id}",
            web::patch().to(update),
        )
        .route(
            "/organizations/{org}/saml-connections/{id}",
            web::delete().to(delete),
        );
}

async fn audited(state: &AppState, caller: &Caller, action: &'static str, c: &Connection) {
    audit::record(
        state,
        Event::new(action, caller.actor())
            .target("saml_connection", c.id.clone())
            .organization(c.organization_id.clone()),
    )
    .await;
}

/// An organization's SAML connections.
#[utoipa::path(get, path = "/admin/v1/organizations/{org}/saml-connections", tag = "organizations",
    params(("org" = String, Path, description = "The organization (id or slug)")),
    responses((status = 200, body = super::DataList<Connection>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:read"])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    org: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:read")?;
    let all = ops::list(&state, &org).await?;
    Ok(HttpResponse::Ok().json(json!({ "data": all })))
}

/// Connect an IdP; the answer has what its admin needs (SP entity id, ACS URL, metadata URL).
#[utoipa::path(post, path = "/admin/v1/organizations/{org}/saml-connections", tag = "organizations", request_body = SamlConnectionInput,
    params(("org" = String, Path, description = "The organization (id or slug)"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = Connection), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
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
        let input: SamlConnectionInput = json_body(&body)?;
        let connection = ops::add(&state, &org, input.settings(true)?).await?;
        audited(&state, &caller, "samlConnection.created", &connection).await;
        Ok((StatusCode::CREATED, json!(connection)))
    })
    .await
}

/// One connection.
#[utoipa::path(get, path = "/admin/v1/organizations/{org}/saml-connections/{id}", tag = "organizations",
    params(("org" = String, Path, description = "The organization (id or slug)"), ("id" = String, Path, description = "The id")),
    responses((status = 200, body = Connection), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:read"])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:read")?;
    let (org, id) = path.into_inner();
    Ok(HttpResponse::Ok().json(ops::show(&state, &org, &id).await?))
}

/// Change a connection (a new IdP source replaces its entity id, SSO URL and certificates).
#[utoipa::path(patch, path = "/admin/v1/organizations/{org}/saml-connections/{id}", tag = "organizations", request_body = SamlConnectionInput,
    params(("org" = String, Path, description = "The organization (id or slug)"), ("id" = String, Path, description = "The id")),
    responses((status = 200, body = Connection), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:write"])))]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:write")?;
    let (org, id) = path.into_inner();
    let input: SamlConnectionInput = json_body(&body)?;
    let connection = ops::update(&state, &org, &id, input.settings(false)?).await?;
    audited(&state, &caller, "samlConnection.updated", &connection).await;
    Ok(HttpResponse::Ok().json(connection))
}

/// Delete a connection (its links to accounts go; the accounts stay).
#[utoipa::path(delete, path = "/admin/v1/organizations/{org}/saml-connections/{id}", tag = "organizations",
    params(("org" = String, Path, description = "The organization (id or slug)"), ("id" = String, Path, description = "The id")),
    responses((status = 204), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:write"])))]
pub async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:write")?;
    let (org, id) = path.into_inner();
    let connection = ops::show(&state, &org, &id).await?;
    ops::delete(&state, &org, &id).await?;
    audited(&state, &caller, "samlConnection.deleted", &connection).await;
    Ok(HttpResponse::NoContent().finish())
}
