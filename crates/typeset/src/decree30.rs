//! Text rules of Decree 30/2020/NĐ-CP Annex I that are not numbering: the place and date line,
//! times written out in words, the signing authority block and the recipients blocks.
//!
//! Pure functions; the typst templates only lay out the strings made here.

use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};

/// The signing authority prefixes of Annex I §II.7b.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Authority {
    /// "TM." (thay mặt): on behalf of a collective body; precedes the collective's name.
    #[serde(rename = "TM.")]
    OnBehalfOf,
    /// "Q." (quyền): a person given the head's powers; precedes the head's title.
    #[serde(rename = "Q.")]
    Acting,
    /// "KT." (ký thay): a deputy signs for the head; precedes the head's title.
    #[serde(rename = "KT.")]
    ForTheHead,
    /// "TL." (thừa lệnh): by order of the head; precedes the head's title.
    #[serde(rename = "TL.")]
    ByOrder,
    /// "TUQ." (thừa ủy quyền): by written, time-limited delegation; precedes the head's title.
    #[serde(rename = "TUQ.")]
    ByDelegation,
}

impl Authority {
    /// Every prefix, in the Decree's order.
    pub const ALL: [Authority; 5] =
        [Authority::OnBehalfOf, Authority::Acting, Authority::ForTheHead, Authority::ByOrder, Authority::ByDelegation];

    /// The prefix as printed, with its full stop: "TM.", "Q.", "KT.", "TL.", "TUQ.".
    pub fn prefix(self) -> &'static str {
        match self {
            Authority::OnBehalfOf => "TM.",
            Authority::Acting => "Q.",
            Authority::ForTheHead => "KT.",
            Authority::ByOrder => "TL.",
            Authority::ByDelegation => "TUQ.",
        }
    }
}

/// The day of a date as the Decree writes it: a leading zero below 10 ("05", "29").
pub fn format_day(date: Date) -> String {
    format!("{:02}", date.day())
}

/// The month as the Decree writes it: a leading zero for January and February only ("01", "02",
/// "3", …, "12").
pub fn format_month(date: Date) -> String {
    match date.month() {
        1 | 2 => format!("{:02}", date.month()),
        month => month.to_string(),
    }
}

/// "ngày 05 tháng 01 năm 2026": the date written in full with the Decree's padding.
pub fn date_phrase(date: Date) -> String {
    format!("ngày {} tháng {} năm {}", format_day(date), format_month(date), date.year())
}

/// The place and date line: "Thành phố Hồ Chí Minh, ngày 29 tháng 6 năm 2019". The place is the
/// official name of the administrative unit where the body sits, followed by a comma.
pub fn date_line(place: &str, date: Date) -> String {
    format!("{}, {}", place.trim(), date_phrase(date))
}

/// A civil date and time in words, as the one-stop forms write it:
/// "08 giờ 30 phút, ngày 13 tháng 02 năm 2026".
pub fn datetime_phrase(datetime: DateTime) -> String {
    format!("{:02} giờ {:02} phút, {}", datetime.hour(), datetime.minute(), date_phrase(datetime.date()))
}

/// The upper lines of a signer block (box 7a/7b), before the signature space: for example
/// `["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]`.
///
/// - `authority` and `principal` go together: the collective body after "TM.", the head's title
///   after "KT.", "Q.", "TL." or "TUQ.".
/// - `deputy_for` adds a "KT. <title>" line under a "TM." line (a deputy signs for the head of
///   the collective).
/// - `position` is the signer's own title; it is left out after "Q.", whose line already names
///   the title the signer holds.
///
/// All lines are upper case, as the Decree prints them.
pub fn signer_lines(
    authority: Option<Authority>,
    principal: Option<&str>,
    deputy_for: Option<&str>,
    position: &str,
) -> Vec<String> {
    let mut lines = Vec::new();
    if let (Some(authority), Some(principal)) = (authority, principal) {
        lines.push(format!("{} {}", authority.prefix(), principal.trim().to_uppercase()));
    }
    if let Some(head) = deputy_for {
        lines.push(format!("{} {}", Authority::ForTheHead.prefix(), head.trim().to_uppercase()));
    }
    if authority != Some(Authority::Acting) {
        lines.push(position.trim().to_uppercase());
    }
    lines
}

/// The list under "Nơi nhận:" (box 9b): each recipient on a line "- …;", then the archive line
/// "- Lưu: VT, <units>." ending in a full stop. Trailing punctuation in the input is replaced.
pub fn recipient_lines(recipients: &[String], archive: &str) -> Vec<String> {
    let mut lines: Vec<String> =
        recipients.iter().map(|recipient| format!("- {};", strip_end_punctuation(recipient))).collect();
    lines.push(format!("- Lưu: {}.", strip_end_punctuation(archive)));
    lines
}

/// The "Kính gửi:" block (box 9a): one addressee on the same line, several each on its own line
/// "- …;" with a full stop after the last. Returns the text after "Kính gửi:" for one addressee,
/// or the lines for several.
pub fn addressee_lines(addressees: &[String]) -> Vec<String> {
    match addressees {
        [single] => vec![strip_end_punctuation(single).to_owned()],
        many => {
            let last = many.len().saturating_sub(1);
            many.iter()
                .enumerate()
                .map(|(index, addressee)| {
                    let end = if index == last { '.' } else { ';' };
                    format!("- {}{end}", strip_end_punctuation(addressee))
                })
                .collect()
        }
    }
}

