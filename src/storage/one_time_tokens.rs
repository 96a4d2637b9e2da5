//! The `one_time_tokens` table: links mailed for email verification, sign-up and password reset.
//! Stored as digests; each is consumed at most once, atomically.

use super::schema::one_time_tokens;
use super::{DbConnection, StorageResult};
use crate::clock::UnixTime;
use crate::crypto::SecretDigest;
use diesel::prelude::*;

/// What a link is for; a link of one purpose is never accepted for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Completes a sign-up: the account is created when the link is used.
    SignUp,
    /// Verifies the email address of an existing account.
    VerifyEmail,
    /// Sets a new password.
    PasswordReset,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::SignUp => "sign_up",
            Purpose::VerifyEmail => "verify_email",
            Purpose::PasswordReset => "password_reset",
        }
    }
}

/// A stored link.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = one_time_tokens)]
pub struct OneTimeToken {
    pub digest: String,
    pub purpose: String,
    pub user_id: Option<String>,
    pub email: String,
    pub payload: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub consumed_at: Option<i64>,
}

/// A link to store.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    pub digest: &'a SecretDigest,
    pub purpose: Purpose,
    pub user_id: Option<&'a str>,
    pub email: &'a str,
    pub payload: Option<String>,
    pub now: UnixTime,
    pub expires_at: UnixTime,
}

/// Stores a link.
pub fn insert(conn: &mut DbConnection, token: NewToken<'_>) -> StorageResult<()> {
    let row = OneTimeToken {
        digest: token.digest.as_str().to_string(),
        purpose: token.purpose.as_str().to_string(),
        user_id: token.user_id.map(str::to_string),
        email: token.email.to_string(),
        payload: token.payload,
        created_at: token.now,
        expires_at: token.expires_at,
        consumed_at: None,
    };
    diesel::insert_into(one_time_tokens::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

/// The unused, unexpired link with this digest and purpose, without consuming it (to show a
/// confirmation page).
pub fn peek(
    conn: &mut DbConnection,
    digest: &SecretDigest,
    purpose: Purpose,
    now: UnixTime,
) -> StorageResult<Option<OneTimeToken>> {
    Ok(one_time_tokens::table
        .find(digest.as_str())
        .filter(one_time_tokens::purpose.eq(purpose.as_str()))
        .filter(one_time_tokens::consumed_at.is_null())
        .filter(one_time_tokens::expires_at.gt(now))
        .select(OneTimeToken::as_select())
        .first(conn)
        .optional()?)
}

/// Consumes the link: only one caller can ever succeed, even across processes, because the
/// update is conditional on it being unused. Returns the link when this caller consumed it.
pub fn consume(
    conn: &mut DbConnection,
    digest: &SecretDigest,
    purpose: Purpose,
    now: UnixTime,
) -> StorageResult<Option<OneTimeToken>> {
    let Some(token) = peek(conn, digest, purpose, now)? else {
        return Ok(None);
    };
    let won = diesel::update(
        one_time_tokens::table
            .find(digest.as_str())
            .filter(one_time_tokens::consumed_at.is_null()),
    )
    .set(one_time_tokens::consumed_at.eq(Some(now)))
    .execute(conn)?;
    Ok((won == 1).then_some(OneTimeToken {
        consumed_at: Some(now),
        ..token
    }))
}

/// Consumes every other unused link of this purpose for the user (one reset invalidates the rest).
pub fn consume_all_for_user(
    conn: &mut DbConnection,
    user_id: &str,
    purpose: Purpose,
    now: UnixTime,
) -> StorageResult<usize> {
    Ok(diesel::update(
        one_time_tokens::table
            .filter(one_time_tokens::user_id.eq(user_id))
            .filter(one_time_tokens::purpose.eq(purpose.as_str()))
            .filter(one_time_tokens::consumed_at.is_null()),
    )
    .set(one_time_tokens::consumed_at.eq(Some(now)))
    .execute(conn)?)
}

/// Deletes links that expired before `cutoff`.
pub fn delete_expired(conn: &mut DbConnection, cutoff: UnixTime) -> StorageResult<usize> {
    Ok(
        diesel::delete(one_time_tokens::table.filter(one_time_tokens::expires_at.le(cutoff)))
            .execute(conn)?,
    )
}
