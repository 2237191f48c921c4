//! The storage boundary of motcua: the [`Store`] trait that the SQLite and PostgreSQL backends
//! implement, its error type, and the [`service`] that runs domain commands through a store.
//!
//! Conventions shared by both backends (so data can move between them): instants are stored as
//! BIGINT microseconds since the Unix epoch (UTC); civil days as INTEGER day numbers since
//! 1970-01-01 (Asia/Ho_Chi_Minh civil dates); large tables are keyed by `(unit_id, ...)`.

pub mod access;
pub mod accounts;
pub mod audit;
pub mod auth;
pub mod service;

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use domain::DomainError;
use domain::catalog::{Catalog, CatalogError, Procedure, UnitKind};
use domain::dossier::{DossierState, Event};
use domain::stats::PeriodSums;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

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

/// A unit as stored: the catalogue's unit with its surrogate id and structure dates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitRecord {
    /// Surrogate id (stable for a `(structure, code)` pair).
    pub id: i64,
    /// Structure id.
    pub structure: String,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: UnitKind,
    /// Parent unit id.
    pub parent_id: Option<i64>,
    /// Title of the head.
    pub head: String,
    /// First day of the structure.
    pub effective_from: Date,
    /// Last day of the structure.
    pub effective_to: Option<Date>,
}

/// Personal data of the applicant. Stored apart from events; never logged or published.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Applicant {
    /// Full name.
    pub name: String,
    /// Citizen ID number.
    pub id_number: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Address.
    pub address: Option<String>,
}

impl std::fmt::Debug for Applicant {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Applicant { .. redacted .. }")
    }
}

/// A dossier's projection with its owning unit.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDossier {
    /// Receiving unit id.
    pub unit_id: i64,
    /// Current unit id.
    pub current_unit_id: i64,
    /// The projection.
    pub state: DossierState,
}

/// A page of a unit's work queue: dossiers held by the unit in one status, in due order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueQuery {
    /// The unit holding the dossiers (current unit).
    pub unit_id: i64,
    /// The status.
    pub status: domain::dossier::Status,
    /// Continue after this key (from [`QueueQuery::key_of`] of the last row of the previous page).
    pub after: Option<(i64, String)>,
    /// Page size.
    pub limit: i64,
    /// Only this procedure (code).
    pub procedure: Option<String>,
    /// Only dossiers that came through this channel.
    pub channel: Option<domain::dossier::Channel>,
    /// Only dossiers due at or before this instant in microseconds (appointment-ordered statuses:
    /// a bound on the index range, as cheap as no filter).
    pub due_by: Option<i64>,
}

/// A value bound to a [`QueueQuery::statement`] placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlValue {
    /// An integer.
    Int(i64),
    /// A text.
    Text(String),
}

impl QueueQuery {
    /// The first page of a unit's queue in one status, unfiltered.
    pub fn new(unit_id: i64, status: domain::dossier::Status, limit: i64) -> QueueQuery {
        QueueQuery { unit_id, status, after: None, limit, procedure: None, channel: None, due_by: None }
    }

