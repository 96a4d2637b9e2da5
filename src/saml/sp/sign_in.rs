//! What a checked assertion does: in one transaction, the request it answers is used up (or, for
//! IdP-initiated sign-in, the connection allows it), its id enters the replay cache, and the
//! IdP subject becomes an account: the one linked before, else (for an address at one of the
//! connection's verified domains only) an existing account that is already a member of the
//! organization, else a new account (just-in-time provisioning). A person SAML adds to the organization has their role follow the
//! asserted groups, under the organization's group mappings (as for SCIM).

use super::super::connections::AttributeNames;
use super::super::error::SamlError;
use super::checks::Checked;
use crate::app::AppState;
use crate::audit::{self, Actor, Event};
use crate::clock::UnixTime;
use crate::crypto::{SecretDigest, constant_time_eq};
use crate::domain::organization::Membership;
use crate::domain::{EmailAddress, User};
use crate::storage::saml_connections::{self, SamlConnectionRow};
use crate::storage::saml_sign_ins::{self, SamlIdentityRow};
use crate::storage::{DbConnection, StorageError, organizations, users, write_transaction};
use crate::webhooks;

const EMAIL_NAMES: [&str; 6] = [
    "email",
    "mail",
    "emailaddress",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    "urn:oid:0.9.2342.19200300.100.1.3",
    "user.email",
];
const GIVEN_NAMES: [&str; 6] = [
    "given_name",
    "givenname",
    "firstname",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
    "urn:oid:2.5.4.42",
    "user.firstname",
];
const FAMILY_NAMES: [&str; 7] = [
    "family_name",
    "sn",
    "surname",
    "lastname",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
    "urn:oid:2.5.4.4",
    "user.lastname",
];
const GROUP_NAMES: [&str; 4] = [
    "groups",
    "memberof",
    "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
    "http://schemas.xmlsoap.org/claims/group",
];

/// The values of the attribute named `configured`, else of the first default name present.
fn values<'a>(checked: &'a Checked, configured: Option<&str>, defaults: &[&str]) -> Vec<&'a str> {
    let matches = |name: &str| -> Option<Vec<&'a str>> {
        checked
            .attributes
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.iter().map(String::as_str).collect())
    };
    match configured {
        Some(name) => matches(name).unwrap_or_default(),
        None => defaults.iter().find_map(|n| matches(n)).unwrap_or_default(),
    }
}

/// The person an assertion describes.
#[derive(Debug, Clone)]
pub struct Person {
    pub email: EmailAddress,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub groups: Vec<String>,
}

fn short(value: Option<&&str>) -> Option<String> {
    value
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(|v| v.chars().take(200).collect())
}

/// Reads the person from the attributes (the email falls back to an email-shaped NameID).
pub fn person(checked: &Checked, names: &AttributeNames) -> Result<Person, SamlError> {
    let emails = values(checked, names.email.as_deref(), &EMAIL_NAMES);
    let email_text = match emails.first() {
        Some(email) => email.to_string(),
        None if checked.name_id.contains('@') => checked.name_id.clone(),
        None => {
            return Err(SamlError::Subject(
                "no email attribute and NameID is not an address".into(),
            ));
        }
    };
    let email = EmailAddress::parse(&email_text)
        .map_err(|_| SamlError::Subject("the asserted email is not a valid address".into()))?;
    let groups = values(checked, names.groups.as_deref(), &GROUP_NAMES)
        .into_iter()
        .filter(|g| !g.is_empty() && g.len() <= 256)
        .take(1000)
        .map(str::to_string)
        .collect();
    Ok(Person {
        email,
        given_name: short(values(checked, names.given_name.as_deref(), &GIVEN_NAMES).first()),
        family_name: short(values(checked, names.family_name.as_deref(), &FAMILY_NAMES).first()),
        groups,
    })
}

/// The result of an accepted assertion.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub user: User,
    /// Where the browser goes next (the pending flow).
    pub return_to: Option<String>,
    pub created_user: bool,
    pub linked: bool,
    /// How the IdP named the session (for Single Logout).
    pub name_id: String,
    pub name_id_format: Option<String>,
    pub session_index: Option<String>,
}

