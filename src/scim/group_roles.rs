//! Directory groups decide organization roles. An organization maps group names to roles
//! (`tessera scim group-role set --org O --group "Engineering Admins" --role admin`); once it
//! maps any, the role of each member the directory provisioned follows their groups: the mapping
//! with the lowest priority number among their groups wins, and a member in no mapped group has
//! the organization's default role. Members added outside SCIM keep the role they were given.
//! Mappings are by group name, so they can be written before the directory pushes the group.

use super::caller::ScimCaller;
use crate::app::AppState;
use crate::audit::{self, Actor, Event};
use crate::clock::UnixTime;
use crate::domain::FieldError;
use crate::domain::organization::check_role_key;
use crate::organizations::OrgError;
use crate::storage::scim_group_roles::{self as store, GroupRole};
use crate::storage::{DbConnection, StorageError, organizations, scim_groups, scim_users};
use crate::webhooks;
use std::collections::{HashMap, HashSet};

/// The default priority of a mapping.
pub const DEFAULT_PRIORITY: i32 = 100;

/// Recomputes the roles of these SCIM users (all of the organization's when `None`) from their
/// groups, when the organization maps any group. Each change fires
/// `organizationMembership.updated` and is audited under `actor`.
pub fn sync_in(
    c: &mut DbConnection,
    org_id: &str,
    scim_user_ids: Option<&[String]>,
    actor: &Actor,
    now: UnixTime,
) -> Result<(), StorageError> {
    let mappings = store::list(c, org_id)?;
    if mappings.is_empty() {
        return Ok(());
    }
    let Some(org) = organizations::find(c, org_id)? else {
        return Ok(());
    };
    let roles: HashSet<String> = organizations::roles(c, org_id)?
        .into_iter()
        .map(|r| r.key)
        .collect();
    let accounts = scim_users::accounts_of(c, org_id, scim_user_ids)?;
    let ids: Vec<String> = accounts.iter().map(|(id, _)| id.clone()).collect();
    let mut groups: HashMap<String, HashSet<String>> = HashMap::new();
    for g in scim_groups::groups_of_users(c, org_id, &ids)? {
        groups
            .entry(g.scim_user_id)
            .or_default()
            .insert(g.display_name.to_lowercase());
    }
    for (scim_id, user_id) in accounts {
        let context = MappingContext {
            org_id,
            default_role: &org.default_role,
            mappings: &mappings,
            roles: &roles,
        };
        context.apply(
            c,
            &user_id,
            groups.get(&scim_id),
            actor,
            "scim_group_mapping",
            now,
        )?;
    }
    Ok(())
}

/// What deciding a role from groups needs, loaded once.
struct MappingContext<'a> {
    org_id: &'a str,
    default_role: &'a str,
    mappings: &'a [GroupRole],
    roles: &'a HashSet<String>,
}

impl MappingContext<'_> {
    /// Gives the member the role their groups (lowercase names) map to; the change fires
    /// `organizationMembership.updated` and is audited with `reason`.
    fn apply(
        &self,
        c: &mut DbConnection,
        user_id: &str,
        names: Option<&HashSet<String>>,
        actor: &Actor,
        reason: &'static str,
        now: UnixTime,
    ) -> Result<(), StorageError> {
        let wanted = self
            .mappings
            .iter()
            .find(|m| {
                self.roles.contains(&m.role_key)
                    && names.is_some_and(|n| n.contains(&m.group_name_lower))
            })
            .map(|m| m.role_key.clone())
            .unwrap_or_else(|| self.default_role.to_string());
        let Some(mut membership) = organizations::membership(c, self.org_id, user_id)? else {
            return Ok(());
        };
        if membership.role == wanted {
            return Ok(());
        }
        let previous = std::mem::replace(&mut membership.role, wanted);
        organizations::set_role(c, self.org_id, user_id, &membership.role, now)?;
        membership.updated_at = now;
        webhooks::emit_in(
            c,
            now,
            "organizationMembership.updated",
            webhooks::membership_data(&membership),
        )?;
        audit::record_in(
            c,
            Event::new("organizationMembership.updated", actor.clone())
                .target("user", user_id.to_string())
                .organization(self.org_id.to_string())
                .detail("role", membership.role.clone())
                .detail("previous_role", previous)
                .detail("reason", reason),
            now,
        )?;
        Ok(())
    }
}

