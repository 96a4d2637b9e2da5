//! `GET /saml/idp/metadata`: the IdP metadata SAML apps import: every published SAML key's
//! certificate (so a rotated-in key is known before it signs), SSO and SLO endpoints for the
//! HTTP-Redirect and HTTP-POST bindings, and the NameID formats offered.

use super::super::error::SamlError;
use super::super::sp::acs::saml_error_page;
use super::super::{
    BINDING_POST, BINDING_REDIRECT, NAMEID_EMAIL, NAMEID_PERSISTENT, NAMEID_TRANSIENT, escape,
};
use crate::app::AppState;
use crate::crypto::saml_keys::SamlKeys;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

pub fn document(state: &AppState, certificates: &[String]) -> String {
    let mut keys = String::new();
    for certificate in certificates {
        keys.push_str(&format!(
            "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        ));
    }
    let sso = escape(&state.url("/saml/idp/sso"));
    let slo = escape(&state.url("/saml/idp/slo"));
    format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
            "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" entityID=\"{entity}\">",
            "<md:IDPSSODescriptor WantAuthnRequestsSigned=\"false\" protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">",
            "{keys}",
            "<md:SingleLogoutService Binding=\"{redirect}\" Location=\"{slo}\"/>",
            "<md:SingleLogoutService Binding=\"{post}\" Location=\"{slo}\"/>",
            "<md:NameIDFormat>{email}</md:NameIDFormat>",
            "<md:NameIDFormat>{persistent}</md:NameIDFormat>",
            "<md:NameIDFormat>{transient}</md:NameIDFormat>",
            "<md:SingleSignOnService Binding=\"{redirect}\" Location=\"{sso}\"/>",
            "<md:SingleSignOnService Binding=\"{post}\" Location=\"{sso}\"/>",
            "</md:IDPSSODescriptor></md:EntityDescriptor>\n"
        ),
        entity = escape(&super::entity_id(state)),
        keys = keys,
        redirect = BINDING_REDIRECT,
        post = BINDING_POST,
        sso = sso,
        slo = slo,
        email = NAMEID_EMAIL,
        persistent = NAMEID_PERSISTENT,
        transient = NAMEID_TRANSIENT,
    )
}

pub async fn serve(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let result: Result<Vec<String>, SamlError> = async {
        super::super::sp::ensure_keys(&state).await?;
        Ok(state
            .db
            .run(|conn| {
                SamlKeys::certificates(conn)
                    .map_err(|e| crate::storage::StorageError::Query(e.to_string()))
            })
            .await?)
    }
    .await;
    match result {
        Ok(certificates) => HttpResponse::Ok()
            .content_type("application/samlmetadata+xml")
            .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
            .body(document(&state, &certificates)),
        Err(error) => saml_error_page(&req, &state, &error),
    }
}
