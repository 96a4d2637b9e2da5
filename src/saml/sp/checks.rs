//! The Web Browser SSO profile's checks (SAML Profiles §4.1.4.3) on the signed content: Issuer,
//! Destination, a bearer SubjectConfirmation whose Recipient is our ACS, NotBefore and
//! NotOnOrAfter with `saml.clock_skew_seconds` of tolerance, an AudienceRestriction naming us,
//! and InResponseTo naming a request of ours (or none, for IdP-initiated sign-in where the
//! connection allows it). The request itself and the replay cache are settled in the sign-in's
//! transaction (`sign_in.rs`).

use super::super::error::SamlError;
use super::verify::Verified;
use crate::clock::UnixTime;

/// What the checks need to know.
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    pub idp_entity_id: &'a str,
    pub sp_entity_id: &'a str,
    pub acs_url: &'a str,
    pub now: UnixTime,
    pub skew: i64,
}

/// An assertion that passed.
#[derive(Debug, Clone)]
pub struct Checked {
    pub assertion_id: String,
    pub name_id: String,
    pub name_id_format: Option<String>,
    /// The request answered; `None` for an unsolicited (IdP-initiated) response.
    pub in_response_to: Option<String>,
    /// Until when the assertion could be presented: how long the replay cache keeps its id.
    pub valid_until: UnixTime,
    pub attributes: Vec<(String, Vec<String>)>,
    pub session_index: Option<String>,
}

fn time(t: chrono::DateTime<chrono::Utc>) -> UnixTime {
    t.timestamp()
}

/// Runs the checks.
pub fn check(verified: &Verified, expected: &Expected<'_>) -> Result<Checked, SamlError> {
    let assertion = &verified.assertion;
    let (now, skew) = (expected.now, expected.skew);
    if assertion.issuer.value.as_deref() != Some(expected.idp_entity_id) {
        return Err(SamlError::Issuer);
    }
    if let Some(response) = &verified.response {
        if response
            .issuer
            .as_deref()
            .is_some_and(|i| i != expected.idp_entity_id)
        {
            return Err(SamlError::Issuer);
        }
        // A signed response must name where it goes (SAML Bindings §3.5.5.2).
        if response.destination.as_deref() != Some(expected.acs_url) {
            return Err(SamlError::Destination);
        }
    }
    if assertion.version != "2.0" {
        return Err(SamlError::Malformed("not a SAML 2.0 assertion".into()));
    }
    let subject = assertion
        .subject
        .as_ref()
        .ok_or_else(|| SamlError::Subject("no Subject".into()))?;
    let name_id = subject
        .name_id
        .as_ref()
        .ok_or_else(|| SamlError::Subject("no NameID".into()))?;
    let name_id_value = name_id.value.trim().to_string();
    if name_id_value.is_empty() || name_id_value.len() > 1024 {
        return Err(SamlError::Subject("empty or oversized NameID".into()));
    }

    // Conditions: required, with an audience naming us.
    let conditions = assertion.conditions.as_ref().ok_or(SamlError::Audience)?;
    if conditions.not_before.is_some_and(|t| now + skew < time(t)) {
        return Err(SamlError::NotYetValid);
    }
    if conditions
        .not_on_or_after
        .is_some_and(|t| now - skew >= time(t))
    {
        return Err(SamlError::Expired);
    }
    let restrictions = conditions
        .audience_restrictions
        .as_deref()
        .unwrap_or_default();
    if restrictions.is_empty()
        || !restrictions
            .iter()
            .all(|r| r.audience.iter().any(|a| a.trim() == expected.sp_entity_id))
    {
        return Err(SamlError::Audience);
    }

    // A bearer confirmation for us, still valid.
    let mut failure = SamlError::SubjectConfirmation;
    let mut confirmed = None;
    let bearers: Vec<_> = subject
        .subject_confirmations
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter(|c| c.method.as_deref() == Some(super::super::BEARER))
        .collect();
    // The replay cache must hold the id as long as any confirmation could still be presented.
    let latest_confirmation = bearers
        .iter()
        .filter_map(|c| c.subject_confirmation_data.as_ref()?.not_on_or_after)
        .map(time)
        .max();
    for confirmation in &bearers {
        let Some(data) = &confirmation.subject_confirmation_data else {
            continue;
        };
        if data.recipient.as_deref() != Some(expected.acs_url) {
            failure = SamlError::Recipient;
            continue;
        }
        let Some(not_on_or_after) = data.not_on_or_after else {
            continue;
        };
        if now - skew >= time(not_on_or_after) {
            failure = SamlError::Expired;
            continue;
        }
        if data.not_before.is_some_and(|t| now + skew < time(t)) {
            failure = SamlError::NotYetValid;
            continue;
        }
        confirmed = Some((data.in_response_to.clone(), time(not_on_or_after)));
        break;
    }
    let (in_response_to, confirmation_until) = confirmed.ok_or(failure)?;
    if let Some(response) = &verified.response
        && response.in_response_to.is_some()
        && response.in_response_to != in_response_to
    {
        return Err(SamlError::UnknownRequest);
    }
    let authn = assertion
        .authn_statements
        .as_deref()
        .and_then(|s| s.first())
        .ok_or_else(|| SamlError::Subject("no AuthnStatement".into()))?;
    if authn
        .session_not_on_or_after
        .is_some_and(|t| now - skew >= time(t))
    {
        return Err(SamlError::Expired);
    }

    let valid_until = conditions
        .not_on_or_after
        .map(time)
        .into_iter()
        .chain(latest_confirmation)
        .max()
        .unwrap_or(confirmation_until)
        .max(confirmation_until)
        + skew;
    let attributes = assertion
        .attribute_statements
        .iter()
        .flatten()
        .flat_map(|statement| statement.attributes.iter())
        .filter_map(|attribute| {
            let name = attribute.name.clone()?;
            let values = attribute
                .values
                .iter()
                .filter_map(|v| v.value.clone())
                .map(|v| v.trim().to_string())
                .collect();
            Some((name, values))
        })
        .collect();
    Ok(Checked {
        assertion_id: assertion.id.clone(),
        name_id: name_id_value,
        name_id_format: name_id.format.clone(),
        in_response_to,
        valid_until,
        attributes,
        session_index: authn.session_index.clone(),
    })
}
