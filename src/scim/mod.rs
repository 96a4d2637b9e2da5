//! SCIM 2.0 (RFC 7643, 7644) under `/scim/v2`: directories provision an organization's people.
//! Connections are tokens (`tokens.rs`) that decide the organization of the caller
//! (`caller.rs`). `schema.rs` defines the attributes once; `user_resource.rs` reads and renders a
//! User, `filter.rs` parses filters and `resolve.rs` resolves them for storage;
//! `provisioning.rs` is what a User means inside Tessera; `users.rs` holds the endpoints. Groups
//! follow the same split (`group_resource.rs`, `group_provisioning.rs`, `groups.rs`), and
//! `group_roles.rs` maps directory groups to organization roles; `endpoints.rs` is the HTTP shape
//! both resource types share. Errors
//! use the RFC's format (`error.rs`). Any other path answers a SCIM 404 to an authenticated
//! directory and 401 to anyone else.

pub mod bulk;
pub mod caller;
pub mod discovery;
pub mod endpoints;
pub mod error;
pub mod filter;
#[cfg(test)]
mod filter_props;
pub mod group_provisioning;
pub mod group_resource;
pub mod group_roles;
pub mod groups;
pub mod patch;
pub mod patch_op;
pub mod projection;
pub mod provisioning;
pub mod request;
pub mod resolve;
pub mod schema;
pub mod tokens;
pub mod user_resource;
pub mod users;
pub mod value_filter;

use actix_web::{HttpResponse, web};
use caller::ScimCaller;
use error::ScimError;

async fn not_supported(_caller: ScimCaller) -> Result<HttpResponse, ScimError> {
    Err(ScimError::NotFound(
        "this resource is not served by this SCIM server".into(),
    ))
}

/// Registers the routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/scim/v2")
            .configure(endpoints::routes::<users::Users>)
            .configure(endpoints::routes::<groups::Groups>)
            .configure(bulk::routes)
            .configure(discovery::routes)
            .default_service(web::to(not_supported)),
    );
}
