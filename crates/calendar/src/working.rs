//! Working-time arithmetic: deadlines to the second, in office time on working days.
//!
//! Every instant maps to a *position*: the number of office seconds between the start of the
//! covered range and that instant, counting only office hours of working days. A deadline of N
//! working days is the instant whose position is N × (office seconds per day) after the receipt's
//! position; the time between two instants is the difference of their positions. Two tables make
//! both O(1) with no day-by-day loop: `rank[d]`, the number of working days before day `d`, and
//! `working_days[w]`, the day number of the w-th working day. For 2000–2100 they take about
//! 250 KB (see BENCHMARKS.md).

use jiff::Timestamp;
use jiff::civil::Date;

use crate::daynum;
use crate::days::{CivilCalendar, DayKind, FIRST_YEAR, LAST_YEAR};
use crate::error::CalendarError;
use crate::office::OfficeHours;

const SECONDS_PER_DAY: i64 = 86_400;

/// A number of working days in a legal time limit. Invariant: 1..=1000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WorkingDays(u16);

impl WorkingDays {
    /// The largest accepted count (about four years of working days).
    pub const MAX: u16 = 1000;

    /// Parses a count of working days.
    pub fn new(days: i64) -> Result<WorkingDays, CalendarError> {
        if !(1..=i64::from(Self::MAX)).contains(&days) {
            return Err(CalendarError::InvalidTimeLimit(format!(
                "số ngày làm việc phải từ 1 đến {} / working days must be 1..={}, not {days}",
                Self::MAX,
                Self::MAX
            )));
        }
        Ok(WorkingDays(days as u16))
    }

    /// The count.
    pub fn get(self) -> u16 {
        self.0
    }
}

/// What happens when the last day of a period counted in calendar days is not a working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LastDayRule {
    /// The period ends at the end of the next working day: Civil Code 2015 Art. 148(5) ("Khi
    /// ngày cuối cùng của thời hạn là ngày nghỉ cuối tuần hoặc ngày nghỉ lễ thì thời hạn kết thúc
    /// tại thời điểm kết thúc ngày làm việc tiếp theo ngày nghỉ đó"), which applies unless
    /// another law provides otherwise (Art. 145(1)). The default.
    NextWorkingDay,
    /// The period ends on its last day even if it is a day off (for a rule whose law says so).
    KeepLastDay,
}

/// When the last day of a calendar-day period ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayEnd {
    /// At the office's closing time: a result is returned during office hours. The default.
    OfficeClose,
    /// At the end of the day, 24:00 (Civil Code 2015 Art. 148(6)), e.g. for a citizen's time limit
    /// to file. Represented as 23:59:59 of the last day, so the due instant keeps the last day's
    /// date and a filing at any time that day is on time.
    Midnight,
}

/// A legal time limit (thời hạn giải quyết) and how it is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeLimit {
    /// N working days of office time from the receipt (or from the next opening, if received
    /// outside office hours).
    WorkingDays(WorkingDays),
    /// N calendar days: the receipt day is not counted (Civil Code 2015 Art. 147(2)), the period
    /// ends on day N after it, adjusted by `last_day` and ending at `ends_at`.
    CalendarDays {
        /// Number of days, 1..=1000.
        days: u16,
        /// If the last day is a day off.
        last_day: LastDayRule,
        /// Time of day the last day ends.
        ends_at: DayEnd,
    },
    /// Same day with the cut-off (Decree 23/2015 Art. 7 for certified copies; civil-status
    /// procedures): received on a working day at or before the cut-off (15:00) → due at closing
    /// time that day; after it, or on a day off → closing time of the next working day.
    SameDay,
}

impl TimeLimit {
    /// N calendar days with the default options (next working day, office close).
    pub fn calendar_days(days: i64) -> Result<TimeLimit, CalendarError> {
        if !(1..=1000).contains(&days) {
            return Err(CalendarError::InvalidTimeLimit(format!(
                "số ngày phải từ 1 đến 1000 / calendar days must be 1..=1000, not {days}"
            )));
        }
        Ok(TimeLimit::CalendarDays {
            days: days as u16,
            last_day: LastDayRule::NextWorkingDay,
            ends_at: DayEnd::OfficeClose,
        })
    }
}

/// A finished item compared with its due instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    /// Trước hạn: finished on a civil day (in the unit's time zone) before the due day.
    Early,
    /// Đúng hạn: finished on the due day, at or before the due instant.
    OnTime,
    /// Quá hạn: finished after the due instant.
    Late,
}

