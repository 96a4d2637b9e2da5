//! What a SCIM User means inside Tessera: a Tessera account with a membership in the token's
//! organization. Every write is one transaction, with its audit event and webhooks.
//!
//! - **Create** links the existing account with the User's email address when the person is
//!   already a member of the organization or the address's domain is verified by it; otherwise an
//!   existing account is a 409 (a directory cannot pull someone else's account into its
//!   organization). Without an account, one is created, its address verified only when the domain
//!   is verified by the organization. A linked account whose address was never verified loses
//!   its password and sessions (whoever registered it could not prove the address; the directory
//!   vouches for it now).
//! - **The directory owns the profile** (names, email, password) of an account it created or
//!   whose domain the organization verified; it never rewrites anyone else's.
//! - **`active: false`** deactivates the membership: the organization's tokens for the user are
//!   revoked and the sessions acting in it end. `active: true` reactivates it.
//! - **Delete** removes the membership, and the account too when nothing else holds it (no other
//!   organization, no password).

use super::caller::ScimCaller;
use super::error::{ScimError, ScimType};
use super::user_resource::{self, UserInput};
use crate::accounts::directory::{domain_verified_by as domain_verified, owns_account};
use crate::app::AppState;
use crate::audit::{self, Actor, Event};
use crate::clock::UnixTime;
use crate::domain::EmailAddress;
use crate::domain::organization::Membership;
use crate::domain::user::User;
use crate::storage::scim_groups::{self, GroupOfUser};
use crate::storage::scim_query::ResourceQuery;
use crate::storage::scim_users::{self as store, ScimUserRow, ValueRow};
use crate::storage::{
    DbConnection, StorageError, domains, grants, organizations, sessions, users, write_transaction,
};
use crate::webhooks;
use std::collections::HashMap;

/// What the transaction decided, for the work that follows it.
pub(super) enum Outcome<T> {
    Done(T),
    Refused(ScimError),
}

fn invalid(detail: impl Into<String>) -> ScimError {
    ScimError::invalid(ScimType::InvalidValue, detail)
}

fn not_found(id: &str) -> ScimError {
    ScimError::NotFound(format!("no User {id:?}"))
}

/// The stored values of a resource.
fn values(row: &ScimUserRow, input: &UserInput) -> Vec<ValueRow> {
    user_resource::flatten(&input.resource)
        .into_iter()
        .map(|f| ValueRow {
            scim_user_id: row.id.clone(),
            organization_id: row.organization_id.clone(),
            attr: f.attr,
            sub: f.sub,
            elem: f.elem,
            in_primary: f.in_primary,
            value_lower: f.value.to_lowercase(),
            value: f.value,
        })
        .collect()
}

/// The account address the input names, checked.
fn email_of(input: &UserInput) -> Result<EmailAddress, ScimError> {
    let Some(address) = user_resource::account_email(input) else {
        return Err(invalid(
            "a User needs an email address: in emails, or as a userName that is one",
        ));
    };
    EmailAddress::parse(&address).map_err(|e| invalid(format!("emails: {}", e.message)))
}

/// A password checked against the policy (not one of `context`) and hashed, outside any
/// transaction.
async fn hash_password(
    state: &AppState,
    password: Option<&str>,
    context: &[&str],
) -> Result<Option<String>, ScimError> {
    let Some(password) = password else {
        return Ok(None);
    };
    let mut context = context.to_vec();
    context.push(&state.config.brand.product_name);
    state
        .password_policy
        .check("password", password, &context)
        .map_err(|e| invalid(format!("password: {}", e.message)))?;
    let hash = state
        .hasher
        .hash(password)
        .await
        .map_err(|e| ScimError::Internal(e.to_string()))?;
    Ok(Some(hash))
}

/// Writes the directory's names onto an account it owns; true when something changed.
fn apply_profile(user: &mut User, input: &UserInput) -> Result<bool, ScimError> {
    let given = user_resource::name_part(input, "givenName");
    let family = user_resource::name_part(input, "familyName");
    let display = user_resource::text(input, "displayName")
        .or_else(|| user_resource::name_part(input, "formatted"));
    let check = |field: &'static str, v: Option<String>| -> Result<Option<String>, ScimError> {
        match v {
            None => Ok(None),
            Some(v) => crate::domain::profile::parse_name(field, &v)
                .map_err(|e| invalid(format!("{field}: {}", e.message))),
        }
    };
    let given = check("givenName", given)?;
    let family = check("familyName", family)?;
    let display = check("displayName", display)?;
    let changed = user.given_name != given || user.family_name != family || user.name != display;
    user.given_name = given;
    user.family_name = family;
    user.name = display;
    Ok(changed)
}

