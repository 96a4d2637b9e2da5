//! SAML apps: service providers that use Tessera as their IdP, registered from their metadata
//! (XML or an https URL) or by hand. The operations the CLI shares.

use super::super::certificates::{Certificate, to_pem_text};
use super::super::connections::{check_text, check_url, conflict, fetch_metadata, invalid};
use super::super::metadata_read::{self, SpMetadata};
use crate::app::AppState;
use crate::organizations::{OrgError, find_in};
use crate::storage::saml_apps::{self as store, SamlAppRow};

/// NameID formats an app can get.
pub const NAME_ID_FORMATS: [&str; 3] = ["email", "persistent", "transient"];

/// Where the SP's settings come from.
#[derive(Debug, Clone)]
pub enum SpSource {
    MetadataXml(String),
    MetadataUrl(String),
    Manual { entity_id: String, acs_url: String },
}

/// What an add or update sets; `None` leaves a field as it is (add: the default).
#[derive(Debug, Clone, Default)]
pub struct AppSettings {
    pub name: Option<String>,
    pub source: Option<SpSource>,
    /// The SP's certificate(s), PEM (by hand; metadata brings its own).
    pub certificates_pem: Option<String>,
    pub slo_url: Option<Option<String>>,
    pub requests_signed: Option<bool>,
    pub encrypt_assertions: Option<bool>,
    pub name_id_format: Option<String>,
    /// `Some(None)` detaches the organization.
    pub organization: Option<Option<String>>,
}

/// An app as shown.
#[derive(Debug, Clone, serde::Serialize)]
pub struct App {
    pub id: String,
    pub name: String,
    pub entity_id: String,
    pub acs_urls: Vec<String>,
    pub slo_url: Option<String>,
    pub certificate_fingerprints: Vec<String>,
    pub requests_signed: bool,
    pub encrypt_assertions: bool,
    pub name_id_format: String,
    pub organization_id: Option<String>,
    pub metadata_url: Option<String>,
    /// What the SP admin needs.
    pub idp_entity_id: String,
    pub idp_metadata_url: String,
    pub sso_url: String,
    /// IdP-initiated sign-in to this app.
    pub start_url: String,
    pub created_at: i64,
    pub updated_at: i64,
}

