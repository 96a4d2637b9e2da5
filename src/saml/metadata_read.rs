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
}

/// Reads IdP metadata.
pub fn read_idp(xml: &str) -> Result<IdpMetadata, SamlError> {
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
        .filter(|id| !id.trim().is_empty())
        .ok_or_else(|| SamlError::Malformed("metadata has no entityID".into()))?;
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
    Ok(IdpMetadata {
        entity_id,
        sso_url,
        certificates: signing,
        want_authn_requests_signed: descriptor.want_authn_requests_signed.unwrap_or(false),
    })
}
