//! Profile fields a person or an administrator edits: names, picture, locale.

use super::FieldError;
use unicode_normalization::UnicodeNormalization;

/// Longest accepted display name or name part, in characters.
pub const MAX_NAME_CHARS: usize = 100;
const MAX_URL_LEN: usize = 2048;

/// Profile fields after validation; `None` clears a field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub picture: Option<String>,
    pub locale: Option<String>,
}

/// A free-text name: trimmed, NFC-normalised, at most [`MAX_NAME_CHARS`], no control or
/// bidirectional-override characters (which would let a name rewrite the text around it).
/// Empty input means "no value".
pub fn parse_name(field: &'static str, input: &str) -> Result<Option<String>, FieldError> {
    let value: String = input.trim().nfc().collect();
    if value.is_empty() {
        return Ok(None);
    }
    if value.chars().count() > MAX_NAME_CHARS {
        return Err(FieldError::new(
            field,
            format!("Use at most {MAX_NAME_CHARS} characters."),
        ));
    }
    if value.chars().any(is_forbidden_in_text) {
        return Err(FieldError::new(
            field,
            "Remove control and text-direction characters.",
        ));
    }
    Ok(Some(value))
}

/// Control characters and the Unicode bidi embedding/override/isolate controls.
pub fn is_forbidden_in_text(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
        || matches!(c, '\u{FEFF}' | '\u{2028}' | '\u{2029}')
}

/// An https URL of a picture; empty input clears it.
pub fn parse_picture(input: &str) -> Result<Option<String>, FieldError> {
    let value = input.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let err = || FieldError::new("picture", "Enter an https:// address of an image.");
    if value.len() > MAX_URL_LEN {
        return Err(err());
    }
    let url = url::Url::parse(value).map_err(|_| err())?;
    if url.scheme() != "https" || url.host_str().is_none() || !url.username().is_empty() {
        return Err(err());
    }
    Ok(Some(url.to_string()))
}

/// A BCP 47 language tag such as `en`, `pt-BR` or `zh-Hant-TW`; empty input clears it.
pub fn parse_locale(input: &str) -> Result<Option<String>, FieldError> {
    let value = input.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let err = || FieldError::new("locale", "Enter a language tag such as en or pt-BR.");
    if value.len() > 35 {
        return Err(err());
    }
    let mut parts = value.split(['-', '_']);
    let language = parts.next().unwrap_or_default();
    if !(2..=3).contains(&language.len()) || !language.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(err());
    }
    let mut normalised = language.to_ascii_lowercase();
    for part in parts {
        if part.is_empty() || part.len() > 8 || !part.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(err());
        }
        normalised.push('-');
        match part.len() {
            2 => normalised.push_str(&part.to_ascii_uppercase()),
            4 => {
                let mut chars = part.chars();
                if let Some(first) = chars.next() {
                    normalised.push(first.to_ascii_uppercase());
                }
                normalised.push_str(&chars.as_str().to_ascii_lowercase());
            }
            _ => normalised.push_str(&part.to_ascii_lowercase()),
        }
    }
    Ok(Some(normalised))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalised_and_bounded() {
        assert_eq!(parse_name("name", "  Ada  "), Ok(Some("Ada".into())));
        assert_eq!(parse_name("name", "e\u{301}"), Ok(Some("\u{e9}".into())));
        assert_eq!(parse_name("name", "   "), Ok(None));
        assert!(parse_name("name", "a\u{202E}b").is_err());
        assert!(parse_name("name", "a\u{0}b").is_err());
        assert!(parse_name("name", &"x".repeat(101)).is_err());
        assert_eq!(
            parse_name("name", "<b>'; DROP TABLE users;--"),
            Ok(Some("<b>'; DROP TABLE users;--".into()))
        );
    }

    #[test]
    fn locales() {
        assert_eq!(parse_locale("pt_br"), Ok(Some("pt-BR".into())));
        assert_eq!(parse_locale("zh-hant-tw"), Ok(Some("zh-Hant-TW".into())));
        assert!(parse_locale("english!").is_err());
    }

    #[test]
    fn pictures_must_be_https() {
        assert!(parse_picture("javascript:alert(1)").is_err());
        assert!(parse_picture("http://example.com/a.png").is_err());
        assert!(parse_picture("https://example.com/a.png").is_ok());
    }
}
