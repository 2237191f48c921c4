//! The SQLite backend: the embedded default. WAL journal with `synchronous=FULL` (a commit is on
//! disk before it is acknowledged, so an accepted dossier survives a power loss, not only a crash),
//! one writer connection (writes are serialised in the process and start with `BEGIN IMMEDIATE`,
//! so they never fail with SQLITE_BUSY half-way) and a pool of readers.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::str::FromStr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use domain::catalog::{Catalog, Procedure, UnitKind};
use domain::dossier::{self, Channel, DossierState, Event};
use domain::stats::PeriodSums;
use futures_util::FutureExt;
use jiff::Timestamp;
use jiff::civil::Date;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, ConnectOptions, QueryBuilder, Row, SqlitePool, Transaction};
use app::accounts::{NewToken, NewUser, Principal, SessionRecord, TokenRecord, UserRecord};
use app::audit::{self, AuditRecord, AuditWrite};
use app::service::{Increment, increments};
use app::{
    Aggregates, Applicant, ApplyWrite, BulkBatch, DAILY_COUNTERS, DossierRecord, ImportReport, NewDossierWrite,
    QueueQuery, StatsQuery, StepStat, Store, StoreError, StoreResult, StoredDossier, UnitDayKey, UnitRecord,
    add_counters, date_of_day, day_number, instant_of, micros,
};
use tokio::sync::{mpsc, oneshot};

/// The SQLite store.
pub struct SqliteStore {
    /// Catalogue imports, bulk loads and migrations (rare, large transactions).
    writer: SqlitePool,
    reader: SqlitePool,
    /// Dossier writes go to the writer task, which commits them in groups.
    jobs: mpsc::Sender<Job>,
    procedures: ProcedureCache,
    /// Where a database was opened from, for the bulk load's checkpointing connection.
    options: SqliteConnectOptions,
    /// State of a bulk load in progress (see [`SqliteStore::bulk_insert`]).
    bulk: tokio::sync::Mutex<BulkLoad>,
}

/// A bulk load in progress: the secondary indexes it dropped (rebuilt at the end, one sort each,
/// instead of one random insert per row) and its checkpointer, which copies the WAL into the
/// database on its own connection while the next batch is written.
#[derive(Default)]
struct BulkLoad {
    /// The load began on an empty `dossiers` table and dropped [`DEFERRED_INDEXES`].
    started: bool,
    /// The running checkpoint, which hands its connection back.
    checkpoint: Option<tokio::task::JoinHandle<StoreResult<SqliteConnection>>>,
    /// The checkpointing connection between checkpoints.
    idle: Option<SqliteConnection>,
    /// Batches committed since the WAL last started over.
    since_restart: u32,
}

impl BulkLoad {
    /// The checkpointing connection, once its running checkpoint (if any) has ended.
    async fn reclaim_checkpointer(&mut self) -> StoreResult<Option<SqliteConnection>> {
        match (self.checkpoint.take(), self.idle.take()) {
            (Some(running), _) => Ok(Some(running.await.map_err(|error| StoreError::Database(error.to_string()))??)),
            (None, idle) => Ok(idle),
        }
    }
}

/// A bulk load lets the WAL start over every this many batches: it waits for the checkpointer to
/// reach the last commit, so the next write begins at the start of the file again. Without it the
/// checkpointer never catches up with a writer that never pauses, and the WAL grows with the load.
const WAL_RESTART_EVERY: u32 = 3;

/// Secondary indexes of the tables a bulk load fills, as the migrations leave them: a bulk load
/// into an empty database drops them and builds them again at its end; `migrate` creates any that
/// is missing (a load that stopped half-way). A test compares them with the migrated schema.
pub const DEFERRED_INDEXES: [(&str, &str); 3] = [
    ("dossiers_by_code", "CREATE UNIQUE INDEX dossiers_by_code ON dossiers (code)"),
    ("dossiers_queue_due", "CREATE INDEX dossiers_queue_due ON dossiers (current_unit_id, status, appointment, code)"),
    ("dossiers_queue_new", "CREATE INDEX dossiers_queue_new ON dossiers (current_unit_id, status, submitted_at, code)"),
];

/// SQLite's default WAL auto-checkpoint (pages), restored when a bulk load ends.
const WAL_AUTOCHECKPOINT: i64 = 1_000;

/// Creates every deferred index that does not exist.
async fn ensure_deferred_indexes(connection: &mut SqliteConnection) -> StoreResult<()> {
    for (_, create) in DEFERRED_INDEXES {
        let sql = create.replacen(" INDEX ", " INDEX IF NOT EXISTS ", 1);
        sqlx::query(AssertSqlSafe(sql)).execute(&mut *connection).await.map_err(database)?;
    }
    Ok(())
}

/// Immutable procedure versions by `(code, version)`.
type ProcedureCache = Arc<RwLock<HashMap<(String, u32), Arc<Procedure>>>>;

/// A dossier write for the writer task, with where to send its result.
enum Job {
    Create(Box<NewDossierWrite>, oneshot::Sender<StoreResult<(StoredDossier, bool)>>),
    Apply(ApplyWrite, oneshot::Sender<StoreResult<StoredDossier>>),
    Audit(AuditWrite, oneshot::Sender<StoreResult<()>>),
}

/// Most writes committed together.
const GROUP_LIMIT: usize = 64;

fn writer_gone() -> StoreError {
    StoreError::Database("the SQLite writer task stopped".to_owned())
}

fn database(error: sqlx::Error) -> StoreError {
    StoreError::Database(error.to_string())
}

fn json_error(error: serde_json::Error) -> StoreError {
    StoreError::Database(format!("stored JSON is malformed: {error}"))
}

impl SqliteStore {
    /// The daily counters summed over a period and grouped by `group` (`unit_id` or `field`, a
    /// `unit_id, field`, a constant): whole months from the monthly roll-up, plus or minus the
    /// days at the period's edges from the daily table ([`app::split_period`]), in one read
    /// transaction so that a subtracted day and its month are the same snapshot. Rows of
    /// subtracted parts carry negated sums: the caller adds every row.
    async fn grouped_sums(&self, group: &'static str, from: Date, to: Date) -> StoreResult<Vec<SqliteRow>> {
        let mut transaction = self.reader.begin().await.map_err(database)?;
        let mut rows = Vec::new();
        // Today only steers which days are read (the days after it hold nothing yet).
        let today = day_number(domain::dossier::local_day(jiff::Timestamp::now()));
        for part in app::split_period(day_number(from), day_number(to), today) {
            let (table, column) = if part.monthly { ("stat_monthly", "month") } else { ("stat_unit_daily", "day") };
            let sql = format!(
                "SELECT {group}, {} FROM {table} WHERE {column} >= $1 AND {column} <= $2 GROUP BY {group}",
                totals_columns(part.subtract)
            );
            rows.extend(
                sqlx::query(AssertSqlSafe(sql))
                    .bind(part.first)
                    .bind(part.last)
                    .fetch_all(&mut *transaction)
                    .await
                    .map_err(database)?,
            );
        }
        transaction.commit().await.map_err(database)?;
        Ok(rows)
    }

    /// Opens (creating if missing) the database at `url` (`sqlite:FILE`).
    pub async fn connect(url: &str) -> StoreResult<SqliteStore> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(database)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let writer =
            SqlitePoolOptions::new().max_connections(1).connect_with(options.clone()).await.map_err(database)?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.clone().read_only(true))
            .await
            .map_err(database)?;
        let connection = options.connect().await.map_err(database)?;
        let procedures: ProcedureCache = Arc::new(RwLock::new(HashMap::new()));
        let (jobs, queue) = mpsc::channel(1_024);
        tokio::spawn(writer_task(connection, queue, procedures.clone()));
        Ok(SqliteStore { writer, reader, jobs, procedures, options, bulk: tokio::sync::Mutex::default() })
    }

    async fn begin(&self) -> StoreResult<Transaction<'static, sqlx::Sqlite>> {
        self.writer.begin_with("BEGIN IMMEDIATE").await.map_err(database)
    }
}

