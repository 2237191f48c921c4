//! The SQLite backend: the embedded default. WAL journal with `synchronous=FULL` (a commit is on
//! disk before it is acknowledged, so an accepted dossier survives a power loss, not only a crash),
//! one writer connection (writes are serialised in the process and start with `BEGIN IMMEDIATE`,
//! so they never fail with SQLITE_BUSY half-way) and a pool of readers.

mod accounts;
mod audit;
mod bulk;
mod catalogue;
mod documents;
mod dossiers;
mod prelude;
mod statistics;
mod writer;

use prelude::*;

pub use bulk::DEFERRED_INDEXES;

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

impl SqliteStore {
    /// [`statistics::select_grouped_sums`] in one read transaction (one snapshot).
    async fn grouped_sums(&self, group: &'static str, from: Date, to: Date) -> StoreResult<Vec<SqliteRow>> {
        let mut transaction = self.reader.begin().await.map_err(database)?;
        let rows = select_grouped_sums(&mut transaction, group, from, to).await?;
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
        tokio::spawn(writer_task(connection, options.clone(), queue, procedures.clone()));
        Ok(SqliteStore { writer, reader, jobs, procedures, options, bulk: tokio::sync::Mutex::default() })
    }

    async fn begin(&self) -> StoreResult<Transaction<'static, sqlx::Sqlite>> {
        self.writer.begin_with("BEGIN IMMEDIATE").await.map_err(database)
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn migrate(&self) -> StoreResult<()> {
        renumber_migrations(&self.writer).await?;
        sqlx::migrate!("./migrations")
            .run(&self.writer)
            .await
            .map_err(|error| StoreError::Database(error.to_string()))?;
        let mut connection = self.writer.acquire().await.map_err(database)?;
        ensure_deferred_indexes(&mut connection).await
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
}

/// Databases migrated before the two backends' version numbers were aligned recorded
/// `unit_daily` as version 8 and `issued` as 9; they are 9 and 10 now (8 is PostgreSQL's
/// distributable change, a no-op here). Moves those rows up, in one transaction, so the migrator
/// sees them applied under their new numbers (their checksums are unchanged) and applies 8.
async fn renumber_migrations(pool: &SqlitePool) -> StoreResult<()> {
    let mut tx = pool.begin().await.map_err(database)?;
    let old_layout: Option<(i64,)> = sqlx::query_as(
        "SELECT version FROM _sqlx_migrations WHERE version = 8 AND description = 'unit daily' \
         AND EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
    )
    .fetch_optional(&mut *tx)
    .await
    .or_else(|error| match &error {
        // A new database has no migrations table yet.
        sqlx::Error::Database(inner) if inner.message().contains("no such table") => Ok(None),
        _ => Err(error),
    })
    .map_err(database)?;
    if old_layout.is_some() {
        for (from, to) in [(9, 10), (8, 9)] {
            sqlx::query("UPDATE _sqlx_migrations SET version = $1 WHERE version = $2")
                .bind(to)
                .bind(from)
                .execute(&mut *tx)
                .await
                .map_err(database)?;
        }
    }
    tx.commit().await.map_err(database)
}
