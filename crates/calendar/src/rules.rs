//! Statutory holidays as data: which days the law gives off, in which years.
//!
//! The rules live in a CSV file (`data/calendar/holiday-rules.csv`, embedded as the default;
//! an administrator may point the configuration at another file). A new statutory holiday, such
//! as the proposed Vietnam Culture Day (24/11), is one more row with its effective date and
//! source: no code change.
//!
//! Columns: `id,name_vi,name_en,calendar,month,day,offset,length,move_if,effective_from,effective_to,source`
//! - `calendar`: `solar` or `lunar`; `month`/`day`: the anchor date in that calendar (a lunar
//!   anchor is in the regular, non-leap month; lunar days 1..=29 only, since day 30 does not
//!   exist every year: express "the last day of the year" as `offset = -1` from 1/1);
//! - `offset`: days from the anchor to the first day off; `length`: consecutive days off;
//! - `move_if`: optional `weekday:+N` items separated by `;`: if the first day falls on that
//!   weekday, move the whole block by N days (how the provisional National Day adjacent day is
//!   chosen);
//! - `effective_from`/`effective_to` (ISO dates, `to` may be empty): the rule applies to an
//!   occurrence whose anchor date lies in that range;
//! - `source`: the legal basis, required.

use jiff::civil::{Date, Weekday};

use crate::daynum;
use crate::error::CalendarError;
use crate::lunar::{self, LunarDate};

/// The statutory holiday rules shipped in `data/calendar/holiday-rules.csv`.
pub const BUILTIN_HOLIDAY_RULES: &str = include_str!("../../../data/calendar/holiday-rules.csv");

/// Which calendar a rule's anchor date is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnchorCalendar {
    /// Gregorian month/day.
    Solar,
    /// Lunar month/day of the regular (non-leap) month.
    Lunar,
}

/// One statutory holiday rule with its period of validity.
///
/// Invariant: `length >= 1`, the anchor exists in every year (solar dates are not 29/2; lunar
/// days are 1..=29), `effective_from <= effective_to` when both are set, `source` is non-empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayRule {
    /// Stable identifier (several rows may share one when the rule changed over time).
    pub id: String,
    /// Vietnamese name, shown to users.
    pub name_vi: String,
    /// English name.
    pub name_en: String,
    /// Calendar of the anchor date.
    pub calendar: AnchorCalendar,
    /// Anchor month.
    pub month: u8,
    /// Anchor day.
    pub day: u8,
    /// Days from the anchor to the first day off.
    pub offset: i32,
    /// Number of consecutive days off.
    pub length: u8,
    /// Weekday-dependent moves of the whole block.
    pub move_if: Vec<(Weekday, i32)>,
    /// First anchor date the rule applies to.
    pub effective_from: Date,
    /// Last anchor date the rule applies to, if it was repealed or replaced.
    pub effective_to: Option<Date>,
    /// The legal basis.
    pub source: String,
}

/// A holiday occurrence produced by a rule for one year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// The days off, in order.
    pub days: Vec<Date>,
    /// The rule's Vietnamese name.
    pub name_vi: String,
}

/// The set of statutory holiday rules.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HolidayRules {
    rules: Vec<HolidayRule>,
}

const HEADER: [&str; 12] = [
    "id",
    "name_vi",
    "name_en",
    "calendar",
    "month",
    "day",
    "offset",
    "length",
    "move_if",
    "effective_from",
    "effective_to",
    "source",
];

impl HolidayRules {
    /// The rules shipped with motcua (`data/calendar/holiday-rules.csv`).
    pub fn builtin() -> HolidayRules {
        // The embedded file is tested in this crate's tests, so parsing it cannot fail at run time.
        HolidayRules::parse(BUILTIN_HOLIDAY_RULES, "built-in:holiday-rules.csv").unwrap_or_default()
    }

    /// Parses a rules file. `file` labels errors, which name the line.
    pub fn parse(text: &str, file: &str) -> Result<HolidayRules, CalendarError> {
        let rows = crate::csvdata::read_rows(text, file, &HEADER)?;
        let mut rules = Vec::with_capacity(rows.len());
        for row in rows {
            rules.push(parse_rule(&row).map_err(|message| row.error(message))?);
        }
        Ok(HolidayRules { rules })
    }

    /// Adds the rules of another file after these ones.
    pub fn extend(&mut self, other: HolidayRules) {
        self.rules.extend(other.rules);
    }

    /// All rules, in file order.
    pub fn rules(&self) -> &[HolidayRule] {
        &self.rules
    }

