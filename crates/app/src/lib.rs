//! The application layer of motcua, one module per bounded context: each holds the context's
//! records, its storage trait (implemented by the SQLite and PostgreSQL backends) and its part of
//! the [`service::Service`] that handlers call. [`Store`] is the sum of the storage traits, so one
//! backend value serves every context; `use app::prelude::*` brings their methods into scope.
//!
//! Contexts: [`catalogue`], [`dossiers`], [`documents`], [`statistics`], [`audit`],
//! [`accounts`] (with [`accounts::auth`]), and the [`bulk`] path of the simulation. [`access`]
//! is the policy every context asks; [`check`] recomputes what is stored from the events.
//!
//! Conventions shared by both backends (so data can move between them): instants are stored as
//! BIGINT microseconds since the Unix epoch (UTC); civil days as INTEGER day numbers since
//! 1970-01-01 (Asia/Ho_Chi_Minh civil dates); large tables are keyed by `(unit_id, ...)`.

pub mod access;
pub mod accounts;
pub mod audit;
pub mod bulk;
pub mod catalogue;
pub mod check;
pub mod documents;
pub mod dossiers;
pub mod error;
pub mod service;
pub mod statistics;
pub mod store;
pub mod stored;

pub use accounts::AccountStore;
pub use audit::AuditStore;
pub use bulk::{BulkBatch, BulkDossier, BulkStore};
pub use catalogue::{CatalogueStore, ImportReport, UnitRecord};
pub use documents::{DocumentRecord, DocumentStore, IssuedDocument, IssuedRecord, NewDocument, check_issued};
pub use dossiers::{
    Applicant, ApplyWrite, BuildDossier, DecideEvent, DossierRecord, DossierStore, NewDossierWrite, QueueQuery,
    SqlValue, StoredDossier,
};
pub use error::{StoreError, StoreResult};
pub use statistics::{
    Aggregates, ClosedKey, DAILY_COUNTERS, DayKey, MonthKey, PeriodPart, StatisticsStore, StatsQuery, StepKey,
    StepStat, UnitDayKey, add_counters, first_day_of_month, month_of_day, monthly_of, months_of, nonzero_totals,
    split_period, unit_daily_of,
};
pub use store::Store;
pub use stored::{date_of_day, day_number, instant_of, micros, stored_precision};

/// Every storage trait, for `use app::prelude::*` where a [`Store`] is called.
pub mod prelude {
    pub use crate::{
        AccountStore, AuditStore, BulkStore, CatalogueStore, DocumentStore, DossierStore, StatisticsStore, Store,
    };
}
