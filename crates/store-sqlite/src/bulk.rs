//! The bulk loader on SQLite: multi-row inserts, deferred indexes, a checkpointer beside the load.

use crate::prelude::*;

/// A bulk load in progress: the secondary indexes it dropped (rebuilt at the end, one sort each,
/// instead of one random insert per row) and its checkpointer, which copies the WAL into the
/// database on its own connection while the next batch is written.
#[derive(Default)]
pub(crate) struct BulkLoad {
    /// The load began on an empty `dossiers` table and dropped [`DEFERRED_INDEXES`].
    pub(crate) started: bool,
    /// The running checkpoint, which hands its connection back.
    pub(crate) checkpoint: Option<tokio::task::JoinHandle<StoreResult<SqliteConnection>>>,
    /// The checkpointing connection between checkpoints.
    pub(crate) idle: Option<SqliteConnection>,
    /// Batches committed since the WAL last started over.
    pub(crate) since_restart: u32,
}

impl BulkLoad {
    /// The checkpointing connection, once its running checkpoint (if any) has ended.
    pub(crate) async fn reclaim_checkpointer(&mut self) -> StoreResult<Option<SqliteConnection>> {
        match (self.checkpoint.take(), self.idle.take()) {
            (Some(running), _) => Ok(Some(running.await.map_err(|error| StoreError::Database(error.to_string()))??)),
            (None, idle) => Ok(idle),
        }
    }
}

/// A bulk load lets the WAL start over every this many batches: it waits for the checkpointer to
/// reach the last commit, so the next write begins at the start of the file again. Without it the
/// checkpointer never catches up with a writer that never pauses, and the WAL grows with the load.
pub(crate) const WAL_RESTART_EVERY: u32 = 3;

/// Secondary indexes of the tables a bulk load fills, as the migrations leave them: a bulk load
/// into an empty database drops them and builds them again at its end; `migrate` creates any that
/// is missing (a load that stopped half-way). A test compares them with the migrated schema.
pub const DEFERRED_INDEXES: [(&str, &str); 3] = [
    ("dossiers_by_code", "CREATE UNIQUE INDEX dossiers_by_code ON dossiers (code)"),
    ("dossiers_queue_due", "CREATE INDEX dossiers_queue_due ON dossiers (current_unit_id, status, appointment, code)"),
    ("dossiers_queue_new", "CREATE INDEX dossiers_queue_new ON dossiers (current_unit_id, status, submitted_at, code)"),
];

/// SQLite's default WAL auto-checkpoint (pages), restored when a bulk load ends.
pub(crate) const WAL_AUTOCHECKPOINT: i64 = 1_000;

/// Creates every deferred index that does not exist.
pub(crate) async fn ensure_deferred_indexes(connection: &mut SqliteConnection) -> StoreResult<()> {
    for (_, create) in DEFERRED_INDEXES {
        let sql = create.replacen(" INDEX ", " INDEX IF NOT EXISTS ", 1);
        sqlx::query(AssertSqlSafe(sql)).execute(&mut *connection).await.map_err(database)?;
    }
    Ok(())
}

#[async_trait]
impl app::BulkStore for SqliteStore {
    /// One batch of a bulk load. The first batch into an empty `dossiers` table drops the
    /// deferred secondary indexes and turns the writer's automatic checkpoints off; after each
    /// commit a passive checkpoint runs on a second connection while the caller computes and
    /// writes the next batch. Every batch is still committed with `synchronous=FULL`.
    /// [`Store::bulk_finish`] undoes all this.
    async fn bulk_insert(&self, batch: &BulkBatch) -> StoreResult<()> {
        let mut bulk = self.bulk.lock().await;
        if bulk.started && bulk.since_restart >= WAL_RESTART_EVERY {
            if let Some(mut connection) = bulk.reclaim_checkpointer().await? {
                // The checkpoint that just ended may have started before the last commit.
                sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&mut connection).await.map_err(database)?;
                bulk.idle = Some(connection);
            }
            bulk.since_restart = 0;
        }
        let mut tx = self.begin().await?;
        // A bulk load touches index pages all over its tables: a 256 MiB page cache for the
        // connection that loads (only bulk loads raise it; the server never calls this).
        sqlx::query("PRAGMA cache_size = -262144").execute(&mut *tx).await.map_err(database)?;
        if !bulk.started {
            let empty: bool = sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM dossiers)")
                .fetch_one(&mut *tx)
                .await
                .map_err(database)?;
            if empty {
                for (name, _) in DEFERRED_INDEXES {
                    sqlx::query(AssertSqlSafe(format!("DROP INDEX IF EXISTS {name}")))
                        .execute(&mut *tx)
                        .await
                        .map_err(database)?;
                }
                // Checkpoints run on the bulk load's own connection from now on (see below).
                sqlx::query("PRAGMA wal_autocheckpoint = 0").execute(&mut *tx).await.map_err(database)?;
                bulk.started = true;
            }
        }
        bulk_write(&mut tx, batch).await?;
        tx.commit().await.map_err(database)?;
        if bulk.started {
            bulk.since_restart += 1;
            let running = bulk.checkpoint.as_ref().is_some_and(|checkpoint| !checkpoint.is_finished());
            if !running {
                let connection = match bulk.reclaim_checkpointer().await? {
                    Some(connection) => connection,
                    None => self.options.connect().await.map_err(database)?,
                };
                bulk.checkpoint = Some(tokio::spawn(async move {
                    let mut connection = connection;
                    sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&mut connection).await.map_err(database)?;
                    Ok(connection)
                }));
            }
        }
        Ok(())
    }

    async fn bulk_finish(&self) -> StoreResult<()> {
        let mut bulk = self.bulk.lock().await;
        drop(bulk.reclaim_checkpointer().await?);
        if !std::mem::take(&mut bulk.started) {
            return Ok(());
        }
        let mut connection = self.writer.acquire().await.map_err(database)?;
        ensure_deferred_indexes(&mut connection).await?;
        sqlx::query(AssertSqlSafe(format!("PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT}")))
            .execute(&mut *connection)
            .await
            .map_err(database)?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *connection).await.map_err(database)?;
        Ok(())
    }
}

