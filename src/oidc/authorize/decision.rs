//! What a checked request needs next: a sign-in, consent, or nothing (issue the code). Pure: the
//! session, the remembered consent and `now` are passed in.

use super::interaction::Interaction;
use super::request::AuthorizationRequest;
use crate::accounts::sessions::ActiveSession;
use crate::clock::UnixTime;
use crate::oidc::error::{ErrorCode, OAuthError};
use crate::oidc::scope::Scopes;

/// The next step of an authorization request.
#[derive(Debug)]
pub enum Next {
    /// Send the browser to sign in; `force` shows the form even to a signed-in browser.
    SignIn { force: bool },
    /// Ask the user to consent.
    Consent,
    /// Everything is in place: issue the code.
    Issue,
    /// Answer the client with this error.
    Fail(OAuthError),
}

/// Decides the next step.
pub fn decide(
    request: &AuthorizationRequest,
    interaction: &Interaction,
    session: Option<&ActiveSession>,
    remembered: Option<&Scopes>,
    consent_given: bool,
    now: UnixTime,
) -> Next {
    let prompt = request.prompt;
    let login = match session {
        None => Some(false),
        Some(active) => {
            // Fresh: this browser signed in after the request arrived (its cookie changed and
            // the sign-in time is not older than the request). A session that merely differs,
            // say another browser opening a resume link, is not a fresh sign-in.
            let marker = super::interaction::session_marker(&active.session);
            let fresh = interaction.prior_session.as_deref() != Some(marker.as_str())
                && active.session.created_at >= interaction.started_at;
            let too_old = request
                .max_age
                .is_some_and(|max| now - active.session.created_at > max);
            let other_user = interaction
                .hinted_subject
                .as_deref()
                .is_some_and(|sub| sub != active.user.id);
            if fresh {
                None
            } else if prompt.login || prompt.select_account || too_old || other_user {
                Some(true)
            } else {
                None
            }
        }
    };
    // OpenID Connect Core §3.1.2.1: the hinted user must be the one signed in, even right after
    // a sign-in as someone else.
    if login.is_none()
        && let (Some(active), Some(sub)) = (session, interaction.hinted_subject.as_deref())
        && sub != active.user.id
    {
        return Next::Fail(OAuthError::new(
            ErrorCode::LoginRequired,
            "the signed-in user is not the one the id_token_hint names",
        ));
    }
    if let Some(force) = login {
        return if prompt.none {
            Next::Fail(OAuthError::new(
                ErrorCode::LoginRequired,
                "the user must sign in",
            ))
        } else {
            Next::SignIn { force }
        };
    }
    let covered = remembered.is_some_and(|r| request.scopes.is_subset(r));
    let needs_consent =
        !request.client.first_party && !consent_given && (prompt.consent || !covered);
    if needs_consent {
        return if prompt.none {
            Next::Fail(OAuthError::new(
                ErrorCode::ConsentRequired,
                "the user must consent",
            ))
        } else {
            Next::Consent
        };
    }
    Next::Issue
}
