//! Invitations: an admin (or an operator) invites an address with a role; the address gets a
//! single-use link that expires. Opening it, the invitee signs in with the account of that
//! address, or creates one right there (the link proves they read mail at that address, so the
//! new account's address is verified and no second mail is needed), and joins. Creating an account
//! this way works in the `invite_only` sign-up mode too; that is its point.
//!
//! A new invitation to the same address replaces a pending one. Each change writes its audit
//! event and its webhook in the same transaction.

use super::{OrgError, find_in, in_transaction};
use crate::accounts::AccountError;
use crate::app::AppState;
use crate::audit::{self, Actor, Event};
use crate::clock::UnixTime;
use crate::config::SignUpMode;
use crate::crypto::{SecretDigest, random_token};
use crate::domain::organization::Membership;
use crate::domain::{EmailAddress, FieldError, User};
use crate::storage::invitations::{self as store, InvitationRow, Listed};
use crate::storage::{DbConnection, StorageError, organizations as orgs, users};
use crate::webhooks;

/// An invitation as shown, with its state worked out (`expired` is a pending one past its time).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Invitation {
    pub id: String,
    pub organization_id: String,
    pub email: String,
    pub role: String,
    /// `pending`, `expired`, `accepted` or `revoked`.
    pub state: &'static str,
    pub invited_by: Option<String>,
    pub accepted_by: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub updated_at: i64,
}

impl Invitation {
    fn from_row(row: InvitationRow, now: UnixTime) -> Self {
        let state = match row.state.as_str() {
            store::ACCEPTED => "accepted",
            store::REVOKED => "revoked",
            _ if row.expires_at <= now => "expired",
            _ => "pending",
        };
        Self {
            id: row.id,
            organization_id: row.organization_id,
            email: row.email,
            role: row.role_key,
            state,
            invited_by: row.invited_by,
            accepted_by: row.accepted_by,
            created_at: row.created_at,
            expires_at: row.expires_at,
            updated_at: row.updated_at,
        }
    }
}

/// Which invitations to list, by name (`pending`, `expired`, `accepted`, `revoked`, `all`).
pub fn parse_listed(text: &str) -> Result<Listed, FieldError> {
    Ok(match text {
        "all" => Listed::All,
        "pending" => Listed::Pending,
        "expired" => Listed::Expired,
        "accepted" => Listed::Accepted,
        "revoked" => Listed::Revoked,
        _ => {
            return Err(FieldError::new(
                "state",
                "must be pending, expired, accepted, revoked or all",
            ));
        }
    })
}

fn actor_id(actor: &Actor) -> Option<String> {
    match actor {
        Actor::User(id) => Some(id.clone()),
        _ => None,
    }
}

/// What [`create_in`] stores.
pub(crate) struct NewInvitation<'a> {
    pub organization_id: &'a str,
    pub email: &'a str,
    pub role: &'a str,
    pub digest: &'a SecretDigest,
    pub actor: Actor,
    pub now: UnixTime,
    pub expires_at: UnixTime,
}

/// Stores an invitation with its webhook and audit event, inside the caller's transaction.
pub(crate) fn create_in(
    c: &mut DbConnection,
    new: NewInvitation<'_>,
) -> Result<InvitationRow, StorageError> {
    let row = InvitationRow {
        id: uuid::Uuid::now_v7().to_string(),
        organization_id: new.organization_id.to_string(),
        email: new.email.to_string(),
        role_key: new.role.to_string(),
        token_digest: new.digest.as_str().to_string(),
        state: store::PENDING.into(),
        invited_by: actor_id(&new.actor),
        accepted_by: None,
        created_at: new.now,
        expires_at: new.expires_at,
        updated_at: new.now,
    };
    store::insert(c, &row)?;
    webhooks::emit_in(
        c,
        new.now,
        "organizationInvitation.created",
        webhooks::invitation_data(&row),
    )?;
    audit::record_in(
        c,
        Event::new("organizationInvitation.created", new.actor)
            .target("invitation", row.id.clone())
            .organization(row.organization_id.clone())
            .detail("role", row.role_key.clone()),
        new.now,
    )?;
    Ok(row)
}

