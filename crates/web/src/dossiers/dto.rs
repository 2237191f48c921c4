//! The JSON shapes of dossiers: intake and transition requests, the staff and public views.

use app::{Applicant, StoredDossier};
use domain::dossier::{Event, Outcome, Transition};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::wire::{enum_text, rfc3339};

/// The applicant's personal data.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicantDto {
    /// Full name (required, ≤ 200 characters).
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: String,
    /// Citizen ID number.
    #[serde(default)]
    pub id_number: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Address.
    #[serde(default)]
    pub address: Option<String>,
}

impl From<ApplicantDto> for Applicant {
    fn from(dto: ApplicantDto) -> Applicant {
        Applicant { name: dto.name, id_number: dto.id_number, phone: dto.phone, email: dto.email, address: dto.address }
    }
}

impl From<&Applicant> for ApplicantDto {
    fn from(applicant: &Applicant) -> ApplicantDto {
        ApplicantDto {
            name: applicant.name.clone(),
            id_number: applicant.id_number.clone(),
            phone: applicant.phone.clone(),
            email: applicant.email.clone(),
            address: applicant.address.clone(),
        }
    }
}

/// A submission.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeRequest {
    /// Receiving unit code.
    pub unit: String,
    /// Procedure code.
    pub procedure: String,
    /// counter, post, online or national_portal.
    #[schema(value_type = String, pattern = "^(counter|post|online|national_portal)$", example = "counter")]
    pub channel: String,
    /// Idempotency key or the national portal's reference (also accepted as the
    /// `Idempotency-Key` header).
    #[serde(default)]
    pub idempotency_key: Option<String>,
    /// Applicant.
    pub applicant: ApplicantDto,
}

/// A transition request: `action` names the transition and decides the other fields.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum TransitionRequest {
    /// Accept at the desk (tiếp nhận).
    Accept {
        /// The version the client read (optimistic concurrency): a stale one gets 409.
        #[serde(default, deserialize_with = "integral")]
        #[schema(minimum = 1, maximum = 2147483647)]
        expected_version: Option<i64>,
    },
    /// Ask for the intake supplement (hướng dẫn bổ sung).
    RequestIntakeSupplement {
        /// The version the client read (optimistic concurrency): a stale one gets 409.
        #[serde(default, deserialize_with = "integral")]
        #[schema(minimum = 1, maximum = 2147483647)]
        expected_version: Option<i64>,
        /// The missing items, all at once.
        #[schema(min_items = 1)]
        items: Vec<String>,
    },
    /// The intake supplement arrived.
    CompleteIntakeSupplement {
        /// The version the client read (optimistic concurrency): a stale one gets 409.
        #[serde(default, deserialize_with = "integral")]
        #[schema(minimum = 1, maximum = 2147483647)]
        expected_version: Option<i64>,
    },
    /// Refuse at intake (từ chối tiếp nhận).
    RefuseIntake {
        /// The version the client read (optimistic concurrency): a stale one gets 409.
        #[serde(default, deserialize_with = "integral")]
        #[schema(minimum = 1, maximum = 2147483647)]
        expected_version: Option<i64>,
        /// Reason.
        #[schema(min_length = 1)]
        reason: String,
    },
    /// Hand over to another unit.
    Transfer {
        /// The version the client read (optimistic concurrency): a stale one gets 409.
        #[serde(default, deserialize_with = "integral")]
        #[schema(minimum = 1, maximum = 2147483647)]
        expected_version: Option<i64>,
        /// Destination unit code.
        #[schema(min_length = 1)]
        to_unit: String,
    },
    /// Finish the current workflow step.
    CompleteStep {
        /// The version the client read (optimistic concurrency): a stale one gets 409.
        #[serde(default, deserialize_with = "integral")]
        #[schema(minimum = 1, maximum = 2147483647)]
        expected_version: Option<i64>,
    },
    /// Ask for a supplement after appraisal (the clock stops).
    RequestSupplement {
        /// The version the client read (optimistic concurrency): a stale one gets 409.
        #[serde(default, deserialize_with = "integral")]
        #[schema(minimum = 1, maximum = 2147483647)]
        expected_version: Option<i64>,
        /// The missing items, all at once.
        #[schema(min_items = 1)]
        items: Vec<String>,
    },
    /// The supplement arrived (the clock restarts).
    ReceiveSupplement {
        /// The version the client read (optimistic concurrency): a stale one gets 409.
        #[serde(default, deserialize_with = "integral")]
        #[schema(minimum = 1, maximum = 2147483647)]
        expected_version: Option<i64>,
    },
    /// Apologise with a new appointment (the one reschedule).
    Apologize {
        /// The version the client read (optimistic concurrency): a stale one gets 409.
        #[serde(default, deserialize_with = "integral")]
        #[schema(minimum = 1, maximum = 2147483647)]
        expected_version: Option<i64>,
        /// New appointment, RFC 3339.
        #[schema(format = DateTime)]
        new_appointment: String,
        /// Reason.
        #[schema(min_length = 1)]
        reason: String,
    },
    /// Decide (the head signs).
    Decide {
        /// The version the client read (optimistic concurrency): a stale one gets 409.
        #[serde(default, deserialize_with = "integral")]
        #[schema(minimum = 1, maximum = 2147483647)]
        expected_version: Option<i64>,
        /// The decision.
        outcome: OutcomeDto,
        /// Reason (required for a refusal).
        #[serde(default)]
        reason: Option<String>,
    },
    /// Give the result back.
    ReturnResult {
        /// The version the client read (optimistic concurrency): a stale one gets 409.
        #[serde(default, deserialize_with = "integral")]
        #[schema(minimum = 1, maximum = 2147483647)]
        expected_version: Option<i64>,
    },
    /// The applicant withdraws.
    Withdraw {
        /// The version the client read (optimistic concurrency): a stale one gets 409.
        #[serde(default, deserialize_with = "integral")]
        #[schema(minimum = 1, maximum = 2147483647)]
        expected_version: Option<i64>,
        /// Reason.
        #[schema(min_length = 1)]
        reason: String,
    },
}

