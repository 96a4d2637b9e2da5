//! The admin REST API under `/admin/v1`: JSON in and out, API keys with scopes
//! (`Authorization: Bearer tsk_...`), cursor pagination, RFC 9457 problem details, idempotency
//! keys on POST, and an OpenAPI 3.1 document generated from the handlers (`openapi.rs`).
//! Each resource has its own file; they call the same operations as the CLI.

pub mod audit;
pub mod caller;
pub mod clients;
pub mod domains;
pub mod idempotency;
pub mod keys;
pub mod openapi;
pub mod organizations;
pub mod problem;
pub mod saml_connections;
pub mod scim_group_roles;
pub mod scim_tokens;
pub mod users;
pub mod webhooks;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use problem::ApiError;
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// The most items a page may hold.
pub const MAX_PAGE: i64 = 200;

/// `?limit=&cursor=` of every list route.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page (1 to 200, default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    /// The page size and start position of a list query's `limit` and `cursor`.
    pub fn of(
        limit: Option<i64>,
        cursor: &Option<String>,
    ) -> Result<(i64, Option<String>), ApiError> {
        let paging = Self {
            limit,
            cursor: cursor.clone(),
        };
        Ok((paging.size()?, paging.after()?))
    }

    /// The page size asked for.
    pub fn size(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(50),
            Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
            Some(_) => Err(crate::domain::FieldError::new("limit", "must be 1 to 200").into()),
        }
    }

    /// The position after which the page starts (decoded from the opaque cursor).
    pub fn after(&self) -> Result<Option<String>, ApiError> {
        let Some(cursor) = self.cursor.as_deref().filter(|c| !c.is_empty()) else {
            return Ok(None);
        };
        URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()
            .filter(|b| b.len() <= 200 && !b.iter().any(|c| c.is_ascii_control()))
            .and_then(|b| String::from_utf8(b).ok())
            .map(Some)
            .ok_or_else(|| {
                crate::domain::FieldError::new("cursor", "is not a cursor from this API").into()
            })
    }
}

/// A list that is not paged: `{"data": [...]}`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DataList<T: utoipa::ToSchema> {
    pub data: Vec<T>,
}

/// A page of items: fetch `size + 1` rows, give `size`, and a cursor when there were more.
pub fn page<T, U>(
    mut rows: Vec<T>,
    size: i64,
    position: impl Fn(&T) -> String,
    show: impl Fn(T) -> U,
) -> (Vec<U>, Option<String>) {
    let size = usize::try_from(size).unwrap_or(0);
    let next = if rows.len() > size {
        rows.truncate(size);
        rows.last()
            .map(|last| URL_SAFE_NO_PAD.encode(position(last).as_bytes()))
    } else {
        None
    };
    (rows.into_iter().map(show).collect(), next)
}

/// Parses a JSON body; unknown fields and malformed JSON are 400 with the parser's reason.
pub fn json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.is_empty() {
        return Err(ApiError::BadRequest("a JSON body is required".into()));
    }
    if body.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
        return Err(ApiError::BadRequest(
            "strings must not contain NUL characters".into(),
        ));
    }
    serde_json::from_slice(body).map_err(|e| ApiError::BadRequest(format!("invalid JSON: {e}")))
}

/// For a field that may be absent (leave alone), `null` (clear) or a value: present fields become
/// `Some`, so `null` is `Some(None)`.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// RFC 3339 in UTC.
pub fn time(at: i64) -> String {
    crate::webhooks::timestamp(at)
}

/// Registers the routes.
pub fn routes(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web;
    cfg.service(
        web::scope("/admin/v1")
            .wrap(actix_web::middleware::DefaultHeaders::new().add(("cache-control", "no-store")))
            .wrap_fn(|req, srv| {
                use actix_web::dev::Service;
                // NUL cannot be stored in PostgreSQL text: refuse it at the door, not as a 500.
                let query = req.uri().to_string().to_ascii_lowercase();
                let refused = query.contains("%00");
                let fut = (!refused).then(|| srv.call(req));
                async move {
                    match fut {
                        Some(fut) => fut.await,
                        None => Err(ApiError::BadRequest(
                            "the request contains a NUL character".into(),
                        )
                        .into()),
                    }
                }
            })
            .app_data(web::PayloadConfig::new(64 * 1024))
            .app_data(
                web::QueryConfig::default()
                    .error_handler(|e, _| ApiError::BadRequest(e.to_string()).into()),
            )
            .app_data(
                web::PathConfig::default()
                    .error_handler(|e, _| ApiError::BadRequest(e.to_string()).into()),
            )
            .route("/openapi.json", web::get().to(openapi::document))
            .configure(users::routes)
            .configure(organizations::routes)
            .configure(domains::routes)
            .configure(scim_tokens::routes)
            .configure(saml_connections::routes)
            .configure(scim_group_roles::routes)
            .configure(clients::routes)
            .configure(audit::routes)
            .configure(webhooks::routes)
            .default_service(web::to(|| async {
                Err::<actix_web::HttpResponse, _>(ApiError::NotFound("route"))
            })),
    );
}
