//! `/Groups` (RFC 7644 §3.3–§3.6): create, read, replace, patch, delete, list and search.
//! Members are loaded only when the answer shows them (`excludedAttributes=members`, as Entra
//! ID sends, skips them), so large groups stay cheap to look up.

use super::caller::ScimCaller;
use super::error::ScimError;
use super::group_provisioning::{self as provisioning, StoredGroup};
use super::group_resource::{self, GroupInput};
use super::request::{self, ListRequest};
use super::resolve;
use super::schema;
use super::user_resource::Meta;
use super::users::{method_not_allowed, read_body};
use crate::app::AppState;
use crate::storage::scim_query::Resource;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;
use std::collections::HashMap;

/// A stored Group as JSON.
fn render(state: &AppState, group: &StoredGroup) -> Value {
    let base = request::base_url(state);
    let row = &group.row;
    group_resource::render(
        &row.display_name,
        row.external_id.as_deref(),
        &group.members,
        &Meta {
            id: &row.id,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
            base_url: &base,
        },
    )
}

fn project(value: Value, list: &ListRequest) -> Value {
    super::projection::project(value, &list.attributes, &list.excluded, schema::GROUP, &[])
}

/// Whether the answer shows members (so they are worth loading).
fn wants_members(list: &ListRequest) -> bool {
    let names = |paths: &[String]| -> Vec<String> {
        paths
            .iter()
            .map(|p| {
                let p = p.to_ascii_lowercase();
                let p = p
                    .strip_prefix(&format!("{}:", schema::GROUP.to_ascii_lowercase()))
                    .map(str::to_string)
                    .unwrap_or(p);
                p.split('.').next().unwrap_or_default().to_string()
            })
            .collect()
    };
    if names(&list.excluded).iter().any(|n| n == "members") {
        return false;
    }
    list.attributes.is_empty() || names(&list.attributes).iter().any(|n| n == "members")
}

/// POST: creates a Group from a body.
pub async fn create_group(
    state: &AppState,
    caller: &ScimCaller,
    body: &Value,
) -> Result<Value, ScimError> {
    let input = group_resource::read(body)?;
    let group = provisioning::create(state, caller, input).await?;
    Ok(render(state, &group))
}

fn current_input(group: &StoredGroup) -> GroupInput {
    GroupInput {
        display_name: group.row.display_name.clone(),
        external_id: group.row.external_id.clone(),
        members: group.members.iter().map(|m| m.id.clone()).collect(),
    }
}

/// PUT: replaces a Group (its members too) with a body.
pub async fn replace_group(
    state: &AppState,
    caller: &ScimCaller,
    id: &str,
    body: &Value,
    if_match: request::IfMatch,
) -> Result<Value, ScimError> {
    let input = group_resource::read(body)?;
    let group = provisioning::replace(state, caller, id, move |current| {
        if_match.check(current.row.version)?;
        Ok((input != current_input(current)).then_some(input))
    })
    .await?;
    Ok(render(state, &group))
}

/// The schemas a Group PATCH resolves paths against.
const GROUP_SCHEMAS: super::patch::Schemas<'static> = super::patch::Schemas {
    core: &schema::GROUP_SCHEMA,
    common: &schema::COMMON,
    extensions: &[],
};

/// PATCH: applies a PatchOp body to a Group, all or nothing.
pub async fn patch_group(
    state: &AppState,
    caller: &ScimCaller,
    id: &str,
    body: &Value,
    if_match: request::IfMatch,
) -> Result<Value, ScimError> {
    let operations = super::patch::read(body)?;
    let group = provisioning::replace(state, caller, id, move |current| {
        if_match.check(current.row.version)?;
        if operations.is_empty() {
            return Ok(None);
        }
        let input = current_input(current);
        let stored = group_resource::to_resource(&input);
        let patched = super::patch::apply(GROUP_SCHEMAS, &stored, &operations)?;
        let next = group_resource::from_resource(patched.resource)?;
        Ok((next != input).then_some(next))
    })
    .await?;
    Ok(render(state, &group))
}

