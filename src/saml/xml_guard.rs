//! The first look at any XML a partner sends, before a parser that resolves anything sees it:
//! well-formed, not too deep, and free of what SAML never needs and attacks use: DTDs and entity
//! declarations (XXE, billion laughs), entity references other than XML's five, comments and
//! processing instructions (a comment inside a NameID splits it without breaking the signature,
//! since canonicalization drops comments).

use super::error::SamlError;
use quick_xml::events::Event;

/// Deeper nesting than any SAML message needs.
const MAX_DEPTH: usize = 48;

/// What the scan saw of the document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shape {
    /// The root element's local name.
    pub root: String,
    /// Whether any `Signature` element occurs outside encrypted content.
    pub signed: bool,
    /// Whether an `EncryptedAssertion` occurs.
    pub encrypted: bool,
    /// The root element's `ID`.
    pub root_id: Option<String>,
    /// Every `Assertion` and `EncryptedAssertion` element: its `ID` (if any) and depth (the
    /// root's children are at depth 1).
    pub assertions: Vec<(Option<String>, usize)>,
    /// The top-level status code (`Status/StatusCode/@Value` directly under the root).
    pub status: Option<String>,
}

fn local(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|b| *b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// Scans `xml`; refuses anything but plain elements, attributes and text.
pub fn check(xml: &str) -> Result<Shape, SamlError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    reader.config_mut().check_comments = true;
    let mut shape = Shape::default();
    let mut depth = 0usize;
    let mut roots = 0usize;
    let mut in_encrypted = 0usize;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| SamlError::Malformed(format!("XML: {e}")))?;
        match event {
            Event::DocType(_) => return Err(SamlError::Dtd),
            Event::Comment(_) | Event::PI(_) => return Err(SamlError::Comment),
            Event::GeneralRef(reference) => {
                let name: &[u8] = &reference;
                let predefined = matches!(name, b"lt" | b"gt" | b"amp" | b"apos" | b"quot");
                if !predefined && !name.starts_with(b"#") {
                    return Err(SamlError::Dtd);
                }
            }
            Event::Start(ref element) | Event::Empty(ref element) => {
                let is_empty = matches!(event, Event::Empty(_));
                if depth == 0 {
                    roots += 1;
                    if roots > 1 {
                        return Err(SamlError::Malformed("more than one root".into()));
                    }
                    shape.root = String::from_utf8_lossy(local(element.name().as_ref())).into();
                    shape.root_id = id_of(element)?;
                }
                let qname = element.name();
                let name = local(qname.as_ref());
                if name == b"StatusCode" && depth == 2 && shape.status.is_none() {
                    shape.status = element
                        .try_get_attribute("Value")
                        .map_err(|e| SamlError::Malformed(format!("attribute: {e}")))?
                        .map(|a| String::from_utf8_lossy(&a.value).into_owned());
                }
                if in_encrypted > 0 && (name == b"Assertion" || name == b"Signature") {
                    // Encrypted content is ciphertext: plaintext there is a hiding place.
                    return Err(SamlError::Wrapped);
                }
                if (name == b"Assertion" || name == b"EncryptedAssertion") && in_encrypted == 0 {
                    shape.assertions.push((id_of(element)?, depth));
                }
                if name == b"EncryptedAssertion" {
                    shape.encrypted = true;
                    if !is_empty {
                        in_encrypted += 1;
                    }
                } else if name == b"Signature" && in_encrypted == 0 {
                    shape.signed = true;
                }
                for attribute in element.attributes() {
                    let attribute =
                        attribute.map_err(|e| SamlError::Malformed(format!("attribute: {e}")))?;
                    let key = attribute.key.as_ref();
                    if key != b"ID" && local(key) == b"ID" {
                        // libxml2 may take a prefixed ID for the element's ID; we read `ID`.
                        return Err(SamlError::Malformed("prefixed ID attribute".into()));
                    }
                    if attribute.value.contains(&b'&') {
                        let value = attribute.value.as_ref();
                        check_references(value)?;
                    }
                }
                if !is_empty {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err(SamlError::Malformed("nested too deeply".into()));
                    }
                }
            }
            Event::End(ref element) => {
                if local(element.name().as_ref()) == b"EncryptedAssertion" {
                    in_encrypted = in_encrypted.saturating_sub(1);
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(ref text) => {
                if depth == 0 && !text.iter().all(u8::is_ascii_whitespace) {
                    return Err(SamlError::Malformed("text outside the root".into()));
                }
            }
            Event::Eof => break,
            Event::Decl(ref declaration) => {
                // libxml2 honours a declared encoding (UTF-7 would hide markup from this scan).
                if let Some(encoding) = declaration.encoding() {
                    let encoding =
                        encoding.map_err(|e| SamlError::Malformed(format!("declaration: {e}")))?;
                    if !encoding.eq_ignore_ascii_case(b"UTF-8") {
                        return Err(SamlError::Malformed("only UTF-8 is read".into()));
                    }
                }
            }
            Event::CData(_) => {}
        }
    }
    if roots == 0 {
        return Err(SamlError::Malformed("no root element".into()));
    }
    Ok(shape)
}

