//! PATCH (RFC 7644 §3.5.2) applied to a stored resource in memory: `add`, `replace` and
//! `remove`, with or without a path, paths with value filters and sub-attributes. The caller
//! stores the result only when every operation succeeded, so a request is all or nothing.
//!
//! Tolerated, because Entra ID and Okta send them: operation names in any case (`Add`,
//! `Replace`); booleans as the strings `"True"`/`"False"`; `add`/`replace` without a path whose
//! value object has dotted or URN-qualified keys (`"name.givenName"`,
//! `"urn:...:enterprise:2.0:User:department"`); `add` with a value-filter path that matches
//! nothing (`emails[type eq "work"].value`), which creates the element the filter describes; and
//! `remove` of a multi-valued attribute with a `value` list, which removes those values; and
//! `id`, `meta` or `schemas` inside a path-less value (Okta renames a Group that way), ignored.

use super::error::{ScimError, ScimType};
use super::filter::{self, AttrPath, Filter, PatchPath};
pub use super::patch_op::{MAX_OPERATIONS, OpKind, Operation, PATCH_OP, password_of, read};
use super::schema::{Attribute, Kind, Mutability, Schema};
use super::user_resource::read_value;
use super::value_filter::{element_from, matches};
use serde_json::{Map, Value};
use std::collections::HashSet;

fn err(scim_type: ScimType, detail: impl Into<String>) -> ScimError {
    ScimError::invalid(scim_type, detail)
}

/// The schemas of the resource type patched: the core first, then extensions (kept under their
/// URN in the resource).
#[derive(Debug, Clone, Copy)]
pub struct Schemas<'a> {
    pub core: &'a Schema,
    pub common: &'a Schema,
    pub extensions: &'a [&'a Schema],
}

/// A resolved target: which map holds the attribute (`None` for the top level, else the
/// extension's URN) and its definition.
struct Target {
    container: Option<&'static str>,
    definition: &'static Attribute,
}

impl Schemas<'_> {
    fn resolve(&self, path: &AttrPath) -> Option<Target>
    where
        Self: 'static,
    {
        let core = || {
            self.core
                .attribute(&path.name)
                .or_else(|| self.common.attribute(&path.name))
                .map(|definition| Target {
                    container: None,
                    definition,
                })
        };
        match &path.urn {
            Some(urn) if urn.eq_ignore_ascii_case(self.core.id) => core(),
            Some(urn) => {
                let extension = self
                    .extensions
                    .iter()
                    .find(|s| s.id.eq_ignore_ascii_case(urn))?;
                extension.attribute(&path.name).map(|definition| Target {
                    container: Some(extension.id),
                    definition,
                })
            }
            None => core(),
        }
    }
}

/// What applying the operations produced: the new resource and a password, when one was set.
#[derive(Debug, Clone, PartialEq)]
pub struct Patched {
    pub resource: Map<String, Value>,
    pub password: Option<String>,
}

/// Applies every operation to a copy of `resource`.
pub fn apply(
    schemas: Schemas<'static>,
    resource: &Map<String, Value>,
    operations: &[Operation],
) -> Result<Patched, ScimError> {
    let mut out = Patched {
        resource: resource.clone(),
        password: None,
    };
    for (i, operation) in operations.iter().enumerate() {
        apply_one(schemas, &mut out, operation).map_err(|e| match e {
            ScimError::Invalid { scim_type, detail } => ScimError::Invalid {
                scim_type,
                detail: format!("Operations[{i}]: {detail}"),
            },
            other => other,
        })?;
    }
    Ok(out)
}

