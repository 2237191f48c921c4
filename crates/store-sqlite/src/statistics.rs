//! The statistics roll-ups on SQLite: increments applied inside each write, period sums.

use crate::prelude::*;

store_sql::statistics_statements!(sqlx::Sqlite, sqlx::query);

/// Adds a write's increments to the daily, due and step tables. The monthly roll-up is not
/// written here: the writer task merges it for the whole group and writes it once before the
/// group commits ([`AuditHeads::monthly`]).
pub(crate) async fn apply_increments(tx: &mut SqliteConnection, increments: &[Increment]) -> StoreResult<()> {
    for increment in increments {
        match increment {
            Increment::Daily { key: (unit_id, procedure, field, day), column } => {
                let column = DAILY_COUNTERS[*column];
                let sql = format!(
                    "INSERT INTO stat_daily (unit_id, day, procedure, field, {column}) VALUES ($1, $2, $3, $4, 1) \
                     ON CONFLICT (unit_id, day, procedure, field) DO UPDATE SET {column} = {column} + 1"
                );
                sqlx::query(AssertSqlSafe(sql))
                    .bind(unit_id)
                    .bind(day)
                    .bind(procedure)
                    .bind(field)
                    .execute(&mut *tx)
                    .await
                    .map_err(database)?;
            }
            Increment::DueOpened { key: (unit_id, procedure, field, due_day) } => {
                sqlx::query(
                    "INSERT INTO stat_due_opened (unit_id, due_day, procedure, field, n) VALUES ($1, $2, $3, $4, 1) \
                     ON CONFLICT (unit_id, due_day, procedure, field) DO UPDATE SET n = n + 1",
                )
                .bind(unit_id)
                .bind(due_day)
                .bind(procedure)
                .bind(field)
                .execute(&mut *tx)
                .await
                .map_err(database)?;
            }
            Increment::DueClosed { key: (unit_id, procedure, field, close_day, due_day) } => {
                sqlx::query(
                    "INSERT INTO stat_due_closed (unit_id, close_day, due_day, procedure, field, n) VALUES ($1, $2, $3, $4, $5, 1) \
                     ON CONFLICT (unit_id, close_day, due_day, procedure, field) DO UPDATE SET n = n + 1",
                )
                .bind(unit_id)
                .bind(close_day)
                .bind(due_day)
                .bind(procedure)
                .bind(field)
                .execute(&mut *tx)
                .await
                .map_err(database)?;
            }
            Increment::Step { key: (unit_id, procedure, step, day), spent_seconds, over_budget } => {
                sqlx::query(
                    "INSERT INTO stat_steps (unit_id, procedure, step, day, count, spent_seconds, over_budget) VALUES ($1, $2, $3, $4, 1, $5, $6) \
                     ON CONFLICT (unit_id, procedure, step, day) DO UPDATE SET count = count + 1, \
                     spent_seconds = spent_seconds + excluded.spent_seconds, over_budget = over_budget + excluded.over_budget",
                )
                .bind(unit_id)
                .bind(procedure)
                .bind(i64::from(*step))
                .bind(day)
                .bind(spent_seconds)
                .bind(i64::from(*over_budget))
                .execute(&mut *tx)
                .await
                .map_err(database)?;
            }
        }
    }
    Ok(())
}

#[async_trait]
impl app::StatisticsStore for SqliteStore {
    async fn period_sums(&self, query: &StatsQuery) -> StoreResult<PeriodSums> {
        let (from, to) = (day_number(query.from), day_number(query.to));
        let filter = "AND ($3 IS NULL OR field = $3) AND ($4 IS NULL OR procedure = $4)";
        let before = sqlx::query(AssertSqlSafe(format!(
            "SELECT COALESCE(SUM(received_counter + received_post + received_online + received_national_portal), 0) AS received, \
             COALESCE(SUM(settled_early + settled_on_time + settled_late), 0) AS settled, COALESCE(SUM(withdrawn), 0) AS withdrawn \
             FROM stat_daily WHERE unit_id = $1 AND day < $2 {filter}"
        )))
        .bind(query.unit_id)
        .bind(from)
        .bind(&query.field)
        .bind(&query.procedure)
        .fetch_one(&self.reader)
        .await
        .map_err(database)?;
        let sums: Vec<String> =
            DAILY_COUNTERS.iter().map(|column| format!("COALESCE(SUM({column}), 0) AS {column}")).collect();
        let during = sqlx::query(AssertSqlSafe(format!(
            "SELECT {} FROM stat_daily WHERE unit_id = $1 AND day >= $2 AND day <= $5 {filter}",
            sums.join(", ")
        )))
        .bind(query.unit_id)
        .bind(from)
        .bind(&query.field)
        .bind(&query.procedure)
        .bind(to)
        .fetch_one(&self.reader)
        .await
        .map_err(database)?;
        let opened: i64 = sqlx::query(AssertSqlSafe(format!(
            "SELECT COALESCE(SUM(n), 0) AS n FROM stat_due_opened WHERE unit_id = $1 AND due_day <= $2 {filter}"
        )))
        .bind(query.unit_id)
        .bind(to)
        .bind(&query.field)
        .bind(&query.procedure)
        .fetch_one(&self.reader)
        .await
        .map_err(database)?
        .get("n");
        let closed: i64 = sqlx::query(AssertSqlSafe(format!(
            "SELECT COALESCE(SUM(n), 0) AS n FROM stat_due_closed WHERE unit_id = $1 AND close_day <= $2 AND due_day <= $2 {filter}"
        )))
        .bind(query.unit_id)
        .bind(to)
        .bind(&query.field)
        .bind(&query.procedure)
        .fetch_one(&self.reader)
        .await
        .map_err(database)?
        .get("n");
        let get = |column: &str| during.get::<i64, _>(column);
        Ok(PeriodSums {
            received_before: before.get("received"),
            settled_before: before.get("settled"),
            withdrawn_before: before.get("withdrawn"),
            received_by_channel: [
                get("received_counter"),
                get("received_post"),
                get("received_online"),
                get("received_national_portal"),
            ],
            settled_early: get("settled_early"),
            settled_on_time: get("settled_on_time"),
            settled_late: get("settled_late"),
            returned: get("returned"),
            withdrawn: get("withdrawn"),
            due_opened_by_end: opened,
            due_closed_by_end: closed,
        })
    }

