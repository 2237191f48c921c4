//! The dossier lifecycle as a state machine. Every change is an [`Event`]; the state is the fold
//! of its events ([`fold`]), and statistics deltas are derived from the state before and after
//! ([`stat_deltas`]), so the stored projections can always be recomputed from the event log.

use calendar::{Appointment, Completion, WorkingTime};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::catalog::{Code, Procedure};
use crate::error::DomainError;

/// How a dossier arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// At the one-stop counter.
    Counter,
    /// By post.
    Post,
    /// The city's online form.
    Online,
    /// The national public service portal.
    NationalPortal,
}

impl Channel {
    /// All channels, in a fixed order.
    pub const ALL: [Channel; 4] = [Channel::Counter, Channel::Post, Channel::Online, Channel::NationalPortal];

    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Counter => "counter",
            Channel::Post => "post",
            Channel::Online => "online",
            Channel::NationalPortal => "national_portal",
        }
    }

    /// Parses a stable name.
    pub fn parse(text: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|channel| channel.as_str() == text)
    }

    /// Paper dossiers (counter, post) follow the 15:00 transfer rule.
    pub fn is_paper(self) -> bool {
        matches!(self, Channel::Counter | Channel::Post)
    }
}

/// Where a dossier is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Submitted, waiting for the desk's check.
    Submitted,
    /// The desk asked for missing items before accepting.
    IntakeSupplementRequested,
    /// Refused at the desk (terminal).
    RefusedAtIntake,
    /// Accepted and being processed.
    InProgress,
    /// Returned to the applicant for a supplement after appraisal; the clock is stopped.
    SupplementRequested,
    /// A result (approved or refused) is ready.
    Decided,
    /// The result was returned (terminal).
    Returned,
    /// Withdrawn by the applicant (terminal).
    Withdrawn,
}

impl Status {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::IntakeSupplementRequested => "intake_supplement_requested",
            Status::RefusedAtIntake => "refused_at_intake",
            Status::InProgress => "in_progress",
            Status::SupplementRequested => "supplement_requested",
            Status::Decided => "decided",
            Status::Returned => "returned",
            Status::Withdrawn => "withdrawn",
        }
    }

    /// Parses a stable name.
    pub fn parse(text: &str) -> Option<Status> {
        [
            Status::Submitted,
            Status::IntakeSupplementRequested,
            Status::RefusedAtIntake,
            Status::InProgress,
            Status::SupplementRequested,
            Status::Decided,
            Status::Returned,
            Status::Withdrawn,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }
}

/// The result of a decided dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Approved: the result is issued.
    Approved,
    /// Refused after appraisal.
    Refused,
}

/// The dossier as its events leave it (the projection stored in the database).
///
/// Invariants: `version` equals the number of events; `legal_due` and `appointment` are set
/// exactly while the clock runs (in progress) and after a decision; `appointment >= legal_due`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DossierState {
    /// `<unit>-YYMMDD-NNNN`.
    pub code: String,
    /// The unit that received it (owner; its statistics).
    pub receiving_unit: Code,
    /// The unit holding it now.
    pub current_unit: Code,
    /// Procedure code.
    pub procedure: Code,
    /// Procedure version it was received under.
    pub procedure_version: u32,
    /// The procedure's field (for statistics by field).
    pub field: String,
    /// Channel.
    pub channel: Channel,
    /// Status.
    pub status: Status,
    /// Number of events so far (optimistic concurrency).
    pub version: i64,
    /// Submission instant.
    pub submitted_at: Timestamp,
    /// Acceptance instant.
    pub accepted_at: Option<Timestamp>,
    /// Legal due instant (what statistics compare with).
    pub legal_due: Option<Timestamp>,
    /// Appointment given to the applicant.
    pub appointment: Option<Timestamp>,
    /// Whether the one reschedule was used.
    pub rescheduled: bool,
    /// Index of the current workflow step.
    pub step_index: u32,
    /// When the current step started.
    pub step_started_at: Option<Timestamp>,
    /// Decision instant.
    pub decided_at: Option<Timestamp>,
    /// Decision.
    pub outcome: Option<Outcome>,
    /// Early / on time / late, once decided.
    pub completion: Option<CompletionKind>,
}

/// Serializable mirror of [`calendar::Completion`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompletionKind {
    /// Trước hạn.
    Early,
    /// Đúng hạn.
    OnTime,
    /// Quá hạn.
    Late,
}

