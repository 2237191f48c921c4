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

/// The statistics statements both engines run (see [`crate::account_statements`] for the
/// parameters).
#[macro_export]
macro_rules! statistics_statements {
    ($db:ty, $query:path) => {
        /// The daily counters summed over a period and grouped by `group` (`unit_id` or `field`,
        /// a `unit_id, field`, a constant): whole months from the monthly roll-up, plus or minus
        /// the days at the period's edges from the daily table ([`app::split_period`]). Run it in
        /// one read transaction so that a subtracted day and its month are the same snapshot.
        /// Rows of subtracted parts carry negated sums: the caller adds every row.
        pub(crate) async fn select_grouped_sums(
            connection: &mut <$db as ::sqlx::Database>::Connection,
            group: &'static str,
            from: ::jiff::civil::Date,
            to: ::jiff::civil::Date,
        ) -> ::app::StoreResult<Vec<<$db as ::sqlx::Database>::Row>> {
            let mut rows = Vec::new();
            // Today only steers which days are read (the days after it hold nothing yet).
            let today = ::app::day_number(::domain::dossier::local_day(::jiff::Timestamp::now()));
            for part in ::app::split_period(::app::day_number(from), ::app::day_number(to), today) {
                let (table, column) = if part.monthly { ("stat_monthly", "month") } else { ("stat_unit_daily", "day") };
                let sql = format!(
                    "SELECT {group}, {} FROM {table} WHERE {column} >= $1 AND {column} <= $2 GROUP BY {group}",
                    $crate::statistics::totals_columns(part.subtract)
                );
                rows.extend(
                    $query(::sqlx::AssertSqlSafe(sql))
                        .bind(part.first)
                        .bind(part.last)
                        .fetch_all(&mut *connection)
                        .await
                        .map_err($crate::database)?,
                );
            }
            Ok(rows)
        }
    };
}