/// A decision.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeDto {
    /// Approved.
    Approved,
    /// Refused.
    Refused,
}

impl TransitionRequest {
    /// The domain transition and the expected version.
    pub fn into_transition(self) -> Result<(Transition, Option<i64>), String> {
        Ok(match self {
            TransitionRequest::Accept { expected_version } => (Transition::Accept, expected_version),
            TransitionRequest::RequestIntakeSupplement { expected_version, items } => {
                (Transition::RequestIntakeSupplement { items }, expected_version)
            }
            TransitionRequest::CompleteIntakeSupplement { expected_version } => {
                (Transition::CompleteIntakeSupplement, expected_version)
            }
            TransitionRequest::RefuseIntake { expected_version, reason } => {
                (Transition::RefuseIntake { reason }, expected_version)
            }
            TransitionRequest::Transfer { expected_version, to_unit } => {
                (Transition::Transfer { to_unit }, expected_version)
            }
            TransitionRequest::CompleteStep { expected_version } => (Transition::CompleteStep, expected_version),
            TransitionRequest::RequestSupplement { expected_version, items } => {
                (Transition::RequestSupplement { items }, expected_version)
            }
            TransitionRequest::ReceiveSupplement { expected_version } => {
                (Transition::ReceiveSupplement, expected_version)
            }
            TransitionRequest::Apologize { expected_version, new_appointment, reason } => {
                let new_appointment = new_appointment.parse::<jiff::Timestamp>().map_err(|_| {
                    format!("new_appointment phải là RFC 3339 / new_appointment must be RFC 3339: {new_appointment:?}")
                })?;
                (Transition::Apologize { new_appointment, reason }, expected_version)
            }
            TransitionRequest::Decide { expected_version, outcome, reason } => {
                let outcome = match outcome {
                    OutcomeDto::Approved => Outcome::Approved,
                    OutcomeDto::Refused => Outcome::Refused,
                };
                (Transition::Decide { outcome, reason }, expected_version)
            }
            TransitionRequest::ReturnResult { expected_version } => (Transition::ReturnResult, expected_version),
            TransitionRequest::Withdraw { expected_version, reason } => {
                (Transition::Withdraw { reason }, expected_version)
            }
        })
    }
}

