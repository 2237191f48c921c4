//! The statistics' queries in the service.

use crate::StoreResult;
use crate::access::{Action, Actor};
use domain::DomainError;
use domain::stats::PeriodReport;

use super::*;
use crate::service::Service;

impl Service {
    /// Step timings of a unit (internal statistics).
    pub async fn step_stats(
        &self,
        unit_id: i64,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
        actor: &Actor,
    ) -> StoreResult<Vec<crate::StepStat>> {
        self.authorize(actor, Action::ReadInternalStats, &[unit_id], "thống kê nội bộ / internal statistics").await?;
        self.store.step_stats(unit_id, from, to).await
    }

    /// The period report for a unit (optionally one field or procedure).
    pub async fn report(&self, query: &StatsQuery) -> StoreResult<PeriodReport> {
        if query.from > query.to {
            return Err(DomainError::new(
                "STATS_INVALID_PERIOD",
                "ngày bắt đầu sau ngày kết thúc / the period starts after it ends".to_owned(),
            )
            .into());
        }
        Ok(PeriodReport::from_sums(&self.reads().period_sums(query).await?))
    }
}
