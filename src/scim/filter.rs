//! The SCIM filter language (RFC 7644 §3.4.2.2), parsed into a tree that the storage layer turns
//! into SQL. Attribute names and operators are case-insensitive; a name may carry its schema URN
//! (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber`) and a
//! sub-attribute (`name.familyName`); a value path filters a multi-valued attribute
//! (`emails[type eq "work" and value co "@example.com"]`). `not` binds tighter than `and`, which
//! binds tighter than `or`. Every error says where the filter went wrong.

use serde_json::Value;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    fn parse(word: &str) -> Option<Self> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => Self::Eq,
            "ne" => Self::Ne,
            "co" => Self::Co,
            "sw" => Self::Sw,
            "ew" => Self::Ew,
            "gt" => Self::Gt,
            "ge" => Self::Ge,
            "lt" => Self::Lt,
            "le" => Self::Le,
            _ => return None,
        })
    }
}

/// An attribute path: optional schema URN, attribute name, optional sub-attribute. Names are kept
/// as written; compare them case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    pub urn: Option<String>,
    pub name: String,
    pub sub: Option<String>,
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Compare(AttrPath, CompareOp, Value),
    Present(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `attr[filter]`, optionally followed by `.sub` (only in PATCH paths).
    ValuePath(AttrPath, Box<Filter>),
}

/// Why a filter could not be parsed: a message and the byte offset where it went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at character {position})")]
pub struct FilterError {
    pub message: String,
    pub position: usize,
}

/// The longest filter accepted, how deeply it may nest, and how many conditions it may hold (each
/// becomes a subquery; SQLite refuses expression trees deeper than 1000).
pub const MAX_LENGTH: usize = 4096;
const MAX_DEPTH: usize = 32;
pub const MAX_TERMS: usize = 50;

/// Parses a filter.
pub fn parse(input: &str) -> Result<Filter, FilterError> {
    if input.len() > MAX_LENGTH {
        return Err(FilterError {
            message: format!("the filter is longer than {MAX_LENGTH} characters"),
            position: MAX_LENGTH,
        });
    }
    let mut parser = Parser {
        text: input,
        pos: 0,
        depth: 0,
        terms: 0,
    };
    let filter = parser.or_expr()?;
    parser.skip_spaces();
    if parser.pos < input.len() {
        return Err(parser.error("unexpected text after the filter"));
    }
    Ok(filter)
}

/// A PATCH path (RFC 7644 §3.5.2): `attrPath`, or `attrPath[valFilter]` optionally followed by
/// `.subAttr`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    pub attr: AttrPath,
    pub filter: Option<Filter>,
    /// The sub-attribute after a value filter (`emails[type eq "work"].value`).
    pub sub_after_filter: Option<String>,
}

/// Parses a PATCH path.
pub fn parse_patch_path(input: &str) -> Result<PatchPath, FilterError> {
    if input.len() > MAX_LENGTH {
        return Err(FilterError {
            message: format!("the path is longer than {MAX_LENGTH} characters"),
            position: MAX_LENGTH,
        });
    }
    let mut parser = Parser {
        text: input,
        pos: 0,
        depth: 0,
        terms: 0,
    };
    let attr = parser.attr_path()?;
    let mut filter = None;
    let mut sub_after_filter = None;
    if parser.peek() == Some('[') {
        if attr.sub.is_some() {
            return Err(parser.error("a value filter follows an attribute, not a sub-attribute"));
        }
        parser.pos += 1;
        parser.depth = 1;
        filter = Some(parser.or_expr()?);
        parser.skip_spaces();
        if parser.peek() != Some(']') {
            return Err(parser.error("expected ']'"));
        }
        parser.pos += 1;
        if parser.peek() == Some('.') {
            parser.pos += 1;
            let start = parser.pos;
            let word = parser.peek_word();
            let valid = !word.is_empty()
                && word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '$')
                && word
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$');
            if !valid {
                return Err(FilterError {
                    message: "expected a sub-attribute after '].'".into(),
                    position: start,
                });
            }
            parser.pos += word.len();
            sub_after_filter = Some(word.to_string());
        }
    }
    if parser.pos < input.len() {
        return Err(parser.error("unexpected text after the path"));
    }
    Ok(PatchPath {
        attr,
        filter,
        sub_after_filter,
    })
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
    /// Conditions read so far.
    terms: usize,
}