/// A new invitation, and whether its mail went out.
#[derive(Debug, Clone)]
pub struct Invited {
    pub invitation: Invitation,
    /// False when the mail could not be sent: the link is lost; invite again.
    pub mailed: bool,
}

/// Invites `email` to an organization with `role` (default: the organization's default role),
/// replacing a pending invitation of the same address, and mails the link.
pub async fn invite(
    state: &AppState,
    org: &str,
    email: &str,
    role: Option<String>,
    actor: Actor,
) -> Result<Invited, OrgError> {
    let email = EmailAddress::parse(email)?;
    let org = org.to_string();
    let now = state.clock.now();
    let ttl = state.config.organizations.invitation_days * 24 * 3600;
    let token = random_token();
    let digest = SecretDigest::of(&token);
    let address = email.clone();
    let (row, org_name) = in_transaction(state, move |c| {
        let org = find_in(c, &org)?;
        orgs::lock(c, &org.id)?;
        let role = role.unwrap_or_else(|| org.default_role.clone());
        if orgs::role(c, &org.id, &role)?.is_none() {
            return Err(FieldError::new("role", format!("no role {role:?}")).into());
        }
        if let Some(user) = users::find_by_email(c, &address)?
            && orgs::membership(c, &org.id, &user.id)?.is_some()
        {
            return Err(OrgError::Conflict(FieldError::new(
                "email",
                "already belongs to a member of this organization",
            )));
        }
        for replaced in store::revoke_pending_for(c, &org.id, address.as_str(), now)? {
            if let Some(old) = store::find(c, &org.id, &replaced)? {
                webhooks::emit_in(
                    c,
                    now,
                    "organizationInvitation.revoked",
                    webhooks::invitation_data(&old),
                )?;
                audit::record_in(
                    c,
                    Event::new("organizationInvitation.revoked", actor.clone())
                        .target("invitation", old.id.clone())
                        .organization(org.id.clone())
                        .detail("reason", "replaced"),
                    now,
                )?;
            }
        }
        let row = create_in(
            c,
            NewInvitation {
                organization_id: &org.id,
                email: address.as_str(),
                role: &role,
                digest: &digest,
                actor,
                now,
                expires_at: now + ttl,
            },
        )?;
        Ok((row, org.name))
    })
    .await?;
    let mail =
        state
            .mail_context()
            .invitation(email.as_str(), &org_name, &row.role_key, &token, ttl);
    let mailed = match state.mailer.send(mail).await {
        Ok(()) => true,
        Err(error) => {
            tracing::error!(%error, invitation = %row.id, "invitation mail not sent");
            false
        }
    };
    Ok(Invited {
        invitation: Invitation::from_row(row, now),
        mailed,
    })
}

/// An organization's invitations, newest first.
pub async fn list(
    state: &AppState,
    org: &str,
    which: Listed,
    before: Option<String>,
    limit: i64,
) -> Result<Vec<Invitation>, OrgError> {
    let org = org.to_string();
    let now = state.clock.now();
    let rows = state
        .db
        .run(move |conn| {
            Ok(find_in(conn, &org).and_then(|o| {
                Ok(store::list(
                    conn,
                    &o.id,
                    which,
                    now,
                    before.as_deref(),
                    limit,
                )?)
            }))
        })
        .await??;
    Ok(rows
        .into_iter()
        .map(|r| Invitation::from_row(r, now))
        .collect())
}

/// Revokes a pending (or expired) invitation; its link stops working at once.
pub async fn revoke(
    state: &AppState,
    org: &str,
    id: &str,
    actor: Actor,
) -> Result<Invitation, OrgError> {
    let (org, id) = (org.to_string(), id.to_string());
    let now = state.clock.now();
    let row = in_transaction(state, move |c| {
        let org = find_in(c, &org)?;
        let mut row = store::find(c, &org.id, &id)?.ok_or(OrgError::NotFound("invitation"))?;
        if !store::revoke(c, &row.id, now)? {
            return Err(OrgError::Conflict(FieldError::new(
                "invitation",
                "is already accepted or revoked",
            )));
        }
        row.state = store::REVOKED.into();
        row.updated_at = now;
        webhooks::emit_in(
            c,
            now,
            "organizationInvitation.revoked",
            webhooks::invitation_data(&row),
        )?;
        audit::record_in(
            c,
            Event::new("organizationInvitation.revoked", actor)
                .target("invitation", row.id.clone())
                .organization(org.id),
            now,
        )?;
        Ok(row)
    })
    .await?;
    Ok(Invitation::from_row(row, now))
}

