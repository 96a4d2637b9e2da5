//! `GET /saml/sp/{connection}/metadata`: the SP metadata an IdP admin imports. Its URL is also
//! the connection's SP entity id. It lists every published SAML key of this server, for signing
//! (AuthnRequests) and for encryption (AES-GCM content, RSA-OAEP key transport), the NameID
//! formats understood, and the ACS (HTTP-POST).

use super::super::connections::{acs_url, sp_entity_id};
use super::super::error::SamlError;
use super::super::{BINDING_POST, NAMEID_EMAIL, NAMEID_PERSISTENT, NAMEID_UNSPECIFIED, escape};
use super::acs::saml_error_page;
use crate::app::AppState;
use crate::crypto::saml_keys::SamlKeys;
use crate::storage::saml_connections;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

/// Content encryption methods Tessera decrypts, strongest first.
pub const CONTENT_ENCRYPTION: [&str; 3] = [
    "http://www.w3.org/2009/xmlenc11#aes256-gcm",
    "http://www.w3.org/2009/xmlenc11#aes192-gcm",
    "http://www.w3.org/2009/xmlenc11#aes128-gcm",
];
/// Key transport Tessera accepts (never `rsa-1_5`).
pub const KEY_TRANSPORT: &str = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";

fn key_descriptor(usage: &str, certificate: &str, methods: &[&str]) -> String {
    let mut out = format!(
        "<md:KeyDescriptor use=\"{usage}\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"
    );
    for method in methods {
        out.push_str(&format!("<md:EncryptionMethod Algorithm=\"{method}\"/>"));
    }
    out.push_str("</md:KeyDescriptor>");
    out
}

/// The metadata document of a connection.
pub fn document(
    state: &AppState,
    connection_id: &str,
    sign_requests: bool,
    certificates: &[String],
) -> String {
    let mut keys = String::new();
    for certificate in certificates {
        keys.push_str(&key_descriptor("signing", certificate, &[]));
    }
    let mut encryption: Vec<&str> = CONTENT_ENCRYPTION.to_vec();
    encryption.push(KEY_TRANSPORT);
    for certificate in certificates {
        keys.push_str(&key_descriptor("encryption", certificate, &encryption));
    }
    format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
            "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" entityID=\"{entity}\">",
            "<md:SPSSODescriptor AuthnRequestsSigned=\"{signed}\" WantAssertionsSigned=\"true\" protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">",
            "{keys}",
            "<md:SingleLogoutService Binding=\"{redirect}\" Location=\"{slo}\"/>",
            "<md:NameIDFormat>{email}</md:NameIDFormat>",
            "<md:NameIDFormat>{persistent}</md:NameIDFormat>",
            "<md:NameIDFormat>{unspecified}</md:NameIDFormat>",
            "<md:AssertionConsumerService Binding=\"{post}\" Location=\"{acs}\" index=\"0\" isDefault=\"true\"/>",
            "</md:SPSSODescriptor></md:EntityDescriptor>\n"
        ),
        entity = escape(&sp_entity_id(state, connection_id)),
        signed = sign_requests,
        keys = keys,
        email = NAMEID_EMAIL,
        persistent = NAMEID_PERSISTENT,
        unspecified = NAMEID_UNSPECIFIED,
        post = BINDING_POST,
        redirect = super::super::BINDING_REDIRECT,
        slo = escape(&state.url(&format!("/saml/sp/{connection_id}/slo"))),
        acs = escape(&acs_url(state, connection_id)),
    )
}

/// Serves the metadata.
pub async fn serve(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    match render(&state, path.into_inner()).await {
        Ok(xml) => HttpResponse::Ok()
            .content_type("application/samlmetadata+xml")
            .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
            .body(xml),
        Err(error) => saml_error_page(&req, &state, &error),
    }
}

async fn render(state: &AppState, connection_id: String) -> Result<String, SamlError> {
    super::ensure_keys(state).await?;
    let lookup = connection_id.clone();
    let (connection, certificates) = state
        .db
        .run(move |conn| {
            let connection = saml_connections::find(conn, &lookup)?;
            let certificates = SamlKeys::certificates(conn)
                .map_err(|e| crate::storage::StorageError::Query(e.to_string()))?;
            Ok((connection, certificates))
        })
        .await?;
    let connection = connection.ok_or(SamlError::UnknownConnection)?;
    Ok(document(
        state,
        &connection.id,
        connection.sign_requests,
        &certificates,
    ))
}
