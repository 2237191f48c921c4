//! Statistics: the counters every write rolls up (daily, due-opened, due-closed, steps,
//! per-unit daily, monthly), how a period is summed from them, and the storage they live in.

mod service;

use std::collections::BTreeMap;

use async_trait::async_trait;
use domain::dossier::{self, Channel, DailyCounter, DossierState, Event, StatDelta};
use domain::stats::PeriodSums;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::{StoreResult, date_of_day, day_number};

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

/// One increment of a maintained aggregate, derived from a statistics delta.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Increment {
    /// A daily counter (index into [`crate::DAILY_COUNTERS`]).
    Daily {
        /// `(unit, procedure, field, day)`.
        key: (i64, String, String, i32),
        /// Counter index.
        column: usize,
    },
    /// A due instant opened.
    DueOpened {
        /// `(unit, procedure, field, due_day)`.
        key: (i64, String, String, i32),
    },
    /// A due instant closed.
    DueClosed {
        /// `(unit, procedure, field, close_day, due_day)`.
        key: (i64, String, String, i32, i32),
    },
    /// A step finished.
    Step {
        /// `(unit, procedure, step, day)`.
        key: (i64, String, u32, i32),
        /// Office seconds spent.
        spent_seconds: i64,
        /// Whether over budget.
        over_budget: bool,
    },
}

fn counter_index(counter: DailyCounter) -> usize {
    match counter {
        DailyCounter::Received(Channel::Counter) => 0,
        DailyCounter::Received(Channel::Post) => 1,
        DailyCounter::Received(Channel::Online) => 2,
        DailyCounter::Received(Channel::NationalPortal) => 3,
        DailyCounter::SettledEarly => 4,
        DailyCounter::SettledOnTime => 5,
        DailyCounter::SettledLate => 6,
        DailyCounter::Returned => 7,
        DailyCounter::Withdrawn => 8,
    }
}

/// The aggregate increments of an event: the statistics are the receiving unit's.
pub fn increments(unit_id: i64, before: Option<&DossierState>, after: &DossierState, event: &Event) -> Vec<Increment> {
    let procedure = after.procedure.to_string();
    let field = after.field.clone();
    dossier::stat_deltas(before, after, event)
        .into_iter()
        .map(|delta| match delta {
            StatDelta::Daily { day, counter } => Increment::Daily {
                key: (unit_id, procedure.clone(), field.clone(), day_number(day)),
                column: counter_index(counter),
            },
            StatDelta::DueOpened { due_day } => {
                Increment::DueOpened { key: (unit_id, procedure.clone(), field.clone(), day_number(due_day)) }
            }
            StatDelta::DueClosed { close_day, due_day } => Increment::DueClosed {
                key: (unit_id, procedure.clone(), field.clone(), day_number(close_day), day_number(due_day)),
            },
            StatDelta::Step { day, step, spent_seconds, over_budget } => {
                Increment::Step { key: (unit_id, procedure.clone(), step, day_number(day)), spent_seconds, over_budget }
            }
        })
        .collect()
}

/// The per-unit daily roll-up of a write's daily increments (what backends add to
/// `stat_unit_daily`, and, through [`crate::months_of`], to `stat_monthly`).
pub fn unit_daily_increments(increments: &[Increment]) -> BTreeMap<crate::UnitDayKey, [i64; 9]> {
    let mut unit_daily: BTreeMap<crate::UnitDayKey, [i64; 9]> = BTreeMap::new();
    for increment in increments {
        if let Increment::Daily { key: (unit, _, field, day), column } = increment {
            unit_daily.entry((*unit, field.clone(), *day)).or_insert([0; 9])[*column] += 1;
        }
    }
    unit_daily
}

/// Adds increments to an in-memory aggregate set (the recount of `check`).
pub fn add_increments(aggregates: &mut Aggregates, increments: &[Increment]) {
    for increment in increments {
        match increment {
            Increment::Daily { key, column } => aggregates.daily.entry(key.clone()).or_insert([0; 9])[*column] += 1,
            Increment::DueOpened { key } => *aggregates.due_opened.entry(key.clone()).or_insert(0) += 1,
            Increment::DueClosed { key } => *aggregates.due_closed.entry(key.clone()).or_insert(0) += 1,
            Increment::Step { key, spent_seconds, over_budget } => {
                let entry = aggregates.steps.entry(key.clone()).or_insert((0, 0, 0));
                entry.0 += 1;
                entry.1 += spent_seconds;
                entry.2 += i64::from(*over_budget);
            }
        }
    }
}

/// Storage of the statistics roll-ups (written with each dossier write, read by reports).
#[async_trait]
pub trait StatisticsStore: Send + Sync {
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
    /// Every maintained aggregate.
    async fn aggregates(&self) -> StoreResult<Aggregates>;
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
