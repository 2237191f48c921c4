//! The statistics roll-ups as stored.

use app::{DAILY_COUNTERS, StoreResult};

use crate::Columns;

/// The summed daily counters' select list (negated for a subtracted part of a period).
pub fn totals_columns(negate: bool) -> String {
    let sign = if negate { "-" } else { "" };
    DAILY_COUNTERS
        .iter()
        .map(|column| format!("{sign}CAST(COALESCE(SUM({column}), 0) AS BIGINT) AS {column}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The daily counters of a totals row, in [`DAILY_COUNTERS`] order.
pub fn counters_of(row: &impl Columns) -> StoreResult<[i64; 9]> {
    let mut counters = [0_i64; 9];
    for (slot, column) in counters.iter_mut().zip(DAILY_COUNTERS) {
        *slot = row.column(column)?;
    }
    Ok(counters)
}
