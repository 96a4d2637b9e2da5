//! A User as JSON: reading a request body into the stored form, flattening it into the values
//! filters search, and rendering it back with `id`, `meta` and `schemas`.
//!
//! Reading is lenient where the big directories need it and strict where it matters: attribute
//! names are matched case-insensitively and stored with their canonical spelling; unknown
//! attributes and read-only ones (`id`, `meta`, `groups`) are ignored, as RFC 7644 §3.3 allows;
//! booleans may arrive as the strings `"True"`/`"False"` (Entra ID); a single value where a list
//! is expected is taken as a list of one. A value of the wrong type, a NUL character, an
//! oversized value or two `primary` values is 400 `invalidValue`.

use super::error::{ScimError, ScimType};
use super::schema::{self, Attribute, ENTERPRISE_USER_SCHEMA, Kind, Mutability, USER_SCHEMA};
use serde_json::{Map, Value, json};

/// The longest string value accepted.
pub const MAX_STRING: usize = 2048;
pub use super::schema::MAX_VALUES;

/// A User body, read.
#[derive(Debug, Clone, PartialEq)]
pub struct UserInput {
    /// The stored form: canonical names, extension attributes under their schema URN; no
    /// read-only attributes and no password.
    pub resource: Map<String, Value>,
    pub user_name: String,
    pub external_id: Option<String>,
    /// `active`, true when not given.
    pub active: bool,
    /// The write-only password, when one was sent.
    pub password: Option<String>,
}

fn invalid(detail: String) -> ScimError {
    ScimError::invalid(ScimType::InvalidValue, detail)
}

/// Reads a User body (POST or PUT).
pub fn read(body: &Value) -> Result<UserInput, ScimError> {
    let Some(object) = body.as_object() else {
        return Err(ScimError::invalid(
            ScimType::InvalidSyntax,
            "the body must be a JSON object",
        ));
    };
    let mut resource = Map::new();
    let mut password = None;
    for (key, value) in object {
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        if let Some(extension) = schema::user_schema(key) {
            if extension.id == schema::USER {
                // The core schema's attributes under its URN: rare, but valid.
                let Some(inner) = value.as_object() else {
                    return Err(invalid(format!("{key} must be an object")));
                };
                for (name, v) in inner {
                    put_core(&mut resource, &mut password, name, v)?;
                }
                continue;
            }
            let normalized = read_extension(extension, value)?;
            if !normalized.is_empty() {
                resource.insert(extension.id.to_string(), Value::Object(normalized));
            }
            continue;
        }
        put_core(&mut resource, &mut password, key, value)?;
    }
    from_resource(resource, password)
}

/// The input a stored (or patched) resource amounts to, checking the rules a whole User must
/// meet: a non-empty `userName`.
pub fn from_resource(
    resource: Map<String, Value>,
    password: Option<String>,
) -> Result<UserInput, ScimError> {
    let user_name = match resource.get("userName") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        _ => {
            return Err(invalid("userName is required and must not be empty".into()));
        }
    };
    let external_id = match resource.get("externalId") {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    // A PATCH can add to a list past what a body may hold: the whole is checked again.
    if let Some((name, _)) = resource
        .iter()
        .find(|(_, v)| v.as_array().is_some_and(|items| items.len() > MAX_VALUES))
    {
        return Err(invalid(format!("{name} has more than {MAX_VALUES} values")));
    }
    let active = !matches!(resource.get("active"), Some(Value::Bool(false)));
    Ok(UserInput {
        resource,
        user_name,
        external_id,
        active,
        password,
    })
}

fn put_core(
    resource: &mut Map<String, Value>,
    password: &mut Option<String>,
    key: &str,
    value: &Value,
) -> Result<(), ScimError> {
    let definition = USER_SCHEMA
        .attribute(key)
        .or_else(|| schema::COMMON.attribute(key));
    let Some(definition) = definition else {
        return Ok(());
    };
    match definition.mutability {
        Mutability::ReadOnly => Ok(()),
        Mutability::WriteOnly => {
            *password = match read_value(definition, value, definition.name)? {
                Some(Value::String(s)) => Some(s),
                _ => None,
            };
            Ok(())
        }
        _ => {
            if let Some(v) = read_value(definition, value, definition.name)? {
                resource.insert(definition.name.to_string(), v);
            }
            Ok(())
        }
    }
}

