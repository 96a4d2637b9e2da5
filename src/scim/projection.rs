//! `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9) applied to a rendered
//! resource. Names match case-insensitively and may carry a schema URN; `name.givenName` keeps
//! or drops one sub-attribute (of every element, for a multi-valued attribute); a bare extension
//! URN means the whole extension. `id` and `schemas` are always returned.

use serde_json::{Map, Value};

/// One requested path, split.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Spec {
    /// The extension the attribute lives in (its URN as given), or `None` for the core.
    extension: Option<String>,
    /// The attribute; `None` means the whole extension.
    name: Option<String>,
    sub: Option<String>,
}

/// Splits a comma-separated list (query parameter) into paths.
pub fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn spec(path: &str, core_urn: &str, extensions: &[&str]) -> Option<Spec> {
    let lower = path.to_ascii_lowercase();
    let mut rest = path;
    let mut extension = None;
    if lower.starts_with("urn:") {
        let known = std::iter::once(core_urn).chain(extensions.iter().copied());
        let urn = known
            .filter(|urn| lower.starts_with(&urn.to_ascii_lowercase()))
            .max_by_key(|urn| urn.len())?;
        rest = &path[urn.len()..];
        if rest.is_empty() {
            return Some(Spec {
                extension: (urn != core_urn).then(|| urn.to_string()),
                name: None,
                sub: None,
            });
        }
        rest = rest.strip_prefix(':')?;
        if urn != core_urn {
            extension = Some(urn.to_string());
        }
    }
    let mut parts = rest.splitn(2, '.');
    let name = parts.next()?.to_string();
    let sub = parts.next().map(str::to_string);
    Some(Spec {
        extension,
        name: Some(name),
        sub,
    })
}

const ALWAYS: [&str; 2] = ["id", "schemas"];

fn key_of<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a String> {
    map.keys().find(|k| k.eq_ignore_ascii_case(name))
}

/// Applies the two lists to `resource` (a rendered resource object); `core_urn` is the
/// resource's own schema and `extensions` the URNs of its extensions.
pub fn project(
    resource: Value,
    attributes: &[String],
    excluded: &[String],
    core_urn: &str,
    extensions: &[&str],
) -> Value {
    let Value::Object(map) = resource else {
        return resource;
    };
    let map = if !attributes.is_empty() {
        keep(map, attributes, core_urn, extensions)
    } else if !excluded.is_empty() {
        drop_listed(map, excluded, core_urn, extensions)
    } else {
        map
    };
    Value::Object(map)
}

