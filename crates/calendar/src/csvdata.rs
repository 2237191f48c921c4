//! Reading the calendar's CSV data files with errors that name the file and the line.

use std::str::FromStr;

use jiff::civil::{Date, Weekday};

use crate::error::CalendarError;

/// One data row with its position, for error messages.
pub(crate) struct Row {
    file: String,
    line: u64,
    fields: Vec<String>,
}

impl Row {
    /// The trimmed field at `index` (empty when missing).
    pub(crate) fn get(&self, index: usize) -> &str {
        self.fields.get(index).map(|field| field.trim()).unwrap_or("")
    }

    /// A numeric field.
    pub(crate) fn number<T: FromStr>(&self, index: usize, name: &str) -> Result<T, String> {
        let text = self.get(index);
        text.parse()
            .map_err(|_| format!("cột {name} không phải số hợp lệ / column {name} is not a valid number: {text:?}"))
    }

    /// An ISO `YYYY-MM-DD` date field that must exist.
    pub(crate) fn date(&self, index: usize, name: &str) -> Result<Date, String> {
        let text = self.get(index);
        parse_iso_date(text).ok_or_else(|| {
            format!(
                "cột {name} không phải ngày hợp lệ YYYY-MM-DD / column {name} is not a valid YYYY-MM-DD date: {text:?}"
            )
        })
    }

    /// The error for this row.
    pub(crate) fn error(&self, message: String) -> CalendarError {
        CalendarError::Data { file: self.file.clone(), line: self.line, message }
    }

    /// The 1-based line number.
    pub(crate) fn line(&self) -> u64 {
        self.line
    }
}

/// A strict `YYYY-MM-DD` date: exactly that shape and a day that exists.
pub(crate) fn parse_iso_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year: i16 = text[0..4].parse().ok()?;
    let month: i8 = text[5..7].parse().ok()?;
    let day: i8 = text[8..10].parse().ok()?;
    Date::new(year, month, day).ok()
}

/// A weekday from `mon`..`sun` or the full English name, case-insensitive.
pub fn parse_weekday(text: &str) -> Option<Weekday> {
    let weekday = match text.trim().to_ascii_lowercase().as_str() {
        "mon" | "monday" => Weekday::Monday,
        "tue" | "tuesday" => Weekday::Tuesday,
        "wed" | "wednesday" => Weekday::Wednesday,
        "thu" | "thursday" => Weekday::Thursday,
        "fri" | "friday" => Weekday::Friday,
        "sat" | "saturday" => Weekday::Saturday,
        "sun" | "sunday" => Weekday::Sunday,
        _ => return None,
    };
    Some(weekday)
}

/// Reads a CSV text whose first non-comment line is exactly `header`. Lines starting with `#`
/// are comments. Every row must have exactly the header's number of fields.
pub(crate) fn read_rows(text: &str, file: &str, header: &[&str]) -> Result<Vec<Row>, CalendarError> {
    let mut reader =
        csv::ReaderBuilder::new().has_headers(true).comment(Some(b'#')).flexible(true).from_reader(text.as_bytes());
    let found = reader.headers().map_err(|error| csv_error(file, &error))?.clone();
    let header_line = found.position().map(|position| position.line()).unwrap_or(1);
    let found: Vec<&str> = found.iter().map(str::trim).collect();
    if found != header {
        return Err(CalendarError::Data {
            file: file.to_owned(),
            line: header_line,
            message: format!(
                "dòng tiêu đề phải là / the header line must be: {} (đang là / found: {})",
                header.join(","),
                found.join(",")
            ),
        });
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|error| csv_error(file, &error))?;
        let line = record.position().map(|position| position.line()).unwrap_or(0);
        if record.len() != header.len() {
            return Err(CalendarError::Data {
                file: file.to_owned(),
                line,
                message: format!(
                    "cần {} cột, có {} / expected {} fields, found {}",
                    header.len(),
                    record.len(),
                    header.len(),
                    record.len()
                ),
            });
        }
        rows.push(Row { file: file.to_owned(), line, fields: record.iter().map(str::to_owned).collect() });
    }
    Ok(rows)
}

fn csv_error(file: &str, error: &csv::Error) -> CalendarError {
    let line = error.position().map(|position| position.line()).unwrap_or(0);
    let message = match error.kind() {
        csv::ErrorKind::Utf8 { .. } => "tệp không phải UTF-8 / the file is not valid UTF-8".to_owned(),
        _ => format!("CSV không hợp lệ / malformed CSV: {error}"),
    };
    CalendarError::Data { file: file.to_owned(), line, message }
}
