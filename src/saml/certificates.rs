//! Pinned partner certificates: parsed once, kept as PEM, given to xmlsec as DER. Only the key
//! matters (SAML partners pin certificates; their dates and issuers are not checked), but weak
//! keys are refused: RSA under 2048 bits, DSA.

use super::error::SamlError;
use base64::Engine;
use openssl::pkey::Id;
use openssl::x509::X509;

/// A partner's certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
}

impl Certificate {
    fn from_x509(x509: X509) -> Result<Self, SamlError> {
        let key = x509
            .public_key()
            .map_err(|e| SamlError::Malformed(format!("certificate key: {e}")))?;
        match key.id() {
            Id::RSA if key.bits() >= 2048 => {}
            Id::RSA => {
                return Err(SamlError::Malformed(format!(
                    "certificate has a {}-bit RSA key; at least 2048 bits are required",
                    key.bits()
                )));
            }
            Id::EC => {}
            _ => {
                return Err(SamlError::Malformed(
                    "certificate key must be RSA (2048 bits or more) or EC".into(),
                ));
            }
        }
        let der = x509
            .to_der()
            .map_err(|e| SamlError::Malformed(format!("certificate: {e}")))?;
        Ok(Self { der })
    }

    /// From base64 DER, as metadata and KeyInfo carry it (whitespace ignored).
    pub fn from_base64(text: &str) -> Result<Self, SamlError> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(compact)
            .map_err(|_| SamlError::Malformed("certificate is not base64".into()))?;
        let x509 =
            X509::from_der(&der).map_err(|e| SamlError::Malformed(format!("certificate: {e}")))?;
        Self::from_x509(x509)
    }

    /// Every certificate in a PEM text (or one base64 DER certificate without PEM armour).
    pub fn all_from_pem(text: &str) -> Result<Vec<Self>, SamlError> {
        if !text.contains("-----BEGIN") {
            return Ok(vec![Self::from_base64(text)?]);
        }
        let stack = X509::stack_from_pem(text.as_bytes())
            .map_err(|e| SamlError::Malformed(format!("certificate PEM: {e}")))?;
        if stack.is_empty() {
            return Err(SamlError::Malformed(
                "no certificate in the PEM text".into(),
            ));
        }
        stack.into_iter().map(Self::from_x509).collect()
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    pub fn to_pem(&self) -> String {
        let body = base64::engine::general_purpose::STANDARD.encode(&self.der);
        let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
        for line in body.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(line));
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
        pem
    }

    /// SHA-256 fingerprint, colon-separated hex (as IdP consoles show it).
    pub fn fingerprint(&self) -> String {
        use sha2::Digest;
        sha2::Sha256::digest(&self.der)
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":")
    }
}

/// The PEM text stored for a list of certificates.
pub fn to_pem_text(certificates: &[Certificate]) -> String {
    certificates.iter().map(Certificate::to_pem).collect()
}