fn id_of(element: &quick_xml::events::BytesStart<'_>) -> Result<Option<String>, SamlError> {
    Ok(element
        .try_get_attribute("ID")
        .map_err(|e| SamlError::Malformed(format!("attribute: {e}")))?
        .map(|a| String::from_utf8_lossy(&a.value).into_owned()))
}

/// Entity references inside an attribute value: only XML's five and character references.
fn check_references(value: &[u8]) -> Result<(), SamlError> {
    let mut rest = value;
    while let Some(start) = rest.iter().position(|b| *b == b'&') {
        let after = &rest[start + 1..];
        let end = after
            .iter()
            .position(|b| *b == b';')
            .ok_or_else(|| SamlError::Malformed("unterminated reference".into()))?;
        let name = &after[..end];
        let predefined = matches!(name, b"lt" | b"gt" | b"amp" | b"apos" | b"quot");
        if !predefined && !name.starts_with(b"#") {
            return Err(SamlError::Dtd);
        }
        rest = &after[end + 1..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_documents_pass_and_tricks_do_not() {
        let ok = check(r#"<?xml version="1.0"?><p:Response xmlns:p="urn:x"><a:Assertion xmlns:a="urn:y"><ds:Signature xmlns:ds="d"/>x &amp; y &#65;</a:Assertion></p:Response>"#).unwrap();
        assert_eq!(ok.root, "Response");
        assert!(ok.signed);
        assert!(!ok.encrypted);
        let dtd = r#"<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>"#;
        assert!(matches!(check(dtd), Err(SamlError::Dtd)));
        assert!(matches!(check("<r>&x;</r>"), Err(SamlError::Dtd)));
        assert!(matches!(check(r#"<r a="&x;"/>"#), Err(SamlError::Dtd)));
        assert!(matches!(
            check("<r>a<!-- -->b</r>"),
            Err(SamlError::Comment)
        ));
        assert!(matches!(check("<r><?pi x?></r>"), Err(SamlError::Comment)));
        assert!(matches!(check("<r></s>"), Err(SamlError::Malformed(_))));
        assert!(matches!(check("<r/><r/>"), Err(SamlError::Malformed(_))));
        assert!(matches!(check(""), Err(SamlError::Malformed(_))));
        let deep = "<a>".repeat(60) + &"</a>".repeat(60);
        assert!(matches!(check(&deep), Err(SamlError::Malformed(_))));
        let hidden = r#"<r><EncryptedAssertion><Signature/></EncryptedAssertion></r>"#;
        assert!(matches!(check(hidden), Err(SamlError::Wrapped)));
        let shape =
            check("<r><EncryptedAssertion><EncryptedData/></EncryptedAssertion></r>").unwrap();
        assert!(shape.encrypted && !shape.signed);
        assert!(check(r#"<?xml version="1.0" encoding="UTF-7"?><r/>"#).is_err());
        assert!(check(r#"<?xml version="1.0" encoding="utf-8"?><r/>"#).is_ok());
        assert!(check(r#"<r xmlns:x="u" x:ID="_a"/>"#).is_err());
    }
}