impl From<Completion> for CompletionKind {
    fn from(completion: Completion) -> CompletionKind {
        match completion {
            Completion::Early => CompletionKind::Early,
            Completion::OnTime => CompletionKind::OnTime,
            Completion::Late => CompletionKind::Late,
        }
    }
}

/// A new dossier as submitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewDossier {
    /// Receiving unit.
    pub receiving_unit: Code,
    /// Procedure code (the version in force on the submission day is used).
    pub procedure: Code,
    /// Channel.
    pub channel: Channel,
    /// Idempotency key or the portal's external reference: the same key never makes a second
    /// dossier in the same unit.
    pub idempotency_key: Option<String>,
}

/// A requested change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Transition {
    /// Accept at the desk: the receipt with its appointment.
    Accept,
    /// Ask for every missing item at once before accepting.
    RequestIntakeSupplement {
        /// The missing items (non-empty).
        items: Vec<String>,
    },
    /// The applicant completed the dossier at the desk.
    CompleteIntakeSupplement,
    /// Refuse at the desk.
    RefuseIntake {
        /// Reason (non-empty).
        reason: String,
    },
    /// Hand the dossier to another unit.
    Transfer {
        /// Destination unit code.
        to_unit: String,
    },
    /// Finish the current workflow step.
    CompleteStep,
    /// Ask for a supplement after appraisal (the clock stops).
    RequestSupplement {
        /// Items (non-empty).
        items: Vec<String>,
    },
    /// The supplement arrived complete: the clock restarts with the full limit.
    ReceiveSupplement,
    /// Apology and new appointment (once).
    Apologize {
        /// New appointment, RFC 3339.
        new_appointment: Timestamp,
        /// Reason (non-empty).
        reason: String,
    },
    /// Record the result.
    Decide {
        /// Approved or refused.
        outcome: Outcome,
        /// Reason (required for a refusal).
        #[serde(default)]
        reason: Option<String>,
    },
    /// Give the result back.
    ReturnResult,
    /// The applicant withdraws.
    Withdraw {
        /// Reason (non-empty).
        reason: String,
    },
}

impl Transition {
    /// Stable name of the action.
    pub fn name(&self) -> &'static str {
        match self {
            Transition::Accept => "accept",
            Transition::RequestIntakeSupplement { .. } => "request_intake_supplement",
            Transition::CompleteIntakeSupplement => "complete_intake_supplement",
            Transition::RefuseIntake { .. } => "refuse_intake",
            Transition::Transfer { .. } => "transfer",
            Transition::CompleteStep => "complete_step",
            Transition::RequestSupplement { .. } => "request_supplement",
            Transition::ReceiveSupplement => "receive_supplement",
            Transition::Apologize { .. } => "apologize",
            Transition::Decide { .. } => "decide",
            Transition::ReturnResult => "return_result",
            Transition::Withdraw { .. } => "withdraw",
        }
    }
}

/// One event of a dossier's history. Append-only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// 1-based position in the dossier's history; equals the dossier version after it.
    pub seq: i64,
    /// Event kind (`submitted`, `accepted`, ...).
    pub kind: String,
    /// Who did it (account id, or `citizen` / `national_portal`).
    pub actor: String,
    /// When.
    pub at: Timestamp,
    /// The channel the action came through.
    pub channel: Channel,
    /// Kind-specific data, never personal data.
    pub payload: serde_json::Value,
}

/// What the command side needs besides the state.
pub struct Context<'a> {
    /// The receiving unit's deadline engine.
    pub engine: &'a WorkingTime,
    /// The procedure version of the dossier.
    pub procedure: &'a Procedure,
    /// Who acts.
    pub actor: &'a str,
    /// When.
    pub at: Timestamp,
    /// Through which channel the action comes.
    pub channel: Channel,
}

/// The first event of a dossier and the state it creates.
pub fn submit(
    new: &NewDossier,
    code: &str,
    procedure: &Procedure,
    actor: &str,
    at: Timestamp,
) -> Result<(DossierState, Event), DomainError> {
    let event = Event {
        seq: 1,
        kind: "submitted".to_owned(),
        actor: actor.to_owned(),
        at,
        channel: new.channel,
        payload: json!({
            "code": code,
            "receiving_unit": new.receiving_unit,
            "procedure": procedure.code,
            "procedure_version": procedure.version,
            "field": procedure.field,
        }),
    };
    let state = fold(None, &event)?;
    Ok((state, event))
}