/// An open item at a given instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Còn hạn: the instant is at or before the due instant.
    WithinTime,
    /// Quá hạn: the instant is after the due instant.
    Overdue,
}

/// The deadline engine for one unit: its office hours over the civil-service calendar.
#[derive(Debug, Clone)]
pub struct WorkingTime {
    hours: OfficeHours,
    day_seconds: i64,
    /// Day number of the first covered day.
    first_day: i32,
    /// `rank[i]`: working days strictly before covered day `i`; one extra entry at the end.
    rank: Vec<u32>,
    /// Day numbers of the working days, in order.
    working_days: Vec<i32>,
    /// The unit's UTC offset in seconds, constant over the covered range (checked).
    utc_offset: i64,
}

impl WorkingTime {
    /// Builds the engine. Errors when the time zone changes its UTC offset within 2000–2100
    /// (Asia/Ho_Chi_Minh has been UTC+7 without daylight saving since 1975).
    pub fn new(calendar: &CivilCalendar, hours: OfficeHours) -> Result<WorkingTime, CalendarError> {
        let (first_day, kinds) = calendar.day_kinds();
        let mut rank = Vec::with_capacity(37_000);
        let mut working_days = Vec::with_capacity(26_000);
        let mut count = 0_u32;
        for (index, kind) in kinds.enumerate() {
            rank.push(count);
            let day = first_day + index as i32;
            // National days off and make-up days apply to every unit; otherwise the unit's own
            // week decides (Monday–Friday by default, Decision 188/1999/QĐ-TTg).
            let works = match kind {
                DayKind::Holiday | DayKind::Compensatory | DayKind::SwappedOff => false,
                DayKind::MakeupWorkday => true,
                DayKind::Workday | DayKind::WeeklyRest => hours.works_on(daynum::weekday_of(day)),
            };
            if works {
                working_days.push(day);
                count += 1;
            }
        }
        rank.push(count);
        let utc_offset = constant_offset(&hours, first_day, rank.len() as i32 - 1)?;
        Ok(WorkingTime {
            day_seconds: i64::from(hours.day_seconds()),
            hours,
            first_day,
            rank,
            working_days,
            utc_offset,
        })
    }

    /// The engine for Ho Chi Minh City's default hours over the shipped calendar.
    pub fn hcmc_builtin() -> Result<WorkingTime, CalendarError> {
        WorkingTime::new(&CivilCalendar::builtin()?, OfficeHours::hcmc())
    }

    /// The office hours this engine counts.
    pub fn office_hours(&self) -> &OfficeHours {
        &self.hours
    }

    /// Office seconds in one working day.
    pub fn day_seconds(&self) -> i64 {
        self.day_seconds
    }

    /// Bytes held by the engine's tables.
    pub fn table_size_bytes(&self) -> usize {
        self.rank.len() * std::mem::size_of::<u32>() + self.working_days.len() * std::mem::size_of::<i32>()
    }

    /// Local (day number, second of day) of an instant, checked against the covered range.
    fn local(&self, instant: Timestamp) -> Result<(usize, u32), CalendarError> {
        // A fraction of a second counts as the next whole second: 15:00:00.5 is after 15:00.
        let local = instant.as_second() + i64::from(instant.subsec_nanosecond() > 0) + self.utc_offset;
        let day = local.div_euclid(SECONDS_PER_DAY);
        let index = day - i64::from(self.first_day);
        if index < 0 || index >= self.rank.len() as i64 - 1 {
            return Err(out_of_range(instant));
        }
        Ok((index as usize, local.rem_euclid(SECONDS_PER_DAY) as u32))
    }

    fn is_working_index(&self, index: usize) -> bool {
        self.rank[index + 1] > self.rank[index]
    }

    /// Office seconds of a working day elapsed at a second of the day.
    fn office_seconds_before(&self, second: u32) -> i64 {
        self.hours.interval_seconds().iter().map(|&(start, end)| i64::from(second.clamp(start, end) - start)).sum()
    }

    /// Office seconds from the start of the covered range to an instant.
    pub fn position(&self, instant: Timestamp) -> Result<i64, CalendarError> {
        let (index, second) = self.local(instant)?;
        let before = if self.is_working_index(index) { self.office_seconds_before(second) } else { 0 };
        Ok(i64::from(self.rank[index]) * self.day_seconds + before)
    }