/// Gives one member the role their groups map to (group names as an IdP asserted them), when
/// the organization maps any group: the same rule as for directory members. SAML sign-ins use it
/// for members SAML added.
pub fn follow_groups_in(
    c: &mut DbConnection,
    org_id: &str,
    user_id: &str,
    group_names: &[String],
    actor: &Actor,
    reason: &'static str,
    now: UnixTime,
) -> Result<(), StorageError> {
    let mappings = store::list(c, org_id)?;
    if mappings.is_empty() {
        return Ok(());
    }
    let Some(org) = organizations::find(c, org_id)? else {
        return Ok(());
    };
    let roles: HashSet<String> = organizations::roles(c, org_id)?
        .into_iter()
        .map(|r| r.key)
        .collect();
    let names: HashSet<String> = group_names.iter().map(|n| n.to_lowercase()).collect();
    MappingContext {
        org_id,
        default_role: &org.default_role,
        mappings: &mappings,
        roles: &roles,
    }
    .apply(c, user_id, Some(&names), actor, reason, now)
}

/// The actor of a directory's request.
pub fn directory(caller: &ScimCaller) -> Actor {
    Actor::Directory(caller.token_id.clone())
}

/// Checks a group name as a mapping takes it.
fn group_name(name: &str) -> Result<String, FieldError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 256 || name.chars().any(char::is_control) {
        return Err(FieldError::new(
            "group",
            "a group name of 1 to 256 characters without control characters",
        ));
    }
    Ok(name.to_string())
}

/// Maps a group name to a role (replacing its mapping) and re-syncs the organization's roles.
pub async fn set(
    state: &AppState,
    org: &str,
    group: &str,
    role: &str,
    priority: Option<i32>,
    actor: Actor,
) -> Result<GroupRole, OrgError> {
    let group = group_name(group)?;
    let role = check_role_key(role)?;
    let now = state.clock.now();
    let org = org.to_string();
    crate::organizations::in_transaction(state, move |c| {
        let org = crate::organizations::find_in(c, &org)?;
        organizations::lock(c, &org.id)?;
        if organizations::role(c, &org.id, &role)?.is_none() {
            return Err(FieldError::new("role", format!("no role {role:?}")).into());
        }
        let mapping = GroupRole {
            organization_id: org.id.clone(),
            group_name_lower: group.to_lowercase(),
            group_name: group.clone(),
            role_key: role.clone(),
            priority: priority.unwrap_or(DEFAULT_PRIORITY),
            created_at: now,
        };
        store::set(c, &mapping)?;
        audit::record_in(
            c,
            Event::new("scimGroupRole.set", actor.clone())
                .organization(org.id.clone())
                .detail("group", group.clone())
                .detail("role", role.clone()),
            now,
        )?;
        sync_in(c, &org.id, None, &actor, now)?;
        Ok(mapping)
    })
    .await
}

/// Removes a group's mapping and re-syncs the organization's roles.
pub async fn remove(
    state: &AppState,
    org: &str,
    group: &str,
    actor: Actor,
) -> Result<(), OrgError> {
    let group = group_name(group)?;
    let now = state.clock.now();
    let org = org.to_string();
    crate::organizations::in_transaction(state, move |c| {
        let org = crate::organizations::find_in(c, &org)?;
        organizations::lock(c, &org.id)?;
        if !store::remove(c, &org.id, &group.to_lowercase())? {
            return Err(OrgError::NotFound("group mapping"));
        }
        audit::record_in(
            c,
            Event::new("scimGroupRole.removed", actor.clone())
                .organization(org.id.clone())
                .detail("group", group.clone()),
            now,
        )?;
        // With no mapping left, roles stay as they are now.
        sync_in(c, &org.id, None, &actor, now)?;
        Ok(())
    })
    .await
}

/// The organization's mappings, the one that wins first.
pub async fn list(state: &AppState, org: &str) -> Result<Vec<GroupRole>, OrgError> {
    let org = org.to_string();
    crate::organizations::in_transaction(state, move |c| {
        let org = crate::organizations::find_in(c, &org)?;
        Ok(store::list(c, &org.id)?)
    })
    .await
}
