//! [`Store`]: one value that serves every context's storage.

use async_trait::async_trait;

use crate::accounts::AccountStore;
use crate::audit::AuditStore;
use crate::bulk::BulkStore;
use crate::catalogue::CatalogueStore;
use crate::documents::DocumentStore;
use crate::dossiers::DossierStore;
use crate::error::StoreResult;
use crate::statistics::StatisticsStore;

/// The storage interface: the sum of every context's storage trait, so that one value serves
/// them all. Every write is one transaction: the event is appended together with the
/// projection and the statistics it changes, or nothing is written.
#[async_trait]
pub trait Store:
    CatalogueStore + DossierStore + DocumentStore + StatisticsStore + AuditStore + AccountStore + BulkStore + Send + Sync
{
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// Runs the embedded migrations.
    async fn migrate(&self) -> StoreResult<()>;
    /// The value of a server setting, storing `value` first if there is none (first writer wins).
    async fn setting_or_insert(&self, name: &str, value: &str) -> StoreResult<String>;
}
