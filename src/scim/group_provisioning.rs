//! What a SCIM Group means inside Tessera: a named set of the organization's SCIM users whose
//! membership can decide their organization role (`group_roles.rs`). Every write is one
//! transaction: the group, its members, the `groups` (and version) of every User whose
//! membership changed, the roles that follow, and the audit event.

use super::caller::ScimCaller;
use super::error::{ScimError, ScimType};
use super::group_resource::GroupInput;
use super::group_roles;
use super::provisioning::{Outcome, refused_on_conflict};
use crate::app::AppState;
use crate::audit::{self, Event};
use crate::clock::UnixTime;
use crate::storage::scim_groups::{self as store, Member, ScimGroupRow};
use crate::storage::scim_query::ResourceQuery;
use crate::storage::{DbConnection, StorageError, organizations, write_transaction};
use std::collections::HashSet;

/// A group and (when asked for) its members.
#[derive(Debug, Clone)]
pub struct StoredGroup {
    pub row: ScimGroupRow,
    pub members: Vec<Member>,
}

fn not_found(id: &str) -> ScimError {
    ScimError::NotFound(format!("no Group {id:?}"))
}

fn audit_in(
    c: &mut DbConnection,
    caller: &ScimCaller,
    action: &'static str,
    row: &ScimGroupRow,
    added: usize,
    removed: usize,
    now: UnixTime,
) -> Result<(), StorageError> {
    audit::record_in(
        c,
        Event::new(action, group_roles::directory(caller))
            .target("scim_group", row.id.clone())
            .organization(row.organization_id.clone())
            .detail("displayName", row.display_name.clone())
            .detail("members_added", added.to_string())
            .detail("members_removed", removed.to_string()),
        now,
    )
}

/// Writes a group (new when `current` is `None`) and its members; refuses a taken name and
/// members that are not Users of the organization.
fn write_in(
    c: &mut DbConnection,
    caller: &ScimCaller,
    current: Option<(&ScimGroupRow, &[String])>,
    input: &GroupInput,
    now: UnixTime,
) -> Result<Outcome<ScimGroupRow>, StorageError> {
    let org_id = &caller.organization_id;
    let lower = input.display_name.to_lowercase();
    if let Some(other) = store::id_by_display_name(c, org_id, &lower)?
        && current.is_none_or(|(row, _)| row.id != other)
    {
        return Ok(Outcome::Refused(ScimError::Uniqueness(format!(
            "displayName {:?} is already taken in this organization",
            input.display_name
        ))));
    }
    let old: HashSet<&String> = current
        .map(|(_, members)| members.iter().collect())
        .unwrap_or_default();
    let new: HashSet<&String> = input.members.iter().collect();
    let added: Vec<String> = input
        .members
        .iter()
        .filter(|m| !old.contains(m))
        .cloned()
        .collect();
    let removed: Vec<String> = current
        .map(|(_, members)| {
            members
                .iter()
                .filter(|m| !new.contains(m))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let known: HashSet<String> = store::existing_users(c, org_id, &added)?
        .into_iter()
        .collect();
    if let Some(unknown) = added.iter().find(|m| !known.contains(*m)) {
        return Ok(Outcome::Refused(ScimError::invalid(
            ScimType::InvalidValue,
            format!("members: no User {unknown:?} in this organization"),
        )));
    }
    let row = match current {
        None => {
            let row = ScimGroupRow {
                id: uuid::Uuid::now_v7().to_string(),
                organization_id: org_id.clone(),
                display_name: input.display_name.clone(),
                display_name_lower: lower,
                external_id: input.external_id.clone(),
                version: 1,
                created_at: now,
                updated_at: now,
            };
            store::insert(c, &row)?;
            row
        }
        Some((current, _)) => {
            let unchanged = current.display_name == input.display_name
                && current.external_id == input.external_id
                && added.is_empty()
                && removed.is_empty();
            if unchanged {
                return Ok(Outcome::Done(current.clone()));
            }
            let row = ScimGroupRow {
                display_name: input.display_name.clone(),
                display_name_lower: lower,
                external_id: input.external_id.clone(),
                version: current.version + 1,
                updated_at: now,
                ..current.clone()
            };
            store::update(c, &row)?;
            row
        }
    };
    store::add_members(c, org_id, &row.id, &added, now)?;
    store::remove_members(c, org_id, &row.id, &removed)?;
    // Even a change of case shows in the members' `groups.display`.
    let renamed = current.is_some_and(|(r, _)| r.display_name != row.display_name);
    // Users whose `groups` changed: the members that came or went, and every member when the
    // name they show changed.
    let mut touched: Vec<String> = added.iter().chain(&removed).cloned().collect();
    if renamed {
        touched.extend(input.members.iter().filter(|m| old.contains(m)).cloned());
    }
    store::touch_users(c, org_id, &touched, now)?;
    group_roles::sync_in(
        c,
        org_id,
        Some(&touched),
        &group_roles::directory(caller),
        now,
    )?;
    let action = if current.is_none() {
        "scimGroup.created"
    } else {
        "scimGroup.updated"
    };
    audit_in(c, caller, action, &row, added.len(), removed.len(), now)?;
    Ok(Outcome::Done(row))
}

fn member_ids(members: &[Member]) -> Vec<String> {
    members.iter().map(|m| m.id.clone()).collect()
}

/// Creates a Group.
pub async fn create(
    state: &AppState,
    caller: &ScimCaller,
    input: GroupInput,
) -> Result<StoredGroup, ScimError> {
    let now = state.clock.now();
    let caller = caller.clone();
    let outcome = state
        .db
        .run(move |conn| {
            write_transaction(conn, |c| {
                organizations::lock(c, &caller.organization_id)?;
                match write_in(c, &caller, None, &input, now)? {
                    Outcome::Done(row) => {
                        let members = store::members(c, &row.organization_id, &row.id)?;
                        Ok(Outcome::Done(StoredGroup { row, members }))
                    }
                    Outcome::Refused(e) => Ok(Outcome::Refused(e)),
                }
            })
            .or_else(refused_on_conflict)
        })
        .await?;
    match outcome {
        Outcome::Done(group) => Ok(group),
        Outcome::Refused(e) => Err(e),
    }
}

/// One Group, with its members when `with_members`.
pub async fn get(
    state: &AppState,
    caller: &ScimCaller,
    id: &str,
    with_members: bool,
) -> Result<StoredGroup, ScimError> {
    let (org, key) = (caller.organization_id.clone(), id.to_string());
    let found = state
        .db
        .run(move |conn| -> Result<Option<StoredGroup>, StorageError> {
            let Some(row) = store::find(conn, &org, &key)? else {
                return Ok(None);
            };
            let members = if with_members {
                store::members(conn, &row.organization_id, &row.id)?
            } else {
                Vec::new()
            };
            Ok(Some(StoredGroup { row, members }))
        })
        .await?;
    found.ok_or_else(|| not_found(id))
}

/// A page of Groups and how many match. Members are not loaded: see [`with_members`].
pub async fn query(
    state: &AppState,
    q: ResourceQuery,
) -> Result<(Vec<ScimGroupRow>, i64), ScimError> {
    Ok(state.db.run(move |conn| store::query(conn, &q)).await?)
}

/// The groups with their members, loaded in one query.
pub async fn with_members(
    state: &AppState,
    caller: &ScimCaller,
    rows: Vec<ScimGroupRow>,
) -> Result<Vec<StoredGroup>, ScimError> {
    let org = caller.organization_id.clone();
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let found = state
        .db
        .run(move |conn| store::members_of_groups(conn, &org, &ids))
        .await?;
    let mut by_group: std::collections::HashMap<String, Vec<Member>> = Default::default();
    for (group, member) in found {
        by_group.entry(group).or_default().push(member);
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let members = by_group.remove(&row.id).unwrap_or_default();
            StoredGroup { row, members }
        })
        .collect())
}