fn strip_end_punctuation(text: &str) -> &str {
    text.trim().trim_end_matches([';', '.', ',']).trim_end()
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn pads_day_below_ten_and_months_one_and_two_only() {
        for ((year, month, day), expected) in [
            ((2020, 1, 5), "ngày 05 tháng 01 năm 2020"),
            ((2019, 6, 29), "ngày 29 tháng 6 năm 2019"),
            ((2026, 2, 3), "ngày 03 tháng 02 năm 2026"),
            ((2026, 3, 9), "ngày 09 tháng 3 năm 2026"),
            ((2026, 12, 10), "ngày 10 tháng 12 năm 2026"),
            ((2026, 10, 1), "ngày 01 tháng 10 năm 2026"),
        ] {
            assert_eq!(date_phrase(date(year, month, day)), expected);
        }
        assert_eq!(
            date_line("Thành phố Hồ Chí Minh", date(2019, 6, 29)),
            "Thành phố Hồ Chí Minh, ngày 29 tháng 6 năm 2019"
        );
        assert_eq!(date_line("Hà Nội", date(2020, 1, 5)), "Hà Nội, ngày 05 tháng 01 năm 2020");
    }

    #[test]
    fn writes_times_in_words() {
        let at = date(2026, 2, 13).at(8, 5, 0, 0);
        assert_eq!(datetime_phrase(at), "08 giờ 05 phút, ngày 13 tháng 02 năm 2026");
        let at = date(2026, 11, 30).at(16, 45, 0, 0);
        assert_eq!(datetime_phrase(at), "16 giờ 45 phút, ngày 30 tháng 11 năm 2026");
    }

    #[test]
    fn builds_signer_lines_for_each_authority() {
        let check = |authority, principal, deputy_for, position, expected: &[&str]| {
            assert_eq!(signer_lines(authority, principal, deputy_for, position), expected);
        };
        check(
            Some(Authority::OnBehalfOf),
            Some("Ủy ban nhân dân"),
            None,
            "Chủ tịch",
            &["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
        );
        check(
            Some(Authority::OnBehalfOf),
            Some("ỦY BAN NHÂN DÂN"),
            Some("CHỦ TỊCH"),
            "PHÓ CHỦ TỊCH",
            &["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"],
        );
        check(Some(Authority::ForTheHead), Some("GIÁM ĐỐC"), None, "PHÓ GIÁM ĐỐC", &["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]);
        check(Some(Authority::Acting), Some("GIÁM ĐỐC"), None, "PHÓ GIÁM ĐỐC", &["Q. GIÁM ĐỐC"]);
        check(
            Some(Authority::ByOrder),
            Some("CHỦ TỊCH"),
            None,
            "CHÁNH VĂN PHÒNG",
            &["TL. CHỦ TỊCH", "CHÁNH VĂN PHÒNG"],
        );
        check(
            Some(Authority::ByDelegation),
            Some("GIÁM ĐỐC"),
            None,
            "TRƯỞNG PHÒNG",
            &["TUQ. GIÁM ĐỐC", "TRƯỞNG PHÒNG"],
        );
        check(None, None, None, "Chủ tịch", &["CHỦ TỊCH"]);
        let prefixes: Vec<_> = Authority::ALL.iter().map(|authority| authority.prefix()).collect();
        assert_eq!(prefixes, ["TM.", "Q.", "KT.", "TL.", "TUQ."]);
    }

    #[test]
    fn punctuates_recipients_and_addressees() {
        let recipients = vec!["Như trên".to_owned(), "Chủ tịch UBND phường (để báo cáo);".to_owned()];
        assert_eq!(
            recipient_lines(&recipients, "VT, VP"),
            ["- Như trên;", "- Chủ tịch UBND phường (để báo cáo);", "- Lưu: VT, VP."]
        );
        assert_eq!(addressee_lines(&["Sở Xây dựng.".to_owned()]), ["Sở Xây dựng"]);
        assert_eq!(
            addressee_lines(&["Sở Xây dựng".to_owned(), "Sở Tư pháp".to_owned()]),
            ["- Sở Xây dựng;", "- Sở Tư pháp."]
        );
    }

    proptest! {
        #[test]
        fn date_phrase_pads_exactly_as_the_decree_says(days in 0i32..40_000) {
            let day = date(2000, 1, 1).checked_add(jiff::Span::new().days(days)).unwrap();
            let phrase = date_phrase(day);
            let parts: Vec<&str> = phrase.split(' ').collect();
            prop_assert_eq!(parts.len(), 6);
            prop_assert_eq!(parts[1].len(), 2);
            prop_assert_eq!(parts[1].parse::<i8>().unwrap(), day.day());
            prop_assert_eq!(parts[3].starts_with('0'), day.month() <= 2);
            prop_assert_eq!(parts[3].parse::<i8>().unwrap(), day.month());
            prop_assert_eq!(parts[5].parse::<i16>().unwrap(), day.year());
        }
    }
}
