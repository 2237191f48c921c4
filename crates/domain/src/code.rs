//! Dossier codes: `<receiving unit code>-YYMMDD-NNNN` (Decree 61/2018 Art. 26; Circular 01/2018
//! Art. 19), a per-unit daily sequence starting at 0001.

use jiff::civil::Date;

use crate::catalog::Code;

/// Formats a dossier code. The sequence has at least four digits; a unit receiving more than
/// 9,999 dossiers in a day gets five (the circular's `XXXX` has no room for them).
pub fn dossier_code(unit: &Code, day: Date, sequence: u32) -> String {
    format!("{}-{:02}{:02}{:02}-{:04}", unit, day.year() % 100, day.month(), day.day(), sequence)
}

/// Whether a text has the shape of a dossier code (for look-ups; cheap rejection of garbage).
pub fn looks_like_dossier_code(text: &str) -> bool {
    let mut parts = text.rsplitn(3, '-');
    let (Some(sequence), Some(date), Some(unit)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    sequence.len() >= 4
        && sequence.bytes().all(|byte| byte.is_ascii_digit())
        && date.len() == 6
        && date.bytes().all(|byte| byte.is_ascii_digit())
        && Code::parse(unit).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_recognises() {
        let unit = Code::parse("26740").unwrap();
        let code = dossier_code(&unit, jiff::civil::date(2026, 2, 13), 7);
        assert_eq!(code, "26740-260213-0007");
        assert!(looks_like_dossier_code(&code));
        assert!(looks_like_dossier_code("79-vpdkdd-cn-02-260213-12345"));
        assert!(!looks_like_dossier_code("26740-2602-0007"));
        assert!(!looks_like_dossier_code("x"));
    }
}
