//! The Vietnamese working calendar and deadline engine of motcua.
//!
//! Pure: no I/O, no async, no database. Data files are passed in as text (the shipped ones are
//! embedded), so callers decide where they come from.
//!
//! - [`lunar`]: the Vietnamese lunar calendar (UTC+7), 1900–2100.
//! - [`HolidayRules`]: statutory holidays as data with effective dates.
//! - [`OfficialSchedule`]: the government's yearly civil-service schedules as data.
//! - [`CivilCalendar`]: every day of 2000–2100 classified (working, holiday, compensatory, ...).
//! - [`OfficeHours`] and [`WorkingTime`]: deadline arithmetic to the second.
//! - [`Appointment`]: restart after a supplement, extension, the one reschedule.

mod appointment;
mod astro;
mod csvdata;
mod daynum;
mod days;
mod error;
pub mod lunar;
pub mod naive;
mod office;
mod rules;
mod schedule;
mod working;

pub use appointment::{Appointment, Reschedule};
pub use csvdata::parse_weekday;
pub use days::{CivilCalendar, DayKind, FIRST_YEAR, LAST_YEAR, SpecialDay, YearSource};
pub use error::CalendarError;
pub use lunar::LunarDate;
pub use office::{OfficeHours, ho_chi_minh_time_zone};
pub use rules::{AnchorCalendar, HolidayRule, HolidayRules, Occurrence};
pub use schedule::{OfficialSchedule, ScheduledDay, ScheduledKind};
pub use working::{Completion, DayEnd, LastDayRule, Progress, TimeLimit, WorkingDays, WorkingTime};

/// The statutory holiday rules shipped in `data/calendar/holiday-rules.csv`.
pub const BUILTIN_HOLIDAY_RULES: &str = include_str!("../../../data/calendar/holiday-rules.csv");
/// The official schedules shipped in `data/calendar/official-days.csv`.
pub const BUILTIN_OFFICIAL_DAYS: &str = include_str!("../../../data/calendar/official-days.csv");