/// Settles the request, the replay cache and the account, in one transaction.
pub async fn accept(
    state: &AppState,
    connection: SamlConnectionRow,
    checked: Checked,
    relay_state: Option<String>,
    person: Person,
) -> Result<Accepted, SamlError> {
    let now = state.clock.now();
    let ttl = state.config.organizations.invitation_days * 24 * 3600;
    state
        .db
        .run(move |conn| {
            // A refusal rolls back whatever the transaction wrote; storage failures pass on.
            match write_transaction(conn, |c| {
                accept_in(
                    c,
                    &connection,
                    &checked,
                    relay_state.as_deref(),
                    &person,
                    now,
                    ttl,
                )
            }) {
                Ok(accepted) => Ok(Ok(accepted)),
                Err(Refusal::Saml(e)) => Ok(Err(e)),
                Err(Refusal::Storage(e)) => Err(e),
            }
        })
        .await?
}

enum Refusal {
    Saml(SamlError),
    Storage(StorageError),
}

impl From<StorageError> for Refusal {
    fn from(e: StorageError) -> Self {
        Refusal::Storage(e)
    }
}

impl From<diesel::result::Error> for Refusal {
    fn from(e: diesel::result::Error) -> Self {
        Refusal::Storage(e.into())
    }
}

impl From<SamlError> for Refusal {
    fn from(e: SamlError) -> Self {
        Refusal::Saml(e)
    }
}

