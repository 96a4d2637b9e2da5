//! `/admin/v1/users`: list (search and filters), create, read, change, delete; a user's sessions
//! (list and revoke).

use super::caller::Caller;
use super::problem::{ApiError, Problem};
use super::{PageQuery, idempotency, json_body, page, time};
use crate::accounts::admin::{self, NewUserInput, UserChanges};
use crate::app::AppState;
use crate::domain::{EmailAddress, User};
use crate::storage::users::{self as store, UserQuery};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

/// A user.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    pub id: String,
    pub email: String,
    pub email_verified: bool,
    pub username: Option<String>,
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub picture: Option<String>,
    pub locale: Option<String>,
    pub disabled: bool,
    pub has_password: bool,
    pub public_metadata: Value,
    pub private_metadata: Value,
    pub created_at: String,
    pub updated_at: String,
}

impl From<User> for UserOut {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email.as_str().to_string(),
            email_verified: u.email_verified,
            username: u.username,
            name: u.name,
            given_name: u.given_name,
            family_name: u.family_name,
            picture: u.picture,
            locale: u.locale,
            disabled: u.disabled,
            has_password: u.has_password,
            public_metadata: u.public_metadata,
            private_metadata: u.private_metadata,
            created_at: time(u.created_at),
            updated_at: time(u.updated_at),
        }
    }
}

/// A page of users.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    pub data: Vec<UserOut>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// A new user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserCreate {
    pub email: String,
    /// Must pass the password policy; without one the user gets in by a password reset.
    pub password: Option<String>,
    /// Whether the address is known to be the user's.
    #[serde(default)]
    pub email_verified: bool,
    pub username: Option<String>,
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
}

/// Changes to a user: absent fields stay; an empty string clears a text field.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    pub username: Option<String>,
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub picture: Option<String>,
    pub locale: Option<String>,
    pub public_metadata: Option<Value>,
    pub private_metadata: Option<Value>,
    /// Disabling ends every session and token of the user.
    pub disabled: Option<bool>,
}

/// Filters of the user list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default, deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// A part of the email, username or name.
    pub search: Option<String>,
    /// This exact address.
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    pub disabled: Option<bool>,
    /// Members of this organization (id or slug).
    pub organization: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A session of a user.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionOut {
    pub id: String,
    pub created_at: String,
    pub last_seen_at: String,
    pub expires_at: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub active_organization_id: Option<String>,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/users", web::get().to(list))
        .route("/users", web::post().to(create))
        .route("/users/{id}", web::get().to(get))
        .route("/users/{id}", web::patch().to(update))
        .route("/users/{id}", web::delete().to(delete))
        .route("/users/{id}/sessions", web::get().to(sessions))
        .route(
            "/users/{id}/sessions/{session_id}",
            web::delete().to(revoke_session),
        );
}

async fn find(state: &AppState, id: &str) -> Result<User, ApiError> {
    if id.is_empty() || id.len() > 100 {
        return Err(ApiError::NotFound("user"));
    }
    let id = id.to_string();
    state
        .db
        .run(move |conn| store::find_by_id(conn, &id))
        .await?
        .ok_or(ApiError::NotFound("user"))
}

/// List users.
#[utoipa::path(get, path = "/admin/v1/users", tag = "users", params(UserListQuery),
    responses((status = 200, body = UserPage), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["users:read"])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<UserListQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require("users:read")?;
    let (size, position) = PageQuery::of(query.limit, &query.cursor)?;
    let organization_id = match &query.organization {
        Some(org) => Some(crate::organizations::find(&state, org).await?.id),
        None => None,
    };
    let email = match query.email.as_deref() {
        Some(e) => Some(EmailAddress::parse(e)?.as_str().to_string()),
        None => None,
    };
    let q = UserQuery {
        search: query.search.clone().filter(|s| s.len() <= 200),
        email,
        verified: query.email_verified,
        disabled: query.disabled,
        organization_id,
        after: position,
        limit: size + 1,
    };
    let rows = state.db.run(move |conn| store::query(conn, &q)).await?;
    let (data, next_cursor) = page(rows, size, |u| u.id.clone(), UserOut::from);
    Ok(HttpResponse::Ok().json(UserPage { data, next_cursor }))
}

/// Create a user.
#[utoipa::path(post, path = "/admin/v1/users", tag = "users", request_body = UserCreate,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = UserOut), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["users:write"])))]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require("users:write")?;
    idempotency::run(&state, &caller, &req, &body, || async {
        let input: UserCreate = json_body(&body)?;
        let user = admin::create_user(
            &state,
            NewUserInput {
                email: input.email,
                username: input.username,
                name: input.name,
                given_name: input.given_name,
                family_name: input.family_name,
                password: input.password,
                verified: input.email_verified,
            },
        )
        .await?;
        crate::audit::record(&state, caller.event("user.created", "user", &user.id)).await;
        Ok((StatusCode::CREATED, json!(UserOut::from(user))))
    })
    .await
}

