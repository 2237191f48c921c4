//! Civil dates as plain day numbers.
//!
//! The hot paths of the engine work on `i32` day numbers (days since 1970-01-01 in the
//! proleptic Gregorian calendar) instead of `jiff::civil::Date`, so that a deadline is a handful
//! of integer operations. Conversions use Howard Hinnant's public-domain `days_from_civil`
//! algorithm (<https://howardhinnant.github.io/date_algorithms.html>).

use jiff::civil::{Date, Weekday};

/// Days since 1970-01-01 of a proleptic Gregorian date. Valid for every `jiff` date.
pub(crate) fn day_number(date: Date) -> i32 {
    let year = i32::from(date.year());
    let month = i32::from(date.month());
    let day = i32::from(date.day());
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_index = (month + 9) % 12; // March = 0
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day number. Inverse of [`day_number`] for the years `jiff` supports
/// (-9999..=9999); the engine only ever passes days in 1899..=2102.
pub(crate) fn date_of(day: i32) -> Date {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    let year = year_of_era + era * 400 + i32::from(month <= 2);
    // The arithmetic above always yields a valid civil date in jiff's range for the day numbers
    // the engine uses, so the fallback is unreachable in practice.
    Date::new(year as i16, month as i8, day as i8).unwrap_or(Date::MIN)
}

/// Weekday of a day number (1970-01-01 was a Thursday).
pub(crate) fn weekday_of(day: i32) -> Weekday {
    // 0 = Monday.
    match (day + 3).rem_euclid(7) {
        0 => Weekday::Monday,
        1 => Weekday::Tuesday,
        2 => Weekday::Wednesday,
        3 => Weekday::Thursday,
        4 => Weekday::Friday,
        5 => Weekday::Saturday,
        _ => Weekday::Sunday,
    }
}

/// Monday = 0 .. Sunday = 6, for indexing per-weekday tables.
pub(crate) fn weekday_index(weekday: Weekday) -> usize {
    weekday.to_monday_zero_offset() as usize
}

/// Julian Day Number (noon-based, integer) of a day number.
pub(crate) fn julian_day_number(day: i32) -> i32 {
    day + 2_440_588
}

/// Day number of an integer Julian Day Number.
pub(crate) fn from_julian_day_number(jdn: i32) -> i32 {
    jdn - 2_440_588
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn round_trips_and_known_values() {
        assert_eq!(day_number(date(1970, 1, 1)), 0);
        assert_eq!(day_number(date(2000, 3, 1)), 11_017);
        assert_eq!(julian_day_number(day_number(date(2000, 1, 1))), 2_451_545);
        for day in -30_000..60_000 {
            assert_eq!(day_number(date_of(day)), day);
            assert_eq!(weekday_of(day), date_of(day).weekday());
        }
    }
}
