//! The user's input: the error that reports it, and the one parser of the dates it holds.

use jiff::civil::Date;

/// An error caused by the user's input: printed on one line, exit status 2.
#[derive(Debug)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

/// A day written exactly `YYYY-MM-DD` that exists. jiff's ISO 8601 parser decides the date; the
/// length keeps out the other forms it accepts (`20260213`, `2026-02-13T10:00`, `+002026-02-13`).
pub fn parse_iso_day(text: &str) -> Option<Date> {
    text.parse::<Date>().ok().filter(|_| text.len() == 10)
}

/// A `YYYY-MM-DD` day from the command-line option `name`.
pub fn parse_day(text: &str, name: &str) -> Result<Date, InputError> {
    parse_iso_day(text).ok_or_else(|| {
        InputError(format!("{name} phải là ngày YYYY-MM-DD / {name} must be a YYYY-MM-DD date: {text:?}"))
    })
}