/// Replaces a Group (PUT and PATCH). `build` sees the stored group with all its members inside
/// the transaction and gives the new content, or `None` to leave it as it is.
pub async fn replace(
    state: &AppState,
    caller: &ScimCaller,
    id: &str,
    build: impl FnOnce(&StoredGroup) -> Result<Option<GroupInput>, ScimError> + Send + 'static,
) -> Result<StoredGroup, ScimError> {
    let now = state.clock.now();
    let key = id.to_string();
    let caller = caller.clone();
    let outcome = state
        .db
        .run(move |conn| {
            write_transaction(conn, |c| {
                organizations::lock(c, &caller.organization_id)?;
                let Some(row) = store::find(c, &caller.organization_id, &key)? else {
                    return Ok(Outcome::Refused(not_found(&key)));
                };
                let members = store::members(c, &row.organization_id, &row.id)?;
                let current = StoredGroup { row, members };
                let input = match build(&current) {
                    Ok(Some(input)) => input,
                    Ok(None) => return Ok(Outcome::Done(current)),
                    Err(e) => return Ok(Outcome::Refused(e)),
                };
                let ids = member_ids(&current.members);
                match write_in(c, &caller, Some((&current.row, &ids)), &input, now)? {
                    Outcome::Done(row) => {
                        let members = store::members(c, &row.organization_id, &row.id)?;
                        Ok(Outcome::Done(StoredGroup { row, members }))
                    }
                    Outcome::Refused(e) => Ok(Outcome::Refused(e)),
                }
            })
            .or_else(refused_on_conflict)
        })
        .await?;
    match outcome {
        Outcome::Done(group) => Ok(group),
        Outcome::Refused(e) => Err(e),
    }
}

/// Deletes a Group: its members leave it (their roles follow).
pub async fn delete(
    state: &AppState,
    caller: &ScimCaller,
    id: &str,
    check: impl FnOnce(&ScimGroupRow) -> Result<(), ScimError> + Send + 'static,
) -> Result<(), ScimError> {
    let now = state.clock.now();
    let key = id.to_string();
    let caller = caller.clone();
    let outcome = state
        .db
        .run(move |conn| {
            write_transaction(conn, |c| -> Result<Outcome<()>, StorageError> {
                let org_id = caller.organization_id.clone();
                organizations::lock(c, &org_id)?;
                let Some(row) = store::find(c, &org_id, &key)? else {
                    return Ok(Outcome::Refused(not_found(&key)));
                };
                if let Err(e) = check(&row) {
                    return Ok(Outcome::Refused(e));
                }
                let members = member_ids(&store::members(c, &row.organization_id, &row.id)?);
                store::delete(c, &org_id, &row.id)?;
                store::touch_users(c, &org_id, &members, now)?;
                group_roles::sync_in(
                    c,
                    &org_id,
                    Some(&members),
                    &group_roles::directory(&caller),
                    now,
                )?;
                audit_in(c, &caller, "scimGroup.deleted", &row, 0, members.len(), now)?;
                Ok(Outcome::Done(()))
            })
        })
        .await?;
    match outcome {
        Outcome::Done(()) => Ok(()),
        Outcome::Refused(e) => Err(e),
    }
}