fn require_non_empty(text: &str, what: &str) -> Result<String, DomainError> {
    let text = crate::catalog::normalize_text(text);
    if text.is_empty() {
        return Err(DomainError::new("DOSSIER_MISSING_FIELD", format!("cần {what} / {what} is required")));
    }
    Ok(text)
}

fn require_items(items: &[String]) -> Result<Vec<String>, DomainError> {
    let items: Vec<String> =
        items.iter().map(|item| crate::catalog::normalize_text(item)).filter(|item| !item.is_empty()).collect();
    if items.is_empty() {
        return Err(DomainError::new(
            "DOSSIER_MISSING_ITEMS",
            "phải liệt kê đầy đủ các thành phần cần bổ sung một lần / list every missing item at once".to_owned(),
        ));
    }
    Ok(items)
}

fn invalid(state: &DossierState, transition: &Transition) -> DomainError {
    DomainError::new(
        "DOSSIER_INVALID_TRANSITION",
        format!(
            "không thể {} khi hồ sơ đang ở trạng thái {} / cannot {} a dossier that is {}",
            transition.name(),
            state.status.as_str(),
            transition.name(),
            state.status.as_str()
        ),
    )
}

/// The latest appointment a dossier submitted online at `submitted_at` can get: the desk has one
/// working day to accept it (Decree 118/2025 Art. 17–18) and the time limit runs from the
/// acceptance, so accepting within that day gives this appointment or an earlier one. The online
/// receipt shows it until the desk accepts and sets the appointment itself.
pub fn latest_appointment(
    engine: &WorkingTime,
    limit: crate::catalog::TimeLimitSpec,
    submitted_at: Timestamp,
) -> Result<Timestamp, DomainError> {
    let limit = limit.to_time_limit().map_err(calendar_error)?;
    let accepted_by = engine.add_office_seconds(submitted_at, engine.day_seconds()).map_err(calendar_error)?;
    engine.due(accepted_by, limit).map_err(calendar_error)
}

fn calendar_error(error: calendar::CalendarError) -> DomainError {
    DomainError::new(error.code(), error.to_string())
}

