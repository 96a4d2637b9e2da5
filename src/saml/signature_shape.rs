//! What a signature may look like before xmlsec sees it. xmlsec computes every Reference's digest
//! (fetching `http:` and `file:` URIs, running XPath and XSLT transforms, following Manifests)
//! before it checks the SignatureValue, so an unauthenticated message could make the server fetch
//! internal URLs, read files or burn CPU. SAML needs none of that: each signature has exactly one
//! Reference to its parent element by ID (`#id`), exclusive (or inclusive) canonicalization
//! without comments, the enveloped-signature transform, a SHA-256-or-stronger digest and
//! signature method, and a KeyInfo that is not read. Anything else is refused here, and so are
//! weak algorithms (RSA-SHA1, SHA-1 digests), told apart for the log.

use super::error::SamlError;
use quick_xml::events::{BytesStart, Event};

/// Response and Assertion: no SAML message needs more.
const MAX_SIGNATURES: usize = 2;

const CANONICALIZATIONS: [&str; 2] = [
    "http://www.w3.org/2001/10/xml-exc-c14n#",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
];
const TRANSFORMS: [&str; 3] = [
    "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
    "http://www.w3.org/2001/10/xml-exc-c14n#",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
];
const SIGNATURE_METHODS: [&str; 6] = [
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
];
const DIGESTS: [&str; 3] = [
    "http://www.w3.org/2001/04/xmlenc#sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512",
];
/// Elements a signature may contain (KeyInfo's content is never read, only allowed).
const ELEMENTS: [&str; 20] = [
    "SignedInfo",
    "CanonicalizationMethod",
    "SignatureMethod",
    "Reference",
    "Transforms",
    "Transform",
    "InclusiveNamespaces",
    "DigestMethod",
    "DigestValue",
    "SignatureValue",
    "KeyInfo",
    "KeyName",
    "KeyValue",
    "RSAKeyValue",
    "Modulus",
    "Exponent",
    "X509Data",
    "X509Certificate",
    "X509SubjectName",
    "X509IssuerSerial",
];
const X509_SERIAL: [&str; 2] = ["X509IssuerName", "X509SerialNumber"];

fn local(name: &[u8]) -> String {
    let name = match name.iter().rposition(|b| *b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    };
    String::from_utf8_lossy(name).into_owned()
}

fn attribute(element: &BytesStart<'_>, name: &str) -> Result<Option<String>, SamlError> {
    Ok(element
        .try_get_attribute(name)
        .map_err(|e| SamlError::Malformed(format!("attribute: {e}")))?
        .map(|a| String::from_utf8_lossy(&a.value).into_owned()))
}

/// Checks every Signature in `xml` (which passed the XML guard).
pub fn check(xml: &str) -> Result<(), SamlError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    // (local name, ID attribute) of every open element.
    let mut stack: Vec<(String, Option<String>)> = Vec::new();
    let mut signatures = 0usize;
    // Inside a Signature: its depth in the stack and the Reference URI it must use.
    let mut inside: Option<(usize, String)> = None;
    let mut references = 0usize;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| SamlError::Malformed(format!("XML: {e}")))?;
        let (element, opens) = match &event {
            Event::Start(e) => (e, true),
            Event::Empty(e) => (e, false),
            Event::End(_) => {
                stack.pop();
                if inside
                    .as_ref()
                    .is_some_and(|(depth, _)| stack.len() <= *depth)
                {
                    if references != 1 {
                        return Err(SamlError::BadSignature);
                    }
                    inside = None;
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let name = local(element.name().as_ref());
        if let Some((_, expected_uri)) = &inside {
            let allowed = ELEMENTS.contains(&name.as_str()) || X509_SERIAL.contains(&name.as_str());
            if !allowed {
                // Object, Manifest, RetrievalMethod, XPath, XSLT, a nested Signature...
                return Err(SamlError::BadSignature);
            }
            let algorithm = attribute(element, "Algorithm")?;
            match name.as_str() {
                "Reference" => {
                    references += 1;
                    if attribute(element, "URI")?.as_deref() != Some(expected_uri.as_str()) {
                        return Err(SamlError::BadSignature);
                    }
                }
                "CanonicalizationMethod"
                    if !algorithm
                        .as_deref()
                        .is_some_and(|a| CANONICALIZATIONS.contains(&a)) =>
                {
                    return Err(SamlError::BadSignature);
                }
                "Transform"
                    if !algorithm
                        .as_deref()
                        .is_some_and(|a| TRANSFORMS.contains(&a)) =>
                {
                    return Err(SamlError::BadSignature);
                }
                "SignatureMethod"
                    if !algorithm
                        .as_deref()
                        .is_some_and(|a| SIGNATURE_METHODS.contains(&a)) =>
                {
                    return Err(SamlError::WeakAlgorithm);
                }
                "DigestMethod" if !algorithm.as_deref().is_some_and(|a| DIGESTS.contains(&a)) => {
                    return Err(SamlError::WeakAlgorithm);
                }
                _ => {}
            }
        } else if name == "Signature" {
            signatures += 1;
            if signatures > MAX_SIGNATURES {
                return Err(SamlError::BadSignature);
            }
            let parent_id = stack
                .last()
                .and_then(|(_, id)| id.clone())
                .ok_or(SamlError::BadSignature)?;
            inside = Some((stack.len(), format!("#{parent_id}")));
            references = 0;
            if !opens {
                return Err(SamlError::BadSignature);
            }
        }
        if opens {
            stack.push((name, attribute(element, "ID")?));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signature(reference: &str, extra: &str, method: &str) -> String {
        format!(
            "<r ID=\"_a\"><ds:Signature xmlns:ds=\"x\"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/><ds:SignatureMethod Algorithm=\"{method}\"/><ds:Reference URI=\"{reference}\"><ds:Transforms><ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/></ds:Transforms><ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><ds:DigestValue>x</ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>x</ds:SignatureValue>{extra}</ds:Signature></r>"
        )
    }

    #[test]
    fn only_plain_enveloped_signatures_pass() {
        let sha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
        assert!(check(&signature("#_a", "", sha256)).is_ok());
        assert!(matches!(
            check(&signature(
                "#_a",
                "",
                "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
            )),
            Err(SamlError::WeakAlgorithm)
        ));
        for bad in [
            signature("http://169.254.169.254/latest", "", sha256),
            signature("file:///etc/passwd", "", sha256),
            signature("#_other", "", sha256),
            signature("", "", sha256),
            signature("#_a", "<ds:Object><ds:Manifest/></ds:Object>", sha256),
            signature(
                "#_a",
                "<ds:KeyInfo><ds:RetrievalMethod URI=\"http://x\"/></ds:KeyInfo>",
                sha256,
            ),
            signature("#_a", "", sha256).replace("enveloped-signature", "xslt"),
            signature("#_a", "", sha256).replace("xml-exc-c14n#", "xml-exc-c14n#WithComments"),
            signature("#_a", "", sha256).replace(
                "</ds:Reference>",
                "</ds:Reference><ds:Reference URI=\"#_a\"/>",
            ),
            signature("#_a", "", sha256).replace("<r ID=\"_a\">", "<r>"),
        ] {
            assert!(check(&bad).is_err(), "{bad}");
        }
        let three = format!(
            "<r ID=\"_a\">{}</r>",
            [1, 2, 3]
                .map(|_| signature("#_a", "", sha256)
                    .replace("<r ID=\"_a\">", "")
                    .replace("</r>", ""))
                .concat()
        );
        assert!(check(&three).is_err());
    }
}
