//! Reading protocol messages a service provider sends: the HTTP-Redirect binding (DEFLATE,
//! base64, signature over the query string as received) and the HTTP-POST binding (base64,
//! enveloped XML signature). Signatures are checked with the app's registered certificates only,
//! RSA-SHA256 or stronger.

use super::super::certificates::Certificate;
use super::super::error::SamlError;
use super::super::xml_guard;
use base64::Engine;
use quick_xml::events::Event;
use std::collections::HashMap;
use std::io::Read;

/// The largest message read once inflated (a DEFLATE bomb stops here).
const MAX_MESSAGE_BYTES: usize = 128 * 1024;

/// Signature algorithms accepted on the HTTP-Redirect binding.
type Digest = fn() -> openssl::hash::MessageDigest;
const REDIRECT_ALGORITHMS: [(&str, Digest); 3] = [
    (
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        openssl::hash::MessageDigest::sha256,
    ),
    (
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
        openssl::hash::MessageDigest::sha384,
    ),
    (
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
        openssl::hash::MessageDigest::sha512,
    ),
];

/// A message from either binding.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub xml: String,
    pub relay_state: Option<String>,
    /// The HTTP-Redirect signature: (the signed part of the query, SigAlg, signature bytes).
    redirect_signature: Option<(String, String, Vec<u8>)>,
    post: bool,
}

/// What a SAML protocol message says at its top level.
#[derive(Debug, Clone, Default)]
pub struct Message {
    /// The root element's local name (`AuthnRequest`, `LogoutRequest`, `LogoutResponse`).
    pub root: String,
    pub attributes: HashMap<String, String>,
    pub issuer: Option<String>,
    pub name_id: Option<String>,
    pub session_index: Option<String>,
    /// `Status/StatusCode/@Value`.
    pub status: Option<String>,
}

impl Message {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).map(String::as_str)
    }
}

fn b64(text: &str) -> Result<Vec<u8>, SamlError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| SamlError::Malformed("message is not base64".into()))
}

fn utf8(bytes: Vec<u8>) -> Result<String, SamlError> {
    if bytes.len() > MAX_MESSAGE_BYTES {
        return Err(SamlError::Malformed("message too large".into()));
    }
    String::from_utf8(bytes).map_err(|_| SamlError::Malformed("message is not UTF-8".into()))
}