/// The largest `expected_version` accepted (and documented): a version counts a dossier's events,
/// nowhere near this. The bound also keeps every accepted number exact: serde_json (without its
/// `float_roundtrip` feature) may read a large integer written with a fraction, such as
/// `2068309768227535.0`, one unit in the last place off, as a non-integer, while below this bound
/// any integral number written as `N.0` (or with a few more zeros) reads back exactly.
const MAX_EXPECTED_VERSION: i64 = 2_147_483_647;

/// JSON Schema counts `1.0` as an integer: accept integral numbers however they are written,
/// from 1 to [`MAX_EXPECTED_VERSION`] (the documented range).
fn integral<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    let value: Option<serde_json::Number> = Option::deserialize(deserializer)?;
    let Some(number) = value else { return Ok(None) };
    let integer = match (number.as_i64(), number.as_f64()) {
        (Some(integer), _) => Some(integer),
        (None, Some(float)) if float.fract() == 0.0 && float.abs() <= MAX_EXPECTED_VERSION as f64 => Some(float as i64),
        _ => None,
    };
    match integer {
        Some(version) if (1..=MAX_EXPECTED_VERSION).contains(&version) => Ok(Some(version)),
        _ => Err(serde::de::Error::custom(format!(
            "expected_version must be an integer from 1 to {MAX_EXPECTED_VERSION}, not {number}"
        ))),
    }
}

/// A dossier (staff view, without personal data).
#[derive(Debug, Serialize, ToSchema)]
pub struct DossierDto {
    /// Code.
    pub code: String,
    /// Receiving unit id.
    pub unit_id: i64,
    /// Receiving unit code.
    pub receiving_unit: String,
    /// Current unit id.
    pub current_unit_id: i64,
    /// Procedure code.
    pub procedure: String,
    /// Procedure version.
    pub procedure_version: u32,
    /// Field.
    pub field: String,
    /// Channel.
    pub channel: String,
    /// Status.
    pub status: String,
    /// Version (number of events).
    pub version: i64,
    /// Submitted at.
    pub submitted_at: String,
    /// Accepted at.
    pub accepted_at: Option<String>,
    /// Legal due instant.
    pub legal_due: Option<String>,
    /// Appointment.
    pub appointment: Option<String>,
    /// Whether rescheduled.
    pub rescheduled: bool,
    /// Current workflow step index.
    pub step_index: u32,
    /// Decided at.
    pub decided_at: Option<String>,
    /// approved or refused.
    pub outcome: Option<String>,
    /// early, on_time or late once decided.
    pub completion: Option<String>,
    /// The secret printed on the receipt (intake answers only): with the code, it opens the
    /// public look-up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt_secret: Option<String>,
}

impl From<&StoredDossier> for DossierDto {
    fn from(stored: &StoredDossier) -> DossierDto {
        let state = &stored.state;
        DossierDto {
            code: state.code.clone(),
            unit_id: stored.unit_id,
            receiving_unit: state.receiving_unit.to_string(),
            current_unit_id: stored.current_unit_id,
            procedure: state.procedure.to_string(),
            procedure_version: state.procedure_version,
            field: state.field.clone(),
            channel: state.channel.as_str().to_owned(),
            status: state.status.as_str().to_owned(),
            version: state.version,
            submitted_at: rfc3339(state.submitted_at),
            accepted_at: state.accepted_at.map(rfc3339),
            legal_due: state.legal_due.map(rfc3339),
            appointment: state.appointment.map(rfc3339),
            rescheduled: state.rescheduled,
            step_index: state.step_index,
            decided_at: state.decided_at.map(rfc3339),
            outcome: state.outcome.as_ref().map(enum_text),
            completion: state.completion.as_ref().map(enum_text),
            receipt_secret: None,
        }
    }
}

