//! `/admin/v1/organizations/{org}/scim-group-roles`: which organization role the members of a
//! directory group get (the same operations as `tessera scim group-role`).

use super::caller::Caller;
use super::problem::{ApiError, Problem};
use super::{json_body, time};
use crate::app::AppState;
use crate::scim::group_roles as ops;
use crate::storage::scim_group_roles::GroupRole;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// A mapping from a directory group's name to a role.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupRoleOut {
    /// The group's displayName as written when the mapping was set (compared without case).
    pub group: String,
    pub role: String,
    /// The lowest priority among a member's mapped groups wins.
    pub priority: i32,
    pub created_at: String,
}

impl From<GroupRole> for GroupRoleOut {
    fn from(m: GroupRole) -> Self {
        Self {
            group: m.group_name,
            role: m.role_key,
            priority: m.priority,
            created_at: time(m.created_at),
        }
    }
}

/// Sets (or replaces) a group's mapping.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupRoleSet {
    pub group: String,
    pub role: String,
    /// Default: 100.
    pub priority: Option<i32>,
}

/// Removes a group's mapping.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupRoleRemove {
    pub group: String,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organizations/{org}/scim-group-roles", web::get().to(list))
        .route("/organizations/{org}/scim-group-roles", web::post().to(set))
        .route(
            "/organizations/{org}/scim-group-roles/remove",
            web::post().to(remove),
        );
}

/// An organization's group-to-role mappings, the one that wins first.
#[utoipa::path(get, path = "/admin/v1/organizations/{org}/scim-group-roles", tag = "organizations",
    params(("org" = String, Path, description = "The organization (id or slug)")),
    responses((status = 200, body = super::DataList<GroupRoleOut>), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:read"])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    org: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:read")?;
    let all: Vec<GroupRoleOut> = ops::list(&state, &org)
        .await?
        .into_iter()
        .map(GroupRoleOut::from)
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "data": all })))
}

/// Map a group to a role (replacing its mapping); the roles of the directory's members are
/// recomputed at once.
#[utoipa::path(post, path = "/admin/v1/organizations/{org}/scim-group-roles", tag = "organizations", request_body = GroupRoleSet,
    params(("org" = String, Path, description = "The organization (id or slug)")),
    responses((status = 200, body = GroupRoleOut), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:write"])))]
pub async fn set(
    state: web::Data<AppState>,
    caller: Caller,
    org: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:write")?;
    let input: GroupRoleSet = json_body(&body)?;
    let mapping = ops::set(
        &state,
        &org,
        &input.group,
        &input.role,
        input.priority,
        caller.actor(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(GroupRoleOut::from(mapping)))
}

/// Remove a group's mapping; with mappings left, roles are recomputed with them.
#[utoipa::path(post, path = "/admin/v1/organizations/{org}/scim-group-roles/remove", tag = "organizations", request_body = GroupRoleRemove,
    params(("org" = String, Path, description = "The organization (id or slug)")),
    responses((status = 204), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:write"])))]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    org: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:write")?;
    let input: GroupRoleRemove = json_body(&body)?;
    ops::remove(&state, &org, &input.group, caller.actor()).await?;
    Ok(HttpResponse::NoContent().finish())
}
