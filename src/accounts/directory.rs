//! Accounts a directory owns. An organization's SCIM directory owns an account it provisions
//! (writes its names, email and password, and deletes it with the User) when the organization
//! verified the address's domain, or when the directory created the account and its owner has
//! not claimed it since by proving the address. The owner then cannot change those attributes on
//! the hosted account page: the directory would overwrite them at its next push.

use crate::app::AppState;
use crate::domain::EmailAddress;
use crate::domain::organization::Organization;
use crate::domain::user::User;
use crate::storage::{DbConnection, StorageError, domains, organizations, scim_users};

/// Whether `org_id` verified the domain of `email`.
pub fn domain_verified_by(
    c: &mut DbConnection,
    org_id: &str,
    email: &EmailAddress,
) -> Result<bool, StorageError> {
    Ok(domains::verified(c, email.domain())?.is_some_and(|d| d.organization_id == org_id))
}

/// Whether the directory of `org_id` owns the account (`created_user`: whether it created it).
pub fn owns_account(
    c: &mut DbConnection,
    org_id: &str,
    created_user: bool,
    user: &User,
) -> Result<bool, StorageError> {
    Ok(domain_verified_by(c, org_id, &user.email)? || (created_user && !user.email_verified))
}

/// The organization whose directory owns the account, if any.
pub fn owner_in(c: &mut DbConnection, user: &User) -> Result<Option<Organization>, StorageError> {
    for row in scim_users::for_user(c, &user.id)? {
        if owns_account(c, &row.organization_id, row.created_user, user)? {
            return organizations::find(c, &row.organization_id);
        }
    }
    Ok(None)
}

/// [`owner_in`] on its own connection.
pub async fn owner(state: &AppState, user: &User) -> Result<Option<Organization>, StorageError> {
    let user = user.clone();
    state.db.run(move |conn| owner_in(conn, &user)).await
}
