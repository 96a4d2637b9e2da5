//! The AuthnRequest of SP-initiated SSO, sent by the HTTP-Redirect binding (SAML Bindings §3.4):
//! DEFLATE, base64, URL-encoded in `SAMLRequest`, with `RelayState`, and when the connection signs
//! requests, `SigAlg` and `Signature` (RSA-SHA256 over the query string in its fixed order).

use super::super::error::SamlError;
use super::super::{BINDING_POST, NAMEID_UNSPECIFIED, RSA_SHA256, escape, instant};
use crate::clock::UnixTime;
use crate::crypto::saml_keys::SamlKey;
use base64::Engine;
use std::io::Write;

/// What goes into the request.
#[derive(Debug, Clone)]
pub struct AuthnRequest<'a> {
    pub id: &'a str,
    pub issue_instant: UnixTime,
    pub destination: &'a str,
    pub acs_url: &'a str,
    pub issuer: &'a str,
}

impl AuthnRequest<'_> {
    pub fn to_xml(&self) -> String {
        format!(
            concat!(
                "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ",
                "ID=\"{id}\" Version=\"2.0\" IssueInstant=\"{instant}\" Destination=\"{destination}\" ",
                "AssertionConsumerServiceURL=\"{acs}\" ProtocolBinding=\"{binding}\">",
                "<saml:Issuer>{issuer}</saml:Issuer>",
                "<samlp:NameIDPolicy Format=\"{format}\" AllowCreate=\"true\"/>",
                "</samlp:AuthnRequest>"
            ),
            id = escape(self.id),
            instant = instant(self.issue_instant),
            destination = escape(self.destination),
            acs = escape(self.acs_url),
            binding = BINDING_POST,
            issuer = escape(self.issuer),
            format = NAMEID_UNSPECIFIED,
        )
    }
}

fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// The query string of the HTTP-Redirect binding for a protocol message (`SAMLRequest` or
/// `SAMLResponse`), signed with `key` when given.
pub fn redirect_query(
    parameter: &str,
    xml: &str,
    relay_state: Option<&str>,
    key: Option<&SamlKey>,
) -> Result<String, SamlError> {
    let mut deflater =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    deflater
        .write_all(xml.as_bytes())
        .map_err(|e| SamlError::Internal(e.to_string()))?;
    let deflated = deflater
        .finish()
        .map_err(|e| SamlError::Internal(e.to_string()))?;
    let message = base64::engine::general_purpose::STANDARD.encode(deflated);
    let mut query = format!("{parameter}={}", encode(&message));
    if let Some(relay) = relay_state {
        query.push_str(&format!("&RelayState={}", encode(relay)));
    }
    if let Some(key) = key {
        query.push_str(&format!("&SigAlg={}", encode(RSA_SHA256)));
        let mut signer =
            openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &key.private_key)
                .map_err(|e| SamlError::Internal(e.to_string()))?;
        let signature = signer
            .sign_oneshot_to_vec(query.as_bytes())
            .map_err(|e| SamlError::Internal(e.to_string()))?;
        let signature = base64::engine::general_purpose::STANDARD.encode(signature);
        query.push_str(&format!("&Signature={}", encode(&signature)));
    }
    Ok(query)
}

/// `url` with `query` appended (after `?` or `&`).
pub fn with_query(url: &str, query: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{query}")
}
