//! `/admin/v1/organizations`: organizations, their memberships, roles and invitations. An
//! organization is named by id or slug in paths.

use super::caller::Caller;
use super::problem::{ApiError, Problem};
use super::{PageQuery, idempotency, json_body, page, time};
use crate::app::AppState;
use crate::domain::organization::{Membership, Organization, Role};
use crate::organizations::invitations::{self, Invitation};
use crate::organizations::{self as ops, NewOrganization, OrganizationChanges};
use crate::storage::organizations as store;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

/// An organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationOut {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub logo_url: Option<String>,
    pub public_metadata: Value,
    pub private_metadata: Value,
    /// The role new members get.
    pub default_role: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<Organization> for OrganizationOut {
    fn from(o: Organization) -> Self {
        Self {
            id: o.id,
            slug: o.slug,
            name: o.name,
            logo_url: o.logo_url,
            public_metadata: o.public_metadata,
            private_metadata: o.private_metadata,
            default_role: o.default_role,
            created_at: time(o.created_at),
            updated_at: time(o.updated_at),
        }
    }
}

/// A page of organizations.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationPage {
    pub data: Vec<OrganizationOut>,
    pub next_cursor: Option<String>,
}

/// A new organization.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationCreate {
    pub name: String,
    /// Default: made from the name.
    pub slug: Option<String>,
    pub logo_url: Option<String>,
    /// A user (id or email) who becomes its first admin.
    pub owner: Option<String>,
}

/// Changes to an organization; `logo_url: null` removes the logo.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationPatch {
    pub name: Option<String>,
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "super::present")]
    #[schema(value_type = Option<String>)]
    pub logo_url: Option<Option<String>>,
    pub default_role: Option<String>,
}

/// Filters of the organization list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default, deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrganizationListQuery {
    /// A part of the name or slug.
    pub search: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A membership.
#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipOut {
    pub organization_id: String,
    pub user_id: String,
    pub email: Option<String>,
    pub role: String,
    pub created_at: String,
    pub updated_at: String,
}

impl MembershipOut {
    fn new(m: Membership, email: Option<String>) -> Self {
        Self {
            organization_id: m.organization_id,
            user_id: m.user_id,
            email,
            role: m.role,
            created_at: time(m.created_at),
            updated_at: time(m.updated_at),
        }
    }
}

/// A page of memberships.
#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipPage {
    pub data: Vec<MembershipOut>,
    pub next_cursor: Option<String>,
}

/// A new membership.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MembershipCreate {
    /// The user (id or email).
    pub user: String,
    /// Default: the organization's default role.
    pub role: Option<String>,
}

/// A membership's new role.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MembershipPatch {
    pub role: String,
}

/// A role.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleOut {
    pub key: String,
    pub name: String,
    pub permissions: Vec<String>,
    pub built_in: bool,
}

impl From<Role> for RoleOut {
    fn from(r: Role) -> Self {
        Self {
            key: r.key,
            name: r.name,
            permissions: r.permissions,
            built_in: r.built_in,
        }
    }
}

/// A new custom role.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleCreate {
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub permissions: Vec<String>,
}

/// Changes to a custom role; `permissions` replaces the list (may be empty).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RolePatch {
    pub name: Option<String>,
    pub permissions: Option<Vec<String>>,
}

/// An invitation (never its link).
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationOut {
    pub id: String,
    pub organization_id: String,
    pub email: String,
    pub role: String,
    /// pending, expired, accepted or revoked.
    pub state: String,
    pub invited_by: Option<String>,
    pub accepted_by: Option<String>,
    pub created_at: String,
    pub expires_at: String,
    /// On creation: whether the mail with the link went out (if not, invite again).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mailed: Option<bool>,
}

impl From<Invitation> for InvitationOut {
    fn from(i: Invitation) -> Self {
        Self {
            id: i.id,
            organization_id: i.organization_id,
            email: i.email,
            role: i.role,
            state: i.state.to_string(),
            invited_by: i.invited_by,
            accepted_by: i.accepted_by,
            created_at: time(i.created_at),
            expires_at: time(i.expires_at),
            mailed: None,
        }
    }
}

/// A page of invitations.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationPage {
    pub data: Vec<InvitationOut>,
    pub next_cursor: Option<String>,
}

/// A new invitation: the address gets a single-use link by mail.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationCreate {
    pub email: String,
    /// Default: the organization's default role.
    pub role: Option<String>,
}

