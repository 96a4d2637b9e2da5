//! SCIM filters and sorting as SQL over `scim_users` and `scim_user_values`, the same statement
//! shape on both backends. The SCIM layer resolves attribute names; this module receives only
//! known columns and value keys, and binds every operand, so nothing from a request is ever
//! spliced into the statement text.
//!
//! Case-insensitive comparisons use the `*_lower` columns against an operand lowered in Rust, so
//! SQLite (whose `lower()` knows only ASCII) and PostgreSQL agree; ordering comparisons use code
//! point order on both (`COLLATE "C"` on PostgreSQL).

use super::DbConnection;

/// A column of `scim_users` a filter or sort may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Id,
    ExternalId,
    UserName,
    Active,
    CreatedAt,
    UpdatedAt,
}

impl Column {
    /// The column compared: `user_name_lower` for the case-insensitive user name.
    fn sql(self, case_exact: bool) -> &'static str {
        match self {
            Column::Id => "r.id",
            Column::ExternalId => "r.external_id",
            Column::UserName if case_exact => "r.user_name",
            Column::UserName => "r.user_name_lower",
            Column::Active => "r.active",
            Column::CreatedAt => "r.created_at",
            Column::UpdatedAt => "r.updated_at",
        }
    }
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

/// An operand, already lowered when the comparison ignores case.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Text(String),
    Bool(bool),
    Int(i64),
}

/// A filter over users, with names resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum Predicate {
    /// Compares a column (text columns: `case_exact` picks the exact or lowered column).
    Column {
        column: Column,
        case_exact: bool,
        op: Op,
        operand: Operand,
    },
    /// The column has a value.
    ColumnPresent(Column),
    /// Some stored value of `attr`/`sub` compares true (within the current element when inside
    /// an [`Predicate::Element`]).
    Value {
        attr: String,
        sub: String,
        case_exact: bool,
        op: Op,
        operand: String,
    },
    /// Some non-empty value of `attr`/`sub` exists (of any sub-attribute when `sub` is `None`).
    ValuePresent {
        attr: String,
        sub: Option<String>,
    },
    /// Some element of the multi-valued `attr` satisfies `inner` (a value path:
    /// `emails[type eq "work" and value co "@x"]`).
    Element {
        attr: String,
        inner: Box<Predicate>,
    },
    And(Box<Predicate>, Box<Predicate>),
    Or(Box<Predicate>, Box<Predicate>),
    Not(Box<Predicate>),
}

/// What to sort by.
#[derive(Debug, Clone, PartialEq)]
pub enum SortKey {
    Column(Column, bool),
    /// The primary (else first) value of `attr`/`sub`; `case_exact` picks exact or lowered.
    Value {
        attr: String,
        sub: String,
        case_exact: bool,
    },
}

/// A query: filter, order and page.
#[derive(Debug, Clone, PartialEq)]
pub struct UserQuery {
    pub organization_id: String,
    pub filter: Option<Predicate>,
    pub sort: Option<(SortKey, bool)>,
    /// Rows to skip.
    pub offset: i64,
    pub limit: i64,
}

/// A statement under construction: text and its binds, with the backend's placeholders.
#[derive(Debug)]
pub(super) struct Statement {
    pub text: String,
    pub binds: Vec<Operand>,
    postgres: bool,
    aliases: usize,
}

impl Statement {
    pub(super) fn new(conn: &DbConnection) -> Self {
        Self {
            text: String::new(),
            binds: Vec::new(),
            postgres: matches!(conn, DbConnection::Pg(_)),
            aliases: 0,
        }
    }

    pub(super) fn push(&mut self, sql: &str) {
        self.text.push_str(sql);
    }

    /// Binds an operand and returns its placeholder (numbered, so it can be used twice).
    pub(super) fn bind(&mut self, operand: Operand) -> String {
        self.binds.push(operand);
        let n = self.binds.len();
        if self.postgres {
            format!("${n}")
        } else {
            format!("?{n}")
        }
    }

    fn alias(&mut self) -> String {
        self.aliases += 1;
        format!("v{}", self.aliases)
    }