fn read_extension(
    extension: &'static schema::Schema,
    value: &Value,
) -> Result<Map<String, Value>, ScimError> {
    let mut out = Map::new();
    match value {
        Value::Null => return Ok(out),
        Value::Object(inner) => {
            for (name, v) in inner {
                let Some(definition) = extension.attribute(name) else {
                    continue;
                };
                if definition.mutability == Mutability::ReadOnly {
                    continue;
                }
                if let Some(v) = read_value(definition, v, definition.name)? {
                    out.insert(definition.name.to_string(), v);
                }
            }
        }
        _ => return Err(invalid(format!("{} must be an object", extension.id))),
    }
    Ok(out)
}

/// A replacement (PUT, or a PATCH that removed `active`) without `active` keeps the current
/// state: leaving the attribute out must not reactivate someone the directory deactivated.
pub fn keep_active(input: &mut UserInput, current: bool) {
    if !input.resource.contains_key("active") {
        input.active = current;
        input
            .resource
            .insert("active".to_string(), Value::Bool(current));
    }
}

/// One attribute's value, checked against its definition; `None` when it amounts to unassigned
/// (`null`, an empty list, an empty complex value).
pub fn read_value(
    definition: &Attribute,
    value: &Value,
    path: &str,
) -> Result<Option<Value>, ScimError> {
    if value.is_null() {
        return Ok(None);
    }
    if !definition.multi_valued {
        return read_single(definition, value, path);
    }
    let items: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    if items.len() > definition.max_values {
        return Err(invalid(format!(
            "{path} has more than {} values",
            definition.max_values
        )));
    }
    let mut out = Vec::new();
    for item in items {
        if let Some(v) = read_single(definition, item, path)? {
            out.push(v);
        }
    }
    let primaries = out
        .iter()
        .filter(|v| v.get("primary") == Some(&Value::Bool(true)))
        .count();
    if primaries > 1 {
        return Err(invalid(format!(
            "{path} has more than one value with primary true"
        )));
    }
    Ok((!out.is_empty()).then_some(Value::Array(out)))
}

fn read_single(
    definition: &Attribute,
    value: &Value,
    path: &str,
) -> Result<Option<Value>, ScimError> {
    match definition.kind {
        Kind::Complex => {
            // Entra ID sends the manager as a bare id: a string stands for `{"value": ...}`
            // where the attribute has a `value`.
            if let Value::String(_) = value
                && let Some(sub) = definition.sub("value")
            {
                let mut one = Map::new();
                if let Some(v) = read_single(sub, value, &format!("{path}.value"))? {
                    one.insert("value".into(), v);
                }
                return Ok((!one.is_empty()).then_some(Value::Object(one)));
            }
            let Some(inner) = value.as_object() else {
                return Err(invalid(format!("{path} must be an object")));
            };
            let mut out = Map::new();
            for (name, v) in inner {
                let Some(sub) = definition.sub(name) else {
                    continue;
                };
                let sub_path = format!("{path}.{}", sub.name);
                if let Some(v) = read_single(sub, v, &sub_path)? {
                    out.insert(sub.name.to_string(), v);
                }
            }
            Ok((!out.is_empty()).then_some(Value::Object(out)))
        }
        Kind::Boolean => match value {
            Value::Null => Ok(None),
            Value::Bool(b) => Ok(Some(Value::Bool(*b))),
            // Entra ID sends booleans as "True" and "False".
            Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Some(Value::Bool(true))),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Some(Value::Bool(false))),
            _ => Err(invalid(format!("{path} must be a boolean"))),
        },
        Kind::DateTime => match value {
            Value::Null => Ok(None),
            Value::String(s) if chrono::DateTime::parse_from_rfc3339(s).is_ok() => {
                Ok(Some(value.clone()))
            }
            _ => Err(invalid(format!("{path} must be an RFC 3339 date and time"))),
        },
        Kind::String | Kind::Reference | Kind::Binary => match value {
            Value::Null => Ok(None),
            Value::String(s) => {
                if s.chars().count() > MAX_STRING {
                    return Err(invalid(format!(
                        "{path} is longer than {MAX_STRING} characters"
                    )));
                }
                if s.contains('\0') {
                    return Err(invalid(format!("{path} must not contain NUL characters")));
                }
                let base64 = |c: char| c.is_ascii_alphanumeric() || "+/=".contains(c);
                if definition.kind == Kind::Binary && !s.chars().all(base64) {
                    return Err(invalid(format!("{path} must be base64")));
                }
                Ok(Some(value.clone()))
            }
            _ => Err(invalid(format!("{path} must be a string"))),
        },
    }
}

