//! Encrypting an assertion to a service provider's certificate (XML Encryption 1.1):
//! AES-256-GCM content, the key by RSA-OAEP (MGF1 with SHA-1, `rsa-oaep-mgf1p`), the one pairing
//! every current SP library reads. The counterpart of `sp/decrypt.rs`.

use super::certificates::Certificate;
use super::error::SamlError;
use base64::Engine;

/// The `EncryptedAssertion` element for `assertion_xml`.
pub fn encrypt_assertion(assertion_xml: &str, to: &Certificate) -> Result<String, SamlError> {
    let failed = |e: openssl::error::ErrorStack| SamlError::Internal(format!("encryption: {e}"));
    let x509 = openssl::x509::X509::from_der(to.der()).map_err(failed)?;
    let public = x509.public_key().map_err(failed)?;
    let key: [u8; 32] = crate::crypto::random::random_bytes();
    let iv: [u8; 12] = crate::crypto::random::random_bytes();
    let mut tag = [0u8; 16];
    let sealed = openssl::symm::encrypt_aead(
        openssl::symm::Cipher::aes_256_gcm(),
        &key,
        Some(&iv),
        &[],
        assertion_xml.as_bytes(),
        &mut tag,
    )
    .map_err(failed)?;
    let mut data = iv.to_vec();
    data.extend(sealed);
    data.extend(tag);
    let mut encrypter = openssl::encrypt::Encrypter::new(&public).map_err(failed)?;
    encrypter
        .set_rsa_padding(openssl::rsa::Padding::PKCS1_OAEP)
        .map_err(failed)?;
    let mut wrapped = vec![0; encrypter.encrypt_len(&key).map_err(failed)?];
    let length = encrypter.encrypt(&key, &mut wrapped).map_err(failed)?;
    wrapped.truncate(length);
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    Ok(format!(
        concat!(
            "<saml:EncryptedAssertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\">",
            "<xenc:EncryptedData xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\" Type=\"http://www.w3.org/2001/04/xmlenc#Element\">",
            "<xenc:EncryptionMethod Algorithm=\"http://www.w3.org/2009/xmlenc11#aes256-gcm\"/>",
            "<ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><xenc:EncryptedKey>",
            "<xenc:EncryptionMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p\">",
            "<ds:DigestMethod Algorithm=\"http://www.w3.org/2000/09/xmldsig#sha1\"/></xenc:EncryptionMethod>",
            "<xenc:CipherData><xenc:CipherValue>{key}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>",
            "<xenc:CipherData><xenc:CipherValue>{data}</xenc:CipherValue></xenc:CipherData>",
            "</xenc:EncryptedData></saml:EncryptedAssertion>"
        ),
        key = b64(&wrapped),
        data = b64(&data),
    ))
}
