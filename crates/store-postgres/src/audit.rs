//! The audit chains on PostgreSQL.

use crate::prelude::*;

/// Appends an audit entry to its chain inside the caller's transaction. A transaction-scoped
/// advisory lock per chain keeps concurrent writers of one unit in order (released at commit).
pub(crate) async fn append_audit(connection: &mut PgConnection, entry: &AuditWrite) -> StoreResult<()> {
    pg_query("SELECT pg_advisory_xact_lock(7001, $1::INTEGER)")
        .bind(i32::try_from(entry.chain.rem_euclid(i64::from(i32::MAX))).unwrap_or(0))
        .execute(&mut *connection)
        .await
        .map_err(database)?;
    let last = pg_query("SELECT seq, hash FROM audit_log WHERE chain = $1 ORDER BY seq DESC LIMIT 1")
        .bind(entry.chain)
        .fetch_optional(&mut *connection)
        .await
        .map_err(database)?;
    let (seq, prev_hash) = match last {
        Some(row) => {
            (row.try_get::<i64, _>("seq").map_err(database)? + 1, row.try_get::<String, _>("hash").map_err(database)?)
        }
        None => (1, app::audit::GENESIS.to_owned()),
    };
    let hash = app::audit::entry_hash(&prev_hash, seq, entry);
    pg_query(
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
    Ok(())
}

#[async_trait]
impl app::AuditStore for PostgresStore {
    async fn audit_append(&self, entry: AuditWrite) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        append_audit(&mut tx, &entry).await?;
        tx.commit().await.map_err(database)
    }

    async fn audit_for_target(&self, chain: i64, target: &str) -> StoreResult<Vec<AuditRecord>> {
        let rows = pg_query(
            "SELECT chain, seq, at, actor, action, target, client, prev_hash, hash FROM audit_log \
             WHERE chain = $1 AND target = $2 ORDER BY seq",
        )
        .bind(chain)
        .bind(target)
        .fetch_all(&mut *self.session().await?)
        .await
        .map_err(database)?;
        rows.iter().map(audit_record).collect()
    }

    async fn audit_page(&self, after: Option<(i64, i64)>, limit: i64) -> StoreResult<Vec<AuditRecord>> {
        let (chain, seq) = after.unwrap_or((i64::MIN, 0));
        let rows = pg_query(
            "SELECT chain, seq, at, actor, action, target, client, prev_hash, hash FROM audit_log \
             WHERE (chain, seq) > ($1, $2) ORDER BY chain, seq LIMIT $3",
        )
        .bind(chain)
        .bind(seq)
        .bind(limit)
        .fetch_all(&mut *self.session().await?)
        .await
        .map_err(database)?;
        rows.iter().map(audit_record).collect()
    }
}