/// DELETE: removes a Group.
pub async fn delete_group(
    state: &AppState,
    caller: &ScimCaller,
    id: &str,
    if_match: request::IfMatch,
) -> Result<(), ScimError> {
    provisioning::delete(state, caller, id, move |current| {
        if_match.check(current.version)
    })
    .await
}

async fn create(
    state: web::Data<AppState>,
    caller: ScimCaller,
    query: web::Query<HashMap<String, String>>,
    payload: web::Payload,
) -> Result<HttpResponse, ScimError> {
    let list = ListRequest::from_query(&query)?;
    let body = read_body(payload).await?;
    let group = create_group(&state, &caller, &body).await?;
    Ok(request::resource(
        StatusCode::CREATED,
        &project(group, &list),
    ))
}

async fn get(
    state: web::Data<AppState>,
    caller: ScimCaller,
    req: HttpRequest,
    id: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ScimError> {
    let list = ListRequest::from_query(&query)?;
    let group = provisioning::get(&state, &caller, &id, wants_members(&list)).await?;
    if request::not_modified(&req, group.row.version) {
        return Ok(request::unchanged(group.row.version));
    }
    let body = project(render(&state, &group), &list);
    Ok(request::resource(StatusCode::OK, &body))
}

async fn replace(
    state: web::Data<AppState>,
    caller: ScimCaller,
    req: HttpRequest,
    id: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
    payload: web::Payload,
) -> Result<HttpResponse, ScimError> {
    let list = ListRequest::from_query(&query)?;
    let body = read_body(payload).await?;
    let group = replace_group(&state, &caller, &id, &body, request::IfMatch::of(&req)).await?;
    Ok(request::resource(StatusCode::OK, &project(group, &list)))
}

async fn patch(
    state: web::Data<AppState>,
    caller: ScimCaller,
    req: HttpRequest,
    id: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
    payload: web::Payload,
) -> Result<HttpResponse, ScimError> {
    let list = ListRequest::from_query(&query)?;
    let body = read_body(payload).await?;
    let group = patch_group(&state, &caller, &id, &body, request::IfMatch::of(&req)).await?;
    Ok(request::resource(StatusCode::OK, &project(group, &list)))
}

async fn delete(
    state: web::Data<AppState>,
    caller: ScimCaller,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ScimError> {
    delete_group(&state, &caller, &id, request::IfMatch::of(&req)).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn list(
    state: web::Data<AppState>,
    caller: ScimCaller,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ScimError> {
    let list = ListRequest::from_query(&query)?;
    answer(&state, &caller, list).await
}

async fn search(
    state: web::Data<AppState>,
    caller: ScimCaller,
    payload: web::Payload,
) -> Result<HttpResponse, ScimError> {
    let body = read_body(payload).await?;
    let list = ListRequest::from_search(&body)?;
    answer(&state, &caller, list).await
}

/// Runs a list or search.
async fn answer(
    state: &AppState,
    caller: &ScimCaller,
    list: ListRequest,
) -> Result<HttpResponse, ScimError> {
    let query = request::query_of(&resolve::GROUPS, Resource::Group, caller, &list)?;
    let (groups, total) = provisioning::query(state, query, wants_members(&list)).await?;
    request::check_total(&list, total, "Groups")?;
    let resources = groups
        .iter()
        .map(|g| project(render(state, g), &list))
        .collect();
    Ok(request::list(total, list.start_index, resources))
}

/// Registers the routes (inside the `/scim/v2` scope).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/Groups")
            .route(web::get().to(list))
            .route(web::post().to(create))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/Groups/.search")
            .route(web::post().to(search))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/Groups/{id}")
            .route(web::get().to(get))
            .route(web::put().to(replace))
            .route(web::patch().to(patch))
            .route(web::delete().to(delete))
            .default_service(web::to(method_not_allowed)),
    );
}
