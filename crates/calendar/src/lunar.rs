//! The Vietnamese lunar calendar (âm lịch), computed for the meridian 105° E (UTC+7).
//!
//! Rules (Hồ Ngọc Đức, "Computing the Vietnamese lunar calendar",
//! <https://www.informatik.uni-leipzig.de/~duc/amlich/calrules_en.html>):
//! 1. a month starts on the civil day (UTC+7) that contains the new moon;
//! 2. the December solstice always falls in month 11;
//! 3. when 13 months separate two months 11, the first month after month 11 that contains no
//!    principal solar term (the Sun's longitude crossing a multiple of 30°) is the leap month and
//!    takes the number of the month before it.
//!
//! The UTC+7 meridian is what makes this calendar differ from the Chinese one (UTC+8): Tết 1985,
//! 2007, 2030 and 2053 fall on other days. Historical note: before 8 August 1967 (North) and
//! 1975 (South) Vietnam printed calendars computed for UTC+8; this module is the proleptic UTC+7
//! calendar for every year, which is the official one from 1968/1976 on.
//!
//! All months of lunar years 1899 (from month 11) to 2101 (to month 10) are computed once, on
//! first use, into a table of about 2,500 entries (20 KB); conversions are binary searches in it.

use std::fmt;
use std::sync::OnceLock;

use jiff::civil::Date;

use crate::astro;
use crate::daynum;
use crate::error::CalendarError;

/// Hours east of Greenwich of the meridian the calendar is computed for.
const TIME_ZONE_HOURS: f64 = 7.0;

/// First and last solar dates the lunar conversions accept.
pub const FIRST_SUPPORTED_SOLAR: Date = jiff::civil::date(1900, 1, 1);
/// Last solar date the lunar conversions accept.
pub const LAST_SUPPORTED_SOLAR: Date = jiff::civil::date(2100, 12, 31);

/// A date of the Vietnamese lunar calendar.
///
/// Invariant when produced by this crate: it exists (the month is a leap month only in the year
/// that has it, and the day is within the month's 29 or 30 days).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LunarDate {
    /// Lunar year, numbered like the Gregorian year in which its month 1 (Tết) begins.
    pub year: i32,
    /// Month number 1..=12.
    pub month: u8,
    /// Whether this is the leap (nhuận) month that repeats `month`.
    pub leap: bool,
    /// Day of the month 1..=30.
    pub day: u8,
}

impl fmt::Display for LunarDate {
    /// `YYYY-MM-DD`, followed by ` leap` for a day of a leap month.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{:04}-{:02}-{:02}", self.year, self.month, self.day)?;
        if self.leap {
            formatter.write_str(" leap")?;
        }
        Ok(())
    }
}

/// One lunar month of the precomputed table.
#[derive(Debug, Clone, Copy)]
struct MonthEntry {
    /// Day number of the first day.
    start: i32,
    year: i32,
    month: u8,
    leap: bool,
}

impl MonthEntry {
    fn key(&self) -> (i32, u8, bool) {
        (self.year, self.month, self.leap)
    }
}

/// A lunar month as seen from outside: its number, leap flag, first solar day and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LunarMonth {
    /// Lunar year.
    pub year: i32,
    /// Month number 1..=12.
    pub month: u8,
    /// Whether it is a leap month.
    pub leap: bool,
    /// Solar date of day 1.
    pub start: Date,
    /// 29 or 30.
    pub days: u8,
}

fn table() -> &'static [MonthEntry] {
    static TABLE: OnceLock<Vec<MonthEntry>> = OnceLock::new();
    TABLE.get_or_init(build_table)
}

/// Civil day (UTC+7) of the k-th new moon.
fn new_moon_day(k: i32) -> i32 {
    let jd = astro::new_moon_ut(k) + 0.5 + TIME_ZONE_HOURS / 24.0;
    daynum::from_julian_day_number(jd.floor() as i32)
}