/// Rows per multi-row INSERT (8 columns × 1,000 rows stays under SQLite's 32,766 variables).
pub(crate) const BULK_ROWS: usize = 1_000;

/// Writes a bulk batch on `tx`: the statements are built (rows encoded, states serialised) while
/// SQLite runs the previous one on its own thread, so the two overlap on two cores.
pub(crate) async fn bulk_write(tx: &mut SqliteConnection, batch: &BulkBatch) -> StoreResult<()> {
    let (statements, mut pending) = mpsc::channel::<QueryBuilder<sqlx::Sqlite>>(2);
    let run = async move {
        while let Some(mut statement) = pending.recv().await {
            statement.build().execute(&mut *tx).await.map_err(database)?;
        }
        Ok::<(), StoreError>(())
    };
    let (built, ran) = tokio::join!(bulk_statements(batch, statements), run);
    ran?;
    built
}

/// The statements of a bulk batch, in order, into `statements` (stops when nobody listens).
pub(crate) async fn bulk_statements(
    batch: &BulkBatch,
    statements: mpsc::Sender<QueryBuilder<sqlx::Sqlite>>,
) -> StoreResult<()> {
    // In key order, as the events below: each unit's rows go to neighbouring pages.
    let mut dossiers: Vec<&app::BulkDossier> = batch.dossiers.iter().collect();
    dossiers.sort_unstable_by(|a, b| (a.unit_id, &a.state.code).cmp(&(b.unit_id, &b.state.code)));
    for chunk in dossiers.chunks(BULK_ROWS) {
        let mut states = Vec::with_capacity(chunk.len());
        for dossier in chunk {
            states.push(serde_json::to_string(&dossier.state).map_err(json_error)?);
        }
        let mut builder = QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO dossiers (unit_id, code, current_unit_id, procedure, procedure_version, field, channel, status, version, \
             submitted_at, legal_due, appointment, state) ",
        );
        builder.push_values(chunk.iter().zip(states), |mut row, (dossier, state_json)| {
            let state = &dossier.state;
            row.push_bind(dossier.unit_id)
                .push_bind(&state.code)
                .push_bind(dossier.current_unit_id)
                .push_bind(state.procedure.as_str())
                .push_bind(i64::from(state.procedure_version))
                .push_bind(&state.field)
                .push_bind(state.channel.as_str())
                .push_bind(state.status.as_str())
                .push_bind(state.version)
                .push_bind(micros(state.submitted_at))
                .push_bind(optional_micros(state.legal_due))
                .push_bind(optional_micros(state.appointment))
                .push_bind(state_json);
        });
        if statements.send(builder).await.is_err() {
            return Ok(());
        }
        let mut builder = QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO applicants (unit_id, code, name, id_number, phone, email, address) ",
        );
        builder.push_values(chunk, |mut row, dossier| {
            let applicant = &dossier.applicant;
            row.push_bind(dossier.unit_id)
                .push_bind(&dossier.state.code)
                .push_bind(&applicant.name)
                .push_bind(&applicant.id_number)
                .push_bind(&applicant.phone)
                .push_bind(&applicant.email)
                .push_bind(&applicant.address);
        });
        if statements.send(builder).await.is_err() {
            return Ok(());
        }
    }
    let mut events: Vec<(i64, &str, &Event)> = batch
        .dossiers
        .iter()
        .flat_map(|dossier| {
            dossier.events.iter().map(move |event| (dossier.unit_id, dossier.state.code.as_str(), event))
        })
        .collect();
    // In key order: each unit's events then go to neighbouring pages of the table.
    events.sort_unstable_by(|a, b| (a.0, a.1, a.2.seq).cmp(&(b.0, b.1, b.2.seq)));
    for chunk in events.chunks(BULK_ROWS) {
        let mut builder = QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO events (unit_id, code, seq, kind, actor, at, channel, payload) ",
        );
        builder.push_values(chunk, |mut row, (unit_id, code, event)| {
            row.push_bind(*unit_id)
                .push_bind(*code)
                .push_bind(event.seq)
                .push_bind(&event.kind)
                .push_bind(&event.actor)
                .push_bind(micros(event.at))
                .push_bind(event.channel.as_str())
                .push_bind(event.payload.to_string());
        });
        if statements.send(builder).await.is_err() {
            return Ok(());
        }
    }
    let sequences: Vec<_> = batch.sequences.iter().collect();
    for chunk in sequences.chunks(BULK_ROWS) {
        let mut builder = QueryBuilder::<sqlx::Sqlite>::new("INSERT INTO code_sequences (unit_id, day, last) ");
        builder.push_values(chunk, |mut row, ((unit_id, day), last)| {
            row.push_bind(*unit_id).push_bind(*day).push_bind(**last);
        });
        builder.push(" ON CONFLICT (unit_id, day) DO UPDATE SET last = MAX(last, excluded.last)");
        if statements.send(builder).await.is_err() {
            return Ok(());
        }
    }
    let aggregates = &batch.aggregates;
    let daily: Vec<_> = aggregates.daily.iter().collect();
    let columns = DAILY_COUNTERS.join(", ");
    let updates: Vec<String> =
        DAILY_COUNTERS.iter().map(|column| format!("{column} = {column} + excluded.{column}")).collect();
    for chunk in daily.chunks(BULK_ROWS / 2) {
        let mut builder = QueryBuilder::<sqlx::Sqlite>::new(format!(
            "INSERT INTO stat_daily (unit_id, procedure, field, day, {columns}) "
        ));
        builder.push_values(chunk, |mut row, ((unit_id, procedure, field, day), counters)| {
            row.push_bind(*unit_id).push_bind(procedure).push_bind(field).push_bind(*day);
            for counter in counters.iter() {
                row.push_bind(*counter);
            }
        });
        builder.push(format!(" ON CONFLICT (unit_id, day, procedure, field) DO UPDATE SET {}", updates.join(", ")));
        if statements.send(builder).await.is_err() {
            return Ok(());
        }
    }
    for builder in rollup_statements(&app::unit_daily_of(&aggregates.daily)) {
        if statements.send(builder).await.is_err() {
            return Ok(());
        }
    }
    let opened: Vec<_> = aggregates.due_opened.iter().collect();
    for chunk in opened.chunks(BULK_ROWS) {
        let mut builder =
            QueryBuilder::<sqlx::Sqlite>::new("INSERT INTO stat_due_opened (unit_id, procedure, field, due_day, n) ");
        builder.push_values(chunk, |mut row, ((unit_id, procedure, field, day), n)| {
            row.push_bind(*unit_id).push_bind(procedure).push_bind(field).push_bind(*day).push_bind(**n);
        });
        builder.push(" ON CONFLICT (unit_id, due_day, procedure, field) DO UPDATE SET n = n + excluded.n");
        if statements.send(builder).await.is_err() {
            return Ok(());
        }
    }
    let closed: Vec<_> = aggregates.due_closed.iter().collect();
    for chunk in closed.chunks(BULK_ROWS) {
        let mut builder = QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO stat_due_closed (unit_id, procedure, field, close_day, due_day, n) ",
        );
        builder.push_values(chunk, |mut row, ((unit_id, procedure, field, close_day, due_day), n)| {
            row.push_bind(*unit_id)
                .push_bind(procedure)
                .push_bind(field)
                .push_bind(*close_day)
                .push_bind(*due_day)
                .push_bind(**n);
        });
        builder.push(" ON CONFLICT (unit_id, close_day, due_day, procedure, field) DO UPDATE SET n = n + excluded.n");
        if statements.send(builder).await.is_err() {
            return Ok(());
        }
    }
    let steps: Vec<_> = aggregates.steps.iter().collect();
    for chunk in steps.chunks(BULK_ROWS) {
        let mut builder = QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO stat_steps (unit_id, procedure, step, day, count, spent_seconds, over_budget) ",
        );
        builder.push_values(chunk, |mut row, ((unit_id, procedure, step, day), (count, spent, over))| {
            row.push_bind(*unit_id)
                .push_bind(procedure)
                .push_bind(i64::from(*step))
                .push_bind(*day)
                .push_bind(*count)
                .push_bind(*spent)
                .push_bind(*over);
        });
        builder.push(
            " ON CONFLICT (unit_id, procedure, step, day) DO UPDATE SET count = count + excluded.count, \
             spent_seconds = spent_seconds + excluded.spent_seconds, over_budget = over_budget + excluded.over_budget",
        );
        if statements.send(builder).await.is_err() {
            return Ok(());
        }
    }
    Ok(())
}
