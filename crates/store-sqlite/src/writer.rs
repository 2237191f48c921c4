//! The single writer task: dossier writes queued, committed in groups in one `BEGIN IMMEDIATE`
//! transaction with a savepoint each, answered only after the commit.

use crate::prelude::*;

/// Immutable procedure versions by `(code, version)`.
pub(crate) type ProcedureCache = Arc<RwLock<HashMap<(String, u32), Arc<Procedure>>>>;

/// A write for the writer task: any context's work, run inside the group's transaction through a
/// [`WriteTx`], answered after the commit. Made by [`SqliteStore::write`]; the writer task knows
/// nothing of what it writes.
pub(crate) type Job = Box<dyn Write>;

/// What the writer task sees of a job.
pub(crate) trait Write: Send {
    /// Runs the work (a panic becomes this job's error) and keeps its result for the commit.
    fn run<'t, 'w>(self: Box<Self>, tx: &'t mut WriteTx<'w>) -> BoxFuture<'t, Box<dyn Pending>>;
    /// Answers without running (the transaction or the savepoint could not start).
    fn refuse(self: Box<Self>, error: StoreError);
}

/// A job's result waiting for the group's commit.
pub(crate) trait Pending: Send {
    /// Whether the work succeeded (its savepoint is released, else rolled back).
    fn is_ok(&self) -> bool;
    /// Answers the caller: the result, or `failed` when the commit did not happen.
    fn send(self: Box<Self>, failed: Option<&str>);
}

/// What a write may do inside the writer task's transaction, whatever its context: its own
/// statements on the connection, an audit entry on its unit's chain ([`WriteTx::append_audit`])
/// and statistics increments, rolled up with the group's ([`WriteTx::roll_up`]).
pub(crate) struct WriteTx<'a> {
    /// The writer connection, inside this job's savepoint.
    pub(crate) connection: &'a mut SqliteConnection,
    /// The heads of the audit chains and this job's roll-ups.
    pub(crate) heads: AuditHeads<'a>,
    /// Immutable procedure versions.
    pub(crate) procedures: &'a ProcedureCache,
}

impl WriteTx<'_> {
    /// Appends an audit entry to its chain, in this write's transaction.
    pub(crate) async fn append_audit(&mut self, entry: &AuditWrite) -> StoreResult<()> {
        append_audit(self.connection, entry, &mut self.heads).await
    }

    /// Adds statistics increments to the group's roll-ups (written once per group, and only if
    /// this write is released).
    pub(crate) fn roll_up(&mut self, increments: &[Increment]) {
        for (key, counters) in app::service::unit_daily_increments(increments) {
            add_counters(self.heads.unit_daily.entry(key).or_insert([0; 9]), &counters);
        }
    }
}

/// A job with its result's type.
struct Typed<T, F> {
    work: F,
    reply: oneshot::Sender<StoreResult<T>>,
}

/// A result with where it goes.
struct Answer<T> {
    reply: oneshot::Sender<StoreResult<T>>,
    result: StoreResult<T>,
}

impl<T, F> Write for Typed<T, F>
where
    T: Send + 'static,
    F: for<'t, 'w> FnOnce(&'t mut WriteTx<'w>) -> BoxFuture<'t, StoreResult<T>> + Send + 'static,
{
    fn run<'t, 'w>(self: Box<Self>, tx: &'t mut WriteTx<'w>) -> BoxFuture<'t, Box<dyn Pending>> {
        let Typed { work, reply } = *self;
        Box::pin(async move {
            let result = guarded(work(tx)).await;
            Box::new(Answer { reply, result }) as Box<dyn Pending>
        })
    }

    fn refuse(self: Box<Self>, error: StoreError) {
        let _ = self.reply.send(Err(error));
    }
}

impl<T: Send> Pending for Answer<T> {
    fn is_ok(&self) -> bool {
        self.result.is_ok()
    }

    fn send(self: Box<Self>, failed: Option<&str>) {
        let result = match failed {
            Some(message) => Err(StoreError::Database(format!("the write was not committed: {message}"))),
            None => self.result,
        };
        // A caller that stopped waiting (a dropped request) does not need the answer; the write
        // itself is committed either way.
        let _ = self.reply.send(result);
    }
}

impl SqliteStore {
    /// Runs `work` on the writer task, inside a savepoint of the group's `BEGIN IMMEDIATE`
    /// transaction, and returns its result once the group is committed (or the error that kept
    /// it from being).
    pub(crate) async fn write<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'t, 'w> FnOnce(&'t mut WriteTx<'w>) -> BoxFuture<'t, StoreResult<T>> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Box::new(Typed { work, reply })).await.map_err(|_| writer_gone())?;
        answer.await.map_err(|_| writer_gone())?
    }
}

/// Most writes committed together.
pub(crate) const GROUP_LIMIT: usize = 64;

