//! Units as stored.

use app::{StoreError, StoreResult, UnitRecord, date_of_day};
use domain::catalog::UnitKind;

use crate::Columns;

/// The columns a [`UnitRecord`] is read from (`units u JOIN structures s`).
pub const UNIT_COLUMNS: &str =
    "u.id, u.structure, u.code, u.name, u.kind, u.parent_id, u.head, s.effective_from, s.effective_to";

/// A unit of a row with [`UNIT_COLUMNS`].
pub fn unit_record(row: &impl Columns) -> StoreResult<UnitRecord> {
    Ok(UnitRecord {
        id: row.column("id")?,
        structure: row.column("structure")?,
        code: row.column("code")?,
        name: row.column("name")?,
        kind: unit_kind(row.column("kind")?)?,
        parent_id: row.column("parent_id")?,
        head: row.column("head")?,
        effective_from: date_of_day(row.column::<i32>("effective_from")?),
        effective_to: row.column::<Option<i32>>("effective_to")?.map(date_of_day),
    })
}

/// A unit kind of its stored name.
pub fn unit_kind(text: &str) -> StoreResult<UnitKind> {
    UnitKind::parse(text).ok_or_else(|| StoreError::Database(format!("unknown unit kind {text:?}")))
}

/// The stored name of a unit kind.
pub fn kind_text(kind: UnitKind) -> &'static str {
    kind.as_str()
}