/// Validates a transition against the state and builds its event. Nothing changes if it fails.
pub fn decide_event(
    state: &DossierState,
    transition: &Transition,
    context: &Context<'_>,
) -> Result<Event, DomainError> {
    let at = context.at;
    if at < state.submitted_at {
        return Err(DomainError::new(
            "DOSSIER_TIME_BEFORE_SUBMISSION",
            "thời điểm trước khi nộp hồ sơ / the instant is before the submission".to_owned(),
        ));
    }
    let limit = context.procedure.time_limit.to_time_limit().map_err(calendar_error)?;
    let (kind, payload) = match (state.status, transition) {
        (Status::Submitted, Transition::Accept) => {
            let due = context.engine.due(at, limit).map_err(calendar_error)?;
            // Decree 118/2025 Art. 17–18: an online dossier not accepted within 1 working day is
            // accepted late.
            let waited = context.engine.office_seconds_between(state.submitted_at, at).map_err(calendar_error)?;
            let accepted_late = !state.channel.is_paper() && waited > context.engine.day_seconds();
            ("accepted", json!({ "legal_due": due, "appointment": due, "accepted_late": accepted_late }))
        }
        (Status::Submitted, Transition::RequestIntakeSupplement { items }) => {
            ("intake_supplement_requested", json!({ "items": require_items(items)? }))
        }
        (Status::IntakeSupplementRequested, Transition::CompleteIntakeSupplement) => {
            ("intake_supplement_completed", json!({}))
        }
        (Status::Submitted | Status::IntakeSupplementRequested, Transition::RefuseIntake { reason }) => {
            ("refused_at_intake", json!({ "reason": require_non_empty(reason, "lý do / reason")? }))
        }
        (Status::InProgress, Transition::Transfer { to_unit }) => {
            let to_unit = Code::parse(to_unit).map_err(|message| DomainError::new("UNIT_INVALID_CODE", message))?;
            if to_unit == state.current_unit {
                return Err(DomainError::new(
                    "DOSSIER_TRANSFER_SAME_UNIT",
                    "hồ sơ đã ở đơn vị này / the dossier is already at that unit".to_owned(),
                ));
            }
            // Decree 61/2018 Art. 18: a paper dossier received at or before 15:00 goes the same
            // working day, after 15:00 the next working day.
            let transfer_due = match (state.channel.is_paper(), state.accepted_at) {
                (true, Some(accepted)) => {
                    Some(context.engine.due(accepted, calendar::TimeLimit::SameDay).map_err(calendar_error)?)
                }
                _ => None,
            };
            let late = transfer_due.is_some_and(|due| at > due);
            (
                "transferred",
                json!({ "from_unit": state.current_unit, "to_unit": to_unit, "transfer_due": transfer_due, "late": late }),
            )
        }
        (Status::InProgress, Transition::CompleteStep) => {
            let steps = &context.procedure.steps;
            let index = state.step_index as usize;
            let Some(step) = steps.get(index) else {
                return Err(DomainError::new(
                    "DOSSIER_NO_STEP_LEFT",
                    "đã hoàn thành mọi bước / every workflow step is already complete".to_owned(),
                ));
            };
            let started = state.step_started_at.unwrap_or(at);
            let spent = context.engine.office_seconds_between(started, at).map_err(calendar_error)?;
            let budget = step.budget_seconds();
            (
                "step_completed",
                json!({ "step": index, "step_name": step.name, "spent_seconds": spent, "budget_seconds": budget, "over_budget": spent > budget }),
            )
        }
        (Status::InProgress, Transition::RequestSupplement { items }) => {
            // Art. 19(4): the notice is due within 3 working days of receipt.
            let since =
                context.engine.office_seconds_between(state.accepted_at.unwrap_or(at), at).map_err(calendar_error)?;
            let notice_late = since > 3 * context.engine.day_seconds();
            ("supplement_requested", json!({ "items": require_items(items)?, "notice_late": notice_late }))
        }
        (Status::SupplementRequested, Transition::ReceiveSupplement) => {
            let due = context.engine.due(at, limit).map_err(calendar_error)?;
            ("supplement_received", json!({ "legal_due": due, "appointment": due }))
        }
        (Status::InProgress, Transition::Apologize { new_appointment, reason }) => {
            let reason = require_non_empty(reason, "lý do / reason")?;
            let (Some(legal_due), Some(appointment)) = (state.legal_due, state.appointment) else {
                return Err(invalid(state, transition));
            };
            let mut booked = Appointment::from_parts(limit, legal_due, appointment, state.rescheduled);
            let outcome = booked
                .reschedule(context.engine, at, *new_appointment)
                .map_err(|error| DomainError::new("DOSSIER_RESCHEDULE_REFUSED", error.to_string()))?;
            (
                "apologized",
                json!({ "appointment": outcome.new_appointment, "breach": outcome.breach, "reason": reason }),
            )
        }
        (Status::InProgress, Transition::Decide { outcome, reason }) => {
            let reason = match (outcome, reason) {
                (Outcome::Refused, reason) => {
                    Some(require_non_empty(reason.as_deref().unwrap_or(""), "lý do từ chối / the refusal's reason")?)
                }
                (Outcome::Approved, reason) => reason.as_deref().map(crate::catalog::normalize_text),
            };
            let legal_due = state.legal_due.ok_or_else(|| invalid(state, transition))?;
            let completion = CompletionKind::from(context.engine.classify_finished(legal_due, at));
            ("decided", json!({ "outcome": outcome, "reason": reason, "completion": completion }))
        }
        (Status::Decided, Transition::ReturnResult) => ("result_returned", json!({})),
        (
            Status::Submitted | Status::IntakeSupplementRequested | Status::InProgress | Status::SupplementRequested,
            Transition::Withdraw { reason },
        ) => ("withdrawn", json!({ "reason": require_non_empty(reason, "lý do / reason")? })),
        _ => return Err(invalid(state, transition)),
    };
    Ok(Event {
        seq: state.version + 1,
        kind: kind.to_owned(),
        actor: context.actor.to_owned(),
        at,
        channel: context.channel,
        payload,
    })
}

fn field<T: serde::de::DeserializeOwned>(event: &Event, name: &str) -> Result<T, DomainError> {
    serde_json::from_value(event.payload.get(name).cloned().unwrap_or(serde_json::Value::Null)).map_err(|error| {
        DomainError::new(
            "EVENT_MALFORMED",
            format!(
                "sự kiện {} #{} thiếu {name} / event {} #{} has a bad {name}: {error}",
                event.kind, event.seq, event.kind, event.seq
            ),
        )
    })
}

