//! The PostgreSQL backend (PostgreSQL 15+): the same schema, JSON formats and semantics as the
//! SQLite backend, with row locks instead of one serialised writer. Writes run in READ COMMITTED
//! transactions: `apply` locks the dossier row (`SELECT ... FOR UPDATE`), `create_dossier` is
//! serialised per unit and day by the code-sequence row, and the statistics rows are incremented
//! in one canonical order so that concurrent writers cannot deadlock on them. Reads that take
//! several queries run in one REPEATABLE READ READ ONLY transaction (a consistent snapshot).

mod accounts;
mod audit;
mod bulk;
mod catalogue;
mod documents;
mod dossiers;
mod pool;
mod prelude;
mod rows;
mod statistics;

use prelude::*;

/// The PostgreSQL store.
pub struct PostgresStore {
    pool: PgPool,
    procedures: RwLock<HashMap<(String, u32), Arc<Procedure>>>,
    /// Behind a transaction-mode pooler (`pooler=transaction` in the URL): see [`Session`].
    pooled: bool,
}

impl PostgresStore {
    /// [`statistics::select_grouped_sums`] in one read transaction (one snapshot).
    async fn grouped_sums(&self, group: &'static str, from: Date, to: Date) -> StoreResult<Vec<PgRow>> {
        let mut transaction = self.snapshot().await?;
        let rows = select_grouped_sums(&mut transaction, group, from, to).await?;
        transaction.commit().await.map_err(database)?;
        Ok(rows)
    }

    /// Connects to the database at `url` (`postgres://user@host:port/database`). With
    /// `pooler=transaction` among the URL's parameters the server is reached through a
    /// transaction-mode pooler (pgbouncer): every operation then runs inside a transaction and
    /// no statement is named, so nothing is left on a server connection between transactions.
    /// Migrations take a session lock: run them against PostgreSQL directly, not the pooler.
    pub async fn connect(url: &str) -> StoreResult<PostgresStore> {
        let (url, pooled) = pooler_parameter(url)?;
        // No JIT: every statement here reads or writes a handful of rows, but a generic plan's
        // row estimate can pass JIT's cost threshold and then compiling costs ~0.5 s (seen on the
        // dossier pages of a 5-million-dossier database). Behind pgbouncer this startup option is
        // dropped: set `jit = off` on the database there (ALTER DATABASE ... SET jit = off).
        let mut options = PgConnectOptions::from_str(&url).map_err(database)?.options([("jit", "off")]);
        if pooled {
            UNNAMED_STATEMENTS.store(true, Ordering::Relaxed);
            options = options.statement_cache_capacity(0);
        }
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(database)?;
        Ok(PostgresStore { pool, procedures: RwLock::new(HashMap::new()), pooled })
    }

    async fn session(&self) -> StoreResult<Session> {
        if self.pooled {
            Ok(Session::Pooled(self.pool.begin().await.map_err(database)?))
        } else {
            Ok(Session::Direct(self.pool.acquire().await.map_err(database)?))
        }
    }

    async fn begin(&self) -> StoreResult<Transaction<'static, Postgres>> {
        self.pool.begin().await.map_err(database)
    }

    async fn snapshot(&self) -> StoreResult<Transaction<'static, Postgres>> {
        self.pool.begin_with(SNAPSHOT).await.map_err(database)
    }

    /// A procedure version, from the cache or read on `connection` (the caller's transaction, so
    /// that a writer holding a connection never waits for a second one from the pool).
    async fn procedure_version_in(
        &self,
        connection: &mut PgConnection,
        code: &str,
        version: u32,
    ) -> StoreResult<Arc<Procedure>> {
        let key = (code.to_owned(), version);
        if let Some(found) = self.procedures.read().ok().and_then(|cache| cache.get(&key).cloned()) {
            return Ok(found);
        }
        let row = pg_query("SELECT body FROM procedures WHERE code = $1 AND version = $2")
            .bind(code)
            .bind(i64::from(version))
            .fetch_optional(&mut *connection)
            .await
            .map_err(database)?
            .ok_or_else(|| StoreError::NotFound(format!("thủ tục / procedure {code} v{version}")))?;
        let procedure: Arc<Procedure> =
            Arc::new(serde_json::from_str(column::<&str>(&row, "body")?).map_err(json_error)?);
        if let Ok(mut cache) = self.procedures.write() {
            cache.insert(key, procedure.clone());
        }
        Ok(procedure)
    }
}

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn migrate(&self) -> StoreResult<()> {
        sqlx::migrate!("./migrations").run(&self.pool).await.map_err(|error| StoreError::Database(error.to_string()))
    }

    async fn setting_or_insert(&self, name: &str, value: &str) -> StoreResult<String> {
        let mut session = self.session().await?;
        pg_query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(value)
            .execute(&mut *session)
            .await
            .map_err(database)?;
        session.end().await?;
        let row = pg_query("SELECT value FROM settings WHERE name = $1")
            .bind(name)
            .fetch_one(&mut *self.session().await?)
            .await
            .map_err(database)?;
        row.try_get("value").map_err(database)
    }
}
