//! Organizations, their roles and their members: the operations the CLI (and later the admin API
//! and the hosted pages) share. Changes that could take away an organization's last admin run in
//! one transaction with the organization's row locked, so two concurrent demotions cannot both
//! pass the check.

pub mod domains;
pub mod invitations;

use crate::app::AppState;
use crate::domain::FieldError;
use crate::domain::organization::{
    self as rules, ADMIN_ROLE, MEMBER_ROLE, Membership, Organization, Role,
};
use crate::storage::{DbConnection, StorageError, organizations as store, users};
use crate::webhooks;

/// Why an organization operation failed.
#[derive(Debug, thiserror::Error)]
pub enum OrgError {
    #[error("{0}")]
    Invalid(FieldError),
    #[error("{0}")]
    Conflict(FieldError),
    #[error("no {0} matches")]
    NotFound(&'static str),
    #[error("the last admin of an organization cannot be removed or given another role")]
    LastAdmin,
    #[error("the database is unavailable")]
    Unavailable,
    #[error("storage failed: {0}")]
    Internal(String),
}

impl From<FieldError> for OrgError {
    fn from(error: FieldError) -> Self {
        OrgError::Invalid(error)
    }
}

impl From<diesel::result::Error> for OrgError {
    fn from(error: diesel::result::Error) -> Self {
        StorageError::from(error).into()
    }
}

impl From<StorageError> for OrgError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::Unavailable(_) => OrgError::Unavailable,
            StorageError::Conflict { field } => {
                OrgError::Conflict(FieldError::new(field, "is already taken"))
            }
            StorageError::NotFound => OrgError::NotFound("record"),
            StorageError::Query(reason) => OrgError::Internal(reason),
        }
    }
}

/// A new organization.
#[derive(Debug, Clone, Default)]
pub struct NewOrganization {
    pub name: String,
    pub slug: Option<String>,
    pub logo_url: Option<String>,
    /// A user (id, email or username) who becomes its first admin.
    pub owner: Option<String>,
}

/// Changes to an organization; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct OrganizationChanges {
    pub name: Option<String>,
    pub slug: Option<String>,
    /// `Some(None)` removes the logo.
    pub logo_url: Option<Option<String>>,
    pub default_role: Option<String>,
}

pub(crate) fn find_in(conn: &mut DbConnection, reference: &str) -> Result<Organization, OrgError> {
    if reference.is_empty() || reference.len() > 100 {
        return Err(OrgError::NotFound("organization"));
    }
    store::find(conn, reference)?.ok_or(OrgError::NotFound("organization"))
}

fn user_id_in(conn: &mut DbConnection, reference: &str) -> Result<String, OrgError> {
    users::find_by_reference(conn, reference)?
        .map(|u| u.id)
        .ok_or(OrgError::NotFound("user"))
}

pub(crate) async fn in_transaction<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&mut DbConnection) -> Result<T, OrgError> + Send + 'static,
) -> Result<T, OrgError> {
    let outcome = state
        .db
        .run(move |conn| {
            Ok(crate::storage::write_transaction(conn, |c| {
                work(c).map_err(TransactionError::Org)
            }))
        })
        .await?;
    outcome.map_err(|e| match e {
        TransactionError::Org(e) => e,
        TransactionError::Db(e) => StorageError::from(e).into(),
    })
}

