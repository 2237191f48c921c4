//! The statistics roll-ups on PostgreSQL: increments applied inside each write, period sums.

use crate::prelude::*;

store_sql::statistics_statements!(sqlx::Postgres, pg_query);

/// The statistics row an increment touches, in a total order shared by every writer (so that
/// two transactions never lock the same rows in opposite orders).
pub(crate) type LockKey<'a> = (u8, i64, &'a str, &'a str, i32, i32, u32);

pub(crate) fn lock_key(increment: &Increment) -> LockKey<'_> {
    match increment {
        Increment::Daily { key: (unit_id, procedure, field, day), .. } => (0, *unit_id, procedure, field, *day, 0, 0),
        Increment::DueOpened { key: (unit_id, procedure, field, due_day) } => {
            (1, *unit_id, procedure, field, *due_day, 0, 0)
        }
        Increment::DueClosed { key: (unit_id, procedure, field, close_day, due_day) } => {
            (2, *unit_id, procedure, field, *close_day, *due_day, 0)
        }
        Increment::Step { key: (unit_id, procedure, step, day), .. } => (3, *unit_id, procedure, "", *day, 0, *step),
    }
}

pub(crate) async fn apply_increments(connection: &mut PgConnection, increments: &[Increment]) -> StoreResult<()> {
    // The roll-up rows are locked first (per unit and day, then per unit and month, each in key
    // order), then the daily and other rows in theirs: every writer takes locks in the same
    // order, so no two can wait on each other.
    upsert_rollups(connection, &app::service::unit_daily_increments(increments)).await?;
    let mut ordered: Vec<&Increment> = increments.iter().collect();
    ordered.sort_by(|left, right| lock_key(left).cmp(&lock_key(right)));
    for increment in ordered {
        match increment {
            Increment::Daily { key: (unit_id, procedure, field, day), column } => {
                let column = DAILY_COUNTERS[*column];
                let sql = format!(
                    "INSERT INTO stat_daily (unit_id, day, procedure, field, {column}) VALUES ($1, $2, $3, $4, 1) \
                     ON CONFLICT (unit_id, day, procedure, field) DO UPDATE SET {column} = stat_daily.{column} + 1"
                );
                pg_query(AssertSqlSafe(sql))
                    .bind(unit_id)
                    .bind(day)
                    .bind(procedure)
                    .bind(field)
                    .execute(&mut *connection)
                    .await
                    .map_err(database)?;
            }
            Increment::DueOpened { key: (unit_id, procedure, field, due_day) } => {
                pg_query(
                    "INSERT INTO stat_due_opened (unit_id, due_day, procedure, field, n) VALUES ($1, $2, $3, $4, 1) \
                     ON CONFLICT (unit_id, due_day, procedure, field) DO UPDATE SET n = stat_due_opened.n + 1",
                )
                .bind(unit_id)
                .bind(due_day)
                .bind(procedure)
                .bind(field)
                .execute(&mut *connection)
                .await
                .map_err(database)?;
            }
            Increment::DueClosed { key: (unit_id, procedure, field, close_day, due_day) } => {
                pg_query(
                    "INSERT INTO stat_due_closed (unit_id, close_day, due_day, procedure, field, n) \
                     VALUES ($1, $2, $3, $4, $5, 1) \
                     ON CONFLICT (unit_id, close_day, due_day, procedure, field) DO UPDATE SET n = stat_due_closed.n + 1",
                )
                .bind(unit_id)
                .bind(close_day)
                .bind(due_day)
                .bind(procedure)
                .bind(field)
                .execute(&mut *connection)
                .await
                .map_err(database)?;
            }
            Increment::Step { key: (unit_id, procedure, step, day), spent_seconds, over_budget } => {
                pg_query(
                    "INSERT INTO stat_steps (unit_id, procedure, step, day, count, spent_seconds, over_budget) \
                     VALUES ($1, $2, $3, $4, 1, $5, $6) \
                     ON CONFLICT (unit_id, procedure, step, day) DO UPDATE SET count = stat_steps.count + 1, \
                     spent_seconds = stat_steps.spent_seconds + excluded.spent_seconds, \
                     over_budget = stat_steps.over_budget + excluded.over_budget",
                )
                .bind(unit_id)
                .bind(procedure)
                .bind(i64::from(*step))
                .bind(day)
                .bind(spent_seconds)
                .bind(i64::from(*over_budget))
                .execute(&mut *connection)
                .await
                .map_err(database)?;
            }
        }
    }
    Ok(())
}

