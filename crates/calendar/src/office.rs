//! Office hours: the time of day that counts towards a deadline.

use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;

use crate::error::CalendarError;

/// The office hours of a unit, in its time zone.
///
/// Every working day (Monday–Friday by default, plus make-up Saturdays) has the same intervals,
/// so "one working day" is a fixed number of office seconds. Invariants: at least one interval;
/// intervals are non-empty, sorted and do not overlap; the same-day cut-off lies within the day.
#[derive(Debug, Clone)]
pub struct OfficeHours {
    /// `[start, end)` in seconds of the day.
    intervals: Vec<(u32, u32)>,
    /// Monday = 0 .. Sunday = 6: the weekdays the unit works (before holidays and swaps).
    weekdays: [bool; 7],
    /// Same-day procedures: received at or before this second of the day → due that day.
    same_day_cutoff: u32,
    time_zone: TimeZone,
    time_zone_name: String,
}

impl OfficeHours {
    /// Ho Chi Minh City's civil-service hours: 07:30–11:30 and 13:00–17:00, Monday–Friday,
    /// 15:00 same-day cut-off, time zone Asia/Ho_Chi_Minh.
    pub fn hcmc() -> OfficeHours {
        let seven_thirty = 7 * 3600 + 30 * 60;
        OfficeHours {
            intervals: vec![(seven_thirty, 11 * 3600 + 30 * 60), (13 * 3600, 17 * 3600)],
            weekdays: [true, true, true, true, true, false, false],
            same_day_cutoff: 15 * 3600,
            time_zone: ho_chi_minh_time_zone(),
            time_zone_name: "Asia/Ho_Chi_Minh".to_owned(),
        }
    }

    /// Office hours from their parts. `intervals` are `(open, close)` pairs.
    pub fn new(
        intervals: &[(Time, Time)],
        weekdays: &[Weekday],
        same_day_cutoff: Time,
        time_zone_name: &str,
    ) -> Result<OfficeHours, CalendarError> {
        if intervals.is_empty() {
            return Err(CalendarError::InvalidOfficeHours(
                "cần ít nhất một khoảng giờ / at least one interval is needed".to_owned(),
            ));
        }
        let mut seconds = Vec::with_capacity(intervals.len());
        let mut previous_end = 0;
        for (open, close) in intervals {
            let (start, end) = (second_of_day(*open), second_of_day(*close));
            if end <= start || start < previous_end {
                return Err(CalendarError::InvalidOfficeHours(format!(
                    "các khoảng giờ phải tăng dần và không chồng lấn / intervals must be increasing and must not overlap: {open}-{close}"
                )));
            }
            previous_end = end;
            seconds.push((start, end));
        }
        if weekdays.is_empty() {
            return Err(CalendarError::InvalidOfficeHours(
                "cần ít nhất một ngày trong tuần / at least one weekday is needed".to_owned(),
            ));
        }
        let mut weekday_flags = [false; 7];
        for weekday in weekdays {
            weekday_flags[crate::daynum::weekday_index(*weekday)] = true;
        }
        let time_zone = TimeZone::get(time_zone_name).map_err(|_| {
            CalendarError::InvalidOfficeHours(format!("múi giờ không rõ / unknown time zone {time_zone_name:?}"))
        })?;
        Ok(OfficeHours {
            intervals: seconds,
            weekdays: weekday_flags,
            same_day_cutoff: second_of_day(same_day_cutoff),
            time_zone,
            time_zone_name: time_zone_name.to_owned(),
        })
    }

    /// Parses `07:30-11:30,13:00-17:00`.
    pub fn parse_intervals(text: &str) -> Result<Vec<(Time, Time)>, CalendarError> {
        text.split(',')
            .map(|interval| {
                let invalid = || {
                    CalendarError::InvalidOfficeHours(format!(
                        "khoảng giờ phải có dạng HH:MM-HH:MM / an interval looks like 07:30-11:30, not {interval:?}"
                    ))
                };
                let (open, close) = interval.trim().split_once('-').ok_or_else(invalid)?;
                Ok((parse_time(open).ok_or_else(invalid)?, parse_time(close).ok_or_else(invalid)?))
            })
            .collect()
    }

    /// Office seconds in one working day.
    pub fn day_seconds(&self) -> u32 {
        self.intervals.iter().map(|(start, end)| end - start).sum()
    }

    /// The intervals in seconds of the day.
    pub(crate) fn interval_seconds(&self) -> &[(u32, u32)] {
        &self.intervals
    }

    /// Closing time (end of the last interval) in seconds of the day.
    pub(crate) fn closing_second(&self) -> u32 {
        self.intervals.last().map(|(_, end)| *end).unwrap_or(0)
    }

    /// The same-day cut-off in seconds of the day.
    pub(crate) fn same_day_cutoff_second(&self) -> u32 {
        self.same_day_cutoff
    }

    /// Whether the unit works on that weekday (before holidays and swaps).
    pub fn works_on(&self, weekday: Weekday) -> bool {
        self.weekdays[crate::daynum::weekday_index(weekday)]
    }

    /// The unit's time zone.
    pub fn time_zone(&self) -> &TimeZone {
        &self.time_zone
    }

    /// The IANA name of the unit's time zone.
    pub fn time_zone_name(&self) -> &str {
        &self.time_zone_name
    }
}

/// `Asia/Ho_Chi_Minh` from jiff's bundled time-zone database (no file system access). The
/// bundled database always has it; the fixed UTC+7 fallback is what that zone has been since 1975.
pub fn ho_chi_minh_time_zone() -> TimeZone {
    TimeZone::get("Asia/Ho_Chi_Minh").unwrap_or_else(|_| TimeZone::fixed(jiff::tz::offset(7)))
}

fn second_of_day(time: Time) -> u32 {
    (i32::from(time.hour()) * 3600 + i32::from(time.minute()) * 60 + i32::from(time.second())) as u32
}

/// `HH:MM` (or `H:MM`), 00:00..=23:59.
pub(crate) fn parse_time(text: &str) -> Option<Time> {
    let (hour, minute) = text.trim().split_once(':')?;
    if minute.len() != 2 || hour.is_empty() || hour.len() > 2 {
        return None;
    }
    let hour: i8 = hour.parse().ok()?;
    let minute: i8 = minute.parse().ok()?;
    Time::new(hour, minute, 0, 0).ok()
}