fn audit_in(
    c: &mut DbConnection,
    caller: &ScimCaller,
    action: &'static str,
    row: &ScimUserRow,
    now: UnixTime,
) -> Result<(), StorageError> {
    audit::record_in(
        c,
        Event::new(action, Actor::Directory(caller.token_id.clone()))
            .target("user", row.user_id.clone())
            .organization(row.organization_id.clone())
            .detail("scim_id", row.id.clone())
            .detail("userName", row.user_name.clone()),
        now,
    )
}

/// Applies `active` to the membership: deactivating revokes the organization's tokens for the
/// user and ends the sessions acting in it.
fn set_active_in(
    c: &mut DbConnection,
    membership: &mut Membership,
    active: bool,
    now: UnixTime,
) -> Result<(), StorageError> {
    if membership.disabled != active {
        return Ok(());
    }
    organizations::set_disabled(
        c,
        &membership.organization_id,
        &membership.user_id,
        !active,
        now,
    )?;
    membership.disabled = !active;
    membership.updated_at = now;
    if !active {
        grants::revoke_in_organization(
            c,
            &membership.organization_id,
            Some(&membership.user_id),
            now,
        )?;
        let ended =
            sessions::delete_in_organization(c, &membership.user_id, &membership.organization_id)?;
        webhooks::sessions_ended_in(
            c,
            now,
            &membership.user_id,
            &ended,
            "membership_deactivated",
        )?;
    }
    webhooks::emit_in(
        c,
        now,
        "organizationMembership.updated",
        webhooks::membership_data(membership),
    )
}

/// Sets a password the directory sent (ending the user's sessions and tokens).
fn set_password_in(
    c: &mut DbConnection,
    user_id: &str,
    hash: &str,
    now: UnixTime,
) -> Result<(), StorageError> {
    let ended = users::set_password(c, user_id, hash, None, now)?;
    webhooks::sessions_ended_in(c, now, user_id, &ended, "password_changed")
}

