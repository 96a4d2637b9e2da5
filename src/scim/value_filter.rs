//! Value filters (`emails[type eq "work"]`) evaluated in memory against the elements of a
//! multi-valued attribute, as PATCH paths need: the same rules as filters in the database
//! (`caseExact`, booleans, `ne` as the negation of `eq`, `null` as absence).

use super::error::{ScimError, ScimType};
use super::filter::{CompareOp, Filter};
use super::schema::{Attribute, Kind};
use serde_json::{Map, Value};

fn err(scim_type: ScimType, detail: impl Into<String>) -> ScimError {
    ScimError::invalid(scim_type, detail)
}

/// The element an equality-only filter describes (`type eq "work" and primary eq true`).
pub fn element_from(filter: &Filter, parent: &Attribute) -> Option<Map<String, Value>> {
    let mut out = Map::new();
    fn walk(filter: &Filter, parent: &Attribute, out: &mut Map<String, Value>) -> bool {
        match filter {
            Filter::And(a, b) => walk(a, parent, out) && walk(b, parent, out),
            Filter::Compare(path, CompareOp::Eq, value)
                if path.urn.is_none() && path.sub.is_none() =>
            {
                match parent.sub(&path.name) {
                    Some(sub) => {
                        out.insert(sub.name.to_string(), value.clone());
                        true
                    }
                    None => false,
                }
            }
            _ => false,
        }
    }
    walk(filter, parent, &mut out).then_some(out)
}

/// Whether an element of `parent` satisfies a value filter (evaluated in memory).
pub fn matches(
    element: &Map<String, Value>,
    parent: &Attribute,
    filter: &Filter,
) -> Result<bool, ScimError> {
    Ok(match filter {
        Filter::And(a, b) => matches(element, parent, a)? && matches(element, parent, b)?,
        Filter::Or(a, b) => matches(element, parent, a)? || matches(element, parent, b)?,
        Filter::Not(inner) => !matches(element, parent, inner)?,
        Filter::ValuePath(..) => {
            return Err(err(ScimType::InvalidFilter, "value filters cannot nest"));
        }
        Filter::Present(path) | Filter::Compare(path, _, _) => {
            if path.urn.is_some() || path.sub.is_some() {
                return Err(err(
                    ScimType::InvalidFilter,
                    format!("name a sub-attribute of {}", parent.name),
                ));
            }
            let sub = parent.sub(&path.name).ok_or_else(|| {
                err(
                    ScimType::InvalidFilter,
                    format!("{} is not a sub-attribute of {}", path.name, parent.name),
                )
            })?;
            let actual = element
                .get(sub.name)
                .filter(|v| !v.is_null() && *v != &Value::String(String::new()));
            match filter {
                Filter::Present(_) => actual.is_some(),
                Filter::Compare(_, op, expected) => compare(actual, sub, *op, expected)?,
                _ => false,
            }
        }
    })
}

fn compare(
    actual: Option<&Value>,
    sub: &Attribute,
    op: CompareOp,
    expected: &Value,
) -> Result<bool, ScimError> {
    if expected.is_null() {
        return match op {
            CompareOp::Eq => Ok(actual.is_none()),
            CompareOp::Ne => Ok(actual.is_some()),
            _ => Err(err(
                ScimType::InvalidFilter,
                "null can only be compared with eq or ne",
            )),
        };
    }
    if op == CompareOp::Ne {
        return Ok(!compare(actual, sub, CompareOp::Eq, expected)?);
    }
    let Some(actual) = actual else {
        return Ok(false);
    };
    if sub.kind == Kind::Boolean {
        let wanted = match expected {
            Value::Bool(b) => *b,
            Value::String(s) if s.eq_ignore_ascii_case("true") => true,
            Value::String(s) if s.eq_ignore_ascii_case("false") => false,
            _ => {
                return Err(err(
                    ScimType::InvalidFilter,
                    format!("{} is a boolean", sub.name),
                ));
            }
        };
        if op != CompareOp::Eq {
            return Err(err(
                ScimType::InvalidFilter,
                format!("{} is a boolean: only eq, ne and pr apply", sub.name),
            ));
        }
        return Ok(actual == &Value::Bool(wanted));
    }
    let (Some(actual), Some(expected)) = (actual.as_str(), expected.as_str()) else {
        return Err(err(
            ScimType::InvalidFilter,
            format!("{} is a string: compare it with a quoted string", sub.name),
        ));
    };
    let (a, e) = if sub.case_exact {
        (actual.to_string(), expected.to_string())
    } else {
        (actual.to_lowercase(), expected.to_lowercase())
    };
    Ok(match op {
        CompareOp::Eq | CompareOp::Ne => a == e,
        CompareOp::Co => a.contains(&e),
        CompareOp::Sw => a.starts_with(&e),
        CompareOp::Ew => a.ends_with(&e),
        CompareOp::Gt => a > e,
        CompareOp::Ge => a >= e,
        CompareOp::Lt => a < e,
        CompareOp::Le => a <= e,
    })
}
