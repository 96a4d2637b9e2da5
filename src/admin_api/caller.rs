//! The caller of an admin API route: the API key in `Authorization: Bearer`.

use super::keys::{self, ApiKey};
use super::problem::ApiError;
use crate::app::AppState;
use crate::audit::Actor;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use std::future::Future;
use std::pin::Pin;

/// An authenticated key.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key: ApiKey,
}

impl Caller {
    /// Refuses with 403 unless the key holds `scope`.
    pub fn require(&self, scope: &'static str) -> Result<(), ApiError> {
        if self.key.allows(scope) {
            Ok(())
        } else {
            Err(ApiError::MissingScope(scope))
        }
    }

    /// An audit event of a change made with this key, on `kind` `id`.
    pub fn event(&self, action: &'static str, kind: &'static str, id: &str) -> crate::audit::Event {
        crate::audit::Event::new(action, self.actor()).target(kind, id)
    }

    /// The audit actor for changes made with this key.
    pub fn actor(&self) -> Actor {
        Actor::ApiKey(self.key.id.clone())
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let secret = crate::http::bearer_header(req);
        Box::pin(async move {
            let (Some(state), Some(secret)) = (state, secret) else {
                return Err(ApiError::Unauthenticated);
            };
            let key = keys::authenticate(&state, &secret).await?;
            Ok(Caller { key })
        })
    }
}
