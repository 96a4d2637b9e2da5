//! Enterprise connections (an organization's IdP, Tessera the SP): the operations the CLI and the
//! admin API share. A connection is made from IdP metadata (XML, or fetched from a URL) or by
//! hand; its domains must be verified domains of its organization, so nobody can point another
//! company's addresses at their own IdP.

use super::certificates::{Certificate, to_pem_text};
use super::metadata_read::{self, IdpMetadata, MAX_METADATA_BYTES};
use crate::app::AppState;
use crate::domain::FieldError;
use crate::domain::organization_domain::check_domain;
use crate::organizations::{OrgError, find_in};
use crate::storage::saml_connections::{self as store, SamlConnectionRow};
use crate::storage::{DbConnection, StorageError, domains};

/// Where the IdP's settings come from.
#[derive(Debug, Clone)]
pub enum IdpSource {
    /// Metadata XML (read from a file by the CLI).
    MetadataXml(String),
    /// Metadata fetched from this https URL (kept, for `--refresh`).
    MetadataUrl(String),
    /// Given by hand.
    Manual {
        entity_id: String,
        sso_url: String,
        certificates_pem: String,
    },
}

/// The attribute names an IdP's assertions use (each optional; the defaults read the common
/// names of Okta, Entra ID, ADFS and Google Workspace).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct AttributeNames {
    pub email: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub groups: Option<String>,
}

/// What an add or update sets; `None` leaves a field as it is (add: the default).
#[derive(Debug, Clone, Default)]
pub struct ConnectionSettings {
    pub name: Option<String>,
    pub source: Option<IdpSource>,
    pub domains: Option<Vec<String>>,
    pub sign_requests: Option<bool>,
    pub allow_idp_initiated: Option<bool>,
    /// `Some(None)` clears it.
    pub default_target: Option<Option<String>>,
    pub mandatory: Option<bool>,
    pub attributes: AttributeNames,
}

/// A connection as shown.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Connection {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub idp_entity_id: String,
    pub sso_url: String,
    pub certificate_fingerprints: Vec<String>,
    pub sign_requests: bool,
    pub allow_idp_initiated: bool,
    pub default_target: Option<String>,
    pub mandatory: bool,
    pub domains: Vec<String>,
    pub attributes: AttributeNames,
    pub metadata_url: Option<String>,
    /// What the IdP admin needs: our entity id, ACS URL and metadata URL.
    pub sp_entity_id: String,
    pub acs_url: String,
    pub sp_metadata_url: String,
    pub sign_in_url: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The SP entity id of a connection (also its metadata URL).
pub fn sp_entity_id(state: &AppState, connection_id: &str) -> String {
    state.url(&format!("/saml/sp/{connection_id}/metadata"))
}

/// The ACS URL of a connection.
pub fn acs_url(state: &AppState, connection_id: &str) -> String {
    state.url(&format!("/saml/sp/{connection_id}/acs"))
}

/// The stored pinned certificates of a connection.
pub fn certificates(row: &SamlConnectionRow) -> Vec<Certificate> {
    Certificate::all_from_pem(&row.certificates).unwrap_or_default()
}

/// The attribute names a connection reads (unset ones fall back to the common names).
pub fn attribute_names(row: &SamlConnectionRow) -> AttributeNames {
    AttributeNames {
        email: row.email_attribute.clone(),
        given_name: row.given_name_attribute.clone(),
        family_name: row.family_name_attribute.clone(),
        groups: row.groups_attribute.clone(),
    }
}