/// An error inside a transaction: ours (rolls back) or the database's.
enum TransactionError {
    Org(OrgError),
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for TransactionError {
    fn from(error: diesel::result::Error) -> Self {
        TransactionError::Db(error)
    }
}

/// Creates an organization with the built-in roles and, when given, its first admin.
pub async fn create(state: &AppState, input: NewOrganization) -> Result<Organization, OrgError> {
    let name = rules::check_name("name", &input.name)?;
    let slug = match &input.slug {
        Some(slug) => rules::check_slug(slug)?,
        None => rules::check_slug(&rules::slug_from_name(&name))
            .map_err(|_| FieldError::new("slug", "cannot be made from this name; give --slug"))?,
    };
    let logo_url = input
        .logo_url
        .as_deref()
        .map(rules::check_logo_url)
        .transpose()?;
    let now = state.clock.now();
    let org = Organization {
        id: uuid::Uuid::now_v7().to_string(),
        slug,
        name,
        logo_url,
        public_metadata: serde_json::json!({}),
        private_metadata: serde_json::json!({}),
        default_role: MEMBER_ROLE.into(),
        created_at: now,
        updated_at: now,
    };
    let stored = org.clone();
    let owner = input.owner.clone();
    in_transaction(state, move |c| {
        store::insert(c, &stored)?;
        webhooks::emit_in(
            c,
            now,
            "organization.created",
            webhooks::organization_data(&stored),
        )?;
        for (key, name, permissions) in rules::built_in_roles() {
            let role = Role {
                key: key.into(),
                name: name.into(),
                permissions,
                built_in: true,
            };
            store::insert_role(c, &stored.id, &role, now)?;
        }
        if let Some(owner) = owner {
            let user_id = user_id_in(c, &owner)?;
            let membership = Membership {
                disabled: false,
                organization_id: stored.id.clone(),
                user_id,
                role: ADMIN_ROLE.into(),
                created_at: now,
                updated_at: now,
            };
            store::insert_membership(c, &membership)?;
            webhooks::emit_in(
                c,
                now,
                "organizationMembership.created",
                webhooks::membership_data(&membership),
            )?;
        }
        Ok(())
    })
    .await?;
    Ok(org)
}

/// The organization with this id or slug.
pub async fn find(state: &AppState, reference: &str) -> Result<Organization, OrgError> {
    let reference = reference.to_string();
    state
        .db
        .run(move |conn| Ok(find_in(conn, &reference)))
        .await?
}

/// Organizations by name, optionally those whose name or slug contains `search`.
pub async fn list(
    state: &AppState,
    search: Option<String>,
    limit: i64,
) -> Result<Vec<Organization>, OrgError> {
    let limit = limit.clamp(1, 1000);
    Ok(state
        .db
        .run(move |conn| store::list(conn, search.as_deref(), limit))
        .await?)
}

/// Changes an organization.
pub async fn update(
    state: &AppState,
    reference: &str,
    changes: OrganizationChanges,
) -> Result<Organization, OrgError> {
    let name = changes
        .name
        .as_deref()
        .map(|n| rules::check_name("name", n))
        .transpose()?;
    let slug = changes.slug.as_deref().map(rules::check_slug).transpose()?;
    let logo = match &changes.logo_url {
        Some(Some(url)) => Some(Some(rules::check_logo_url(url)?)),
        Some(None) => Some(None),
        None => None,
    };
    let default_role = changes.default_role.clone();
    let reference = reference.to_string();
    let now = state.clock.now();
    in_transaction(state, move |c| {
        let mut org = find_in(c, &reference)?;
        store::lock(c, &org.id)?;
        if let Some(name) = name {
            org.name = name;
        }
        if let Some(slug) = slug {
            org.slug = slug;
        }
        if let Some(logo) = logo {
            org.logo_url = logo;
        }
        if let Some(role) = default_role {
            if store::role(c, &org.id, &role)?.is_none() {
                return Err(FieldError::new("default-role", format!("no role {role:?}")).into());
            }
            org.default_role = role;
        }
        org.updated_at = now;
        store::update(c, &org)?;
        webhooks::emit_in(
            c,
            now,
            "organization.updated",
            webhooks::organization_data(&org),
        )?;
        Ok(org)
    })
    .await
}

/// Deletes an organization with its roles and memberships.
pub async fn delete(state: &AppState, reference: &str) -> Result<Organization, OrgError> {
    let reference = reference.to_string();
    let now = state.clock.now();
    in_transaction(state, move |c| {
        let org = find_in(c, &reference)?;
        store::lock(c, &org.id)?;
        let members = store::members(c, &org.id)?;
        crate::storage::grants::revoke_in_organization(c, &org.id, None, now)?;
        // An app only its members could use goes with it (never open to everyone instead).
        crate::storage::saml_apps::delete_for_organization(c, &org.id)?;
        store::delete(c, &org.id)?;
        for (membership, _) in &members {
            webhooks::emit_in(
                c,
                now,
                "organizationMembership.deleted",
                webhooks::membership_data(membership),
            )?;
        }
        webhooks::emit_in(
            c,
            now,
            "organization.deleted",
            webhooks::organization_data(&org),
        )?;
        Ok(org)
    })
    .await
}

/// The roles of an organization.
pub async fn roles(state: &AppState, org: &str) -> Result<Vec<Role>, OrgError> {
    let org = org.to_string();
    state
        .db
        .run(move |conn| Ok(find_in(conn, &org).and_then(|o| Ok(store::roles(conn, &o.id)?))))
        .await?
}

/// Creates a custom role.
pub async fn create_role(
    state: &AppState,
    org: &str,
    key: &str,
    name: &str,
    permissions: &[String],
) -> Result<Role, OrgError> {
    let role = Role {
        key: rules::check_role_key(key)?,
        name: rules::check_name("name", name)?,
        permissions: rules::check_permissions(permissions)?,
        built_in: false,
    };
    let org = org.to_string();
    let now = state.clock.now();
    let stored = role.clone();
    in_transaction(state, move |c| {
        let org = find_in(c, &org)?;
        store::insert_role(c, &org.id, &stored, now)?;
        Ok(())
    })
    .await?;
    Ok(role)
}

/// Changes a custom role's name or permissions (built-in roles are fixed).
pub async fn update_role(
    state: &AppState,
    org: &str,
    key: &str,
    name: Option<String>,
    permissions: Option<Vec<String>>,
) -> Result<Role, OrgError> {
    let name = name
        .as_deref()
        .map(|n| rules::check_name("name", n))
        .transpose()?;
    let permissions = permissions
        .as_deref()
        .map(rules::check_permissions)
        .transpose()?;
    let (org, key) = (org.to_string(), key.to_string());
    let now = state.clock.now();
    in_transaction(state, move |c| {
        let org = find_in(c, &org)?;
        let mut role = store::role(c, &org.id, &key)?.ok_or(OrgError::NotFound("role"))?;
        if role.built_in {
            return Err(FieldError::new("role", "built-in roles cannot be changed").into());
        }
        if let Some(name) = name {
            role.name = name;
        }
        if let Some(permissions) = permissions {
            role.permissions = permissions;
        }
        store::update_role(c, &org.id, &role, now)?;
        Ok(role)
    })
    .await
}

/// Deletes a custom role nobody holds and that is not the default for new members.
pub async fn delete_role(state: &AppState, org: &str, key: &str) -> Result<(), OrgError> {
    let (org, key) = (org.to_string(), key.to_string());
    in_transaction(state, move |c| {
        let org = find_in(c, &org)?;
        store::lock(c, &org.id)?;
        let role = store::role(c, &org.id, &key)?.ok_or(OrgError::NotFound("role"))?;
        if role.built_in {
            return Err(FieldError::new("role", "built-in roles cannot be deleted").into());
        }
        if org.default_role == key {
            return Err(OrgError::Conflict(FieldError::new(
                "role",
                "it is the default role for new members; choose another default first",
            )));
        }
        let holders = store::count_with_role(c, &org.id, &key)?;
        if holders > 0 {
            return Err(OrgError::Conflict(FieldError::new(
                "role",
                format!("{holders} member(s) hold it; give them another role first"),
            )));
        }
        let offered = crate::storage::invitations::count_pending_with_role(c, &org.id, &key)?;
        if offered > 0 {
            return Err(OrgError::Conflict(FieldError::new(
                "role",
                format!("{offered} pending invitation(s) offer it; revoke them first"),
            )));
        }
        store::delete_role(c, &org.id, &key)?;
        Ok(())
    })
    .await
}

/// Adds a user to an organization, with `role` or the organization's default role.
pub async fn add_member(
    state: &AppState,
    org: &str,
    user: &str,
    role: Option<String>,
) -> Result<Membership, OrgError> {
    let (org, user) = (org.to_string(), user.to_string());
    let now = state.clock.now();
    in_transaction(state, move |c| {
        let org = find_in(c, &org)?;
        store::lock(c, &org.id)?;
        let user_id = user_id_in(c, &user)?;
        let role = role.unwrap_or_else(|| org.default_role.clone());
        if store::role(c, &org.id, &role)?.is_none() {
            return Err(FieldError::new("role", format!("no role {role:?}")).into());
        }
        let membership = Membership {
            disabled: false,
            organization_id: org.id.clone(),
            user_id,
            role,
            created_at: now,
            updated_at: now,
        };
        store::insert_membership(c, &membership)?;
        webhooks::emit_in(
            c,
            now,
            "organizationMembership.created",
            webhooks::membership_data(&membership),
        )?;
        Ok(membership)
    })
    .await
}

/// The organizations a user belongs to, with their membership, by name.
pub async fn of_user(
    state: &AppState,
    user_id: &str,
) -> Result<Vec<(Organization, Membership)>, OrgError> {
    let user_id = user_id.to_string();
    Ok(state
        .db
        .run(move |conn| store::of_user(conn, &user_id))
        .await?)
}

/// The members of an organization with their email addresses.
pub async fn members(state: &AppState, org: &str) -> Result<Vec<(Membership, String)>, OrgError> {
    let org = org.to_string();
    state
        .db
        .run(move |conn| Ok(find_in(conn, &org).and_then(|o| Ok(store::members(conn, &o.id)?))))
        .await?
}

/// Gives a member another role; the last admin keeps theirs.
pub async fn set_member_role(
    state: &AppState,
    org: &str,
    user: &str,
    role: &str,
) -> Result<Membership, OrgError> {
    let (org, user, role) = (org.to_string(), user.to_string(), role.to_string());
    let now = state.clock.now();
    in_transaction(state, move |c| {
        let org = find_in(c, &org)?;
        store::lock(c, &org.id)?;
        let user_id = user_id_in(c, &user)?;
        let mut membership =
            store::membership(c, &org.id, &user_id)?.ok_or(OrgError::NotFound("member"))?;
        if store::role(c, &org.id, &role)?.is_none() {
            return Err(FieldError::new("role", format!("no role {role:?}")).into());
        }
        // Deactivated admins (SCIM `active: false`) manage nothing: only active ones count.
        let demoting = membership.role == ADMIN_ROLE && !membership.disabled && role != ADMIN_ROLE;
        let admins = store::count_active_with_role(c, &org.id, ADMIN_ROLE)?;
        if !rules::keeps_an_admin(admins, demoting) {
            return Err(OrgError::LastAdmin);
        }
        store::set_role(c, &org.id, &user_id, &role, now)?;
        membership.role = role;
        membership.updated_at = now;
        webhooks::emit_in(
            c,
            now,
            "organizationMembership.updated",
            webhooks::membership_data(&membership),
        )?;
        Ok(membership)
    })
    .await
}

/// Removes a member (returning what was removed); the last admin stays.
pub async fn remove_member(
    state: &AppState,
    org: &str,
    user: &str,
) -> Result<Membership, OrgError> {
    let (org, user) = (org.to_string(), user.to_string());
    let now = state.clock.now();
    in_transaction(state, move |c| {
        let org = find_in(c, &org)?;
        store::lock(c, &org.id)?;
        let user_id = user_id_in(c, &user)?;
        let membership =
            store::membership(c, &org.id, &user_id)?.ok_or(OrgError::NotFound("member"))?;
        let admins = store::count_active_with_role(c, &org.id, ADMIN_ROLE)?;
        let active_admin = membership.role == ADMIN_ROLE && !membership.disabled;
        if !rules::keeps_an_admin(admins, active_admin) {
            return Err(OrgError::LastAdmin);
        }
        store::delete_membership(c, &org.id, &user_id)?;
        // A directory's User is a membership: it goes too (its group memberships with it), so
        // the directory sees the person gone rather than a User without a membership.
        if let Some(row) = crate::storage::scim_users::find_by_user(c, &org.id, &user_id)? {
            let groups = crate::storage::scim_groups::group_ids_of_user(c, &org.id, &row.id)?;
            crate::storage::scim_users::delete(c, &org.id, &row.id)?;
            crate::storage::scim_groups::touch_groups(c, &org.id, &groups, now)?;
        }
        // Tokens that act in the organization for this member stop with the membership.
        crate::storage::grants::revoke_in_organization(c, &org.id, Some(&user_id), now)?;
        webhooks::emit_in(
            c,
            now,
            "organizationMembership.deleted",
            webhooks::membership_data(&membership),
        )?;
        Ok(membership)
    })
    .await
}