/// An event.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventDto {
    /// Position in the history.
    pub seq: i64,
    /// Kind.
    pub kind: String,
    /// Actor.
    pub actor: String,
    /// Instant.
    pub at: String,
    /// Channel.
    pub channel: String,
    /// Kind-specific data.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

impl From<&Event> for EventDto {
    fn from(event: &Event) -> EventDto {
        EventDto {
            seq: event.seq,
            kind: event.kind.clone(),
            actor: event.actor.clone(),
            at: rfc3339(event.at),
            channel: event.channel.as_str().to_owned(),
            payload: event.payload.clone(),
        }
    }
}

/// A dossier with its history and applicant (staff view).
#[derive(Debug, Serialize, ToSchema)]
pub struct DossierDetailDto {
    /// The dossier.
    pub dossier: DossierDto,
    /// Its events.
    pub events: Vec<EventDto>,
    /// The applicant.
    pub applicant: ApplicantDto,
}

/// One step of the public history: what happened and when, no names.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicEventDto {
    /// Kind.
    pub kind: String,
    /// Instant.
    pub at: String,
}

/// The public look-up: no personal data and no staff names.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicDossierDto {
    /// Code.
    pub code: String,
    /// Procedure name.
    pub procedure_name: String,
    /// Status.
    pub status: String,
    /// Appointment.
    pub appointment: Option<String>,
    /// early, on_time, late once decided.
    pub completion: Option<String>,
    /// History.
    pub history: Vec<PublicEventDto>,
}

impl PublicDossierDto {
    /// Builds the public view.
    pub fn new(stored: &StoredDossier, events: &[Event], procedure_name: String) -> PublicDossierDto {
        PublicDossierDto {
            code: stored.state.code.clone(),
            procedure_name,
            status: stored.state.status.as_str().to_owned(),
            appointment: stored.state.appointment.map(rfc3339),
            completion: stored.state.completion.as_ref().map(enum_text),
            history: events
                .iter()
                .map(|event| PublicEventDto { kind: event.kind.clone(), at: rfc3339(event.at) })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expected version a transition body carries, or the parse error.
    fn check(body: &str, expect: Result<Option<i64>, &str>) {
        let found = serde_json::from_str::<TransitionRequest>(body)
            .map_err(|error| error.to_string())
            .and_then(|request| request.into_transition())
            .map(|(_, version)| version);
        match (&found, expect) {
            (Ok(version), Ok(expected)) => assert_eq!(*version, expected, "{body}"),
            (Err(error), Err(expected)) => assert!(error.contains(expected), "{body}: {error}"),
            _ => panic!("{body}: {found:?}"),
        }
    }

    #[test]
    fn expected_versions() {
        check(r#"{"action": "accept"}"#, Ok(None));
        check(r#"{"action": "accept", "expected_version": null}"#, Ok(None));
        check(r#"{"action": "accept", "expected_version": 7}"#, Ok(Some(7)));
        check(r#"{"action": "accept", "expected_version": 7.0}"#, Ok(Some(7)));
        check(r#"{"action": "accept", "expected_version": 7e0}"#, Ok(Some(7)));
        check(r#"{"action": "accept", "expected_version": 2147483647.0}"#, Ok(Some(2_147_483_647)));
        let out_of_range = "an integer from 1 to 2147483647";
        check(r#"{"action": "accept", "expected_version": 7.5}"#, Err(out_of_range));
        check(r#"{"action": "accept", "expected_version": 0}"#, Err(out_of_range));
        check(r#"{"action": "accept", "expected_version": -3}"#, Err(out_of_range));
        check(r#"{"action": "accept", "expected_version": 2147483648}"#, Err(out_of_range));
        // Past the bound serde_json may misread an integral number written with a fraction; it is
        // refused as out of range, never as "not an integer".
        check(r#"{"action": "accept", "expected_version": 2068309768227535.0}"#, Err(out_of_range));
        check(r#"{"action": "accept", "expected_version": "7"}"#, Err("invalid type"));
        check(r#"{"action": "accept", "expected_version": 1, "reason": "x"}"#, Err("unknown field"));
    }
}
