//! Property-based tests of the filter and PATCH path parsers: any text is parsed or refused
//! without a panic; any filter tree, written out (with random case and spacing), reads back as
//! the same tree; and whatever parses is resolved for Users and Groups without a panic.

use super::filter::{self, AttrPath, CompareOp, Filter, PatchPath};
use super::resolve;
use proptest::prelude::*;
use serde_json::Value;

const OPS: [CompareOp; 9] = [
    CompareOp::Eq,
    CompareOp::Ne,
    CompareOp::Co,
    CompareOp::Sw,
    CompareOp::Ew,
    CompareOp::Gt,
    CompareOp::Ge,
    CompareOp::Lt,
    CompareOp::Le,
];

fn op_text(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Eq => "eq",
        CompareOp::Ne => "ne",
        CompareOp::Co => "co",
        CompareOp::Sw => "sw",
        CompareOp::Ew => "ew",
        CompareOp::Gt => "gt",
        CompareOp::Ge => "ge",
        CompareOp::Lt => "lt",
        CompareOp::Le => "le",
    }
}

/// An attribute or sub-attribute name (not one of the words the grammar reserves).
fn name() -> impl Strategy<Value = String> {
    "[a-zA-Z][a-zA-Z0-9_-]{0,8}".prop_filter("not a keyword", |n| {
        !["and", "or", "not"].contains(&n.to_ascii_lowercase().as_str())
    })
}

fn attr_path() -> impl Strategy<Value = AttrPath> {
    (
        prop::option::weighted(
            0.2,
            prop::sample::select(vec![
                "urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                "URN:example:Custom-1",
            ]),
        ),
        name(),
        prop::option::weighted(0.3, name()),
    )
        .prop_map(|(urn, name, sub)| AttrPath {
            urn: urn.map(str::to_string),
            name,
            sub,
        })
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => any::<String>().prop_map(Value::String),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => Just(Value::Null),
        1 => any::<i64>().prop_map(Value::from),
    ]
}

fn leaf() -> impl Strategy<Value = Filter> {
    prop_oneof![
        (attr_path(), prop::sample::select(OPS.to_vec()), value())
            .prop_map(|(p, op, v)| Filter::Compare(p, op, v)),
        attr_path().prop_map(Filter::Present),
    ]
}

fn tree() -> impl Strategy<Value = Filter> {
    leaf().prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Filter::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Filter::Or(Box::new(a), Box::new(b))),
            inner.clone().prop_map(|f| Filter::Not(Box::new(f))),
            (attr_path(), inner).prop_map(|(mut p, f)| {
                p.sub = None;
                Filter::ValuePath(p, Box::new(f))
            }),
        ]
    })
}

fn path_text(p: &AttrPath) -> String {
    let mut out = String::new();
    if let Some(urn) = &p.urn {
        out.push_str(urn);
        out.push(':');
    }
    out.push_str(&p.name);
    if let Some(sub) = &p.sub {
        out.push('.');
        out.push_str(sub);
    }
    out
}

/// Writes a filter out; `upper` picks the case of each keyword in turn, `space` the spacing.
fn write(f: &Filter, upper: &mut impl Iterator<Item = bool>, space: &str) -> String {
    let mut kw = |word: &str| {
        if upper.next().unwrap_or(false) {
            word.to_ascii_uppercase()
        } else {
            word.to_string()
        }
    };
    match f {
        Filter::Compare(p, op, v) => {
            let op = kw(op_text(*op));
            format!("{}{space}{op}{space}{v}", path_text(p))
        }
        Filter::Present(p) => format!("{} {}", path_text(p), kw("pr")),
        Filter::And(a, b) => {
            let word = kw("and");
            format!(
                "({}){space}{word}{space}({})",
                write(a, upper, space),
                write(b, upper, space)
            )
        }
        Filter::Or(a, b) => {
            let word = kw("or");
            format!(
                "({}){space}{word}{space}({})",
                write(a, upper, space),
                write(b, upper, space)
            )
        }
        Filter::Not(inner) => {
            let word = kw("not");
            format!("{word}{space}({})", write(inner, upper, space))
        }
        Filter::ValuePath(p, inner) => {
            format!(
                "{}[{space}{}{space}]",
                path_text(p),
                write(inner, upper, space)
            )
        }
    }
}

/// Text that looks like a filter: grammar tokens glued together in any order.
fn filter_soup() -> impl Strategy<Value = String> {
    let token = prop::sample::select(vec![
        "userName",
        "emails",
        "emails.value",
        "name.givenName",
        "members",
        "members.value",
        "groups.display",
        "meta.lastModified",
        "active",
        "displayName",
        "x",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        "eq",
        "ne",
        "co",
        "sw",
        "ew",
        "gt",
        "ge",
        "lt",
        "le",
        "pr",
        "and",
        "or",
        "not",
        "(",
        ")",
        "[",
        "]",
        ".",
        "\"a\"",
        "\"\\u00e9\\\"\"",
        "\"",
        "true",
        "False",
        "null",
        "42",
        "-1.5e3",
        "\\",
        "\u{0}",
        "é",
        " ",
    ]);
    prop::collection::vec(token, 0..24).prop_map(|t| t.join(" "))
}

proptest! {
    // A failure prints its minimal input; add it to the unit tests in `filter.rs` rather than
    // keeping a regressions file at the top of the repository.
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_text_is_parsed_or_refused_without_panicking(text in any::<String>()) {
        let _ = filter::parse(&text);
        let _ = filter::parse_patch_path(&text);
    }

    #[test]
    fn filter_like_text_is_parsed_refused_and_resolved_without_panicking(text in filter_soup()) {
        if let Ok(parsed) = filter::parse(&text) {
            let _ = resolve::resolve(&resolve::USERS, &parsed);
            let _ = resolve::resolve(&resolve::GROUPS, &parsed);
        }
        let _ = filter::parse_patch_path(&text);
        let _ = resolve::sort_key(&resolve::USERS, &text);
    }

    #[test]
    fn a_filter_written_out_reads_back_the_same(
        f in tree(),
        cases in prop::collection::vec(any::<bool>(), 64),
        space in prop::sample::select(vec![" ", "  "]),
    ) {
        let text = write(&f, &mut cases.into_iter(), space);
        let parsed = filter::parse(&text);
        prop_assert_eq!(parsed, Ok(f), "{}", text);
    }

    #[test]
    fn a_patch_path_written_out_reads_back_the_same(
        attr in attr_path(),
        inner in prop::option::of(tree()),
        after in prop::option::of(name()),
    ) {
        let mut attr = attr;
        let (text, wanted) = match inner {
            Some(f) => {
                attr.sub = None;
                let mut text = format!("{}[{}]", path_text(&attr), write(&f, &mut std::iter::empty(), " "));
                if let Some(sub) = &after {
                    text.push('.');
                    text.push_str(sub);
                }
                (text, PatchPath { attr, filter: Some(f), sub_after_filter: after })
            }
            None => (path_text(&attr), PatchPath { attr, filter: None, sub_after_filter: None }),
        };
        prop_assert_eq!(filter::parse_patch_path(&text), Ok(wanted), "{}", text);
    }
}

#[test]
fn too_many_conditions_are_refused() {
    let many = vec!["userName pr"; filter::MAX_TERMS + 1].join(" and ");
    let error = filter::parse(&many).expect_err("too many");
    assert!(error.message.contains("conditions"), "{error}");
    let enough = vec!["userName pr"; filter::MAX_TERMS].join(" and ");
    assert!(filter::parse(&enough).is_ok());
}
