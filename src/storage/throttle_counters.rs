//! The `throttle_counters` table: failed sign-in counters shared by every server process.
//!
//! An update reads the counter, lets the domain policy compute the next value, and writes it back
//! inside one transaction that holds the row: `BEGIN IMMEDIATE` on SQLite, `SELECT ... FOR
//! UPDATE` on PostgreSQL. Concurrent failures therefore all count, even across processes.

use super::schema::throttle_counters;
use super::{DbConnection, StorageResult};
use crate::clock::UnixTime;
use crate::domain::sign_in_throttle::FailureCounter;
use diesel::prelude::*;

#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = throttle_counters)]
struct CounterRow {
    key: String,
    failures: i64,
    last_failure_at: i64,
    blocked_until: i64,
}

impl From<CounterRow> for FailureCounter {
    fn from(row: CounterRow) -> Self {
        FailureCounter {
            failures: row.failures,
            last_failure_at: row.last_failure_at,
            blocked_until: row.blocked_until,
        }
    }
}

/// The counters stored under these keys (absent keys have never failed).
pub fn get_many(
    conn: &mut DbConnection,
    keys: &[String],
) -> StorageResult<Vec<(String, FailureCounter)>> {
    let rows: Vec<CounterRow> = throttle_counters::table
        .filter(throttle_counters::key.eq_any(keys))
        .select(CounterRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| (r.key.clone(), r.into()))
        .collect())
}

/// Replaces the counter under `key` with `next(current)`, atomically.
pub fn update(
    conn: &mut DbConnection,
    key: &str,
    next: impl Fn(Option<&FailureCounter>) -> FailureCounter,
) -> StorageResult<FailureCounter> {
    match conn {
        DbConnection::Sqlite(c) => c.immediate_transaction(|c| {
            let current: Option<FailureCounter> = throttle_counters::table
                .find(key)
                .select(CounterRow::as_select())
                .first(c)
                .optional()?
                .map(Into::into);
            let updated = next(current.as_ref());
            diesel::replace_into(throttle_counters::table)
                .values(row(key, &updated))
                .execute(c)?;
            Ok(updated)
        }),
        DbConnection::Pg(c) => c.transaction(|c| {
            diesel::insert_into(throttle_counters::table)
                .values(row(
                    key,
                    &FailureCounter {
                        failures: 0,
                        last_failure_at: 0,
                        blocked_until: 0,
                    },
                ))
                .on_conflict_do_nothing()
                .execute(c)?;
            let current: FailureCounter = throttle_counters::table
                .find(key)
                .select(CounterRow::as_select())
                .for_update()
                .first(c)?
                .into();
            let current = (current.failures > 0).then_some(current);
            let updated = next(current.as_ref());
            diesel::update(throttle_counters::table.find(key))
                .set(row(key, &updated))
                .execute(c)?;
            Ok(updated)
        }),
    }
}

fn row(key: &str, c: &FailureCounter) -> CounterRow {
    CounterRow {
        key: key.to_string(),
        failures: c.failures,
        last_failure_at: c.last_failure_at,
        blocked_until: c.blocked_until,
    }
}

/// Forgets the counters under these keys (after a successful sign-in or a password reset).
pub fn clear(conn: &mut DbConnection, keys: &[String]) -> StorageResult<()> {
    diesel::delete(throttle_counters::table.filter(throttle_counters::key.eq_any(keys)))
        .execute(conn)?;
    Ok(())
}

/// Deletes counters whose last failure is older than `cutoff` and that block nothing any more.
pub fn delete_stale(
    conn: &mut DbConnection,
    cutoff: UnixTime,
    now: UnixTime,
) -> StorageResult<usize> {
    Ok(diesel::delete(
        throttle_counters::table
            .filter(throttle_counters::last_failure_at.lt(cutoff))
            .filter(throttle_counters::blocked_until.le(now)),
    )
    .execute(conn)?)
}