fn unit_kind(text: &str) -> StoreResult<UnitKind> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(json_error)
}

fn kind_text(kind: UnitKind) -> StoreResult<String> {
    match serde_json::to_value(kind).map_err(json_error)? {
        serde_json::Value::String(text) => Ok(text),
        _ => Err(StoreError::Database("unit kind is not a string".to_owned())),
    }
}

fn unit_record(row: &SqliteRow) -> StoreResult<UnitRecord> {
    Ok(UnitRecord {
        id: row.get("id"),
        structure: row.get("structure"),
        code: row.get("code"),
        name: row.get("name"),
        kind: unit_kind(row.get("kind"))?,
        parent_id: row.get("parent_id"),
        head: row.get("head"),
        effective_from: date_of_day(row.get::<i32, _>("effective_from")),
        effective_to: row.get::<Option<i32>, _>("effective_to").map(date_of_day),
    })
}

fn stored_dossier(row: &SqliteRow) -> StoreResult<StoredDossier> {
    Ok(StoredDossier {
        unit_id: row.try_get("unit_id").map_err(database)?,
        current_unit_id: row.try_get("current_unit_id").map_err(database)?,
        state: serde_json::from_str(row.try_get::<&str, _>("state").map_err(database)?).map_err(json_error)?,
    })
}

fn event_of(row: &SqliteRow) -> StoreResult<Event> {
    Ok(Event {
        seq: row.get("seq"),
        kind: row.get("kind"),
        actor: row.get("actor"),
        at: instant_of(row.get("at"))?,
        channel: Channel::parse(row.get("channel")).ok_or_else(|| StoreError::Database("bad channel".to_owned()))?,
        payload: serde_json::from_str(row.get::<&str, _>("payload")).map_err(json_error)?,
    })
}

const UNIT_COLUMNS: &str =
    "u.id, u.structure, u.code, u.name, u.kind, u.parent_id, u.head, s.effective_from, s.effective_to";