/// The usable invitations to a user's verified address, with each organization's name (none
/// while the address is unverified: only a verified address proves the invitations are theirs).
pub async fn pending_for(
    state: &AppState,
    user: &User,
) -> Result<Vec<(Invitation, String)>, OrgError> {
    if !user.email_verified {
        return Ok(Vec::new());
    }
    let email = user.email.as_str().to_string();
    let now = state.clock.now();
    let rows = state
        .db
        .run(move |conn| store::pending_for_email(conn, &email, now))
        .await?;
    Ok(rows
        .into_iter()
        .map(|(row, name, _)| (Invitation::from_row(row, now), name))
        .collect())
}

/// Why a link cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkProblem {
    Unknown,
    Expired,
    Accepted,
    Revoked,
}

/// Why accepting failed.
#[derive(Debug, thiserror::Error)]
pub enum InvitationError {
    #[error("the invitation cannot be used")]
    Link(LinkProblem),
    /// Signed in with another address than the invited one.
    #[error("the invitation is for another address")]
    WrongAccount { invited: String },
    /// New accounts cannot be created on this server.
    #[error("new accounts cannot be created here")]
    SignUpClosed,
    #[error(transparent)]
    Account(#[from] AccountError),
}

impl From<StorageError> for InvitationError {
    fn from(error: StorageError) -> Self {
        InvitationError::Account(error.into())
    }
}

impl From<FieldError> for InvitationError {
    fn from(error: FieldError) -> Self {
        InvitationError::Account(error.into())
    }
}

/// A usable link: what it invites to, and whether the address has an account already.
#[derive(Debug, Clone)]
pub struct Opened {
    pub invitation: Invitation,
    pub organization_name: String,
    pub organization_slug: String,
    pub account_exists: bool,
}

fn plausible(token: &str) -> bool {
    !token.is_empty() && token.len() <= 128
}

fn usable(row: &InvitationRow, now: UnixTime) -> Result<(), LinkProblem> {
    match row.state.as_str() {
        store::ACCEPTED => Err(LinkProblem::Accepted),
        store::REVOKED => Err(LinkProblem::Revoked),
        _ if row.expires_at <= now => Err(LinkProblem::Expired),
        _ => Ok(()),
    }
}

/// Looks a link up without using it.
pub async fn open(state: &AppState, token: &str) -> Result<Opened, InvitationError> {
    if !plausible(token) {
        return Err(InvitationError::Link(LinkProblem::Unknown));
    }
    let digest = SecretDigest::of(token);
    let now = state.clock.now();
    let found = state
        .db
        .run(move |conn| {
            let Some((row, name, slug)) = store::find_by_token(conn, &digest)? else {
                return Ok(None);
            };
            let email = EmailAddress::from_trusted(row.email.clone());
            let exists = users::find_by_email(conn, &email)?.is_some();
            Ok(Some((row, name, slug, exists)))
        })
        .await?;
    let (row, organization_name, organization_slug, account_exists) =
        found.ok_or(InvitationError::Link(LinkProblem::Unknown))?;
    usable(&row, now).map_err(InvitationError::Link)?;
    Ok(Opened {
        invitation: Invitation::from_row(row, now),
        organization_name,
        organization_slug,
        account_exists,
    })
}

/// What accepting gave.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub membership: Membership,
    pub organization_slug: String,
}

/// How an invitation is named when accepted: by the mailed link (which proves the mailbox), or
/// by id from the account page of a user whose address is already verified.
#[derive(Debug, Clone)]
pub enum Named {
    Link(SecretDigest),
    Id(String),
}