    async fn unit_totals(&self, from: Date, to: Date) -> StoreResult<Vec<(i64, [i64; 9])>> {
        let mut totals: BTreeMap<i64, [i64; 9]> = BTreeMap::new();
        for row in self.grouped_sums("unit_id", from, to).await? {
            add_counters(
                totals.entry(row.try_get("unit_id").map_err(database)?).or_insert([0; 9]),
                &counters_of(&row)?,
            );
        }
        Ok(app::nonzero_totals(totals))
    }

    async fn unit_field_totals(&self, from: Date, to: Date) -> StoreResult<Vec<((i64, String), [i64; 9])>> {
        let mut totals: BTreeMap<(i64, String), [i64; 9]> = BTreeMap::new();
        for row in self.grouped_sums("unit_id, field", from, to).await? {
            let key = (row.try_get("unit_id").map_err(database)?, row.try_get("field").map_err(database)?);
            add_counters(totals.entry(key).or_insert([0; 9]), &counters_of(&row)?);
        }
        Ok(app::nonzero_totals(totals))
    }

    async fn month_totals(&self, first: i32, last: i32, units: &[i64]) -> StoreResult<Vec<(i32, [i64; 9])>> {
        let sql = format!(
            "SELECT month, unit_id, {} FROM stat_monthly WHERE month >= $1 AND month <= $2 GROUP BY month, unit_id",
            totals_columns(false)
        );
        let rows =
            sqlx::query(AssertSqlSafe(sql)).bind(first).bind(last).fetch_all(&self.reader).await.map_err(database)?;
        let mut totals: BTreeMap<i32, [i64; 9]> = (first..=last).map(|month| (month, [0; 9])).collect();
        for row in &rows {
            let unit: i64 = row.try_get("unit_id").map_err(database)?;
            if units.is_empty() || units.contains(&unit) {
                let month: i32 = row.try_get("month").map_err(database)?;
                add_counters(totals.entry(month).or_insert([0; 9]), &counters_of(row)?);
            }
        }
        Ok(totals.into_iter().collect())
    }

    async fn field_totals(&self, from: Date, to: Date) -> StoreResult<Vec<(String, [i64; 9])>> {
        let mut totals: BTreeMap<String, [i64; 9]> = BTreeMap::new();
        for row in self.grouped_sums("field", from, to).await? {
            add_counters(totals.entry(row.try_get("field").map_err(database)?).or_insert([0; 9]), &counters_of(&row)?);
        }
        Ok(app::nonzero_totals(totals))
    }

    async fn step_stats(&self, unit_id: i64, from: Date, to: Date) -> StoreResult<Vec<StepStat>> {
        let rows = sqlx::query(
            "SELECT procedure, step, SUM(count) AS count, SUM(spent_seconds) AS spent, SUM(over_budget) AS over \
             FROM stat_steps WHERE unit_id = $1 AND day >= $2 AND day <= $3 GROUP BY procedure, step ORDER BY procedure, step",
        )
        .bind(unit_id)
        .bind(day_number(from))
        .bind(day_number(to))
        .fetch_all(&self.reader)
        .await
        .map_err(database)?;
        Ok(rows
            .iter()
            .map(|row| StepStat {
                procedure: row.get("procedure"),
                step: row.get::<i64, _>("step") as u32,
                count: row.get("count"),
                spent_seconds: row.get("spent"),
                over_budget: row.get("over"),
            })
            .collect())
    }