/// Creates a User.
pub async fn create(
    state: &AppState,
    caller: &ScimCaller,
    input: UserInput,
) -> Result<ScimUserRow, ScimError> {
    let email = email_of(&input)?;
    // Checked before the transaction, so a refusal never follows a write.
    apply_profile(&mut User::new(email.clone(), false, 0), &input)?;
    let hash = hash_password(
        state,
        input.password.as_deref(),
        &[email.as_str(), input.user_name.as_str()],
    )
    .await?;
    let now = state.clock.now();
    let org_id = caller.organization_id.clone();
    let caller = caller.clone();
    let ttl = state.config.organizations.invitation_days * 24 * 3600;
    let outcome = state
        .db
        .run(move |conn| {
            write_transaction(conn, |c| -> Result<Outcome<ScimUserRow>, StorageError> {
                organizations::lock(c, &org_id)?;
                let Some(org) = organizations::find(c, &org_id)? else {
                    return Ok(Outcome::Refused(ScimError::Unauthorized));
                };
                let user_name_lower = input.user_name.to_lowercase();
                if store::id_by_user_name(c, &org_id, &user_name_lower)?.is_some() {
                    return Ok(Outcome::Refused(ScimError::Uniqueness(format!(
                        "userName {:?} is already taken in this organization",
                        input.user_name
                    ))));
                }
                let verified_by = domains::verified(c, email.domain())?.map(|d| d.organization_id);
                if verified_by.as_ref().is_some_and(|o| *o != org_id) {
                    return Ok(Outcome::Refused(ScimError::Uniqueness(format!(
                        "{} belongs to a domain another organization verified",
                        email.as_str()
                    ))));
                }
                let verified_domain = verified_by.is_some();
                let existing = users::find_by_email(c, &email)?;
                let (user, created_user) = match existing {
                    Some(mut user) => {
                        if let Some(other) = store::find_by_user(c, &org_id, &user.id)? {
                            return Ok(Outcome::Refused(ScimError::Uniqueness(format!(
                                "{} is already provisioned in this organization as User {}",
                                email.as_str(),
                                other.id
                            ))));
                        }
                        let member = organizations::membership(c, &org_id, &user.id)?.is_some();
                        if !member && !verified_domain {
                            return Ok(Outcome::Refused(ScimError::Uniqueness(format!(
                                "an account outside this organization already uses {}; verify \
                                 the domain {} for the organization to link it",
                                email.as_str(),
                                email.domain()
                            ))));
                        }
                        if verified_domain {
                            if !user.email_verified {
                                // Whoever registered the address never proved it: their
                                // password and sessions go.
                                users::clear_password(c, &user.id, now)?;
                                let ended = sessions::delete_others(c, &user.id, None)?;
                                webhooks::sessions_ended_in(
                                    c,
                                    now,
                                    &user.id,
                                    &ended,
                                    "account_linked",
                                )?;
                                user.email_verified = true;
                                user.has_password = false;
                            }
                            let mut updated = user.clone();
                            match apply_profile(&mut updated, &input) {
                                Ok(_) => {}
                                Err(e) => return Ok(Outcome::Refused(e)),
                            }
                            updated.updated_at = now;
                            if updated != user {
                                users::update(c, &updated)?;
                                webhooks::user_event_in(c, now, "user.updated", &updated)?;
                            }
                            user = updated;
                        }
                        (user, false)
                    }
                    None => {
                        let mut user = User::new(email.clone(), verified_domain, now);
                        if let Err(e) = apply_profile(&mut user, &input) {
                            return Ok(Outcome::Refused(e));
                        }
                        user.has_password = hash.is_some();
                        users::insert(c, &user, hash.as_deref())?;
                        webhooks::user_event_in(c, now, "user.created", &user)?;
                        if verified_domain {
                            crate::organizations::domains::address_verified_in(c, &user, now, ttl)?;
                        }
                        (user, true)
                    }
                };
                if let Some(hash) = &hash
                    && !created_user
                {
                    if !verified_domain {
                        return Ok(Outcome::Refused(invalid(
                            "password: the directory can set the password only of accounts it \
                             created or whose domain the organization verified",
                        )));
                    }
                    set_password_in(c, &user.id, hash, now)?;
                }
                let created_membership = match organizations::membership(c, &org_id, &user.id)? {
                    Some(mut membership) => {
                        set_active_in(c, &mut membership, input.active, now)?;
                        false
                    }
                    None => {
                        let membership = Membership {
                            organization_id: org_id.clone(),
                            user_id: user.id.clone(),
                            role: org.default_role.clone(),
                            disabled: !input.active,
                            created_at: now,
                            updated_at: now,
                        };
                        organizations::insert_membership(c, &membership)?;
                        webhooks::emit_in(
                            c,
                            now,
                            "organizationMembership.created",
                            webhooks::membership_data(&membership),
                        )?;
                        true
                    }
                };
                let row = ScimUserRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    organization_id: org_id.clone(),
                    user_id: user.id.clone(),
                    user_name: input.user_name.clone(),
                    user_name_lower,
                    external_id: input.external_id.clone(),
                    active: input.active,
                    created_user,
                    created_membership,
                    resource: serde_json::Value::Object(input.resource.clone()).to_string(),
                    version: 1,
                    created_at: now,
                    updated_at: now,
                };
                store::insert(c, &row, &values(&row, &input))?;
                audit_in(c, &caller, "scimUser.created", &row, now)?;
                Ok(Outcome::Done(row))
            })
            .or_else(refused_on_conflict)
        })
        .await?;
    match outcome {
        Outcome::Done(row) => Ok(row),
        Outcome::Refused(e) => Err(e),
    }
}

/// A unique index that refused a write a concurrent request won: the same 409 the checks give.
pub(super) fn refused_on_conflict<T>(error: StorageError) -> Result<Outcome<T>, StorageError> {
    match error {
        StorageError::Conflict { field } => Ok(Outcome::Refused(ScimError::Uniqueness(format!(
            "{field} is already taken"
        )))),
        other => Err(other),
    }
}

/// One User.
pub async fn get(
    state: &AppState,
    caller: &ScimCaller,
    id: &str,
) -> Result<ScimUserRow, ScimError> {
    let (org, key) = (caller.organization_id.clone(), id.to_string());
    state
        .db
        .run(move |conn| store::find(conn, &org, &key))
        .await?
        .ok_or_else(|| not_found(id))
}

