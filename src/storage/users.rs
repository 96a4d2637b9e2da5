//! The `users` table.

use super::schema::users;
use super::{DbConnection, StorageError, StorageResult};
use crate::clock::UnixTime;
use crate::domain::{EmailAddress, User};
use diesel::prelude::*;

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub(crate) struct UserRow {
    id: String,
    email: String,
    email_verified: bool,
    username: Option<String>,
    name: Option<String>,
    given_name: Option<String>,
    family_name: Option<String>,
    picture: Option<String>,
    locale: Option<String>,
    password_hash: Option<String>,
    password_changed_at: Option<i64>,
    disabled: bool,
    public_metadata: String,
    private_metadata: String,
    created_at: i64,
    updated_at: i64,
}

impl UserRow {
    pub(crate) fn into_user(self) -> User {
        User {
            id: self.id,
            email: EmailAddress::from_trusted(self.email),
            email_verified: self.email_verified,
            username: self.username,
            name: self.name,
            given_name: self.given_name,
            family_name: self.family_name,
            picture: self.picture,
            locale: self.locale,
            disabled: self.disabled,
            has_password: self.password_hash.is_some(),
            public_metadata: parse_json(&self.public_metadata),
            private_metadata: parse_json(&self.private_metadata),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

fn parse_json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|_| serde_json::json!({}))
}

/// A user with the stored password hash, for verification only.
#[derive(Debug)]
pub struct UserWithCredential {
    pub user: User,
    pub password_hash: Option<String>,
}

/// Inserts a new user; a clash on email or username is [`StorageError::Conflict`].
pub fn insert(
    conn: &mut DbConnection,
    user: &User,
    password_hash: Option<&str>,
) -> StorageResult<()> {
    let row = UserRow {
        id: user.id.clone(),
        email: user.email.as_str().to_string(),
        email_verified: user.email_verified,
        username: user.username.clone(),
        name: user.name.clone(),
        given_name: user.given_name.clone(),
        family_name: user.family_name.clone(),
        picture: user.picture.clone(),
        locale: user.locale.clone(),
        password_hash: password_hash.map(str::to_string),
        password_changed_at: password_hash.map(|_| user.created_at),
        disabled: user.disabled,
        public_metadata: user.public_metadata.to_string(),
        private_metadata: user.private_metadata.to_string(),
        created_at: user.created_at,
        updated_at: user.updated_at,
    };
    diesel::insert_into(users::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

/// The user with this id.
pub fn find_by_id(conn: &mut DbConnection, id: &str) -> StorageResult<Option<User>> {
    Ok(users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(UserRow::into_user))
}

/// The user with this (normalised) email address.
pub fn find_by_email(conn: &mut DbConnection, email: &EmailAddress) -> StorageResult<Option<User>> {
    Ok(users::table
        .filter(users::email.eq(email.as_str()))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(UserRow::into_user))
}

/// The user and password hash for a sign-in attempt by email.
pub fn find_credential_by_email(
    conn: &mut DbConnection,
    email: &EmailAddress,
) -> StorageResult<Option<UserWithCredential>> {
    Ok(users::table
        .filter(users::email.eq(email.as_str()))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(|row| {
            let password_hash = row.password_hash.clone();
            UserWithCredential {
                user: row.into_user(),
                password_hash,
            }
        }))
}

/// The stored password hash of a user.
pub fn password_hash(conn: &mut DbConnection, id: &str) -> StorageResult<Option<String>> {
    users::table
        .find(id)
        .select(users::password_hash)
        .first::<Option<String>>(conn)
        .optional()?
        .ok_or(StorageError::NotFound)
}

/// Finds a user by id, email or username: what the CLI accepts to name a user.
pub fn find_by_reference(conn: &mut DbConnection, reference: &str) -> StorageResult<Option<User>> {
    if let Some(user) = find_by_id(conn, reference)? {
        return Ok(Some(user));
    }
    if reference.contains('@') {
        return match EmailAddress::parse(reference) {
            Ok(email) => find_by_email(conn, &email),
            Err(_) => Ok(None),
        };
    }
    Ok(users::table
        .filter(users::username.eq(reference.trim().to_ascii_lowercase()))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(UserRow::into_user))
}

/// A page of users in id order (ids are time-ordered), after `after` when given; `search`
/// matches a part of the email, username or name.
pub fn list(
    conn: &mut DbConnection,
    search: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> StorageResult<Vec<User>> {
    let mut query = users::table.select(UserRow::as_select()).into_boxed();
    if let Some(term) = search.map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = format!("%{}%", super::like_escaped(&term.to_lowercase()));
        query = query.filter(
            users::email
                .like(pattern.clone())
                .escape('\\')
                .or(super::lower_nullable(users::username)
                    .like(pattern.clone())
                    .escape('\\'))
                .or(super::lower_nullable(users::name)
                    .like(pattern)
                    .escape('\\')),
        );
    }
    if let Some(after) = after {
        query = query.filter(users::id.gt(after.to_string()));
    }
    Ok(query
        .order(users::id.asc())
        .limit(limit)
        .load(conn)?
        .into_iter()
        .map(UserRow::into_user)
        .collect())
}

/// What the admin API may filter users by.
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    /// A part of the email, username or name.
    pub search: Option<String>,
    /// This exact (normalised) address.
    pub email: Option<String>,
    pub verified: Option<bool>,
    pub disabled: Option<bool>,
    /// Members of this organization (its id).
    pub organization_id: Option<String>,
    /// Only users after this id (the cursor).
    pub after: Option<String>,
    pub limit: i64,
}

/// A page of users in id order matching every filter given.
pub fn query(conn: &mut DbConnection, q: &UserQuery) -> StorageResult<Vec<User>> {
    use super::schema::memberships;
    let mut query = users::table.select(UserRow::as_select()).into_boxed();
    if let Some(term) = q.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = format!("%{}%", super::like_escaped(&term.to_lowercase()));
        query = query.filter(
            users::email
                .like(pattern.clone())
                .escape('\\')
                .or(super::lower_nullable(users::username)
                    .like(pattern.clone())
                    .escape('\\'))
                .or(super::lower_nullable(users::name)
                    .like(pattern)
                    .escape('\\')),
        );
    }
    if let Some(email) = &q.email {
        query = query.filter(users::email.eq(email.clone()));
    }
    if let Some(verified) = q.verified {
        query = query.filter(users::email_verified.eq(verified));
    }
    if let Some(disabled) = q.disabled {
        query = query.filter(users::disabled.eq(disabled));
    }
    if let Some(org) = &q.organization_id {
        // The organization's members first (its slice of the membership key), then their rows:
        // not a membership probe per user.
        query = query.filter(
            users::id.eq_any(
                memberships::table
                    .filter(memberships::organization_id.eq(org.clone()))
                    .select(memberships::user_id),
            ),
        );
    }
    if let Some(after) = &q.after {
        query = query.filter(users::id.gt(after.clone()));
    }
    Ok(query
        .order(users::id.asc())
        .limit(q.limit)
        .load(conn)?
        .into_iter()
        .map(UserRow::into_user)
        .collect())
}

/// The number of users.
pub fn count(conn: &mut DbConnection) -> StorageResult<i64> {
    Ok(users::table.count().get_result(conn)?)
}

/// Writes every editable field of `user` (not the password, not `created_at`).
pub fn update(conn: &mut DbConnection, user: &User) -> StorageResult<()> {
    let changed = diesel::update(users::table.find(&user.id))
        .set((
            users::email.eq(user.email.as_str()),
            users::email_verified.eq(user.email_verified),
            users::username.eq(&user.username),
            users::name.eq(&user.name),
            users::given_name.eq(&user.given_name),
            users::family_name.eq(&user.family_name),
            users::picture.eq(&user.picture),
            users::locale.eq(&user.locale),
            users::public_metadata.eq(user.public_metadata.to_string()),
            users::private_metadata.eq(user.private_metadata.to_string()),
            users::updated_at.eq(user.updated_at),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Err(StorageError::NotFound);
    }
    Ok(())
}

/// Marks the email address verified.
pub fn mark_email_verified(conn: &mut DbConnection, id: &str, now: UnixTime) -> StorageResult<()> {
    diesel::update(users::table.find(id))
        .set((users::email_verified.eq(true), users::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// Stores a new password hash and ends every session of the user except `keep_session` (the one
/// that made the change, if any), in one transaction.
pub fn set_password(
    conn: &mut DbConnection,
    id: &str,
    hash: &str,
    keep_session: Option<&str>,
    now: UnixTime,
) -> StorageResult<Vec<String>> {
    let id = id.to_string();
    let hash = hash.to_string();
    let keep = keep_session.map(str::to_string);
    super::write_transaction(conn, |c| {
        let changed = diesel::update(users::table.find(&id))
            .set((
                users::password_hash.eq(Some(&hash)),
                users::password_changed_at.eq(Some(now)),
                users::updated_at.eq(now),
            ))
            .execute(c)?;
        if changed == 0 {
            return Err(StorageError::NotFound);
        }
        let ended = super::sessions::delete_others(c, &id, keep.as_deref())?;
        // Tokens issued before the change stop working, offline ones included.
        super::grants::revoke_all_for_user(c, &id, now)?;
        Ok::<_, StorageError>(ended)
    })
}

/// Removes the password and revokes every grant (the account is then reached only through a
/// password reset or another sign-in method).
pub fn clear_password(conn: &mut DbConnection, id: &str, now: UnixTime) -> StorageResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(None::<String>),
            users::password_changed_at.eq(Some(now)),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    super::grants::revoke_all_for_user(conn, id, now)?;
    Ok(())
}

/// Replaces a hash made with old parameters, only if it is still the one that was verified.
pub fn upgrade_password_hash(
    conn: &mut DbConnection,
    id: &str,
    old_hash: &str,
    new_hash: &str,
) -> StorageResult<()> {
    diesel::update(
        users::table
            .find(id)
            .filter(users::password_hash.eq(old_hash)),
    )
    .set(users::password_hash.eq(new_hash))
    .execute(conn)?;
    Ok(())
}

/// Disables or enables a user; disabling ends all their sessions and revokes their grants in the
/// same transaction (re-enabling does not bring them back).
pub fn set_disabled(
    conn: &mut DbConnection,
    id: &str,
    disabled: bool,
    now: UnixTime,
) -> StorageResult<Vec<String>> {
    let id = id.to_string();
    super::write_transaction(conn, |c| {
        let changed = diesel::update(users::table.find(&id))
            .set((users::disabled.eq(disabled), users::updated_at.eq(now)))
            .execute(c)?;
        if changed == 0 {
            return Err(StorageError::NotFound);
        }
        let mut ended = Vec::new();
        if disabled {
            ended = super::sessions::delete_others(c, &id, None)?;
            super::grants::revoke_all_for_user(c, &id, now)?;
        }
        Ok::<_, StorageError>(ended)
    })
}

/// Deletes a user; sessions, links, consents and grants go with it (foreign keys cascade).
pub fn delete(conn: &mut DbConnection, id: &str) -> StorageResult<()> {
    let changed = diesel::delete(users::table.find(id)).execute(conn)?;
    if changed == 0 {
        return Err(StorageError::NotFound);
    }
    Ok(())
}
