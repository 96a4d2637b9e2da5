//! Which parts of a SAMLResponse can be believed. Signatures are checked by xmlsec with the
//! connection's pinned certificates only (a KeyInfo in the message is never consulted), with
//! RSA-SHA1 and SHA-1 digests refused; then the document is reduced to what the signatures cover
//! (samael's `ValidateAndMarkNoAncestors`), and everything after this step reads only that. An
//! unsigned wrapper, a second assertion beside the signed one, an assertion moved into an
//! `Extensions` or `Object` (signature wrapping, XSW1-8): none of it survives the reduction.
//!
//! Three shapes are accepted: a signed Response (its assertion may be plain, signed or
//! encrypted), an unsigned Response holding a signed Assertion, and an unsigned Response holding
//! an EncryptedAssertion whose decrypted Assertion is signed.

use super::super::certificates::Certificate;
use super::super::error::SamlError;
use super::super::{signature_shape, xml_guard};
use super::decrypt::decrypt_assertion;
use crate::crypto::saml_keys::SamlKey;
use samael::crypto::{
    AllowedSignatureAlgorithm, CertificateDer, Crypto, CryptoProvider, ReduceMode,
};
use samael::schema::{Assertion, Response};

/// Signature algorithms accepted (never RSA-SHA1, never DSA).
const ALLOWED: [AllowedSignatureAlgorithm; 6] = [
    AllowedSignatureAlgorithm::RsaSha256,
    AllowedSignatureAlgorithm::RsaSha384,
    AllowedSignatureAlgorithm::RsaSha512,
    AllowedSignatureAlgorithm::EcdsaSha256,
    AllowedSignatureAlgorithm::EcdsaSha384,
    AllowedSignatureAlgorithm::EcdsaSha512,
];

/// What the signed Response said about itself (absent when only the assertion was signed).
#[derive(Debug, Clone)]
pub struct SignedResponse {
    pub destination: Option<String>,
    pub in_response_to: Option<String>,
    pub issuer: Option<String>,
}

/// The believable content of a response.
#[derive(Debug, Clone)]
pub struct Verified {
    pub response: Option<SignedResponse>,
    pub assertion: Assertion,
}

/// Verifies signatures and keeps only the signed content. `decryption_keys` loads this server's
/// published SAML keys.
pub fn verify(
    xml: &str,
    pinned: &[Certificate],
    decryption_keys: impl FnOnce() -> Result<Vec<SamlKey>, SamlError>,
) -> Result<Verified, SamlError> {
    let shape = xml_guard::check(xml)?;
    if shape.root != "Response" {
        return Err(SamlError::Malformed(format!(
            "expected a Response, found {}",
            shape.root
        )));
    }
    // A failure status ends it, signed or not: refusing on an unsigned one only refuses.
    if let Some(code) = &shape.status
        && code != super::super::STATUS_SUCCESS
    {
        return Err(SamlError::Status(code.clone()));
    }
    let certs: Vec<CertificateDer> = pinned
        .iter()
        .map(|c| CertificateDer::from(c.der().to_vec()))
        .collect();
    if !shape.signed {
        if !shape.encrypted {
            return Err(SamlError::Unsigned);
        }
        // Only the encrypted assertion can carry the signature.
        let assertion_xml = decrypt_assertion(xml, &decryption_keys()?)?;
        let assertion = signed_assertion(&assertion_xml, &certs)?;
        return Ok(Verified {
            response: None,
            assertion,
        });
    }
    let reduced = reduce(xml, &certs)?;
    let reduced_shape = xml_guard::check(&reduced)?;
    in_place(&shape, &reduced_shape)?;
    match reduced_shape.root.as_str() {
        "Response" => {
            let response: Response = reduced
                .parse()
                .map_err(|e| SamlError::Malformed(format!("Response: {e}")))?;
            if let Some(code) = response
                .status
                .as_ref()
                .and_then(|s| s.status_code.value.clone())
                && code != super::super::STATUS_SUCCESS
            {
                return Err(SamlError::Status(code));
            }
            let assertion = match (&response.assertion, reduced_shape.encrypted) {
                (Some(assertion), false) => assertion.clone(),
                (None, true) => {
                    let assertion_xml = decrypt_assertion(&reduced, &decryption_keys()?)?;
                    xml_guard::check(&assertion_xml)?;
                    assertion_xml
                        .parse()
                        .map_err(|e| SamlError::Malformed(format!("Assertion: {e}")))?
                }
                (Some(_), true) => return Err(SamlError::NoAssertion("two assertions")),
                (None, false) => {
                    return Err(SamlError::NoAssertion("the response has no assertion"));
                }
            };
            Ok(Verified {
                response: Some(SignedResponse {
                    destination: response.destination,
                    in_response_to: response.in_response_to,
                    issuer: response.issuer.and_then(|i| i.value),
                }),
                assertion,
            })
        }
        "Assertion" => Ok(Verified {
            response: None,
            assertion: reduced
                .parse()
                .map_err(|e| SamlError::Malformed(format!("Assertion: {e}")))?,
        }),
        _ => Err(SamlError::NoAssertion(
            "the signature covers neither a Response nor an Assertion",
        )),
    }
}

/// The signed element must be the document's own Response, or its one Assertion directly
/// inside it, and no other assertion may sit anywhere in the message. Reduction alone already
/// keeps only signed content; this refuses wrapped messages outright instead of reading the
/// genuine part out of them.
fn in_place(original: &xml_guard::Shape, reduced: &xml_guard::Shape) -> Result<(), SamlError> {
    let only_child_assertion = original.assertions.len() == 1 && original.assertions[0].1 == 1;
    if !only_child_assertion {
        return Err(SamlError::Wrapped);
    }
    let in_place = match reduced.root.as_str() {
        "Response" => reduced.root_id.is_some() && reduced.root_id == original.root_id,
        "Assertion" => reduced.root_id.is_some() && reduced.root_id == original.assertions[0].0,
        _ => false,
    };
    if in_place {
        Ok(())
    } else {
        Err(SamlError::Wrapped)
    }
}

/// Signature check and reduction: the signatures' shape first (no remote or file references,
/// no transforms beyond the enveloped one, strong algorithms: `signature_shape.rs`), then xmlsec
/// with the pinned certificates, keeping only what the signatures cover.
pub(crate) fn reduce(xml: &str, certs: &[CertificateDer]) -> Result<String, SamlError> {
    signature_shape::check(xml)?;
    Crypto::reduce_xml_to_signed_with_allowed_algorithms(
        xml,
        certs,
        ReduceMode::ValidateAndMarkNoAncestors,
        Some(&ALLOWED),
    )
    .map_err(|_| SamlError::BadSignature)
}

/// A decrypted assertion that must carry its own signature.
fn signed_assertion(xml: &str, certs: &[CertificateDer]) -> Result<Assertion, SamlError> {
    let shape = xml_guard::check(xml)?;
    if shape.root != "Assertion" {
        return Err(SamlError::NoAssertion(
            "the encrypted content is not an Assertion",
        ));
    }
    if !shape.signed {
        return Err(SamlError::Unsigned);
    }
    let reduced = reduce(xml, certs)?;
    if xml_guard::check(&reduced)?.root != "Assertion" {
        return Err(SamlError::NoAssertion(
            "the signature does not cover the Assertion",
        ));
    }
    reduced
        .parse()
        .map_err(|e| SamlError::Malformed(format!("Assertion: {e}")))
}
