//! A dossier's appointment through its life: restart after a supplement, legal extension and the
//! one permitted reschedule (Decree 61/2018 Art. 19(4) and 19(9); rules 8, 10 and 11 in
//! `vn-admin-rules.md`).

use jiff::Timestamp;

use crate::error::CalendarError;
use crate::working::{Completion, TimeLimit, WorkingTime};

/// The due instants of one item.
///
/// Invariants: `legal_due` is what statistics classify against (an apology does not make a late
/// dossier on time); `appointment` is what the applicant was last told and is never earlier than
/// `legal_due`; there is at most one reschedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    limit: TimeLimit,
    legal_due: Timestamp,
    appointment: Timestamp,
    rescheduled: bool,
}

/// What a reschedule recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reschedule {
    /// The new appointment.
    pub new_appointment: Timestamp,
    /// True when the apology was made less than one working day before the due instant
    /// (Art. 19(9) asks for it at least one day before): recorded as a breach, not refused.
    pub breach: bool,
}

impl Appointment {
    /// The appointment of an item received at `received` under `limit`.
    pub fn new(engine: &WorkingTime, received: Timestamp, limit: TimeLimit) -> Result<Appointment, CalendarError> {
        let due = engine.due(received, limit)?;
        Ok(Appointment { limit, legal_due: due, appointment: due, rescheduled: false })
    }

    /// An appointment from stored parts (the dossier's projection). `appointment` must not be
    /// earlier than `legal_due`.
    pub fn from_parts(
        limit: TimeLimit,
        legal_due: Timestamp,
        appointment: Timestamp,
        rescheduled: bool,
    ) -> Appointment {
        Appointment { limit, legal_due, appointment: appointment.max(legal_due), rescheduled }
    }

    /// The legal due instant (for statistics).
    pub fn legal_due(&self) -> Timestamp {
        self.legal_due
    }

    /// The appointment given to the applicant.
    pub fn appointment(&self) -> Timestamp {
        self.appointment
    }

    /// Whether the one reschedule has been used.
    pub fn is_rescheduled(&self) -> bool {
        self.rescheduled
    }

    /// The dossier was supplemented and became complete at `completed_at`: the clock restarts
    /// from zero, new due = completion + the full time limit (Art. 19(4)). The appointment follows
    /// the new due instant; a reschedule already used stays used (Art. 19(9): at most once).
    pub fn restart_after_supplement(
        &mut self,
        engine: &WorkingTime,
        completed_at: Timestamp,
    ) -> Result<(), CalendarError> {
        let due = engine.due(completed_at, self.limit)?;
        self.legal_due = due;
        self.appointment = due;
        Ok(())
    }

    /// A legal extension (e.g. a construction permit's one extension of up to 10 days): moves both
    /// the legal due instant and the appointment, counted as `extension` says.
    pub fn extend(&mut self, engine: &WorkingTime, extension: TimeLimit) -> Result<(), CalendarError> {
        self.legal_due = engine.extend(self.legal_due, extension)?;
        self.appointment = engine.extend(self.appointment, extension)?;
        Ok(())
    }

    /// The apology and new appointment (phiếu xin lỗi và hẹn lại), allowed once. The new
    /// appointment must be after the current one. Requested less than one working day before the
    /// current appointment, it is accepted and flagged as a breach.
    pub fn reschedule(
        &mut self,
        engine: &WorkingTime,
        requested_at: Timestamp,
        new_appointment: Timestamp,
    ) -> Result<Reschedule, CalendarError> {
        if self.rescheduled {
            return Err(CalendarError::RescheduleRefused(
                "chỉ được hẹn lại một lần / the appointment may be rescheduled only once".to_owned(),
            ));
        }
        if new_appointment <= self.appointment {
            return Err(CalendarError::RescheduleRefused(format!(
                "ngày hẹn mới phải sau ngày hẹn hiện tại {} / the new appointment must be after the current one, {}",
                self.appointment, self.appointment
            )));
        }
        let notice = engine.office_seconds_between(requested_at, self.appointment)?;
        self.appointment = new_appointment;
        self.rescheduled = true;
        Ok(Reschedule { new_appointment, breach: notice < engine.day_seconds() })
    }

    /// Classification of the item finished at `finished`, against the legal due instant.
    pub fn classify(&self, engine: &WorkingTime, finished: Timestamp) -> Completion {
        engine.classify_finished(self.legal_due, finished)
    }
}
