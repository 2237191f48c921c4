//! The JSON shapes of the statistics.

use app::UnitRecord;
use domain::stats::PeriodReport;
use serde::Serialize;
use utoipa::ToSchema;

/// The period report.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsDto {
    /// Unit code.
    pub unit: String,
    /// Unit name.
    pub unit_name: String,
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// Field filter.
    pub field: Option<String>,
    /// Procedure filter.
    pub procedure: Option<String>,
    /// Carried over.
    pub carried_over: i64,
    /// Received.
    pub received: i64,
    /// Received at the counter.
    pub received_counter: i64,
    /// Received by post.
    pub received_post: i64,
    /// Received online.
    pub received_online: i64,
    /// Received from the national portal.
    pub received_national_portal: i64,
    /// Settled.
    pub settled: i64,
    /// Settled early.
    pub settled_early: i64,
    /// Settled on time.
    pub settled_on_time: i64,
    /// Settled late.
    pub settled_late: i64,
    /// In progress at the end.
    pub in_progress: i64,
    /// In progress within time.
    pub in_progress_within_time: i64,
    /// In progress overdue.
    pub in_progress_overdue: i64,
    /// Returned.
    pub returned: i64,
    /// Withdrawn.
    pub withdrawn: i64,
    /// (early + on time) ÷ settled.
    pub on_time_rate: Option<f64>,
    /// 766 progress rate.
    pub progress_rate_766: Option<f64>,
}

impl StatsDto {
    /// From the report.
    pub fn new(
        unit: &UnitRecord,
        from: String,
        to: String,
        field: Option<String>,
        procedure: Option<String>,
        report: &PeriodReport,
    ) -> StatsDto {
        StatsDto {
            unit: unit.code.clone(),
            unit_name: unit.name.clone(),
            from,
            to,
            field,
            procedure,
            carried_over: report.carried_over,
            received: report.received,
            received_counter: report.received_counter,
            received_post: report.received_post,
            received_online: report.received_online,
            received_national_portal: report.received_national_portal,
            settled: report.settled,
            settled_early: report.settled_early,
            settled_on_time: report.settled_on_time,
            settled_late: report.settled_late,
            in_progress: report.in_progress,
            in_progress_within_time: report.in_progress_within_time,
            in_progress_overdue: report.in_progress_overdue,
            returned: report.returned,
            withdrawn: report.withdrawn,
            on_time_rate: report.on_time_rate,
            progress_rate_766: report.progress_rate_766,
        }
    }
}

/// Time spent in one workflow step of a procedure.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepStatDto {
    /// Procedure code.
    pub procedure: String,
    /// Step index (0-based, in the procedure's workflow order).
    pub step: u32,
    /// Completed steps.
    pub count: i64,
    /// Mean office time spent, in hours.
    pub mean_hours: f64,
    /// Steps that took longer than their budget.
    pub over_budget: i64,
}

impl From<&app::StepStat> for StepStatDto {
    fn from(stat: &app::StepStat) -> StepStatDto {
        StepStatDto {
            procedure: stat.procedure.clone(),
            step: stat.step,
            count: stat.count,
            mean_hours: if stat.count > 0 { stat.spent_seconds as f64 / stat.count as f64 / 3600.0 } else { 0.0 },
            over_budget: stat.over_budget,
        }
    }
}