/// Filters of the invitation list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default, deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InvitationListQuery {
    /// pending, expired, accepted, revoked or all (default).
    pub state: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organizations", web::get().to(list))
        .route("/organizations", web::post().to(create))
        .route("/organizations/{org}", web::get().to(get))
        .route("/organizations/{org}", web::patch().to(update))
        .route("/organizations/{org}", web::delete().to(delete))
        .route("/organizations/{org}/memberships", web::get().to(members))
        .route(
            "/organizations/{org}/memberships",
            web::post().to(add_member),
        )
        .route(
            "/organizations/{org}/memberships/{user}",
            web::patch().to(set_role),
        )
        .route(
            "/organizations/{org}/memberships/{user}",
            web::delete().to(remove_member),
        )
        .route("/organizations/{org}/roles", web::get().to(roles))
        .route("/organizations/{org}/roles", web::post().to(create_role))
        .route(
            "/organizations/{org}/roles/{key}",
            web::patch().to(update_role),
        )
        .route(
            "/organizations/{org}/roles/{key}",
            web::delete().to(delete_role),
        )
        .route(
            "/organizations/{org}/invitations",
            web::get().to(invitations_list),
        )
        .route("/organizations/{org}/invitations", web::post().to(invite))
        .route(
            "/organizations/{org}/invitations/{id}/revoke",
            web::post().to(revoke_invitation),
        );
}

/// List organizations.
#[utoipa::path(get, path = "/admin/v1/organizations", tag = "organizations", params(OrganizationListQuery),
    responses((status = 200, body = OrganizationPage), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:read"])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<OrganizationListQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:read")?;
    let (size, after) = PageQuery::of(query.limit, &query.cursor)?;
    let search = query
        .search
        .clone()
        .filter(|s| !s.is_empty() && s.len() <= 200);
    let rows = state
        .db
        .run(move |conn| store::page(conn, search.as_deref(), after.as_deref(), size + 1))
        .await?;
    let (data, next_cursor) = page(rows, size, |o| o.id.clone(), OrganizationOut::from);
    Ok(HttpResponse::Ok().json(OrganizationPage { data, next_cursor }))
}

/// Create an organization (with the built-in roles admin and member).
#[utoipa::path(post, path = "/admin/v1/organizations", tag = "organizations", request_body = OrganizationCreate,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = OrganizationOut), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:write"])))]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:write")?;
    idempotency::run(&state, &caller, &req, &body, || async {
        let input: OrganizationCreate = json_body(&body)?;
        let org = ops::create(
            &state,
            NewOrganization {
                name: input.name,
                slug: input.slug,
                logo_url: input.logo_url,
                owner: input.owner,
            },
        )
        .await?;
        crate::audit::record(
            &state,
            caller
                .event("organization.created", "organization", &org.id)
                .organization(org.id.clone()),
        )
        .await;
        Ok((StatusCode::CREATED, json!(OrganizationOut::from(org))))
    })
    .await
}

/// Get an organization (by id or slug).
#[utoipa::path(get, path = "/admin/v1/organizations/{org}", tag = "organizations",
    params(("org" = String, Path, description = "The organization (id or slug)")),
    responses((status = 200, body = OrganizationOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:read"])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    org: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:read")?;
    Ok(HttpResponse::Ok().json(OrganizationOut::from(ops::find(&state, &org).await?)))
}

/// Change an organization.
#[utoipa::path(patch, path = "/admin/v1/organizations/{org}", tag = "organizations", request_body = OrganizationPatch,
    params(("org" = String, Path, description = "The organization (id or slug)")),
    responses((status = 200, body = OrganizationOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:write"])))]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    org: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:write")?;
    let patch: OrganizationPatch = json_body(&body)?;
    let updated = ops::update(
        &state,
        &org,
        OrganizationChanges {
            name: patch.name,
            slug: patch.slug,
            logo_url: patch.logo_url,
            default_role: patch.default_role,
        },
    )
    .await?;
    crate::audit::record(
        &state,
        caller
            .event("organization.updated", "organization", &updated.id)
            .organization(updated.id.clone()),
    )
    .await;
    Ok(HttpResponse::Ok().json(OrganizationOut::from(updated)))
}

/// Delete an organization with its roles, memberships and invitations.
#[utoipa::path(delete, path = "/admin/v1/organizations/{org}", tag = "organizations",
    params(("org" = String, Path, description = "The organization (id or slug)")),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:write"])))]