/// Accepts inside a transaction for `user` (whose address must be the invited one): marks it
/// accepted, adds the membership (an existing member keeps their role) and, for a link, verifies
/// the address it was mailed to.
fn accept_in(
    c: &mut DbConnection,
    named: &Named,
    user: &User,
    now: UnixTime,
    invitation_ttl: i64,
) -> Result<Result<Accepted, InvitationError>, StorageError> {
    let found = match named {
        Named::Link(digest) => store::find_by_token(c, digest)?.map(|(row, _, slug)| (row, slug)),
        Named::Id(id) => store::find_by_id(c, id)?,
    };
    let Some((row, slug)) = found else {
        return Ok(Err(InvitationError::Link(LinkProblem::Unknown)));
    };
    if let Err(problem) = usable(&row, now) {
        return Ok(Err(InvitationError::Link(problem)));
    }
    // The user as stored now, not as the session saw them a moment ago.
    let Some(user) = users::find_by_id(c, &user.id)?.filter(|u| !u.disabled) else {
        return Ok(Err(InvitationError::Account(AccountError::NotFound)));
    };
    if row.email != user.email.as_str() {
        if matches!(named, Named::Id(_)) {
            // Someone else's invitation, named by id: nothing to tell.
            return Ok(Err(InvitationError::Link(LinkProblem::Unknown)));
        }
        return Ok(Err(InvitationError::WrongAccount { invited: row.email }));
    }
    if matches!(named, Named::Id(_)) && !user.email_verified {
        return Ok(Err(InvitationError::Account(AccountError::Invalid(
            FieldError::new("email", "Verify your email address to accept invitations."),
        ))));
    }
    orgs::lock(c, &row.organization_id)?;
    if !store::accept(c, &row.id, &user.id, now)? {
        // Another tab used it first, or it was revoked or expired meanwhile.
        let problem = store::find(c, &row.organization_id, &row.id)?
            .map_or(Err(LinkProblem::Unknown), |r| usable(&r, now))
            .err()
            .unwrap_or(LinkProblem::Accepted);
        return Ok(Err(InvitationError::Link(problem)));
    }
    if !user.email_verified {
        users::mark_email_verified(c, &user.id, now)?;
        let verified = User {
            email_verified: true,
            updated_at: now,
            ..user.clone()
        };
        webhooks::user_event_in(c, now, "user.updated", &verified)?;
        super::domains::address_verified_in(c, &verified, now, invitation_ttl)?;
    }
    let existing = orgs::membership(c, &row.organization_id, &user.id)?;
    let membership = match existing {
        Some(m) => m,
        None => {
            let role = match orgs::role(c, &row.organization_id, &row.role_key)? {
                Some(_) => row.role_key.clone(),
                // The role was deleted since: fall back to the organization's default.
                None => orgs::find(c, &row.organization_id)?
                    .map(|o| o.default_role)
                    .unwrap_or_else(|| crate::domain::organization::MEMBER_ROLE.into()),
            };
            let m = Membership {
                disabled: false,
                organization_id: row.organization_id.clone(),
                user_id: user.id.clone(),
                role,
                created_at: now,
                updated_at: now,
            };
            orgs::insert_membership(c, &m)?;
            webhooks::emit_in(
                c,
                now,
                "organizationMembership.created",
                webhooks::membership_data(&m),
            )?;
            m
        }
    };
    let accepted = InvitationRow {
        state: store::ACCEPTED.into(),
        accepted_by: Some(user.id.clone()),
        updated_at: now,
        ..row
    };
    webhooks::emit_in(
        c,
        now,
        "organizationInvitation.accepted",
        webhooks::invitation_data(&accepted),
    )?;
    audit::record_in(
        c,
        Event::new(
            "organizationInvitation.accepted",
            Actor::User(user.id.clone()),
        )
        .target("invitation", accepted.id.clone())
        .organization(accepted.organization_id.clone())
        .detail("role", membership.role.clone()),
        now,
    )?;
    Ok(Ok(Accepted {
        membership,
        organization_slug: slug,
    }))
}

/// A signed-in user accepts with the mailed link; the joined organization becomes the session's
/// active one.
pub async fn accept(
    state: &AppState,
    token: &str,
    user: &User,
    session_id: &str,
) -> Result<Accepted, InvitationError> {
    if !plausible(token) {
        return Err(InvitationError::Link(LinkProblem::Unknown));
    }
    accept_named(
        state,
        Named::Link(SecretDigest::of(token)),
        user,
        session_id,
    )
    .await
}

