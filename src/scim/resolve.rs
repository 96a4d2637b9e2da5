//! Filters and `sortBy` over a resource type, resolved against its schema into what storage
//! runs: `id`, `externalId`, `meta.created`/`meta.lastModified` and the type's own indexed
//! attributes (a User's `userName` and `active`, a Group's `displayName`) are columns; every
//! other attribute is a stored value (a Group's members and a User's groups come from views). Types are checked (a string attribute takes
//! a string, a boolean `eq true`, a date RFC 3339), `caseExact` decides whether case matters,
//! `ne` is the negation of `eq`, and `eq null`/`ne null` test absence and presence.

use super::error::{ScimError, ScimType};
use super::filter::{AttrPath, CompareOp, Filter};
use super::schema::{self, Attribute, Kind, Schema};
use super::user_resource::value_key;
use crate::storage::scim_query::{Column, Op, Operand, Predicate, SortKey};
use serde_json::Value;

fn bad(detail: impl Into<String>) -> ScimError {
    ScimError::invalid(ScimType::InvalidFilter, detail)
}

/// What the filters of a resource type may name.
#[derive(Debug)]
pub struct Filterable {
    /// The resource type, as errors name it.
    pub noun: &'static str,
    pub core: &'static Schema,
    pub extensions: &'static [&'static Schema],
    /// Attributes kept in columns of the resource table.
    pub columns: &'static [(&'static str, Column)],
    /// Attributes (or `attribute.sub`) that cannot be filtered on.
    pub refused: &'static [&'static str],
}

/// Users.
pub static USERS: Filterable = Filterable {
    noun: "User",
    core: &schema::USER_SCHEMA,
    extensions: &[&schema::ENTERPRISE_USER_SCHEMA],
    columns: &[
        ("id", Column::Id),
        ("externalId", Column::ExternalId),
        ("userName", Column::UserName),
        ("active", Column::Active),
    ],
    refused: &["password", "groups.$ref"],
};

/// Groups.
pub static GROUPS: Filterable = Filterable {
    noun: "Group",
    core: &schema::GROUP_SCHEMA,
    extensions: &[],
    columns: &[
        ("id", Column::Id),
        ("externalId", Column::ExternalId),
        ("displayName", Column::DisplayName),
    ],
    refused: &["members.$ref"],
};

