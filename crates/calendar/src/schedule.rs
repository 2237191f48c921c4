//! The government's yearly civil-service schedule as data.
//!
//! Each year the Prime Minister (through a Government Office letter) and the ministry in charge
//! of labour (from 2025 the Ministry of Home Affairs) fix the concrete days off for cadres, civil
//! servants and public employees: the Tết block, the National Day adjacent day, and swaps of a
//! weekday off against a Saturday worked. These cannot be derived from the law, so they are data
//! (`data/calendar/official-days.csv`, embedded as the default; more files can be added through
//! the configuration without a rebuild).
//!
//! Columns: `date,kind,name,note,source`, with `kind` one of `holiday`, `compensatory`,
//! `swapped_off`, `makeup_workday`. A year that has at least one row is an *official* year: its
//! rows replace the statutory computation for that whole year, so a year's notice must be entered
//! in full (the `calendar draft-schedule` command prints the statutory days as a starting point).

use std::collections::BTreeMap;

use jiff::civil::{Date, Weekday};

use crate::csvdata;
use crate::error::CalendarError;

/// The official schedules shipped in `data/calendar/official-days.csv`.
pub const BUILTIN_OFFICIAL_DAYS: &str = include_str!("../../../data/calendar/official-days.csv");

/// How the official schedule treats a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScheduledKind {
    /// A public holiday (including weekend days inside a holiday block).
    Holiday,
    /// A day off in compensation for a holiday that fell on a weekly rest day.
    Compensatory,
    /// A weekday made a day off, worked back on a make-up day.
    SwappedOff,
    /// A Saturday or Sunday worked instead of a swapped day off.
    MakeupWorkday,
}

impl ScheduledKind {
    /// The name used in the data file and the CLI's CSV output.
    pub fn as_str(self) -> &'static str {
        match self {
            ScheduledKind::Holiday => "holiday",
            ScheduledKind::Compensatory => "compensatory",
            ScheduledKind::SwappedOff => "swapped_off",
            ScheduledKind::MakeupWorkday => "makeup_workday",
        }
    }

    fn parse(text: &str) -> Option<ScheduledKind> {
        match text {
            "holiday" => Some(ScheduledKind::Holiday),
            "compensatory" => Some(ScheduledKind::Compensatory),
            "swapped_off" => Some(ScheduledKind::SwappedOff),
            "makeup_workday" => Some(ScheduledKind::MakeupWorkday),
            _ => None,
        }
    }
}

/// One row of the official schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledDay {
    /// The day.
    pub date: Date,
    /// How it is treated.
    pub kind: ScheduledKind,
    /// Vietnamese name shown to users.
    pub name: String,
    /// Free-text note (which notice, why).
    pub note: String,
    /// Where the fact comes from.
    pub source: String,
}

/// Official schedules by year.
///
/// Invariants: no date appears twice; a make-up day is a Saturday or Sunday; a swapped day off or
/// a compensatory day is a weekday; every year has as many swapped days off as make-up days.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OfficialSchedule {
    years: BTreeMap<i16, Vec<ScheduledDay>>,
}

const HEADER: [&str; 5] = ["date", "kind", "name", "note", "source"];

impl OfficialSchedule {
    /// The schedules shipped with motcua (2022–2026, `data/calendar/official-days.csv`).
    pub fn builtin() -> OfficialSchedule {
        // The embedded file is tested in this crate's tests, so parsing it cannot fail at run time.
        OfficialSchedule::parse(BUILTIN_OFFICIAL_DAYS, "built-in:official-days.csv").unwrap_or_default()
    }

    /// Parses a schedule file. `file` labels errors, which name the line.
    pub fn parse(text: &str, file: &str) -> Result<OfficialSchedule, CalendarError> {
        let rows = csvdata::read_rows(text, file, &HEADER)?;
        let mut years: BTreeMap<i16, Vec<ScheduledDay>> = BTreeMap::new();
        let mut seen: BTreeMap<Date, u64> = BTreeMap::new();
        let mut last_line_of_year: BTreeMap<i16, u64> = BTreeMap::new();
        for row in &rows {
            let day = parse_day(row).map_err(|message| row.error(message))?;
            if let Some(first_line) = seen.insert(day.date, row.line()) {
                return Err(row.error(format!(
                    "ngày {} đã có ở dòng {first_line} / {} already appears on line {first_line}",
                    day.date, day.date
                )));
            }
            last_line_of_year.insert(day.date.year(), row.line());
            years.entry(day.date.year()).or_default().push(day);
        }
        for (year, days) in &mut years {
            days.sort_by_key(|day| day.date);
            let swapped = days.iter().filter(|day| day.kind == ScheduledKind::SwappedOff).count();
            let makeup = days.iter().filter(|day| day.kind == ScheduledKind::MakeupWorkday).count();
            if swapped != makeup {
                return Err(CalendarError::Data {
                    file: file.to_owned(),
                    line: last_line_of_year.get(year).copied().unwrap_or(0),
                    message: format!(
                        "năm {year}: {swapped} ngày nghỉ hoán đổi nhưng {makeup} ngày làm bù / \
                         {year}: {swapped} swapped days off but {makeup} make-up working days"
                    ),
                });
            }
        }
        Ok(OfficialSchedule { years })
    }

    /// Adds another schedule: each year it has replaces that year here (so a later file can
    /// correct or add a year).
    pub fn merge(&mut self, other: OfficialSchedule) {
        self.years.extend(other.years);
    }

    /// The official days of a year, sorted by date; `None` when the year has no official schedule.
    pub fn year(&self, year: i16) -> Option<&[ScheduledDay]> {
        self.years.get(&year).map(Vec::as_slice)
    }

    /// The years that have an official schedule.
    pub fn years(&self) -> impl Iterator<Item = i16> + '_ {
        self.years.keys().copied()
    }
}

fn parse_day(row: &csvdata::Row) -> Result<ScheduledDay, String> {
    let date = row.date(0, "date")?;
    let kind = ScheduledKind::parse(row.get(1)).ok_or_else(|| {
        format!(
            "cột kind phải là holiday, compensatory, swapped_off hoặc makeup_workday / \
             kind must be holiday, compensatory, swapped_off or makeup_workday, not {:?}",
            row.get(1)
        )
    })?;
    let weekend = matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday);
    match kind {
        ScheduledKind::MakeupWorkday if !weekend => {
            return Err(format!(
                "ngày làm bù {date} phải là thứ Bảy hoặc Chủ nhật / make-up day {date} must be a Saturday or Sunday"
            ));
        }
        ScheduledKind::SwappedOff | ScheduledKind::Compensatory if weekend => {
            return Err(format!(
                "ngày {date} ({}) là ngày nghỉ cuối tuần, không thể là {} / {date} is a weekend day and cannot be {}",
                kind.as_str(),
                kind.as_str(),
                kind.as_str()
            ));
        }
        _ => {}
    }
    let name = row.get(2).to_owned();
    if name.is_empty() {
        return Err("thiếu tên ngày / the name column is required".to_owned());
    }
    let source = row.get(4).to_owned();
    if source.is_empty() {
        return Err("thiếu nguồn / the source column is required".to_owned());
    }
    Ok(ScheduledDay { date, kind, name, note: row.get(3).to_owned(), source })
}
