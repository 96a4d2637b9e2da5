//! SAML 2.0 (issue 6; design note 0013). Today: enterprise connections, where an organization's
//! own IdP signs its people in and Tessera is the service provider (`sp/`).
//!
//! - `xml_guard.rs` is the first look at anything a partner sends (no DTD, entity, comment or
//!   processing instruction, bounded depth); `metadata_read.rs` reads IdP metadata;
//!   `certificates.rs` holds pinned partner certificates; `connections.rs` the operations the CLI
//!   and admin API share; `error.rs` every reason a message is refused.
//! - `sp/metadata.rs` serves SP metadata per connection, `sp/sso.rs` starts SP-initiated SSO
//!   (`sp/authn_request.rs` builds the HTTP-Redirect AuthnRequest), `sp/acs.rs` receives the
//!   response: `sp/verify.rs` checks signatures with the pinned certificates and keeps only the
//!   signed content, `sp/decrypt.rs` opens encrypted assertions, `sp/checks.rs` runs the
//!   profile's checks, and `sp/sign_in.rs` finds, links or provisions the account.

pub mod certificates;
pub mod connections;
pub mod error;
pub mod idp;
pub mod logout_response;
pub mod metadata_read;
pub mod signature_shape;
pub mod sp;
pub mod xml_encryption;
pub mod xml_guard;
pub mod xml_signature;

use actix_web::web;

pub const NS_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
pub const NS_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
pub const NS_METADATA: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
pub const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
pub const BINDING_REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
pub const BINDING_POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
pub const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
pub const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
pub const NAMEID_EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
pub const NAMEID_PERSISTENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
pub const NAMEID_TRANSIENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient";
pub const NAMEID_UNSPECIFIED: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";

/// Registers the SAML routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/saml/sp/{connection}/metadata",
        web::get().to(sp::metadata::serve),
    )
    .route("/saml/sp/{connection}/sso", web::get().to(sp::sso::start))
    .route(
        "/saml/sp/{connection}/slo",
        web::get().to(sp::logout::receive),
    )
    .service(
        web::resource("/saml/sp/{connection}/acs")
            .app_data(
                web::FormConfig::default()
                    .limit(sp::acs::MAX_FORM_BYTES)
                    .error_handler(sp::acs::form_error),
            )
            .route(web::post().to(sp::acs::receive)),
    )
    .route("/saml/idp/metadata", web::get().to(idp::metadata::serve))
    .route("/saml/idp/sso", web::get().to(idp::sso::redirect_binding))
    .route("/saml/idp/sso", web::post().to(idp::sso::post_binding))
    .route("/saml/idp/resume/{id}", web::get().to(idp::sso::resume))
    .route("/saml/idp/apps/{app}/start", web::get().to(idp::sso::start))
    .route("/saml/idp/slo", web::get().to(idp::slo::redirect_binding))
    .route("/saml/idp/slo", web::post().to(idp::slo::post_binding));
}

/// Text escaped for XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A fresh message id: an NCName (`_` and 40 hex digits), unguessable.
pub fn new_id() -> String {
    let bytes: [u8; 20] = crate::crypto::random::random_bytes();
    let mut id = String::from("_");
    for b in bytes {
        id.push_str(&format!("{b:02x}"));
    }
    id
}

/// A time as SAML writes it (UTC, seconds, `Z`).
pub fn instant(unix: crate::clock::UnixTime) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Counts one SAML request from `client` against its budget (`saml.requests_per_client` per
/// 10 minutes): requests write a row before anyone has signed in.
pub async fn request_budget(
    state: &crate::app::AppState,
    client: std::net::IpAddr,
) -> Result<(), error::SamlError> {
    let budget = crate::domain::budget::Budget {
        label: "saml",
        max_per_window: state.config.saml.requests_per_client,
        window_seconds: 600,
    };
    let subject = crate::domain::sign_in_throttle::client_address_subject(client);
    match crate::accounts::budget_allows(state, budget, &subject).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(error::SamlError::TooMany),
        Err(crate::accounts::AccountError::Unavailable) => Err(error::SamlError::Storage(
            crate::storage::StorageError::Unavailable("database".into()),
        )),
        Err(other) => Err(error::SamlError::Internal(other.to_string())),
    }
}