    /// The SELECT of this page (portable SQL with `$n` placeholders, for both backends) and its
    /// values in placeholder order. Every fragment is a constant; input only ever goes to a
    /// placeholder. The page is one range of the `(current_unit_id, status, appointment |
    /// submitted_at, code)` index; the procedure and channel filters are checked on the rows of
    /// that range, so their cost is bounded by the unit's open queue in that status, never by
    /// the table.
    pub fn statement(&self) -> (String, Vec<SqlValue>) {
        let order = if QueueQuery::by_submission(self.status) { "submitted_at" } else { "appointment" };
        let mut sql = String::from(
            "SELECT unit_id, current_unit_id, state FROM dossiers WHERE current_unit_id = $1 AND status = $2",
        );
        let mut values = vec![SqlValue::Int(self.unit_id), SqlValue::Text(self.status.as_str().to_owned())];
        let mut push = |sql: &mut String, fragment: &str, value: SqlValue| {
            values.push(value);
            sql.push_str(&fragment.replace('?', &format!("${}", values.len())));
        };
        if let Some((instant, code)) = &self.after {
            push(&mut sql, &format!(" AND ({order}, code) > (?"), SqlValue::Int(*instant));
            push(&mut sql, ", ?)", SqlValue::Text(code.clone()));
        }
        if let Some(due_by) = self.due_by.filter(|_| order == "appointment") {
            push(&mut sql, " AND appointment <= ?", SqlValue::Int(due_by));
        }
        if let Some(procedure) = &self.procedure {
            push(&mut sql, " AND procedure = ?", SqlValue::Text(procedure.clone()));
        }
        if let Some(channel) = self.channel {
            push(&mut sql, " AND channel = ?", SqlValue::Text(channel.as_str().to_owned()));
        }
        push(&mut sql, &format!(" ORDER BY {order}, code LIMIT ?"), SqlValue::Int(self.limit));
        (sql, values)
    }

    /// Whether the queue is ordered by submission (awaiting intake) rather than by appointment.
    pub fn by_submission(status: domain::dossier::Status) -> bool {
        matches!(status, domain::dossier::Status::Submitted | domain::dossier::Status::IntakeSupplementRequested)
    }

    /// The keyset key of a row: (submission or appointment in microseconds, code).
    pub fn key_of(&self, dossier: &StoredDossier) -> (i64, String) {
        let instant = if QueueQuery::by_submission(self.status) {
            dossier.state.submitted_at
        } else {
            dossier.state.appointment.unwrap_or(dossier.state.submitted_at)
        };
        (micros(instant), dossier.state.code.clone())
    }
}

/// A dossier with its history and applicant.
#[derive(Debug, Clone, PartialEq)]
pub struct DossierRecord {
    /// The projection.
    pub dossier: StoredDossier,
    /// Every event, in order.
    pub events: Vec<Event>,
    /// The applicant (personal data).
    pub applicant: Applicant,
}

/// What a catalogue import wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Structures inserted or updated.
    pub structures: usize,
    /// Units inserted or updated.
    pub units: usize,
    /// Procedure versions inserted or updated.
    pub procedures: usize,
}

/// The question a statistics query answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsQuery {
    /// Receiving unit id.
    pub unit_id: i64,
    /// Only this field (lĩnh vực).
    pub field: Option<String>,
    /// Only this procedure code.
    pub procedure: Option<String>,
    /// First day of the period.
    pub from: Date,
    /// Last day of the period.
    pub to: Date,
}

/// Step-level time against budget for one procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepStat {
    /// Procedure code.
    pub procedure: String,
    /// Step index.
    pub step: u32,
    /// Completed steps.
    pub count: i64,
    /// Office seconds spent in total.
    pub spent_seconds: i64,
    /// Steps over their budget.
    pub over_budget: i64,
}

/// Key of a daily or due-opened aggregate: `(unit, procedure, field, day)`.
pub type DayKey = (i64, String, String, i32);
/// Key of a due-closed aggregate: `(unit, procedure, field, close_day, due_day)`.
pub type ClosedKey = (i64, String, String, i32, i32);
/// Key of a step aggregate: `(unit, procedure, step, day)`.
pub type StepKey = (i64, String, u32, i32);

/// Every maintained aggregate, in a canonical form (for `check`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Aggregates {
    /// `(unit, procedure, field, day)` → the nine daily counters (see [`DAILY_COUNTERS`]).
    pub daily: BTreeMap<DayKey, [i64; 9]>,
    /// `(unit, procedure, field, due_day)` → due instants opened.
    pub due_opened: BTreeMap<DayKey, i64>,
    /// `(unit, procedure, field, close_day, due_day)` → due instants closed.
    pub due_closed: BTreeMap<ClosedKey, i64>,
    /// `(unit, procedure, step, day)` → (count, spent seconds, over budget).
    pub steps: BTreeMap<StepKey, (i64, i64, i64)>,
    /// `(unit, field, month)` → the daily counters summed over the month: a roll-up of `daily`
    /// kept in the same transaction, so that a year's board reads months, not days. Backends
    /// derive it from `daily` when they write; `check` compares it with the recount.
    pub monthly: BTreeMap<MonthKey, [i64; 9]>,
    /// `(unit, field, day)` → the daily counters summed over the unit's procedures: the roll-up
    /// the board reads for the days at a period's edges (a few hundred rows a day instead of
    /// thousands), kept like `monthly`.
    pub unit_daily: BTreeMap<UnitDayKey, [i64; 9]>,
}

