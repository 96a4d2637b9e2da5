//! What every SCIM handler reads and writes the same way: JSON bodies (malformed is 400
//! `invalidSyntax`, too large is 413), the entity-tag headers, list parameters and answers.

use super::caller::ScimCaller;
use super::error::{CONTENT_TYPE, ScimError, ScimType};
use super::resolve::{self, Filterable};
use super::schema;
use crate::app::AppState;
use crate::storage::scim_query::{Resource, ResourceQuery};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use std::collections::HashMap;

/// The largest body accepted (advertised as Bulk's `maxPayloadSize`).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// The most resources one list answer holds (advertised as `filter.maxResults`).
pub const MAX_RESULTS: i64 = 1000;

/// Reads a request body, refusing more than [`MAX_BODY_BYTES`] as it streams in.
pub async fn read_body(payload: web::Payload) -> Result<Value, ScimError> {
    let body = payload
        .to_bytes_limited(MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            ScimError::PayloadTooLarge(format!("the body is larger than {} bytes", MAX_BODY_BYTES))
        })?
        .map_err(|e| {
            ScimError::invalid(
                ScimType::InvalidSyntax,
                format!("could not read the body: {e}"),
            )
        })?;
    json_body(&body)
}

/// Parses a JSON body.
pub fn json_body(body: &[u8]) -> Result<Value, ScimError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(ScimError::PayloadTooLarge(format!(
            "the body is larger than {MAX_BODY_BYTES} bytes"
        )));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ScimError::invalid(
            ScimType::InvalidSyntax,
            "a JSON body is required",
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| ScimError::invalid(ScimType::InvalidSyntax, format!("invalid JSON: {e}")))
}

/// `{issuer}/scim/v2`, the base of every `location`.
pub fn base_url(state: &AppState) -> String {
    format!("{}/scim/v2", state.config.issuer.trim_end_matches('/'))
}

/// The entity tags of a header (`*` included), without their weak marks and quotes.
fn tags(req: &HttpRequest, name: header::HeaderName) -> Option<Vec<String>> {
    let values: Vec<String> = req
        .headers()
        .get_all(name)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| {
            let t = t.trim();
            let t = t.strip_prefix("W/").unwrap_or(t);
            t.trim_matches('"').to_string()
        })
        .filter(|t| !t.is_empty())
        .collect();
    (!values.is_empty()).then_some(values)
}

/// The entity tags of an `If-Match` header, read before the work moves to another thread.
#[derive(Debug, Clone, Default)]
pub struct IfMatch(Option<Vec<String>>);

impl IfMatch {
    pub fn of(req: &HttpRequest) -> Self {
        Self(tags(req, header::IF_MATCH))
    }

    /// The `version` of a Bulk operation, which stands for `If-Match`.
    pub fn version(version: Option<&str>) -> Self {
        Self(version.map(|v| {
            let v = v.trim();
            vec![
                v.strip_prefix("W/")
                    .unwrap_or(v)
                    .trim_matches('"')
                    .to_string(),
            ]
        }))
    }

    /// 412 when the header names another version than the current one.
    pub fn check(&self, version: i64) -> Result<(), ScimError> {
        let Some(tags) = &self.0 else {
            return Ok(());
        };
        let current = version.to_string();
        if tags.iter().any(|t| t == "*" || *t == current) {
            Ok(())
        } else {
            Err(ScimError::PreconditionFailed(current))
        }
    }
}

/// Whether `If-None-Match` names the current version (a GET then answers 304).
pub fn not_modified(req: &HttpRequest, version: i64) -> bool {
    let current = version.to_string();
    tags(req, header::IF_NONE_MATCH)
        .is_some_and(|tags| tags.iter().any(|t| t == "*" || *t == current))
}

/// A resource answer with its `ETag` (and `Location` when created).
pub fn resource(status: StatusCode, body: &Value) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.content_type(CONTENT_TYPE);
    if let Some(version) = body.pointer("/meta/version").and_then(Value::as_str) {
        response.insert_header((header::ETAG, version.to_string()));
    }
    if status == StatusCode::CREATED
        && let Some(location) = body.pointer("/meta/location").and_then(Value::as_str)
    {
        response.insert_header((header::LOCATION, location.to_string()));
    }
    response.body(body.to_string())
}

/// A `304 Not Modified` for this version.
pub fn unchanged(version: i64) -> HttpResponse {
    HttpResponse::NotModified()
        .insert_header((header::ETAG, super::user_resource::etag(version)))
        .finish()
}

/// The parameters of a list or search.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListRequest {
    pub filter: Option<String>,
    pub sort_by: Option<String>,
    pub ascending: bool,
    /// 1-based.
    pub start_index: i64,
    /// `None` when the client did not say.
    pub count: Option<i64>,
    pub attributes: Vec<String>,
    pub excluded: Vec<String>,
}

impl ListRequest {
    /// Rows to skip.
    pub fn offset(&self) -> i64 {
        self.start_index - 1
    }

    /// How many rows to return.
    pub fn limit(&self) -> i64 {
        self.count.unwrap_or(MAX_RESULTS).clamp(0, MAX_RESULTS)
    }