/// The 30° sector (0..=11) the Sun is in at local midnight starting a civil day.
fn sun_sector_at_day_start(day: i32) -> i32 {
    let jd_ut = f64::from(daynum::julian_day_number(day)) - 0.5 - TIME_ZONE_HOURS / 24.0;
    (astro::sun_apparent_longitude(jd_ut) / 30.0).floor() as i32
}

/// Index k of the new moon that starts month 11 of the lunar year whose month 11 contains the
/// December solstice of Gregorian `year`.
fn month_eleven_index(year: i32) -> i32 {
    // The civil day on which the Sun crosses 270°: sector 8 at its start, 9 at the next start.
    // It is never before 17 December; the years passed here (1898..=2101) are all valid dates.
    let mut solstice_day = daynum::day_number(jiff::civil::date(year as i16, 12, 17));
    while !(sun_sector_at_day_start(solstice_day) == 8 && sun_sector_at_day_start(solstice_day + 1) == 9) {
        solstice_day += 1;
    }
    let mut k = astro::new_moon_index_before(f64::from(daynum::julian_day_number(solstice_day))) + 1;
    while new_moon_day(k) > solstice_day {
        k -= 1;
    }
    while new_moon_day(k + 1) <= solstice_day {
        k += 1;
    }
    k
}

fn build_table() -> Vec<MonthEntry> {
    let mut entries = Vec::with_capacity(2_520);
    let mut previous_eleven = month_eleven_index(1898);
    for gregorian_year in 1899..=2101 {
        let next_eleven = month_eleven_index(gregorian_year);
        let count = next_eleven - previous_eleven;
        // Offset (from month 11) of the leap month in a 13-month year.
        let leap_offset = if count == 13 {
            (1..=12).find(|offset| {
                let start = new_moon_day(previous_eleven + offset);
                let end = new_moon_day(previous_eleven + offset + 1);
                sun_sector_at_day_start(start) == sun_sector_at_day_start(end)
            })
        } else {
            None
        };
        for offset in 0..count {
            let (number_offset, leap) = match leap_offset {
                Some(leap_at) if offset == leap_at => (offset - 1, true),
                Some(leap_at) if offset > leap_at => (offset - 1, false),
                _ => (offset, false),
            };
            // Offset 0 is month 11, 1 is month 12, 2 is month 1, ...
            let month = ((10 + number_offset) % 12 + 1) as u8;
            let year = if month >= 11 { gregorian_year - 1 } else { gregorian_year };
            entries.push(MonthEntry { start: new_moon_day(previous_eleven + offset), year, month, leap });
        }
        previous_eleven = next_eleven;
    }
    // Sentinel: the start of the month after the last one, so every month has a length.
    entries.push(MonthEntry { start: new_moon_day(previous_eleven), year: 2101, month: 11, leap: false });
    entries
}

fn check_solar_range(date: Date) -> Result<(), CalendarError> {
    if date < FIRST_SUPPORTED_SOLAR || date > LAST_SUPPORTED_SOLAR {
        return Err(CalendarError::OutOfRange {
            what: format!("{date}"),
            range: format!("{FIRST_SUPPORTED_SOLAR}..={LAST_SUPPORTED_SOLAR}"),
        });
    }
    Ok(())
}

/// The lunar date of a solar (Gregorian) date in 1900-01-01..=2100-12-31.
pub fn to_lunar(date: Date) -> Result<LunarDate, CalendarError> {
    check_solar_range(date)?;
    let day = daynum::day_number(date);
    let months = table();
    // The last month whose start is on or before `day`.
    let index = months.partition_point(|entry| entry.start <= day) - 1;
    let entry = months[index];
    Ok(LunarDate { year: entry.year, month: entry.month, leap: entry.leap, day: (day - entry.start + 1) as u8 })
}