fn apply_one(
    schemas: Schemas<'static>,
    out: &mut Patched,
    operation: &Operation,
) -> Result<(), ScimError> {
    let Some(path) = &operation.path else {
        return match operation.op {
            OpKind::Remove => Err(err(ScimType::NoTarget, "remove needs a path")),
            op => {
                // No path: the value is an object of attributes, each applied as if it were
                // the path (Okta's `{"active": false}`; Entra's `{"name.givenName": "x"}`).
                let Some(Value::Object(fields)) = &operation.value else {
                    return Err(err(
                        ScimType::InvalidValue,
                        "without a path, the value must be an object of attributes",
                    ));
                };
                for (key, value) in fields {
                    if schemas
                        .extensions
                        .iter()
                        .any(|s| s.id.eq_ignore_ascii_case(key))
                    {
                        let Value::Object(inner) = value else {
                            return Err(err(
                                ScimType::InvalidValue,
                                format!("{key} must be an object"),
                            ));
                        };
                        for (name, v) in inner {
                            apply_path(schemas, out, op, &format!("{key}:{name}"), Some(v))?;
                        }
                        continue;
                    }
                    // Okta repeats the resource's `id` in a Group's replace value; read-only
                    // attributes are ignored here as in a PUT body.
                    if ["schemas", "id", "meta"]
                        .iter()
                        .any(|k| key.eq_ignore_ascii_case(k))
                    {
                        continue;
                    }
                    apply_path(schemas, out, op, key, Some(value))?;
                }
                Ok(())
            }
        };
    };
    apply_path(schemas, out, operation.op, path, operation.value.as_ref())
}

