//! The crate's one error type. Every variant has a stable machine code ([`CalendarError::code`])
//! and a message in Vietnamese followed by English.

/// Why a calendar operation or a calendar data file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// A date, year or instant outside the range the engine has data for.
    #[error("ngoài phạm vi hỗ trợ / out of the supported range: {what} (hỗ trợ / supported: {range})")]
    OutOfRange {
        /// What was asked for.
        what: String,
        /// The supported range.
        range: String,
    },
    /// A lunar date that does not exist.
    #[error("ngày âm lịch không tồn tại / no such lunar date: {date}: {reason}")]
    NoSuchLunarDate {
        /// The date as given.
        date: String,
        /// Why it does not exist.
        reason: String,
    },
    /// A malformed line in a calendar data file (holiday rules or an official schedule).
    #[error("{file}:{line}: {message}")]
    Data {
        /// The file's label (its path, or `built-in:<name>` for embedded data).
        file: String,
        /// The 1-based line number.
        line: u64,
        /// What is wrong, in Vietnamese and English.
        message: String,
    },
    /// Office hours that cannot be used (overlapping, unordered, empty).
    #[error("giờ làm việc không hợp lệ / invalid office hours: {0}")]
    InvalidOfficeHours(String),
    /// A count or time limit that makes no sense (zero-length same-day cut-off, too many days).
    #[error("thời hạn không hợp lệ / invalid time limit: {0}")]
    InvalidTimeLimit(String),
    /// A reschedule that the rules forbid (a second one, or one that moves the date earlier).
    #[error("không được hẹn lại / reschedule refused: {0}")]
    RescheduleRefused(String),
}

impl CalendarError {
    /// A stable machine-readable code, for APIs and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            CalendarError::OutOfRange { .. } => "CALENDAR_OUT_OF_RANGE",
            CalendarError::NoSuchLunarDate { .. } => "CALENDAR_NO_SUCH_LUNAR_DATE",
            CalendarError::Data { .. } => "CALENDAR_DATA_INVALID",
            CalendarError::InvalidOfficeHours(_) => "CALENDAR_INVALID_OFFICE_HOURS",
            CalendarError::InvalidTimeLimit(_) => "CALENDAR_INVALID_TIME_LIMIT",
            CalendarError::RescheduleRefused(_) => "CALENDAR_RESCHEDULE_REFUSED",
        }
    }
}