/// A page of Users and how many match.
pub async fn query(
    state: &AppState,
    q: ResourceQuery,
) -> Result<(Vec<ScimUserRow>, i64), ScimError> {
    Ok(state.db.run(move |conn| store::query(conn, &q)).await?)
}

/// The groups of some SCIM users, keyed by SCIM user id.
pub type UserGroups = HashMap<String, Vec<GroupOfUser>>;

/// The groups of these Users.
pub async fn groups_of(state: &AppState, rows: &[ScimUserRow]) -> Result<UserGroups, ScimError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let org = rows
        .first()
        .map(|r| r.organization_id.clone())
        .unwrap_or_default();
    let found = state
        .db
        .run(move |conn| scim_groups::groups_of_users(conn, &org, &ids))
        .await?;
    let mut out = UserGroups::new();
    for group in found {
        out.entry(group.scim_user_id.clone())
            .or_default()
            .push(group);
    }
    Ok(out)
}

/// Replaces a User (PUT and PATCH). `build` sees the current row inside the transaction (for the
/// `If-Match` test and to apply a PATCH to what is stored) and gives the new content, or `None`
/// to leave the User as it is. `password` is the new password, if any (hashed before the
/// transaction).
pub async fn replace(
    state: &AppState,
    caller: &ScimCaller,
    id: &str,
    password: Option<&str>,
    build: impl FnOnce(&ScimUserRow) -> Result<Option<UserInput>, ScimError> + Send + 'static,
) -> Result<ScimUserRow, ScimError> {
    let hash = hash_password(state, password, &[]).await?;
    let now = state.clock.now();
    let (org_id, key) = (caller.organization_id.clone(), id.to_string());
    let caller = caller.clone();
    let outcome = state
        .db
        .run(move |conn| {
            write_transaction(conn, |c| -> Result<Outcome<ScimUserRow>, StorageError> {
                organizations::lock(c, &org_id)?;
                let Some(current) = store::find(c, &org_id, &key)? else {
                    return Ok(Outcome::Refused(not_found(&key)));
                };
                let input = match build(&current) {
                    Ok(Some(input)) => input,
                    Ok(None) => return Ok(Outcome::Done(current)),
                    Err(e) => return Ok(Outcome::Refused(e)),
                };
                let email = match email_of(&input) {
                    Ok(email) => email,
                    Err(e) => return Ok(Outcome::Refused(e)),
                };
                if input.password.is_some() != hash.is_some() {
                    return Ok(Outcome::Refused(invalid(
                        "password: set it with the path \"password\"",
                    )));
                }
                if let Err(e) = apply_profile(&mut User::new(email.clone(), false, 0), &input) {
                    return Ok(Outcome::Refused(e));
                }
                let user_name_lower = input.user_name.to_lowercase();
                if let Some(other) = store::id_by_user_name(c, &org_id, &user_name_lower)?
                    && other != current.id
                {
                    return Ok(Outcome::Refused(ScimError::Uniqueness(format!(
                        "userName {:?} is already taken in this organization",
                        input.user_name
                    ))));
                }
                let Some(user) = users::find_by_id(c, &current.user_id)? else {
                    return Ok(Outcome::Refused(not_found(&key)));
                };
                let owns = owns_account(c, &org_id, current.created_user, &user)?;
                if owns {
                    let mut updated = user.clone();
                    if let Err(e) = apply_profile(&mut updated, &input) {
                        return Ok(Outcome::Refused(e));
                    }
                    if updated.email != email {
                        if users::find_by_email(c, &email)?.is_some() {
                            return Ok(Outcome::Refused(ScimError::Uniqueness(format!(
                                "another account already uses {}",
                                email.as_str()
                            ))));
                        }
                        updated.email_verified = domain_verified(c, &org_id, &email)?;
                        updated.email = email.clone();
                    }
                    if updated != user {
                        updated.updated_at = now;
                        users::update(c, &updated)?;
                        webhooks::user_event_in(c, now, "user.updated", &updated)?;
                    }
                    if let Some(hash) = &hash {
                        set_password_in(c, &user.id, hash, now)?;
                    }
                } else if hash.is_some() {
                    return Ok(Outcome::Refused(invalid(
                        "password: the directory can set the password only of accounts it \
                         created or whose domain the organization verified",
                    )));
                }
                if let Some(mut membership) = organizations::membership(c, &org_id, &user.id)? {
                    set_active_in(c, &mut membership, input.active, now)?;
                }
                // Groups show their members' userName: a rename changes them too.
                let renamed = current.user_name != input.user_name;
                let row = ScimUserRow {
                    user_name: input.user_name.clone(),
                    user_name_lower,
                    external_id: input.external_id.clone(),
                    active: input.active,
                    resource: serde_json::Value::Object(input.resource.clone()).to_string(),
                    version: current.version + 1,
                    updated_at: now,
                    ..current
                };
                store::replace(c, &row, &values(&row, &input))?;
                if renamed {
                    let groups = scim_groups::group_ids_of_user(c, &org_id, &row.id)?;
                    scim_groups::touch_groups(c, &org_id, &groups, now)?;
                }
                audit_in(c, &caller, "scimUser.updated", &row, now)?;
                Ok(Outcome::Done(row))
            })
            .or_else(refused_on_conflict)
        })
        .await?;
    match outcome {
        Outcome::Done(row) => Ok(row),
        Outcome::Refused(e) => Err(e),
    }
}

