//! Usernames: an optional second identifier. ASCII only, so no two usernames look alike.

use super::FieldError;

/// A valid username in normal (lower-case) form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    /// 3 to 32 characters: letters, digits, `.`, `_`, `-`, starting with a letter or digit.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let value = input.trim().to_ascii_lowercase();
        let err = |m: &str| FieldError::new("username", m);
        if !value.is_ascii() || !input.trim().is_ascii() {
            return Err(err(
                "Use only letters a-z, digits, dots, dashes and underscores.",
            ));
        }
        if value.len() < 3 || value.len() > 32 {
            return Err(err("A username has 3 to 32 characters."));
        }
        let mut chars = value.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
        let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !first_ok || !rest_ok {
            return Err(err(
                "Use only letters a-z, digits, dots, dashes and underscores, starting with a letter or digit.",
            ));
        }
        Ok(Self(value))
    }

    /// The normalised username.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Consumes into the stored string.
    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Username;

    #[test]
    fn accepts_and_lowercases() {
        assert_eq!(
            Username::parse(" Ada.L ").map(|u| u.0),
            Ok("ada.l".to_string())
        );
    }

    #[test]
    fn refuses_look_alikes() {
        for bad in [
            "\u{430}da",
            "ad",
            "-ada",
            "ada lovelace",
            "ad@a",
            "ａｄａ",
            &"a".repeat(33),
        ] {
            assert!(Username::parse(bad).is_err(), "{bad:?}");
        }
    }
}
