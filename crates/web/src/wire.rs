//! What the JSON API's contexts write and read alike: instants as RFC 3339 in Vietnam's offset,
//! enums by their serde names, dates of query parameters.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

use crate::error::AppError;

/// An enum's serde name (empty when it is not a plain string).
pub fn enum_text<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        _ => String::new(),
    }
}

/// RFC 3339 in Vietnam's offset (+07:00).
pub fn rfc3339(instant: Timestamp) -> String {
    instant.to_zoned(calendar::ho_chi_minh_time_zone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// A `YYYY-MM-DD` query parameter called `name` (400 `INVALID_DATE` otherwise).
pub fn parse_date(text: &str, name: &str) -> Result<Date, AppError> {
    let valid_shape = text.len() == 10;
    text.parse::<Date>().ok().filter(|_| valid_shape).ok_or_else(|| {
        AppError::bad_request(
            "INVALID_DATE",
            format!("{name} phải là ngày YYYY-MM-DD / {name} must be a YYYY-MM-DD date: {text:?}"),
        )
    })
}
