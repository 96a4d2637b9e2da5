//! Issuing the single-use links Tessera mails: a fresh 256-bit token, stored only as its digest.

use super::AccountError;
use crate::app::AppState;
use crate::crypto::{SecretDigest, random_token};
use crate::storage::one_time_tokens::{self, NewToken, Purpose};

/// What a new link is for and whom.
#[derive(Debug)]
pub struct LinkRequest {
    pub purpose: Purpose,
    pub user_id: Option<String>,
    pub email: String,
    pub payload: Option<String>,
    pub ttl_seconds: i64,
}

/// Stores a new link and returns its token, to be put in the mailed URL.
pub async fn issue(state: &AppState, request: LinkRequest) -> Result<String, AccountError> {
    let now = state.clock.now();
    let token = random_token();
    let digest = SecretDigest::of(&token);
    state
        .db
        .run(move |conn| {
            one_time_tokens::insert(
                conn,
                NewToken {
                    digest: &digest,
                    purpose: request.purpose,
                    user_id: request.user_id.as_deref(),
                    email: &request.email,
                    payload: request.payload,
                    now,
                    expires_at: now + request.ttl_seconds,
                },
            )
        })
        .await?;
    Ok(token)
}
