//! An authorization request waiting for the user (sign-in or consent), carried through the
//! browser as a value sealed with the server key: the checked parameters, when it started, and the
//! session the browser had then (a sign-in is fresh when the session differs). Stateless, so any
//! server process can resume it; it expires after `oidc.interaction_seconds`.

use super::params::Params;
use crate::app::AppState;
use crate::clock::UnixTime;
use crate::crypto::signed_value;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

const PURPOSE: &str = "oidc-interaction";

/// A pending authorization request.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Interaction {
    /// The request parameters, without `id_token_hint` (its subject is kept instead).
    #[serde(rename = "p")]
    pub params: Params,
    #[serde(rename = "t")]
    pub started_at: UnixTime,
    /// A marker of the session cookie the browser had when the request came in
    /// ([`session_marker`]); a sign-in since then changed it.
    #[serde(rename = "s")]
    pub prior_session: Option<String>,
    /// The `sub` of the `id_token_hint`, if one was sent.
    #[serde(rename = "h")]
    pub hinted_subject: Option<String>,
}

impl Interaction {
    /// The sealed form, safe to put in a URL or a form field.
    pub fn seal(&self, state: &AppState) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        signed_value::seal(&state.server_key, PURPOSE, &URL_SAFE_NO_PAD.encode(json))
    }

    /// The interaction in a sealed value, if it is intact and not expired.
    pub fn open(state: &AppState, sealed: &str) -> Option<Self> {
        if sealed.len() > 8192 {
            return None;
        }
        let payload = signed_value::open(&state.server_key, PURPOSE, sealed)?;
        let json = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let interaction: Interaction = serde_json::from_slice(&json).ok()?;
        let now = state.clock.now();
        let age = now - interaction.started_at;
        (0..=state.config.oidc.interaction_seconds)
            .contains(&age)
            .then_some(interaction)
    }

    /// Where the browser continues the request after signing in.
    pub fn resume_path(&self, state: &AppState) -> String {
        format!("/authorize/resume?i={}", self.seal(state))
    }
}

/// A short, one-way marker of a session's current cookie: it changes at every sign-in (the cookie
/// is replaced even when the session id is kept) and reveals nothing usable.
pub fn session_marker(session: &crate::storage::sessions::SessionRecord) -> String {
    crate::crypto::SecretDigest::labelled("oidc-interaction-session", &session.token_digest)
        .as_str()[..16]
        .to_string()
}

/// The CSP source of the client a sign-in page will send the browser back to, when its
/// `return_to` resumes an authorization request: form submissions end in a redirect there, and
/// `form-action` applies to redirects.
pub fn form_target_for_return_to(state: &AppState, return_to: &str) -> Option<String> {
    let sealed = return_to.strip_prefix("/authorize/resume?i=")?;
    let interaction = Interaction::open(state, sealed)?;
    csp_source_of(interaction.params.get("redirect_uri")?)
}

/// The CSP source expression for a redirect URI: its origin, or its scheme when it has none.
pub fn csp_source_of(uri: &str) -> Option<String> {
    let url = url::Url::parse(uri).ok()?;
    let origin = url.origin();
    let source = if origin.is_tuple() {
        origin.ascii_serialization()
    } else {
        format!("{}:", url.scheme())
    };
    source
        .chars()
        .all(|c| c.is_ascii_graphic() && c != ';' && c != ',')
        .then_some(source)
}