    fn timestamp(&self, day: i32, second: u32) -> Timestamp {
        let seconds = i64::from(day) * SECONDS_PER_DAY + i64::from(second) - self.utc_offset;
        // Days in 2000..=2100 are always valid timestamps.
        Timestamp::from_second(seconds).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// The earliest instant at which `position` office seconds have elapsed (an instant inside or
    /// at the end of an office interval; never an opening time unless `position` is 0).
    fn instant_ending_at(&self, position: i64) -> Result<Timestamp, CalendarError> {
        if position <= 0 {
            return self.instant_starting_at(0);
        }
        let working_day = (position - 1) / self.day_seconds;
        let mut remaining = position - working_day * self.day_seconds;
        let day = *self.working_days.get(working_day as usize).ok_or_else(range_end)?;
        for &(start, end) in self.hours.interval_seconds() {
            let length = i64::from(end - start);
            if remaining <= length {
                return Ok(self.timestamp(day, start + remaining as u32));
            }
            remaining -= length;
        }
        Err(range_end())
    }

    /// The instant at which office time resumes at `position` (an opening time when `position`
    /// falls on an interval boundary).
    fn instant_starting_at(&self, position: i64) -> Result<Timestamp, CalendarError> {
        let working_day = position / self.day_seconds;
        let mut remaining = position - working_day * self.day_seconds;
        let day = *self.working_days.get(working_day as usize).ok_or_else(range_end)?;
        for &(start, end) in self.hours.interval_seconds() {
            let length = i64::from(end - start);
            if remaining < length {
                return Ok(self.timestamp(day, start + remaining as u32));
            }
            remaining -= length;
        }
        Err(range_end())
    }

    /// When counting starts for an instant: the instant itself during office hours, otherwise the
    /// next opening.
    pub fn counting_start(&self, instant: Timestamp) -> Result<Timestamp, CalendarError> {
        self.instant_starting_at(self.position(instant)?)
    }

    /// Whether an instant lies within office hours of a working day (closing instant excluded).
    pub fn is_office_time(&self, instant: Timestamp) -> Result<bool, CalendarError> {
        let (index, second) = self.local(instant)?;
        Ok(self.is_working_index(index)
            && self.hours.interval_seconds().iter().any(|&(start, end)| second >= start && second < end))
    }

    /// The instant `seconds` office seconds after `start` (`seconds` ≥ 1; the result is the end
    /// of that office time, so it may be a closing time but never the next opening).
    pub fn add_office_seconds(&self, start: Timestamp, seconds: i64) -> Result<Timestamp, CalendarError> {
        if seconds < 1 {
            return Err(CalendarError::InvalidTimeLimit(format!(
                "cần số giây dương / seconds must be positive, not {seconds}"
            )));
        }
        self.instant_ending_at(self.position(start)? + seconds)
    }

    /// Due instant of N working days from a receipt: N days' worth of office time, counted from
    /// the receipt (or the next opening). Received 15:20 on a Friday with 1 day → 15:20 on the
    /// next working day.
    pub fn add_working_days(&self, received: Timestamp, days: WorkingDays) -> Result<Timestamp, CalendarError> {
        self.instant_ending_at(self.position(received)? + i64::from(days.get()) * self.day_seconds)
    }

    /// Due instant for a time limit.
    pub fn due(&self, received: Timestamp, limit: TimeLimit) -> Result<Timestamp, CalendarError> {
        match limit {
            TimeLimit::WorkingDays(days) => self.add_working_days(received, days),
            TimeLimit::CalendarDays { days, last_day, ends_at } => {
                let (index, _) = self.local(received)?;
                let mut last = index + usize::from(days);
                if last >= self.rank.len() - 1 {
                    return Err(range_end());
                }
                if last_day == LastDayRule::NextWorkingDay && !self.is_working_index(last) {
                    let next = *self.working_days.get(self.rank[last] as usize).ok_or_else(range_end)?;
                    last = (next - self.first_day) as usize;
                }
                let day = self.first_day + last as i32;
                Ok(match ends_at {
                    DayEnd::OfficeClose => self.timestamp(day, self.hours.closing_second()),
                    DayEnd::Midnight => self.timestamp(day, (SECONDS_PER_DAY - 1) as u32),
                })
            }
            TimeLimit::SameDay => {
                let (index, second) = self.local(received)?;
                let cutoff = self.hours.same_day_cutoff_second().min(self.hours.closing_second());
                // Index of the working day on which the result is due.
                let working_day = if self.is_working_index(index) && second <= cutoff {
                    self.rank[index]
                } else if self.is_working_index(index) {
                    self.rank[index] + 1
                } else {
                    self.rank[index]
                };
                let day = *self.working_days.get(working_day as usize).ok_or_else(range_end)?;
                Ok(self.timestamp(day, self.hours.closing_second()))
            }
        }
    }

    /// Office seconds between two instants (negative when `to` is before `from`): for step
    /// budgets and "how late".
    pub fn office_seconds_between(&self, from: Timestamp, to: Timestamp) -> Result<i64, CalendarError> {
        Ok(self.position(to)? - self.position(from)?)
    }

    /// Extension of an existing due instant: N working days of office time after it, or N
    /// calendar days after its day (with the limit's last-day rule), as the law granting the
    /// extension counts them (a construction permit's extension is in days, Law on Construction
    /// Art. 102). A same-day limit cannot be an extension.
    pub fn extend(&self, due: Timestamp, extension: TimeLimit) -> Result<Timestamp, CalendarError> {
        match extension {
            TimeLimit::SameDay => Err(CalendarError::InvalidTimeLimit(
                "gia hạn phải tính bằng ngày / an extension is counted in days, not same-day".to_owned(),
            )),
            limit => self.due(due, limit),
        }
    }

    /// The local civil date of an instant in the unit's time zone.
    pub fn local_date(&self, instant: Timestamp) -> Date {
        let local = instant.as_second() + self.utc_offset;
        daynum::date_of(local.div_euclid(SECONDS_PER_DAY) as i32)
    }

    /// Early / on time / late for an item finished at `finished` against `due`.
    ///
    /// Definition (documented in ARCHITECTURE.md): late when finished after the due instant; early
    /// when finished on a civil day before the due day; on time otherwise (on the due day, at or
    /// before the due instant). Circular 01/2018/TT-VPCP indicator 1 scores "less than", "equal
    /// to" and "more than" the time limit; comparing days for early and on time follows the
    /// portals' practice of comparing with the appointment date, while lateness is measured to the
    /// second because the appointment has a time.
    pub fn classify_finished(&self, due: Timestamp, finished: Timestamp) -> Completion {
        if finished > due {
            Completion::Late
        } else if self.local_date(finished) < self.local_date(due) {
            Completion::Early
        } else {
            Completion::OnTime
        }
    }

    /// Within time / overdue for an open item at instant `now`.
    pub fn classify_open(&self, due: Timestamp, now: Timestamp) -> Progress {
        if now > due { Progress::Overdue } else { Progress::WithinTime }
    }
}

fn constant_offset(hours: &OfficeHours, first_day: i32, days: i32) -> Result<i64, CalendarError> {
    let zone = hours.time_zone();
    let noon =
        |day: i32| Timestamp::from_second(i64::from(day) * SECONDS_PER_DAY + 43_200).unwrap_or(Timestamp::UNIX_EPOCH);
    let offset = zone.to_offset(noon(first_day)).seconds();
    // Checking every day at noon is cheap (a few ms once per unit) and catches any transition a
    // zone with whole-day offsets might have in the range.
    for day in first_day..first_day + days {
        let at_noon = zone.to_offset(noon(day)).seconds();
        if at_noon != offset {
            return Err(CalendarError::InvalidOfficeHours(format!(
                "múi giờ {} đổi độ lệch UTC trong {FIRST_YEAR}–{LAST_YEAR}; chưa hỗ trợ / time zone {} changes its UTC offset within {FIRST_YEAR}–{LAST_YEAR}, which is not supported",
                hours.time_zone_name(),
                hours.time_zone_name()
            )));
        }
    }
    Ok(i64::from(offset))
}

fn out_of_range(instant: Timestamp) -> CalendarError {
    CalendarError::OutOfRange { what: instant.to_string(), range: format!("{FIRST_YEAR}-01-01..={LAST_YEAR}-12-31") }
}

fn range_end() -> CalendarError {
    CalendarError::OutOfRange {
        what: "hạn rơi sau cuối phạm vi / the due instant falls after the covered range".to_owned(),
        range: format!("{FIRST_YEAR}-01-01..={LAST_YEAR}-12-31"),
    }
}
