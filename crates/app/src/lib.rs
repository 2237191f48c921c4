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
pub mod service;
pub mod statistics;

use async_trait::async_trait;
use domain::DomainError;
use domain::catalog::CatalogError;
use jiff::Timestamp;
use jiff::civil::Date;

pub use accounts::AccountStore;
pub use audit::AuditStore;
pub use bulk::{BulkBatch, BulkDossier, BulkStore};
pub use catalogue::{CatalogueStore, ImportReport, UnitRecord};
pub use documents::{DocumentRecord, DocumentStore, IssuedDocument, IssuedRecord, NewDocument, check_issued};
pub use dossiers::{
    Applicant, ApplyWrite, BuildDossier, DecideEvent, DossierRecord, DossierStore, NewDossierWrite, QueueQuery,
    SqlValue, StoredDossier,
};
pub use statistics::{
    Aggregates, ClosedKey, DAILY_COUNTERS, DayKey, MonthKey, PeriodPart, StatisticsStore, StatsQuery, StepKey,
    StepStat, UnitDayKey, add_counters, first_day_of_month, month_of_day, monthly_of, months_of, nonzero_totals,
    split_period, unit_daily_of,
};

/// Every storage trait, for `use app::prelude::*` where a [`Store`] is called.
pub mod prelude {
    pub use crate::{
        AccountStore, AuditStore, BulkStore, CatalogueStore, DocumentStore, DossierStore, StatisticsStore, Store,
    };
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A domain rule refused the operation; nothing was written.
    #[error("{0}")]
    Domain(#[from] DomainError),
    /// A catalogue file was refused; nothing was imported.
    #[error("{0}")]
    Catalog(#[from] CatalogError),
    /// The thing asked for does not exist.
    #[error("không tìm thấy / not found: {0}")]
    NotFound(String),
    /// Optimistic concurrency: the dossier changed since the client read it.
    #[error(
        "hồ sơ đã được cập nhật (phiên bản {actual}), vui lòng tải lại / the dossier changed (version {actual}, expected {expected}); reload it"
    )]
    Conflict {
        /// The version the client expected.
        expected: i64,
        /// The current version.
        actual: i64,
    },
    /// Who is asking is unknown, or the log-in failed (a stable code: `LOGIN_FAILED`,
    /// `ACCOUNT_LOCKED`, `ACCOUNT_DISABLED`, ...).
    #[error("{0}")]
    Unauthenticated(DomainError),
    /// The actor's roles do not allow this (on this unit).
    #[error("không có quyền / not allowed: {0}")]
    Forbidden(String),
    /// The database failed.
    #[error("lỗi cơ sở dữ liệu / database error: {0}")]
    Database(String),
    /// The document a transition issues could not be rendered or signed (missing or expired
    /// keys, a template fault); nothing was written. A stable code: `SIGNING_KEYS_MISSING`,
    /// `CERTIFICATE_EXPIRED`, `DOCUMENT_RENDER_FAILED`, ...
    #[error("không phát hành được văn bản / the document could not be issued: {message}")]
    Issuing {
        /// Stable code.
        code: &'static str,
        /// What went wrong (no personal data).
        message: String,
    },
}

impl StoreError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Domain(error) => error.code,
            StoreError::Catalog(_) => "CATALOG_INVALID",
            StoreError::NotFound(_) => "NOT_FOUND",
            StoreError::Conflict { .. } => "DOSSIER_VERSION_CONFLICT",
            StoreError::Forbidden(_) => "ACCESS_DENIED",
            StoreError::Unauthenticated(error) => error.code,
            StoreError::Database(_) => "DATABASE_ERROR",
            StoreError::Issuing { code, .. } => code,
        }
    }
}

/// Result alias.
pub type StoreResult<T> = Result<T, StoreError>;

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

/// Days since 1970-01-01 of a civil date (the stored form of days).
pub fn day_number(date: Date) -> i32 {
    let epoch = jiff::civil::date(1970, 1, 1);
    date.since((jiff::Unit::Day, epoch)).map(|span| span.get_days()).unwrap_or(0)
}

/// The civil date of a stored day number.
pub fn date_of_day(day: i32) -> Date {
    jiff::civil::date(1970, 1, 1)
        .checked_add(jiff::Span::new().days(i64::from(day)))
        .unwrap_or(jiff::civil::date(1970, 1, 1))
}

/// Stored form of an instant.
pub fn micros(instant: Timestamp) -> i64 {
    instant.as_microsecond()
}

/// An instant from its stored form.
pub fn instant_of(micros: i64) -> StoreResult<Timestamp> {
    Timestamp::from_microsecond(micros).map_err(|error| StoreError::Database(format!("bad instant {micros}: {error}")))
}
