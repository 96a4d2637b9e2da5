//! SCIM filters and sorting as SQL over a resource table (`scim_users`, `scim_groups`) and its
//! values (`scim_user_values`, and the views `scim_user_group_values` and `scim_group_values`),
//! the same statement shape on both backends. The SCIM layer resolves attribute names; this module receives only
//! known columns and value keys, and binds every operand, so nothing from a request is ever
//! spliced into the statement text.
//!
//! Case-insensitive comparisons use the `*_lower` columns against an operand lowered in Rust, so
//! SQLite (whose `lower()` knows only ASCII) and PostgreSQL agree; ordering comparisons use code
//! point order on both (`COLLATE "C"` on PostgreSQL).

use super::{DbConnection, StorageResult};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};

/// The resource type queried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    User,
    Group,
}

impl Resource {
    fn table(self) -> &'static str {
        match self {
            Resource::User => "scim_users",
            Resource::Group => "scim_groups",
        }
    }

    /// The table (or view) holding the values of `attr`, and its column naming the resource.
    fn values(self, attr: &str) -> (&'static str, &'static str) {
        match self {
            Resource::User if attr == "groups" => ("scim_user_group_values", "scim_user_id"),
            Resource::User => ("scim_user_values", "scim_user_id"),
            Resource::Group => ("scim_group_values", "scim_group_id"),
        }
    }
}

/// A column of the resource table a filter or sort may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Id,
    ExternalId,
    /// A User's `userName`.
    UserName,
    /// A Group's `displayName`.
    DisplayName,
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
            Column::DisplayName if case_exact => "r.display_name",
            Column::DisplayName => "r.display_name_lower",
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

/// Whether a predicate reads stored values (a subquery) rather than only columns.
fn uses_values(predicate: &Predicate) -> bool {
    match predicate {
        Predicate::Column { .. } | Predicate::ColumnPresent(_) => false,
        Predicate::Value { .. } | Predicate::ValuePresent { .. } | Predicate::Element { .. } => {
            true
        }
        Predicate::And(a, b) | Predicate::Or(a, b) => uses_values(a) || uses_values(b),
        Predicate::Not(inner) => uses_values(inner),
    }
}

/// A comparison of a stored value that every resource matching `predicate` passes (a `Value`
/// at the top of an `and` chain), the likeliest to be selective first: one on a value rather
/// than on a `type` or `primary` flag, then an `eq` (answered by the index).
fn driver(predicate: &Predicate) -> Option<&Predicate> {
    fn candidates<'a>(p: &'a Predicate, out: &mut Vec<&'a Predicate>) {
        match p {
            Predicate::Value { .. } => out.push(p),
            Predicate::And(a, b) => {
                candidates(a, out);
                candidates(b, out);
            }
            _ => {}
        }
    }
    let mut all = Vec::new();
    candidates(predicate, &mut all);
    // The first of the best: `max_by_key` keeps the last of equals, so walk in reverse.
    all.into_iter().rev().max_by_key(|p| match p {
        Predicate::Value { sub, op, .. } => {
            (u8::from(sub != "type" && sub != "primary") << 1) | u8::from(*op == Op::Eq)
        }
        _ => 0,
    })
}

/// A query: filter, order and page.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceQuery {
    pub resource: Resource,
    pub organization_id: String,
    pub filter: Option<Predicate>,
    pub sort: Option<(SortKey, bool)>,
    /// Rows to skip.
    pub offset: i64,
    pub limit: i64,
}

/// A statement under construction: text and its binds, with the backend's placeholders.
#[derive(Debug)]
struct Statement {
    text: String,
    binds: Vec<Operand>,
    postgres: bool,
    aliases: usize,
    resource: Resource,
    /// The organization queried (bound again in each uncorrelated subquery).
    organization_id: String,
}

impl Statement {
    fn new(conn: &DbConnection, q: &ResourceQuery) -> Self {
        Self {
            text: String::new(),
            binds: Vec::new(),
            postgres: matches!(conn, DbConnection::Pg(_)),
            aliases: 0,
            resource: q.resource,
            organization_id: q.organization_id.clone(),
        }
    }