/// Where an attribute path leads.
#[derive(Debug, Clone)]
enum Target {
    Column(Column, &'static Attribute),
    /// A stored value: its key, sub-attribute (lower case, may be empty) and definition.
    Value(String, String, &'static Attribute),
    /// A multi-valued complex attribute as a whole (for value paths and `pr`).
    Complex(String, &'static Attribute),
}

/// Resolves `path` at the top level of a resource.
fn target(f: &Filterable, path: &AttrPath) -> Result<Target, ScimError> {
    let shown = show(path);
    let (schema_id, definition) = definition(f, path)
        .ok_or_else(|| bad(format!("{shown} is not an attribute of a {}", f.noun)))?;
    let refused = |name: &str| f.refused.iter().any(|r| r.eq_ignore_ascii_case(name));
    if refused(definition.name)
        || path
            .sub
            .as_ref()
            .is_some_and(|sub| refused(&format!("{}.{sub}", definition.name)))
    {
        return Err(bad(format!("{shown} cannot be filtered on")));
    }
    let column = f
        .columns
        .iter()
        .find(|(name, _)| *name == definition.name)
        .map(|(_, column)| *column);
    if let Some(column) = column {
        if path.sub.is_some() {
            return Err(bad(format!(
                "{shown}: {} has no sub-attributes",
                definition.name
            )));
        }
        return Ok(Target::Column(column, definition));
    }
    if definition.name == "meta" {
        let sub = path.sub.as_deref().and_then(|s| definition.sub(s));
        return match sub.map(|s| s.name) {
            Some("created") => Ok(Target::Column(Column::CreatedAt, sub.unwrap_or(definition))),
            Some("lastModified") => {
                Ok(Target::Column(Column::UpdatedAt, sub.unwrap_or(definition)))
            }
            _ => Err(bad(format!(
                "{shown}: only meta.created and meta.lastModified can be filtered on"
            ))),
        };
    }
    let key = value_key(schema_id, definition.name);
    match (&path.sub, definition.kind) {
        (Some(sub), Kind::Complex) => {
            let sub = definition
                .sub(sub)
                .ok_or_else(|| bad(format!("{shown} is not an attribute of a {}", f.noun)))?;
            Ok(Target::Value(key, sub.name.to_ascii_lowercase(), sub))
        }
        (Some(_), _) => Err(bad(format!(
            "{shown}: {} has no sub-attributes",
            definition.name
        ))),
        (None, Kind::Complex) => Ok(Target::Complex(key, definition)),
        (None, _) => Ok(Target::Value(key, String::new(), definition)),
    }
}

/// The schema and definition of a top-level path: the core schema and the common attributes
/// without a URN (or with the core URN), an extension with its URN (or, leniently, without one
/// when the name is only there).
fn definition(f: &Filterable, path: &AttrPath) -> Option<(&'static str, &'static Attribute)> {
    let core = || {
        f.core
            .attribute(&path.name)
            .or_else(|| schema::COMMON.attribute(&path.name))
            .map(|a| (f.core.id, a))
    };
    match &path.urn {
        Some(urn) if urn.eq_ignore_ascii_case(f.core.id) => core(),
        Some(urn) => {
            let found = f
                .extensions
                .iter()
                .find(|s| s.id.eq_ignore_ascii_case(urn))?;
            found.attribute(&path.name).map(|a| (found.id, a))
        }
        None => core().or_else(|| {
            f.extensions
                .iter()
                .find_map(|s| s.attribute(&path.name).map(|a| (s.id, a)))
        }),
    }
}

fn show(path: &AttrPath) -> String {
    let mut out = String::new();
    if let Some(urn) = &path.urn {
        out.push_str(urn);
        out.push(':');
    }
    out.push_str(&path.name);
    if let Some(sub) = &path.sub {
        out.push('.');
        out.push_str(sub);
    }
    out
}

/// Resolves a parsed filter over a resource type.
pub fn resolve(f: &Filterable, filter: &Filter) -> Result<Predicate, ScimError> {
    resolve_in(f, filter, None)
}

/// `element`: the key and definition of the multi-valued attribute whose value path we are in.
fn resolve_in(
    f: &Filterable,
    filter: &Filter,
    element: Option<(&str, &'static Attribute)>,
) -> Result<Predicate, ScimError> {
    Ok(match filter {
        Filter::And(a, b) => Predicate::And(
            Box::new(resolve_in(f, a, element)?),
            Box::new(resolve_in(f, b, element)?),
        ),
        Filter::Or(a, b) => Predicate::Or(
            Box::new(resolve_in(f, a, element)?),
            Box::new(resolve_in(f, b, element)?),
        ),
        Filter::Not(inner) => Predicate::Not(Box::new(resolve_in(f, inner, element)?)),
        Filter::Present(path) => present(&resolve_path(f, path, element)?),
        Filter::Compare(path, op, value) => compare(&resolve_path(f, path, element)?, *op, value)?,
        Filter::ValuePath(path, inner) => {
            if element.is_some() {
                return Err(bad("value paths cannot nest"));
            }
            match target(f, path)? {
                Target::Complex(key, definition) if definition.multi_valued => Predicate::Element {
                    inner: Box::new(resolve_in(f, inner, Some((&key, definition)))?),
                    attr: key,
                },
                _ => {
                    return Err(bad(format!(
                        "{}[...] needs a multi-valued complex attribute",
                        show(path)
                    )));
                }
            }
        }
    })
}

fn resolve_path(
    f: &Filterable,
    path: &AttrPath,
    element: Option<(&str, &'static Attribute)>,
) -> Result<Target, ScimError> {
    let Some((key, parent)) = element else {
        return target(f, path);
    };
    // Inside `emails[...]`, names are the element's sub-attributes.
    if path.urn.is_some() || path.sub.is_some() {
        return Err(bad(format!(
            "{}: inside {}[...] name a sub-attribute of {}",
            show(path),
            parent.name,
            parent.name
        )));
    }
    let sub = parent.sub(&path.name).ok_or_else(|| {
        bad(format!(
            "{} is not a sub-attribute of {}",
            path.name, parent.name
        ))
    })?;
    if f.refused
        .iter()
        .any(|r| r.eq_ignore_ascii_case(&format!("{}.{}", parent.name, sub.name)))
    {
        return Err(bad(format!(
            "{}.{} cannot be filtered on",
            parent.name, sub.name
        )));
    }
    Ok(Target::Value(
        key.to_string(),
        sub.name.to_ascii_lowercase(),
        sub,
    ))
}

fn present(target: &Target) -> Predicate {
    match target {
        Target::Column(column, _) => Predicate::ColumnPresent(*column),
        Target::Value(attr, sub, _) => Predicate::ValuePresent {
            attr: attr.clone(),
            sub: Some(sub.clone()),
        },
        Target::Complex(attr, _) => Predicate::ValuePresent {
            attr: attr.clone(),
            sub: None,
        },
    }
}

fn compare(target: &Target, op: CompareOp, value: &Value) -> Result<Predicate, ScimError> {
    if value.is_null() {
        return match op {
            CompareOp::Eq => Ok(Predicate::Not(Box::new(present(target)))),
            CompareOp::Ne => Ok(present(target)),
            _ => Err(bad("null can only be compared with eq or ne")),
        };
    }
    if op == CompareOp::Ne {
        return Ok(Predicate::Not(Box::new(compare(
            target,
            CompareOp::Eq,
            value,
        )?)));
    }
    let op = match op {
        CompareOp::Eq | CompareOp::Ne => Op::Eq,
        CompareOp::Co => Op::Co,
        CompareOp::Sw => Op::Sw,
        CompareOp::Ew => Op::Ew,
        CompareOp::Gt => Op::Gt,
        CompareOp::Ge => Op::Ge,
        CompareOp::Lt => Op::Lt,
        CompareOp::Le => Op::Le,
    };
    let (definition, name) = match target {
        Target::Column(_, d) | Target::Value(_, _, d) => (*d, d.name),
        Target::Complex(attr, d) => {
            // A multi-valued complex attribute compares through its `value` (RFC 7644
            // §3.4.2.2: `emails co "x"` is `emails.value co "x"`).
            let Some(sub) = d.sub("value") else {
                return Err(bad(format!(
                    "{} cannot be compared; name a sub-attribute",
                    d.name
                )));
            };
            return compare(
                &Target::Value(attr.clone(), "value".into(), sub),
                to_filter_op(op),
                value,
            );
        }
    };
    match definition.kind {
        Kind::Boolean => {
            let wanted = match value {
                Value::Bool(b) => *b,
                Value::String(s) if s.eq_ignore_ascii_case("true") => true,
                Value::String(s) if s.eq_ignore_ascii_case("false") => false,
                _ => {
                    return Err(bad(format!(
                        "{name} is a boolean: compare it with true or false"
                    )));
                }
            };
            if op != Op::Eq {
                return Err(bad(format!(
                    "{name} is a boolean: only eq, ne and pr apply"
                )));
            }
            Ok(match target {
                Target::Column(column, _) => Predicate::Column {
                    column: *column,
                    case_exact: true,
                    op,
                    operand: Operand::Bool(wanted),
                },
                Target::Value(attr, sub, _) => Predicate::Value {
                    attr: attr.clone(),
                    sub: sub.clone(),
                    case_exact: true,
                    op,
                    operand: wanted.to_string(),
                },
                Target::Complex(..) => return Err(bad("unreachable")),
            })
        }
        Kind::DateTime => {
            let Some(text) = value.as_str() else {
                return Err(bad(format!(
                    "{name} is a date: compare it with an RFC 3339 string"
                )));
            };
            if matches!(op, Op::Co | Op::Sw | Op::Ew) {
                return Err(bad(format!("{name} is a date: co, sw and ew do not apply")));
            }
            let at = chrono::DateTime::parse_from_rfc3339(text)
                .map_err(|_| bad(format!("{text:?} is not an RFC 3339 date and time")))?;
            let Target::Column(column, _) = target else {
                return Err(bad(format!("{name} cannot be filtered on")));
            };
            // Times are stored in whole seconds. Against a time with a fraction, `t >= x.5`
            // is `t > x`, `t < x.5` is `t <= x`, and nothing equals it.
            let op = match (op, at.timestamp_subsec_nanos() > 0) {
                (Op::Eq, true) => {
                    return Ok(Predicate::Not(Box::new(Predicate::ColumnPresent(
                        Column::Id,
                    ))));
                }
                (Op::Ge, true) => Op::Gt,
                (Op::Lt, true) => Op::Le,
                (op, _) => op,
            };
            Ok(Predicate::Column {
                column: *column,
                case_exact: true,
                op,
                operand: Operand::Int(at.timestamp()),
            })
        }
        Kind::String | Kind::Reference | Kind::Binary => {
            let Some(text) = value.as_str() else {
                return Err(bad(format!(
                    "{name} is a string: compare it with a quoted string"
                )));
            };
            let exact = definition.case_exact;
            let operand = if exact {
                text.to_string()
            } else {
                text.to_lowercase()
            };
            Ok(match target {
                Target::Column(column, _) => Predicate::Column {
                    column: *column,
                    case_exact: exact,
                    op,
                    operand: Operand::Text(operand),
                },
                Target::Value(attr, sub, _) => Predicate::Value {
                    attr: attr.clone(),
                    sub: sub.clone(),
                    case_exact: exact,
                    op,
                    operand,
                },
                Target::Complex(..) => return Err(bad("unreachable")),
            })
        }
        Kind::Complex => Err(bad(format!(
            "{name} cannot be compared; name a sub-attribute"
        ))),
    }
}

fn to_filter_op(op: Op) -> CompareOp {
    match op {
        Op::Eq => CompareOp::Eq,
        Op::Co => CompareOp::Co,
        Op::Sw => CompareOp::Sw,
        Op::Ew => CompareOp::Ew,
        Op::Gt => CompareOp::Gt,
        Op::Ge => CompareOp::Ge,
        Op::Lt => CompareOp::Lt,
        Op::Le => CompareOp::Le,
    }
}

/// Resolves `sortBy`: a multi-valued attribute sorts by its primary (else first) `value`.
pub fn sort_key(f: &Filterable, sort_by: &str) -> Result<SortKey, ScimError> {
    let invalid = |detail: String| ScimError::invalid(ScimType::InvalidValue, detail);
    let path = super::filter::split_path(sort_by.trim())
        .ok_or_else(|| invalid(format!("sortBy: {sort_by:?} is not an attribute path")))?;
    let resolved = target(f, &path).map_err(|e| invalid(format!("sortBy: {e}")))?;
    Ok(match resolved {
        Target::Column(column, definition) => SortKey::Column(column, definition.case_exact),
        Target::Value(attr, sub, definition) => SortKey::Value {
            attr,
            sub,
            case_exact: definition.case_exact,
        },
        Target::Complex(attr, definition) => match definition.sub("value") {
            Some(value) => SortKey::Value {
                attr,
                sub: "value".into(),
                case_exact: value.case_exact,
            },
            None => {
                return Err(invalid(format!(
                    "sortBy: name a sub-attribute of {}",
                    definition.name
                )));
            }
        },
    })
}
