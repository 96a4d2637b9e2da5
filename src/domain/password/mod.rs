//! The password policy of ASVS 5.0 V6.2: at least 8 characters, at least 64 allowed, no
//! composition rules, nothing truncated, and no password from a list of common ones or made of
//! words from the account itself.

use super::FieldError;
use std::collections::HashSet;
use unicode_normalization::UnicodeNormalization;

/// The shortest password accepted (ASVS 6.2.1).
pub const MIN_CHARS: usize = 8;
/// The longest password accepted: well above ASVS's 64, and a bound on request size.
pub const MAX_CHARS: usize = 256;

const COMMON_PASSWORDS: &str = include_str!("common-passwords.txt");

/// The policy, holding the common-password list (loaded once into `AppState`).
#[derive(Debug)]
pub struct PasswordPolicy {
    common: HashSet<&'static str>,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self::new()
    }
}

impl PasswordPolicy {
    /// Loads the shipped list of common passwords.
    pub fn new() -> Self {
        Self {
            common: COMMON_PASSWORDS.lines().filter(|l| !l.is_empty()).collect(),
        }
    }

    /// Checks a new password. `context` holds words from the account (email, username, names)
    /// and the product name, which a password must not be (ASVS 6.2.11).
    pub fn check(
        &self,
        field: &'static str,
        password: &str,
        context: &[&str],
    ) -> Result<(), FieldError> {
        let normalised = normalise(password);
        let length = normalised.chars().count();
        if length < MIN_CHARS {
            return Err(FieldError::new(
                field,
                format!("Use at least {MIN_CHARS} characters."),
            ));
        }
        if length > MAX_CHARS {
            return Err(FieldError::new(
                field,
                format!("Use at most {MAX_CHARS} characters."),
            ));
        }
        let lower = normalised.to_lowercase();
        if self.common.contains(lower.as_str()) {
            return Err(FieldError::new(
                field,
                "This password is too common. Choose one that is harder to guess.",
            ));
        }
        let words = context
            .iter()
            .flat_map(|w| {
                let w = w.to_lowercase();
                let local = w.split('@').next().unwrap_or_default().to_string();
                [w, local]
            })
            .filter(|w| w.chars().count() >= 4);
        for word in words {
            if lower == word
                || lower.trim_end_matches(|c: char| c.is_ascii_digit() || c == '!') == word
            {
                return Err(FieldError::new(
                    field,
                    "Do not use your email address, name or the product's name as your password.",
                ));
            }
        }
        Ok(())
    }
}

/// NFKC, so the same password typed on different keyboards or systems is the same bytes.
pub fn normalise(password: &str) -> String {
    password.nfkc().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        let p = PasswordPolicy::new();
        assert!(p.check("password", "short", &[]).is_err());
        assert!(p.check("password", "password123", &[]).is_err());
        assert!(
            p.check("password", "Password123", &[]).is_err(),
            "case-insensitive list"
        );
        assert!(
            p.check("password", "correct horse battery staple", &[])
                .is_ok()
        );
        assert!(
            p.check("password", "adalovelace", &["adalovelace@example.com"])
                .is_err()
        );
        assert!(
            p.check("password", "adalovelace1", &["adalovelace@example.com"])
                .is_err()
        );
        assert!(
            p.check("password", &"x".repeat(64), &[]).is_ok(),
            "64 characters allowed"
        );
        assert!(p.check("password", &"é".repeat(256), &[]).is_ok());
        assert!(p.check("password", &"é".repeat(257), &[]).is_err());
        assert!(
            p.check("password", "ジ".repeat(4).as_str(), &[]).is_err(),
            "4 chars"
        );
    }
}
