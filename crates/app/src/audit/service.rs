//! The audit trail in the service: reads of personal data recorded, trails shown, chains verified.

use crate::StoreResult;
use crate::access::{Action, Actor};
use crate::service::stored_precision;
use jiff::Timestamp;

use super::*;
use crate::service::Service;

impl Service {
    /// Records a read of a dossier's personal data in the audit trail.
    pub async fn record_read(
        &self,
        unit_id: i64,
        code: &str,
        actor: &str,
        client: Option<String>,
        at: Timestamp,
    ) -> StoreResult<()> {
        let entry = crate::audit::AuditWrite {
            chain: unit_id,
            at: stored_precision(at),
            actor: actor.to_owned(),
            action: "read_personal_data".to_owned(),
            target: code.to_owned(),
            client,
        };
        self.store.audit_append(entry).await
    }

    /// A page of a unit's audit chain: up to `limit` entries after sequence number `after_seq`,
    /// for an actor allowed to read that unit's audit trail.
    pub async fn audit_trail(
        &self,
        unit_id: i64,
        after_seq: i64,
        limit: i64,
        actor: &Actor,
    ) -> StoreResult<Vec<crate::audit::AuditRecord>> {
        self.authorize(actor, Action::ReadAudit, &[unit_id], "nhật ký kiểm toán / the audit trail").await?;
        let page = self.store.audit_page(Some((unit_id, after_seq)), limit.clamp(1, 5_000)).await?;
        Ok(page.into_iter().take_while(|record| record.chain == unit_id).collect())
    }

    /// Walks every audit chain and recomputes every hash; reports the first broken entry.
    pub async fn audit_verify(&self) -> StoreResult<AuditReport> {
        let mut report = AuditReport { entries: 0, chains: 0, first_broken: None };
        let mut state: Option<(i64, i64, String)> = None;
        let mut after: Option<(i64, i64)> = None;
        loop {
            let page = self.store.audit_page(after, 5_000).await?;
            let Some(last) = page.last() else { break };
            after = Some((last.chain, last.seq));
            for record in &page {
                if state.as_ref().is_none_or(|(chain, _, _)| *chain != record.chain) {
                    report.chains += 1;
                }
                report.entries += 1;
                if let Err(broken) = crate::audit::verify_next(&mut state, record) {
                    report.first_broken = Some(broken);
                    return Ok(report);
                }
            }
        }
        Ok(report)
    }
}
