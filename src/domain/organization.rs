//! Organizations, roles and memberships: what a slug, a role key and a permission may look like,
//! the built-in roles every organization has, and the rule that an organization never loses its
//! last admin. Pure rules, no I/O.

use super::FieldError;

/// The role that manages the organization. Every organization has it; it cannot be deleted.
pub const ADMIN_ROLE: &str = "admin";
/// The role new members get unless the organization says otherwise. Built in.
pub const MEMBER_ROLE: &str = "member";

/// The permissions of the built-in roles.
pub fn built_in_roles() -> [(&'static str, &'static str, Vec<String>); 2] {
    [
        (
            ADMIN_ROLE,
            "Admin",
            ["org:manage", "org:members:manage", "org:members:read"]
                .map(String::from)
                .to_vec(),
        ),
        (
            MEMBER_ROLE,
            "Member",
            ["org:members:read"].map(String::from).to_vec(),
        ),
    ]
}

/// An organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub logo_url: Option<String>,
    pub public_metadata: serde_json::Value,
    pub private_metadata: serde_json::Value,
    pub default_role: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A role of an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub key: String,
    pub name: String,
    pub permissions: Vec<String>,
    pub built_in: bool,
}

/// A user's membership of an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub organization_id: String,
    pub user_id: String,
    pub role: String,
    /// Deactivated by the organization's directory (SCIM `active: false`): the user keeps the
    /// membership but cannot act in the organization until it is reactivated.
    pub disabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Checks a slug: 2 to 63 of `a-z 0-9 -`, not starting or ending with `-` (it appears in URLs and
/// in `organization=` parameters).
pub fn check_slug(slug: &str) -> Result<String, FieldError> {
    let ok = (2..=63).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if !ok {
        return Err(FieldError::new(
            "slug",
            "must be 2 to 63 lowercase letters, digits and dashes, not starting or ending with a dash",
        ));
    }
    // Organizations are found by id or slug; a slug shaped like an id would be ambiguous.
    if uuid::Uuid::parse_str(slug).is_ok() {
        return Err(FieldError::new(
            "slug",
            "must not look like an organization id",
        ));
    }
    Ok(slug.to_string())
}

/// A slug made from a name: lowercase ASCII letters and digits, other runs become one dash.
pub fn slug_from_name(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_matches('-').chars().take(63).collect();
    slug.trim_end_matches('-').to_string()
}

/// Checks an organization or role name: 1 to 100 characters without control characters.
pub fn check_name(field: &'static str, name: &str) -> Result<String, FieldError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "must be 1 to 100 characters without control characters",
        ));
    }
    Ok(name.to_string())
}

/// Checks a role key: 1 to 64 of `a-z 0-9 _ -`.
pub fn check_role_key(key: &str) -> Result<String, FieldError> {
    let ok = (1..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if ok {
        Ok(key.to_string())
    } else {
        Err(FieldError::new(
            "key",
            "must be 1 to 64 lowercase letters, digits, dashes or underscores",
        ))
    }
}

/// Checks a permission: `segment(:segment)*`, each of `a-z 0-9 _ -`, at most 128 characters
/// (`org:invoices:read`). At most 100 per role, without repeats.
pub fn check_permissions(permissions: &[String]) -> Result<Vec<String>, FieldError> {
    if permissions.len() > 100 {
        return Err(FieldError::new("permission", "at most 100 per role"));
    }
    let mut out: Vec<String> = Vec::new();
    for p in permissions {
        let ok = (1..=128).contains(&p.len())
            && p.split(':').all(|segment| {
                !segment.is_empty()
                    && segment.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'
                    })
            });
        if !ok {
            return Err(FieldError::new(
                "permission",
                format!(
                    "{p:?} must look like org:invoices:read (lowercase segments joined by ':')"
                ),
            ));
        }
        if !out.contains(p) {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Checks a logo URL: https, at most 2000 characters.
pub fn check_logo_url(url: &str) -> Result<String, FieldError> {
    let ok = url.len() <= 2000
        && url::Url::parse(url).is_ok_and(|u| u.scheme() == "https" && u.host().is_some())
        && !url.chars().any(|c| c.is_control() || c == '"' || c == '\'');
    if ok {
        Ok(url.to_string())
    } else {
        Err(FieldError::new("logo-url", "must be an https URL"))
    }
}

/// Whether a change keeps an admin, given how many admins there are and whether the change takes
/// one of them away:
/// the last admin cannot be removed or demoted.
pub fn keeps_an_admin(admins_before: i64, removing_an_admin: bool) -> bool {
    !removing_an_admin || admins_before > 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slug_from_name("Acme, Inc."), "acme-inc");
        assert_eq!(slug_from_name("  Ünïcode Ltd  "), "n-code-ltd");
        assert!(check_slug("acme-inc").is_ok());
        for bad in ["-acme", "acme-", "Acme", "a", "acme_inc", "acme inc", ""] {
            assert!(check_slug(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn permissions() {
        let ok = vec![
            "org:invoices:read".to_string(),
            "org:invoices:read".to_string(),
        ];
        assert_eq!(check_permissions(&ok).map(|p| p.len()), Ok(1));
        for bad in ["org::read", "Org:read", "org:read ", ":read", "org:re*d"] {
            assert!(check_permissions(&[bad.to_string()]).is_err(), "{bad}");
        }
    }

    #[test]
    fn last_admin() {
        assert!(!keeps_an_admin(1, true));
        assert!(keeps_an_admin(2, true));
        assert!(keeps_an_admin(1, false));
    }
}