fn shown(state: &AppState, row: SamlConnectionRow, domains: Vec<String>) -> Connection {
    Connection {
        certificate_fingerprints: certificates(&row)
            .iter()
            .map(Certificate::fingerprint)
            .collect(),
        sp_entity_id: sp_entity_id(state, &row.id),
        acs_url: acs_url(state, &row.id),
        sp_metadata_url: sp_entity_id(state, &row.id),
        sign_in_url: state.url(&format!("/saml/sp/{}/sso", row.id)),
        attributes: attribute_names(&row),
        id: row.id,
        organization_id: row.organization_id,
        name: row.name,
        idp_entity_id: row.idp_entity_id,
        sso_url: row.sso_url,
        sign_requests: row.sign_requests,
        allow_idp_initiated: row.allow_idp_initiated,
        default_target: row.default_target,
        mandatory: row.mandatory,
        domains,
        metadata_url: row.metadata_url,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> OrgError {
    OrgError::Invalid(FieldError::new(field, message))
}

/// An http(s) URL; plain http only for this machine (development and tests).
pub(crate) fn check_url(field: &'static str, text: &str) -> Result<String, OrgError> {
    let url = url::Url::parse(text.trim()).map_err(|_| invalid(field, "is not a URL"))?;
    let local = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match url.scheme() {
        "https" => {}
        "http" if local => {}
        _ => return Err(invalid(field, "must be an https URL")),
    }
    if url.fragment().is_some() || !url.username().is_empty() {
        return Err(invalid(field, "must not have a fragment or credentials"));
    }
    Ok(url.to_string())
}

pub(crate) fn check_text(field: &'static str, text: &str, max: usize) -> Result<String, OrgError> {
    let text = text.trim();
    if text.is_empty() || text.len() > max || text.chars().any(char::is_control) {
        return Err(invalid(field, format!("must be 1 to {max} characters")));
    }
    Ok(text.to_string())
}

/// Fetches metadata from an https URL (no redirects, 1 MiB, 10 s).
pub async fn fetch_metadata(state: &AppState, url: &str) -> Result<String, OrgError> {
    let url = check_url("metadata_url", url)?;
    let response = state
        .http
        .get(&url)
        .send()
        .await
        .map_err(|e| invalid("metadata_url", format!("could not be fetched: {e}")))?;
    if !response.status().is_success() {
        return Err(invalid(
            "metadata_url",
            format!("answered HTTP {}", response.status().as_u16()),
        ));
    }
    if response
        .content_length()
        .is_some_and(|n| n > MAX_METADATA_BYTES as u64)
    {
        return Err(invalid("metadata_url", "metadata larger than 1 MiB"));
    }
    let bytes = response
        .bytes()
        .await
        .map_err(|e| invalid("metadata_url", format!("could not be read: {e}")))?;
    if bytes.len() > MAX_METADATA_BYTES {
        return Err(invalid("metadata_url", "metadata larger than 1 MiB"));
    }
    String::from_utf8(bytes.to_vec()).map_err(|_| invalid("metadata_url", "is not UTF-8"))
}

/// The IdP settings of a source (metadata URLs fetched).
async fn resolve(
    state: &AppState,
    source: &IdpSource,
) -> Result<(IdpMetadata, Option<String>), OrgError> {
    let read = |field: &'static str, xml: &str| {
        metadata_read::read_idp(xml).map_err(|e| invalid(field, e.to_string()))
    };
    let read = |field: &'static str, xml: &str| {
        let idp = read(field, xml)?;
        check_url(field, &idp.sso_url)?;
        if let Some(slo) = &idp.slo_url {
            check_url(field, slo)?;
        }
        Ok::<_, OrgError>(idp)
    };
    Ok(match source {
        IdpSource::MetadataXml(xml) => (read("metadata", xml)?, None),
        IdpSource::MetadataUrl(url) => {
            let xml = fetch_metadata(state, url).await?;
            (read("metadata_url", &xml)?, Some(url.clone()))
        }
        IdpSource::Manual {
            entity_id,
            sso_url,
            certificates_pem,
        } => (
            IdpMetadata {
                entity_id: check_text("entity_id", entity_id, 1024)?,
                sso_url: check_url("sso_url", sso_url)?,
                certificates: Certificate::all_from_pem(certificates_pem)
                    .map_err(|e| invalid("cert", e.to_string()))?,
                want_authn_requests_signed: false,
                slo_url: None,
            },
            None,
        ),
    })
}