pub(crate) fn writer_gone() -> StoreError {
    StoreError::Database("the SQLite writer task stopped".to_owned())
}

/// The writer task: takes the waiting dossier writes (up to [`GROUP_LIMIT`]), runs each inside a
/// savepoint of one `BEGIN IMMEDIATE` transaction (a refused write rolls back to its savepoint
/// and nothing of it remains), commits once, and only then answers every caller. With
/// `synchronous=FULL` one disk flush covers the whole group.
pub(crate) async fn writer_task(
    mut connection: SqliteConnection,
    options: SqliteConnectOptions,
    mut queue: mpsc::Receiver<Job>,
    procedures: ProcedureCache,
) {
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
                job.refuse(StoreError::Database(format!("could not start the write: {message}")));
            }
            continue;
        }
        let mut staged: HashMap<i64, (i64, String)> = HashMap::new();
        let mut unit_daily: BTreeMap<UnitDayKey, [i64; 9]> = BTreeMap::new();
        let mut answers = Vec::with_capacity(jobs.len());
        let mut all_ok = true;
        for job in jobs {
            if let Err(error) = sqlx::query("SAVEPOINT job").execute(&mut connection).await {
                job.refuse(database(error));
                all_ok = false;
                continue;
            }
            let heads =
                AuditHeads { committed: &committed, staged: &staged, pending: None, unit_daily: BTreeMap::new() };
            let mut tx = WriteTx { connection: &mut connection, heads, procedures: &procedures };
            let answer = job.run(&mut tx).await;
            let WriteTx { heads: AuditHeads { pending, unit_daily: job_unit_daily, .. }, .. } = tx;
            let finish = if answer.is_ok() { "RELEASE job" } else { "ROLLBACK TO job; RELEASE job" };
            if let Err(error) = sqlx::raw_sql(finish).execute(&mut connection).await {
                answer.send(Some(&error.to_string()));
                all_ok = false;
                continue;
            }
            if answer.is_ok() {
                if let Some((chain, head)) = pending {
                    staged.insert(chain, head);
                }
                for (key, counters) in job_unit_daily {
                    add_counters(unit_daily.entry(key).or_insert([0; 9]), &counters);
                }
            } else {
                all_ok = false;
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
                if all_ok {
                    committed.extend(staged);
                } else {
                    committed.clear();
                }
                answers.into_iter().for_each(|answer| answer.send(None));
            }
            Err(message) => {
                // A connection whose ROLLBACK failed may still be inside the transaction, where
                // every later BEGIN would fail: it is replaced by a new one (SQLite rolls back
                // what the closed connection left uncommitted).
                if let Err(error) = sqlx::query("ROLLBACK").execute(&mut connection).await {
                    tracing::error!(%error, "the SQLite writer could not roll back; reconnecting");
                    connection = reconnect(&options).await;
                }
                committed.clear();
                answers.into_iter().for_each(|answer| answer.send(Some(&message)));
            }
        }
    }
}

/// A new writer connection, retried until the database can be opened again (the writes waiting
/// meanwhile stay queued).
async fn reconnect(options: &SqliteConnectOptions) -> SqliteConnection {
    let mut pause = Duration::from_millis(10);
    loop {
        match options.connect().await {
            Ok(connection) => return connection,
            Err(error) => {
                tracing::error!(%error, "the SQLite writer cannot reconnect; retrying");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// Where the writer task knows the head of an audit chain from: this write's own append, the
/// writes released earlier in the group, the last commit, or else the database.
pub(crate) struct AuditHeads<'a> {
    pub(crate) committed: &'a HashMap<i64, (i64, String)>,
    pub(crate) staged: &'a HashMap<i64, (i64, String)>,
    pub(crate) pending: Option<(i64, (i64, String))>,
    /// This write's per-unit daily increments, merged into the group's once it is released.
    pub(crate) unit_daily: BTreeMap<UnitDayKey, [i64; 9]>,
}

impl AuditHeads<'_> {
    pub(crate) fn get(&self, chain: i64) -> Option<(i64, String)> {
        match &self.pending {
            Some((pending_chain, head)) if *pending_chain == chain => Some(head.clone()),
            _ => self.staged.get(&chain).or_else(|| self.committed.get(&chain)).cloned(),
        }
    }
}

/// Runs one write, turning a panic (a bug) into an error for that write only, so the writer task
/// and the other writes of the group carry on; the write's savepoint is then rolled back.
pub(crate) async fn guarded<T>(write: impl std::future::Future<Output = StoreResult<T>>) -> StoreResult<T> {
    match std::panic::AssertUnwindSafe(write).catch_unwind().await {
        Ok(result) => result,
        Err(_) => Err(StoreError::Database("internal error while writing; nothing was written".to_owned())),
    }
}