/// One searchable simple value of a stored resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlatValue {
    /// [`value_key`] of the attribute.
    pub attr: String,
    /// The sub-attribute's name in lower case, or empty.
    pub sub: String,
    /// The position in a multi-valued attribute, 0 otherwise.
    pub elem: i32,
    /// Whether the element it belongs to is the primary one.
    pub in_primary: bool,
    pub value: String,
}

/// The key values of an attribute are stored under: the lower-case name for a core attribute,
/// the lower-case `urn:name` for an extension attribute.
pub fn value_key(schema_id: &str, name: &str) -> String {
    if schema_id == schema::USER || schema_id == schema::GROUP || schema_id.is_empty() {
        name.to_ascii_lowercase()
    } else {
        format!("{schema_id}:{name}").to_ascii_lowercase()
    }
}

/// The attributes kept in columns rather than as values.
const IN_COLUMNS: [&str; 3] = ["userName", "externalId", "active"];

/// The values filters and sorting search, for every attribute not kept in a column.
pub fn flatten(resource: &Map<String, Value>) -> Vec<FlatValue> {
    let mut out = Vec::new();
    for (name, value) in resource {
        if IN_COLUMNS.contains(&name.as_str()) {
            continue;
        }
        if let Some(extension) = schema::user_schema(name)
            && extension.id != schema::USER
        {
            if let Some(inner) = value.as_object() {
                for (inner_name, inner_value) in inner {
                    flatten_attribute(&mut out, value_key(extension.id, inner_name), inner_value);
                }
            }
            continue;
        }
        flatten_attribute(&mut out, value_key(schema::USER, name), value);
    }
    out
}

fn flatten_attribute(out: &mut Vec<FlatValue>, attr: String, value: &Value) {
    let elements: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    for (index, element) in elements.into_iter().enumerate() {
        let elem = i32::try_from(index).unwrap_or(i32::MAX);
        match element {
            Value::Object(fields) => {
                let in_primary = fields.get("primary") == Some(&Value::Bool(true));
                for (sub, v) in fields {
                    if let Some(text) = scalar_text(v) {
                        out.push(FlatValue {
                            attr: attr.clone(),
                            sub: sub.to_ascii_lowercase(),
                            elem,
                            in_primary,
                            value: text,
                        });
                    }
                }
            }
            other => {
                if let Some(text) = scalar_text(other) {
                    out.push(FlatValue {
                        attr: attr.clone(),
                        sub: String::new(),
                        elem,
                        in_primary: false,
                        value: text,
                    });
                }
            }
        }
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What a rendered User needs besides its stored form.
#[derive(Debug, Clone)]
pub struct Meta<'a> {
    pub id: &'a str,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
    /// `{issuer}/scim/v2`.
    pub base_url: &'a str,
}

/// The entity tag of a version.
pub fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// A stored User rendered as the RFC's JSON.
pub fn render(resource: &Map<String, Value>, meta: &Meta<'_>) -> Value {
    let mut schemas = vec![json!(schema::USER)];
    if resource.contains_key(schema::ENTERPRISE_USER) {
        schemas.push(json!(schema::ENTERPRISE_USER));
    }
    let mut out = Map::new();
    out.insert("schemas".into(), Value::Array(schemas));
    out.insert("id".into(), json!(meta.id));
    for (k, v) in resource {
        out.insert(k.clone(), v.clone());
    }
    out.insert(
        "meta".into(),
        json!({
            "resourceType": "User",
            "created": crate::webhooks::timestamp(meta.created_at),
            "lastModified": crate::webhooks::timestamp(meta.updated_at),
            "location": format!("{}/Users/{}", meta.base_url, meta.id),
            "version": etag(meta.version),
        }),
    );
    Value::Object(out)
}

/// The email address a User gives Tessera's account: the primary email, else the first work
/// email, else the first email, else the `userName` when it is an address.
pub fn account_email(input: &UserInput) -> Option<String> {
    let emails: Vec<&Map<String, Value>> = input
        .resource
        .get("emails")
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_object).collect())
        .unwrap_or_default();
    fn value_of<'a>(e: &&'a Map<String, Value>) -> Option<&'a str> {
        e.get("value").and_then(Value::as_str)
    }
    emails
        .iter()
        .find(|e| e.get("primary") == Some(&Value::Bool(true)))
        .and_then(value_of)
        .or_else(|| {
            emails
                .iter()
                .find(|e| e.get("type").and_then(Value::as_str) == Some("work"))
                .and_then(value_of)
        })
        .or_else(|| emails.first().and_then(value_of))
        .map(str::to_string)
        .or_else(|| {
            input
                .user_name
                .contains('@')
                .then(|| input.user_name.clone())
        })
}