impl<'a> Parser<'a> {
    fn error(&self, message: &str) -> FilterError {
        FilterError {
            message: message.to_string(),
            position: self.pos,
        }
    }

    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn skip_spaces(&mut self) {
        let trimmed = self.rest().trim_start_matches(' ');
        self.pos = self.text.len() - trimmed.len();
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    /// The next word (letters, digits, `_`, `-`, `:`, `.`, `$`), without consuming it.
    fn peek_word(&self) -> &'a str {
        let rest = self.rest();
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || "_-:.$".contains(c)))
            .unwrap_or(rest.len());
        &rest[..end]
    }

    /// Consumes `keyword` (case-insensitive) when it is the next word.
    fn keyword(&mut self, keyword: &str) -> bool {
        self.skip_spaces();
        let word = self.peek_word();
        if word.eq_ignore_ascii_case(keyword) {
            self.pos += word.len();
            true
        } else {
            false
        }
    }

    fn enter(&mut self) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("the filter nests too deeply"));
        }
        Ok(())
    }

    fn or_expr(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.and_expr()?;
        while self.keyword("or") {
            let right = self.and_expr()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            let right = self.unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, FilterError> {
        self.skip_spaces();
        let save = self.pos;
        if self.keyword("not") {
            self.skip_spaces();
            if self.peek() == Some('(') {
                self.enter()?;
                let inner = self.group()?;
                self.depth -= 1;
                return Ok(Filter::Not(Box::new(inner)));
            }
            // An attribute that happens to be called "not".
            self.pos = save;
        }
        if self.peek() == Some('(') {
            self.enter()?;
            let inner = self.group()?;
            self.depth -= 1;
            return Ok(inner);
        }
        self.attr_expr()
    }

    fn group(&mut self) -> Result<Filter, FilterError> {
        self.pos += 1; // '('
        let inner = self.or_expr()?;
        self.skip_spaces();
        if self.peek() != Some(')') {
            return Err(self.error("expected ')'"));
        }
        self.pos += 1;
        Ok(inner)
    }

    fn attr_path(&mut self) -> Result<AttrPath, FilterError> {
        self.skip_spaces();
        let word = self.peek_word();
        if word.is_empty() || !word.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return Err(self.error("expected an attribute name"));
        }
        let start = self.pos;
        self.pos += word.len();
        split_path(word).ok_or(FilterError {
            message: format!("{word:?} is not an attribute path"),
            position: start,
        })
    }

    fn attr_expr(&mut self) -> Result<Filter, FilterError> {
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return Err(self.error(&format!(
                "the filter holds more than {MAX_TERMS} conditions"
            )));
        }
        let path = self.attr_path()?;
        if self.peek() == Some('[') {
            if path.sub.is_some() {
                return Err(self.error("a value filter follows an attribute, not a sub-attribute"));
            }
            self.enter()?;
            self.pos += 1;
            let inner = self.or_expr()?;
            self.skip_spaces();
            if self.peek() != Some(']') {
                return Err(self.error("expected ']'"));
            }
            self.pos += 1;
            self.depth -= 1;
            return Ok(Filter::ValuePath(path, Box::new(inner)));
        }
        self.skip_spaces();
        let op_start = self.pos;
        let word = self.peek_word();
        if word.eq_ignore_ascii_case("pr") {
            self.pos += word.len();
            return Ok(Filter::Present(path));
        }
        let Some(op) = CompareOp::parse(word) else {
            return Err(FilterError {
                message: "expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr)".into(),
                position: op_start,
            });
        };
        self.pos += word.len();
        let value = self.comp_value()?;
        Ok(Filter::Compare(path, op, value))
    }

    fn comp_value(&mut self) -> Result<Value, FilterError> {
        self.skip_spaces();
        let start = self.pos;
        match self.peek() {
            Some('"') => {
                // A JSON string: find its end, honouring escapes, and let serde decode it.
                let rest = self.rest();
                let mut escaped = false;
                let mut end = None;
                for (i, c) in rest.char_indices().skip(1) {
                    match (escaped, c) {
                        (true, _) => escaped = false,
                        (false, '\\') => escaped = true,
                        (false, '"') => {
                            end = Some(i);
                            break;
                        }
                        _ => {}
                    }
                }
                let end = end.ok_or_else(|| self.error("the string is not closed"))?;
                let literal = &rest[..=end];
                self.pos += literal.len();
                serde_json::from_str(literal).map_err(|_| FilterError {
                    message: "the string is not valid JSON".into(),
                    position: start,
                })
            }
            _ => {
                let word = self.peek_word();
                let value = match word.to_ascii_lowercase().as_str() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    "null" => Value::Null,
                    _ => match serde_json::from_str::<serde_json::Number>(word) {
                        Ok(n) => Value::Number(n),
                        Err(_) => {
                            return Err(self.error(
                                "expected a value: a \"string\", a number, true, false or null",
                            ));
                        }
                    },
                };
                self.pos += word.len();
                Ok(value)
            }
        }
    }
}

