//! The stored forms both backends share: instants as microseconds since the Unix epoch, civil
//! days as day numbers since 1970-01-01.

use jiff::Timestamp;
use jiff::civil::Date;

use crate::error::{StoreError, StoreResult};

/// Days since 1970-01-01 of a civil date (the stored form of days).
pub fn day_number(date: Date) -> i32 {
    let epoch = jiff::civil::date(1970, 1, 1);
    date.since((jiff::Unit::Day, epoch)).map(|span| span.get_days()).unwrap_or(0)
}

/// The civil date of a stored day number.
pub fn date_of_day(day: i32) -> Date {
    jiff::civil::date(1970, 1, 1)
        .checked_add(jiff::Span::new().days(i64::from(day)))
        .unwrap_or(jiff::civil::date(1970, 1, 1))
}

/// Stored form of an instant.
pub fn micros(instant: Timestamp) -> i64 {
    instant.as_microsecond()
}

/// An instant from its stored form.
pub fn instant_of(micros: i64) -> StoreResult<Timestamp> {
    Timestamp::from_microsecond(micros).map_err(|error| StoreError::Database(format!("bad instant {micros}: {error}")))
}

/// Instants are stored to the microsecond; the state must hold exactly what replaying the stored
/// events gives, so finer parts are dropped before anything is decided.
pub fn stored_precision(at: Timestamp) -> Timestamp {
    Timestamp::from_microsecond(at.as_microsecond()).unwrap_or(at)
}