/// `(unit, field, month)` with months numbered `year * 12 + month - 1`.
pub type MonthKey = (i64, String, i32);
/// `(unit, field, day)`.
pub type UnitDayKey = (i64, String, i32);

/// The month number of a day number (`year * 12 + month - 1`).
pub fn month_of_day(day: i32) -> i32 {
    let date = date_of_day(day);
    i32::from(date.year()) * 12 + i32::from(date.month()) - 1
}

/// The first day number of a month number.
pub fn first_day_of_month(month: i32) -> i32 {
    let (year, month) = (month.div_euclid(12), month.rem_euclid(12) + 1);
    let year = i16::try_from(year).unwrap_or(i16::MAX);
    let month = i8::try_from(month).unwrap_or(1);
    jiff::civil::Date::new(year, month, 1).map(day_number).unwrap_or(0)
}

/// The monthly roll-up of daily counters.
pub fn monthly_of(daily: &BTreeMap<DayKey, [i64; 9]>) -> BTreeMap<MonthKey, [i64; 9]> {
    months_of(&unit_daily_of(daily))
}

/// The per-unit daily roll-up of daily counters (the procedure summed out).
pub fn unit_daily_of(daily: &BTreeMap<DayKey, [i64; 9]>) -> BTreeMap<UnitDayKey, [i64; 9]> {
    let mut unit_daily: BTreeMap<UnitDayKey, [i64; 9]> = BTreeMap::new();
    for ((unit, _, field, day), counters) in daily {
        add_counters(unit_daily.entry((*unit, field.clone(), *day)).or_insert([0; 9]), counters);
    }
    unit_daily
}

/// The monthly roll-up of per-unit daily counters (both roll-ups of a write come from its
/// per-unit daily increments).
pub fn months_of(unit_daily: &BTreeMap<UnitDayKey, [i64; 9]>) -> BTreeMap<MonthKey, [i64; 9]> {
    let mut monthly: BTreeMap<MonthKey, [i64; 9]> = BTreeMap::new();
    for ((unit, field, day), counters) in unit_daily {
        add_counters(monthly.entry((*unit, field.clone(), month_of_day(*day))).or_insert([0; 9]), counters);
    }
    monthly
}

/// Adds counters into a running total.
pub fn add_counters(total: &mut [i64; 9], counters: &[i64; 9]) {
    for (slot, counter) in total.iter_mut().zip(counters) {
        *slot += counter;
    }
}

/// A piece of a period to sum: a range of whole months from the monthly roll-up or a range of
/// days from the per-unit daily roll-up, added or subtracted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodPart {
    /// Months (`stat_monthly.month`) rather than days (`stat_unit_daily.day`).
    pub monthly: bool,
    /// First month or day number.
    pub first: i32,
    /// Last month or day number (inclusive).
    pub last: i32,
    /// Subtracted rather than added.
    pub subtract: bool,
}

impl PeriodPart {
    fn months(first: i32, last: i32) -> PeriodPart {
        PeriodPart { monthly: true, first, last, subtract: false }
    }

    fn days(first: i32, last: i32, subtract: bool) -> PeriodPart {
        PeriodPart { monthly: false, first, last, subtract }
    }
}

