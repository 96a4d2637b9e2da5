//! Which organization an authorization request with the `organization` scope acts in: the one
//! the client names (`organization=<slug or id>`, which must be one of the user's; for this
//! request only), else the session's active organization, else the only one the user has (which
//! becomes the active one), else the user chooses on a page. A user without memberships gets no
//! organization claims.

use super::request::AuthorizationRequest;
use crate::accounts::sessions::ActiveSession;
use crate::app::AppState;
use crate::domain::organization::Organization;
use crate::oidc::error::{ErrorCode, OAuthError};
use crate::storage::{StorageResult, organizations, sessions};

/// The outcome of choosing.
#[derive(Debug)]
pub enum Choice {
    /// The request does not ask for an organization.
    NotAsked,
    /// The user belongs to no organization.
    NoMembership,
    /// Act in this organization (its id).
    Use(String),
    /// The user must pick one of these.
    Ask(Vec<Organization>),
    /// Answer the client with this error.
    Refuse(OAuthError),
}

/// Chooses; an organization picked by the client or by being the only one becomes the session's
/// active organization.
pub async fn choose(
    state: &AppState,
    request: &AuthorizationRequest,
    active: &ActiveSession,
) -> StorageResult<Choice> {
    if !request.scopes.contains("organization") {
        return Ok(Choice::NotAsked);
    }
    let user_id = active.user.id.clone();
    let session_id = active.session.id.clone();
    let current = active.session.active_organization_id.clone();
    let asked = request.params.get("organization").map(str::to_string);
    state
        .db
        .run(move |conn| {
            let memberships = organizations::of_user(conn, &user_id)?;
            // A membership the directory deactivated does not let the user act in the
            // organization.
            let mut orgs: Vec<Organization> = memberships
                .into_iter()
                .filter(|(_, m)| !m.disabled)
                .map(|(o, _)| o)
                .collect();
            let set_active = |conn: &mut _, id: &str| {
                sessions::set_active_organization(conn, &session_id, Some(id))
            };
            if let Some(asked) = asked {
                // For this request only: a client (or a link) cannot change which organization
                // the user's other apps act in.
                return Ok(
                    match orgs.iter().find(|o| o.id == asked || o.slug == asked) {
                        Some(org) => Choice::Use(org.id.clone()),
                        None => Choice::Refuse(OAuthError::new(
                            ErrorCode::AccessDenied,
                            "the user is not a member of that organization",
                        )),
                    },
                );
            }
            if let Some(current) = current
                && orgs.iter().any(|o| o.id == current)
            {
                return Ok(Choice::Use(current));
            }
            match orgs.len() {
                0 => Ok(Choice::NoMembership),
                1 => {
                    let only = orgs.remove(0).id;
                    set_active(conn, &only)?;
                    Ok(Choice::Use(only))
                }
                _ => Ok(Choice::Ask(orgs)),
            }
        })
        .await
}

/// Makes `organization_id` the session's active organization if the user belongs to it; false
/// when they do not.
pub async fn switch(
    state: &AppState,
    active: &ActiveSession,
    organization_id: &str,
) -> StorageResult<bool> {
    let user_id = active.user.id.clone();
    let session_id = active.session.id.clone();
    let org = organization_id.to_string();
    state
        .db
        .run(move |conn| {
            if organizations::membership(conn, &org, &user_id)?.is_none_or(|m| m.disabled) {
                return Ok(false);
            }
            sessions::set_active_organization(conn, &session_id, Some(&org))?;
            Ok(true)
        })
        .await
}
