//! The directory calling: the SCIM token in `Authorization: Bearer`, and its organization.

use super::error::ScimError;
use super::tokens;
use crate::app::AppState;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use std::future::Future;
use std::pin::Pin;

/// An authenticated directory connection.
#[derive(Debug, Clone)]
pub struct ScimCaller {
    pub token_id: String,
    /// Every SCIM request acts in this organization only.
    pub organization_id: String,
}

impl FromRequest for ScimCaller {
    type Error = ScimError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ScimError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let secret = crate::http::bearer_header(req);
        Box::pin(async move {
            let (Some(state), Some(secret)) = (state, secret) else {
                return Err(ScimError::Unauthorized);
            };
            let row = tokens::authenticate(&state, &secret).await?;
            Ok(ScimCaller {
                token_id: row.id,
                organization_id: row.organization_id,
            })
        })
    }
}