/// Get a user.
#[utoipa::path(get, path = "/admin/v1/users/{id}", tag = "users",
    params(("id" = String, Path, description = "The id")),
    responses((status = 200, body = UserOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["users:read"])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require("users:read")?;
    Ok(HttpResponse::Ok().json(UserOut::from(find(&state, &id).await?)))
}

/// Change a user.
#[utoipa::path(patch, path = "/admin/v1/users/{id}", tag = "users", request_body = UserPatch,
    params(("id" = String, Path, description = "The id")),
    responses((status = 200, body = UserOut), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["users:write"])))]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require("users:write")?;
    let patch: UserPatch = json_body(&body)?;
    let user = find(&state, &id).await?;
    let metadata = |v: Option<Value>| v.map(|v| v.to_string());
    let profile_changes = patch.email.is_some()
        || patch.email_verified.is_some()
        || patch.username.is_some()
        || patch.name.is_some()
        || patch.given_name.is_some()
        || patch.family_name.is_some()
        || patch.picture.is_some()
        || patch.locale.is_some()
        || patch.public_metadata.is_some()
        || patch.private_metadata.is_some();
    let changes = UserChanges {
        email: patch.email,
        verified: patch.email_verified,
        username: patch.username,
        name: patch.name,
        given_name: patch.given_name,
        family_name: patch.family_name,
        picture: patch.picture,
        locale: patch.locale,
        public_metadata: metadata(patch.public_metadata),
        private_metadata: metadata(patch.private_metadata),
    };
    let mut user = if profile_changes {
        let updated = admin::update_user(&state, &user.id, changes).await?;
        crate::audit::record(&state, caller.event("user.updated", "user", &updated.id)).await;
        updated
    } else {
        user
    };
    if let Some(disabled) = patch.disabled
        && disabled != user.disabled
    {
        user = admin::set_disabled(&state, &user.id, disabled).await?;
        let action = if disabled {
            "user.disabled"
        } else {
            "user.enabled"
        };
        crate::audit::record(&state, caller.event(action, "user", &user.id)).await;
    }
    Ok(HttpResponse::Ok().json(UserOut::from(user)))
}

/// Delete a user (refused for the only admin of an organization).
#[utoipa::path(delete, path = "/admin/v1/users/{id}", tag = "users",
    params(("id" = String, Path, description = "The id")),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["users:write"])))]
pub async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require("users:write")?;
    let user = find(&state, &id).await?;
    admin::delete_user(&state, &user.id).await?;
    crate::audit::record(&state, caller.event("user.deleted", "user", &user.id)).await;
    Ok(HttpResponse::NoContent().finish())
}

/// A user's live sessions, most recent first.
#[utoipa::path(get, path = "/admin/v1/users/{id}/sessions", tag = "users",
    params(("id" = String, Path, description = "The id")),
    responses((status = 200, body = super::DataList<SessionOut>), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["users:read"])))]
pub async fn sessions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require("users:read")?;
    let user = find(&state, &id).await?;
    let list: Vec<SessionOut> = crate::accounts::sessions::list(&state, &user.id)
        .await?
        .into_iter()
        .map(|s| SessionOut {
            id: s.id,
            created_at: time(s.created_at),
            last_seen_at: time(s.last_seen_at),
            expires_at: time(s.expires_at),
            ip: s.ip,
            user_agent: s.user_agent,
            active_organization_id: s.active_organization_id,
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "data": list })))
}

/// End one of a user's sessions (and the tokens issued in it without offline access).
#[utoipa::path(delete, path = "/admin/v1/users/{id}/sessions/{session_id}", tag = "users",
    params(("id" = String, Path, description = "The id"), ("session_id" = String, Path, description = "The session id")),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["users:write"])))]
pub async fn revoke_session(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require("users:write")?;
    let (id, session_id) = path.into_inner();
    let user = find(&state, &id).await?;
    if session_id.len() > 100 {
        return Err(ApiError::NotFound("session"));
    }
    crate::accounts::sessions::revoke(&state, &user.id, &session_id)
        .await
        .map_err(|e| match e {
            crate::accounts::AccountError::NotFound => ApiError::NotFound("session"),
            other => other.into(),
        })?;
    crate::audit::record(
        &state,
        caller
            .event("session.revoked", "user", &user.id)
            .detail("session_id", session_id),
    )
    .await;
    Ok(HttpResponse::NoContent().finish())
}
