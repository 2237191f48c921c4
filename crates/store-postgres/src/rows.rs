//! Row and error helpers every module uses.

use crate::prelude::*;

/// SQLSTATE of a unique violation.
pub(crate) const UNIQUE_VIOLATION: &str = "23505";

pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    error.as_database_error().and_then(|error| error.code()).is_some_and(|code| code == UNIQUE_VIOLATION)
}

/// A column of a row, decoding errors as database errors (never a panic).
pub(crate) fn column<'r, T>(row: &'r PgRow, name: &str) -> StoreResult<T>
where
    T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    row.try_get(name).map_err(database)
}

pub(crate) fn step_number(step: i64) -> StoreResult<u32> {
    u32::try_from(step).map_err(|_| StoreError::Database(format!("bad step index {step}")))
}