/// How a period splits for summing, reading as few daily rows as possible: whole months come
/// from the monthly roll-up; a month the period covers only in part is either its days inside
/// the period, or the whole month minus its days outside, whichever reads fewer days that can
/// hold data — days after `today` hold none yet, so a period ending today, the usual case, reads
/// the month's row and subtracts empty days. `today` only steers that choice: the parts always
/// add up to the period exactly. At most one month range and four day ranges; empty when
/// `from > to`.
pub fn split_period(from: i32, to: i32, today: i32) -> Vec<PeriodPart> {
    if from > to {
        return Vec::new();
    }
    let (first_month, last_month) = (month_of_day(from), month_of_day(to));
    let mut months: Option<(i32, i32)> = None;
    let mut days = Vec::new();
    for month in first_month..=last_month {
        let (start, end) = (first_day_of_month(month), first_day_of_month(month + 1) - 1);
        let (inside_first, inside_last) = (from.max(start), to.min(end));
        // Days that may hold rows: up to today.
        let live = |first: i32, last: i32| (last.min(today) - first + 1).max(0);
        let inside = live(inside_first, inside_last);
        let outside = live(start, inside_first - 1) + live(inside_last + 1, end);
        let whole = inside_first == start && inside_last == end;
        if !whole && inside <= outside {
            days.push(PeriodPart::days(inside_first, inside_last, false));
            continue;
        }
        months = Some(months.map_or((month, month), |(first, _)| (first, month)));
        if start < inside_first {
            days.push(PeriodPart::days(start, inside_first - 1, true));
        }
        if inside_last < end {
            days.push(PeriodPart::days(inside_last + 1, end, true));
        }
    }
    months.map(|(first, last)| PeriodPart::months(first, last)).into_iter().chain(days).collect()
}

/// The totals with something in them, in key order (a key whose period parts cancel out, such
/// as a unit whose only dossiers fall on a subtracted day, is left out as if it had no row).
pub fn nonzero_totals<K>(totals: BTreeMap<K, [i64; 9]>) -> Vec<(K, [i64; 9])> {
    totals.into_iter().filter(|(_, counters)| counters.iter().any(|counter| *counter != 0)).collect()
}

/// The daily counters' column names, in the order of [`Aggregates::daily`]'s arrays.
pub const DAILY_COUNTERS: [&str; 9] = [
    "received_counter",
    "received_post",
    "received_online",
    "received_national_portal",
    "settled_early",
    "settled_on_time",
    "settled_late",
    "returned",
    "withdrawn",
];

/// Builds the new dossier once the store has allocated its code (inside the transaction). Owned,
/// so a backend may run it on its writer task.
pub type BuildDossier = Box<dyn Fn(&str) -> Result<(DossierState, Event), DomainError> + Send + Sync>;

/// Decides a transition inside the transaction, from the locked current dossier (its state and
/// its units: access is checked against these) and its procedure. Owned, so a backend may run it
/// on its writer task.
pub type DecideEvent = Box<dyn Fn(&StoredDossier, &Procedure) -> Result<Event, StoreError> + Send + Sync>;

/// A transition's write.
pub struct ApplyWrite {
    /// Dossier code.
    pub code: String,
    /// The version the client saw (optimistic concurrency), if it sent one.
    pub expected_version: Option<i64>,
    /// The new current unit (a transfer), if it changes.
    pub current_unit_id: Option<i64>,
    /// The client's address, for the audit trail.
    pub client: Option<String>,
    /// Decides the event.
    pub decide: DecideEvent,
    /// The document the transition issues (rendered and signed beforehand), stored in the same
    /// transaction with the event's sequence number; its hash is in the event's payload.
    pub issued: Option<IssuedDocument>,
}

/// A document the administration issues with a transition (a one-stop form), ready to store.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedDocument {
    /// The form's name (`receipt`, `supplement-request`, `refusal`, `apology`).
    pub form: String,
    /// The file name offered on download.
    pub name: String,
    /// The signed PDF.
    pub content: Vec<u8>,
    /// SHA-256 of `content`, lower-case hex: its address.
    pub sha256: String,
    /// The number of signatures in it.
    pub signatures: i64,
}