    async fn aggregates(&self) -> StoreResult<Aggregates> {
        let mut aggregates = Aggregates::default();
        let columns = DAILY_COUNTERS.join(", ");
        let rows =
            sqlx::query(AssertSqlSafe(format!("SELECT unit_id, procedure, field, day, {columns} FROM stat_daily")))
                .fetch_all(&self.reader)
                .await
                .map_err(database)?;
        for row in &rows {
            let mut counters = [0_i64; 9];
            for (index, column) in DAILY_COUNTERS.iter().enumerate() {
                counters[index] = row.get(*column);
            }
            aggregates
                .daily
                .insert((row.get("unit_id"), row.get("procedure"), row.get("field"), row.get("day")), counters);
        }
        for row in &sqlx::query("SELECT unit_id, procedure, field, due_day, n FROM stat_due_opened")
            .fetch_all(&self.reader)
            .await
            .map_err(database)?
        {
            aggregates
                .due_opened
                .insert((row.get("unit_id"), row.get("procedure"), row.get("field"), row.get("due_day")), row.get("n"));
        }
        for row in &sqlx::query("SELECT unit_id, procedure, field, close_day, due_day, n FROM stat_due_closed")
            .fetch_all(&self.reader)
            .await
            .map_err(database)?
        {
            aggregates.due_closed.insert(
                (row.get("unit_id"), row.get("procedure"), row.get("field"), row.get("close_day"), row.get("due_day")),
                row.get("n"),
            );
        }
        for row in
            &sqlx::query("SELECT unit_id, procedure, step, day, count, spent_seconds, over_budget FROM stat_steps")
                .fetch_all(&self.reader)
                .await
                .map_err(database)?
        {
            aggregates.steps.insert(
                (row.get("unit_id"), row.get("procedure"), row.get::<i64, _>("step") as u32, row.get("day")),
                (row.get("count"), row.get("spent_seconds"), row.get("over_budget")),
            );
        }
        let columns = DAILY_COUNTERS.join(", ");
        for (table, bucket, rollup) in
            [("stat_monthly", "month", &mut aggregates.monthly), ("stat_unit_daily", "day", &mut aggregates.unit_daily)]
        {
            for row in &sqlx::query(AssertSqlSafe(format!("SELECT unit_id, field, {bucket}, {columns} FROM {table}")))
                .fetch_all(&self.reader)
                .await
                .map_err(database)?
            {
                let mut counters = [0_i64; 9];
                for (slot, column) in counters.iter_mut().zip(DAILY_COUNTERS) {
                    *slot = row.try_get(column).map_err(database)?;
                }
                let key = (
                    row.try_get("unit_id").map_err(database)?,
                    row.try_get("field").map_err(database)?,
                    row.try_get(bucket).map_err(database)?,
                );
                rollup.insert(key, counters);
            }
        }
        Ok(aggregates)
    }
}

/// Adds monthly counters to `stat_monthly` (multi-row upserts, in key order).
/// Adds per-unit daily counters to both roll-ups: `stat_unit_daily` and `stat_monthly`.
pub(crate) async fn upsert_rollups(
    tx: &mut SqliteConnection,
    unit_daily: &BTreeMap<UnitDayKey, [i64; 9]>,
) -> StoreResult<()> {
    for mut builder in rollup_statements(unit_daily) {
        builder.build().execute(&mut *tx).await.map_err(database)?;
    }
    Ok(())
}

/// The statements adding per-unit daily counters into `stat_unit_daily` and, summed by month,
/// into `stat_monthly`.
pub(crate) fn rollup_statements(unit_daily: &BTreeMap<UnitDayKey, [i64; 9]>) -> Vec<QueryBuilder<sqlx::Sqlite>> {
    let mut statements = rollup_table_statements("stat_unit_daily", "day", unit_daily);
    statements.extend(rollup_table_statements("stat_monthly", "month", &app::months_of(unit_daily)));
    statements
}

pub(crate) fn rollup_table_statements(
    table: &str,
    bucket: &str,
    rollup: &BTreeMap<(i64, String, i32), [i64; 9]>,
) -> Vec<QueryBuilder<sqlx::Sqlite>> {
    let rows: Vec<_> = rollup.iter().collect();
    let columns = DAILY_COUNTERS.join(", ");
    let updates: Vec<String> =
        DAILY_COUNTERS.iter().map(|column| format!("{column} = {table}.{column} + excluded.{column}")).collect();
    let mut statements = Vec::new();
    for chunk in rows.chunks(500) {
        let mut builder =
            QueryBuilder::<sqlx::Sqlite>::new(format!("INSERT INTO {table} (unit_id, field, {bucket}, {columns}) "));
        builder.push_values(chunk, |mut row, ((unit_id, field, key), counters)| {
            row.push_bind(*unit_id).push_bind(field).push_bind(*key);
            for counter in counters.iter() {
                row.push_bind(*counter);
            }
        });
        builder.push(format!(" ON CONFLICT (unit_id, {bucket}, field) DO UPDATE SET {}", updates.join(", ")));
        statements.push(builder);
    }
    statements
}