    /// Reads the query string of a `GET` (parameter names case-insensitively).
    pub fn from_query(query: &HashMap<String, String>) -> Result<Self, ScimError> {
        let get = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        let number = |name: &str| -> Result<Option<i64>, ScimError> {
            get(name)
                .map(|v| {
                    v.trim().parse::<i64>().map_err(|_| {
                        ScimError::invalid(
                            ScimType::InvalidValue,
                            format!("{name} must be an integer"),
                        )
                    })
                })
                .transpose()
        };
        Self::build(
            get("filter").map(str::to_string),
            get("sortBy").map(str::to_string),
            get("sortOrder"),
            number("startIndex")?,
            number("count")?,
            get("attributes")
                .map(super::projection::split_list)
                .unwrap_or_default(),
            get("excludedAttributes")
                .map(super::projection::split_list)
                .unwrap_or_default(),
        )
    }

    /// Reads the body of a `POST /.search`.
    pub fn from_search(body: &Value) -> Result<Self, ScimError> {
        let Some(object) = body.as_object() else {
            return Err(ScimError::invalid(
                ScimType::InvalidSyntax,
                "a SearchRequest must be a JSON object",
            ));
        };
        let get = |name: &str| {
            object
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        };
        let wrong = |name: &str, what: &str| {
            ScimError::invalid(ScimType::InvalidValue, format!("{name} must be {what}"))
        };
        if let Some(schemas) = get("schemas")
            && !schemas
                .as_array()
                .is_some_and(|s| s.iter().any(|u| u.as_str() == Some(schema::SEARCH_REQUEST)))
        {
            return Err(ScimError::invalid(
                ScimType::InvalidSyntax,
                format!("schemas must list {}", schema::SEARCH_REQUEST),
            ));
        }
        let text = |name: &str| -> Result<Option<String>, ScimError> {
            match get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(wrong(name, "a string")),
            }
        };
        let number = |name: &str| -> Result<Option<i64>, ScimError> {
            match get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v
                    .as_i64()
                    .map(Some)
                    .ok_or_else(|| wrong(name, "an integer")),
            }
        };
        let list = |name: &str| -> Result<Vec<String>, ScimError> {
            match get(name) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|i| {
                        i.as_str()
                            .map(str::to_string)
                            .ok_or_else(|| wrong(name, "a list of strings"))
                    })
                    .collect(),
                Some(Value::String(s)) => Ok(super::projection::split_list(s)),
                Some(_) => Err(wrong(name, "a list of strings")),
            }
        };
        let sort_order = text("sortOrder")?;
        Self::build(
            text("filter")?,
            text("sortBy")?,
            sort_order.as_deref(),
            number("startIndex")?,
            number("count")?,
            list("attributes")?,
            list("excludedAttributes")?,
        )
    }

    fn build(
        filter: Option<String>,
        sort_by: Option<String>,
        sort_order: Option<&str>,
        start_index: Option<i64>,
        count: Option<i64>,
        attributes: Vec<String>,
        excluded: Vec<String>,
    ) -> Result<Self, ScimError> {
        let ascending = match sort_order.map(str::trim) {
            None | Some("") => true,
            Some(o) if o.eq_ignore_ascii_case("ascending") => true,
            Some(o) if o.eq_ignore_ascii_case("descending") => false,
            Some(_) => {
                return Err(ScimError::invalid(
                    ScimType::InvalidValue,
                    "sortOrder must be ascending or descending",
                ));
            }
        };
        Ok(Self {
            filter: filter.filter(|f| !f.trim().is_empty()),
            sort_by: sort_by.filter(|s| !s.trim().is_empty()),
            ascending,
            // RFC 7644 §3.4.2.4: below 1 means 1; a negative count means 0.
            start_index: start_index.unwrap_or(1).max(1),
            count: count.map(|c| c.max(0)),
            attributes,
            excluded,
        })
    }
}

/// A `ListResponse`.
pub fn list(total: i64, start_index: i64, resources: Vec<Value>) -> HttpResponse {
    let body = json!({
        "schemas": [schema::LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    });
    HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .body(body.to_string())
}

/// The storage query of a list or search: the filter and `sortBy` resolved for the resource
/// type (400 `invalidFilter` or `invalidValue` when they name what it does not have).
pub fn query_of(
    filterable: &Filterable,
    resource: Resource,
    caller: &ScimCaller,
    list: &ListRequest,
) -> Result<ResourceQuery, ScimError> {
    let filter = match &list.filter {
        Some(text) => {
            let parsed = super::filter::parse(text)
                .map_err(|e| ScimError::invalid(ScimType::InvalidFilter, e.to_string()))?;
            Some(resolve::resolve(filterable, &parsed)?)
        }
        None => None,
    };
    let sort = match &list.sort_by {
        Some(by) => Some((resolve::sort_key(filterable, by)?, list.ascending)),
        None => None,
    };
    Ok(ResourceQuery {
        resource,
        organization_id: caller.organization_id.clone(),
        filter,
        sort,
        offset: list.offset(),
        limit: list.limit(),
    })
}

/// 400 `tooMany` when a filter without `count` matches more than one answer holds.
pub fn check_total(list: &ListRequest, total: i64, noun: &str) -> Result<(), ScimError> {
    if list.filter.is_some() && list.count.is_none() && total > MAX_RESULTS {
        return Err(ScimError::invalid(
            ScimType::TooMany,
            format!(
                "the filter matches {total} {noun}, more than the {MAX_RESULTS} one answer \
                 holds; page through them with startIndex and count"
            ),
        ));
    }
    Ok(())
}