impl std::fmt::Debug for IssuedDocument {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "IssuedDocument {{ {}, {:?}, {} bytes, {} }}",
            self.form,
            self.name,
            self.content.len(),
            self.sha256
        )
    }
}

/// Checks, inside a transition's transaction, that an issued document is what its event says:
/// the content hashes to `sha256` and the event's payload names that hash and form.
pub fn check_issued(event: &Event, issued: &IssuedDocument) -> StoreResult<()> {
    use sha2::Digest;
    let actual = hex::encode(sha2::Sha256::digest(&issued.content));
    let named =
        event.payload.get("document").and_then(|document| document.get("sha256")).and_then(|hash| hash.as_str());
    let form = event.payload.get("document").and_then(|document| document.get("form")).and_then(|form| form.as_str());
    if actual != issued.sha256 || named != Some(issued.sha256.as_str()) || form != Some(issued.form.as_str()) {
        return Err(StoreError::Database(format!(
            "issued document {} does not match its event (content {actual}, event {named:?})",
            issued.form
        )));
    }
    Ok(())
}

/// A stored issued document's description (its content is read on its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedRecord {
    /// The dossier it belongs to.
    pub code: String,
    /// The event that issued it.
    pub seq: i64,
    /// The form's name.
    pub form: String,
    /// File name.
    pub name: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// The number of signatures.
    pub signatures: i64,
    /// When it was issued (the event's instant).
    pub issued_at: Timestamp,
}

/// A new dossier's write.
pub struct NewDossierWrite {
    /// Receiving unit id.
    pub unit_id: i64,
    /// Receiving unit code (printed in the dossier code).
    pub unit_code: String,
    /// The day its code is numbered in.
    pub day: Date,
    /// Idempotency key (or the portal's reference), unique per unit. A repeated key returns the
    /// dossier first created with it, whatever the rest of the request says.
    pub idempotency_key: Option<String>,
    /// Personal data.
    pub applicant: Applicant,
    /// The client's address, for the audit trail.
    pub client: Option<String>,
    /// Files submitted with the dossier (online intake), stored in the same transaction.
    pub documents: Vec<NewDocument>,
    /// Builds the state and first event from the allocated code.
    pub build: BuildDossier,
}

/// A file submitted with a dossier.
#[derive(Clone, PartialEq, Eq)]
pub struct NewDocument {
    /// Which required document it is (the catalogue's wording) or the file's own name.
    pub name: String,
    /// `application/pdf`, `image/jpeg` or `image/png` (checked against the content).
    pub content_type: String,
    /// The bytes.
    pub content: Vec<u8>,
}

impl std::fmt::Debug for NewDocument {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "NewDocument {{ {:?}, {}, {} bytes }}", self.name, self.content_type, self.content.len())
    }
}

/// A stored file's description (its content is read on its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRecord {
    /// 1, 2, ... within the dossier.
    pub seq: i64,
    /// Name.
    pub name: String,
    /// Media type.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
}

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

