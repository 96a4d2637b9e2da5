//! Signing XML that Tessera builds (Responses, Assertions): an enveloped signature template
//! (exclusive canonicalization, RSA-SHA256, SHA-256 digest, our certificate in KeyInfo) is put
//! right after the element's Issuer, as the schema wants, and xmlsec fills it in. xmlsec signs
//! the first template in document order, so nested elements are signed before their parents.

use super::error::SamlError;
use crate::crypto::saml_keys::SamlKey;
use samael::crypto::{Crypto, CryptoProvider};

const TEMPLATE: &str = concat!(
    "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>",
    "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>",
    "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>",
    "<ds:Reference URI=\"#{ID}\"><ds:Transforms>",
    "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>",
    "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms>",
    "<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>",
    "<ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo>",
    "<ds:SignatureValue></ds:SignatureValue><ds:KeyInfo><ds:X509Data>",
    "<ds:X509Certificate>{CERT}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>"
);

/// Signs the element whose `ID` is `id` (an id Tessera made: no quoting needed) in `xml`, a
/// document Tessera built, whose elements use the `saml:` prefix for the Issuer.
pub fn sign(xml: &str, id: &str, key: &SamlKey) -> Result<String, SamlError> {
    let element = xml
        .find(&format!(" ID=\"{id}\""))
        .ok_or_else(|| SamlError::Internal("no element to sign".into()))?;
    let issuer_end = xml[element..]
        .find("</saml:Issuer>")
        .map(|at| element + at + "</saml:Issuer>".len())
        .ok_or_else(|| SamlError::Internal("no Issuer in the element to sign".into()))?;
    let template = TEMPLATE
        .replace("{ID}", id)
        .replace("{CERT}", &key.certificate_base64());
    let unsigned = format!("{}{}{}", &xml[..issuer_end], template, &xml[issuer_end..]);
    let der = key
        .private_der()
        .map_err(|e| SamlError::Internal(e.to_string()))?;
    let signed = Crypto::sign_xml(unsigned, &der)
        .map_err(|e| SamlError::Internal(format!("signing: {e}")))?;
    // xmlsec writes an XML declaration; the element may be embedded in another document.
    let body = match signed.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map(|(_, r)| r).unwrap_or(rest),
        None => &signed,
    };
    Ok(body.trim().to_string())
}