/// Deletes a User: the membership goes, and the account when nothing else holds it.
pub async fn delete(
    state: &AppState,
    caller: &ScimCaller,
    id: &str,
    check: impl FnOnce(&ScimUserRow) -> Result<(), ScimError> + Send + 'static,
) -> Result<(), ScimError> {
    let now = state.clock.now();
    let (org_id, key) = (caller.organization_id.clone(), id.to_string());
    let caller = caller.clone();
    let outcome = state
        .db
        .run(move |conn| {
            write_transaction(
                conn,
                |c| -> Result<Outcome<Vec<grants::LogoutDue>>, StorageError> {
                    organizations::lock(c, &org_id)?;
                    let Some(current) = store::find(c, &org_id, &key)? else {
                        return Ok(Outcome::Refused(not_found(&key)));
                    };
                    if let Err(e) = check(&current) {
                        return Ok(Outcome::Refused(e));
                    }
                    // Its groups lose a member (the membership rows go with the user's row).
                    let groups = scim_groups::group_ids_of_user(c, &org_id, &current.id)?;
                    store::delete(c, &org_id, &current.id)?;
                    scim_groups::touch_groups(c, &org_id, &groups, now)?;
                    if let Some(membership) =
                        organizations::membership(c, &org_id, &current.user_id)?
                    {
                        organizations::delete_membership(c, &org_id, &current.user_id)?;
                        grants::revoke_in_organization(c, &org_id, Some(&current.user_id), now)?;
                        let ended = sessions::delete_in_organization(c, &current.user_id, &org_id)?;
                        webhooks::sessions_ended_in(
                            c,
                            now,
                            &current.user_id,
                            &ended,
                            "membership_deleted",
                        )?;
                        webhooks::emit_in(
                            c,
                            now,
                            "organizationMembership.deleted",
                            webhooks::membership_data(&membership),
                        )?;
                    }
                    audit_in(c, &caller, "scimUser.deleted", &current, now)?;
                    let mut pending = Vec::new();
                    // The account goes too when the directory owns it and nothing else holds
                    // it; an account it only linked is never deleted.
                    if let Some(user) = users::find_by_id(c, &current.user_id)?
                        && owns_account(c, &org_id, current.created_user, &user)?
                        && organizations::of_user(c, &user.id)?.is_empty()
                        && !store::any_for_user(c, &user.id)?
                        && let Ok(due) = crate::accounts::admin::delete_user_in(c, &user, now)?
                    {
                        audit::record_in(
                            c,
                            Event::new("user.deleted", Actor::Directory(caller.token_id.clone()))
                                .target("user", user.id.clone())
                                .organization(org_id.clone()),
                            now,
                        )?;
                        pending = due;
                    }
                    Ok(Outcome::Done(pending))
                },
            )
        })
        .await?;
    match outcome {
        Outcome::Done(pending) => {
            crate::oidc::backchannel::deliver_once(state, &pending).await;
            Ok(())
        }
        Outcome::Refused(e) => Err(e),
    }
}