async fn insert_event(tx: &mut SqliteConnection, unit_id: i64, code: &str, event: &Event) -> StoreResult<()> {
    sqlx::query("INSERT INTO events (unit_id, code, seq, kind, actor, at, channel, payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(unit_id)
        .bind(code)
        .bind(event.seq)
        .bind(&event.kind)
        .bind(&event.actor)
        .bind(micros(event.at))
        .bind(event.channel.as_str())
        .bind(event.payload.to_string())
        .execute(&mut *tx)
        .await
        .map_err(database)?;
    Ok(())
}

/// Adds a write's increments to the daily, due and step tables. The monthly roll-up is not
/// written here: the writer task merges it for the whole group and writes it once before the
/// group commits ([`AuditHeads::monthly`]).
async fn apply_increments(tx: &mut SqliteConnection, increments: &[Increment]) -> StoreResult<()> {
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

fn optional_micros(instant: Option<jiff::Timestamp>) -> Option<i64> {
    instant.map(micros)
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn migrate(&self) -> StoreResult<()> {
        sqlx::migrate!("./migrations")
            .run(&self.writer)
            .await
            .map_err(|error| StoreError::Database(error.to_string()))?;
        let mut connection = self.writer.acquire().await.map_err(database)?;
        ensure_deferred_indexes(&mut connection).await
    }

    async fn known_structures(&self) -> StoreResult<BTreeSet<String>> {
        let rows = sqlx::query("SELECT id FROM structures").fetch_all(&self.reader).await.map_err(database)?;
        Ok(rows.iter().map(|row| row.get::<String, _>("id")).collect())
    }

    async fn import_catalog(&self, catalog: &Catalog) -> StoreResult<ImportReport> {
        let mut tx = self.begin().await?;
        for structure in &catalog.structures {
            sqlx::query(
                "INSERT INTO structures (id, name, effective_from, effective_to, source) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, effective_from = excluded.effective_from, \
                 effective_to = excluded.effective_to, source = excluded.source",
            )
            .bind(structure.id.as_str())
            .bind(&structure.name)
            .bind(day_number(structure.effective_from))
            .bind(structure.effective_to.map(day_number))
            .bind(&structure.source)
            .execute(&mut *tx)
            .await
            .map_err(database)?;
        }
        for unit in &catalog.units {
            sqlx::query(
                "INSERT INTO units (structure, code, name, kind, local_kind, parent_code, head, source, note) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (structure, code) DO UPDATE SET name = excluded.name, kind = excluded.kind, \
                 local_kind = excluded.local_kind, parent_code = excluded.parent_code, head = excluded.head, \
                 source = excluded.source, note = excluded.note",
            )
            .bind(unit.structure.as_str())
            .bind(unit.code.as_str())
            .bind(&unit.name)
            .bind(kind_text(unit.kind)?)
            .bind(&unit.local_kind)
            .bind(unit.parent.as_ref().map(|parent| parent.as_str()))
            .bind(&unit.head)
            .bind(&unit.source)
            .bind(&unit.note)
            .execute(&mut *tx)
            .await
            .map_err(database)?;
        }
        sqlx::query(
            "UPDATE units SET parent_id = (SELECT p.id FROM units p WHERE p.structure = units.structure AND p.code = units.parent_code) \
             WHERE parent_code IS NOT NULL",
        )
        .execute(&mut *tx)
        .await
        .map_err(database)?;
        for procedure in &catalog.procedures {
            sqlx::query(
                "INSERT INTO procedures (code, version, effective_from, effective_to, body) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (code, version) DO UPDATE SET effective_from = excluded.effective_from, \
                 effective_to = excluded.effective_to, body = excluded.body",
            )
            .bind(procedure.code.as_str())
            .bind(i64::from(procedure.version))
            .bind(day_number(procedure.effective_from))
            .bind(procedure.effective_to.map(day_number))
            .bind(serde_json::to_string(procedure).map_err(json_error)?)
            .execute(&mut *tx)
            .await
            .map_err(database)?;
        }
        tx.commit().await.map_err(database)?;
        if let Ok(mut cache) = self.procedures.write() {
            cache.clear();
        }
        Ok(ImportReport {
            structures: catalog.structures.len(),
            units: catalog.units.len(),
            procedures: catalog.procedures.len(),
        })
    }

    async fn find_unit(&self, code: &str, on: Date) -> StoreResult<Option<UnitRecord>> {
        let sql = format!(
            "SELECT {UNIT_COLUMNS} FROM units u JOIN structures s ON s.id = u.structure \
             WHERE u.code = $1 AND s.effective_from <= $2 AND (s.effective_to IS NULL OR s.effective_to >= $2) \
             ORDER BY s.effective_from DESC LIMIT 1"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(code)
            .bind(day_number(on))
            .fetch_optional(&self.reader)
            .await
            .map_err(database)?;
        row.as_ref().map(unit_record).transpose()
    }

    async fn unit_by_id(&self, id: i64) -> StoreResult<Option<UnitRecord>> {
        let sql = format!("SELECT {UNIT_COLUMNS} FROM units u JOIN structures s ON s.id = u.structure WHERE u.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(&self.reader).await.map_err(database)?;
        row.as_ref().map(unit_record).transpose()
    }

    async fn list_units(&self, on: Date) -> StoreResult<Vec<UnitRecord>> {
        let sql = format!(
            "SELECT {UNIT_COLUMNS} FROM units u JOIN structures s ON s.id = u.structure \
             WHERE s.effective_from <= $1 AND (s.effective_to IS NULL OR s.effective_to >= $1) ORDER BY u.code"
        );
        let rows =
            sqlx::query(AssertSqlSafe(sql)).bind(day_number(on)).fetch_all(&self.reader).await.map_err(database)?;
        rows.iter().map(unit_record).collect()
    }

    async fn procedure_on(&self, code: &str, on: Date) -> StoreResult<Option<Procedure>> {
        let row = sqlx::query(
            "SELECT body FROM procedures WHERE code = $1 AND effective_from <= $2 AND (effective_to IS NULL OR effective_to >= $2) \
             ORDER BY version DESC LIMIT 1",
        )
        .bind(code)
        .bind(day_number(on))
        .fetch_optional(&self.reader)
        .await
        .map_err(database)?;
        row.map(|row| serde_json::from_str(row.get::<&str, _>("body")).map_err(json_error)).transpose()
    }

    async fn procedure_version(&self, code: &str, version: u32) -> StoreResult<Option<Procedure>> {
        let row = sqlx::query("SELECT body FROM procedures WHERE code = $1 AND version = $2")
            .bind(code)
            .bind(i64::from(version))
            .fetch_optional(&self.reader)
            .await
            .map_err(database)?;
        row.map(|row| serde_json::from_str(row.get::<&str, _>("body")).map_err(json_error)).transpose()
    }

    async fn list_procedures(&self, on: Date) -> StoreResult<Vec<Procedure>> {
        let rows = sqlx::query(
            "SELECT body FROM procedures WHERE effective_from <= $1 AND (effective_to IS NULL OR effective_to >= $1) ORDER BY code, version",
        )
        .bind(day_number(on))
        .fetch_all(&self.reader)
        .await
        .map_err(database)?;
        rows.iter().map(|row| serde_json::from_str(row.get::<&str, _>("body")).map_err(json_error)).collect()
    }

    async fn create_dossier(&self, write: NewDossierWrite) -> StoreResult<(StoredDossier, bool)> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Job::Create(Box::new(write), reply)).await.map_err(|_| writer_gone())?;
        answer.await.map_err(|_| writer_gone())?
    }

    async fn apply(&self, write: ApplyWrite) -> StoreResult<StoredDossier> {
        let (reply, answer) = oneshot::channel();
        let job = Job::Apply(write, reply);
        self.jobs.send(job).await.map_err(|_| writer_gone())?;
        answer.await.map_err(|_| writer_gone())?
    }

    async fn documents(&self, code: &str) -> StoreResult<Vec<app::DocumentRecord>> {
        let rows = sqlx::query(
            "SELECT seq, name, content_type, size, sha256 FROM documents \
             WHERE unit_id = (SELECT unit_id FROM dossiers WHERE code = $1) AND code = $1 ORDER BY seq",
        )
        .bind(code)
        .fetch_all(&self.reader)
        .await
        .map_err(database)?;
        rows.iter().map(document_record).collect()
    }

    async fn document_content(&self, code: &str, seq: i64) -> StoreResult<Option<(app::DocumentRecord, Vec<u8>)>> {
        let row = sqlx::query(
            "SELECT seq, name, content_type, size, sha256, content FROM documents \
             WHERE unit_id = (SELECT unit_id FROM dossiers WHERE code = $1) AND code = $1 AND seq = $2",
        )
        .bind(code)
        .bind(seq)
        .fetch_optional(&self.reader)
        .await
        .map_err(database)?;
        row.map(|row| Ok((document_record(&row)?, row.try_get("content").map_err(database)?))).transpose()
    }

    async fn issued_documents(&self, code: &str) -> StoreResult<Vec<app::IssuedRecord>> {
        let sql = format!(
            "SELECT {ISSUED_COLUMNS} FROM issued_documents \
             WHERE unit_id = (SELECT unit_id FROM dossiers WHERE code = $1) AND code = $1 ORDER BY seq"
        );
        let rows = sqlx::query(AssertSqlSafe(sql)).bind(code).fetch_all(&self.reader).await.map_err(database)?;
        rows.iter().map(issued_record).collect()
    }

    async fn issued_content(&self, code: &str, seq: i64) -> StoreResult<Option<(app::IssuedRecord, Vec<u8>)>> {
        let sql = format!(
            "SELECT {ISSUED_COLUMNS}, content FROM issued_documents \
             WHERE unit_id = (SELECT unit_id FROM dossiers WHERE code = $1) AND code = $1 AND seq = $2"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(code)
            .bind(seq)
            .fetch_optional(&self.reader)
            .await
            .map_err(database)?;
        row.map(|row| Ok((issued_record(&row)?, row.try_get("content").map_err(database)?))).transpose()
    }

    async fn issued_by_hash(&self, sha256: &str) -> StoreResult<Vec<app::IssuedRecord>> {
        let sql = format!("SELECT {ISSUED_COLUMNS} FROM issued_documents WHERE sha256 = $1 ORDER BY code, seq");
        let rows = sqlx::query(AssertSqlSafe(sql)).bind(sha256).fetch_all(&self.reader).await.map_err(database)?;
        rows.iter().map(issued_record).collect()
    }

    async fn queue(&self, query: &QueueQuery) -> StoreResult<Vec<StoredDossier>> {
        let (sql, values) = query.statement();
        let mut statement = sqlx::query(AssertSqlSafe(sql));
        for value in values {
            statement = match value {
                app::SqlValue::Int(value) => statement.bind(value),
                app::SqlValue::Text(value) => statement.bind(value),
            };
        }
        let rows = statement.fetch_all(&self.reader).await.map_err(database)?;
        rows.iter().map(stored_dossier).collect()
    }

    async fn dossier(&self, code: &str) -> StoreResult<Option<DossierRecord>> {
        let Some(row) = sqlx::query("SELECT unit_id, current_unit_id, state FROM dossiers WHERE code = $1")
            .bind(code)
            .fetch_optional(&self.reader)
            .await
            .map_err(database)?
        else {
            return Ok(None);
        };
        let dossier = stored_dossier(&row)?;
        let events = sqlx::query(
            "SELECT seq, kind, actor, at, channel, payload FROM events WHERE unit_id = $1 AND code = $2 ORDER BY seq",
        )
        .bind(dossier.unit_id)
        .bind(code)
        .fetch_all(&self.reader)
        .await
        .map_err(database)?
        .iter()
        .map(event_of)
        .collect::<StoreResult<Vec<_>>>()?;
        let applicant = sqlx::query(
            "SELECT name, id_number, phone, email, address FROM applicants WHERE unit_id = $1 AND code = $2",
        )
        .bind(dossier.unit_id)
        .bind(code)
        .fetch_optional(&self.reader)
        .await
        .map_err(database)?
        .map(|row| Applicant {
            name: row.get("name"),
            id_number: row.get("id_number"),
            phone: row.get("phone"),
            email: row.get("email"),
            address: row.get("address"),
        })
        .unwrap_or_default();
        Ok(Some(DossierRecord { dossier, events, applicant }))
    }

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

    async fn dossier_page(
        &self,
        after: Option<(i64, String)>,
        limit: i64,
    ) -> StoreResult<Vec<(StoredDossier, Vec<Event>)>> {
        let (after_unit, after_code) = after.unwrap_or((i64::MIN, String::new()));
        let rows = sqlx::query(
            "SELECT unit_id, current_unit_id, code, state FROM dossiers WHERE (unit_id, code) > ($1, $2) ORDER BY unit_id, code LIMIT $3",
        )
        .bind(after_unit)
        .bind(&after_code)
        .bind(limit)
        .fetch_all(&self.reader)
        .await
        .map_err(database)?;
        let Some(last) = rows.last() else {
            return Ok(Vec::new());
        };
        let (last_unit, last_code): (i64, String) = (last.get("unit_id"), last.get("code"));
        let mut page: Vec<(StoredDossier, Vec<Event>)> =
            rows.iter().map(|row| Ok((stored_dossier(row)?, Vec::new()))).collect::<StoreResult<_>>()?;
        let index: HashMap<(i64, String), usize> = page
            .iter()
            .enumerate()
            .map(|(position, (dossier, _))| ((dossier.unit_id, dossier.state.code.clone()), position))
            .collect();
        let events = sqlx::query(
            "SELECT unit_id, code, seq, kind, actor, at, channel, payload FROM events \
             WHERE (unit_id, code) > ($1, $2) AND (unit_id, code) <= ($3, $4) ORDER BY unit_id, code, seq",
        )
        .bind(after_unit)
        .bind(&after_code)
        .bind(last_unit)
        .bind(&last_code)
        .fetch_all(&self.reader)
        .await
        .map_err(database)?;
        for row in &events {
            let key = (row.get::<i64, _>("unit_id"), row.get::<String, _>("code"));
            if let Some(&position) = index.get(&key) {
                page[position].1.push(event_of(row)?);
            }
        }
        Ok(page)
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

    async fn dossier_count(&self) -> StoreResult<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM dossiers").fetch_one(&self.reader).await.map_err(database)?.get("n"))
    }

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

    async fn audit_append(&self, entry: AuditWrite) -> StoreResult<()> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Job::Audit(entry, reply)).await.map_err(|_| writer_gone())?;
        answer.await.map_err(|_| writer_gone())?
    }

    async fn setting_or_insert(&self, name: &str, value: &str) -> StoreResult<String> {
        sqlx::query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(value)
            .execute(&self.writer)
            .await
            .map_err(database)?;
        let row = sqlx::query("SELECT value FROM settings WHERE name = $1")
            .bind(name)
            .fetch_one(&self.writer)
            .await
            .map_err(database)?;
        row.try_get("value").map_err(database)
    }

    async fn audit_for_target(&self, chain: i64, target: &str) -> StoreResult<Vec<AuditRecord>> {
        // INDEXED BY: without statistics (no ANALYZE) SQLite prefers the primary key's `chain`
        // prefix and reads the unit's whole chain (8.6 ms for a unit with 20,000 entries).
        let rows = sqlx::query(
            "SELECT chain, seq, at, actor, action, target, client, prev_hash, hash FROM audit_log \
             INDEXED BY audit_log_by_target WHERE chain = $1 AND target = $2 ORDER BY seq",
        )
        .bind(chain)
        .bind(target)
        .fetch_all(&self.reader)
        .await
        .map_err(database)?;
        rows.iter().map(audit_record).collect()
    }

    async fn audit_page(&self, after: Option<(i64, i64)>, limit: i64) -> StoreResult<Vec<AuditRecord>> {
        let (chain, seq) = after.unwrap_or((i64::MIN, 0));
        let rows = sqlx::query(
            "SELECT chain, seq, at, actor, action, target, client, prev_hash, hash FROM audit_log \
             WHERE (chain, seq) > ($1, $2) ORDER BY chain, seq LIMIT $3",
        )
        .bind(chain)
        .bind(seq)
        .bind(limit)
        .fetch_all(&self.reader)
        .await
        .map_err(database)?;
        rows.iter().map(audit_record).collect()
    }

    async fn unit_parents(&self) -> StoreResult<Vec<(i64, Option<i64>)>> {
        let rows = sqlx::query("SELECT id, parent_id FROM units ORDER BY id")
            .fetch_all(&self.reader)
            .await
            .map_err(database)?;
        rows.iter()
            .map(|row| Ok((row.try_get("id").map_err(database)?, row.try_get("parent_id").map_err(database)?)))
            .collect()
    }

    async fn create_user(&self, user: &NewUser) -> StoreResult<i64> {
        // One statement: the unique login decides, so two concurrent creations cannot both win.
        let row = sqlx::query(
            "INSERT INTO users (login, display_name, password_hash, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (login) DO NOTHING RETURNING id",
        )
        .bind(&user.login)
        .bind(&user.display_name)
        .bind(&user.password_hash)
        .bind(micros(user.created_at))
        .fetch_optional(&self.writer)
        .await
        .map_err(database)?;
        match row {
            Some(row) => row.try_get("id").map_err(database),
            None => Err(user_exists(&user.login)),
        }
    }

    async fn user_by_login(&self, login: &str) -> StoreResult<Option<UserRecord>> {
        let row = sqlx::query(AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE login = $1")))
            .bind(login)
            .fetch_optional(&self.reader)
            .await
            .map_err(database)?;
        row.as_ref().map(user_record).transpose()
    }

    async fn user_by_id(&self, id: i64) -> StoreResult<Option<UserRecord>> {
        let row = sqlx::query(AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.reader)
            .await
            .map_err(database)?;
        row.as_ref().map(user_record).transpose()
    }

    async fn list_users(&self) -> StoreResult<Vec<UserRecord>> {
        let rows = sqlx::query(AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users ORDER BY login")))
            .fetch_all(&self.reader)
            .await
            .map_err(database)?;
        rows.iter().map(user_record).collect()
    }

    async fn set_password(&self, user_id: i64, password_hash: &str) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let updated =
            sqlx::query("UPDATE users SET password_hash = $1, failed_logins = 0, locked_until = NULL WHERE id = $2")
                .bind(password_hash)
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(database)?;
        if updated.rows_affected() == 0 {
            return Err(user_not_found(user_id));
        }
        end_sessions(&mut tx, user_id).await?;
        tx.commit().await.map_err(database)
    }

    async fn set_disabled(&self, user_id: i64, disabled: bool) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let updated = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(disabled)
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(database)?;
        if updated.rows_affected() == 0 {
            return Err(user_not_found(user_id));
        }
        if disabled {
            end_sessions(&mut tx, user_id).await?;
        }
        tx.commit().await.map_err(database)
    }

    async fn add_grant(&self, user_id: i64, role: &str, unit_id: i64) -> StoreResult<bool> {
        let inserted = sqlx::query(
            "INSERT INTO user_grants (user_id, role, unit_id) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, role, unit_id) DO NOTHING",
        )
        .bind(user_id)
        .bind(role)
        .bind(unit_id)
        .execute(&self.writer)
        .await
        .map_err(database)?;
        Ok(inserted.rows_affected() == 1)
    }

    async fn remove_grant(&self, user_id: i64, role: &str, unit_id: i64) -> StoreResult<bool> {
        let deleted = sqlx::query("DELETE FROM user_grants WHERE user_id = $1 AND role = $2 AND unit_id = $3")
            .bind(user_id)
            .bind(role)
            .bind(unit_id)
            .execute(&self.writer)
            .await
            .map_err(database)?;
        Ok(deleted.rows_affected() == 1)
    }

    async fn grants_of(&self, user_id: i64) -> StoreResult<Vec<(String, i64)>> {
        let rows = sqlx::query("SELECT role, unit_id FROM user_grants WHERE user_id = $1 ORDER BY role, unit_id")
            .bind(user_id)
            .fetch_all(&self.reader)
            .await
            .map_err(database)?;
        rows.iter()
            .map(|row| Ok((row.try_get("role").map_err(database)?, row.try_get("unit_id").map_err(database)?)))
            .collect()
    }

    async fn record_login_failure(
        &self,
        user_id: i64,
        locked_until: &(dyn Fn(i64) -> Option<Timestamp> + Send + Sync),
    ) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let failures: i64 =
            sqlx::query("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(database)?
                .ok_or_else(|| user_not_found(user_id))?
                .try_get("failed_logins")
                .map_err(database)?;
        sqlx::query("UPDATE users SET locked_until = $1 WHERE id = $2")
            .bind(optional_micros(locked_until(failures)))
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(database)?;
        tx.commit().await.map_err(database)?;
        Ok(failures)
    }

    async fn record_login_success(&self, user_id: i64) -> StoreResult<()> {
        let updated = sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
            .bind(user_id)
            .execute(&self.writer)
            .await
            .map_err(database)?;
        if updated.rows_affected() == 0 {
            return Err(user_not_found(user_id));
        }
        Ok(())
    }

    async fn create_session(&self, session: &SessionRecord) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(micros(session.created_at))
            .execute(&mut *tx)
            .await
            .map_err(database)?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&session.token_hash)
        .bind(session.user_id)
        .bind(&session.csrf_token)
        .bind(micros(session.created_at))
        .bind(micros(session.expires_at))
        .execute(&mut *tx)
        .await
        .map_err(database)?;
        tx.commit().await.map_err(database)
    }

    async fn session(&self, token_hash: &str) -> StoreResult<Option<SessionRecord>> {
        let row = sqlx::query(
            "SELECT token_hash, user_id, csrf_token, created_at, expires_at FROM sessions WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.reader)
        .await
        .map_err(database)?;
        row.as_ref().map(session_record).transpose()
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.writer)
            .await
            .map_err(database)?;
        Ok(())
    }

    async fn create_token(&self, token: &NewToken) -> StoreResult<i64> {
        let roles = roles_text(&token.roles)?;
        sqlx::query(
            "INSERT INTO api_tokens (token_hash, user_id, name, roles, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&token.token_hash)
        .bind(token.user_id)
        .bind(&token.name)
        .bind(roles)
        .bind(micros(token.created_at))
        .fetch_one(&self.writer)
        .await
        .map_err(database)?
        .try_get("id")
        .map_err(database)
    }

    async fn token(&self, token_hash: &str) -> StoreResult<Option<TokenRecord>> {
        let row = sqlx::query(AssertSqlSafe(format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1")))
            .bind(token_hash)
            .fetch_optional(&self.reader)
            .await
            .map_err(database)?;
        row.as_ref().map(token_record).transpose()
    }

    async fn token_principal(&self, token_hash: &str) -> StoreResult<Option<Principal<TokenRecord>>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {PRINCIPAL_USER}, t.id AS token_id, t.name AS token_name, t.roles AS token_roles, \
             t.created_at AS token_created_at, t.revoked_at AS token_revoked_at, \
             g.role AS grant_role, g.unit_id AS grant_unit \
             FROM api_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN user_grants g ON g.user_id = u.id \
             WHERE t.token_hash = $1 ORDER BY g.role, g.unit_id"
        )))
        .bind(token_hash)
        .fetch_all(&self.reader)
        .await
        .map_err(database)?;
        let Some(first) = rows.first() else { return Ok(None) };
        let credential = TokenRecord {
            id: first.try_get("token_id").map_err(database)?,
            user_id: first.try_get("id").map_err(database)?,
            name: first.try_get("token_name").map_err(database)?,
            roles: roles_of(first.try_get("token_roles").map_err(database)?),
            created_at: instant_of(first.try_get("token_created_at").map_err(database)?)?,
            revoked_at: optional_instant(first.try_get("token_revoked_at").map_err(database)?)?,
        };
        Ok(Some(Principal { credential, user: user_record(first)?, grants: principal_grants(&rows)? }))
    }

    async fn session_principal(&self, token_hash: &str) -> StoreResult<Option<Principal<SessionRecord>>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {PRINCIPAL_USER}, s.csrf_token, s.created_at AS session_created_at, \
             s.expires_at AS session_expires_at, g.role AS grant_role, g.unit_id AS grant_unit \
             FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN user_grants g ON g.user_id = u.id \
             WHERE s.token_hash = $1 ORDER BY g.role, g.unit_id"
        )))
        .bind(token_hash)
        .fetch_all(&self.reader)
        .await
        .map_err(database)?;
        let Some(first) = rows.first() else { return Ok(None) };
        let credential = SessionRecord {
            token_hash: token_hash.to_owned(),
            user_id: first.try_get("id").map_err(database)?,
            csrf_token: first.try_get("csrf_token").map_err(database)?,
            created_at: instant_of(first.try_get("session_created_at").map_err(database)?)?,
            expires_at: instant_of(first.try_get("session_expires_at").map_err(database)?)?,
        };
        Ok(Some(Principal { credential, user: user_record(first)?, grants: principal_grants(&rows)? }))
    }

    async fn tokens_of(&self, user_id: i64) -> StoreResult<Vec<TokenRecord>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY id"
        )))
        .bind(user_id)
        .fetch_all(&self.reader)
        .await
        .map_err(database)?;
        rows.iter().map(token_record).collect()
    }

    async fn revoke_token(&self, token_id: i64, at: Timestamp) -> StoreResult<bool> {
        let updated = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(micros(at))
            .bind(token_id)
            .execute(&self.writer)
            .await
            .map_err(database)?;
        Ok(updated.rows_affected() == 1)
    }
}