fn accept_in(
    c: &mut DbConnection,
    connection: &SamlConnectionRow,
    checked: &Checked,
    relay_state: Option<&str>,
    person: &Person,
    now: UnixTime,
    invitation_ttl: i64,
) -> Result<Accepted, Refusal> {
    // Each assertion once (a refusal later in this transaction rolls the entry back).
    if !saml_sign_ins::remember_assertion(
        c,
        &connection.id,
        &checked.assertion_id,
        checked.valid_until,
    )? {
        return Err(SamlError::Replay.into());
    }
    // The request this answers.
    let return_to = match &checked.in_response_to {
        Some(request_id) => {
            let request = saml_sign_ins::find_request(c, request_id)?
                .filter(|r| r.connection_id == connection.id)
                .ok_or(SamlError::UnknownRequest)?;
            let relay_ok = relay_state.is_some_and(|relay| {
                constant_time_eq(
                    SecretDigest::of(relay).as_str().as_bytes(),
                    request.relay_digest.as_bytes(),
                )
            });
            if !relay_ok {
                return Err(SamlError::RelayState.into());
            }
            if !saml_sign_ins::use_request(c, request_id, now)? {
                return Err(SamlError::RequestUsed.into());
            }
            request.return_to
        }
        None if connection.allow_idp_initiated => connection.default_target.clone(),
        None => return Err(SamlError::Unsolicited.into()),
    };

    let org_id = connection.organization_id.clone();
    organizations::lock(c, &org_id)?;
    let org = organizations::find(c, &org_id)?
        .ok_or_else(|| SamlError::Internal("the connection's organization is gone".into()))?;
    let actor = Actor::Saml(connection.id.clone());
    // A transient NameID names nobody for long: such sign-ins go by the address and leave no link.
    let transient = checked.name_id_format.as_deref() == Some(super::super::NAMEID_TRANSIENT);
    let identity = match transient {
        true => None,
        false => saml_sign_ins::find_identity(c, &connection.id, &checked.name_id)?,
    };
    let (user, created_user, linked, created_membership) = match identity {
        Some(identity) => {
            let user = users::find_by_id(c, &identity.user_id)?
                .ok_or_else(|| SamlError::Internal("linked account missing".into()))?;
            // The link holds only while the connection still serves the account's domain.
            if !saml_connections::serves(c, &connection.id, user.email.domain())? {
                return Err(SamlError::Account(format!(
                    "Single sign-on no longer serves {}'s domain. Sign in with your password.",
                    user.email.as_str()
                ))
                .into());
            }
            saml_sign_ins::touch_identity(c, &connection.id, &checked.name_id, now)?;
            (user, false, false, identity.created_membership)
        }
        None => {
            // An IdP speaks only for the domains its organization proved and this connection
            // serves: anything else could pre-register, or take over, someone else's address.
            if !saml_connections::serves(c, &connection.id, person.email.domain())? {
                return Err(SamlError::Account(format!(
                    "Single sign-on cannot sign in {}: the address is not at a domain your organization has verified for it.",
                    person.email.as_str()
                ))
                .into());
            }
            let (user, created_user) = match users::find_by_email(c, &person.email)? {
                Some(user) => {
                    // Proving a domain by one mailbox there does not hand over its existing
                    // accounts: only someone the organization already counts as a member is
                    // linked.
                    let member = organizations::membership(c, &org_id, &user.id)?.is_some();
                    if !member || !user.email_verified {
                        return Err(SamlError::Account(format!(
                            "An account with this email already exists. Sign in with your password; once an administrator of {} adds you to the organization, single sign-on signs you in to it.",
                            org.name
                        ))
                        .into());
                    }
                    (user, false)
                }
                None => {
                    let mut user = User::new(person.email.clone(), true, now);
                    user.given_name = person.given_name.clone();
                    user.family_name = person.family_name.clone();
                    user.name = match (&user.given_name, &user.family_name) {
                        (Some(g), Some(f)) => Some(format!("{g} {f}")),
                        (Some(n), None) | (None, Some(n)) => Some(n.clone()),
                        (None, None) => None,
                    };
                    users::insert(c, &user, None)?;
                    webhooks::user_event_in(c, now, "user.created", &user)?;
                    crate::organizations::domains::address_verified_in(
                        c,
                        &user,
                        now,
                        invitation_ttl,
                    )?;
                    (user, true)
                }
            };
            let created_membership = match organizations::membership(c, &org_id, &user.id)? {
                Some(_) => false,
                None => {
                    let membership = Membership {
                        organization_id: org_id.clone(),
                        user_id: user.id.clone(),
                        role: org.default_role.clone(),
                        disabled: false,
                        created_at: now,
                        updated_at: now,
                    };
                    organizations::insert_membership(c, &membership)?;
                    webhooks::emit_in(
                        c,
                        now,
                        "organizationMembership.created",
                        webhooks::membership_data(&membership),
                    )?;
                    true
                }
            };
            if !transient {
                saml_sign_ins::insert_identity(
                    c,
                    &SamlIdentityRow {
                        connection_id: connection.id.clone(),
                        name_id: checked.name_id.clone(),
                        user_id: user.id.clone(),
                        created_membership,
                        created_at: now,
                        last_sign_in_at: now,
                    },
                )?;
            }
            (user, created_user, !created_user, created_membership)
        }
    };
    if user.disabled {
        return Err(SamlError::Account(
            "This account is disabled. Contact your administrator.".into(),
        )
        .into());
    }
    if let Some(membership) = organizations::membership(c, &org_id, &user.id)?
        && membership.disabled
    {
        return Err(SamlError::Account(
            "Your membership in this organization is deactivated. Contact your administrator."
                .into(),
        )
        .into());
    }
    if created_membership {
        crate::scim::group_roles::follow_groups_in(
            c,
            &org_id,
            &user.id,
            &person.groups,
            &actor,
            "saml_group_mapping",
            now,
        )?;
    }
    audit::record_in(
        c,
        Event::new("user.sign_in", actor)
            .target("user", user.id.clone())
            .organization(org_id.clone())
            .detail("method", "saml")
            .detail("connection", connection.id.clone())
            .detail("created_user", created_user)
            .detail("linked", linked),
        now,
    )?;
    Ok(Accepted {
        user,
        return_to,
        created_user,
        linked,
        name_id: checked.name_id.clone(),
        name_id_format: checked.name_id_format.clone(),
        session_index: checked.session_index.clone(),
    })
}