pub fn shown(state: &AppState, row: SamlAppRow) -> App {
    App {
        acs_urls: row.acs_list().iter().map(|s| s.to_string()).collect(),
        certificate_fingerprints: Certificate::all_from_pem(&row.certificates)
            .unwrap_or_default()
            .iter()
            .map(Certificate::fingerprint)
            .collect(),
        idp_entity_id: super::entity_id(state),
        idp_metadata_url: super::entity_id(state),
        sso_url: state.url("/saml/idp/sso"),
        start_url: state.url(&format!("/saml/idp/apps/{}/start", row.id)),
        id: row.id,
        name: row.name,
        entity_id: row.entity_id,
        slo_url: row.slo_url,
        requests_signed: row.requests_signed,
        encrypt_assertions: row.encrypt_assertions,
        name_id_format: row.name_id_format,
        organization_id: row.organization_id,
        metadata_url: row.metadata_url,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

async fn resolve(
    state: &AppState,
    source: &SpSource,
) -> Result<(SpMetadata, Option<String>), OrgError> {
    // Every URL an assertion or a logout answer may be sent to is checked, whatever its source.
    let read = |field: &'static str, xml: &str| {
        let sp = metadata_read::read_sp(xml).map_err(|e| invalid(field, e.to_string()))?;
        for url in sp.acs_urls.iter().chain(sp.slo_url.iter()) {
            check_url(field, url)?;
        }
        Ok::<_, OrgError>(sp)
    };
    Ok(match source {
        SpSource::MetadataXml(xml) => (read("metadata", xml)?, None),
        SpSource::MetadataUrl(url) => {
            let xml = fetch_metadata(state, url).await?;
            (read("metadata_url", &xml)?, Some(url.clone()))
        }
        SpSource::Manual { entity_id, acs_url } => (
            SpMetadata {
                entity_id: check_text("entity_id", entity_id, 1024)?,
                acs_urls: vec![check_url("acs_url", acs_url)?],
                slo_url: None,
                certificates: Vec::new(),
                authn_requests_signed: false,
            },
            None,
        ),
    })
}

fn apply(
    conn: &mut crate::storage::DbConnection,
    row: &mut SamlAppRow,
    settings: &AppSettings,
) -> Result<(), OrgError> {
    if let Some(name) = &settings.name {
        row.name = check_text("name", name, 200)?;
    }
    if let Some(pem) = &settings.certificates_pem {
        let certificates =
            Certificate::all_from_pem(pem).map_err(|e| invalid("cert", e.to_string()))?;
        row.certificates = to_pem_text(&certificates);
    }
    if let Some(slo) = &settings.slo_url {
        row.slo_url = slo
            .as_deref()
            .map(|u| check_url("slo_url", u))
            .transpose()?;
    }
    if let Some(value) = settings.requests_signed {
        row.requests_signed = value;
    }
    if let Some(value) = settings.encrypt_assertions {
        row.encrypt_assertions = value;
    }
    if let Some(format) = &settings.name_id_format {
        if !NAME_ID_FORMATS.contains(&format.as_str()) {
            return Err(invalid(
                "name_id_format",
                "must be email, persistent or transient",
            ));
        }
        row.name_id_format = format.clone();
    }
    if let Some(organization) = &settings.organization {
        row.organization_id = match organization {
            Some(reference) => Some(find_in(conn, reference)?.id),
            None => None,
        };
    }
    if (row.requests_signed || row.encrypt_assertions) && row.certificates.is_empty() {
        return Err(invalid(
            "cert",
            "signed requests and encrypted assertions need the SP's certificate",
        ));
    }
    Ok(())
}

/// Registers an app.
pub async fn add(state: &AppState, settings: AppSettings) -> Result<App, OrgError> {
    let source = settings.source.clone().ok_or_else(|| {
        invalid(
            "metadata",
            "give metadata, a metadata URL, or the SP's entity id and ACS URL",
        )
    })?;
    let (sp, metadata_url) = resolve(state, &source).await?;
    let now = state.clock.now();
    let shown_state = state.clone();
    state
        .db
        .run(move |conn| {
            Ok(crate::storage::write_transaction(conn, |c| {
                let mut row = SamlAppRow {
                    id: format!("samla_{}", uuid::Uuid::now_v7().simple()),
                    name: sp.entity_id.clone(),
                    entity_id: sp.entity_id.clone(),
                    acs_urls: sp.acs_urls.join("\n"),
                    slo_url: sp.slo_url.clone(),
                    certificates: to_pem_text(&sp.certificates),
                    requests_signed: sp.authn_requests_signed,
                    encrypt_assertions: false,
                    name_id_format: "email".into(),
                    organization_id: None,
                    metadata_url,
                    created_at: now,
                    updated_at: now,
                };
                apply(c, &mut row, &settings)?;
                store::insert(c, &row)
                    .map_err(|e| conflict(e, "entity_id", "an app with this entity id exists"))?;
                Ok::<_, OrgError>(shown(&shown_state, row))
            }))
        })
        .await?
}

/// Changes an app (a new source replaces entity id, ACS URLs, SLO URL and certificates).
pub async fn update(state: &AppState, id: &str, settings: AppSettings) -> Result<App, OrgError> {
    let sp = match &settings.source {
        Some(source) => Some(resolve(state, source).await?),
        None => None,
    };
    let now = state.clock.now();
    let id = id.to_string();
    let shown_state = state.clone();
    state
        .db
        .run(move |conn| {
            Ok(crate::storage::write_transaction(conn, |c| {
                let mut row = store::find(c, &id)?.ok_or(OrgError::NotFound("SAML app"))?;
                if let Some((sp, metadata_url)) = &sp {
                    row.entity_id = sp.entity_id.clone();
                    row.acs_urls = sp.acs_urls.join("\n");
                    if !sp.certificates.is_empty() {
                        row.certificates = to_pem_text(&sp.certificates);
                    }
                    if sp.slo_url.is_some() {
                        row.slo_url = sp.slo_url.clone();
                    }
                    if settings.requests_signed.is_none() {
                        row.requests_signed = sp.authn_requests_signed;
                    }
                    row.metadata_url = metadata_url.clone();
                }
                apply(c, &mut row, &settings)?;
                row.updated_at = now;
                store::update(c, &row)
                    .map_err(|e| conflict(e, "entity_id", "an app with this entity id exists"))?;
                Ok::<_, OrgError>(shown(&shown_state, row))
            }))
        })
        .await?
}

pub async fn list(state: &AppState) -> Result<Vec<App>, OrgError> {
    let rows = state.db.run(store::list).await?;
    Ok(rows.into_iter().map(|r| shown(state, r)).collect())
}

pub async fn show(state: &AppState, id: &str) -> Result<App, OrgError> {
    let lookup = id.to_string();
    let row = state.db.run(move |conn| store::find(conn, &lookup)).await?;
    row.map(|r| shown(state, r))
        .ok_or(OrgError::NotFound("SAML app"))
}

pub async fn delete(state: &AppState, id: &str) -> Result<App, OrgError> {
    let app = show(state, id).await?;
    let lookup = app.id.clone();
    state
        .db
        .run(move |conn| store::delete(conn, &lookup))
        .await?;
    Ok(app)
}