async fn insert_dossier(tx: &mut SqliteConnection, unit_id: i64, state: &DossierState) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO dossiers (unit_id, code, current_unit_id, procedure, procedure_version, field, channel, status, version, \
         submitted_at, legal_due, appointment, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(unit_id)
    .bind(&state.code)
    .bind(unit_id)
    .bind(state.procedure.as_str())
    .bind(i64::from(state.procedure_version))
    .bind(&state.field)
    .bind(state.channel.as_str())
    .bind(state.status.as_str())
    .bind(state.version)
    .bind(micros(state.submitted_at))
    .bind(optional_micros(state.legal_due))
    .bind(optional_micros(state.appointment))
    .bind(serde_json::to_string(state).map_err(json_error)?)
    .execute(&mut *tx)
    .await
    .map_err(database)?;
    Ok(())
}

async fn update_dossier(
    tx: &mut SqliteConnection,
    unit_id: i64,
    current_unit_id: i64,
    state: &DossierState,
    previous_version: i64,
) -> StoreResult<()> {
    let result = sqlx::query(
        "UPDATE dossiers SET current_unit_id = $1, status = $2, version = $3, legal_due = $4, appointment = $5, state = $6 \
         WHERE unit_id = $7 AND code = $8 AND version = $9",
    )
    .bind(current_unit_id)
    .bind(state.status.as_str())
    .bind(state.version)
    .bind(optional_micros(state.legal_due))
    .bind(optional_micros(state.appointment))
    .bind(serde_json::to_string(state).map_err(json_error)?)
    .bind(unit_id)
    .bind(&state.code)
    .bind(previous_version)
    .execute(&mut *tx)
    .await
    .map_err(database)?;
    if result.rows_affected() != 1 {
        return Err(StoreError::Conflict { expected: previous_version, actual: state.version });
    }
    Ok(())
}