/// Splits `urn:...:Attr.sub`, `Attr.sub` or `Attr` into its parts.
pub fn split_path(word: &str) -> Option<AttrPath> {
    let (urn, local) = if word.to_ascii_lowercase().starts_with("urn:") {
        let colon = word.rfind(':')?;
        (Some(word[..colon].to_string()), &word[colon + 1..])
    } else {
        (None, word)
    };
    let mut parts = local.split('.');
    let name = parts.next()?.to_string();
    let sub = parts.next().map(str::to_string);
    let valid = |s: &str| {
        !s.is_empty()
            && s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '$')
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
    };
    if parts.next().is_some() || !valid(&name) || sub.as_deref().is_some_and(|s| !valid(s)) {
        return None;
    }
    Some(AttrPath { urn, name, sub })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn path(name: &str) -> AttrPath {
        AttrPath {
            urn: None,
            name: name.into(),
            sub: None,
        }
    }

    #[test]
    fn comparisons_and_presence() {
        assert_eq!(
            parse(r#"userName eq "bjensen""#),
            Ok(Filter::Compare(
                path("userName"),
                CompareOp::Eq,
                json!("bjensen")
            ))
        );
        assert_eq!(
            parse("title PR"),
            Ok(Filter::Present(path("title"))),
            "operators are case-insensitive"
        );
        assert_eq!(
            parse("meta.lastModified gt \"2011-05-13T04:42:34Z\""),
            Ok(Filter::Compare(
                AttrPath {
                    urn: None,
                    name: "meta".into(),
                    sub: Some("lastModified".into())
                },
                CompareOp::Gt,
                json!("2011-05-13T04:42:34Z")
            ))
        );
        assert_eq!(
            parse("active eq True"),
            Ok(Filter::Compare(path("active"), CompareOp::Eq, json!(true)))
        );
        assert_eq!(
            parse("x ge 2.5e3"),
            Ok(Filter::Compare(path("x"), CompareOp::Ge, json!(2500.0)))
        );
        assert_eq!(
            parse(r#"name co "a \"quoted\" \u00e9""#),
            Ok(Filter::Compare(
                path("name"),
                CompareOp::Co,
                json!("a \"quoted\" é")
            ))
        );
    }

    #[test]
    fn urns_value_paths_and_precedence() {
        let f = parse(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq \"7\"",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let Filter::Compare(p, _, _) = f else {
            panic!("not a comparison")
        };
        assert_eq!(
            p.urn.as_deref(),
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
        );
        assert_eq!(p.name, "employeeNumber");

        let f = parse(r#"emails[type eq "work" and value co "@example.com"]"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(f, Filter::ValuePath(ref p, ref inner)
            if p.name == "emails" && matches!(**inner, Filter::And(_, _))));

        // a or b and c  ==  a or (b and c)
        let f = parse("a pr or b pr and c pr").unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(f, Filter::Or(_, ref right) if matches!(**right, Filter::And(_, _))));
        // not binds tighter than and
        let f = parse("not (a pr) and b pr").unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(f, Filter::And(ref left, _) if matches!(**left, Filter::Not(_))));
        let f = parse("(a pr or b pr) and c pr").unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(f, Filter::And(ref left, _) if matches!(**left, Filter::Or(_, _))));
        assert!(parse("userType eq \"Employee\" and (emails co \"example.com\" or emails.value co \"example.org\")").is_ok());
    }

    #[test]
    fn bad_filters_say_where() {
        for (bad, at) in [
            ("", 0),
            ("userName", 8),
            ("userName eq", 11),
            ("userName eq bjensen", 12),
            ("userName xx \"a\"", 9),
            ("userName eq \"open", 12),
            ("(a pr", 5),
            ("a pr)", 4),
            ("emails[type eq \"work\"", 21),
            ("a pr and", 8),
            ("a.b.c pr", 0),
            ("9a pr", 0),
            ("a pr b pr", 5),
        ] {
            let error = parse(bad).err().unwrap_or_else(|| panic!("{bad:?} parsed"));
            assert_eq!(error.position, at, "{bad:?}: {error}");
        }
        let deep = format!("{}a pr{}", "(".repeat(100), ")".repeat(100));
        assert!(parse(&deep).is_err(), "nesting is bounded");
        assert!(parse(&"a".repeat(5000)).is_err(), "length is bounded");
    }

    #[test]
    fn never_panics_on_odd_input() {
        let pieces = [
            "a", " ", "eq", "\"", "\\", "(", ")", "[", "]", "not", "and", "or", "pr", "1", ".",
            ":", "urn:", "é", "\u{0}", "true", "-", "$",
        ];
        // Every sequence of up to four pieces: a small exhaustive fuzz.
        let mut count = 0;
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    for d in pieces {
                        let _ = parse(&format!("{a}{b}{c}{d}"));
                        let _ = parse(&format!("{a} {b} {c} {d}"));
                        count += 2;
                    }
                }
            }
        }
        assert!(count > 400_000);
    }
}
