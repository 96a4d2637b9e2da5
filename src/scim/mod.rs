//! SCIM 2.0 (RFC 7643, 7644) under `/scim/v2`: directories provision an organization's people.
//! This first step holds the connections: tokens (`tokens.rs`), the caller they authenticate
//! (`caller.rs`) and the error format (`error.rs`). Resources come next; until then every path
//! answers a SCIM 404 to an authenticated directory and 401 to anyone else.

pub mod caller;
pub mod error;
pub mod filter;
pub mod tokens;

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
    cfg.service(web::scope("/scim/v2").default_service(web::to(not_supported)));
}
