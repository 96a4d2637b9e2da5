//! Reading a partner's metadata (an IdP's `EntityDescriptor`): its entity id, where to send
//! AuthnRequests, the certificates it signs with, and whether it wants signed requests. Metadata
//! passes the same XML guard as any SAML message; aggregates (`EntitiesDescriptor`) are refused.

use super::certificates::Certificate;
use super::error::SamlError;
use super::{BINDING_REDIRECT, xml_guard};
use samael::metadata::EntityDescriptor;

/// The largest metadata document read.
pub const MAX_METADATA_BYTES: usize = 1024 * 1024;

/// What Tessera needs of an IdP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpMetadata {
    pub entity_id: String,
    /// The HTTP-Redirect SingleSignOnService.
    pub sso_url: String,
    pub certificates: Vec<Certificate>,
    pub want_authn_requests_signed: bool,
    /// The HTTP-Redirect SingleLogoutService, if any.
    pub slo_url: Option<String>,
}

/// What Tessera needs of a service provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpMetadata {
    pub entity_id: String,
    /// HTTP-POST AssertionConsumerServices, the default first.
    pub acs_urls: Vec<String>,
    /// The SingleLogoutService (HTTP-Redirect preferred, else HTTP-POST).
    pub slo_url: Option<String>,
    pub certificates: Vec<Certificate>,
    pub authn_requests_signed: bool,
}

/// Guards, parses, and reads the entity id of a metadata document.
fn entity(xml: &str) -> Result<(EntityDescriptor, String), SamlError> {
    if xml.len() > MAX_METADATA_BYTES {
        return Err(SamlError::Malformed("metadata larger than 1 MiB".into()));
    }
    let shape = xml_guard::check(xml)?;
    if shape.root != "EntityDescriptor" {
        return Err(SamlError::Malformed(format!(
            "expected an EntityDescriptor, found {}",
            shape.root
        )));
    }
    let entity: EntityDescriptor = xml
        .parse()
        .map_err(|e| SamlError::Malformed(format!("metadata: {e}")))?;
    let entity_id = entity
        .entity_id
        .clone()
        .map(|id| id.trim().to_string())
        .filter(|id| !id.is_empty() && id.len() <= 1024)
        .ok_or_else(|| SamlError::Malformed("metadata has no entityID".into()))?;
    Ok((entity, entity_id))
}

fn certificates_of(
    descriptors: &[samael::metadata::KeyDescriptor],
    usage: &str,
) -> Result<Vec<Certificate>, SamlError> {
    descriptors
        .iter()
        .filter(|k| {
            k.key_use
                .as_deref()
                .is_none_or(|u| u.is_empty() || u == usage)
        })
        .flat_map(|k| k.key_info.x509_data.iter())
        .flat_map(|data| data.certificates.iter())
        .map(|text| Certificate::from_base64(text))
        .collect()
}

/// Reads SP metadata.
pub fn read_sp(xml: &str) -> Result<SpMetadata, SamlError> {
    let (entity, entity_id) = entity(xml)?;
    let descriptor = entity
        .sp_sso_descriptors
        .as_ref()
        .and_then(|d| d.first())
        .ok_or_else(|| SamlError::Malformed("metadata has no SPSSODescriptor".into()))?;
    let mut services: Vec<_> = descriptor
        .assertion_consumer_services
        .iter()
        .filter(|s| s.binding == super::BINDING_POST)
        .collect();
    services.sort_by_key(|s| (s.is_default != Some(true), s.index));
    let acs_urls: Vec<String> = services.iter().map(|s| s.location.clone()).collect();
    if acs_urls.is_empty() {
        return Err(SamlError::Malformed(
            "the SP offers no HTTP-POST AssertionConsumerService".into(),
        ));
    }
    let slo = descriptor
        .single_logout_services
        .as_deref()
        .unwrap_or_default();
    let slo_url = slo
        .iter()
        .find(|s| s.binding == BINDING_REDIRECT)
        .or_else(|| slo.iter().find(|s| s.binding == super::BINDING_POST))
        .map(|s| s.location.clone());
    // Encryption certificates first: assertions are encrypted to the first one; signatures are
    // checked against all.
    let keys = descriptor.key_descriptors.as_deref().unwrap_or_default();
    let mut certificates = certificates_of(keys, "encryption")?;
    for certificate in certificates_of(keys, "signing")? {
        if !certificates.contains(&certificate) {
            certificates.push(certificate);
        }
    }
    Ok(SpMetadata {
        entity_id,
        acs_urls,
        slo_url,
        certificates,
        authn_requests_signed: descriptor.authn_requests_signed.unwrap_or(false),
    })
}

/// Reads IdP metadata.
pub fn read_idp(xml: &str) -> Result<IdpMetadata, SamlError> {
    let (entity, entity_id) = entity(xml)?;
    let descriptor = entity
        .idp_sso_descriptors
        .as_ref()
        .and_then(|d| d.first())
        .ok_or_else(|| SamlError::Malformed("metadata has no IDPSSODescriptor".into()))?;
    let sso_url = descriptor
        .single_sign_on_services
        .iter()
        .find(|s| s.binding == BINDING_REDIRECT)
        .map(|s| s.location.clone())
        .ok_or_else(|| {
            SamlError::Malformed("the IdP offers no HTTP-Redirect SingleSignOnService".into())
        })?;
    let signing: Vec<_> = descriptor
        .key_descriptors
        .iter()
        .filter(|k| {
            k.key_use
                .as_deref()
                .is_none_or(|u| u.is_empty() || u == "signing")
        })
        .flat_map(|k| k.key_info.x509_data.iter())
        .flat_map(|data| data.certificates.iter())
        .map(|text| Certificate::from_base64(text))
        .collect::<Result<_, _>>()?;
    if signing.is_empty() {
        return Err(SamlError::Malformed(
            "metadata has no signing certificate".into(),
        ));
    }
    let slo_url = descriptor
        .single_logout_services
        .iter()
        .find(|s| s.binding == BINDING_REDIRECT)
        .map(|s| s.location.clone());
    Ok(IdpMetadata {
        entity_id,
        sso_url,
        slo_url,
        certificates: signing,
        want_authn_requests_signed: descriptor.want_authn_requests_signed.unwrap_or(false),
    })
}
