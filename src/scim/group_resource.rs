//! A SCIM Group (RFC 7643 §4.2) read from a request and rendered for an answer. A group has a
//! `displayName` (unique within the organization), an `externalId` and `members`, each a User
//! of the same organization; a member's `display` and `$ref` are the server's to give.

use super::error::{ScimError, ScimType};
use super::schema::{self, GROUP_SCHEMA};
use super::user_resource::{Meta, read_value};
use crate::storage::scim_groups::Member;
use serde_json::{Map, Value, json};

/// The most members a Group may have (one request adds at most `schema::MAX_MEMBERS`).
pub const MAX_GROUP_SIZE: usize = 100_000;

/// A Group body, read.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupInput {
    pub display_name: String,
    pub external_id: Option<String>,
    /// The members' SCIM user ids, without repeats, in the order given.
    pub members: Vec<String>,
}

fn invalid(detail: impl Into<String>) -> ScimError {
    ScimError::invalid(ScimType::InvalidValue, detail)
}

/// Reads a POST or PUT body: names case-insensitively, read-only attributes ignored.
pub fn read(body: &Value) -> Result<GroupInput, ScimError> {
    let Some(object) = body.as_object() else {
        return Err(ScimError::invalid(
            ScimType::InvalidSyntax,
            "the body must be a JSON object",
        ));
    };
    let mut resource = Map::new();
    for (key, value) in object {
        let (name, v) = if key.eq_ignore_ascii_case(schema::GROUP) {
            // The core schema's attributes under its URN: rare, but valid.
            let Some(inner) = value.as_object() else {
                return Err(invalid(format!("{key} must be an object")));
            };
            for (name, v) in inner {
                put(&mut resource, name, v)?;
            }
            continue;
        } else {
            (key, value)
        };
        put(&mut resource, name, v)?;
    }
    from_resource(resource)
}

fn put(resource: &mut Map<String, Value>, key: &str, value: &Value) -> Result<(), ScimError> {
    let definition = GROUP_SCHEMA
        .attribute(key)
        .or_else(|| match schema::COMMON.attribute(key) {
            Some(a) if a.name == "externalId" => Some(a),
            _ => None,
        });
    let Some(definition) = definition else {
        // `schemas`, `id`, `meta` and unknown attributes are ignored.
        return Ok(());
    };
    if let Some(v) = read_value(definition, value, definition.name)? {
        resource.insert(definition.name.to_string(), v);
    }
    Ok(())
}

/// The resource form a PATCH works on: `displayName`, `externalId`, `members` (value and type).
pub fn to_resource(input: &GroupInput) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert(
        "displayName".into(),
        Value::String(input.display_name.clone()),
    );
    if let Some(external_id) = &input.external_id {
        out.insert("externalId".into(), Value::String(external_id.clone()));
    }
    if !input.members.is_empty() {
        let members = input
            .members
            .iter()
            .map(|id| json!({"value": id, "type": "User"}))
            .collect();
        out.insert("members".into(), Value::Array(members));
    }
    out
}

/// Reads the resource form back, checking what a Group must have.
pub fn from_resource(resource: Map<String, Value>) -> Result<GroupInput, ScimError> {
    let display_name = match resource.get("displayName") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        _ => return Err(invalid("displayName is required and must not be empty")),
    };
    if display_name.chars().any(char::is_control) {
        return Err(invalid("displayName must not contain control characters"));
    }
    let external_id = match resource.get("externalId") {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    let mut members = Vec::new();
    let mut seen = std::collections::HashSet::new();
    if let Some(Value::Array(items)) = resource.get("members") {
        for (i, item) in items.iter().enumerate() {
            let Some(id) = item.get("value").and_then(Value::as_str) else {
                return Err(invalid(format!("members[{i}] needs a value (a User's id)")));
            };
            if let Some(kind) = item.get("type").and_then(Value::as_str)
                && !kind.eq_ignore_ascii_case("User")
            {
                return Err(invalid(format!(
                    "members[{i}]: only Users can be members (nested groups are not supported)"
                )));
            }
            if seen.insert(id.to_string()) {
                members.push(id.to_string());
            }
        }
    }
    if members.len() > MAX_GROUP_SIZE {
        return Err(invalid(format!(
            "a Group has at most {MAX_GROUP_SIZE} members"
        )));
    }
    Ok(GroupInput {
        display_name,
        external_id,
        members,
    })
}

/// A Group as JSON.
pub fn render(
    display_name: &str,
    external_id: Option<&str>,
    members: &[Member],
    meta: &Meta,
) -> Value {
    let mut out = Map::new();
    out.insert("schemas".into(), json!([schema::GROUP]));
    out.insert("id".into(), Value::String(meta.id.to_string()));
    if let Some(external_id) = external_id {
        out.insert("externalId".into(), Value::String(external_id.to_string()));
    }
    out.insert(
        "displayName".into(),
        Value::String(display_name.to_string()),
    );
    if !members.is_empty() {
        let base = meta.base_url;
        let list = members
            .iter()
            .map(|m| {
                json!({
                    "value": m.id,
                    "$ref": format!("{base}/Users/{}", m.id),
                    "display": m.user_name,
                    "type": "User",
                })
            })
            .collect();
        out.insert("members".into(), Value::Array(list));
    }
    out.insert(
        "meta".into(),
        json!({
            "resourceType": "Group",
            "created": crate::webhooks::timestamp(meta.created_at),
            "lastModified": crate::webhooks::timestamp(meta.updated_at),
            "location": format!("{}/Groups/{}", meta.base_url, meta.id),
            "version": super::user_resource::etag(meta.version),
        }),
    );
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_read_leniently_and_checked() {
        let input = read(&json!({
            "schemas": [schema::GROUP],
            "id": "ignored",
            "DISPLAYNAME": " Engineering ",
            "externalId": "ext-1",
            "members": [
                {"value": "u1", "display": "ada"},
                {"value": "u2", "type": "User"},
                {"value": "u1"}
            ]
        }))
        .unwrap();
        assert_eq!(input.display_name, "Engineering");
        assert_eq!(input.external_id.as_deref(), Some("ext-1"));
        assert_eq!(input.members, vec!["u1", "u2"]);
        let back = from_resource(to_resource(&input)).unwrap();
        assert_eq!(back, input);

        for bad in [
            json!({"members": []}),
            json!({"displayName": ""}),
            json!({"displayName": 7}),
            json!({"displayName": "x", "members": [{"display": "no value"}]}),
            json!({"displayName": "x", "members": [{"value": "g", "type": "Group"}]}),
            json!({"displayName": "x", "members": 5}),
        ] {
            assert!(read(&bad).is_err(), "{bad} should be refused");
        }
    }
}
