//! `/Bulk` (RFC 7644 §3.7): many operations in one request, each run as the endpoint it names
//! would run it (its own transaction, the same checks), with `bulkId` references between them.
//!
//! - A `POST` with a `bulkId` defines it; `"bulkId:qwerty"` anywhere in a later operation's
//!   `data` or `path` stands for the id the POST created. An operation that references a
//!   `bulkId` defined further down waits for it; one whose `bulkId` was never defined, or whose
//!   defining POST failed, or that waits in a cycle, fails with 409 `invalidValue`.
//! - `failOnErrors: n` stops after the n-th failed operation; the answer lists the operations
//!   processed, in the order they were sent (whatever order they ran in).
//! - More than [`MAX_OPERATIONS`] operations, or a body over `maxPayloadSize`, is 413.

use super::caller::ScimCaller;
use super::endpoints::ResourceType;
use super::error::{CONTENT_TYPE, ScimError, ScimType};
use super::groups::Groups;
use super::request::read_body;
use super::request::{self, IfMatch};
use super::users::Users;
use crate::app::AppState;
use actix_web::{HttpResponse, web};
use serde_json::{Map, Value, json};
use std::collections::{HashMap, HashSet};

/// A Bulk request body.
pub const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
/// A Bulk response body.
pub const BULK_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
/// The most operations one request may hold.
pub const MAX_OPERATIONS: usize = 1000;

/// What `/ServiceProviderConfig` advertises.
pub struct Limits {
    pub max_operations: usize,
    pub max_payload_size: usize,
}