/// The storage interface. Every write is one transaction: the event is appended together with
/// the projection and the statistics it changes, or nothing is written.
#[async_trait]
pub trait Store: Send + Sync {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// Runs the embedded migrations.
    async fn migrate(&self) -> StoreResult<()>;
    /// Structure ids already imported.
    async fn known_structures(&self) -> StoreResult<BTreeSet<String>>;
    /// Imports catalogue data in one transaction (upserting by structure/code/version).
    async fn import_catalog(&self, catalog: &Catalog) -> StoreResult<ImportReport>;
    /// The unit with this code in the structure in force on `on`.
    async fn find_unit(&self, code: &str, on: Date) -> StoreResult<Option<UnitRecord>>;
    /// A unit by id.
    async fn unit_by_id(&self, id: i64) -> StoreResult<Option<UnitRecord>>;
    /// Units of the structure in force on `on`.
    async fn list_units(&self, on: Date) -> StoreResult<Vec<UnitRecord>>;
    /// The procedure version in force on `on`.
    async fn procedure_on(&self, code: &str, on: Date) -> StoreResult<Option<Procedure>>;
    /// Procedures in force on `on`.
    async fn list_procedures(&self, on: Date) -> StoreResult<Vec<Procedure>>;
    /// One version of a procedure (the one a dossier was received under).
    async fn procedure_version(&self, code: &str, version: u32) -> StoreResult<Option<Procedure>>;
    /// Creates a dossier (allocating its code), or returns the existing one for a known
    /// idempotency key; the flag says whether it was created.
    async fn create_dossier(&self, write: NewDossierWrite) -> StoreResult<(StoredDossier, bool)>;
    /// Locks the dossier, checks `expected_version`, runs `decide`, and writes the event, the new
    /// projection and the statistics deltas in one transaction.
    async fn apply(&self, write: ApplyWrite) -> StoreResult<StoredDossier>;
    /// The files of a dossier, in order.
    async fn documents(&self, code: &str) -> StoreResult<Vec<DocumentRecord>>;
    /// One file of a dossier with its content.
    async fn document_content(&self, code: &str, seq: i64) -> StoreResult<Option<(DocumentRecord, Vec<u8>)>>;
    /// The documents issued for a dossier, in event order.
    async fn issued_documents(&self, code: &str) -> StoreResult<Vec<IssuedRecord>>;
    /// One issued document of a dossier (by its event) with its content.
    async fn issued_content(&self, code: &str, seq: i64) -> StoreResult<Option<(IssuedRecord, Vec<u8>)>>;
    /// The issued documents whose content has this SHA-256 (lower-case hex).
    async fn issued_by_hash(&self, sha256: &str) -> StoreResult<Vec<IssuedRecord>>;
    /// A page of a unit's work queue (keyset pagination).
    async fn queue(&self, query: &QueueQuery) -> StoreResult<Vec<StoredDossier>>;
    /// A dossier with its events and applicant.
    async fn dossier(&self, code: &str) -> StoreResult<Option<DossierRecord>>;
    /// The sums behind a period report.
    async fn period_sums(&self, query: &StatsQuery) -> StoreResult<PeriodSums>;
    /// The daily counters ([`DAILY_COUNTERS`] order) summed over a period, per receiving unit
    /// (units without activity are left out). The public statistics board.
    async fn unit_totals(&self, from: Date, to: Date) -> StoreResult<Vec<(i64, [i64; 9])>>;
    /// The same per unit and field (one pass for a board that shows both).
    async fn unit_field_totals(&self, from: Date, to: Date) -> StoreResult<Vec<((i64, String), [i64; 9])>>;
    /// The daily counters of whole months (`first..=last`, month numbers), summed over some units
    /// (every unit when `units` is empty), per month: trends.
    async fn month_totals(&self, first: i32, last: i32, units: &[i64]) -> StoreResult<Vec<(i32, [i64; 9])>>;
    /// The same per field.
    async fn field_totals(&self, from: Date, to: Date) -> StoreResult<Vec<(String, [i64; 9])>>;
    /// Step timings for a unit and period.
    async fn step_stats(&self, unit_id: i64, from: Date, to: Date) -> StoreResult<Vec<StepStat>>;
    /// A page of dossiers (projections with their events), ordered by `(unit_id, code)`, after
    /// the given key (for `check`).
    async fn dossier_page(
        &self,
        after: Option<(i64, String)>,
        limit: i64,
    ) -> StoreResult<Vec<(StoredDossier, Vec<Event>)>>;
    /// Every maintained aggregate.
    async fn aggregates(&self) -> StoreResult<Aggregates>;
    /// Number of dossiers stored.
    async fn dossier_count(&self) -> StoreResult<i64>;
    /// Appends an audit entry on its own (reads of personal data). Writes append theirs in their
    /// own transaction.
    async fn audit_append(&self, entry: audit::AuditWrite) -> StoreResult<()>;
    /// The value of a server setting, storing `value` first if there is none (first writer wins).
    async fn setting_or_insert(&self, name: &str, value: &str) -> StoreResult<String>;
    /// The audit entries of one target (a dossier code) in its chain, in order.
    async fn audit_for_target(&self, chain: i64, target: &str) -> StoreResult<Vec<audit::AuditRecord>>;
    /// A page of audit entries in `(chain, seq)` order after the given key.
    async fn audit_page(&self, after: Option<(i64, i64)>, limit: i64) -> StoreResult<Vec<audit::AuditRecord>>;
    /// Writes a batch computed in memory in one transaction (multi-row inserts). For loading
    /// simulated data into a database whose codes it does not collide with.
    async fn bulk_insert(&self, batch: &BulkBatch) -> StoreResult<()>;
    /// Ends a bulk load: whatever [`Store::bulk_insert`] deferred (secondary indexes, checkpoints)
    /// is done before this returns. Safe to call when nothing was deferred.
    async fn bulk_finish(&self) -> StoreResult<()> {
        Ok(())
    }