fn apply_path(
    schemas: Schemas<'static>,
    out: &mut Patched,
    op: OpKind,
    path_text: &str,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    let path = filter::parse_patch_path(path_text)
        .map_err(|e| err(ScimType::InvalidPath, format!("{path_text:?}: {e}")))?;
    let PatchPath {
        attr,
        filter,
        sub_after_filter,
    } = path;
    let target = schemas.resolve(&attr).ok_or_else(|| {
        err(
            ScimType::InvalidPath,
            format!("{path_text:?} is not an attribute"),
        )
    })?;
    let definition = target.definition;
    // The sub-attribute named after a dot or after the filter.
    let sub = match (&attr.sub, &sub_after_filter) {
        (Some(s), None) | (None, Some(s)) => Some(definition.sub(s).ok_or_else(|| {
            err(
                ScimType::InvalidPath,
                format!("{path_text:?}: {} has no {s}", definition.name),
            )
        })?),
        _ => None,
    };
    let writable =
        |a: &Attribute| matches!(a.mutability, Mutability::ReadWrite | Mutability::WriteOnly);
    if !writable(definition) || sub.is_some_and(|s| !writable(s)) {
        return Err(err(
            ScimType::Mutability,
            format!("{path_text:?} is read-only"),
        ));
    }
    if definition.mutability == Mutability::WriteOnly {
        // The password: set, never stored in the resource.
        return match (op, value) {
            (OpKind::Remove, _) => Err(err(ScimType::Mutability, "the password cannot be removed")),
            (_, Some(Value::String(p))) => {
                out.password = Some(p.clone());
                Ok(())
            }
            _ => Err(err(ScimType::InvalidValue, "password must be a string")),
        };
    }
    if filter.is_some() && !(definition.multi_valued && definition.kind == Kind::Complex) {
        return Err(err(
            ScimType::InvalidPath,
            format!("{path_text:?}: only multi-valued complex attributes take a filter"),
        ));
    }
    let container = match target.container {
        None => &mut out.resource,
        Some(urn) => {
            let entry = out
                .resource
                .entry(urn.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            match entry {
                Value::Object(inner) => inner,
                _ => return Err(ScimError::Internal("extension container".into())),
            }
        }
    };
    let result = match filter {
        Some(filter) => with_filter(container, definition, &filter, sub, op, value, path_text),
        None => without_filter(container, definition, sub, op, value, path_text),
    };
    // An extension left empty is removed.
    if let Some(urn) = target.container
        && out
            .resource
            .get(urn)
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
    {
        out.resource.remove(urn);
    }
    result
}

/// Reads `value` for `definition` (single form when `single`).
fn typed(
    definition: &Attribute,
    value: &Value,
    path: &str,
    single: bool,
) -> Result<Option<Value>, ScimError> {
    if single && definition.multi_valued {
        let mut one = *definition;
        one.multi_valued = false;
        return read_value(&one, value, path);
    }
    read_value(definition, value, path)
}

fn without_filter(
    container: &mut Map<String, Value>,
    definition: &'static Attribute,
    sub: Option<&'static Attribute>,
    op: OpKind,
    value: Option<&Value>,
    path: &str,
) -> Result<(), ScimError> {
    let name = definition.name;
    match (sub, op) {
        (Some(sub), OpKind::Remove) => {
            match container.get_mut(name) {
                Some(Value::Object(fields)) => {
                    fields.remove(sub.name);
                    if fields.is_empty() {
                        container.remove(name);
                    }
                }
                Some(Value::Array(items)) => {
                    for item in items.iter_mut() {
                        if let Value::Object(fields) = item {
                            fields.remove(sub.name);
                        }
                    }
                    items.retain(|i| i.as_object().is_some_and(|f| !f.is_empty()));
                    if items.is_empty() {
                        container.remove(name);
                    }
                }
                _ => {}
            }
            Ok(())
        }
        (Some(sub), _) => {
            let v = value.ok_or_else(|| err(ScimType::InvalidValue, "a value is required"))?;
            let read = typed(sub, v, path, true)?;
            if definition.multi_valued {
                // `emails.value` without a filter: every element.
                let Some(Value::Array(items)) = container.get_mut(name) else {
                    return Err(err(
                        ScimType::NoTarget,
                        format!("{path:?}: {name} has no values"),
                    ));
                };
                for item in items.iter_mut() {
                    if let Value::Object(fields) = item {
                        set_or_remove(fields, sub.name, read.clone());
                    }
                }
                if items.len() > 1 && sub.name == "primary" && read == Some(Value::Bool(true)) {
                    return Err(err(
                        ScimType::InvalidValue,
                        format!("{path:?}: only one value can be primary; name it with a filter"),
                    ));
                }
                return Ok(());
            }
            let entry = container
                .entry(name.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            if let Value::Object(fields) = entry {
                set_or_remove(fields, sub.name, read);
                if fields.is_empty() {
                    container.remove(name);
                }
            }
            Ok(())
        }
        (None, OpKind::Remove) => {
            if definition.multi_valued
                && let Some(v) = value
            {
                // Entra ID: remove these values (by `value`) from a multi-valued attribute.
                let listed: Vec<Value> = match v {
                    Value::Array(items) => items.clone(),
                    other => vec![other.clone()],
                };
                // Compared by their JSON text in a set: a group's member list can be long.
                let wanted: HashSet<String> = listed
                    .iter()
                    .filter_map(|i| i.get("value"))
                    .map(Value::to_string)
                    .collect();
                if let Some(Value::Array(items)) = container.get_mut(name) {
                    items.retain(|i| {
                        !i.get("value")
                            .is_some_and(|x| wanted.contains(&x.to_string()))
                    });
                    if items.is_empty() {
                        container.remove(name);
                    }
                }
                return Ok(());
            }
            container.remove(name);
            Ok(())
        }
        (None, op) => {
            let v = value.ok_or_else(|| err(ScimType::InvalidValue, "a value is required"))?;
            let read = typed(definition, v, path, false)?;
            match (definition.multi_valued, definition.kind, op, read) {
                (_, _, _, None) => {
                    if op == OpKind::Replace {
                        container.remove(name);
                    }
                }
                (true, _, OpKind::Add, Some(Value::Array(new))) => {
                    let mut items = match container.remove(name) {
                        Some(Value::Array(items)) => items,
                        _ => Vec::new(),
                    };
                    let mut present: HashSet<String> = items.iter().map(Value::to_string).collect();
                    for value in new {
                        if present.insert(value.to_string()) {
                            items.push(value);
                        }
                    }
                    fix_primary(&mut items, &[]);
                    container.insert(name.to_string(), Value::Array(items));
                }
                (false, Kind::Complex, _, Some(Value::Object(new))) => {
                    // A complex value's sub-attributes merge; the others stay.
                    let entry = container
                        .entry(name.to_string())
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Value::Object(fields) = entry {
                        fields.extend(new);
                    } else {
                        *entry = Value::Object(new);
                    }
                }
                (_, _, _, Some(read)) => {
                    container.insert(name.to_string(), read);
                }
            }
            Ok(())
        }
    }
}

fn set_or_remove(fields: &mut Map<String, Value>, name: &str, value: Option<Value>) {
    match value {
        Some(v) => {
            fields.insert(name.to_string(), v);
        }
        None => {
            fields.remove(name);
        }
    }
}

/// When several values claim `primary`, the one just written keeps it (RFC 7644 §3.5.2): the
/// last of `written` that is primary, else the last in the list (values added are appended).
fn fix_primary(items: &mut [Value], written: &[usize]) {
    let primary = |i: &Value| i.get("primary") == Some(&Value::Bool(true));
    let last = written
        .iter()
        .rev()
        .copied()
        .find(|&i| items.get(i).is_some_and(primary))
        .or_else(|| items.iter().rposition(primary));
    if let Some(last) = last {
        for (index, item) in items.iter_mut().enumerate() {
            if index != last
                && let Value::Object(fields) = item
                && fields.get("primary") == Some(&Value::Bool(true))
            {
                fields.insert("primary".into(), Value::Bool(false));
            }
        }
    }
}

fn with_filter(
    container: &mut Map<String, Value>,
    definition: &'static Attribute,
    filter: &Filter,
    sub: Option<&'static Attribute>,
    op: OpKind,
    value: Option<&Value>,
    path: &str,
) -> Result<(), ScimError> {
    let name = definition.name;
    let mut items = match container.remove(name) {
        Some(Value::Array(items)) => items,
        Some(other) => vec![other],
        None => Vec::new(),
    };
    let mut matched = Vec::new();
    for (index, item) in items.iter().enumerate() {
        if let Value::Object(fields) = item
            && matches(fields, definition, filter)?
        {
            matched.push(index);
        }
    }
    let result = (|| {
        if matched.is_empty() {
            if op == OpKind::Add
                && let Some(element) = element_from(filter, definition)
            {
                // The filter's values become the element's: checked like any value.
                let mut element = match typed(definition, &Value::Object(element), path, true)? {
                    Some(Value::Object(fields)) => fields,
                    _ => Map::new(),
                };
                // Entra ID adds `emails[type eq "work"].value` to a user without a work email:
                // make the element the filter describes.
                let v = value.ok_or_else(|| err(ScimType::InvalidValue, "a value is required"))?;
                match sub {
                    Some(sub) => set_or_remove(&mut element, sub.name, typed(sub, v, path, true)?),
                    None => {
                        if let Some(Value::Object(fields)) = typed(definition, v, path, true)? {
                            element.extend(fields);
                        }
                    }
                }
                items.push(Value::Object(element));
                return Ok(());
            }
            return Err(err(
                ScimType::NoTarget,
                format!("{path:?} matches no value"),
            ));
        }
        match op {
            OpKind::Remove => {
                for index in matched.iter().rev() {
                    match sub {
                        Some(sub) => {
                            if let Value::Object(fields) = &mut items[*index] {
                                fields.remove(sub.name);
                            }
                        }
                        None => {
                            items.remove(*index);
                        }
                    }
                }
                items.retain(|i| i.as_object().is_some_and(|f| !f.is_empty()));
            }
            OpKind::Add | OpKind::Replace => {
                let v = value.ok_or_else(|| err(ScimType::InvalidValue, "a value is required"))?;
                let new = match sub {
                    Some(sub) => typed(sub, v, path, true)?,
                    None => typed(definition, v, path, true)?,
                };
                for index in &matched {
                    match (sub, &new) {
                        (Some(sub), _) => {
                            if let Value::Object(fields) = &mut items[*index] {
                                set_or_remove(fields, sub.name, new.clone());
                            }
                        }
                        (None, Some(Value::Object(fields))) if op == OpKind::Add => {
                            if let Value::Object(existing) = &mut items[*index] {
                                existing.extend(fields.clone());
                            }
                        }
                        (None, Some(replacement)) => items[*index] = replacement.clone(),
                        (None, None) => {}
                    }
                }
            }
        }
        Ok(())
    })();
    // Removal shifted positions, and writes nothing primary.
    let written: &[usize] = if op == OpKind::Remove { &[] } else { &matched };
    fix_primary(&mut items, written);
    if !items.is_empty() {
        container.insert(name.to_string(), Value::Array(items));
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::schema;
    use serde_json::json;

    const USER: Schemas<'static> = Schemas {
        core: &schema::USER_SCHEMA,
        common: &schema::COMMON,
        extensions: &[&schema::ENTERPRISE_USER_SCHEMA],
    };

    fn ops(list: Value) -> Vec<Operation> {
        read(&json!({"schemas": [PATCH_OP], "Operations": list})).unwrap()
    }

    fn base() -> Map<String, Value> {
        json!({
            "userName": "ada",
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "emails": [
                {"value": "ada@work.test", "type": "work", "primary": true},
                {"value": "ada@home.test", "type": "home"}
            ],
            "active": true
        })
        .as_object()
        .unwrap()
        .clone()
    }

    fn apply_ok(list: Value) -> Map<String, Value> {
        apply(USER, &base(), &ops(list)).unwrap().resource
    }

    fn scim_type(list: Value) -> &'static str {
        match apply(USER, &base(), &ops(list)) {
            Err(ScimError::Invalid { scim_type, .. }) => scim_type.as_str(),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn replace_add_and_remove_with_paths() {
        let out = apply_ok(json!([
            {"op": "Replace", "path": "name.familyName", "value": "King"},
            {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "ada@new.test"},
            {"op": "Add", "path": "title", "value": "Countess"},
            {"op": "remove", "path": "emails[type eq \"home\"]"},
            {"op": "replace", "path": "active", "value": "False"},
            {"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Engines"}
        ]));
        assert_eq!(
            out["name"],
            json!({"givenName": "Ada", "familyName": "King"})
        );
        assert_eq!(
            out["emails"],
            json!([{"value": "ada@new.test", "type": "work", "primary": true}])
        );
        assert_eq!(out["title"], "Countess");
        assert_eq!(out["active"], false);
        assert_eq!(
            out[schema::ENTERPRISE_USER],
            json!({"department": "Engines"})
        );
    }

    #[test]
    fn values_without_a_path_as_okta_and_entra_send_them() {
        let out = apply_ok(json!([
            {"op": "replace", "value": {"active": false, "name.givenName": "Augusta",
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "7",
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"costCenter": "42"}}}
        ]));
        assert_eq!(out["active"], false);
        assert_eq!(out["name"]["givenName"], "Augusta");
        assert_eq!(
            out[schema::ENTERPRISE_USER],
            json!({"employeeNumber": "7", "costCenter": "42"})
        );
    }

    #[test]
    fn primary_stays_with_the_value_just_written() {
        // The home email comes after the work one; marking the *work* one primary again after
        // moving it to home must leave work primary (the value written, not the last in the list).
        let out = apply_ok(json!([
            {"op": "replace", "path": "emails[type eq \"home\"].primary", "value": true},
            {"op": "replace", "path": "emails[type eq \"work\"].primary", "value": true}
        ]));
        let primary: Vec<&str> = out["emails"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["primary"] == true)
            .filter_map(|e| e["type"].as_str())
            .collect();
        assert_eq!(primary, vec!["work"]);
        assert_eq!(
            scim_type(json!([{"op": "replace", "path": "emails.primary", "value": true}])),
            "invalidValue",
            "every value primary at once"
        );
        // A value created from a filter is checked like any value.
        let long = "x".repeat(3000);
        assert_eq!(
            scim_type(
                json!([{"op": "add", "path": format!("emails[type eq \"{long}\"].value"), "value": "a@b.test"}])
            ),
            "invalidValue"
        );
    }

    #[test]
    fn add_to_a_missing_filtered_value_creates_it_and_primary_moves() {
        let out = apply_ok(json!([
            {"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555"},
            {"op": "add", "path": "emails", "value": [{"value": "x@y.test", "primary": true}]}
        ]));
        assert_eq!(
            out["phoneNumbers"],
            json!([{"type": "mobile", "value": "+1 555"}])
        );
        let primaries: Vec<&Value> = out["emails"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["primary"] == true)
            .collect();
        assert_eq!(
            primaries,
            vec![&json!({"value": "x@y.test", "primary": true})]
        );
    }

    #[test]
    fn entra_removes_listed_values() {
        let out = apply_ok(json!([
            {"op": "Remove", "path": "emails", "value": [{"value": "ada@home.test"}]}
        ]));
        assert_eq!(out["emails"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn errors_carry_the_right_scim_type() {
        assert_eq!(scim_type(json!([{"op": "remove"}])), "noTarget");
        assert_eq!(
            scim_type(
                json!([{"op": "replace", "path": "emails[type eq \"fax\"].value", "value": "x"}])
            ),
            "noTarget"
        );
        assert_eq!(
            scim_type(json!([{"op": "remove", "path": "emails[type eq \"fax\"]"}])),
            "noTarget"
        );
        assert_eq!(
            scim_type(json!([{"op": "replace", "path": "nosuch", "value": "x"}])),
            "invalidPath"
        );
        assert_eq!(
            scim_type(json!([{"op": "replace", "path": "emails[type eq", "value": "x"}])),
            "invalidPath"
        );
        assert_eq!(
            scim_type(json!([{"op": "replace", "path": "name.nosuch", "value": "x"}])),
            "invalidPath"
        );
        assert_eq!(
            scim_type(json!([{"op": "replace", "path": "title[value eq \"x\"]", "value": "x"}])),
            "invalidPath"
        );
        assert_eq!(
            scim_type(json!([{"op": "replace", "path": "id", "value": "x"}])),
            "mutability"
        );
        assert_eq!(
            scim_type(json!([{"op": "replace", "path": "meta.version", "value": "x"}])),
            "mutability"
        );
        assert_eq!(
            scim_type(json!([{"op": "add", "path": "groups", "value": [{"value": "g"}]}])),
            "mutability"
        );
        assert_eq!(
            scim_type(json!([{"op": "replace", "path": "active", "value": "maybe"}])),
            "invalidValue"
        );
        assert_eq!(
            scim_type(json!([{"op": "replace", "value": "not an object"}])),
            "invalidValue"
        );
        for bad in [
            json!({"Operations": []}),
            json!({"schemas": [PATCH_OP]}),
            json!({"schemas": [PATCH_OP], "Operations": [{"op": "move", "path": "x"}]}),
            json!({"schemas": [PATCH_OP], "Operations": "x"}),
        ] {
            assert!(
                matches!(
                    read(&bad),
                    Err(ScimError::Invalid {
                        scim_type: ScimType::InvalidSyntax,
                        ..
                    })
                ),
                "{bad}"
            );
        }
        assert!(
            read(&json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "title"}]}))
                .is_err()
        );
    }

    #[test]
    fn passwords_are_found_and_never_stored() {
        let list = ops(json!([{"op": "replace", "value": {"password": "s3cret-enough"}}]));
        assert_eq!(password_of(&list).as_deref(), Some("s3cret-enough"));
        let patched = apply(USER, &base(), &list).unwrap();
        assert_eq!(patched.password.as_deref(), Some("s3cret-enough"));
        assert!(!patched.resource.contains_key("password"));
    }
}