pub async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    org: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:write")?;
    let deleted = ops::delete(&state, &org).await?;
    crate::audit::record(
        &state,
        caller
            .event("organization.deleted", "organization", &deleted.id)
            .organization(deleted.id.clone()),
    )
    .await;
    Ok(HttpResponse::NoContent().finish())
}

/// List an organization's members.
#[utoipa::path(get, path = "/admin/v1/organizations/{org}/memberships", tag = "organizations", params(("org" = String, Path, description = "The organization (id or slug)"), PageQuery),
    responses((status = 200, body = MembershipPage), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:read"])))]
pub async fn members(
    state: web::Data<AppState>,
    caller: Caller,
    org: web::Path<String>,
    paging: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:read")?;
    let org = ops::find(&state, &org).await?;
    let (size, after) = PageQuery::of(paging.limit, &paging.cursor)?;
    let rows = state
        .db
        .run(move |conn| store::members_page(conn, &org.id, after.as_deref(), size + 1))
        .await?;
    let (data, next_cursor) = page(
        rows,
        size,
        |(m, _)| m.user_id.clone(),
        |(m, email)| MembershipOut::new(m, Some(email)),
    );
    Ok(HttpResponse::Ok().json(MembershipPage { data, next_cursor }))
}

/// Add a member.
#[utoipa::path(post, path = "/admin/v1/organizations/{org}/memberships", tag = "organizations", request_body = MembershipCreate,
    params(("org" = String, Path, description = "The organization (id or slug)"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = MembershipOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:write"])))]
pub async fn add_member(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    org: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:write")?;
    idempotency::run(&state, &caller, &req, &body, || async {
        let input: MembershipCreate = json_body(&body)?;
        let m = ops::add_member(&state, &org, &input.user, input.role).await?;
        crate::audit::record(
            &state,
            caller
                .event("organizationMembership.created", "user", &m.user_id)
                .organization(m.organization_id.clone())
                .detail("role", m.role.clone()),
        )
        .await;
        Ok((StatusCode::CREATED, json!(MembershipOut::new(m, None))))
    })
    .await
}

/// Give a member another role (the last admin keeps theirs).
#[utoipa::path(patch, path = "/admin/v1/organizations/{org}/memberships/{user}", tag = "organizations", request_body = MembershipPatch,
    params(("org" = String, Path, description = "The organization (id or slug)"), ("user" = String, Path, description = "The user (id or email)")),
    responses((status = 200, body = MembershipOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:write"])))]
pub async fn set_role(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:write")?;
    let (org, user) = path.into_inner();
    let patch: MembershipPatch = json_body(&body)?;
    let m = ops::set_member_role(&state, &org, &user, &patch.role).await?;
    crate::audit::record(
        &state,
        caller
            .event("organizationMembership.updated", "user", &m.user_id)
            .organization(m.organization_id.clone())
            .detail("role", m.role.clone()),
    )
    .await;
    Ok(HttpResponse::Ok().json(MembershipOut::new(m, None)))
}

/// Remove a member (not the last admin).
#[utoipa::path(delete, path = "/admin/v1/organizations/{org}/memberships/{user}", tag = "organizations",
    params(("org" = String, Path, description = "The organization (id or slug)"), ("user" = String, Path, description = "The user (id or email)")),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:write"])))]
pub async fn remove_member(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:write")?;
    let (org, user) = path.into_inner();
    let m = ops::remove_member(&state, &org, &user).await?;
    crate::audit::record(
        &state,
        caller
            .event("organizationMembership.deleted", "user", &m.user_id)
            .organization(m.organization_id.clone()),
    )
    .await;
    Ok(HttpResponse::NoContent().finish())
}

/// The roles of an organization.
#[utoipa::path(get, path = "/admin/v1/organizations/{org}/roles", tag = "organizations",
    params(("org" = String, Path, description = "The organization (id or slug)")),
    responses((status = 200, body = super::DataList<RoleOut>), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:read"])))]
pub async fn roles(
    state: web::Data<AppState>,
    caller: Caller,
    org: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:read")?;
    let list: Vec<RoleOut> = ops::roles(&state, &org)
        .await?
        .into_iter()
        .map(RoleOut::from)
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "data": list })))
}

/// Create a custom role.
#[utoipa::path(post, path = "/admin/v1/organizations/{org}/roles", tag = "organizations", request_body = RoleCreate,
    params(("org" = String, Path, description = "The organization (id or slug)"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = RoleOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:write"])))]
pub async fn create_role(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    org: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:write")?;
    idempotency::run(&state, &caller, &req, &body, || async {
        let input: RoleCreate = json_body(&body)?;
        let role =
            ops::create_role(&state, &org, &input.key, &input.name, &input.permissions).await?;
        let org_id = ops::find(&state, &org).await?.id;
        crate::audit::record(
            &state,
            caller
                .event("organizationRole.created", "role", &role.key)
                .organization(org_id),
        )
        .await;
        Ok((StatusCode::CREATED, json!(RoleOut::from(role))))
    })
    .await
}

/// Change a custom role.
#[utoipa::path(patch, path = "/admin/v1/organizations/{org}/roles/{key}", tag = "organizations", request_body = RolePatch,
    params(("org" = String, Path, description = "The organization (id or slug)"), ("key" = String, Path, description = "The role key")),
    responses((status = 200, body = RoleOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:write"])))]
pub async fn update_role(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:write")?;
    let (org, key) = path.into_inner();
    let patch: RolePatch = json_body(&body)?;
    let role = ops::update_role(&state, &org, &key, patch.name, patch.permissions).await?;
    let org_id = ops::find(&state, &org).await?.id;
    crate::audit::record(
        &state,
        caller
            .event("organizationRole.updated", "role", &role.key)
            .organization(org_id),
    )
    .await;
    Ok(HttpResponse::Ok().json(RoleOut::from(role)))
}

/// Delete a custom role nobody holds, that is not the default and no pending invitation offers.
#[utoipa::path(delete, path = "/admin/v1/organizations/{org}/roles/{key}", tag = "organizations",
    params(("org" = String, Path, description = "The organization (id or slug)"), ("key" = String, Path, description = "The role key")),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:write"])))]
pub async fn delete_role(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:write")?;
    let (org, key) = path.into_inner();
    let org_id = ops::find(&state, &org).await?.id;
    ops::delete_role(&state, &org_id, &key).await?;
    crate::audit::record(
        &state,
        caller
            .event("organizationRole.deleted", "role", &key)
            .organization(org_id),
    )
    .await;
    Ok(HttpResponse::NoContent().finish())
}

/// List an organization's invitations, newest first.
#[utoipa::path(get, path = "/admin/v1/organizations/{org}/invitations", tag = "organizations", params(("org" = String, Path, description = "The organization (id or slug)"), InvitationListQuery),
    responses((status = 200, body = InvitationPage), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:read"])))]
pub async fn invitations_list(
    state: web::Data<AppState>,
    caller: Caller,
    org: web::Path<String>,
    query: web::Query<InvitationListQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:read")?;
    let which = invitations::parse_listed(query.state.as_deref().unwrap_or("all"))?;
    let (size, before) = PageQuery::of(query.limit, &query.cursor)?;
    let rows = invitations::list(&state, &org, which, before, size + 1).await?;
    let (data, next_cursor) = page(rows, size, |i| i.id.clone(), InvitationOut::from);
    Ok(HttpResponse::Ok().json(InvitationPage { data, next_cursor }))
}

/// Invite an address (mails a single-use link; replaces a pending invitation to it).
#[utoipa::path(post, path = "/admin/v1/organizations/{org}/invitations", tag = "organizations", request_body = InvitationCreate,
    params(("org" = String, Path, description = "The organization (id or slug)"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = InvitationOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:write"])))]
pub async fn invite(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    org: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:write")?;
    idempotency::run(&state, &caller, &req, &body, || async {
        let input: InvitationCreate = json_body(&body)?;
        let invited =
            invitations::invite(&state, &org, &input.email, input.role, caller.actor()).await?;
        let out = InvitationOut {
            mailed: Some(invited.mailed),
            ..InvitationOut::from(invited.invitation)
        };
        Ok((StatusCode::CREATED, json!(out)))
    })
    .await
}

/// Revoke an invitation: its link stops working.
#[utoipa::path(post, path = "/admin/v1/organizations/{org}/invitations/{id}/revoke", tag = "organizations",
    params(("org" = String, Path, description = "The organization (id or slug)"), ("id" = String, Path, description = "The id")),
    responses((status = 200, body = InvitationOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["organizations:write"])))]
pub async fn revoke_invitation(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require("organizations:write")?;
    let (org, id) = path.into_inner();
    if id.len() > 100 {
        return Err(ApiError::NotFound("invitation"));
    }
    let revoked = invitations::revoke(&state, &org, &id, caller.actor()).await?;
    Ok(HttpResponse::Ok().json(InvitationOut::from(revoked)))
}
