//! The user's claims released for the granted scopes (OpenID Connect Core §5.4), for the ID token
//! and UserInfo. Only claims Tessera holds are listed; an unset claim is left out, never `null`.

use super::scope::Scopes;
use crate::domain::User;
use serde_json::{Map, Value};

/// Every claim Tessera can release, for discovery's `claims_supported`.
pub const SUPPORTED: [&str; 24] = [
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "azp",
    "sid",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "picture",
    "locale",
    "updated_at",
    "email",
    "email_verified",
    "org_id",
    "org_slug",
    "org_role",
    "org_permissions",
];

/// `sub` plus the claims of the scopes in `scopes`.
pub fn for_scopes(user: &User, scopes: &Scopes) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert("sub".into(), user.id.clone().into());
    let mut put = |name: &str, value: &Option<String>| {
        if let Some(v) = value {
            claims.insert(name.into(), v.clone().into());
        }
    };
    if scopes.contains("profile") {
        put("name", &user.name);
        put("given_name", &user.given_name);
        put("family_name", &user.family_name);
        put("preferred_username", &user.username);
        put("picture", &user.picture);
        put("locale", &user.locale);
        claims.insert("updated_at".into(), user.updated_at.into());
    }
    if scopes.contains("email") {
        claims.insert("email".into(), user.email.as_str().into());
        claims.insert("email_verified".into(), user.email_verified.into());
    }
    claims
}

/// The claims of the `organization` scope: the organization a grant acts in and the user's role
/// and permissions there, read when a token is issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationClaims {
    pub id: String,
    pub slug: String,
    pub role: String,
    pub permissions: Vec<String>,
}

impl OrganizationClaims {
    /// The claims of a membership, when the user still has it and it is not deactivated.
    pub fn read(
        conn: &mut crate::storage::DbConnection,
        organization_id: &str,
        user_id: &str,
    ) -> crate::storage::StorageResult<Option<Self>> {
        Ok(
            crate::storage::organizations::membership_with_role(conn, organization_id, user_id)?
                .filter(|(_, membership, _)| !membership.disabled)
                .map(|(org, membership, role)| Self {
                    id: org.id,
                    slug: org.slug,
                    role: membership.role,
                    permissions: role.permissions,
                }),
        )
    }

    /// Adds `org_id`, `org_slug`, `org_role` and `org_permissions`.
    pub fn put(&self, claims: &mut Map<String, Value>) {
        claims.insert("org_id".into(), self.id.clone().into());
        claims.insert("org_slug".into(), self.slug.clone().into());
        claims.insert("org_role".into(), self.role.clone().into());
        claims.insert("org_permissions".into(), self.permissions.clone().into());
    }
}