/// Applies one event to the state. The only place the projection changes.
pub fn fold(state: Option<&DossierState>, event: &Event) -> Result<DossierState, DomainError> {
    let Some(state) = state else {
        if event.kind != "submitted" || event.seq != 1 {
            return Err(DomainError::new(
                "EVENT_MALFORMED",
                format!("sự kiện đầu tiên phải là submitted / the first event must be submitted, not {}", event.kind),
            ));
        }
        let unit: Code = field(event, "receiving_unit")?;
        return Ok(DossierState {
            code: field(event, "code")?,
            receiving_unit: unit.clone(),
            current_unit: unit,
            procedure: field(event, "procedure")?,
            procedure_version: field(event, "procedure_version")?,
            field: field(event, "field")?,
            channel: event.channel,
            status: Status::Submitted,
            version: 1,
            submitted_at: event.at,
            accepted_at: None,
            legal_due: None,
            appointment: None,
            rescheduled: false,
            step_index: 0,
            step_started_at: None,
            decided_at: None,
            outcome: None,
            completion: None,
        });
    };
    if event.seq != state.version + 1 {
        return Err(DomainError::new(
            "EVENT_MALFORMED",
            format!(
                "sự kiện #{} không liền sau phiên bản {} / event #{} does not follow version {}",
                event.seq, state.version, event.seq, state.version
            ),
        ));
    }
    let mut next = state.clone();
    next.version = event.seq;
    match event.kind.as_str() {
        "accepted" => {
            next.status = Status::InProgress;
            next.accepted_at = Some(event.at);
            next.legal_due = Some(field(event, "legal_due")?);
            next.appointment = Some(field(event, "appointment")?);
            next.step_index = 0;
            next.step_started_at = Some(event.at);
        }
        "intake_supplement_requested" => next.status = Status::IntakeSupplementRequested,
        "intake_supplement_completed" => next.status = Status::Submitted,
        "refused_at_intake" => next.status = Status::RefusedAtIntake,
        "transferred" => next.current_unit = field(event, "to_unit")?,
        "step_completed" => {
            next.step_index += 1;
            next.step_started_at = Some(event.at);
        }
        "supplement_requested" => {
            next.status = Status::SupplementRequested;
            next.legal_due = None;
            next.appointment = None;
            next.step_started_at = None;
        }
        "supplement_received" => {
            next.status = Status::InProgress;
            next.legal_due = Some(field(event, "legal_due")?);
            next.appointment = Some(field(event, "appointment")?);
            next.step_started_at = Some(event.at);
        }
        "apologized" => {
            next.appointment = Some(field(event, "appointment")?);
            next.rescheduled = true;
        }
        "decided" => {
            next.status = Status::Decided;
            next.decided_at = Some(event.at);
            next.outcome = Some(field(event, "outcome")?);
            next.completion = Some(field(event, "completion")?);
        }
        "result_returned" => next.status = Status::Returned,
        "withdrawn" => next.status = Status::Withdrawn,
        other => {
            return Err(DomainError::new(
                "EVENT_MALFORMED",
                format!("loại sự kiện không rõ / unknown event kind {other}"),
            ));
        }
    }
    Ok(next)
}

/// A change to a maintained statistic.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum StatDelta {
    /// A daily counter of the receiving unit, procedure and field.
    Daily {
        /// Day (Asia/Ho_Chi_Minh).
        day: Date,
        /// Which counter.
        counter: DailyCounter,
    },
    /// A due instant started to apply (the dossier is open with this due day).
    DueOpened {
        /// Civil day of the due instant.
        due_day: Date,
    },
    /// A due instant stopped applying (settled, withdrawn, or restarted) on `close_day`.
    DueClosed {
        /// The day it stopped.
        close_day: Date,
        /// Its due day.
        due_day: Date,
    },
    /// A workflow step finished.
    Step {
        /// Day.
        day: Date,
        /// Step index.
        step: u32,
        /// Office seconds spent.
        spent_seconds: i64,
        /// Whether it exceeded its budget.
        over_budget: bool,
    },
}

/// The daily counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DailyCounter {
    /// Accepted (tiếp nhận), by channel.
    Received(Channel),
    /// Settled early.
    SettledEarly,
    /// Settled on time.
    SettledOnTime,
    /// Settled late.
    SettledLate,
    /// Result returned.
    Returned,
    /// Withdrawn after acceptance.
    Withdrawn,
}

