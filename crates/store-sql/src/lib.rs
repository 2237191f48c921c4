//! What the two storage backends share, written once: SQL statements both engines accept (with
//! `$n` placeholders, which SQLite reads as numbered parameters too), the row mappers, and the
//! stored forms of values. A backend keeps only what its engine does differently: connections,
//! locking, upserts, arrays, bulk loading, the writer task.
//!
//! One module per context, named as in the other layers.

pub mod accounts;
pub mod audit;
pub mod catalogue;
pub mod documents;
pub mod dossiers;
pub mod statistics;

use app::{StoreError, StoreResult, instant_of, micros};
use jiff::Timestamp;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Decode, Postgres, Row, Sqlite, Type};

/// A column type both engines decode.
pub trait Column<'r>: Decode<'r, Sqlite> + Type<Sqlite> + Decode<'r, Postgres> + Type<Postgres> {}

impl<'r, T> Column<'r> for T where T: Decode<'r, Sqlite> + Type<Sqlite> + Decode<'r, Postgres> + Type<Postgres> {}

/// A row of either engine, read by column name; a decoding failure is a database error, never a
/// panic.
pub trait Columns {
    /// The value of a named column.
    fn column<'r, T: Column<'r>>(&'r self, name: &str) -> StoreResult<T>;
}

impl Columns for SqliteRow {
    fn column<'r, T: Column<'r>>(&'r self, name: &str) -> StoreResult<T> {
        self.try_get(name).map_err(database)
    }
}

impl Columns for PgRow {
    fn column<'r, T: Column<'r>>(&'r self, name: &str) -> StoreResult<T> {
        self.try_get(name).map_err(database)
    }
}

/// A database error as a store error.
pub fn database(error: sqlx::Error) -> StoreError {
    StoreError::Database(error.to_string())
}

/// Stored JSON that does not parse.
pub fn json_error(error: serde_json::Error) -> StoreError {
    StoreError::Database(format!("stored JSON is malformed: {error}"))
}

/// An optional instant from its stored form.
pub fn optional_instant(micros: Option<i64>) -> StoreResult<Option<Timestamp>> {
    micros.map(instant_of).transpose()
}

/// The stored form of an optional instant.
pub fn optional_micros(instant: Option<Timestamp>) -> Option<i64> {
    instant.map(micros)
}