/// A string sub-attribute of the `name` complex attribute.
pub fn name_part(input: &UserInput, sub: &str) -> Option<String> {
    input
        .resource
        .get("name")
        .and_then(|n| n.get(sub))
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string)
}

/// A top-level string attribute.
pub fn text(input: &UserInput, name: &str) -> Option<String> {
    input
        .resource
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string)
}

/// The enterprise extension's schema, for callers resolving its attributes.
pub fn enterprise() -> &'static schema::Schema {
    &ENTERPRISE_USER_SCHEMA
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_case_insensitively_and_drops_read_only() {
        let input = read(&json!({
            "schemas": [schema::USER],
            "USERNAME": "ada@example.com",
            "id": "chosen-by-client",
            "meta": {"version": "x"},
            "Active": "False",
            "Emails": [{"VALUE": "ada@example.com", "Primary": "True", "type": "work"}],
            "password": "p4ssw0rd-long-enough",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {"Department": "R&D"},
            "unknownThing": 1
        }))
        .unwrap();
        assert_eq!(input.user_name, "ada@example.com");
        assert!(!input.active);
        assert_eq!(input.password.as_deref(), Some("p4ssw0rd-long-enough"));
        assert!(!input.resource.contains_key("id"));
        assert!(!input.resource.contains_key("meta"));
        assert!(!input.resource.contains_key("password"));
        assert_eq!(
            input.resource["emails"],
            json!([{"value": "ada@example.com", "primary": true, "type": "work"}])
        );
        assert_eq!(
            input.resource[schema::ENTERPRISE_USER],
            json!({"department": "R&D"})
        );
        let flat = flatten(&input.resource);
        assert!(flat.iter().any(|f| f.attr == "emails"
            && f.sub == "value"
            && f.in_primary
            && f.value == "ada@example.com"));
        assert!(flat.iter().any(|f| f.attr
            == "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:department"
            && f.value == "R&D"));
        assert_eq!(account_email(&input).as_deref(), Some("ada@example.com"));
    }

    #[test]
    fn refuses_bad_values() {
        for body in [
            json!({"userName": ""}),
            json!({"userName": 5}),
            json!({"userName": "a", "active": "maybe"}),
            json!({"userName": "a", "name": "Ada"}),
            json!({"userName": "a\u{0}b"}),
            json!({"userName": "a", "emails": [{"value": "x", "primary": true}, {"value": "y", "primary": true}]}),
            json!({"userName": "x".repeat(MAX_STRING + 1)}),
            json!([1]),
        ] {
            assert!(read(&body).is_err(), "{body}");
        }
    }
}