/// A signed-in user with a verified address accepts an invitation to it from the account page.
pub async fn accept_by_id(
    state: &AppState,
    id: &str,
    user: &User,
    session_id: &str,
) -> Result<Accepted, InvitationError> {
    if id.is_empty() || id.len() > 100 {
        return Err(InvitationError::Link(LinkProblem::Unknown));
    }
    accept_named(state, Named::Id(id.to_string()), user, session_id).await
}

async fn accept_named(
    state: &AppState,
    digest: Named,
    user: &User,
    session_id: &str,
) -> Result<Accepted, InvitationError> {
    let now = state.clock.now();
    let ttl = state.config.organizations.invitation_days * 24 * 3600;
    let (user, session_id) = (user.clone(), session_id.to_string());
    state
        .db
        .run(move |conn| {
            crate::storage::write_transaction(conn, |c| {
                let accepted = accept_in(c, &digest, &user, now, ttl)?;
                if let Ok(a) = &accepted {
                    crate::storage::sessions::set_active_organization(
                        c,
                        &session_id,
                        Some(&a.membership.organization_id),
                    )?;
                }
                Ok::<_, StorageError>(accepted)
            })
        })
        .await?
}

/// Someone without an account creates one from the link (the invited address, verified) and
/// joins, in one transaction. Returns the new user; the caller starts their session.
pub async fn sign_up_and_accept(
    state: &AppState,
    token: &str,
    name: &str,
    password: &str,
) -> Result<(User, Accepted), InvitationError> {
    if state.config.sign_up.mode == SignUpMode::Closed {
        return Err(InvitationError::SignUpClosed);
    }
    let opened = open(state, token).await?;
    if opened.account_exists {
        return Err(InvitationError::Account(AccountError::Conflict(
            FieldError::new("email", "This address has an account: sign in to accept."),
        )));
    }
    let email = EmailAddress::from_trusted(opened.invitation.email.clone());
    let name = crate::domain::profile::parse_name("name", name)?;
    let product = state.config.brand.product_name.as_str();
    let mut context = vec![email.as_str(), product, opened.organization_name.as_str()];
    context.extend(name.as_deref());
    state
        .password_policy
        .check("password", password, &context)?;
    let hash = state
        .hasher
        .hash(password)
        .await
        .map_err(AccountError::from)?;
    let now = state.clock.now();
    let user = User {
        name,
        has_password: true,
        ..User::new(email, true, now)
    };
    let digest = SecretDigest::of(token);
    let created = user.clone();
    let ttl = state.config.organizations.invitation_days * 24 * 3600;
    let accepted = state
        .db
        .run(move |conn| {
            crate::storage::write_transaction(conn, |c| {
                if users::find_by_email(c, &created.email)?.is_some() {
                    return Ok(Err(InvitationError::Account(AccountError::Conflict(
                        FieldError::new("email", "This address has an account: sign in to accept."),
                    ))));
                }
                users::insert(c, &created, Some(&hash))?;
                webhooks::user_event_in(c, now, "user.created", &created)?;
                audit::record_in(
                    c,
                    Event::new("user.signed_up", Actor::User(created.id.clone()))
                        .target("user", created.id.clone())
                        .detail("via", "invitation"),
                    now,
                )?;
                let accepted = accept_in(c, &Named::Link(digest), &created, now, ttl)?;
                // The new address is verified: its domain's organization may invite it too.
                super::domains::address_verified_in(c, &created, now, ttl)?;
                // A refused link must not leave the account behind: roll back.
                match accepted {
                    Ok(a) => Ok(Ok(a)),
                    Err(e) => Err(RollbackOr::Refused(e)),
                }
            })
            .or_else(|e: RollbackOr| match e {
                RollbackOr::Refused(e) => Ok(Err(e)),
                RollbackOr::Storage(e) => Err(e),
            })
        })
        .await??;
    Ok((user, accepted))
}

/// A refusal that must undo the transaction it happened in, or a storage failure.
enum RollbackOr {
    Refused(InvitationError),
    Storage(StorageError),
}

impl From<diesel::result::Error> for RollbackOr {
    fn from(error: diesel::result::Error) -> Self {
        RollbackOr::Storage(error.into())
    }
}

impl From<StorageError> for RollbackOr {
    fn from(error: StorageError) -> Self {
        RollbackOr::Storage(error)
    }
}