/// The solar date of a lunar date. Errors when the month is not a leap month that year, when the
/// day is past the month's end, or when the result is outside 1900–2100.
pub fn to_solar(lunar: LunarDate) -> Result<Date, CalendarError> {
    let month = lunar_month(lunar.year, lunar.month, lunar.leap)?;
    if lunar.day == 0 || lunar.day > month.days {
        return Err(CalendarError::NoSuchLunarDate {
            date: lunar.to_string(),
            reason: format!(
                "ngày phải từ 1 đến {} trong tháng này / the day must be 1..={} in this month",
                month.days, month.days
            ),
        });
    }
    let day = daynum::day_number(month.start) + i32::from(lunar.day) - 1;
    let date = daynum::date_of(day);
    check_solar_range(date)?;
    Ok(date)
}

/// A lunar month by number. Errors when it does not exist (e.g. a leap month in a year without
/// one) or lies outside the table.
pub fn lunar_month(year: i32, month: u8, leap: bool) -> Result<LunarMonth, CalendarError> {
    if !(1..=12).contains(&month) {
        return Err(CalendarError::NoSuchLunarDate {
            date: format!("{year:04}-{month:02}"),
            reason: "tháng phải từ 1 đến 12 / month must be 1..=12".to_owned(),
        });
    }
    let months = table();
    let key = (year, month, leap);
    let index = months[..months.len() - 1].partition_point(|entry| entry.key() < key);
    match months.get(index) {
        Some(entry) if entry.key() == key && index + 1 < months.len() => Ok(LunarMonth {
            year,
            month,
            leap,
            start: daynum::date_of(entry.start),
            days: (months[index + 1].start - entry.start) as u8,
        }),
        _ if leap => Err(CalendarError::NoSuchLunarDate {
            date: format!("{year:04}-{month:02} leap"),
            reason: match leap_month(year) {
                Some(actual) => format!("năm {year} nhuận tháng {actual} / the leap month of {year} is {actual}"),
                None => format!("năm {year} không có tháng nhuận / {year} has no leap month"),
            },
        }),
        _ => Err(CalendarError::OutOfRange {
            what: format!("lunar {year:04}-{month:02}"),
            range: "1900..=2100".to_owned(),
        }),
    }
}

/// The number of the leap month of a lunar year, if it has one.
pub fn leap_month(year: i32) -> Option<u8> {
    table().iter().find(|entry| entry.year == year && entry.leap).map(|entry| entry.month)
}

/// Every month of a lunar year in order (12 or 13).
pub fn months_of_year(year: i32) -> Vec<LunarMonth> {
    let months = table();
    let mut result = Vec::with_capacity(13);
    for pair in months.windows(2) {
        let entry = pair[0];
        if entry.year == year {
            result.push(LunarMonth {
                year,
                month: entry.month,
                leap: entry.leap,
                start: daynum::date_of(entry.start),
                days: (pair[1].start - entry.start) as u8,
            });
        }
    }
    result
}

/// Bytes held by the precomputed lunar table (for the size budget in BENCHMARKS.md).
pub fn table_size_bytes() -> usize {
    std::mem::size_of_val(table())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn lunar(year: i32, month: u8, day: u8, leap: bool) -> LunarDate {
        LunarDate { year, month, leap, day }
    }

    #[test]
    fn tet_dates_that_differ_from_china() {
        assert_eq!(to_solar(lunar(2007, 1, 1, false)).unwrap(), date(2007, 2, 17));
        assert_eq!(to_solar(lunar(2030, 1, 1, false)).unwrap(), date(2030, 2, 2));
        assert_eq!(to_solar(lunar(1985, 1, 1, false)).unwrap(), date(1985, 1, 21));
        assert_eq!(to_solar(lunar(2053, 1, 1, false)).unwrap(), date(2053, 2, 18));
    }

    #[test]
    fn leap_month_of_2006() {
        assert_eq!(to_lunar(date(2006, 9, 12)).unwrap(), lunar(2006, 7, 20, true));
        assert_eq!(leap_month(2006), Some(7));
        assert_eq!(leap_month(2026), None);
    }
}
