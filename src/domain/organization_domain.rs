//! Rules for the domains an organization claims: the normal form, the public mail providers that
//! nobody can claim, the enrollment modes, and the verification code.

use super::FieldError;

/// What a verified domain does for people with an address there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrollmentMode {
    /// Nothing happens by itself; admins invite people.
    Manual,
    /// New and existing users with a verified address at the domain get an invitation.
    AutomaticInvitation,
    /// Such users are offered to join (one click, with the default role) on their account page.
    AutomaticSuggestion,
}

impl EnrollmentMode {
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        match text {
            "manual" => Ok(Self::Manual),
            "automatic_invitation" => Ok(Self::AutomaticInvitation),
            "automatic_suggestion" => Ok(Self::AutomaticSuggestion),
            _ => Err(FieldError::new(
                "mode",
                "must be manual, automatic_invitation or automatic_suggestion",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::AutomaticInvitation => "automatic_invitation",
            Self::AutomaticSuggestion => "automatic_suggestion",
        }
    }
}

/// Mail domains shared by the public: owning an address there proves nothing about an
/// organization, so none of them (nor a subdomain of one) can be claimed.
pub const PUBLIC_EMAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "google.com",
    "yahoo.com",
    "yahoo.co.uk",
    "yahoo.co.jp",
    "yahoo.fr",
    "yahoo.de",
    "ymail.com",
    "rocketmail.com",
    "outlook.com",
    "hotmail.com",
    "hotmail.co.uk",
    "hotmail.fr",
    "live.com",
    "live.co.uk",
    "msn.com",
    "passport.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "aim.com",
    "proton.me",
    "protonmail.com",
    "protonmail.ch",
    "pm.me",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "gmx.at",
    "gmx.ch",
    "web.de",
    "t-online.de",
    "freenet.de",
    "mail.com",
    "email.com",
    "yandex.com",
    "yandex.ru",
    "ya.ru",
    "mail.ru",
    "bk.ru",
    "inbox.ru",
    "list.ru",
    "rambler.ru",
    "zoho.com",
    "zohomail.com",
    "qq.com",
    "foxmail.com",
    "163.com",
    "126.com",
    "yeah.net",
    "sina.com",
    "naver.com",
    "daum.net",
    "hanmail.net",
    "fastmail.com",
    "fastmail.fm",
    "hey.com",
    "tutanota.com",
    "tuta.io",
    "tutamail.com",
    "mailbox.org",
    "posteo.de",
    "orange.fr",
    "wanadoo.fr",
    "free.fr",
    "laposte.net",
    "sfr.fr",
    "libero.it",
    "virgilio.it",
    "tiscali.it",
    "btinternet.com",
    "sky.com",
    "comcast.net",
    "verizon.net",
    "att.net",
    "sbcglobal.net",
    "cox.net",
    "rediffmail.com",
    "seznam.cz",
    "wp.pl",
    "o2.pl",
    "interia.pl",
    "onet.pl",
    "bol.com.br",
    "uol.com.br",
    "terra.com.br",
    "hushmail.com",
    "duck.com",
    "mailinator.com",
    "guerrillamail.com",
    "10minutemail.com",
    "temp-mail.org",
    "example.net",
    "example.com",
    "example.org",
    // Relays and alias services: anyone can get an address there.
    "privaterelay.appleid.com",
    "mozmail.com",
    "simplelogin.com",
    "simplelogin.co",
    "aleeas.com",
    "slmail.me",
    "passmail.net",
    "passinbox.com",
    "addy.io",
    "anonaddy.me",
    "anonaddy.com",
    "33mail.com",
    // Country variants of the large providers.
    "outlook.de",
    "outlook.fr",
    "outlook.es",
    "outlook.it",
    "outlook.jp",
    "hotmail.de",
    "hotmail.it",
    "hotmail.es",
    "live.fr",
    "live.de",
    "live.it",
    "live.nl",
    "yahoo.es",
    "yahoo.it",
    "yahoo.com.br",
    "yahoo.ca",
    "yahoo.in",
    "gmx.fr",
    "gmx.us",
    "yandex.ua",
    "yandex.by",
    "yandex.kz",
    "sohu.com",
    "aliyun.com",
    "139.com",
    "189.cn",
    "sina.cn",
    // Shared hosting suffixes where anyone gets a subdomain.
    "github.io",
    "gitlab.io",
    "herokuapp.com",
    "vercel.app",
    "netlify.app",
    "pages.dev",
    "blogspot.com",
    "wordpress.com",
    "azurewebsites.net",
    "appspot.com",
    "co.uk",
    "com.au",
    "co.jp",
    "com.br",
];

/// Whether a normalised domain is (under) a public mail provider.
pub fn is_public(domain: &str) -> bool {
    PUBLIC_EMAIL_DOMAINS.iter().any(|p| {
        domain == *p
            || domain
                .strip_suffix(p)
                .is_some_and(|rest| rest.ends_with('.'))
    })
}

/// Checks and normalises a domain to claim.
pub fn check_domain(input: &str) -> Result<String, FieldError> {
    let input = input.trim();
    if input.len() > 253 || input.contains(['@', '/', ':', ' ']) {
        return Err(FieldError::new(
            "domain",
            "must be a domain name like example.com",
        ));
    }
    let domain = super::email::normalise_domain(input)
        .ok_or_else(|| FieldError::new("domain", "must be a domain name like example.com"))?;
    if is_public(&domain) {
        return Err(FieldError::new(
            "domain",
            format!("{domain} is a public mail provider; anyone can have an address there"),
        ));
    }
    Ok(domain)
}

/// A verification code: 8 digits.
pub fn new_code() -> String {
    let bytes = crate::crypto::random::random_bytes::<8>();
    let n = u64::from_le_bytes(bytes) % 100_000_000;
    format!("{n:08}")
}

/// How many wrong codes end a verification attempt (a new code must be sent).
pub const MAX_CODE_ATTEMPTS: i64 = 5;

/// How many wrong codes a claim may see over its life, across codes.
pub const MAX_WRONG_CODES_TOTAL: i64 = 25;

/// How long a code works.
pub const CODE_SECONDS: i64 = 3600;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains() {
        assert_eq!(
            check_domain(" Acme.COM. ").ok().as_deref(),
            Some("acme.com")
        );
        assert_eq!(
            check_domain("bücher.example").ok().as_deref(),
            Some("xn--bcher-kva.example")
        );
        for bad in [
            "gmail.com",
            "GMail.com",
            "eu.mail.yahoo.com",
            "proton.me",
            "localhost",
            "10.0.0.1",
            "a@b.com",
            "https://acme.com",
            "",
        ] {
            assert!(check_domain(bad).is_err(), "{bad}");
        }
        assert!(check_domain("notgmail.com").is_ok());
    }

    #[test]
    fn codes_are_eight_digits() {
        for _ in 0..100 {
            let code = new_code();
            assert_eq!(code.len(), 8);
            assert!(code.chars().all(|c| c.is_ascii_digit()));
        }
    }
}
