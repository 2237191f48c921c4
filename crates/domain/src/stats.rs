//! The period report, computed from maintained aggregates.
//!
//! Balance (reconciles exactly): carried over + received = settled + in progress + withdrawn,
//! where settled = early + on time + late. Rates: on-time rate = (early + on time) ÷ settled;
//! the 766 progress rate = (early + on time + in progress within time) ÷ (settled + in progress)
//! (Decision 766/QĐ-TTg indicator, vn-admin-rules.md rule 17).

use serde::{Deserialize, Serialize};

/// Sums the store reads for a unit (or field, or procedure) and a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodSums {
    /// Accepted before the period.
    pub received_before: i64,
    /// Settled (any class) before the period.
    pub settled_before: i64,
    /// Withdrawn after acceptance, before the period.
    pub withdrawn_before: i64,
    /// Accepted in the period, by channel: counter, post, online, national portal.
    pub received_by_channel: [i64; 4],
    /// Settled early in the period.
    pub settled_early: i64,
    /// Settled on time in the period.
    pub settled_on_time: i64,
    /// Settled late in the period.
    pub settled_late: i64,
    /// Results returned in the period.
    pub returned: i64,
    /// Withdrawn in the period.
    pub withdrawn: i64,
    /// Due instants with a due day on or before the period's last day that were opened.
    pub due_opened_by_end: i64,
    /// Of those, the ones closed on or before the period's last day.
    pub due_closed_by_end: i64,
}

/// The period report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodReport {
    /// Carried over from before the period (in progress at its start).
    pub carried_over: i64,
    /// Received in the period.
    pub received: i64,
    /// Received by channel.
    pub received_counter: i64,
    /// Received by post.
    pub received_post: i64,
    /// Received online.
    pub received_online: i64,
    /// Received from the national portal.
    pub received_national_portal: i64,
    /// Settled in the period.
    pub settled: i64,
    /// Settled early.
    pub settled_early: i64,
    /// Settled on time.
    pub settled_on_time: i64,
    /// Settled late.
    pub settled_late: i64,
    /// In progress at the period's end.
    pub in_progress: i64,
    /// In progress and within time at the end.
    pub in_progress_within_time: i64,
    /// In progress and overdue at the end.
    pub in_progress_overdue: i64,
    /// Results returned in the period.
    pub returned: i64,
    /// Withdrawn in the period.
    pub withdrawn: i64,
    /// (early + on time) ÷ settled, or null when nothing was settled.
    pub on_time_rate: Option<f64>,
    /// (early + on time + in progress within time) ÷ (settled + in progress), or null.
    pub progress_rate_766: Option<f64>,
}

impl PeriodReport {
    /// Builds the report from the sums.
    pub fn from_sums(sums: &PeriodSums) -> PeriodReport {
        let carried_over = sums.received_before - sums.settled_before - sums.withdrawn_before;
        let received: i64 = sums.received_by_channel.iter().sum();
        let settled = sums.settled_early + sums.settled_on_time + sums.settled_late;
        let in_progress = carried_over + received - settled - sums.withdrawn;
        let overdue = (sums.due_opened_by_end - sums.due_closed_by_end).clamp(0, in_progress.max(0));
        let within = in_progress - overdue;
        let on_time = sums.settled_early + sums.settled_on_time;
        let ratio = |numerator: i64, denominator: i64| (denominator > 0).then(|| numerator as f64 / denominator as f64);
        PeriodReport {
            carried_over,
            received,
            received_counter: sums.received_by_channel[0],
            received_post: sums.received_by_channel[1],
            received_online: sums.received_by_channel[2],
            received_national_portal: sums.received_by_channel[3],
            settled,
            settled_early: sums.settled_early,
            settled_on_time: sums.settled_on_time,
            settled_late: sums.settled_late,
            in_progress,
            in_progress_within_time: within,
            in_progress_overdue: overdue,
            returned: sums.returned,
            withdrawn: sums.withdrawn,
            on_time_rate: ratio(on_time, settled),
            progress_rate_766: ratio(on_time + within, settled + in_progress),
        }
    }

    /// Whether carried over + received = settled + in progress + withdrawn.
    pub fn reconciles(&self) -> bool {
        self.carried_over + self.received == self.settled + self.in_progress + self.withdrawn
    }
}