#[async_trait]
impl app::StatisticsStore for PostgresStore {
    async fn period_sums(&self, query: &StatsQuery) -> StoreResult<PeriodSums> {
        let (from, to) = (day_number(query.from), day_number(query.to));
        let filter = "AND ($3::TEXT IS NULL OR field = $3::TEXT) AND ($4::TEXT IS NULL OR procedure = $4::TEXT)";
        let mut tx = self.snapshot().await?;
        let before = pg_query(AssertSqlSafe(format!(
            "SELECT \
             COALESCE(SUM(received_counter + received_post + received_online + received_national_portal), 0)::BIGINT \
             AS received, \
             COALESCE(SUM(settled_early + settled_on_time + settled_late), 0)::BIGINT AS settled, \
             COALESCE(SUM(withdrawn), 0)::BIGINT AS withdrawn \
             FROM stat_daily WHERE unit_id = $1 AND day < $2 {filter}"
        )))
        .bind(query.unit_id)
        .bind(from)
        .bind(&query.field)
        .bind(&query.procedure)
        .fetch_one(&mut *tx)
        .await
        .map_err(database)?;
        let sums: Vec<String> =
            DAILY_COUNTERS.iter().map(|column| format!("COALESCE(SUM({column}), 0)::BIGINT AS {column}")).collect();
        let during = pg_query(AssertSqlSafe(format!(
            "SELECT {} FROM stat_daily WHERE unit_id = $1 AND day >= $2 AND day <= $5 {filter}",
            sums.join(", ")
        )))
        .bind(query.unit_id)
        .bind(from)
        .bind(&query.field)
        .bind(&query.procedure)
        .bind(to)
        .fetch_one(&mut *tx)
        .await
        .map_err(database)?;
        let opened: i64 = column(
            &pg_query(AssertSqlSafe(format!(
                "SELECT COALESCE(SUM(n), 0)::BIGINT AS n FROM stat_due_opened WHERE unit_id = $1 AND due_day <= $2 {filter}"
            )))
            .bind(query.unit_id)
            .bind(to)
            .bind(&query.field)
            .bind(&query.procedure)
            .fetch_one(&mut *tx)
            .await
            .map_err(database)?,
            "n",
        )?;
        let closed: i64 = column(
            &pg_query(AssertSqlSafe(format!(
                "SELECT COALESCE(SUM(n), 0)::BIGINT AS n FROM stat_due_closed \
                 WHERE unit_id = $1 AND close_day <= $2 AND due_day <= $2 {filter}"
            )))
            .bind(query.unit_id)
            .bind(to)
            .bind(&query.field)
            .bind(&query.procedure)
            .fetch_one(&mut *tx)
            .await
            .map_err(database)?,
            "n",
        )?;
        tx.commit().await.map_err(database)?;
        let get = |name: &str| column::<i64>(&during, name);
        Ok(PeriodSums {
            received_before: column(&before, "received")?,
            settled_before: column(&before, "settled")?,
            withdrawn_before: column(&before, "withdrawn")?,
            received_by_channel: [
                get("received_counter")?,
                get("received_post")?,
                get("received_online")?,
                get("received_national_portal")?,
            ],
            settled_early: get("settled_early")?,
            settled_on_time: get("settled_on_time")?,
            settled_late: get("settled_late")?,
            returned: get("returned")?,
            withdrawn: get("withdrawn")?,
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
        let rows = pg_query(AssertSqlSafe(sql))
            .bind(first)
            .bind(last)
            .fetch_all(&mut *self.session().await?)
            .await
            .map_err(database)?;
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
        let rows = pg_query(
            "SELECT procedure, step, SUM(count)::BIGINT AS count, SUM(spent_seconds)::BIGINT AS spent, \
             SUM(over_budget)::BIGINT AS over FROM stat_steps WHERE unit_id = $1 AND day >= $2 AND day <= $3 \
             GROUP BY procedure, step ORDER BY procedure, step",
        )
        .bind(unit_id)
        .bind(day_number(from))
        .bind(day_number(to))
        .fetch_all(&mut *self.session().await?)
        .await
        .map_err(database)?;
        rows.iter()
            .map(|row| {
                Ok(StepStat {
                    procedure: column(row, "procedure")?,
                    step: step_number(column(row, "step")?)?,
                    count: column(row, "count")?,
                    spent_seconds: column(row, "spent")?,
                    over_budget: column(row, "over")?,
                })
            })
            .collect()
    }

    async fn aggregates(&self) -> StoreResult<Aggregates> {
        let mut aggregates = Aggregates::default();
        let mut tx = self.snapshot().await?;
        let columns = DAILY_COUNTERS.join(", ");
        let rows = pg_query(AssertSqlSafe(format!("SELECT unit_id, procedure, field, day, {columns} FROM stat_daily")))
            .fetch_all(&mut *tx)
            .await
            .map_err(database)?;
        for row in &rows {
            let mut counters = [0_i64; 9];
            for (index, name) in DAILY_COUNTERS.iter().enumerate() {
                counters[index] = column(row, name)?;
            }
            aggregates.daily.insert(
                (column(row, "unit_id")?, column(row, "procedure")?, column(row, "field")?, column(row, "day")?),
                counters,
            );
        }
        for row in &pg_query("SELECT unit_id, procedure, field, due_day, n FROM stat_due_opened")
            .fetch_all(&mut *tx)
            .await
            .map_err(database)?
        {
            aggregates.due_opened.insert(
                (column(row, "unit_id")?, column(row, "procedure")?, column(row, "field")?, column(row, "due_day")?),
                column(row, "n")?,
            );
        }
        for row in &pg_query("SELECT unit_id, procedure, field, close_day, due_day, n FROM stat_due_closed")
            .fetch_all(&mut *tx)
            .await
            .map_err(database)?
        {
            aggregates.due_closed.insert(
                (
                    column(row, "unit_id")?,
                    column(row, "procedure")?,
                    column(row, "field")?,
                    column(row, "close_day")?,
                    column(row, "due_day")?,
                ),
                column(row, "n")?,
            );
        }
        for row in &pg_query("SELECT unit_id, procedure, step, day, count, spent_seconds, over_budget FROM stat_steps")
            .fetch_all(&mut *tx)
            .await
            .map_err(database)?
        {
            aggregates.steps.insert(
                (
                    column(row, "unit_id")?,
                    column(row, "procedure")?,
                    step_number(column(row, "step")?)?,
                    column(row, "day")?,
                ),
                (column(row, "count")?, column(row, "spent_seconds")?, column(row, "over_budget")?),
            );
        }
        tx.commit().await.map_err(database)?;
        let columns = DAILY_COUNTERS.join(", ");
        for (table, bucket, rollup) in
            [("stat_monthly", "month", &mut aggregates.monthly), ("stat_unit_daily", "day", &mut aggregates.unit_daily)]
        {
            for row in &pg_query(AssertSqlSafe(format!("SELECT unit_id, field, {bucket}, {columns} FROM {table}")))
                .fetch_all(&mut *self.session().await?)
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
/// Adds per-unit daily counters to both roll-ups: `stat_unit_daily` and, summed by month,
/// `stat_monthly` (rows in key order, see `apply_increments`).
pub(crate) async fn upsert_rollups(
    tx: &mut PgConnection,
    unit_daily: &BTreeMap<UnitDayKey, [i64; 9]>,
) -> StoreResult<()> {
    upsert_rollup(tx, "stat_unit_daily", "day", unit_daily).await?;
    upsert_rollup(tx, "stat_monthly", "month", &app::months_of(unit_daily)).await
}

pub(crate) async fn upsert_rollup(
    tx: &mut PgConnection,
    table: &str,
    bucket: &str,
    rollup: &BTreeMap<(i64, String, i32), [i64; 9]>,
) -> StoreResult<()> {
    let rows: Vec<_> = rollup.iter().collect();
    let columns = DAILY_COUNTERS.join(", ");
    let updates: Vec<String> =
        DAILY_COUNTERS.iter().map(|column| format!("{column} = {table}.{column} + excluded.{column}")).collect();
    for chunk in rows.chunks(500) {
        let mut builder =
            QueryBuilder::<Postgres>::new(format!("INSERT INTO {table} (unit_id, field, {bucket}, {columns}) "));
        builder.push_values(chunk, |mut row, ((unit_id, field, key), counters)| {
            row.push_bind(*unit_id).push_bind(field).push_bind(*key);
            for counter in counters.iter() {
                row.push_bind(*counter);
            }
        });
        builder.push(format!(" ON CONFLICT (unit_id, {bucket}, field) DO UPDATE SET {}", updates.join(", ")));
        builder.build().persistent(named_statements()).execute(&mut *tx).await.map_err(database)?;
    }
    Ok(())
}
