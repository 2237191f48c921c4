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
pub use rules::{AnchorCalendar, BUILTIN_HOLIDAY_RULES, HolidayRule, HolidayRules, Occurrence};
pub use schedule::{BUILTIN_OFFICIAL_DAYS, OfficialSchedule, ScheduledDay, ScheduledKind};
pub use working::{Completion, DayEnd, LastDayRule, Progress, TimeLimit, WorkingDays, WorkingTime};
