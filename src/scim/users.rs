//! `/Users` (RFC 7644 §3.3–§3.6): create, read, replace, delete, list and search.

use super::caller::ScimCaller;
use super::error::{ScimError, ScimType};
use super::provisioning::{self, UserGroups};
use super::request::{self, ListRequest};
use super::resolve;
use super::schema;
use super::user_resource::{self, Meta};
use crate::app::AppState;
use crate::storage::scim_query::Resource;
use crate::storage::scim_users::ScimUserRow;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// Reads a request body, refusing more than [`request::MAX_BODY_BYTES`] as it streams in.
pub async fn read_body(payload: web::Payload) -> Result<Value, ScimError> {
    let body = payload
        .to_bytes_limited(request::MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            ScimError::PayloadTooLarge(format!(
                "the body is larger than {} bytes",
                request::MAX_BODY_BYTES
            ))
        })?
        .map_err(|e| {
            ScimError::invalid(
                ScimType::InvalidSyntax,
                format!("could not read the body: {e}"),
            )
        })?;
    request::json_body(&body)
}

/// A stored User as JSON, with its groups (from `groups`, keyed by SCIM user id).
pub fn render(
    state: &AppState,
    row: &ScimUserRow,
    groups: &UserGroups,
) -> Result<Value, ScimError> {
    let resource: Map<String, Value> = serde_json::from_str(&row.resource)
        .map_err(|e| ScimError::Internal(format!("stored SCIM user {}: {e}", row.id)))?;
    let base = request::base_url(state);
    let mut out = user_resource::render(
        &resource,
        &Meta {
            id: &row.id,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
            base_url: &base,
        },
    );
    if let Some(list) = groups.get(&row.id)
        && let Value::Object(fields) = &mut out
    {
        let items = list
            .iter()
            .map(|g| {
                json!({
                    "value": g.group_id,
                    "$ref": format!("{base}/Groups/{}", g.group_id),
                    "display": g.display_name,
                    "type": "direct",
                })
            })
            .collect();
        fields.insert("groups".into(), Value::Array(items));
    }
    Ok(out)
}

/// One stored User as JSON, its groups read.
async fn render_one(state: &AppState, row: &ScimUserRow) -> Result<Value, ScimError> {
    let groups = provisioning::groups_of(state, std::slice::from_ref(row)).await?;
    render(state, row, &groups)
}

fn project(value: Value, list: &ListRequest) -> Value {
    super::projection::project(
        value,
        &list.attributes,
        &list.excluded,
        schema::USER,
        &[schema::ENTERPRISE_USER],
    )
}

/// POST: creates a User from a body; the answer's JSON.
pub async fn create_user(
    state: &AppState,
    caller: &ScimCaller,
    body: &Value,
) -> Result<Value, ScimError> {
    let input = user_resource::read(body)?;
    let row = provisioning::create(state, caller, input).await?;
    render_one(state, &row).await
}

/// PUT: replaces a User with a body.
pub async fn replace_user(
    state: &AppState,
    caller: &ScimCaller,
    id: &str,
    body: &Value,
    if_match: request::IfMatch,
) -> Result<Value, ScimError> {
    let input = user_resource::read(body)?;
    let password = input.password.clone();
    let row = provisioning::replace(state, caller, id, password.as_deref(), move |current| {
        if_match.check(current.version)?;
        Ok(Some(input))
    })
    .await?;
    render_one(state, &row).await
}

/// PATCH: applies a PatchOp body to a User, all or nothing.
pub async fn patch_user(
    state: &AppState,
    caller: &ScimCaller,
    id: &str,
    body: &Value,
    if_match: request::IfMatch,
) -> Result<Value, ScimError> {
    let operations = super::patch::read(body)?;
    // The password is the one part a PATCH sets without the stored resource; it is hashed
    // before the transaction.
    let password = super::patch::password_of(&operations);
    let row = provisioning::replace(state, caller, id, password.as_deref(), move |current| {
        if_match.check(current.version)?;
        if operations.is_empty() {
            return Ok(None);
        }
        let stored: Map<String, Value> = serde_json::from_str(&current.resource)
            .map_err(|e| ScimError::Internal(format!("stored SCIM user {}: {e}", current.id)))?;
        let patched = super::patch::apply(USER_SCHEMAS, &stored, &operations)?;
        if patched.resource == stored && patched.password.is_none() {
            return Ok(None);
        }
        // What PATCH produced must still be a valid User (a userName, say).
        Ok(Some(user_resource::from_resource(
            patched.resource,
            patched.password,
        )?))
    })
    .await?;
    render_one(state, &row).await
}

/// The schemas a User PATCH resolves paths against.
const USER_SCHEMAS: super::patch::Schemas<'static> = super::patch::Schemas {
    core: &schema::USER_SCHEMA,
    common: &schema::COMMON,
    extensions: &[&schema::ENTERPRISE_USER_SCHEMA],
};

/// DELETE: removes a User.
pub async fn delete_user(
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
    let user = create_user(&state, &caller, &body).await?;
    Ok(request::resource(
        StatusCode::CREATED,
        &project(user, &list),
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
    let row = provisioning::get(&state, &caller, &id).await?;
    if request::not_modified(&req, row.version) {
        return Ok(request::unchanged(row.version));
    }
    let body = project(render_one(&state, &row).await?, &list);
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
    let user = replace_user(&state, &caller, &id, &body, request::IfMatch::of(&req)).await?;
    Ok(request::resource(StatusCode::OK, &project(user, &list)))
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
    let user = patch_user(&state, &caller, &id, &body, request::IfMatch::of(&req)).await?;
    Ok(request::resource(StatusCode::OK, &project(user, &list)))
}

async fn delete(
    state: web::Data<AppState>,
    caller: ScimCaller,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ScimError> {
    delete_user(&state, &caller, &id, request::IfMatch::of(&req)).await?;
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
    let query = request::query_of(&resolve::USERS, Resource::User, caller, &list)?;
    let (rows, total) = provisioning::query(state, query).await?;
    request::check_total(&list, total, "Users")?;
    let groups = provisioning::groups_of(state, &rows).await?;
    let resources = rows
        .iter()
        .map(|row| render(state, row, &groups).map(|v| project(v, &list)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(request::list(total, list.start_index, resources))
}

/// A method the path does not take: 405 in the SCIM error format.
pub async fn method_not_allowed(_caller: ScimCaller) -> Result<HttpResponse, ScimError> {
    Err(ScimError::MethodNotAllowed)
}

/// Registers the routes (inside the `/scim/v2` scope).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/Users")
            .route(web::get().to(list))
            .route(web::post().to(create))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/Users/.search")
            .route(web::post().to(search))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/Users/{id}")
            .route(web::get().to(get))
            .route(web::put().to(replace))
            .route(web::patch().to(patch))
            .route(web::delete().to(delete))
            .default_service(web::to(method_not_allowed)),
    );
}