    /// `(id, parent_id)` of every unit of every structure (the access checks' tree).
    async fn unit_parents(&self) -> StoreResult<Vec<(i64, Option<i64>)>>;
    /// Creates an account; `Domain("USER_EXISTS")` if the login is taken.
    async fn create_user(&self, user: &accounts::NewUser) -> StoreResult<i64>;
    /// An account by login.
    async fn user_by_login(&self, login: &str) -> StoreResult<Option<accounts::UserRecord>>;
    /// An account by id.
    async fn user_by_id(&self, id: i64) -> StoreResult<Option<accounts::UserRecord>>;
    /// Every account, by login.
    async fn list_users(&self) -> StoreResult<Vec<accounts::UserRecord>>;
    /// Replaces the password hash, clears failures and the lock, and ends the account's sessions.
    async fn set_password(&self, user_id: i64, password_hash: &str) -> StoreResult<()>;
    /// Disables or enables an account; disabling ends its sessions.
    async fn set_disabled(&self, user_id: i64, disabled: bool) -> StoreResult<()>;
    /// Adds a grant (role name, unit id); false if it was there.
    async fn add_grant(&self, user_id: i64, role: &str, unit_id: i64) -> StoreResult<bool>;
    /// Removes a grant; false if it was not there.
    async fn remove_grant(&self, user_id: i64, role: &str, unit_id: i64) -> StoreResult<bool>;
    /// An account's grants as (role name, unit id), ordered.
    async fn grants_of(&self, user_id: i64) -> StoreResult<Vec<(String, i64)>>;
    /// Counts a failed log-in atomically and sets the lock to `locked_until(failures)`; returns
    /// the new number of failures.
    async fn record_login_failure(
        &self,
        user_id: i64,
        locked_until: &(dyn Fn(i64) -> Option<Timestamp> + Send + Sync),
    ) -> StoreResult<i64>;
    /// Clears failures and the lock after a successful log-in.
    async fn record_login_success(&self, user_id: i64) -> StoreResult<()>;
    /// Stores a session (and deletes sessions that expired before its start).
    async fn create_session(&self, session: &accounts::SessionRecord) -> StoreResult<()>;
    /// A session by token hash (expired ones too: the caller checks).
    async fn session(&self, token_hash: &str) -> StoreResult<Option<accounts::SessionRecord>>;
    /// Ends a session.
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;
    /// Stores an API token.
    async fn create_token(&self, token: &accounts::NewToken) -> StoreResult<i64>;
    /// An API token by hash (revoked ones too: the caller checks).
    async fn token(&self, token_hash: &str) -> StoreResult<Option<accounts::TokenRecord>>;
    /// An API token with its account and the account's grants, in one query (every API request
    /// asks this).
    async fn token_principal(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<accounts::Principal<accounts::TokenRecord>>>;
    /// A session with its account and the account's grants, in one query.
    async fn session_principal(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<accounts::Principal<accounts::SessionRecord>>>;
    /// An account's API tokens.
    async fn tokens_of(&self, user_id: i64) -> StoreResult<Vec<accounts::TokenRecord>>;
    /// Revokes a token; false if unknown or already revoked.
    async fn revoke_token(&self, token_id: i64, at: Timestamp) -> StoreResult<bool>;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_periods() {
        let day = |y, m, d| day_number(jiff::civil::date(y, m, d));
        assert_eq!(month_of_day(day(2026, 1, 1)), 2026 * 12);
        assert_eq!(month_of_day(day(2026, 12, 31)), 2026 * 12 + 11);
        assert_eq!(first_day_of_month(2026 * 12 + 1), day(2026, 2, 1));
        assert_eq!(first_day_of_month(2026 * 12 + 12), day(2027, 1, 1));
        const FAR: i32 = i32::MAX;
        let months = |first, last| PeriodPart::months(first, last);
        let days = |first, last, subtract| PeriodPart::days(first, last, subtract);
        // Less than half a month: its days.
        assert_eq!(
            split_period(day(2026, 3, 5), day(2026, 3, 14), FAR),
            vec![days(day(2026, 3, 5), day(2026, 3, 14), false)]
        );
        // More than half: the month minus the days around.
        assert_eq!(
            split_period(day(2026, 3, 5), day(2026, 3, 20), FAR),
            vec![
                months(2026 * 12 + 2, 2026 * 12 + 2),
                days(day(2026, 3, 1), day(2026, 3, 4), true),
                days(day(2026, 3, 21), day(2026, 3, 31), true)
            ]
        );
        // Year to date on 29 November: eleven months minus 30 November.
        assert_eq!(
            split_period(day(2026, 1, 1), day(2026, 11, 29), FAR),
            vec![months(2026 * 12, 2026 * 12 + 10), days(day(2026, 11, 30), day(2026, 11, 30), true)]
        );
        // Ragged on both ends.
        assert_eq!(
            split_period(day(2025, 12, 15), day(2026, 3, 31), FAR),
            vec![months(2025 * 12 + 11, 2026 * 12 + 2), days(day(2025, 12, 1), day(2025, 12, 14), true)]
        );
        assert_eq!(
            split_period(day(2026, 2, 2), day(2026, 3, 1), FAR),
            vec![
                months(2026 * 12 + 1, 2026 * 12 + 1),
                days(day(2026, 2, 1), day(2026, 2, 1), true),
                days(day(2026, 3, 1), day(2026, 3, 1), false)
            ]
        );
        assert!(split_period(day(2026, 3, 2), day(2026, 3, 1), FAR).is_empty());
        // Year to date on 10 November when today is 10 November: the month minus the empty
        // days after today, not ten days of rows.
        assert_eq!(
            split_period(day(2026, 1, 1), day(2026, 11, 10), day(2026, 11, 10)),
            vec![months(2026 * 12, 2026 * 12 + 10), days(day(2026, 11, 11), day(2026, 11, 30), true)]
        );
    }

    /// Every day of a period is counted once and every other day not at all, for any period.
    #[test]
    fn split_period_counts_each_day_once() {
        let origin = day_number(jiff::civil::date(2023, 11, 20));
        let mut seed = 0x2545_f491_u64;
        for _ in 0..3_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let from = origin + (seed % 500) as i32;
            let to = from + ((seed >> 20) % 420) as i32;
            let today = origin + ((seed >> 40) % 900) as i32;
            let mut count = std::collections::HashMap::<i32, i32>::new();
            for part in split_period(from, to, today) {
                let sign = if part.subtract { -1 } else { 1 };
                let range = if part.monthly {
                    first_day_of_month(part.first)..=first_day_of_month(part.last + 1) - 1
                } else {
                    part.first..=part.last
                };
                for day in range {
                    *count.entry(day).or_default() += sign;
                }
            }
            for (day, n) in count {
                assert_eq!(n, i32::from((from..=to).contains(&day)), "day {day} of {from}..={to}");
            }
        }
    }
}
