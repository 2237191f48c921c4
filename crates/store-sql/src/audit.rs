//! Audit entries as stored.

use app::audit::{AuditRecord, AuditWrite};
use app::{StoreResult, instant_of};
use domain::dossier::Event;

use crate::Columns;

/// An audit entry of a row of `audit_log`.
pub fn audit_record(row: &impl Columns) -> StoreResult<AuditRecord> {
    let chain: i64 = row.column("chain")?;
    Ok(AuditRecord {
        chain,
        seq: row.column("seq")?,
        write: AuditWrite {
            chain,
            at: instant_of(row.column("at")?)?,
            actor: row.column("actor")?,
            action: row.column("action")?,
            target: row.column("target")?,
            client: row.column("client")?,
        },
        prev_hash: row.column("prev_hash")?,
        hash: row.column("hash")?,
    })
}

/// The audit entry of a dossier event.
pub fn audit_of(unit_id: i64, code: &str, event: &Event, client: Option<&String>) -> AuditWrite {
    AuditWrite {
        chain: unit_id,
        at: event.at,
        actor: event.actor.clone(),
        action: event.kind.clone(),
        target: code.to_owned(),
        client: client.cloned(),
    }
}
