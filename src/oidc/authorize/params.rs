//! The raw parameters of an authorization request, from the query (GET) or the form body (POST).
//! RFC 6749 §3.1: a parameter sent twice makes the request invalid; unknown ones are ignored.

use std::collections::BTreeMap;

/// Request parameters by name; `duplicate` names the first one that came twice.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Params {
    values: BTreeMap<String, String>,
    /// Every parameter sent more than once.
    #[serde(skip)]
    pub duplicates: Vec<String>,
}

/// The parameters Tessera reads; only these are kept (and sealed into an interaction).
const KNOWN: [&str; 20] = [
    "client_id",
    "redirect_uri",
    "response_type",
    "response_mode",
    "scope",
    "state",
    "nonce",
    "prompt",
    "max_age",
    "login_hint",
    "id_token_hint",
    "acr_values",
    "ui_locales",
    "code_challenge",
    "code_challenge_method",
    "request",
    "request_uri",
    "display",
    "claims_locales",
    "organization",
];

impl Params {
    /// Collects name/value pairs; an empty value counts as absent (RFC 6749 §3.1).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut params = Params::default();
        for (name, value) in pairs {
            if !KNOWN.contains(&name.as_str()) {
                continue;
            }
            if params.values.contains_key(&name) {
                if !params.duplicates.contains(&name) {
                    params.duplicates.push(name);
                }
                continue;
            }
            if !value.is_empty() {
                params.values.insert(name, value);
            }
        }
        params
    }

    /// The value of a parameter, if sent and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Drops a parameter.
    pub fn remove(&mut self, name: &str) {
        self.values.remove(name);
    }

    /// True when the named parameter was sent twice.
    pub fn is_duplicate(&self, name: &str) -> bool {
        self.duplicates.iter().any(|d| d == name)
    }
}
