//! A PATCH request body (RFC 7644 §3.5.2) read into operations: the `PatchOp` schema, `op` in
//! any case (`Add`, `Replace`), an optional `path`, a `value` where the operation needs one, and
//! at most [`MAX_OPERATIONS`]. Applying them is `patch.rs`.

use super::error::{ScimError, ScimType};
use serde_json::Value;

/// The schema URN of a PATCH request.
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// The most operations one PATCH may carry.
pub const MAX_OPERATIONS: usize = 1000;

/// One operation, read.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub op: OpKind,
    pub path: Option<String>,
    pub value: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    Add,
    Replace,
    Remove,
}

fn err(scim_type: ScimType, detail: impl Into<String>) -> ScimError {
    ScimError::invalid(scim_type, detail)
}

/// Reads a PatchOp body.
pub fn read(body: &Value) -> Result<Vec<Operation>, ScimError> {
    let Some(object) = body.as_object() else {
        return Err(err(
            ScimType::InvalidSyntax,
            "a PatchOp must be a JSON object",
        ));
    };
    let get = |name: &str| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    };
    if !get("schemas").and_then(Value::as_array).is_some_and(|s| {
        s.iter()
            .any(|u| u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(PATCH_OP)))
    }) {
        return Err(err(
            ScimType::InvalidSyntax,
            format!("schemas must list {PATCH_OP}"),
        ));
    }
    let operations = match get("Operations") {
        Some(Value::Array(items)) => items,
        Some(Value::Null) | None => {
            return Err(err(ScimType::InvalidSyntax, "Operations is required"));
        }
        Some(_) => return Err(err(ScimType::InvalidSyntax, "Operations must be a list")),
    };
    if operations.len() > MAX_OPERATIONS {
        return Err(err(
            ScimType::InvalidValue,
            format!("a PATCH carries at most {MAX_OPERATIONS} operations"),
        ));
    }
    operations
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let Some(fields) = item.as_object() else {
                return Err(err(
                    ScimType::InvalidSyntax,
                    format!("Operations[{i}] must be an object"),
                ));
            };
            let field = |name: &str| {
                fields
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v)
            };
            let op = match field("op")
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("add") => OpKind::Add,
                Some("replace") => OpKind::Replace,
                Some("remove") => OpKind::Remove,
                _ => {
                    return Err(err(
                        ScimType::InvalidSyntax,
                        format!("Operations[{i}].op must be add, replace or remove"),
                    ));
                }
            };
            let path = match field("path") {
                None | Some(Value::Null) => None,
                Some(Value::String(p)) if p.trim().is_empty() => None,
                Some(Value::String(p)) => Some(p.trim().to_string()),
                Some(_) => {
                    return Err(err(
                        ScimType::InvalidPath,
                        format!("Operations[{i}].path must be a string"),
                    ));
                }
            };
            let value = field("value").cloned().filter(|v| !v.is_null());
            if op != OpKind::Remove && value.is_none() {
                return Err(err(
                    ScimType::InvalidValue,
                    format!("Operations[{i}] needs a value"),
                ));
            }
            Ok(Operation { op, path, value })
        })
        .collect()
}

/// The password the operations set, if any (a `password` path, or a `password` key in a value
/// without a path).
pub fn password_of(operations: &[Operation]) -> Option<String> {
    operations.iter().rev().find_map(|o| {
        if o.op == OpKind::Remove {
            return None;
        }
        match (&o.path, &o.value) {
            (Some(path), Some(Value::String(p)))
                if path.eq_ignore_ascii_case("password")
                    || path.eq_ignore_ascii_case(&format!(
                        "{}:password",
                        crate::scim::schema::USER
                    )) =>
            {
                Some(p.clone())
            }
            (None, Some(Value::Object(fields))) => fields
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("password"))
                .and_then(|(_, v)| v.as_str().map(str::to_string)),
            _ => None,
        }
    })
}