fn keep(
    map: Map<String, Value>,
    attributes: &[String],
    core_urn: &str,
    extensions: &[&str],
) -> Map<String, Value> {
    let mut out = Map::new();
    for name in ALWAYS {
        if let Some(v) = map.get(name) {
            out.insert(name.to_string(), v.clone());
        }
    }
    for path in attributes {
        let Some(spec) = spec(path, core_urn, extensions) else {
            continue;
        };
        let (source, target_key) = match &spec.extension {
            Some(urn) => {
                let Some(key) = key_of(&map, urn) else {
                    continue;
                };
                let Some(Value::Object(inner)) = map.get(key) else {
                    continue;
                };
                (inner, Some(key.clone()))
            }
            None => (&map, None),
        };
        let Some(name) = &spec.name else {
            if let Some(key) = target_key {
                out.insert(key.clone(), Value::Object(source.clone()));
            }
            continue;
        };
        let Some(key) = key_of(source, name) else {
            continue;
        };
        let value = match &spec.sub {
            None => source[key].clone(),
            Some(sub) => only_sub(&source[key], sub),
        };
        if value.is_null() {
            continue;
        }
        let destination = match &target_key {
            Some(ext) => {
                let entry = out
                    .entry(ext.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                match entry {
                    Value::Object(inner) => inner,
                    _ => continue,
                }
            }
            None => &mut out,
        };
        merge(destination, key, value);
    }
    out
}

/// `value` (an object or a list of objects) with only `sub` kept; null when nothing is left.
fn only_sub(value: &Value, sub: &str) -> Value {
    match value {
        Value::Object(fields) => match key_of(fields, sub) {
            Some(k) => {
                let mut one = Map::new();
                one.insert(k.clone(), fields[k].clone());
                Value::Object(one)
            }
            None => Value::Null,
        },
        Value::Array(items) => {
            let kept: Vec<Value> = items
                .iter()
                .map(|item| only_sub(item, sub))
                .filter(|v| !v.is_null())
                .collect();
            if kept.is_empty() {
                Value::Null
            } else {
                Value::Array(kept)
            }
        }
        _ => Value::Null,
    }
}

/// Adds `value` under `key`, merging sub-attributes already kept (`name.givenName` and
/// `name.familyName` both asked for).
fn merge(destination: &mut Map<String, Value>, key: &str, value: Value) {
    match (destination.get_mut(key), value) {
        (Some(Value::Object(existing)), Value::Object(more)) => existing.extend(more),
        (Some(Value::Array(existing)), Value::Array(more)) if existing.len() == more.len() => {
            for (a, b) in existing.iter_mut().zip(more) {
                if let (Value::Object(a), Value::Object(b)) = (a, b) {
                    a.extend(b);
                }
            }
        }
        (_, value) => {
            destination.insert(key.to_string(), value);
        }
    }
}

fn drop_listed(
    mut map: Map<String, Value>,
    excluded: &[String],
    core_urn: &str,
    extensions: &[&str],
) -> Map<String, Value> {
    for path in excluded {
        let Some(spec) = spec(path, core_urn, extensions) else {
            continue;
        };
        let container = match &spec.extension {
            Some(urn) => {
                let Some(key) = key_of(&map, urn).cloned() else {
                    continue;
                };
                if spec.name.is_none() {
                    map.remove(&key);
                    continue;
                }
                match map.get_mut(&key) {
                    Some(Value::Object(inner)) => inner,
                    _ => continue,
                }
            }
            None => &mut map,
        };
        let Some(name) = &spec.name else {
            continue;
        };
        if spec.extension.is_none() && ALWAYS.iter().any(|a| a.eq_ignore_ascii_case(name)) {
            continue;
        }
        let Some(key) = key_of(container, name).cloned() else {
            continue;
        };
        match &spec.sub {
            None => {
                container.remove(&key);
            }
            Some(sub) => remove_sub(container, &key, sub),
        }
    }
    map
}

fn remove_sub(container: &mut Map<String, Value>, key: &str, sub: &str) {
    let strip = |fields: &mut Map<String, Value>| {
        if let Some(k) = key_of(fields, sub).cloned() {
            fields.remove(&k);
        }
    };
    match container.get_mut(key) {
        Some(Value::Object(fields)) => strip(fields),
        Some(Value::Array(items)) => {
            for item in items.iter_mut() {
                if let Value::Object(fields) = item {
                    strip(fields);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
    const EXT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    fn user() -> Value {
        json!({
            "schemas": [CORE, EXT],
            "id": "1",
            "userName": "ada",
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "emails": [{"value": "a@x", "type": "work"}, {"value": "b@x"}],
            (EXT): {"department": "R&D", "costCenter": "7"},
            "meta": {"version": "W/\"1\""}
        })
    }

    #[test]
    fn keeps_what_is_asked_plus_id_and_schemas() {
        let kept = project(
            user(),
            &split_list("USERNAME, name.familyName,name.givenName,emails.value"),
            &[],
            CORE,
            &[EXT],
        );
        assert_eq!(
            kept,
            json!({
                "schemas": [CORE, EXT],
                "id": "1",
                "userName": "ada",
                "name": {"familyName": "Lovelace", "givenName": "Ada"},
                "emails": [{"value": "a@x"}, {"value": "b@x"}],
            })
        );
        let ext = project(user(), &[format!("{EXT}:department")], &[], CORE, &[EXT]);
        assert_eq!(ext[EXT], json!({"department": "R&D"}));
        let whole = project(user(), &[EXT.to_lowercase()], &[], CORE, &[EXT]);
        assert_eq!(whole[EXT], user()[EXT]);
        let core_qualified = project(user(), &[format!("{CORE}:userName")], &[], CORE, &[EXT]);
        assert_eq!(core_qualified["userName"], "ada");
    }

    #[test]
    fn drops_what_is_excluded_but_never_id() {
        let out = project(
            user(),
            &[],
            &split_list(
                "id,emails.type,meta,name,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter",
            ),
            CORE,
            &[EXT],
        );
        assert_eq!(out["id"], "1");
        assert!(out.get("meta").is_none() && out.get("name").is_none());
        assert_eq!(out["emails"], json!([{"value": "a@x"}, {"value": "b@x"}]));
        assert_eq!(out[EXT], json!({"department": "R&D"}));
    }
}