    fn collate(&self) -> &'static str {
        if self.postgres { " COLLATE \"C\"" } else { "" }
    }

    /// `column <op> placeholder` for text (with the backend's substring functions).
    fn text_comparison(&mut self, column: &str, op: Op, operand: String) {
        if operand.is_empty() && matches!(op, Op::Co | Op::Sw | Op::Ew) {
            // Every value contains, starts and ends with the empty string.
            self.push(&format!("{column} IS NOT NULL"));
            return;
        }
        let p = self.bind(Operand::Text(operand));
        let collate = self.collate();
        let sql = match (op, self.postgres) {
            (Op::Eq, _) => format!("{column} = {p}"),
            (Op::Co, true) => format!("strpos({column}, {p}) > 0"),
            (Op::Co, false) => format!("instr({column}, {p}) > 0"),
            (Op::Sw, true) => format!("left({column}, length({p})) = {p}"),
            (Op::Sw, false) => format!("substr({column}, 1, length({p})) = {p}"),
            (Op::Ew, true) => format!("right({column}, length({p})) = {p}"),
            (Op::Ew, false) => format!("substr({column}, -length({p})) = {p}"),
            (Op::Gt, _) => format!("{column}{collate} > {p}"),
            (Op::Ge, _) => format!("{column}{collate} >= {p}"),
            (Op::Lt, _) => format!("{column}{collate} < {p}"),
            (Op::Le, _) => format!("{column}{collate} <= {p}"),
        };
        self.push(&sql);
    }

    fn plain_comparison(&mut self, column: &str, op: Op, operand: Operand) {
        let p = self.bind(operand);
        let symbol = match op {
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
            _ => "=",
        };
        self.push(&format!("{column} {symbol} {p}"));
    }

    /// Writes a predicate; `element` is the alias of the value-path element it is inside.
    pub(super) fn predicate(&mut self, predicate: &Predicate, element: Option<&str>) {
        match predicate {
            Predicate::Column {
                column,
                case_exact,
                op,
                operand,
            } => {
                let sql = column.sql(*case_exact);
                // A nullable column compares false when empty, so `not` and `ne` keep the rows
                // without a value (as for stored values).
                let nullable = *column == Column::ExternalId;
                if nullable {
                    self.push(&format!("({sql} IS NOT NULL AND "));
                }
                match operand {
                    Operand::Text(text) => self.text_comparison(sql, *op, text.clone()),
                    other => self.plain_comparison(sql, *op, other.clone()),
                }
                if nullable {
                    self.push(")");
                }
            }
            Predicate::ColumnPresent(column) => {
                let sql = column.sql(true);
                match column {
                    Column::Active | Column::CreatedAt | Column::UpdatedAt => {
                        self.push(&format!("{sql} IS NOT NULL"));
                    }
                    _ => self.push(&format!("({sql} IS NOT NULL AND {sql} <> '')")),
                }
            }
            Predicate::Value {
                attr,
                sub,
                case_exact,
                op,
                operand,
            } => {
                let v = self.value_exists(attr, sub, element);
                self.push(" AND ");
                let column = if *case_exact {
                    format!("{v}.value")
                } else {
                    format!("{v}.value_lower")
                };
                self.text_comparison(&column, *op, operand.clone());
                self.push(")");
            }
            Predicate::ValuePresent { attr, sub } => {
                let v = self.alias();
                let a = self.bind(Operand::Text(attr.clone()));
                self.push(&format!(
                    "EXISTS (SELECT 1 FROM scim_user_values {v} WHERE {v}.scim_user_id = r.id \
                     AND {v}.organization_id = r.organization_id \
                     AND {v}.attr = {a} AND {v}.value <> ''"
                ));
                if let Some(sub) = sub {
                    let s = self.bind(Operand::Text(sub.clone()));
                    self.push(&format!(" AND {v}.sub = {s}"));
                }
                if let Some(e) = element {
                    self.push(&format!(" AND {v}.elem = {e}.elem"));
                }
                self.push(")");
            }
            Predicate::Element { attr, inner } => {
                let e = self.alias();
                let a = self.bind(Operand::Text(attr.clone()));
                self.push(&format!(
                    "EXISTS (SELECT 1 FROM scim_user_values {e} WHERE {e}.scim_user_id = r.id \
                     AND {e}.organization_id = r.organization_id \
                     AND {e}.attr = {a} AND ("
                ));
                self.predicate(inner, Some(&e));
                self.push("))");
            }
            Predicate::And(a, b) => self.pair(a, "AND", b, element),
            Predicate::Or(a, b) => self.pair(a, "OR", b, element),
            Predicate::Not(inner) => {
                self.push("NOT (");
                self.predicate(inner, element);
                self.push(")");
            }
        }
    }

    fn pair(&mut self, a: &Predicate, joiner: &str, b: &Predicate, element: Option<&str>) {
        self.push("(");
        self.predicate(a, element);
        self.push(&format!(") {joiner} ("));
        self.predicate(b, element);
        self.push(")");
    }

    /// Opens `EXISTS (SELECT 1 FROM scim_user_values vN WHERE ... ` (the caller adds its
    /// condition and the closing parenthesis) and returns `vN`.
    fn value_exists(&mut self, attr: &str, sub: &str, element: Option<&str>) -> String {
        let v = self.alias();
        let a = self.bind(Operand::Text(attr.to_string()));
        let s = self.bind(Operand::Text(sub.to_string()));
        self.push(&format!(
            "EXISTS (SELECT 1 FROM scim_user_values {v} WHERE {v}.scim_user_id = r.id \
                     AND {v}.organization_id = r.organization_id \
             AND {v}.attr = {a} AND {v}.sub = {s}"
        ));
        if let Some(e) = element {
            self.push(&format!(" AND {v}.elem = {e}.elem"));
        }
        v
    }

    /// `ORDER BY`: the key (missing values last when ascending, first when descending, as if
    /// they were the greatest), then the id so pages are stable.
    pub(super) fn order_by(&mut self, sort: Option<&(SortKey, bool)>) {
        let Some((key, ascending)) = sort else {
            self.push(" ORDER BY r.id");
            return;
        };
        let expression = match key {
            SortKey::Column(column, case_exact) => column.sql(*case_exact).to_string(),
            SortKey::Value {
                attr,
                sub,
                case_exact,
            } => {
                let v = self.alias();
                let a = self.bind(Operand::Text(attr.clone()));
                let s = self.bind(Operand::Text(sub.clone()));
                let column = if *case_exact { "value" } else { "value_lower" };
                format!(
                    "(SELECT {v}.{column} FROM scim_user_values {v} WHERE {v}.scim_user_id = r.id \
                     AND {v}.organization_id = r.organization_id \
                     AND {v}.attr = {a} AND {v}.sub = {s} \
                     ORDER BY {v}.in_primary DESC, {v}.elem LIMIT 1)"
                )
            }
        };
        let direction = if *ascending { "ASC" } else { "DESC" };
        let text = !matches!(
            key,
            SortKey::Column(Column::Active | Column::CreatedAt | Column::UpdatedAt, _)
        );
        let collate = if text { self.collate() } else { "" };
        self.push(&format!(
            " ORDER BY ({expression}) IS NULL {direction}, {expression}{collate} {direction}, r.id"
        ));
    }
}
