//! The HTTP shape every resource type shares (RFC 7644 §3.3–§3.6): `POST /X`, `GET /X` (list),
//! `POST /X/.search`, and `GET`, `PUT`, `PATCH`, `DELETE` on `/X/{id}`, with projections on
//! every answer that carries a resource, entity tags, and 405 for other methods. A resource
//! type ([`ResourceType`], implemented by `users::Users` and `groups::Groups`) supplies only the
//! operations; `/Bulk` runs the same operations.

use super::caller::ScimCaller;
use super::error::ScimError;
use super::request::{self, IfMatch, ListRequest, read_body};
use crate::app::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;
use std::collections::HashMap;

/// What a resource type does; the endpoints around it are generic. (The futures need not be
/// `Send`: actix-web runs each request on one thread.)
#[allow(async_fn_in_trait)]
pub trait ResourceType: 'static {
    /// The endpoint, such as `/Users`.
    const PATH: &'static str;

    /// Applies `attributes` and `excludedAttributes`.
    fn project(value: Value, list: &ListRequest) -> Value;

    /// POST: the created resource.
    async fn create(
        state: &AppState,
        caller: &ScimCaller,
        body: &Value,
    ) -> Result<Value, ScimError>;

    /// GET of one resource: its version and its JSON (`list` says what the answer shows, so
    /// the type may skip loading what is left out).
    async fn get(
        state: &AppState,
        caller: &ScimCaller,
        id: &str,
        list: &ListRequest,
    ) -> Result<(i64, Value), ScimError>;

    /// PUT: the replaced resource.
    async fn replace(
        state: &AppState,
        caller: &ScimCaller,
        id: &str,
        body: &Value,
        if_match: IfMatch,
    ) -> Result<Value, ScimError>;

    /// PATCH: the patched resource.
    async fn patch(
        state: &AppState,
        caller: &ScimCaller,
        id: &str,
        body: &Value,
        if_match: IfMatch,
    ) -> Result<Value, ScimError>;

    /// DELETE.
    async fn delete(
        state: &AppState,
        caller: &ScimCaller,
        id: &str,
        if_match: IfMatch,
    ) -> Result<(), ScimError>;

    /// A list or search: how many match and this page, projected.
    async fn query(
        state: &AppState,
        caller: &ScimCaller,
        list: &ListRequest,
    ) -> Result<(i64, Vec<Value>), ScimError>;
}

async fn create<R: ResourceType>(
    state: web::Data<AppState>,
    caller: ScimCaller,
    query: web::Query<HashMap<String, String>>,
    payload: web::Payload,
) -> Result<HttpResponse, ScimError> {
    let list = ListRequest::from_query(&query)?;
    let body = read_body(payload).await?;
    let created = R::create(&state, &caller, &body).await?;
    Ok(request::resource(
        StatusCode::CREATED,
        &R::project(created, &list),
    ))
}

async fn get<R: ResourceType>(
    state: web::Data<AppState>,
    caller: ScimCaller,
    req: HttpRequest,
    id: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ScimError> {
    let list = ListRequest::from_query(&query)?;
    let (version, found) = R::get(&state, &caller, &id, &list).await?;
    if request::not_modified(&req, version) {
        return Ok(request::unchanged(version));
    }
    Ok(request::resource(StatusCode::OK, &R::project(found, &list)))
}

/// PUT or PATCH.
#[derive(Debug, Clone, Copy)]
enum Write {
    Replace,
    Patch,
}

async fn write<R: ResourceType>(
    how: Write,
    state: web::Data<AppState>,
    caller: ScimCaller,
    req: HttpRequest,
    id: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
    payload: web::Payload,
) -> Result<HttpResponse, ScimError> {
    let list = ListRequest::from_query(&query)?;
    let body = read_body(payload).await?;
    let if_match = IfMatch::of(&req);
    let written = match how {
        Write::Replace => R::replace(&state, &caller, &id, &body, if_match).await?,
        Write::Patch => R::patch(&state, &caller, &id, &body, if_match).await?,
    };
    Ok(request::resource(
        StatusCode::OK,
        &R::project(written, &list),
    ))
}

async fn delete<R: ResourceType>(
    state: web::Data<AppState>,
    caller: ScimCaller,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ScimError> {
    R::delete(&state, &caller, &id, IfMatch::of(&req)).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn list<R: ResourceType>(
    state: web::Data<AppState>,
    caller: ScimCaller,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ScimError> {
    let list = ListRequest::from_query(&query)?;
    let (total, resources) = R::query(&state, &caller, &list).await?;
    Ok(request::list(total, list.start_index, resources))
}

async fn search<R: ResourceType>(
    state: web::Data<AppState>,
    caller: ScimCaller,
    payload: web::Payload,
) -> Result<HttpResponse, ScimError> {
    let body = read_body(payload).await?;
    let list = ListRequest::from_search(&body)?;
    let (total, resources) = R::query(&state, &caller, &list).await?;
    Ok(request::list(total, list.start_index, resources))
}

/// A method the path does not take: 405 in the SCIM error format.
pub async fn method_not_allowed(_caller: ScimCaller) -> Result<HttpResponse, ScimError> {
    Err(ScimError::MethodNotAllowed)
}

/// Registers a resource type's routes (inside the `/scim/v2` scope).
pub fn routes<R: ResourceType>(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(R::PATH)
            .route(web::get().to(list::<R>))
            .route(web::post().to(create::<R>))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource(format!("{}/.search", R::PATH))
            .route(web::post().to(search::<R>))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource(format!("{}/{{id}}", R::PATH))
            .route(web::get().to(get::<R>))
            .route(web::put().to(|s, c, r, i, q, p| write::<R>(Write::Replace, s, c, r, i, q, p)))
            .route(web::patch().to(|s, c, r, i, q, p| write::<R>(Write::Patch, s, c, r, i, q, p)))
            .route(web::delete().to(delete::<R>))
            .default_service(web::to(method_not_allowed)),
    );
}