/// Rows per multi-row INSERT (8 columns × 1,000 rows stays under SQLite's 32,766 variables).
const BULK_ROWS: usize = 1_000;

/// Writes a bulk batch on `tx`: the statements are built (rows encoded, states serialised) while
/// SQLite runs the previous one on its own thread, so the two overlap on two cores.
async fn bulk_write(tx: &mut SqliteConnection, batch: &BulkBatch) -> StoreResult<()> {
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
async fn bulk_statements(batch: &BulkBatch, statements: mpsc::Sender<QueryBuilder<sqlx::Sqlite>>) -> StoreResult<()> {
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

/// The writer task: takes the waiting dossier writes (up to [`GROUP_LIMIT`]), runs each inside a
/// savepoint of one `BEGIN IMMEDIATE` transaction (a refused write rolls back to its savepoint
/// and nothing of it remains), commits once, and only then answers every caller. With
/// `synchronous=FULL` one disk flush covers the whole group.
async fn writer_task(mut connection: SqliteConnection, mut queue: mpsc::Receiver<Job>, procedures: ProcedureCache) {
    // The last entry of each audit chain as committed: this task is the only writer of the audit
    // log, so it need not read the head back for every write. Any failure forgets it.
    let mut committed: HashMap<i64, (i64, String)> = HashMap::new();
    while let Some(first) = queue.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < GROUP_LIMIT {
            match queue.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        if let Err(error) = sqlx::query("BEGIN IMMEDIATE").execute(&mut connection).await {
            let message = error.to_string();
            for job in jobs {
                answer_error(job, &message);
            }
            continue;
        }
        let mut staged: HashMap<i64, (i64, String)> = HashMap::new();
        let mut unit_daily: BTreeMap<UnitDayKey, [i64; 9]> = BTreeMap::new();
        let mut answers = Vec::with_capacity(jobs.len());
        for job in jobs {
            let mut heads =
                AuditHeads { committed: &committed, staged: &staged, pending: None, unit_daily: BTreeMap::new() };
            let savepoint = sqlx::query("SAVEPOINT job").execute(&mut connection).await.map_err(database);
            let answer = match (savepoint, job) {
                (Err(error), Job::Create(_, reply)) => Answer::Create(reply, Err(error)),
                (Err(error), Job::Apply(_, reply)) => Answer::Apply(reply, Err(error)),
                (Err(error), Job::Audit(_, reply)) => Answer::Audit(reply, Err(error)),
                (Ok(_), Job::Audit(entry, reply)) => {
                    Answer::Audit(reply, guarded(append_audit(&mut connection, &entry, &mut heads)).await)
                }
                (Ok(_), Job::Create(write, reply)) => {
                    Answer::Create(reply, guarded(run_create(&mut connection, *write, &mut heads)).await)
                }
                (Ok(_), Job::Apply(job, reply)) => {
                    Answer::Apply(reply, guarded(run_apply(&mut connection, &procedures, job, &mut heads)).await)
                }
            };
            let pending = heads.pending.take();
            let job_unit_daily = std::mem::take(&mut heads.unit_daily);
            let finish = if answer.is_ok() { "RELEASE job" } else { "ROLLBACK TO job; RELEASE job" };
            if let Err(error) = sqlx::raw_sql(finish).execute(&mut connection).await {
                answers.push(answer.into_error(&error.to_string()));
                continue;
            }
            if answer.is_ok() {
                if let Some((chain, head)) = pending {
                    staged.insert(chain, head);
                }
                for (key, counters) in job_unit_daily {
                    add_counters(unit_daily.entry(key).or_insert([0; 9]), &counters);
                }
            }
            answers.push(answer);
        }
        // The group's roll-ups (per unit and day, per unit and month) in one statement per key,
        // inside the same transaction: the released writes' increments, none of the rolled-back.
        let commit = match upsert_rollups(&mut connection, &unit_daily).await {
            Ok(()) => sqlx::query("COMMIT").execute(&mut connection).await.map_err(|error| error.to_string()),
            Err(error) => Err(error.to_string()),
        };
        match commit {
            Ok(_) => {
                if answers.iter().all(Answer::is_ok) {
                    committed.extend(staged);
                } else {
                    committed.clear();
                }
                answers.into_iter().for_each(Answer::send);
            }
            Err(message) => {
                let _ = sqlx::query("ROLLBACK").execute(&mut connection).await;
                committed.clear();
                answers.into_iter().for_each(|answer| answer.into_error(&message).send());
            }
        }
    }
}

/// Where the writer task knows the head of an audit chain from: this write's own append, the
/// writes released earlier in the group, the last commit, or else the database.
struct AuditHeads<'a> {
    committed: &'a HashMap<i64, (i64, String)>,
    staged: &'a HashMap<i64, (i64, String)>,
    pending: Option<(i64, (i64, String))>,
    /// This write's per-unit daily increments, merged into the group's once it is released.
    unit_daily: BTreeMap<UnitDayKey, [i64; 9]>,
}

impl AuditHeads<'_> {
    fn get(&self, chain: i64) -> Option<(i64, String)> {
        match &self.pending {
            Some((pending_chain, head)) if *pending_chain == chain => Some(head.clone()),
            _ => self.staged.get(&chain).or_else(|| self.committed.get(&chain)).cloned(),
        }
    }
}

