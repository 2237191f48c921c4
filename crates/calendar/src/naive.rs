//! A deliberately simple day-by-day implementation of working-day deadlines.
//!
//! It walks minute intervals day by day over a `BTreeMap` of days off, the way such code is
//! usually first written. It exists as an independent oracle for the property tests (the fast
//! engine must agree with it everywhere) and as the baseline the benchmark compares against.
//! Do not use it in production code.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::TimeZone;

use crate::days::{CivilCalendar, DayKind, FIRST_YEAR, LAST_YEAR};

/// Day-by-day deadline arithmetic over the same calendar and HCMC-style hours.
#[derive(Debug, Clone)]
pub struct NaiveDeadlines {
    special: BTreeMap<Date, bool>,
    /// `(open, close)` as (hour, minute) pairs.
    intervals: Vec<((i8, i8), (i8, i8))>,
    time_zone: TimeZone,
}

impl NaiveDeadlines {
    /// Builds the naive calculator from a calendar and `HH:MM` intervals.
    pub fn new(calendar: &CivilCalendar, intervals: Vec<((i8, i8), (i8, i8))>, time_zone: TimeZone) -> NaiveDeadlines {
        let mut special = BTreeMap::new();
        for year in FIRST_YEAR..=LAST_YEAR {
            for day in calendar.special_days(year).unwrap_or_default() {
                special.insert(day.date, day.kind == DayKind::MakeupWorkday);
            }
        }
        NaiveDeadlines { special, intervals, time_zone }
    }

    fn is_working(&self, date: Date) -> bool {
        match self.special.get(&date) {
            Some(&working) => working,
            None => !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday),
        }
    }

    /// Due instant of `days` working days after `received`, walking day by day.
    pub fn add_working_days(&self, received: Timestamp, days: u32) -> Timestamp {
        let mut remaining = i64::from(days) * self.day_seconds();
        let local = received.to_zoned(self.time_zone.clone()).datetime();
        let mut date = local.date();
        let mut first = true;
        loop {
            if self.is_working(date) {
                for &((open_hour, open_minute), (close_hour, close_minute)) in &self.intervals {
                    let open = date.at(open_hour, open_minute, 0, 0);
                    let close = date.at(close_hour, close_minute, 0, 0);
                    let start = if first && local > open { local.min(close) } else { open };
                    let available = close.duration_since(start).as_secs();
                    if available <= 0 {
                        continue;
                    }
                    if remaining <= available {
                        let due: DateTime = start + jiff::Span::new().seconds(remaining);
                        return due.to_zoned(self.time_zone.clone()).map(|zoned| zoned.timestamp()).unwrap_or(received);
                    }
                    remaining -= available;
                }
            }
            first = false;
            date = match date.tomorrow() {
                Ok(next) => next,
                Err(_) => return received,
            };
        }
    }

    fn day_seconds(&self) -> i64 {
        self.intervals
            .iter()
            .map(|&((open_hour, open_minute), (close_hour, close_minute))| {
                i64::from(close_hour) * 3600 + i64::from(close_minute) * 60
                    - i64::from(open_hour) * 3600
                    - i64::from(open_minute) * 60
            })
            .sum()
    }
}