fn check_target(target: &str) -> Result<String, OrgError> {
    crate::web::return_to::local_path(target)
        .ok_or_else(|| invalid("default_target", "must be a path on this server"))
}

fn check_attribute(field: &'static str, name: &Option<String>) -> Result<(), OrgError> {
    match name {
        Some(name) => check_text(field, name, 512).map(|_| ()),
        None => Ok(()),
    }
}

/// Domains must be verified domains of the organization.
fn check_domains(
    conn: &mut DbConnection,
    organization_id: &str,
    domains_in: &[String],
) -> Result<Vec<String>, OrgError> {
    let mut out = Vec::new();
    for text in domains_in {
        let domain = check_domain(text).map_err(OrgError::Invalid)?;
        match domains::verified(conn, &domain)? {
            Some(row) if row.organization_id == organization_id => {}
            _ => {
                return Err(invalid(
                    "domain",
                    format!(
                        "{domain} is not a verified domain of this organization (verify it first: tessera domain)"
                    ),
                ));
            }
        }
        if !out.contains(&domain) {
            out.push(domain);
        }
    }
    out.sort();
    Ok(out)
}

fn apply(row: &mut SamlConnectionRow, settings: &ConnectionSettings) -> Result<(), OrgError> {
    if let Some(name) = &settings.name {
        row.name = check_text("name", name, 200)?;
    }
    if let Some(value) = settings.sign_requests {
        row.sign_requests = value;
    }
    if let Some(value) = settings.allow_idp_initiated {
        row.allow_idp_initiated = value;
    }
    if let Some(target) = &settings.default_target {
        row.default_target = target.as_deref().map(check_target).transpose()?;
    }
    if let Some(value) = settings.mandatory {
        row.mandatory = value;
    }
    let names = &settings.attributes;
    check_attribute("email_attribute", &names.email)?;
    check_attribute("given_name_attribute", &names.given_name)?;
    check_attribute("family_name_attribute", &names.family_name)?;
    check_attribute("groups_attribute", &names.groups)?;
    let set = |slot: &mut Option<String>, value: &Option<String>| {
        if let Some(value) = value {
            *slot = Some(value.trim().to_string());
        }
    };
    set(&mut row.email_attribute, &names.email);
    set(&mut row.given_name_attribute, &names.given_name);
    set(&mut row.family_name_attribute, &names.family_name);
    set(&mut row.groups_attribute, &names.groups);
    Ok(())
}

pub(crate) fn conflict(error: StorageError, field: &'static str, what: &str) -> OrgError {
    match error {
        StorageError::Conflict { .. } => OrgError::Conflict(FieldError::new(field, what)),
        other => other.into(),
    }
}

/// Adds a connection to an organization.
pub async fn add(
    state: &AppState,
    org: &str,
    settings: ConnectionSettings,
) -> Result<Connection, OrgError> {
    let source = settings.source.clone().ok_or_else(|| {
        invalid(
            "metadata",
            "give metadata, a metadata URL, or the IdP settings",
        )
    })?;
    let (idp, metadata_url) = resolve(state, &source).await?;
    let now = state.clock.now();
    let org = org.to_string();
    let shown_state = state.clone();
    state
        .db
        .run(move |conn| {
            Ok(crate::storage::write_transaction(conn, |c| {
                let organization = find_in(c, &org)?;
                let mut row = SamlConnectionRow {
                    id: format!("samlc_{}", uuid::Uuid::now_v7().simple()),
                    organization_id: organization.id.clone(),
                    name: organization.name.clone(),
                    idp_entity_id: idp.entity_id.clone(),
                    sso_url: idp.sso_url.clone(),
                    certificates: to_pem_text(&idp.certificates),
                    sign_requests: idp.want_authn_requests_signed,
                    allow_idp_initiated: false,
                    default_target: None,
                    mandatory: false,
                    email_attribute: None,
                    given_name_attribute: None,
                    family_name_attribute: None,
                    groups_attribute: None,
                    metadata_url,
                    created_at: now,
                    updated_at: now,
                    slo_url: idp.slo_url.clone(),
                };
                apply(&mut row, &settings)?;
                let domains = check_domains(
                    c,
                    &organization.id,
                    settings.domains.as_deref().unwrap_or_default(),
                )?;
                store::insert(c, &row).map_err(|e| {
                    conflict(
                        e,
                        "entity_id",
                        "this organization already has a connection to that IdP",
                    )
                })?;
                store::set_domains(c, &row.id, &domains).map_err(|e| {
                    conflict(e, "domain", "another connection already serves that domain")
                })?;
                Ok::<_, OrgError>(shown(&shown_state, row, domains))
            }))
        })
        .await?
}

