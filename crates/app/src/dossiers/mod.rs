//! Dossiers: intake, the lifecycle's transitions with their access rule, the queue, the public
//! look-up by receipt secret, and the storage of dossiers and their events.

mod service;

use async_trait::async_trait;
use domain::DomainError;
use domain::catalog::Procedure;
use domain::dossier::{Channel, DossierState, Event, Transition};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::access::Action;
use crate::documents::{IssuedDocument, NewDocument};
use crate::{StoreError, StoreResult, micros};

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

/// The access action of a transition, and whether it is judged against the receiving unit
/// (desk work) rather than the unit holding the dossier now (workflow work).
pub fn action_of(transition: &Transition) -> (Action, bool) {
    match transition {
        Transition::Accept
        | Transition::RequestIntakeSupplement { .. }
        | Transition::CompleteIntakeSupplement
        | Transition::RefuseIntake { .. } => (Action::Receive, true),
        Transition::Transfer { .. }
        | Transition::CompleteStep
        | Transition::RequestSupplement { .. }
        | Transition::ReceiveSupplement => (Action::Process, false),
        Transition::Apologize { .. } => (Action::Apologize, false),
        Transition::Decide { .. } => (Action::Decide, false),
        Transition::ReturnResult | Transition::Withdraw { .. } => (Action::Return, true),
    }
}

/// A submission as the handlers receive it.
#[derive(Debug, Clone)]
pub struct SubmitRequest {
    /// Receiving unit code (in the structure in force on the submission day).
    pub unit_code: String,
    /// Procedure code (the version in force on the submission day is used).
    pub procedure_code: String,
    /// Channel.
    pub channel: Channel,
    /// Idempotency key or external reference.
    pub idempotency_key: Option<String>,
    /// Personal data.
    pub applicant: Applicant,
}

/// Storage of dossiers: each write appends the event with the projection, the statistics it
/// changes and its audit entry in one transaction, or writes nothing.
#[async_trait]
pub trait DossierStore: Send + Sync {
    /// Creates a dossier (allocating its code), or returns the existing one for a known
    /// idempotency key; the flag says whether it was created.
    async fn create_dossier(&self, write: NewDossierWrite) -> StoreResult<(StoredDossier, bool)>;
    /// Locks the dossier, checks `expected_version`, runs `decide`, and writes the event, the new
    /// projection and the statistics deltas in one transaction.
    async fn apply(&self, write: ApplyWrite) -> StoreResult<StoredDossier>;
    /// A page of a unit's work queue (keyset pagination).
    async fn queue(&self, query: &QueueQuery) -> StoreResult<Vec<StoredDossier>>;
    /// A dossier with its events and applicant.
    async fn dossier(&self, code: &str) -> StoreResult<Option<DossierRecord>>;
    /// A page of dossiers (projections with their events), ordered by `(unit_id, code)`, after
    /// the given key (for `check`).
    async fn dossier_page(
        &self,
        after: Option<(i64, String)>,
        limit: i64,
    ) -> StoreResult<Vec<(StoredDossier, Vec<Event>)>>;
    /// Number of dossiers stored.
    async fn dossier_count(&self) -> StoreResult<i64>;
}