/// Runs one write, turning a panic (a bug) into an error for that write only, so the writer task
/// and the other writes of the group carry on; the write's savepoint is then rolled back.
async fn guarded<T>(write: impl std::future::Future<Output = StoreResult<T>>) -> StoreResult<T> {
    match std::panic::AssertUnwindSafe(write).catch_unwind().await {
        Ok(result) => result,
        Err(_) => Err(StoreError::Database("internal error while writing; nothing was written".to_owned())),
    }
}

/// A job's result waiting for the group's commit.
enum Answer {
    Create(oneshot::Sender<StoreResult<(StoredDossier, bool)>>, StoreResult<(StoredDossier, bool)>),
    Apply(oneshot::Sender<StoreResult<StoredDossier>>, StoreResult<StoredDossier>),
    Audit(oneshot::Sender<StoreResult<()>>, StoreResult<()>),
}

impl Answer {
    fn is_ok(&self) -> bool {
        match self {
            Answer::Create(_, result) => result.is_ok(),
            Answer::Apply(_, result) => result.is_ok(),
            Answer::Audit(_, result) => result.is_ok(),
        }
    }

    fn into_error(self, message: &str) -> Answer {
        let error = || StoreError::Database(format!("the write was not committed: {message}"));
        match self {
            Answer::Create(reply, _) => Answer::Create(reply, Err(error())),
            Answer::Apply(reply, _) => Answer::Apply(reply, Err(error())),
            Answer::Audit(reply, _) => Answer::Audit(reply, Err(error())),
        }
    }

    fn send(self) {
        // A caller that stopped waiting (a dropped request) does not need the answer; the write
        // itself is committed either way.
        match self {
            Answer::Create(reply, result) => {
                let _ = reply.send(result);
            }
            Answer::Apply(reply, result) => {
                let _ = reply.send(result);
            }
            Answer::Audit(reply, result) => {
                let _ = reply.send(result);
            }
        }
    }
}

fn answer_error(job: Job, message: &str) {
    let error = || StoreError::Database(format!("could not start the write: {message}"));
    match job {
        Job::Create(_, reply) => {
            let _ = reply.send(Err(error()));
        }
        Job::Apply(_, reply) => {
            let _ = reply.send(Err(error()));
        }
        Job::Audit(_, reply) => {
            let _ = reply.send(Err(error()));
        }
    }
}

/// Appends an audit entry to its chain (inside the caller's transaction; the single writer keeps
/// each chain's order).
async fn append_audit(
    connection: &mut SqliteConnection,
    entry: &AuditWrite,
    heads: &mut AuditHeads<'_>,
) -> StoreResult<()> {
    let (seq, prev_hash) = match heads.get(entry.chain) {
        Some((seq, hash)) => (seq + 1, hash),
        None => {
            let last = sqlx::query("SELECT seq, hash FROM audit_log WHERE chain = $1 ORDER BY seq DESC LIMIT 1")
                .bind(entry.chain)
                .fetch_optional(&mut *connection)
                .await
                .map_err(database)?;
            match last {
                Some(row) => (
                    row.try_get::<i64, _>("seq").map_err(database)? + 1,
                    row.try_get::<String, _>("hash").map_err(database)?,
                ),
                None => (1, audit::GENESIS.to_owned()),
            }
        }
    };
    let hash = audit::entry_hash(&prev_hash, seq, entry);
    sqlx::query(
        "INSERT INTO audit_log (chain, seq, at, actor, action, target, client, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(entry.chain)
    .bind(seq)
    .bind(micros(entry.at))
    .bind(&entry.actor)
    .bind(&entry.action)
    .bind(&entry.target)
    .bind(&entry.client)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *connection)
    .await
    .map_err(database)?;
    heads.pending = Some((entry.chain, (seq, hash)));
    Ok(())
}

