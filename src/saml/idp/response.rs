//! The Response a SAML app gets: an Assertion about the signed-in person (NameID in the app's
//! format, a bearer confirmation for the ACS URL, an audience of the app's entity id, the
//! session's sign-in time and index, and the attribute statement), signed with RSA-SHA256,
//! encrypted to the app's certificate when it asks, inside a Response that is signed too.

use super::super::certificates::Certificate;
use super::super::error::SamlError;
use super::super::{NAMEID_EMAIL, NAMEID_PERSISTENT, NAMEID_TRANSIENT, escape, instant, new_id};
use super::super::{xml_encryption, xml_signature};
use crate::clock::UnixTime;
use crate::crypto::ServerKey;
use crate::crypto::saml_keys::SamlKey;
use crate::domain::User;
use crate::storage::saml_apps::SamlAppRow;
use sha2::Digest;

/// How long an assertion may be presented at the ACS.
pub const ASSERTION_SECONDS: i64 = 300;

/// The NameID an app gets for a user: (format URI, value).
pub fn name_id(server_key: &ServerKey, app: &SamlAppRow, user: &User) -> (&'static str, String) {
    match app.name_id_format.as_str() {
        // Stable per app, unlinkable across apps, revealing nothing.
        "persistent" => (
            NAMEID_PERSISTENT,
            server_key.sign(
                "saml-persistent-nameid",
                format!("{}\0{}", app.id, user.id).as_bytes(),
            ),
        ),
        "transient" => (NAMEID_TRANSIENT, new_id()),
        _ => (NAMEID_EMAIL, user.email.as_str().to_string()),
    }
}

/// The SessionIndex of a session (a digest: the session id stays private).
pub fn session_index(session_id: &str) -> String {
    let digest = sha2::Sha256::digest(format!("saml-session\0{session_id}").as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("_{hex}")
}

/// What the response says.
#[derive(Debug, Clone)]
pub struct Issue<'a> {
    pub idp_entity_id: &'a str,
    pub app: &'a SamlAppRow,
    pub acs_url: &'a str,
    pub in_response_to: Option<&'a str>,
    pub name_id: (&'a str, &'a str),
    pub session_index: &'a str,
    pub authn_instant: UnixTime,
    pub session_not_on_or_after: UnixTime,
    pub attributes: &'a [(String, Vec<String>)],
    pub now: UnixTime,
}

fn attribute_statement(attributes: &[(String, Vec<String>)]) -> String {
    if attributes.is_empty() {
        return String::new();
    }
    let mut out = String::from("<saml:AttributeStatement>");
    for (name, values) in attributes {
        out.push_str(&format!(
            "<saml:Attribute Name=\"{}\" NameFormat=\"urn:oasis:names:tc:SAML:2.0:attrname-format:basic\">",
            escape(name)
        ));
        for value in values {
            out.push_str(&format!(
                "<saml:AttributeValue xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"xs:string\">{}</saml:AttributeValue>",
                escape(value)
            ));
        }
        out.push_str("</saml:Attribute>");
    }
    out.push_str("</saml:AttributeStatement>");
    out
}

/// Builds, signs (and encrypts when the app asks) the Response; returns its XML.
pub fn build(issue: &Issue<'_>, key: &SamlKey) -> Result<String, SamlError> {
    let assertion_id = new_id();
    let response_id = new_id();
    let in_response_to = issue
        .in_response_to
        .map(|id| format!(" InResponseTo=\"{}\"", escape(id)))
        .unwrap_or_default();
    let until = instant(issue.now + ASSERTION_SECONDS);
    let assertion = format!(
        concat!(
            "<saml:Assertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"{aid}\" Version=\"2.0\" IssueInstant=\"{now}\">",
            "<saml:Issuer>{issuer}</saml:Issuer>",
            "<saml:Subject><saml:NameID Format=\"{format}\">{name_id}</saml:NameID>",
            "<saml:SubjectConfirmation Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\">",
            "<saml:SubjectConfirmationData{irt} NotOnOrAfter=\"{until}\" Recipient=\"{acs}\"/>",
            "</saml:SubjectConfirmation></saml:Subject>",
            "<saml:Conditions NotBefore=\"{not_before}\" NotOnOrAfter=\"{until}\">",
            "<saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>",
            "<saml:AuthnStatement AuthnInstant=\"{authn}\" SessionIndex=\"{index}\" SessionNotOnOrAfter=\"{session_until}\">",
            "<saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext>",
            "</saml:AuthnStatement>{attributes}</saml:Assertion>"
        ),
        aid = assertion_id,
        now = instant(issue.now),
        issuer = escape(issue.idp_entity_id),
        format = issue.name_id.0,
        name_id = escape(issue.name_id.1),
        irt = in_response_to,
        until = until,
        acs = escape(issue.acs_url),
        not_before = instant(issue.now - 60),
        audience = escape(&issue.app.entity_id),
        authn = instant(issue.authn_instant),
        index = escape(issue.session_index),
        session_until = instant(issue.session_not_on_or_after),
        attributes = attribute_statement(issue.attributes),
    );
    let mut assertion = xml_signature::sign(&assertion, &assertion_id, key)?;
    if issue.app.encrypt_assertions {
        let certificate = Certificate::all_from_pem(&issue.app.certificates)?
            .into_iter()
            .next()
            .ok_or_else(|| {
                SamlError::Internal("the app has no certificate to encrypt to".into())
            })?;
        assertion = xml_encryption::encrypt_assertion(&assertion, &certificate)?;
    }
    let response = format!(
        concat!(
            "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ",
            "ID=\"{rid}\" Version=\"2.0\" IssueInstant=\"{now}\" Destination=\"{acs}\"{irt}>",
            "<saml:Issuer>{issuer}</saml:Issuer>",
            "<samlp:Status><samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/></samlp:Status>",
            "{assertion}</samlp:Response>"
        ),
        rid = response_id,
        now = instant(issue.now),
        acs = escape(issue.acs_url),
        irt = in_response_to,
        issuer = escape(issue.idp_entity_id),
        assertion = assertion,
    );
    xml_signature::sign(&response, &response_id, key)
}

/// A Response with an error status (no assertion), signed.
pub fn failure(
    idp_entity_id: &str,
    acs_url: &str,
    in_response_to: Option<&str>,
    status: &str,
    now: UnixTime,
    key: &SamlKey,
) -> Result<String, SamlError> {
    let response_id = new_id();
    let in_response_to = in_response_to
        .map(|id| format!(" InResponseTo=\"{}\"", escape(id)))
        .unwrap_or_default();
    let response = format!(
        concat!(
            "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ",
            "ID=\"{rid}\" Version=\"2.0\" IssueInstant=\"{now}\" Destination=\"{acs}\"{irt}>",
            "<saml:Issuer>{issuer}</saml:Issuer>",
            "<samlp:Status><samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Responder\">",
            "<samlp:StatusCode Value=\"{status}\"/></samlp:StatusCode></samlp:Status></samlp:Response>"
        ),
        rid = response_id,
        now = instant(now),
        acs = escape(acs_url),
        irt = in_response_to,
        issuer = escape(idp_entity_id),
        status = status,
    );
    xml_signature::sign(&response, &response_id, key)
}
