//! Verified domains. An organization claims a domain; someone who reads mail at an address there
//! receives a code, and the code proves the claim. Once verified (by one organization only), the
//! domain's enrollment mode decides what happens for people with a verified address there:
//! nothing (`manual`), an invitation (`automatic_invitation`, for existing users when the mode
//! starts and for each new one when their address is verified), or an offer to join from their
//! account page (`automatic_suggestion`). Public mail providers cannot be claimed.

use super::invitations::{self, NewInvitation};
use super::{OrgError, find_in, in_transaction};
use crate::app::AppState;
use crate::audit::{self, Actor, Event};
use crate::clock::UnixTime;
use crate::crypto::{SecretDigest, random_token};
use crate::domain::organization::Membership;
use crate::domain::organization_domain::{self as rules, EnrollmentMode};
use crate::domain::{EmailAddress, FieldError, User};
use crate::storage::domains::{self as store, DomainRow};
use crate::storage::{DbConnection, StorageError, invitations as invitation_store};
use crate::storage::{organizations as orgs, users};
use crate::webhooks;

/// At most this many existing users are invited when a domain starts inviting (the rest when
/// their address is next verified, or by hand).
const ENROLL_LIMIT: i64 = 10_000;

/// A domain as shown (never its code).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Domain {
    pub id: String,
    pub organization_id: String,
    pub domain: String,
    pub enrollment_mode: String,
    pub verified: bool,
    pub verified_at: Option<i64>,
    /// Where the last code went.
    pub verification_email: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<DomainRow> for Domain {
    fn from(row: DomainRow) -> Self {
        Self {
            verified: row.verified_at.is_some(),
            id: row.id,
            organization_id: row.organization_id,
            domain: row.domain,
            enrollment_mode: row.enrollment_mode,
            verified_at: row.verified_at,
            verification_email: row.verification_email,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

fn find_domain(c: &mut DbConnection, org_id: &str, domain: &str) -> Result<DomainRow, OrgError> {
    // Only normalised, not checked against the public list: a claim made before its domain was
    // listed must stay manageable (and removable).
    let domain = crate::domain::email::normalise_domain(domain.trim())
        .ok_or(OrgError::NotFound("domain"))?;
    store::find(c, org_id, &domain)?.ok_or(OrgError::NotFound("domain"))
}

fn code_message(row: &DomainRow, code: &str) -> Vec<u8> {
    format!("{}:{}:{code}", row.id, row.domain).into_bytes()
}

const CODE_PURPOSE: &str = "domain-verification-code";

/// Claims a domain for an organization (unverified until a code proves it).
pub async fn add(
    state: &AppState,
    org: &str,
    domain: &str,
    mode: EnrollmentMode,
    actor: Actor,
) -> Result<Domain, OrgError> {
    let domain = rules::check_domain(domain)?;
    let org = org.to_string();
    let now = state.clock.now();
    let row = in_transaction(state, move |c| {
        let org = find_in(c, &org)?;
        if store::find(c, &org.id, &domain)?.is_some() {
            return Err(OrgError::Conflict(FieldError::new(
                "domain",
                "is already claimed by this organization",
            )));
        }
        if store::verified(c, &domain)?.is_some() {
            return Err(OrgError::Conflict(FieldError::new(
                "domain",
                "is verified by another organization",
            )));
        }
        let row = DomainRow {
            id: uuid::Uuid::now_v7().to_string(),
            organization_id: org.id.clone(),
            domain,
            enrollment_mode: mode.as_str().into(),
            verified_at: None,
            verification_email: None,
            code_mac: None,
            code_expires_at: None,
            code_attempts: 0,
            wrong_codes_total: 0,
            created_at: now,
            updated_at: now,
        };
        store::insert(c, &row)?;
        audit::record_in(
            c,
            Event::new("organizationDomain.created", actor)
                .target("domain", row.domain.clone())
                .organization(org.id)
                .detail("mode", mode.as_str()),
            now,
        )?;
        Ok(row)
    })
    .await?;
    Ok(row.into())
}

/// An organization's domains.
pub async fn list(state: &AppState, org: &str) -> Result<Vec<Domain>, OrgError> {
    let org = org.to_string();
    let rows = state
        .db
        .run(move |conn| Ok(find_in(conn, &org).and_then(|o| Ok(store::list(conn, &o.id)?))))
        .await??;
    Ok(rows.into_iter().map(Domain::from).collect())
}

/// Mails a verification code to an address at the domain (a new code replaces the last one).
pub async fn send_code(
    state: &AppState,
    org: &str,
    domain: &str,
    email: &str,
    actor: Actor,
) -> Result<(), OrgError> {
    let email = EmailAddress::parse(email)?;
    // The mail budget first: a refused send must not replace the code already sent.
    if !crate::accounts::mail_budget_allows(state, &email)
        .await
        .map_err(|e| OrgError::Internal(e.to_string()))?
    {
        return Err(OrgError::Conflict(FieldError::new(
            "email",
            "has received too many messages this hour; try again later",
        )));
    }
    let (org, domain_name) = (org.to_string(), domain.to_string());
    let now = state.clock.now();
    let code = rules::new_code();
    let key = state.server_key.clone();
    let (address, code_for_mail) = (email.clone(), code.clone());
    let (row, org_name) = in_transaction(state, move |c| {
        let org = find_in(c, &org)?;
        let row = find_domain(c, &org.id, &domain_name)?;
        if row.verified_at.is_some() {
            return Err(OrgError::Conflict(FieldError::new(
                "domain",
                "is already verified",
            )));
        }
        if store::verified(c, &row.domain)?.is_some() {
            return Err(OrgError::Conflict(FieldError::new(
                "domain",
                "is verified by another organization",
            )));
        }
        if row.wrong_codes_total >= rules::MAX_WRONG_CODES_TOTAL {
            return Err(OrgError::Conflict(FieldError::new(
                "domain",
                "too many wrong codes for this claim; remove it and claim the domain again",
            )));
        }
        if address.domain() != row.domain {
            return Err(FieldError::new(
                "email",
                format!("must be an address at {} itself", row.domain),
            )
            .into());
        }
        let mac = key.sign(CODE_PURPOSE, &code_message(&row, &code));
        store::set_code(
            c,
            &row.id,
            address.as_str(),
            &mac,
            now + rules::CODE_SECONDS,
            now,
        )?;
        audit::record_in(
            c,
            Event::new("organizationDomain.code_sent", actor)
                .target("domain", row.domain.clone())
                .organization(org.id),
            now,
        )?;
        Ok((row, org.name))
    })
    .await?;
    let mail = state.mail_context().domain_code(
        email.as_str(),
        &org_name,
        &row.domain,
        &code_for_mail,
        rules::CODE_SECONDS,
    );
    state
        .mailer
        .send(mail)
        .await
        .map_err(|e| OrgError::Internal(format!("the code could not be mailed: {e}")))
}

/// What a code check found.
enum CodeCheck {
    Verified(
        Box<DomainRow>,
        Vec<(invitation_store::InvitationRow, String)>,
    ),
    Wrong(&'static str),
}

/// Checks a code; the right one verifies the domain and, in `automatic_invitation` mode, invites
/// the users already there. Returns the domain; invitations are mailed after the commit.
pub async fn verify(
    state: &AppState,
    org: &str,
    domain: &str,
    code: &str,
    actor: Actor,
) -> Result<Domain, OrgError> {
    let (org, domain_name, code) = (org.to_string(), domain.to_string(), code.trim().to_string());
    let now = state.clock.now();
    let key = state.server_key.clone();
    let ttl = state.config.organizations.invitation_days * 24 * 3600;
    let outcome = in_transaction(state, move |c| {
        let org = find_in(c, &org)?;
        orgs::lock(c, &org.id)?;
        let row = find_domain(c, &org.id, &domain_name)?;
        store::lock_domain(c, &row.domain)?;
        let row = find_domain(c, &org.id, &row.domain)?;
        if row.verified_at.is_some() {
            return Err(OrgError::Conflict(FieldError::new(
                "domain",
                "is already verified",
            )));
        }
        let (Some(mac), Some(expires_at)) = (&row.code_mac, row.code_expires_at) else {
            return Ok(CodeCheck::Wrong("no code was sent; send one first"));
        };
        if expires_at <= now {
            return Ok(CodeCheck::Wrong("the code has expired; send a new one"));
        }
        if row.code_attempts >= rules::MAX_CODE_ATTEMPTS {
            return Ok(CodeCheck::Wrong("too many wrong codes; send a new one"));
        }
        if code.len() > 32 || !key.verify(CODE_PURPOSE, &code_message(&row, &code), mac) {
            store::count_wrong_code(c, &row.id)?;
            return Ok(CodeCheck::Wrong("the code is wrong"));
        }
        if store::verified(c, &row.domain)?.is_some() {
            return Err(OrgError::Conflict(FieldError::new(
                "domain",
                "is verified by another organization",
            )));
        }
        store::mark_verified(c, &row.id, now)?;
        audit::record_in(
            c,
            Event::new("organizationDomain.verified", actor)
                .target("domain", row.domain.clone())
                .organization(org.id.clone()),
            now,
        )?;
        let verified = DomainRow {
            verified_at: Some(now),
            code_mac: None,
            code_expires_at: None,
            ..row
        };
        let invited = enroll_existing_in(c, &verified, &enrollment_role(&org), now, ttl)?;
        Ok(CodeCheck::Verified(Box::new(verified), invited))
    })
    .await?;
    match outcome {
        CodeCheck::Verified(row, invited) => {
            mail_invitations(state, &row.organization_id, invited).await;
            Ok((*row).into())
        }
        CodeCheck::Wrong(message) => Err(FieldError::new("code", message).into()),
    }
}

/// Changes a domain's enrollment mode; turning on `automatic_invitation` for a verified domain
/// invites the users already there.
pub async fn set_mode(
    state: &AppState,
    org: &str,
    domain: &str,
    mode: EnrollmentMode,
    actor: Actor,
) -> Result<Domain, OrgError> {
    let (org, domain_name) = (org.to_string(), domain.to_string());
    let now = state.clock.now();
    let ttl = state.config.organizations.invitation_days * 24 * 3600;
    let (row, invited) = in_transaction(state, move |c| {
        let org = find_in(c, &org)?;
        orgs::lock(c, &org.id)?;
        let row = find_domain(c, &org.id, &domain_name)?;
        store::set_mode(c, &row.id, mode.as_str(), now)?;
        audit::record_in(
            c,
            Event::new("organizationDomain.updated", actor)
                .target("domain", row.domain.clone())
                .organization(org.id.clone())
                .detail("mode", mode.as_str()),
            now,
        )?;
        let row = DomainRow {
            enrollment_mode: mode.as_str().into(),
            updated_at: now,
            ..row
        };
        let invited = enroll_existing_in(c, &row, &enrollment_role(&org), now, ttl)?;
        Ok((row, invited))
    })
    .await?;
    mail_invitations(state, &row.organization_id, invited).await;
    Ok(row.into())
}

/// Removes a domain claim (invitations already sent stay).
pub async fn remove(
    state: &AppState,
    org: &str,
    domain: &str,
    actor: Actor,
) -> Result<Domain, OrgError> {
    let (org, domain_name) = (org.to_string(), domain.to_string());
    let now = state.clock.now();
    let row = in_transaction(state, move |c| {
        let org = find_in(c, &org)?;
        let row = find_domain(c, &org.id, &domain_name)?;
        store::delete(c, &row.id)?;
        // SAML connections stop serving it (their domains rest on this claim).
        crate::storage::saml_connections::forget_domain(c, &row.domain)?;
        audit::record_in(
            c,
            Event::new("organizationDomain.deleted", actor)
                .target("domain", row.domain.clone())
                .organization(org.id),
            now,
        )?;
        Ok(row)
    })
    .await?;
    Ok(row.into())
}

/// The role people get through their domain: the default role, but never `admin` (an admin
/// default would hand the organization to anyone with an address there).
fn enrollment_role(org: &crate::domain::organization::Organization) -> String {
    if org.default_role == crate::domain::organization::ADMIN_ROLE {
        crate::domain::organization::MEMBER_ROLE.into()
    } else {
        org.default_role.clone()
    }
}

/// Invites (without mail yet) every user with a verified address at a verified domain in
/// `automatic_invitation` mode who is neither a member nor was ever invited. Returns the
/// invitations with their link secrets, to mail after the commit.
fn enroll_existing_in(
    c: &mut DbConnection,
    row: &DomainRow,
    default_role: &str,
    now: UnixTime,
    ttl: i64,
) -> Result<Vec<(invitation_store::InvitationRow, String)>, StorageError> {
    if row.verified_at.is_none()
        || row.enrollment_mode != EnrollmentMode::AutomaticInvitation.as_str()
    {
        return Ok(Vec::new());
    }
    let mut invited = Vec::new();
    for (_, email) in store::users_to_enroll(c, &row.organization_id, &row.domain, ENROLL_LIMIT)? {
        if let Some(made) = invite_automatically_in(c, row, &email, default_role, now, ttl)? {
            invited.push(made);
        }
    }
    Ok(invited)
}

fn invite_automatically_in(
    c: &mut DbConnection,
    row: &DomainRow,
    email: &str,
    default_role: &str,
    now: UnixTime,
    ttl: i64,
) -> Result<Option<(invitation_store::InvitationRow, String)>, StorageError> {
    if invitation_store::ever_invited(c, &row.organization_id, email)? {
        return Ok(None);
    }
    let token = random_token();
    let made = invitations::create_in(
        c,
        NewInvitation {
            organization_id: &row.organization_id,
            email,
            role: default_role,
            digest: &SecretDigest::of(&token),
            actor: Actor::System,
            now,
            expires_at: now + ttl,
        },
    )?;
    Ok(Some((made, token)))
}

/// Called inside the transaction that verifies a user's address: invites them to the
/// organization whose verified domain it is, when that domain invites automatically. The
/// invitation shows on their account page (no mail: they are there already).
pub fn address_verified_in(
    c: &mut DbConnection,
    user: &User,
    now: UnixTime,
    invitation_ttl: i64,
) -> Result<(), StorageError> {
    if user.disabled || !user.email_verified || rules::is_public(user.email.domain()) {
        return Ok(());
    }
    let Some(row) = store::verified(c, user.email.domain())? else {
        return Ok(());
    };
    if row.enrollment_mode != EnrollmentMode::AutomaticInvitation.as_str() {
        return Ok(());
    }
    // The organization's lock serialises this with manual invitations and enrollment runs.
    orgs::lock(c, &row.organization_id)?;
    if orgs::membership(c, &row.organization_id, &user.id)?.is_some() {
        return Ok(());
    }
    let Some(org) = orgs::find(c, &row.organization_id)? else {
        return Ok(());
    };
    let role = enrollment_role(&org);
    invite_automatically_in(c, &row, user.email.as_str(), &role, now, invitation_ttl)?;
    Ok(())
}

async fn mail_invitations(
    state: &AppState,
    org_id: &str,
    invited: Vec<(invitation_store::InvitationRow, String)>,
) {
    if invited.is_empty() {
        return;
    }
    let org = match super::find(state, org_id).await {
        Ok(org) => org,
        Err(error) => {
            tracing::warn!(%error, "automatic invitations not mailed");
            return;
        }
    };
    let ttl = state.config.organizations.invitation_days * 24 * 3600;
    for (row, token) in invited {
        let mail =
            state
                .mail_context()
                .invitation(&row.email, &org.name, &row.role_key, &token, ttl);
        if let Err(error) = state.mailer.send(mail).await {
            tracing::warn!(%error, invitation = %row.id, "automatic invitation mail not sent");
        }
    }
}

/// Organizations that offer themselves to this user (a verified address at their verified
/// domain in `automatic_suggestion` mode): (id, name, slug).
pub async fn suggestions_for(
    state: &AppState,
    user: &User,
) -> Result<Vec<(String, String, String)>, OrgError> {
    if !user.email_verified || user.disabled || rules::is_public(user.email.domain()) {
        return Ok(Vec::new());
    }
    let (domain, user_id) = (user.email.domain().to_string(), user.id.clone());
    Ok(state
        .db
        .run(move |conn| store::suggestions(conn, &domain, &user_id))
        .await?)
}

/// Joins an organization that suggests itself to this user, with its default role; the
/// organization becomes the session's active one.
pub async fn join_suggested(
    state: &AppState,
    org_id: &str,
    user: &User,
    session_id: &str,
) -> Result<Membership, OrgError> {
    let (org_id, user_id, session_id) =
        (org_id.to_string(), user.id.clone(), session_id.to_string());
    let now = state.clock.now();
    in_transaction(state, move |c| {
        let org = find_in(c, &org_id)?;
        orgs::lock(c, &org.id)?;
        let user = users::find_by_id(c, &user_id)?
            .filter(|u| !u.disabled && u.email_verified && !rules::is_public(u.email.domain()))
            .ok_or(OrgError::NotFound("organization"))?;
        let offered = store::suggestions(c, user.email.domain(), &user.id)?
            .into_iter()
            .any(|(id, _, _)| id == org.id);
        if !offered {
            return Err(OrgError::NotFound("organization"));
        }
        let membership = Membership {
            disabled: false,
            organization_id: org.id.clone(),
            user_id: user.id.clone(),
            role: enrollment_role(&org),
            created_at: now,
            updated_at: now,
        };
        orgs::insert_membership(c, &membership)?;
        webhooks::emit_in(
            c,
            now,
            "organizationMembership.created",
            webhooks::membership_data(&membership),
        )?;
        audit::record_in(
            c,
            Event::new(
                "organizationMembership.created",
                Actor::User(user.id.clone()),
            )
            .target("user", user.id.clone())
            .organization(org.id.clone())
            .detail("via", "domain_suggestion"),
            now,
        )?;
        crate::storage::sessions::set_active_organization(c, &session_id, Some(&org.id))?;
        Ok(membership)
    })
    .await
}
