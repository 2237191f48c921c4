//! PDF text strings and dates, and the ISO 8601 form of instants in Vietnam time.

use jiff::Timestamp;
use jiff::tz::{self, TimeZone};

/// Vietnam's offset, +07:00 all year (no daylight saving time).
fn vietnam() -> TimeZone {
    TimeZone::fixed(tz::offset(7))
}

/// `instant` in ISO 8601 with the Vietnam offset, e.g. "2026-01-05T09:00:00+07:00".
pub(crate) fn iso_vietnam(instant: Timestamp) -> String {
    instant.to_zoned(vietnam()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// `instant` as a PDF date in Vietnam time, e.g. "D:20260105090000+07'00'".
pub(crate) fn pdf_date(instant: Timestamp) -> String {
    format!("{}+07'00'", instant.to_zoned(vietnam()).strftime("D:%Y%m%d%H%M%S"))
}

/// Reads a PDF date ("D:YYYYMMDDHHmmSS+HH'mm'", later parts optional; no offset means UTC).
pub(crate) fn parse_pdf_date(text: &str) -> Option<Timestamp> {
    let text = text.strip_prefix("D:").unwrap_or(text);
    let digits = &text[..text.bytes().take_while(u8::is_ascii_digit).count()];
    if digits.len() < 4 {
        return None;
    }
    // The parts present (whole two-digit fields after the year, at most up to the seconds),
    // then the defaults of the missing ones: January, the 1st, 00:00:00.
    let present = digits.len().min(14) & !1;
    let complete = format!("{}{}", &digits[..present], &"0101000000"[present - 4..]);
    let civil = jiff::civil::DateTime::strptime("%Y%m%d%H%M%S", &complete).ok()?;
    let rest = &text[digits.len()..];
    let offset_seconds = match rest.chars().next() {
        Some(sign @ ('+' | '-')) => {
            let numbers: Vec<i32> = rest[1..]
                .split(|character: char| !character.is_ascii_digit())
                .filter(|part| !part.is_empty())
                .filter_map(|part| part.parse().ok())
                .collect();
            let seconds = numbers.first().copied().unwrap_or(0) * 3600 + numbers.get(1).copied().unwrap_or(0) * 60;
            if sign == '-' { -seconds } else { seconds }
        }
        _ => 0,
    };
    let offset = tz::Offset::from_seconds(offset_seconds).ok()?;
    offset.to_timestamp(civil).ok()
}

/// The PDF syntax of a text string: a literal string when `text` is printable ASCII,
/// otherwise UTF-16BE with a byte-order mark, as a hexadecimal string.
pub(crate) fn text_string(text: &str) -> Vec<u8> {
    if text.chars().all(|character| (' '..='~').contains(&character)) {
        let mut out = Vec::with_capacity(text.len() + 2);
        out.push(b'(');
        for byte in text.bytes() {
            if matches!(byte, b'(' | b')' | b'\\') {
                out.push(b'\\');
            }
            out.push(byte);
        }
        out.push(b')');
        return out;
    }
    let mut out = String::from("<FEFF");
    for unit in text.encode_utf16() {
        out.push_str(&format!("{unit:04X}"));
    }
    out.push('>');
    out.into_bytes()
}

/// A lopdf string object holding `text` as a PDF text string (UTF-16BE when not ASCII).
pub(crate) fn text_object(text: &str) -> lopdf::Object {
    if text.is_ascii() {
        return lopdf::Object::string_literal(text);
    }
    let mut bytes = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    lopdf::Object::String(bytes, lopdf::StringFormat::Hexadecimal)
}

/// Decodes a PDF text string: UTF-16BE or UTF-8 with a byte-order mark, otherwise
/// PDFDocEncoding (read as Latin-1, which agrees on the printable ASCII range).
pub(crate) fn decode_text_string(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest.chunks_exact(2).map(|pair| u16::from_be_bytes([pair[0], pair[1]])).collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    bytes.iter().map(|byte| char::from(*byte)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_in_vietnam_time() {
        let instant: Timestamp = "2026-01-05T02:00:00Z".parse().unwrap();
        assert_eq!(pdf_date(instant), "D:20260105090000+07'00'");
        assert_eq!(iso_vietnam(instant), "2026-01-05T09:00:00+07:00");
        assert_eq!(parse_pdf_date(&pdf_date(instant)), Some(instant));
        assert_eq!(parse_pdf_date("D:20260105020000Z"), Some(instant));
        assert_eq!(parse_pdf_date("D:20260105"), Some("2026-01-05T00:00:00Z".parse().unwrap()));
    }

    #[test]
    fn text_strings() {
        assert_eq!(text_string("a(b)"), b"(a\\(b\\))".to_vec());
        assert_eq!(text_string("Ủy"), b"<FEFF1EE60079>".to_vec());
        assert_eq!(decode_text_string(&[0xFE, 0xFF, 0x1E, 0xE6, 0x00, 0x79]), "Ủy");
    }
}
