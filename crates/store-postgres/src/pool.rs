//! Connections: the pool, statement naming behind a transaction-mode pooler, read snapshots.

use crate::prelude::*;

/// Set once a store in this process connects through a transaction-mode pooler: from then on
/// every statement is sent unnamed. sqlx otherwise names its prepared statements (`sqlx_s_1`,
/// ...) and keeps them on the server connection, which a pooler such as pgbouncer in transaction
/// mode (before 1.21) hands to other clients between transactions. Process-wide because the
/// statement functions below are shared by every store; a direct store in the same process then
/// only loses its statement cache, never correctness.
pub(crate) static UNNAMED_STATEMENTS: AtomicBool = AtomicBool::new(false);

/// Whether statements may be named (prepared once per connection and cached).
pub(crate) fn named_statements() -> bool {
    !UNNAMED_STATEMENTS.load(Ordering::Relaxed)
}

/// `sqlx::query`, unnamed behind a transaction-mode pooler.
pub(crate) fn pg_query<'q>(sql: impl SqlSafeStr) -> Query<'q, Postgres, PgArguments> {
    sqlx::query(sql).persistent(named_statements())
}

/// The connection of one operation outside the store's explicit transactions. Direct: a pool
/// connection. Behind a transaction-mode pooler: a transaction, because sqlx parses a statement
/// and executes it in two round trips, and between them the pooler may move a client that is not
/// in a transaction to another server (where the unnamed statement does not exist). A read
/// session may simply be dropped (its transaction rolls back when the connection returns to the
/// pool); a write session must [`Session::end`].
pub(crate) enum Session {
    Direct(PoolConnection<Postgres>),
    Pooled(Transaction<'static, Postgres>),
}

impl Session {
    /// Commits what the session wrote (a no-op on a direct connection).
    pub(crate) async fn end(self) -> StoreResult<()> {
        match self {
            Session::Direct(_) => Ok(()),
            Session::Pooled(transaction) => transaction.commit().await.map_err(database),
        }
    }
}

impl Deref for Session {
    type Target = PgConnection;

    fn deref(&self) -> &PgConnection {
        match self {
            Session::Direct(connection) => connection,
            Session::Pooled(transaction) => transaction,
        }
    }
}

impl DerefMut for Session {
    fn deref_mut(&mut self) -> &mut PgConnection {
        match self {
            Session::Direct(connection) => connection,
            Session::Pooled(transaction) => transaction,
        }
    }
}

/// How multi-query reads start: one consistent snapshot, no writes.
pub(crate) const SNAPSHOT: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

/// Takes `pooler=transaction` out of a PostgreSQL URL (sqlx does not know it): the URL without
/// it, and whether it was there. Any other `pooler` value is refused.
pub(crate) fn pooler_parameter(url: &str) -> StoreResult<(String, bool)> {
    let Some((base, parameters)) = url.split_once('?') else {
        return Ok((url.to_owned(), false));
    };
    let mut pooled = false;
    let mut kept = Vec::new();
    for parameter in parameters.split('&').filter(|parameter| !parameter.is_empty()) {
        match parameter.split_once('=') {
            Some(("pooler", "transaction")) => pooled = true,
            Some(("pooler", other)) => {
                return Err(StoreError::Database(format!(
                    "pooler={other}: only pooler=transaction is known (session-mode poolers need no parameter)"
                )));
            }
            _ => kept.push(parameter),
        }
    }
    let url = if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) };
    Ok((url, pooled))
}
