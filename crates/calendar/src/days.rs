//! The civil-service calendar of days: which days are worked, which are off and why.

use std::collections::HashMap;

use jiff::civil::{Date, Weekday};

use crate::daynum;
use crate::error::CalendarError;
use crate::rules::HolidayRules;
use crate::schedule::{OfficialSchedule, ScheduledKind};

/// First year the working calendar covers (the five-day civil-service week of Decision
/// 188/1999/QĐ-TTg applies from 2 October 1999).
pub const FIRST_YEAR: i16 = 2000;
/// Last year the working calendar covers.
pub const LAST_YEAR: i16 = 2100;

/// How a day is treated for civil servants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayKind {
    /// A regular Monday–Friday working day.
    Workday,
    /// Saturday or Sunday, the weekly rest days.
    WeeklyRest,
    /// A public holiday (on any weekday, including Saturday and Sunday).
    Holiday,
    /// A compensatory day off for a holiday that fell on a weekly rest day.
    Compensatory,
    /// A weekday given off in a swap, worked back on a make-up day.
    SwappedOff,
    /// A Saturday or Sunday worked in a swap.
    MakeupWorkday,
}

impl DayKind {
    /// Whether the day counts as a working day for deadlines.
    pub fn is_working(self) -> bool {
        matches!(self, DayKind::Workday | DayKind::MakeupWorkday)
    }

    /// The name used in CSV output (`holiday`, `compensatory`, `swapped_off`, `makeup_workday`,
    /// and `workday` / `weekly_rest` for ordinary days).
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Workday => "workday",
            DayKind::WeeklyRest => "weekly_rest",
            DayKind::Holiday => "holiday",
            DayKind::Compensatory => "compensatory",
            DayKind::SwappedOff => "swapped_off",
            DayKind::MakeupWorkday => "makeup_workday",
        }
    }
}

/// Where a year's days off come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YearSource {
    /// The government's schedule for that year (official-days data).
    Official,
    /// Computed from the statutory rules: provisional until the year's notice is entered.
    Statutory,
}

/// A day that differs from a plain Monday–Friday week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecialDay {
    /// The day.
    pub date: Date,
    /// Holiday, compensatory, swapped off or make-up working day.
    pub kind: DayKind,
    /// Vietnamese name.
    pub name: String,
}

#[derive(Debug, Clone, Copy)]
struct DayInfo {
    kind: DayKind,
    /// Index into `names`; 0 is the empty name.
    name: u16,
}

/// Every day of 2000–2100 classified for civil servants.
///
/// Invariant: each day is classified exactly once; official years use only the official schedule,
/// other years only the statutory rules with compensatory days (chained after a block of
/// holidays, as in 2023: 29/4 and 30/4 compensated on 2/5 and 3/5 because 1/5 is a holiday).
#[derive(Debug, Clone)]
pub struct CivilCalendar {
    first_day: i32,
    days: Vec<DayInfo>,
    names: Vec<String>,
    official: Vec<bool>,
}

impl CivilCalendar {
    /// The calendar from the shipped rules and schedules.
    pub fn builtin() -> Result<CivilCalendar, CalendarError> {
        CivilCalendar::new(&HolidayRules::builtin(), &OfficialSchedule::builtin())
    }

