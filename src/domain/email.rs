//! Email addresses: parsed, checked and normalised so that one mailbox has one spelling.
//!
//! Normal form: the local part lower-cased (Tessera treats addresses case-insensitively, as every
//! large mail provider does), the domain mapped by IDNA (UTS #46) to its ASCII form. The local part
//! must be ASCII: internationalised local parts are rare, poorly supported by SMTP relays, and the
//! main source of look-alike addresses.

use super::FieldError;

/// RFC 5321: 64 octets of local part, 254 of address in a path.
const MAX_LOCAL: usize = 64;
const MAX_ADDRESS: usize = 254;

/// A syntactically valid address in normal form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses and normalises what a person typed.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let err = |m: &str| FieldError::new("email", m);
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(err("Enter your email address."));
        }
        if trimmed.len() > MAX_ADDRESS * 4 {
            return Err(err("That email address is too long."));
        }
        let Some((local, domain)) = trimmed.rsplit_once('@') else {
            return Err(err("Enter an email address like name@example.com."));
        };
        if local.is_empty() || domain.is_empty() {
            return Err(err("Enter an email address like name@example.com."));
        }
        if !local.is_ascii() {
            return Err(err(
                "Use only ASCII letters, digits and punctuation before the @.",
            ));
        }
        if local.len() > MAX_LOCAL || !is_dot_atom(local) {
            return Err(err("The part before the @ is not a valid address."));
        }
        let domain = normalise_domain(domain)
            .ok_or_else(|| err("The part after the @ is not a valid domain."))?;
        let address = format!("{}@{}", local.to_ascii_lowercase(), domain);
        if address.len() > MAX_ADDRESS {
            return Err(err("That email address is too long."));
        }
        Ok(Self(address))
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The domain part (ASCII).
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }

    /// Wraps an address read back from storage, which was normalised when written.
    pub fn from_trusted(stored: String) -> Self {
        Self(stored)
    }
}

impl std::fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// RFC 5322 dot-atom: atext runs separated by single dots. Quoted local parts are refused.
fn is_dot_atom(local: &str) -> bool {
    const SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~";
    local.split('.').all(|atom| {
        !atom.is_empty()
            && atom
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || SPECIALS.contains(c))
    })
}

/// UTS #46 mapping to ASCII (so `EXAMPLE.com`, `ｅｘａｍｐｌｅ.com` and `example.com` are one domain),
/// then LDH checks: at least two labels, none longer than 63, a non-numeric top label.
pub fn normalise_domain(domain: &str) -> Option<String> {
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    let ascii = idna::domain_to_ascii(domain).ok()?;
    if ascii.is_empty() || ascii.len() > 253 {
        return None;
    }
    let labels: Vec<&str> = ascii.split('.').collect();
    if labels.len() < 2 {
        return None;
    }
    let ldh = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if !labels.iter().all(ldh) {
        return None;
    }
    let top = labels.last()?;
    if top.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(ascii)
}

#[cfg(test)]
mod tests {
    use super::EmailAddress;

    fn ok(s: &str) -> String {
        EmailAddress::parse(s)
            .map(|e| e.0)
            .unwrap_or_else(|e| format!("ERR {e}"))
    }

    #[test]
    fn normalises_case_and_width() {
        assert_eq!(ok("  Ada@Example.COM "), "ada@example.com");
        assert_eq!(ok("ada@ｅｘａｍｐｌｅ.com"), "ada@example.com");
        assert_eq!(ok("o'brien+tag@example.com"), "o'brien+tag@example.com");
        assert_eq!(ok("ada@bücher.example"), "ada@xn--bcher-kva.example");
    }

    #[test]
    fn refuses_look_alikes_and_malformed() {
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "\u{430}da@example.com",
            "a..b@example.com",
            ".a@example.com",
            "ada@localhost",
            "ada@example..com",
            "ada@-x.com",
            "ada@1.2.3.4",
            "\"quoted\"@example.com",
            "ada@exa mple.com",
            "<script>@example.com",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} accepted");
        }
        let long = format!("{}@example.com", "a".repeat(65));
        assert!(EmailAddress::parse(&long).is_err());
    }
}
