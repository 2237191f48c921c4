//! The bulk path: dossiers computed in memory (the simulation) written in large batches.

use std::collections::BTreeMap;

use async_trait::async_trait;
use domain::dossier::{DossierState, Event};

use crate::StoreResult;
use crate::dossiers::Applicant;
use crate::statistics::Aggregates;

/// A dossier computed in memory through the domain rules (the simulation's bulk path): its final
/// projection and every event, exactly as the one-by-one path would have written them.
#[derive(Debug, Clone)]
pub struct BulkDossier {
    /// Receiving unit id.
    pub unit_id: i64,
    /// Current unit id.
    pub current_unit_id: i64,
    /// Final projection.
    pub state: DossierState,
    /// Every event.
    pub events: Vec<Event>,
    /// Personal data.
    pub applicant: Applicant,
}

/// A batch for [`Store::bulk_insert`]: dossiers, the sum of their statistics increments, and
/// the highest code sequence used per unit and day.
#[derive(Debug, Clone, Default)]
pub struct BulkBatch {
    /// Dossiers.
    pub dossiers: Vec<BulkDossier>,
    /// Their statistics, summed (added to what is stored).
    pub aggregates: Aggregates,
    /// `(unit_id, day) → last sequence` (stored as the maximum with what is there).
    pub sequences: BTreeMap<(i64, i32), i64>,
}

/// Bulk loading.
#[async_trait]
pub trait BulkStore: Send + Sync {
    /// Writes a batch computed in memory in one transaction (multi-row inserts). For loading
    /// simulated data into a database whose codes it does not collide with.
    async fn bulk_insert(&self, batch: &BulkBatch) -> StoreResult<()>;
    /// Ends a bulk load: whatever [`Store::bulk_insert`] deferred (secondary indexes, checkpoints)
    /// is done before this returns. Safe to call when nothing was deferred.
    async fn bulk_finish(&self) -> StoreResult<()> {
        Ok(())
    }
}
