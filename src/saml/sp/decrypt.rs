//! Opening an `EncryptedAssertion` (XML Encryption 1.1): the content key comes by RSA-OAEP
//! (`rsa-oaep-mgf1p`, SHA-1 or SHA-256 digest) to one of this server's published SAML keys; the
//! assertion is AES-GCM. `rsa-1_5` key transport (Bleichenbacher) and AES-CBC content (padding
//! oracles, malleable) are refused.

use super::super::error::SamlError;
use crate::crypto::saml_keys::SamlKey;
use base64::Engine;
use openssl::symm::{Cipher, decrypt_aead};
use quick_xml::events::Event;

const RSA_OAEP_MGF1P: &str = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
const RSA_1_5: &str = "http://www.w3.org/2001/04/xmlenc#rsa-1_5";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";

/// One EncryptedKey (an IdP may encrypt the content key to each of our published keys).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct WrappedKey {
    method: Option<String>,
    digest: Option<String>,
    cipher: Option<String>,
}

/// What an EncryptedAssertion holds.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Parts {
    data_method: Option<String>,
    data_cipher: Option<String>,
    keys: Vec<WrappedKey>,
}

fn local(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|b| *b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// Collects the parts of the (first) EncryptedAssertion in `xml`.
fn parts(xml: &str) -> Result<Parts, SamlError> {
    let malformed = |e: String| SamlError::Encryption(format!("unreadable: {e}"));
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<Vec<u8>> = Vec::new();
    let mut parts = Parts::default();
    let mut inside = false;
    loop {
        let event = reader.read_event().map_err(|e| malformed(e.to_string()))?;
        let (element, nests) = match &event {
            Event::Start(e) => (Some(e), true),
            Event::Empty(e) => (Some(e), false),
            _ => (None, false),
        };
        if let Some(e) = element {
            let name = local(e.name().as_ref()).to_vec();
            if inside || name == b"EncryptedAssertion" {
                inside = true;
                let in_key = stack.iter().any(|n| n == b"EncryptedKey");
                let algorithm = e
                    .try_get_attribute("Algorithm")
                    .map_err(|e| malformed(e.to_string()))?
                    .map(|a| String::from_utf8_lossy(&a.value).into_owned());
                if name == b"EncryptedKey" {
                    parts.keys.push(WrappedKey::default());
                }
                match (name.as_slice(), in_key, parts.keys.last_mut()) {
                    (b"EncryptionMethod", false, _) => parts.data_method = algorithm,
                    (b"EncryptionMethod", true, Some(key)) => key.method = algorithm,
                    (b"DigestMethod", true, Some(key)) => key.digest = algorithm,
                    _ => {}
                }
                if nests {
                    stack.push(name);
                }
            }
            continue;
        }
        match event {
            Event::End(e) if inside => {
                let name = local(e.name().as_ref()).to_vec();
                stack.pop();
                if name == b"EncryptedAssertion" {
                    break;
                }
            }
            Event::Text(t) if inside && stack.last().map(Vec::as_slice) == Some(b"CipherValue") => {
                let text = String::from_utf8_lossy(&t).into_owned();
                let slot = match parts.keys.last_mut() {
                    Some(key) if stack.iter().any(|n| n == b"EncryptedKey") => &mut key.cipher,
                    _ => &mut parts.data_cipher,
                };
                slot.get_or_insert_with(String::new).push_str(&text);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(parts)
}

fn base64(text: &str) -> Result<Vec<u8>, SamlError> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| SamlError::Encryption("cipher value is not base64".into()))
}

fn unwrap_key(wrapped: &WrappedKey, key: &SamlKey) -> Result<Vec<u8>, SamlError> {
    let method = wrapped.method.as_deref().unwrap_or_default();
    if method == RSA_1_5 {
        return Err(SamlError::Encryption(
            "rsa-1_5 key transport is refused".into(),
        ));
    }
    if method != RSA_OAEP_MGF1P {
        return Err(SamlError::Encryption(format!(
            "key transport {method:?} is not supported (use rsa-oaep-mgf1p)"
        )));
    }
    let digest = match wrapped.digest.as_deref() {
        None | Some(SHA1) => openssl::hash::MessageDigest::sha1(),
        Some(SHA256) => openssl::hash::MessageDigest::sha256(),
        Some(other) => {
            return Err(SamlError::Encryption(format!(
                "OAEP digest {other:?} is not supported"
            )));
        }
    };
    let wrapped = base64(wrapped.cipher.as_deref().unwrap_or_default())?;
    let failed = || SamlError::Encryption("the content key does not open with our keys".into());
    let mut decrypter = openssl::encrypt::Decrypter::new(&key.private_key).map_err(|_| failed())?;
    decrypter
        .set_rsa_padding(openssl::rsa::Padding::PKCS1_OAEP)
        .and_then(|_| decrypter.set_rsa_oaep_md(digest))
        .and_then(|_| decrypter.set_rsa_mgf1_md(openssl::hash::MessageDigest::sha1()))
        .map_err(|_| failed())?;
    let length = decrypter.decrypt_len(&wrapped).map_err(|_| failed())?;
    let mut out = vec![0; length];
    let written = decrypter
        .decrypt(&wrapped, &mut out)
        .map_err(|_| failed())?;
    out.truncate(written);
    Ok(out)
}

/// Decrypts the EncryptedAssertion in `xml` with whichever published key opens it; returns the
/// assertion's XML.
pub fn decrypt_assertion(xml: &str, keys: &[SamlKey]) -> Result<String, SamlError> {
    let parts = parts(xml)?;
    let cipher = match parts.data_method.as_deref().unwrap_or_default() {
        "http://www.w3.org/2009/xmlenc11#aes128-gcm" => Cipher::aes_128_gcm(),
        "http://www.w3.org/2009/xmlenc11#aes192-gcm" => Cipher::aes_192_gcm(),
        "http://www.w3.org/2009/xmlenc11#aes256-gcm" => Cipher::aes_256_gcm(),
        other if other.contains("cbc") => {
            return Err(SamlError::Encryption(format!(
                "{other} is refused: configure the IdP for AES-GCM"
            )));
        }
        other => {
            return Err(SamlError::Encryption(format!(
                "content encryption {other:?} is not supported"
            )));
        }
    };
    if parts.keys.is_empty() || parts.keys.len() > 8 {
        return Err(SamlError::Encryption("no EncryptedKey, or too many".into()));
    }
    let mut last = SamlError::Encryption("no SAML key to decrypt with".into());
    let mut content_key = None;
    'search: for wrapped in &parts.keys {
        for key in keys {
            match unwrap_key(wrapped, key) {
                Ok(found) => {
                    content_key = Some(found);
                    break 'search;
                }
                Err(SamlError::Encryption(m))
                    if m.contains("refused") || m.contains("supported") =>
                {
                    return Err(SamlError::Encryption(m));
                }
                Err(e) => last = e,
            }
        }
    }
    let content_key = content_key.ok_or(last)?;
    if content_key.len() != cipher.key_len() {
        return Err(SamlError::Encryption(
            "content key of the wrong size".into(),
        ));
    }
    let data = base64(parts.data_cipher.as_deref().unwrap_or_default())?;
    if data.len() < 12 + 16 {
        return Err(SamlError::Encryption("cipher value too short".into()));
    }
    let (iv, rest) = data.split_at(12);
    let (ciphertext, tag) = rest.split_at(rest.len() - 16);
    let plain =
        decrypt_aead(cipher, &content_key, Some(iv), &[], ciphertext, tag).map_err(|_| {
            SamlError::Encryption("the assertion does not decrypt (tag mismatch)".into())
        })?;
    String::from_utf8(plain)
        .map_err(|_| SamlError::Encryption("decrypted assertion is not UTF-8".into()))
}