fn audit_of(unit_id: i64, code: &str, event: &Event, client: Option<&String>) -> AuditWrite {
    AuditWrite {
        chain: unit_id,
        at: event.at,
        actor: event.actor.clone(),
        action: event.kind.clone(),
        target: code.to_owned(),
        client: client.cloned(),
    }
}

async fn procedure_version(
    connection: &mut SqliteConnection,
    procedures: &ProcedureCache,
    code: &str,
    version: u32,
) -> StoreResult<Arc<Procedure>> {
    let key = (code.to_owned(), version);
    if let Some(found) = procedures.read().ok().and_then(|cache| cache.get(&key).cloned()) {
        return Ok(found);
    }
    let row = sqlx::query("SELECT body FROM procedures WHERE code = $1 AND version = $2")
        .bind(code)
        .bind(i64::from(version))
        .fetch_optional(&mut *connection)
        .await
        .map_err(database)?
        .ok_or_else(|| StoreError::NotFound(format!("thủ tục / procedure {code} v{version}")))?;
    let procedure: Arc<Procedure> =
        Arc::new(serde_json::from_str(row.try_get::<&str, _>("body").map_err(database)?).map_err(json_error)?);
    if let Ok(mut cache) = procedures.write() {
        cache.insert(key, procedure.clone());
    }
    Ok(procedure)
}