/// Reads `parameter` (`SAMLRequest` or `SAMLResponse`) from a raw query string.
pub fn from_redirect(query: &str, parameter: &str) -> Result<Incoming, SamlError> {
    let mut raw: HashMap<String, String> = HashMap::new();
    for pair in query.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if raw.insert(name.to_string(), value.to_string()).is_some() {
            return Err(SamlError::Malformed(format!("{name} given twice")));
        }
    }
    let decode = |value: &str| -> Result<String, SamlError> {
        Ok(url::form_urlencoded::parse(format!("v={value}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default())
    };
    let message = raw
        .get(parameter)
        .ok_or_else(|| SamlError::Malformed(format!("no {parameter}")))?;
    let deflated = b64(&decode(message)?)?;
    let mut inflated = Vec::new();
    flate2::read::DeflateDecoder::new(&deflated[..])
        .take(MAX_MESSAGE_BYTES as u64 + 1)
        .read_to_end(&mut inflated)
        .map_err(|_| SamlError::Malformed("message does not inflate".into()))?;
    let xml = utf8(inflated)?;
    let relay_state = raw.get("RelayState").map(|v| decode(v)).transpose()?;
    let redirect_signature = match (raw.get("SigAlg"), raw.get("Signature")) {
        (Some(alg), Some(signature)) => {
            // The signed octets are the parameters as received, in this order (Bindings §3.4.4.1).
            let mut signed = format!("{parameter}={message}");
            if let Some(relay) = raw.get("RelayState") {
                signed.push_str(&format!("&RelayState={relay}"));
            }
            signed.push_str(&format!("&SigAlg={alg}"));
            Some((signed, decode(alg)?, b64(&decode(signature)?)?))
        }
        (None, None) => None,
        _ => {
            return Err(SamlError::Malformed(
                "SigAlg and Signature go together".into(),
            ));
        }
    };
    Ok(Incoming {
        xml,
        relay_state,
        redirect_signature,
        post: false,
    })
}

/// Reads a message from the HTTP-POST binding's form field.
pub fn from_post(value: &str, relay_state: Option<String>) -> Result<Incoming, SamlError> {
    Ok(Incoming {
        xml: utf8(b64(value)?)?,
        relay_state,
        redirect_signature: None,
        post: true,
    })
}

impl Incoming {
    /// Whether the message carries a signature at all.
    pub fn has_signature(&self) -> Result<bool, SamlError> {
        Ok(match self.post {
            true => xml_guard::check(&self.xml)?.signed,
            false => self.redirect_signature.is_some(),
        })
    }

    /// Checks the signature with the app's certificates; the message must be signed.
    pub fn verify(&self, certificates: &[Certificate]) -> Result<(), SamlError> {
        if certificates.is_empty() {
            return Err(SamlError::BadSignature);
        }
        if self.post {
            let shape = xml_guard::check(&self.xml)?;
            if !shape.signed {
                return Err(SamlError::Unsigned);
            }
            let certs: Vec<_> = certificates
                .iter()
                .map(|c| samael::crypto::CertificateDer::from(c.der().to_vec()))
                .collect();
            let reduced = super::super::sp::verify::reduce(&self.xml, &certs)?;
            let reduced_shape = xml_guard::check(&reduced)?;
            if reduced_shape.root_id.is_none() || reduced_shape.root_id != shape.root_id {
                return Err(SamlError::Wrapped);
            }
            return Ok(());
        }
        let (signed, algorithm, signature) = self
            .redirect_signature
            .as_ref()
            .ok_or(SamlError::Unsigned)?;
        let digest = REDIRECT_ALGORITHMS
            .iter()
            .find(|(name, _)| name == algorithm)
            .map(|(_, digest)| digest())
            .ok_or(SamlError::WeakAlgorithm)?;
        for certificate in certificates {
            let Ok(x509) = openssl::x509::X509::from_der(certificate.der()) else {
                continue;
            };
            let Ok(key) = x509.public_key() else {
                continue;
            };
            let Ok(mut verifier) = openssl::sign::Verifier::new(digest, &key) else {
                continue;
            };
            if verifier
                .verify_oneshot(signature, signed.as_bytes())
                .unwrap_or(false)
            {
                return Ok(());
            }
        }
        Err(SamlError::BadSignature)
    }
}

/// How old a logout message may be.
pub const LOGOUT_MESSAGE_SECONDS: i64 = 600;

/// A logout message must name where it goes and be recent (it has no one-time request to
/// answer, so this bounds how long a captured URL can be replayed).
pub fn check_fresh(
    message: &Message,
    destination: &str,
    now: crate::clock::UnixTime,
    skew: i64,
) -> Result<(), SamlError> {
    if message.attribute("Destination") != Some(destination) {
        return Err(SamlError::Destination);
    }
    let time = |name: &str| {
        message
            .attribute(name)
            .map(|t| {
                chrono::DateTime::parse_from_rfc3339(t)
                    .map(|t| t.timestamp())
                    .map_err(|_| SamlError::Malformed(format!("{name} is not a time")))
            })
            .transpose()
    };
    let issued =
        time("IssueInstant")?.ok_or_else(|| SamlError::Malformed("no IssueInstant".into()))?;
    if issued > now + skew {
        return Err(SamlError::NotYetValid);
    }
    if issued + LOGOUT_MESSAGE_SECONDS + skew <= now {
        return Err(SamlError::Expired);
    }
    if time("NotOnOrAfter")?.is_some_and(|until| until + skew <= now) {
        return Err(SamlError::Expired);
    }
    Ok(())
}

/// Reads the top of a protocol message (after the XML guard).
pub fn read(xml: &str) -> Result<Message, SamlError> {
    xml_guard::check(xml)?;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut message = Message::default();
    let mut depth = 0usize;
    let mut path: Vec<String> = Vec::new();
    let mut buffer = String::new();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| SamlError::Malformed(format!("XML: {e}")))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let qname = e.name();
                let name = String::from_utf8_lossy(qname.local_name().as_ref()).into_owned();
                let attributes: HashMap<String, String> = e
                    .attributes()
                    .filter_map(Result::ok)
                    .map(|a| {
                        (
                            String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned(),
                            quick_xml::escape::unescape(&String::from_utf8_lossy(&a.value))
                                .map(|v| v.into_owned())
                                .unwrap_or_default(),
                        )
                    })
                    .collect();
                if depth == 0 {
                    message.root = name.clone();
                    message.attributes = attributes;
                } else if depth == 2
                    && name == "StatusCode"
                    && path.last().map(String::as_str) == Some("Status")
                {
                    message.status = attributes.get("Value").cloned();
                }
                if matches!(event, Event::Start(_)) {
                    depth += 1;
                    path.push(name);
                    buffer.clear();
                }
            }
            Event::End(_) => {
                if depth == 2 {
                    let text = std::mem::take(&mut buffer).trim().to_string();
                    match path.last().map(String::as_str) {
                        Some("Issuer") => message.issuer = Some(text),
                        Some("NameID") => message.name_id = Some(text),
                        Some("SessionIndex") => message.session_index = Some(text),
                        _ => {}
                    }
                }
                depth = depth.saturating_sub(1);
                path.pop();
            }
            Event::Text(ref t) if depth == 2 => {
                let text = t
                    .decode()
                    .map_err(|e| SamlError::Malformed(format!("text: {e}")))?;
                buffer.push_str(&text);
            }
            Event::CData(ref t) if depth == 2 => {
                buffer.push_str(&String::from_utf8_lossy(t));
            }
            Event::GeneralRef(ref reference) if depth == 2 => {
                // The guard let only XML's five and character references through.
                let name = String::from_utf8_lossy(reference).into_owned();
                let reference = format!("&{name};");
                let resolved = quick_xml::escape::unescape(&reference)
                    .map_err(|e| SamlError::Malformed(format!("reference: {e}")))?;
                buffer.push_str(&resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn deflated(bytes: &[u8]) -> String {
        let mut deflater =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        deflater.write_all(bytes).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(deflater.finish().unwrap());
        url::form_urlencoded::byte_serialize(b64.as_bytes()).collect()
    }

    #[test]
    fn redirect_messages_inflate_within_the_limit() {
        let bomb = deflated(&vec![b' '; 10 * 1024 * 1024]);
        let refused = from_redirect(&format!("SAMLRequest={bomb}"), "SAMLRequest");
        assert!(matches!(refused, Err(SamlError::Malformed(m)) if m.contains("too large")));
        let fine = from_redirect(
            &format!("SAMLRequest={}&RelayState=a%20b", deflated(b"<r/>")),
            "SAMLRequest",
        )
        .unwrap();
        assert_eq!(fine.xml, "<r/>");
        assert_eq!(fine.relay_state.as_deref(), Some("a b"));
        assert!(matches!(
            from_redirect("SAMLRequest=x&SAMLRequest=y", "SAMLRequest"),
            Err(SamlError::Malformed(_))
        ));
        assert!(matches!(
            from_redirect(
                &format!("SAMLRequest={}&SigAlg=x", deflated(b"<r/>")),
                "SAMLRequest"
            ),
            Err(SamlError::Malformed(_))
        ));
    }
}

#[cfg(test)]
mod reading {
    use super::read;

    #[test]
    fn text_is_read_whole_with_its_references() {
        let message = read("<p:LogoutRequest xmlns:p=\"u\" ID=\"_1\"><s:Issuer xmlns:s=\"a\">https://sp.test/?a=1&amp;b=2</s:Issuer><s:NameID xmlns:s=\"a\">x&amp;bob@corp.com</s:NameID><p:SessionIndex><![CDATA[_i]]>&#49;</p:SessionIndex></p:LogoutRequest>").unwrap();
        assert_eq!(message.issuer.as_deref(), Some("https://sp.test/?a=1&b=2"));
        assert_eq!(message.name_id.as_deref(), Some("x&bob@corp.com"));
        assert_eq!(message.session_index.as_deref(), Some("_i1"));
        assert_eq!(message.attribute("ID"), Some("_1"));
    }
}