/// The limits enforced here.
pub fn limits() -> Limits {
    Limits {
        max_operations: MAX_OPERATIONS,
        max_payload_size: request::MAX_BODY_BYTES,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// One operation as read; `problem` is set when it cannot run at all.
#[derive(Debug, Clone)]
struct Operation {
    method: Option<Method>,
    method_text: String,
    path: String,
    bulk_id: Option<String>,
    version: Option<String>,
    data: Option<Value>,
    problem: Option<String>,
}

const REF: &str = "bulkId:";

fn syntax(detail: impl Into<String>) -> ScimError {
    ScimError::invalid(ScimType::InvalidSyntax, detail)
}

fn field<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// Reads a BulkRequest: the operations and `failOnErrors`.
fn read(body: &Value) -> Result<(Vec<Operation>, Option<usize>), ScimError> {
    let Some(object) = body.as_object() else {
        return Err(syntax("a BulkRequest must be a JSON object"));
    };
    let schemas_ok = field(object, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| {
            s.iter().any(|u| {
                u.as_str()
                    .is_some_and(|u| u.eq_ignore_ascii_case(BULK_REQUEST))
            })
        });
    if !schemas_ok {
        return Err(syntax(format!("schemas must list {BULK_REQUEST}")));
    }
    let fail_on_errors = match field(object, "failOnErrors") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_u64() {
            Some(n) if n >= 1 => Some(n as usize),
            _ => {
                return Err(ScimError::invalid(
                    ScimType::InvalidValue,
                    "failOnErrors must be a positive integer",
                ));
            }
        },
    };
    let Some(Value::Array(items)) = field(object, "Operations") else {
        return Err(syntax("Operations must be a list"));
    };
    if items.len() > MAX_OPERATIONS {
        return Err(ScimError::PayloadTooLarge(format!(
            "{} operations; at most {MAX_OPERATIONS} in one request",
            items.len()
        )));
    }
    let mut seen = HashSet::new();
    let mut operations = Vec::with_capacity(items.len());
    for item in items {
        let Some(op) = item.as_object() else {
            return Err(syntax("each operation must be a JSON object"));
        };
        let text = |name: &str| -> Result<Option<String>, ScimError> {
            match field(op, name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(syntax(format!("an operation's {name} must be a string"))),
            }
        };
        let method_text = text("method")?.unwrap_or_default();
        let method = match method_text.to_ascii_uppercase().as_str() {
            "POST" => Some(Method::Post),
            "PUT" => Some(Method::Put),
            "PATCH" => Some(Method::Patch),
            "DELETE" => Some(Method::Delete),
            _ => None,
        };
        let bulk_id = text("bulkId")?;
        if let Some(id) = &bulk_id
            && !seen.insert(id.clone())
        {
            return Err(ScimError::invalid(
                ScimType::InvalidValue,
                format!("bulkId {id:?} is used by more than one operation"),
            ));
        }
        let path = text("path")?.unwrap_or_default();
        let data = field(op, "data").filter(|d| !d.is_null()).cloned();
        let problem = match method {
            None => Some(format!(
                "method {method_text:?} is not one of POST, PUT, PATCH, DELETE"
            )),
            Some(Method::Post) if bulk_id.is_none() => Some("a POST needs a bulkId".to_string()),
            Some(Method::Delete) => None,
            Some(_) if data.is_none() => Some("data is required".to_string()),
            _ => None,
        };
        operations.push(Operation {
            method,
            method_text,
            path,
            bulk_id,
            version: text("version")?,
            data,
            problem,
        });
    }
    Ok((operations, fail_on_errors))
}

/// The `bulkId`s an operation references (in its path and data), each once.
fn references(op: &Operation) -> Vec<String> {
    fn walk(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::String(s) => {
                if let Some(id) = s.strip_prefix(REF) {
                    out.push(id.to_string());
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            Value::Object(fields) => fields.values().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Some(data) = &op.data {
        walk(data, &mut out);
    }
    if let Some((_, last)) = op.path.rsplit_once('/')
        && let Some(id) = last.strip_prefix(REF)
    {
        out.push(id.to_string());
    }
    // Each once, in first-seen order.
    let mut seen = HashSet::new();
    out.retain(|id| seen.insert(id.clone()));
    out
}

/// Replaces every `bulkId:x` string with the id `x` stands for.
fn substitute(value: &mut Value, ids: &HashMap<String, String>) {
    match value {
        Value::String(s) => {
            if let Some(id) = s.strip_prefix(REF).and_then(|b| ids.get(b)) {
                *s = id.clone();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| substitute(i, ids)),
        Value::Object(fields) => fields.values_mut().for_each(|v| substitute(v, ids)),
        _ => {}
    }
}

/// Which endpoint a path names: the resource type and, for PUT/PATCH/DELETE, the id.
fn target(path: &str) -> Option<(&'static str, Option<&str>)> {
    let path = path.strip_prefix('/').unwrap_or(path);
    let (kind, id) = match path.split_once('/') {
        Some((kind, id)) => (kind, Some(id)),
        None => (path, None),
    };
    let kind = [Users::PATH, Groups::PATH]
        .into_iter()
        .find(|k| k[1..].eq_ignore_ascii_case(kind))?;
    match id {
        Some(id) if id.is_empty() || id.contains('/') => None,
        other => Some((kind, other)),
    }
}

/// Runs one operation: its answer's status, location and version, or the error.
async fn run(
    state: &AppState,
    caller: &ScimCaller,
    op: &Operation,
    ids: &HashMap<String, String>,
) -> Result<(u16, String, Option<String>), ScimError> {
    let invalid = |d: String| ScimError::invalid(ScimType::InvalidValue, d);
    let method = op.method.ok_or_else(|| invalid("unknown method".into()))?;
    let path = resolved_path(&op.path, ids);
    let Some((kind, id)) = target(&path) else {
        return Err(invalid(format!(
            "path {:?} must be /Users or /Groups, with an id unless the method is POST",
            op.path
        )));
    };
    let mut data = op.data.clone().unwrap_or(Value::Null);
    substitute(&mut data, ids);
    let if_match = IfMatch::version(op.version.as_deref());
    if kind == Users::PATH {
        run_on::<Users>(state, caller, method, id, &data, if_match).await
    } else {
        run_on::<Groups>(state, caller, method, id, &data, if_match).await
    }
}

/// Runs one operation on a resource type.
async fn run_on<R: ResourceType>(
    state: &AppState,
    caller: &ScimCaller,
    method: Method,
    id: Option<&str>,
    data: &Value,
    if_match: IfMatch,
) -> Result<(u16, String, Option<String>), ScimError> {
    let invalid = |d: String| ScimError::invalid(ScimType::InvalidValue, d);
    let answer = |status: u16, resource: Value| {
        let location = resource
            .pointer("/meta/location")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let version = resource
            .pointer("/meta/version")
            .and_then(Value::as_str)
            .map(str::to_string);
        Ok((status, location, version))
    };
    match (method, id) {
        (Method::Post, None) => answer(201, R::create(state, caller, data).await?),
        (Method::Put, Some(id)) => {
            answer(200, R::replace(state, caller, id, data, if_match).await?)
        }
        (Method::Patch, Some(id)) => {
            answer(200, R::patch(state, caller, id, data, if_match).await?)
        }
        (Method::Delete, Some(id)) => {
            R::delete(state, caller, id, if_match).await?;
            let base = request::base_url(state);
            Ok((204, format!("{base}{}/{id}", R::PATH), None))
        }
        (Method::Post, Some(_)) => Err(invalid(format!(
            "a POST's path is the resource type ({}), without an id",
            R::PATH
        ))),
        (_, None) => Err(invalid(format!(
            "a {}'s path names one resource: {}/{{id}}",
            method.as_str(),
            R::PATH
        ))),
    }
}

/// The path with the `bulkId` it names (if any) resolved.
fn resolved_path(path: &str, ids: &HashMap<String, String>) -> String {
    match path.rsplit_once('/') {
        Some((head, last)) => match last.strip_prefix(REF).and_then(|b| ids.get(b)) {
            Some(id) => format!("{head}/{id}"),
            None => path.to_string(),
        },
        None => path.to_string(),
    }
}

/// One entry of the response. A failed operation other than a POST still says which resource
/// it was about (RFC 7644 §3.7.3).
fn result(
    op: &Operation,
    outcome: Result<(u16, String, Option<String>), ScimError>,
    base: &str,
    ids: &HashMap<String, String>,
) -> Value {
    let mut out = Map::new();
    out.insert("method".into(), json!(op.method_text.to_ascii_uppercase()));
    if let Some(bulk_id) = &op.bulk_id {
        out.insert("bulkId".into(), json!(bulk_id));
    }
    match outcome {
        Ok((status, location, version)) => {
            out.insert("location".into(), json!(location));
            if let Some(version) = version {
                out.insert("version".into(), json!(version));
            }
            out.insert("status".into(), json!(status.to_string()));
        }
        Err(error) => {
            if op.method != Some(Method::Post) && op.path.starts_with('/') {
                let path = resolved_path(&op.path, ids);
                out.insert("location".into(), json!(format!("{base}{path}")));
            }
            let body = error.body();
            out.insert("status".into(), body["status"].clone());
            out.insert("response".into(), body);
        }
    }
    Value::Object(out)
}

async fn bulk(
    state: web::Data<AppState>,
    caller: ScimCaller,
    payload: web::Payload,
) -> Result<HttpResponse, ScimError> {
    let body = read_body(payload).await?;
    let (operations, fail_on_errors) = read(&body)?;
    let base = request::base_url(&state);
    let defined: HashSet<&str> = operations
        .iter()
        .filter(|o| o.method == Some(Method::Post))
        .filter_map(|o| o.bulk_id.as_deref())
        .collect();
    // Each operation's references, read once.
    let references: Vec<Vec<String>> = operations.iter().map(references).collect();
    let mut ids: HashMap<String, String> = HashMap::new();
    let mut failed: HashSet<String> = HashSet::new();
    let mut pending: Vec<usize> = (0..operations.len()).collect();
    // (request index, entry): the answer lists operations in the order they were sent.
    let mut results: Vec<(usize, Value)> = Vec::with_capacity(operations.len());
    let mut errors = 0usize;
    'passes: while !pending.is_empty() {
        let mut waiting = Vec::new();
        let mut progressed = false;
        for index in std::mem::take(&mut pending) {
            if fail_on_errors.is_some_and(|limit| errors >= limit) {
                break 'passes;
            }
            let op = &operations[index];
            let refs = &references[index];
            let unresolvable = refs
                .iter()
                .find(|r| !defined.contains(r.as_str()) || failed.contains(*r));
            let outcome = if let Some(problem) = &op.problem {
                Err(ScimError::invalid(ScimType::InvalidValue, problem.clone()))
            } else if let Some(r) = unresolvable {
                Err(ScimError::Unresolved(format!(
                    "bulkId {r:?} is not defined by a successful POST in this request"
                )))
            } else if refs.iter().any(|r| !ids.contains_key(r)) {
                waiting.push(index);
                continue;
            } else {
                run(&state, &caller, op, &ids).await
            };
            progressed = true;
            match &outcome {
                Ok((_, location, _)) => {
                    if let (Some(bulk_id), Some(Method::Post)) = (&op.bulk_id, op.method)
                        && let Some((_, id)) = location.rsplit_once('/')
                    {
                        ids.insert(bulk_id.clone(), id.to_string());
                    }
                }
                Err(_) => {
                    errors += 1;
                    if let Some(bulk_id) = &op.bulk_id {
                        failed.insert(bulk_id.clone());
                    }
                }
            }
            results.push((index, result(op, outcome, &base, &ids)));
        }
        if !progressed {
            // Everything left waits on something else left: a cycle, or behind one.
            for index in waiting {
                if fail_on_errors.is_some_and(|limit| errors >= limit) {
                    break;
                }
                errors += 1;
                let outcome = Err(ScimError::Unresolved(
                    "this operation waits on bulkId references that form a cycle".into(),
                ));
                results.push((index, result(&operations[index], outcome, &base, &ids)));
            }
            break;
        }
        pending = waiting;
    }
    results.sort_by_key(|(index, _)| *index);
    let body = json!({
        "schemas": [BULK_RESPONSE],
        "Operations": results.into_iter().map(|(_, entry)| entry).collect::<Vec<_>>(),
    });
    Ok(HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .body(body.to_string()))
}

/// Registers the route (inside the `/scim/v2` scope).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/Bulk")
            .route(web::post().to(bulk))
            .default_service(web::to(super::endpoints::method_not_allowed)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_read_and_checked() {
        let (ops, fail) = read(&json!({
            "schemas": [BULK_REQUEST],
            "failOnErrors": 2,
            "Operations": [
                {"method": "post", "path": "/Users", "bulkId": "a", "data": {"userName": "x"}},
                {"method": "GET", "path": "/Users/1"},
                {"method": "PATCH", "path": "/Groups/bulkId:g", "data": {
                    "Operations": [{"op": "add", "path": "members", "value": [{"value": "bulkId:a"}]}]
                }},
                {"method": "DELETE", "path": "/Users/1", "version": "W/\"3\""}
            ]
        }))
        .unwrap();
        assert_eq!(fail, Some(2));
        assert_eq!(ops[0].method, Some(Method::Post));
        assert!(ops[1].problem.is_some());
        assert_eq!(references(&ops[2]), vec!["a", "g"]);
        assert!(ops[3].problem.is_none());

        let too_many = json!({
            "schemas": [BULK_REQUEST],
            "Operations": vec![json!({"method": "DELETE", "path": "/Users/1"}); MAX_OPERATIONS + 1]
        });
        assert!(matches!(
            read(&too_many),
            Err(ScimError::PayloadTooLarge(_))
        ));
        for bad in [
            json!({"Operations": []}),
            json!({"schemas": [BULK_REQUEST], "Operations": {}}),
            json!({"schemas": [BULK_REQUEST], "failOnErrors": 0, "Operations": []}),
            json!({"schemas": [BULK_REQUEST], "Operations": [
                {"method": "POST", "path": "/Users", "bulkId": "a", "data": {}},
                {"method": "POST", "path": "/Users", "bulkId": "a", "data": {}}
            ]}),
        ] {
            assert!(read(&bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn paths_name_endpoints() {
        assert_eq!(target("/Users"), Some(("/Users", None)));
        assert_eq!(target("/groups/abc"), Some(("/Groups", Some("abc"))));
        assert_eq!(target("/Users/"), None);
        assert_eq!(target("/Users/a/b"), None);
        assert_eq!(target("/Schemas"), None);
        let mut data = json!({"members": [{"value": "bulkId:a"}, {"value": "bulkId:zz"}]});
        substitute(&mut data, &HashMap::from([("a".into(), "id-1".into())]));
        assert_eq!(
            data,
            json!({"members": [{"value": "id-1"}, {"value": "bulkId:zz"}]})
        );
    }
}