/// Changes a connection (a new source replaces entity id, SSO URL and certificates).
pub async fn update(
    state: &AppState,
    org: &str,
    id: &str,
    settings: ConnectionSettings,
) -> Result<Connection, OrgError> {
    let idp = match &settings.source {
        Some(source) => Some(resolve(state, source).await?),
        None => None,
    };
    let now = state.clock.now();
    let (org, id) = (org.to_string(), id.to_string());
    let shown_state = state.clone();
    state
        .db
        .run(move |conn| {
            Ok(crate::storage::write_transaction(conn, |c| {
                let organization = find_in(c, &org)?;
                let mut row = store::find(c, &id)?
                    .filter(|r| r.organization_id == organization.id)
                    .ok_or(OrgError::NotFound("SAML connection"))?;
                if let Some((idp, metadata_url)) = &idp {
                    row.idp_entity_id = idp.entity_id.clone();
                    row.sso_url = idp.sso_url.clone();
                    row.certificates = to_pem_text(&idp.certificates);
                    row.metadata_url = metadata_url.clone();
                    row.slo_url = idp.slo_url.clone();
                    if settings.sign_requests.is_none() && idp.want_authn_requests_signed {
                        row.sign_requests = true;
                    }
                }
                apply(&mut row, &settings)?;
                row.updated_at = now;
                store::update(c, &row).map_err(|e| {
                    conflict(
                        e,
                        "entity_id",
                        "this organization already has a connection to that IdP",
                    )
                })?;
                let domains = match &settings.domains {
                    Some(list) => {
                        let domains = check_domains(c, &organization.id, list)?;
                        store::set_domains(c, &row.id, &domains).map_err(|e| {
                            conflict(e, "domain", "another connection already serves that domain")
                        })?;
                        domains
                    }
                    None => store::domains(c, &row.id)?,
                };
                Ok::<_, OrgError>(shown(&shown_state, row, domains))
            }))
        })
        .await?
}

/// An organization's connections.
pub async fn list(state: &AppState, org: &str) -> Result<Vec<Connection>, OrgError> {
    let org = org.to_string();
    let shown_state = state.clone();
    state
        .db
        .run(move |conn| {
            let organization = match find_in(conn, &org) {
                Ok(o) => o,
                Err(e) => return Ok(Err(e)),
            };
            let mut out = Vec::new();
            for row in store::list(conn, &organization.id)? {
                let domains = store::domains(conn, &row.id)?;
                out.push(shown(&shown_state, row, domains));
            }
            Ok(Ok(out))
        })
        .await?
}

/// One connection of an organization.
pub async fn show(state: &AppState, org: &str, id: &str) -> Result<Connection, OrgError> {
    list(state, org)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or(OrgError::NotFound("SAML connection"))
}

/// Deletes a connection (its links to accounts go with it; the accounts stay).
pub async fn delete(state: &AppState, org: &str, id: &str) -> Result<(), OrgError> {
    let existing = show(state, org, id).await?;
    let id = existing.id;
    state.db.run(move |conn| store::delete(conn, &id)).await?;
    Ok(())
}