    /// The statutory holidays of a Gregorian year: every rule whose anchor date in that year lies
    /// within its effective range. Errors only when a lunar anchor falls outside the lunar table.
    pub fn occurrences(&self, year: i16) -> Result<Vec<Occurrence>, CalendarError> {
        let mut occurrences = Vec::new();
        for rule in &self.rules {
            let anchor = match rule.calendar {
                AnchorCalendar::Solar => match Date::new(year, rule.month as i8, rule.day as i8) {
                    Ok(date) => date,
                    Err(_) => continue,
                },
                AnchorCalendar::Lunar => {
                    lunar::to_solar(LunarDate { year: i32::from(year), month: rule.month, leap: false, day: rule.day })?
                }
            };
            if anchor < rule.effective_from || rule.effective_to.is_some_and(|to| anchor > to) {
                continue;
            }
            let mut first = daynum::day_number(anchor) + rule.offset;
            let weekday = daynum::weekday_of(first);
            if let Some((_, shift)) = rule.move_if.iter().find(|(day, _)| *day == weekday) {
                first += shift;
            }
            let days = (0..i32::from(rule.length)).map(|index| daynum::date_of(first + index)).collect();
            occurrences.push(Occurrence { days, name_vi: rule.name_vi.clone() });
        }
        Ok(occurrences)
    }
}

fn parse_rule(row: &crate::csvdata::Row) -> Result<HolidayRule, String> {
    let calendar = match row.get(3) {
        "solar" => AnchorCalendar::Solar,
        "lunar" => AnchorCalendar::Lunar,
        other => {
            return Err(format!(
                "cột calendar phải là solar hoặc lunar / calendar must be solar or lunar, not {other:?}"
            ));
        }
    };
    let month: u8 = row.number(4, "month")?;
    let day: u8 = row.number(5, "day")?;
    match calendar {
        AnchorCalendar::Solar => {
            if Date::new(2000, month as i8, day as i8).is_err() || (month == 2 && day == 29) {
                return Err(format!("ngày dương lịch không hợp lệ / invalid solar anchor {day}/{month}"));
            }
        }
        AnchorCalendar::Lunar => {
            if !(1..=12).contains(&month) || !(1..=29).contains(&day) {
                return Err(format!(
                    "ngày âm lịch phải từ 1 đến 29, tháng từ 1 đến 12 / lunar anchor must be day 1..=29 of month 1..=12, not {day}/{month}"
                ));
            }
        }
    }
    let offset: i32 = row.number(6, "offset")?;
    if !(-31..=31).contains(&offset) {
        return Err(format!("offset phải từ -31 đến 31 / offset must be within -31..=31, not {offset}"));
    }
    let length: u8 = row.number(7, "length")?;
    if !(1..=14).contains(&length) {
        return Err(format!("length phải từ 1 đến 14 / length must be 1..=14, not {length}"));
    }
    let move_if = parse_move_if(row.get(8))?;
    let effective_from = row.date(9, "effective_from")?;
    let effective_to = match row.get(10) {
        "" => None,
        _ => Some(row.date(10, "effective_to")?),
    };
    if effective_to.is_some_and(|to| to < effective_from) {
        return Err("effective_to trước effective_from / effective_to is before effective_from".to_owned());
    }
    let source = row.get(11).to_owned();
    if source.is_empty() {
        return Err("thiếu nguồn (căn cứ pháp lý) / the source column is required".to_owned());
    }
    let (id, name_vi, name_en) = (row.get(0), row.get(1), row.get(2));
    if id.is_empty() || name_vi.is_empty() || name_en.is_empty() {
        return Err("id, name_vi và name_en là bắt buộc / id, name_vi and name_en are required".to_owned());
    }
    Ok(HolidayRule {
        id: id.to_owned(),
        name_vi: name_vi.to_owned(),
        name_en: name_en.to_owned(),
        calendar,
        month,
        day,
        offset,
        length,
        move_if,
        effective_from,
        effective_to,
        source,
    })
}

fn parse_move_if(text: &str) -> Result<Vec<(Weekday, i32)>, String> {
    let mut moves = Vec::new();
    for item in text.split(';').map(str::trim).filter(|item| !item.is_empty()) {
        let (weekday, shift) = item
            .split_once(':')
            .ok_or_else(|| format!("move_if phải có dạng thứ:+N / move_if items look like sun:+2, not {item:?}"))?;
        let weekday = crate::csvdata::parse_weekday(weekday)
            .ok_or_else(|| format!("thứ không hợp lệ / unknown weekday {weekday:?} (mon..sun)"))?;
        let shift: i32 = shift
            .trim_start_matches('+')
            .parse()
            .map_err(|_| format!("số ngày dịch không hợp lệ / invalid shift {shift:?}"))?;
        if !(-7..=7).contains(&shift) {
            return Err(format!("số ngày dịch phải từ -7 đến 7 / shift must be within -7..=7, not {shift}"));
        }
        moves.push((weekday, shift));
    }
    Ok(moves)
}
