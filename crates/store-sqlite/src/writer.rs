//! The single writer task: dossier writes queued, committed in groups in one `BEGIN IMMEDIATE`
//! transaction with a savepoint each, answered only after the commit.

use crate::prelude::*;

/// Immutable procedure versions by `(code, version)`.
pub(crate) type ProcedureCache = Arc<RwLock<HashMap<(String, u32), Arc<Procedure>>>>;

/// A dossier write for the writer task, with where to send its result.
pub(crate) enum Job {
    Create(Box<NewDossierWrite>, oneshot::Sender<StoreResult<(StoredDossier, bool)>>),
    Apply(ApplyWrite, oneshot::Sender<StoreResult<StoredDossier>>),
    Audit(AuditWrite, oneshot::Sender<StoreResult<()>>),
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
                // A connection whose ROLLBACK failed may still be inside the transaction, where
                // every later BEGIN would fail: it is replaced by a new one (SQLite rolls back
                // what the closed connection left uncommitted).
                if let Err(error) = sqlx::query("ROLLBACK").execute(&mut connection).await {
                    tracing::error!(%error, "the SQLite writer could not roll back; reconnecting");
                    connection = reconnect(&options).await;
                }
                committed.clear();
                answers.into_iter().for_each(|answer| answer.into_error(&message).send());
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

/// A job's result waiting for the group's commit.
pub(crate) enum Answer {
    Create(oneshot::Sender<StoreResult<(StoredDossier, bool)>>, StoreResult<(StoredDossier, bool)>),
    Apply(oneshot::Sender<StoreResult<StoredDossier>>, StoreResult<StoredDossier>),
    Audit(oneshot::Sender<StoreResult<()>>, StoreResult<()>),
}

impl Answer {
    pub(crate) fn is_ok(&self) -> bool {
        match self {
            Answer::Create(_, result) => result.is_ok(),
            Answer::Apply(_, result) => result.is_ok(),
            Answer::Audit(_, result) => result.is_ok(),
        }
    }

    pub(crate) fn into_error(self, message: &str) -> Answer {
        let error = || StoreError::Database(format!("the write was not committed: {message}"));
        match self {
            Answer::Create(reply, _) => Answer::Create(reply, Err(error())),
            Answer::Apply(reply, _) => Answer::Apply(reply, Err(error())),
            Answer::Audit(reply, _) => Answer::Audit(reply, Err(error())),
        }
    }

    pub(crate) fn send(self) {
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

pub(crate) fn answer_error(job: Job, message: &str) {
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