    /// Opens the condition on the values of `attr`:
    /// - at the top level, `r.id IN (SELECT a.owner FROM values a WHERE a.organization_id = ?
    ///   AND a.attr = ?`: one pass over the organization's values of that attribute (through
    ///   the `(organization_id, attr, sub, value_lower)` index), not a lookup per resource;
    /// - inside a value path, `EXISTS (SELECT 1 FROM values a WHERE a.owner = e.owner AND
    ///   a.elem = e.elem AND a.attr = ?`: a point lookup in the primary key.
    ///
    /// The caller adds its conditions and the closing parenthesis; returns the alias.
    fn open_values(&mut self, attr: &str, element: Option<&str>) -> String {
        let a = self.alias();
        let (table, owner) = self.resource.values(attr);
        let key = self.bind(Operand::Text(attr.to_string()));
        match element {
            None => {
                let org = self.bind(Operand::Text(self.organization_id.clone()));
                self.push(&format!(
                    "r.id IN (SELECT {a}.{owner} FROM {table} {a} WHERE \
                     {a}.organization_id = {org} AND {a}.attr = {key}"
                ));
            }
            Some(e) => self.push(&format!(
                "EXISTS (SELECT 1 FROM {table} {a} WHERE {a}.{owner} = {e}.{owner} \
                 AND {a}.elem = {e}.elem AND {a}.attr = {key}"
            )),
        }
        a
    }