impl DailyCounter {
    /// Stable column-like name.
    pub fn as_str(self) -> &'static str {
        match self {
            DailyCounter::Received(Channel::Counter) => "received_counter",
            DailyCounter::Received(Channel::Post) => "received_post",
            DailyCounter::Received(Channel::Online) => "received_online",
            DailyCounter::Received(Channel::NationalPortal) => "received_national_portal",
            DailyCounter::SettledEarly => "settled_early",
            DailyCounter::SettledOnTime => "settled_on_time",
            DailyCounter::SettledLate => "settled_late",
            DailyCounter::Returned => "returned",
            DailyCounter::Withdrawn => "withdrawn",
        }
    }
}

/// The civil day of an instant in the city's time zone.
pub fn local_day(instant: Timestamp) -> Date {
    instant.to_zoned(calendar::ho_chi_minh_time_zone()).date()
}

/// The statistics changes implied by moving from `before` to `after` through `event`.
pub fn stat_deltas(before: Option<&DossierState>, after: &DossierState, event: &Event) -> Vec<StatDelta> {
    let day = local_day(event.at);
    let mut deltas = Vec::new();
    let was_received =
        before.is_some_and(|state| matches!(state.status, Status::InProgress | Status::SupplementRequested));
    let old_due = before.and_then(|state| state.legal_due);
    match event.kind.as_str() {
        "accepted" => {
            deltas.push(StatDelta::Daily { day, counter: DailyCounter::Received(after.channel) });
            if let Some(due) = after.legal_due {
                deltas.push(StatDelta::DueOpened { due_day: local_day(due) });
            }
        }
        "supplement_requested" => {
            if let Some(due) = old_due {
                deltas.push(StatDelta::DueClosed { close_day: day, due_day: local_day(due) });
            }
        }
        "supplement_received" => {
            if let Some(due) = after.legal_due {
                deltas.push(StatDelta::DueOpened { due_day: local_day(due) });
            }
        }
        "decided" => {
            let counter = match after.completion {
                Some(CompletionKind::Early) => DailyCounter::SettledEarly,
                Some(CompletionKind::OnTime) => DailyCounter::SettledOnTime,
                _ => DailyCounter::SettledLate,
            };
            deltas.push(StatDelta::Daily { day, counter });
            if let Some(due) = old_due {
                deltas.push(StatDelta::DueClosed { close_day: day, due_day: local_day(due) });
            }
        }
        "result_returned" => deltas.push(StatDelta::Daily { day, counter: DailyCounter::Returned }),
        "withdrawn" if was_received => {
            deltas.push(StatDelta::Daily { day, counter: DailyCounter::Withdrawn });
            if let Some(due) = old_due {
                deltas.push(StatDelta::DueClosed { close_day: day, due_day: local_day(due) });
            }
        }
        "step_completed" => {
            let spent = event.payload.get("spent_seconds").and_then(serde_json::Value::as_i64).unwrap_or(0);
            let over = event.payload.get("over_budget").and_then(serde_json::Value::as_bool).unwrap_or(false);
            let step = event.payload.get("step").and_then(serde_json::Value::as_u64).unwrap_or(0) as u32;
            deltas.push(StatDelta::Step { day, step, spent_seconds: spent, over_budget: over });
        }
        _ => {}
    }
    deltas
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::TimeLimitSpec;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn latest_appointment_allows_a_working_day_for_acceptance() {
        let engine = WorkingTime::hcmc_builtin().unwrap();
        // Friday 27 November 2026, 10:00: accepted by Monday 10:00 at the latest, then five
        // working days: Monday 7 December, 10:00.
        let friday = at("2026-11-27T10:00:00+07:00");
        let latest = latest_appointment(&engine, TimeLimitSpec::WorkingDays { value: 5 }, friday).unwrap();
        assert_eq!(latest, at("2026-12-07T10:00:00+07:00"));
        // Accepting earlier never gives a later appointment.
        let limit = TimeLimitSpec::WorkingDays { value: 5 }.to_time_limit().unwrap();
        assert!(engine.due(friday, limit).unwrap() <= latest);
        // Submitted on Saturday night: accepted by Monday 17:00, five working days to the next
        // Monday 17:00.
        let saturday = at("2026-11-28T22:00:00+07:00");
        let latest = latest_appointment(&engine, TimeLimitSpec::WorkingDays { value: 5 }, saturday).unwrap();
        assert_eq!(latest, at("2026-12-07T17:00:00+07:00"));
    }
}