async fn run_create(
    tx: &mut SqliteConnection,
    write: NewDossierWrite,
    heads: &mut AuditHeads<'_>,
) -> StoreResult<(StoredDossier, bool)> {
    if let Some(key) = write.idempotency_key.as_deref() {
        let existing = sqlx::query(
            "SELECT d.unit_id, d.current_unit_id, d.state FROM intake_keys k JOIN dossiers d ON d.unit_id = k.unit_id AND d.code = k.code \
             WHERE k.unit_id = $1 AND k.key = $2",
        )
        .bind(write.unit_id)
        .bind(key)
        .fetch_optional(&mut *tx)
        .await
        .map_err(database)?;
        if let Some(row) = existing {
            return Ok((stored_dossier(&row)?, false));
        }
    }
    let sequence: i64 = sqlx::query(
        "INSERT INTO code_sequences (unit_id, day, last) VALUES ($1, $2, 1) \
         ON CONFLICT (unit_id, day) DO UPDATE SET last = last + 1 RETURNING last",
    )
    .bind(write.unit_id)
    .bind(day_number(write.day))
    .fetch_one(&mut *tx)
    .await
    .map_err(database)?
    .try_get("last")
    .map_err(database)?;
    let unit_code = domain::catalog::Code::parse(&write.unit_code).map_err(StoreError::Database)?;
    let sequence =
        u32::try_from(sequence).map_err(|_| StoreError::Database(format!("code sequence out of range: {sequence}")))?;
    let code = domain::code::dossier_code(&unit_code, write.day, sequence);
    let (state, event) = (write.build)(&code)?;
    insert_dossier(tx, write.unit_id, &state).await?;
    insert_event(tx, write.unit_id, &code, &event).await?;
    let changes = increments(write.unit_id, None, &state, &event);
    apply_increments(tx, &changes).await?;
    heads.unit_daily = app::service::unit_daily_increments(&changes);
    let applicant = &write.applicant;
    sqlx::query("INSERT INTO applicants (unit_id, code, name, id_number, phone, email, address) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(write.unit_id)
        .bind(&code)
        .bind(&applicant.name)
        .bind(&applicant.id_number)
        .bind(&applicant.phone)
        .bind(&applicant.email)
        .bind(&applicant.address)
        .execute(&mut *tx)
        .await
        .map_err(database)?;
    insert_documents(tx, write.unit_id, &code, &write.documents).await?;
    if let Some(key) = write.idempotency_key.as_deref() {
        sqlx::query("INSERT INTO intake_keys (unit_id, key, code) VALUES ($1, $2, $3)")
            .bind(write.unit_id)
            .bind(key)
            .bind(&code)
            .execute(&mut *tx)
            .await
            .map_err(database)?;
    }
    append_audit(tx, &audit_of(write.unit_id, &code, &event, write.client.as_ref()), heads).await?;
    Ok((StoredDossier { unit_id: write.unit_id, current_unit_id: write.unit_id, state }, true))
}

async fn run_apply(
    tx: &mut SqliteConnection,
    procedures: &ProcedureCache,
    job: ApplyWrite,
    heads: &mut AuditHeads<'_>,
) -> StoreResult<StoredDossier> {
    let row = sqlx::query("SELECT unit_id, current_unit_id, state FROM dossiers WHERE code = $1")
        .bind(&job.code)
        .fetch_optional(&mut *tx)
        .await
        .map_err(database)?
        .ok_or_else(|| StoreError::NotFound(format!("hồ sơ / dossier {}", job.code)))?;
    let stored = stored_dossier(&row)?;
    if let Some(expected) = job.expected_version
        && expected != stored.state.version
    {
        return Err(StoreError::Conflict { expected, actual: stored.state.version });
    }
    let procedure =
        procedure_version(tx, procedures, stored.state.procedure.as_str(), stored.state.procedure_version).await?;
    let event = (job.decide)(&stored, &procedure)?;
    let after = dossier::fold(Some(&stored.state), &event)?;
    let changes = increments(stored.unit_id, Some(&stored.state), &after, &event);
    insert_event(tx, stored.unit_id, &job.code, &event).await?;
    if let Some(issued) = &job.issued {
        insert_issued(tx, stored.unit_id, &job.code, &event, issued).await?;
    }
    let current = job.current_unit_id.unwrap_or(stored.current_unit_id);
    update_dossier(tx, stored.unit_id, current, &after, stored.state.version).await?;
    apply_increments(tx, &changes).await?;
    heads.unit_daily = app::service::unit_daily_increments(&changes);
    append_audit(tx, &audit_of(stored.unit_id, &job.code, &event, job.client.as_ref()), heads).await?;
    Ok(StoredDossier { unit_id: stored.unit_id, current_unit_id: current, state: after })
}

fn audit_record(row: &SqliteRow) -> StoreResult<AuditRecord> {
    let chain: i64 = row.try_get("chain").map_err(database)?;
    Ok(AuditRecord {
        chain,
        seq: row.try_get("seq").map_err(database)?,
        write: AuditWrite {
            chain,
            at: instant_of(row.try_get("at").map_err(database)?)?,
            actor: row.try_get("actor").map_err(database)?,
            action: row.try_get("action").map_err(database)?,
            target: row.try_get("target").map_err(database)?,
            client: row.try_get("client").map_err(database)?,
        },
        prev_hash: row.try_get("prev_hash").map_err(database)?,
        hash: row.try_get("hash").map_err(database)?,
    })
}

/// The account's columns in a principal query (aliases as [`user_record`] reads them).
const PRINCIPAL_USER: &str = "u.id, u.login, u.display_name, u.password_hash, u.disabled, u.failed_logins, \
    u.locked_until, u.created_at";

/// The grants of a principal query's rows (one row per grant; none when the LEFT JOIN found none).
fn principal_grants(rows: &[SqliteRow]) -> StoreResult<Vec<(String, i64)>> {
    let mut grants = Vec::new();
    for row in rows {
        let role: Option<String> = row.try_get("grant_role").map_err(database)?;
        let unit: Option<i64> = row.try_get("grant_unit").map_err(database)?;
        if let (Some(role), Some(unit)) = (role, unit) {
            grants.push((role, unit));
        }
    }
    Ok(grants)
}

/// The summed daily counters' select list (negated for a subtracted part of a period).
fn totals_columns(negate: bool) -> String {
    let sign = if negate { "-" } else { "" };
    DAILY_COUNTERS
        .iter()
        .map(|column| format!("{sign}COALESCE(SUM({column}), 0) AS {column}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The daily counters of a totals row, in [`DAILY_COUNTERS`] order.
fn counters_of(row: &SqliteRow) -> StoreResult<[i64; 9]> {
    let mut counters = [0_i64; 9];
    for (slot, column) in counters.iter_mut().zip(DAILY_COUNTERS) {
        *slot = row.try_get(column).map_err(database)?;
    }
    Ok(counters)
}

/// Stores the files submitted with a new dossier (inside its transaction).
async fn insert_documents(
    tx: &mut SqliteConnection,
    unit_id: i64,
    code: &str,
    documents: &[app::NewDocument],
) -> StoreResult<()> {
    use sha2::Digest;
    for (index, document) in documents.iter().enumerate() {
        sqlx::query(
            "INSERT INTO documents (unit_id, code, seq, name, content_type, size, sha256, content) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(unit_id)
        .bind(code)
        .bind(i64::try_from(index + 1).unwrap_or(i64::MAX))
        .bind(&document.name)
        .bind(&document.content_type)
        .bind(i64::try_from(document.content.len()).unwrap_or(i64::MAX))
        .bind(hex::encode(sha2::Sha256::digest(&document.content)))
        .bind(&document.content)
        .execute(&mut *tx)
        .await
        .map_err(database)?;
    }
    Ok(())
}

async fn insert_issued(
    tx: &mut SqliteConnection,
    unit_id: i64,
    code: &str,
    event: &Event,
    issued: &app::IssuedDocument,
) -> StoreResult<()> {
    app::check_issued(event, issued)?;
    sqlx::query(
        "INSERT INTO issued_documents (unit_id, code, seq, form, name, size, sha256, signatures, issued_at, content) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(unit_id)
    .bind(code)
    .bind(event.seq)
    .bind(&issued.form)
    .bind(&issued.name)
    .bind(i64::try_from(issued.content.len()).unwrap_or(i64::MAX))
    .bind(&issued.sha256)
    .bind(issued.signatures)
    .bind(micros(event.at))
    .bind(&issued.content)
    .execute(&mut *tx)
    .await
    .map_err(database)?;
    Ok(())
}

const ISSUED_COLUMNS: &str = "code, seq, form, name, size, sha256, signatures, issued_at";

fn issued_record(row: &SqliteRow) -> StoreResult<app::IssuedRecord> {
    Ok(app::IssuedRecord {
        code: row.try_get("code").map_err(database)?,
        seq: row.try_get("seq").map_err(database)?,
        form: row.try_get("form").map_err(database)?,
        name: row.try_get("name").map_err(database)?,
        size: row.try_get("size").map_err(database)?,
        sha256: row.try_get("sha256").map_err(database)?,
        signatures: row.try_get("signatures").map_err(database)?,
        issued_at: instant_of(row.try_get("issued_at").map_err(database)?)?,
    })
}

fn document_record(row: &SqliteRow) -> StoreResult<app::DocumentRecord> {
    Ok(app::DocumentRecord {
        seq: row.try_get("seq").map_err(database)?,
        name: row.try_get("name").map_err(database)?,
        content_type: row.try_get("content_type").map_err(database)?,
        size: row.try_get("size").map_err(database)?,
        sha256: row.try_get("sha256").map_err(database)?,
    })
}

/// Adds monthly counters to `stat_monthly` (multi-row upserts, in key order).
/// Adds per-unit daily counters to both roll-ups: `stat_unit_daily` and `stat_monthly`.
async fn upsert_rollups(tx: &mut SqliteConnection, unit_daily: &BTreeMap<UnitDayKey, [i64; 9]>) -> StoreResult<()> {
    for mut builder in rollup_statements(unit_daily) {
        builder.build().execute(&mut *tx).await.map_err(database)?;
    }
    Ok(())
}

/// The statements adding per-unit daily counters into `stat_unit_daily` and, summed by month,
/// into `stat_monthly`.
fn rollup_statements(unit_daily: &BTreeMap<UnitDayKey, [i64; 9]>) -> Vec<QueryBuilder<sqlx::Sqlite>> {
    let mut statements = rollup_table_statements("stat_unit_daily", "day", unit_daily);
    statements.extend(rollup_table_statements("stat_monthly", "month", &app::months_of(unit_daily)));
    statements
}

fn rollup_table_statements(
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

const USER_COLUMNS: &str = "id, login, display_name, password_hash, disabled, failed_logins, locked_until, created_at";
const TOKEN_COLUMNS: &str = "id, user_id, name, roles, created_at, revoked_at";

fn user_exists(login: &str) -> StoreError {
    StoreError::Domain(domain::DomainError::new(
        "USER_EXISTS",
        format!("tài khoản đã tồn tại / the login is taken: {login}"),
    ))
}

fn user_not_found(user_id: i64) -> StoreError {
    StoreError::NotFound(format!("tài khoản / account {user_id}"))
}

/// Ends every session of an account (inside the caller's transaction).
async fn end_sessions(tx: &mut SqliteConnection, user_id: i64) -> StoreResult<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await.map_err(database)?;
    Ok(())
}

fn optional_instant(micros: Option<i64>) -> StoreResult<Option<Timestamp>> {
    micros.map(instant_of).transpose()
}

fn user_record(row: &SqliteRow) -> StoreResult<UserRecord> {
    Ok(UserRecord {
        id: row.try_get("id").map_err(database)?,
        login: row.try_get("login").map_err(database)?,
        display_name: row.try_get("display_name").map_err(database)?,
        password_hash: row.try_get("password_hash").map_err(database)?,
        disabled: row.try_get("disabled").map_err(database)?,
        failed_logins: row.try_get("failed_logins").map_err(database)?,
        locked_until: optional_instant(row.try_get("locked_until").map_err(database)?)?,
        created_at: instant_of(row.try_get("created_at").map_err(database)?)?,
    })
}

fn session_record(row: &SqliteRow) -> StoreResult<SessionRecord> {
    Ok(SessionRecord {
        token_hash: row.try_get("token_hash").map_err(database)?,
        user_id: row.try_get("user_id").map_err(database)?,
        csrf_token: row.try_get("csrf_token").map_err(database)?,
        created_at: instant_of(row.try_get("created_at").map_err(database)?)?,
        expires_at: instant_of(row.try_get("expires_at").map_err(database)?)?,
    })
}

/// The stored form of a token's roles: their stable names, comma-separated. A name that is empty
/// or holds a comma would not read back as itself, so it is refused.
fn roles_text(roles: &[String]) -> StoreResult<String> {
    if let Some(bad) = roles.iter().find(|role| role.is_empty() || role.contains(',')) {
        return Err(StoreError::Database(format!("a role name cannot be stored: {bad:?}")));
    }
    Ok(roles.join(","))
}

fn roles_of(text: &str) -> Vec<String> {
    text.split(',').filter(|role| !role.is_empty()).map(str::to_owned).collect()
}

fn token_record(row: &SqliteRow) -> StoreResult<TokenRecord> {
    Ok(TokenRecord {
        id: row.try_get("id").map_err(database)?,
        user_id: row.try_get("user_id").map_err(database)?,
        name: row.try_get("name").map_err(database)?,
        roles: roles_of(row.try_get("roles").map_err(database)?),
        created_at: instant_of(row.try_get("created_at").map_err(database)?)?,
        revoked_at: optional_instant(row.try_get("revoked_at").map_err(database)?)?,
    })
}