    /// The resource table.
    fn table(&self) -> &'static str {
        self.resource.table()
    }

    fn push(&mut self, sql: &str) {
        self.text.push_str(sql);
    }

    /// Binds an operand and returns its placeholder (numbered, so it can be used twice).
    fn bind(&mut self, operand: Operand) -> String {
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
    fn predicate(&mut self, predicate: &Predicate, element: Option<&str>) {
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
                let v = self.open_values(attr, element);
                let s = self.bind(Operand::Text(sub.clone()));
                self.push(&format!(" AND {v}.sub = {s} AND "));
                let column = if *case_exact {
                    format!("{v}.value")
                } else {
                    format!("{v}.value_lower")
                };
                self.text_comparison(&column, *op, operand.clone());
                self.push(")");
            }
            Predicate::ValuePresent { attr, sub } => {
                let v = self.open_values(attr, element);
                self.push(&format!(" AND {v}.value <> ''"));
                if let Some(sub) = sub {
                    let s = self.bind(Operand::Text(sub.clone()));
                    self.push(&format!(" AND {v}.sub = {s}"));
                }
                self.push(")");
            }
            Predicate::Element { attr, inner } => {
                // The element's rows are those of `attr`; the conditions inside look up their
                // own sub-attribute of the same element. A comparison every match must pass
                // (one of the top-level `and`s) picks the element rows itself, so the scan is
                // of that sub-attribute's values only (by index for `eq`).
                let e = self.open_values(attr, element);
                if let Some(Predicate::Value {
                    sub,
                    case_exact,
                    op,
                    operand,
                    ..
                }) = driver(inner)
                {
                    let s = self.bind(Operand::Text(sub.clone()));
                    self.push(&format!(" AND {e}.sub = {s} AND "));
                    let column = if *case_exact { "value" } else { "value_lower" };
                    self.text_comparison(&format!("{e}.{column}"), *op, operand.clone());
                }
                self.push(" AND (");
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

    /// `ORDER BY`: the key (missing values last when ascending, first when descending, as if
    /// they were the greatest), then the id so pages are stable.
    fn order_by(&mut self, sort: Option<&(SortKey, bool)>) {
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
                // Correlated by the resource's id alone, so the primary key answers it.
                let (table, owner) = self.resource.values(attr);
                format!(
                    "(SELECT {v}.{column} FROM {table} {v} WHERE {v}.{owner} = r.id \
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

/// A raw statement with its operands bound, for one backend.
macro_rules! bound {
    ($backend:ty, $text:expr, $binds:expr) => {{
        let mut q = diesel::sql_query($text).into_boxed::<$backend>();
        for operand in $binds {
            q = match operand {
                Operand::Text(s) => q.bind::<Text, _>(s),
                Operand::Bool(b) => q.bind::<Bool, _>(b),
                Operand::Int(i) => q.bind::<BigInt, _>(i),
            };
        }
        q
    }};
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// One page of the resources matching the query (`columns` of the resource table `r` read into
/// `T`), and how many match in all.
pub(super) fn page<T>(
    conn: &mut DbConnection,
    q: &ResourceQuery,
    columns: &str,
) -> StorageResult<(Vec<T>, i64)>
where
    T: QueryableByName<diesel::pg::Pg> + QueryableByName<diesel::sqlite::Sqlite> + 'static,
{
    let mut count = Statement::new(conn, q);
    count.push(&format!(
        "SELECT COUNT(*) AS n FROM {} r WHERE ",
        count.table()
    ));
    where_clause(&mut count, q);
    let total = match load::<Count>(conn, count)?.into_iter().next() {
        Some(c) => c.n,
        None => 0,
    };
    if q.limit <= 0 || q.offset >= total {
        return Ok((Vec::new(), total));
    }
    let mut page = Statement::new(conn, q);
    page.push(&format!("SELECT {columns} FROM {} r WHERE ", page.table()));
    where_clause(&mut page, q);
    page.order_by(q.sort.as_ref());
    let limit = page.bind(Operand::Int(q.limit));
    let offset = page.bind(Operand::Int(q.offset));
    page.push(&format!(" LIMIT {limit} OFFSET {offset}"));
    Ok((load::<T>(conn, page)?, total))
}

fn where_clause(statement: &mut Statement, q: &ResourceQuery) {
    let org = statement.bind(Operand::Text(q.organization_id.clone()));
    if statement.postgres || !q.filter.as_ref().is_some_and(uses_values) {
        statement.push(&format!("r.organization_id = {org}"));
    } else {
        // Without statistics, SQLite takes `organization_id = ?` for a selective condition
        // and walks every resource of the organization, probing each against a filter's value
        // subquery. `likely()` tells it the condition matches most rows, so a value filter
        // drives the query (through the primary key) while column filters still use the
        // `(organization_id, column)` indexes: `emails[...]` at 100,000 Users went from
        // 0.5 s to 19 ms (docs/performance.md). Only then: with column conditions alone, the
        // hint would make a non-unique index (externalId) look worse than a walk in id order.
        statement.push(&format!("likely(r.organization_id = {org})"));
    }
    if let Some(filter) = &q.filter {
        statement.push(" AND (");
        statement.predicate(filter, None);
        statement.push(")");
    }
}

/// Runs a statement with its binds on whichever backend this is.
fn load<T>(conn: &mut DbConnection, statement: Statement) -> StorageResult<Vec<T>>
where
    T: QueryableByName<diesel::pg::Pg> + QueryableByName<diesel::sqlite::Sqlite> + 'static,
{
    let Statement { text, binds, .. } = statement;
    Ok(match conn {
        DbConnection::Pg(inner) => bound!(diesel::pg::Pg, text, binds).load::<T>(inner)?,
        DbConnection::Sqlite(inner) => {
            bound!(diesel::sqlite::Sqlite, text, binds).load::<T>(inner)?
        }
    })
}

/// Inserts rows in multi-row statements (at most 500 rows each), every value bound.
pub(super) fn insert_rows(
    conn: &mut DbConnection,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Operand>>,
) -> StorageResult<()> {
    let postgres = matches!(conn, DbConnection::Pg(_));
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut text = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let mut binds = Vec::new();
        for (i, row) in rows.by_ref().take(500).enumerate() {
            if i > 0 {
                text.push_str(", ");
            }
            let placeholders: Vec<String> = row
                .into_iter()
                .map(|operand| {
                    binds.push(operand);
                    if postgres {
                        format!("${}", binds.len())
                    } else {
                        format!("?{}", binds.len())
                    }
                })
                .collect();
            text.push_str(&format!("({})", placeholders.join(", ")));
        }
        match conn {
            DbConnection::Pg(inner) => bound!(diesel::pg::Pg, text, binds).execute(inner)?,
            DbConnection::Sqlite(inner) => {
                bound!(diesel::sqlite::Sqlite, text, binds).execute(inner)?
            }
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(sub: &str, op: Op) -> Predicate {
        Predicate::Value {
            attr: "emails".into(),
            sub: sub.into(),
            case_exact: false,
            op,
            operand: "x".into(),
        }
    }

    fn and(a: Predicate, b: Predicate) -> Predicate {
        Predicate::And(Box::new(a), Box::new(b))
    }

    #[test]
    fn a_value_path_is_driven_by_its_likeliest_selective_comparison() {
        let chosen = |p: &Predicate| match driver(p) {
            Some(Predicate::Value { sub, op, .. }) => Some((sub.clone(), *op)),
            _ => None,
        };
        // `type eq "work" and value sw "x"`: the value, not the type.
        let p = and(value("type", Op::Eq), value("value", Op::Sw));
        assert_eq!(chosen(&p), Some(("value".into(), Op::Sw)));
        // Among values, an `eq` first; among equals, the first written.
        let p = and(
            value("value", Op::Co),
            and(value("display", Op::Eq), value("value", Op::Eq)),
        );
        assert_eq!(chosen(&p), Some(("display".into(), Op::Eq)));
        // Nothing every match must pass: no driver.
        let p = Predicate::Or(
            Box::new(value("value", Op::Eq)),
            Box::new(value("type", Op::Eq)),
        );
        assert_eq!(chosen(&p), None);
        assert_eq!(
            chosen(&Predicate::Not(Box::new(value("value", Op::Eq)))),
            None
        );
        assert!(uses_values(&p));
        assert!(!uses_values(&Predicate::ColumnPresent(Column::Id)));
    }
}