    /// Builds the calendar from statutory rules and official schedules.
    pub fn new(rules: &HolidayRules, schedule: &OfficialSchedule) -> Result<CivilCalendar, CalendarError> {
        let first_day = daynum::day_number(Date::constant(FIRST_YEAR, 1, 1));
        let end_day = daynum::day_number(Date::constant(LAST_YEAR, 12, 31)) + 1;
        let mut builder = Builder { names: vec![String::new()], name_index: HashMap::new() };
        let mut days: Vec<DayInfo> = (first_day..end_day)
            .map(|day| {
                let kind = if is_weekly_rest(daynum::weekday_of(day)) { DayKind::WeeklyRest } else { DayKind::Workday };
                DayInfo { kind, name: 0 }
            })
            .collect();
        let official: Vec<bool> = (FIRST_YEAR..=LAST_YEAR).map(|year| schedule.year(year).is_some()).collect();
        let is_official_day = |day: i32| official[usize::from((daynum::date_of(day).year() - FIRST_YEAR) as u16)];

        // Statutory holidays of every year, then compensatory days in date order.
        let mut holidays: Vec<(i32, u16)> = Vec::new();
        for year in FIRST_YEAR..=LAST_YEAR {
            for occurrence in rules.occurrences(year)? {
                let name = builder.name(&occurrence.name_vi);
                for date in occurrence.days {
                    holidays.push((daynum::day_number(date), name));
                }
            }
        }
        holidays.sort_unstable();
        holidays.dedup_by_key(|(day, _)| *day);
        let index_of = |day: i32| (day - first_day) as usize;
        let in_range = |day: i32| day >= first_day && day < end_day;
        for &(day, name) in &holidays {
            if in_range(day) && !is_official_day(day) {
                days[index_of(day)] = DayInfo { kind: DayKind::Holiday, name };
            }
        }
        for &(day, name) in &holidays {
            if !is_weekly_rest(daynum::weekday_of(day)) {
                continue;
            }
            // The next day that is neither a weekly rest day, a holiday nor already compensatory.
            let mut candidate = day + 1;
            loop {
                let taken = holidays.binary_search_by_key(&candidate, |(holiday, _)| *holiday).is_ok()
                    || is_weekly_rest(daynum::weekday_of(candidate))
                    || (in_range(candidate) && days[index_of(candidate)].kind == DayKind::Compensatory);
                if !taken {
                    break;
                }
                candidate += 1;
            }
            if in_range(candidate) && !is_official_day(candidate) {
                let label = format!("Nghỉ bù {}", builder.names[usize::from(name)]);
                let name = builder.name(&label);
                days[index_of(candidate)] = DayInfo { kind: DayKind::Compensatory, name };
            }
        }

        // Official years: their rows are the whole truth for that year.
        for year in schedule.years() {
            if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
                continue;
            }
            for scheduled in schedule.year(year).unwrap_or(&[]) {
                let kind = match scheduled.kind {
                    ScheduledKind::Holiday => DayKind::Holiday,
                    ScheduledKind::Compensatory => DayKind::Compensatory,
                    ScheduledKind::SwappedOff => DayKind::SwappedOff,
                    ScheduledKind::MakeupWorkday => DayKind::MakeupWorkday,
                };
                let name = builder.name(&scheduled.name);
                days[index_of(daynum::day_number(scheduled.date))] = DayInfo { kind, name };
            }
        }
        Ok(CivilCalendar { first_day, days, names: builder.names, official })
    }

    fn index(&self, date: Date) -> Result<usize, CalendarError> {
        if date.year() < FIRST_YEAR || date.year() > LAST_YEAR {
            return Err(year_out_of_range(&date.to_string()));
        }
        Ok((daynum::day_number(date) - self.first_day) as usize)
    }

    /// How a day is treated, with its name for holidays and swaps.
    pub fn day(&self, date: Date) -> Result<(DayKind, Option<&str>), CalendarError> {
        let info = self.days[self.index(date)?];
        let name = (info.name != 0).then(|| self.names[usize::from(info.name)].as_str());
        Ok((info.kind, name))
    }

    /// Whether civil servants work that day.
    pub fn is_working_day(&self, date: Date) -> Result<bool, CalendarError> {
        Ok(self.days[self.index(date)?].kind.is_working())
    }

    /// Whether a year's days off come from an official schedule or from the statutory rules.
    pub fn year_source(&self, year: i16) -> Result<YearSource, CalendarError> {
        check_year(year)?;
        Ok(if self.official[usize::from((year - FIRST_YEAR) as u16)] {
            YearSource::Official
        } else {
            YearSource::Statutory
        })
    }

    /// Indices of the first and last day of a covered year.
    fn year_indices(&self, year: i16) -> Result<(usize, usize), CalendarError> {
        check_year(year)?;
        let first = daynum::day_number(jiff::civil::date(year, 1, 1)) - self.first_day;
        let last = daynum::day_number(jiff::civil::date(year, 12, 31)) - self.first_day;
        Ok((first as usize, last as usize))
    }

    /// Every day of a year that differs from a plain Monday–Friday week, in date order.
    pub fn special_days(&self, year: i16) -> Result<Vec<SpecialDay>, CalendarError> {
        let (start, end) = self.year_indices(year)?;
        Ok((start..=end)
            .filter_map(|index| {
                let info = self.days[index];
                match info.kind {
                    DayKind::Workday | DayKind::WeeklyRest => None,
                    kind => Some(SpecialDay {
                        date: daynum::date_of(self.first_day + index as i32),
                        kind,
                        name: self.names[usize::from(info.name)].clone(),
                    }),
                }
            })
            .collect())
    }

    /// Number of working days in a year.
    pub fn working_days_in_year(&self, year: i16) -> Result<u32, CalendarError> {
        let (start, end) = self.year_indices(year)?;
        Ok(self.days[start..=end].iter().filter(|info| info.kind.is_working()).count() as u32)
    }

    /// Day number of the first covered day and the kind of every covered day (for the
    /// working-time engine).
    pub(crate) fn day_kinds(&self) -> (i32, impl Iterator<Item = DayKind> + '_) {
        (self.first_day, self.days.iter().map(|info| info.kind))
    }
}

struct Builder {
    names: Vec<String>,
    name_index: HashMap<String, u16>,
}

impl Builder {
    fn name(&mut self, name: &str) -> u16 {
        if let Some(&index) = self.name_index.get(name) {
            return index;
        }
        let index = self.names.len() as u16;
        self.names.push(name.to_owned());
        self.name_index.insert(name.to_owned(), index);
        index
    }
}

fn is_weekly_rest(weekday: Weekday) -> bool {
    matches!(weekday, Weekday::Saturday | Weekday::Sunday)
}

fn check_year(year: i16) -> Result<(), CalendarError> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Err(year_out_of_range(&year.to_string()));
    }
    Ok(())
}

fn year_out_of_range(what: &str) -> CalendarError {
    CalendarError::OutOfRange { what: what.to_owned(), range: format!("{FIRST_YEAR}..={LAST_YEAR}") }
}
