//! Scope sets (RFC 6749 §3.3): space-separated tokens, order and repeats insignificant. Stored and
//! compared in one canonical form (sorted, unique), so "remembered consent covers this request" is
//! a subset test.

use super::error::OAuthError;
use std::collections::BTreeSet;

/// A set of scopes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scopes(BTreeSet<String>);

impl Scopes {
    /// Parses a `scope` parameter. Each token must be `%x21 / %x23-5B / %x5D-7E` (RFC 6749 §3.3).
    pub fn parse(text: &str) -> Result<Self, OAuthError> {
        if text.len() > 1000 {
            return Err(OAuthError::invalid_scope("scope is too long"));
        }
        let mut set = BTreeSet::new();
        for token in text.split(' ').filter(|t| !t.is_empty()) {
            let valid = token
                .bytes()
                .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b));
            if !valid {
                return Err(OAuthError::invalid_scope(
                    "scope contains invalid characters",
                ));
            }
            set.insert(token.to_string());
        }
        Ok(Self(set))
    }

    /// Parses a stored scope string (already canonical).
    pub fn from_stored(text: &str) -> Self {
        Self(
            text.split(' ')
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
        )
    }

    pub fn contains(&self, scope: &str) -> bool {
        self.0.contains(scope)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// True when every scope here is also in `other`.
    pub fn is_subset(&self, other: &Scopes) -> bool {
        self.0.is_subset(&other.0)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    pub fn remove(&mut self, scope: &str) {
        self.0.remove(scope);
    }

    /// Both sets together.
    pub fn union(&self, other: &Scopes) -> Scopes {
        Scopes(self.0.union(&other.0).cloned().collect())
    }

    /// The canonical string form.
    pub fn to_text(&self) -> String {
        self.0.iter().cloned().collect::<Vec<_>>().join(" ")
    }
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::Scopes;

    #[test]
    fn canonical_and_checked() {
        let s = Scopes::parse("  profile openid  profile ").expect("valid");
        assert_eq!(s.to_text(), "openid profile");
        assert!(Scopes::parse("open\"id").is_err());
        assert!(Scopes::parse("a\\b").is_err());
        assert!(Scopes::parse("é").is_err());
        assert!(Scopes::parse("openid").expect("v").is_subset(&s));
    }
}
