//! Numbers and symbols of administrative documents (Decree 30/2020/NĐ-CP Art. 15 and Annex I
//! §II.3; type abbreviations from Annex III Table I).
//!
//! Everything here is pure: formatting, parsing of abbreviations, and [`NumberRegister`], the
//! in-memory yearly register of one or more issuing bodies. Persisting a register is the
//! caller's business.

use std::collections::{HashMap, HashSet};
use std::fmt;

use jiff::civil::Date;

/// A refused numbering operation. Nothing was recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberingError {
    /// An abbreviation that is empty or holds something other than upper-case letters and digits.
    #[error("chữ viết tắt không hợp lệ / invalid abbreviation: {0:?} (upper-case letters and digits only)")]
    InvalidAbbreviation(String),
    /// A document type name that is not in the Decree's table.
    #[error("loại văn bản không có trong Phụ lục III / unknown document type: {0:?}")]
    UnknownDocumentType(String),
    /// Document numbers start at 1.
    #[error("số văn bản phải từ 1 / document numbers start at 1")]
    ZeroNumber,
    /// The same (number, symbol, issuing body) was already issued in that year.
    #[error("trùng số, ký hiệu {number_symbol} của {body} trong năm {year} / duplicate number and symbol")]
    Duplicate {
        /// The issuing body's abbreviation.
        body: String,
        /// The calendar year.
        year: i16,
        /// The duplicated "number/symbol".
        number_symbol: String,
    },
}

/// An abbreviation of an issuing body, a drafting unit or a field ("UBND", "VP", "SXD").
///
/// Invariant: non-empty, only upper-case letters (Vietnamese included, e.g. "Đ") and digits, so it
/// never holds the separators "/" and "-" or a space.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Abbreviation(String);

/// The document types of Decree 30/2020 Art. 7 that carry a type abbreviation, plus the official
/// letter (công văn), whose symbol has no type part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentType {
    /// Nghị quyết (NQ).
    NghiQuyet,
    /// Quyết định (QĐ).
    QuyetDinh,
    /// Chỉ thị (CT).
    ChiThi,
    /// Quy chế (QC).
    QuyChe,
    /// Quy định (QyĐ).
    QuyDinh,
    /// Thông cáo (TC).
    ThongCao,
    /// Thông báo (TB).
    ThongBao,
    /// Hướng dẫn (HD).
    HuongDan,
    /// Chương trình (CTr).
    ChuongTrinh,
    /// Kế hoạch (KH).
    KeHoach,
    /// Phương án (PA).
    PhuongAn,
    /// Đề án (ĐA).
    DeAn,
    /// Dự án (DA).
    DuAn,
    /// Báo cáo (BC).
    BaoCao,
    /// Biên bản (BB).
    BienBan,
    /// Tờ trình (TTr).
    ToTrinh,
    /// Hợp đồng (HĐ).
    HopDong,
    /// Công điện (CĐ).
    CongDien,
    /// Bản ghi nhớ (BGN).
    BanGhiNho,
    /// Bản thỏa thuận (BTT).
    BanThoaThuan,
    /// Giấy ủy quyền (GUQ).
    GiayUyQuyen,
    /// Giấy mời (GM).
    GiayMoi,
    /// Giấy giới thiệu (GGT).
    GiayGioiThieu,
    /// Giấy nghỉ phép (GNP).
    GiayNghiPhep,
    /// Phiếu gửi (PG).
    PhieuGui,
    /// Phiếu chuyển (PC).
    PhieuChuyen,
    /// Phiếu báo (PB).
    PhieuBao,
    /// Bản sao y (SY).
    BanSaoY,
    /// Bản trích sao (TrS).
    BanTrichSao,
    /// Bản sao lục (SL).
    BanSaoLuc,
    /// Công văn: the symbol is "<body>-<drafting unit or field>".
    CongVan,
}

/// A yearly numbering series of one issuing body (Art. 15; Annex I Part II §II.1c).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Series {
    /// Administrative documents, official letters included; one series as the head decides.
    Administrative,
    /// Secret documents keep a separate series (Art. 15(2)).
    Secret,
    /// Each normative (legal) document type has its own series.
    Normative(DocumentType),
    /// Copies (sao y, trích sao, sao lục) share one series of their own.
    Copies,
}

/// What the symbol is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SymbolKind {
    /// A typed document: "<type>-<body>", e.g. "QĐ-UBND".
    Typed(DocumentType),
    /// An official letter: "<body>-<drafting unit or field>", e.g. "UBND-VP".
    Letter(Abbreviation),
}

/// A number issued by a [`NumberRegister`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedNumber {
    /// The sequence number in the body's series for the year, from 1.
    pub number: u32,
    /// The symbol without the number ("QĐ-UBND").
    pub symbol: String,
    /// The calendar year of the series.
    pub year: i16,
}

/// The in-memory register of issued numbers: one counter per (body, year, series), restarting
/// at 01 on 1 January, and the set of issued (number, symbol, body) triples per year and
/// series, which refuses duplicates (Decree 30 Art. 15(1); Annex VI asks the system to warn
/// about them).
///
/// Duplicates are looked for within a series: a secret document keeps its own series (Art.
/// 15(2)) and is told apart by its secrecy mark, so its "01/QĐ-UBND" does not collide with the
/// ordinary one. Normative documents carry the year in their symbol, so they never collide.
#[derive(Debug, Clone, Default)]
pub struct NumberRegister {
    last: HashMap<(Abbreviation, i16, Series), u32>,
    issued: HashSet<(Abbreviation, i16, Series, u32, String)>,
}

impl Abbreviation {
    /// Parses an abbreviation: upper-case letters and digits, nothing else.
    pub fn parse(text: &str) -> Result<Abbreviation, NumberingError> {
        let valid =
            !text.is_empty() && text.chars().all(|character| character.is_uppercase() || character.is_ascii_digit());
        match valid {
            true => Ok(Abbreviation(text.to_owned())),
            false => Err(NumberingError::InvalidAbbreviation(text.to_owned())),
        }
    }

    /// The abbreviation's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Abbreviation {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl DocumentType {
    /// Every type, in the order of Annex III Table I, then the official letter.
    pub const ALL: [DocumentType; 31] = [
        DocumentType::NghiQuyet,
        DocumentType::QuyetDinh,
        DocumentType::ChiThi,
        DocumentType::QuyChe,
        DocumentType::QuyDinh,
        DocumentType::ThongCao,
        DocumentType::ThongBao,
        DocumentType::HuongDan,
        DocumentType::ChuongTrinh,
        DocumentType::KeHoach,
        DocumentType::PhuongAn,
        DocumentType::DeAn,
        DocumentType::DuAn,
        DocumentType::BaoCao,
        DocumentType::BienBan,
        DocumentType::ToTrinh,
        DocumentType::HopDong,
        DocumentType::CongDien,
        DocumentType::BanGhiNho,
        DocumentType::BanThoaThuan,
        DocumentType::GiayUyQuyen,
        DocumentType::GiayMoi,
        DocumentType::GiayGioiThieu,
        DocumentType::GiayNghiPhep,
        DocumentType::PhieuGui,
        DocumentType::PhieuChuyen,
        DocumentType::PhieuBao,
        DocumentType::BanSaoY,
        DocumentType::BanTrichSao,
        DocumentType::BanSaoLuc,
        DocumentType::CongVan,
    ];

    /// The type's name as the Decree writes it ("Quyết định").
    pub fn name(self) -> &'static str {
        self.entry().0
    }

    /// The type abbreviation of Annex III Table I ("QĐ"); `None` for the official letter, whose
    /// symbol has no type part.
    pub fn abbreviation(self) -> Option<&'static str> {
        match self.entry().1 {
            "" => None,
            abbreviation => Some(abbreviation),
        }
    }

    /// The type whose name is `name` (case-insensitive after trimming), e.g. "Tờ trình".
    pub fn from_name(name: &str) -> Result<DocumentType, NumberingError> {
        let wanted = name.trim().to_lowercase();
        DocumentType::ALL
            .into_iter()
            .find(|kind| kind.name().to_lowercase() == wanted)
            .ok_or_else(|| NumberingError::UnknownDocumentType(name.to_owned()))
    }

    fn entry(self) -> (&'static str, &'static str) {
        match self {
            DocumentType::NghiQuyet => ("Nghị quyết", "NQ"),
            DocumentType::QuyetDinh => ("Quyết định", "QĐ"),
            DocumentType::ChiThi => ("Chỉ thị", "CT"),
            DocumentType::QuyChe => ("Quy chế", "QC"),
            DocumentType::QuyDinh => ("Quy định", "QyĐ"),
            DocumentType::ThongCao => ("Thông cáo", "TC"),
            DocumentType::ThongBao => ("Thông báo", "TB"),
            DocumentType::HuongDan => ("Hướng dẫn", "HD"),
            DocumentType::ChuongTrinh => ("Chương trình", "CTr"),
            DocumentType::KeHoach => ("Kế hoạch", "KH"),
            DocumentType::PhuongAn => ("Phương án", "PA"),
            DocumentType::DeAn => ("Đề án", "ĐA"),
            DocumentType::DuAn => ("Dự án", "DA"),
            DocumentType::BaoCao => ("Báo cáo", "BC"),
            DocumentType::BienBan => ("Biên bản", "BB"),
            DocumentType::ToTrinh => ("Tờ trình", "TTr"),
            DocumentType::HopDong => ("Hợp đồng", "HĐ"),
            DocumentType::CongDien => ("Công điện", "CĐ"),
            DocumentType::BanGhiNho => ("Bản ghi nhớ", "BGN"),
            DocumentType::BanThoaThuan => ("Bản thỏa thuận", "BTT"),
            DocumentType::GiayUyQuyen => ("Giấy ủy quyền", "GUQ"),
            DocumentType::GiayMoi => ("Giấy mời", "GM"),
            DocumentType::GiayGioiThieu => ("Giấy giới thiệu", "GGT"),
            DocumentType::GiayNghiPhep => ("Giấy nghỉ phép", "GNP"),
            DocumentType::PhieuGui => ("Phiếu gửi", "PG"),
            DocumentType::PhieuChuyen => ("Phiếu chuyển", "PC"),
            DocumentType::PhieuBao => ("Phiếu báo", "PB"),
            DocumentType::BanSaoY => ("Bản sao y", "SY"),
            DocumentType::BanTrichSao => ("Bản trích sao", "TrS"),
            DocumentType::BanSaoLuc => ("Bản sao lục", "SL"),
            DocumentType::CongVan => ("Công văn", ""),
        }
    }
}

impl SymbolKind {
    /// The symbol for documents of `body`: "QĐ-UBND" for a typed document, "UBND-VP" for a
    /// letter. An official letter given as `Typed(CongVan)` has no unit, so it is just the body.
    pub fn symbol(&self, body: &Abbreviation) -> String {
        match self {
            SymbolKind::Typed(kind) => match kind.abbreviation() {
                Some(abbreviation) => format!("{abbreviation}-{body}"),
                None => body.to_string(),
            },
            SymbolKind::Letter(unit) => format!("{body}-{unit}"),
        }
    }
}

impl NumberRegister {
    /// An empty register.
    pub fn new() -> NumberRegister {
        NumberRegister::default()
    }

    /// Issues the next number of `series` for `body` in the calendar year of `date`, and records
    /// it. The first number of a year is 1 ("01"), whatever was issued the year before.
    pub fn issue(
        &mut self,
        body: &Abbreviation,
        series: Series,
        kind: &SymbolKind,
        date: Date,
    ) -> Result<IssuedNumber, NumberingError> {
        let year = date.year();
        let symbol = kind.symbol(body);
        // `record` keeps the counter at the highest number of the series, so the next one is free.
        let number = self.last.get(&(body.clone(), year, series)).copied().unwrap_or(0) + 1;
        self.record(body, series, date, number, &symbol)?;
        Ok(IssuedNumber { number, symbol, year })
    }

    /// Records a number given elsewhere (for instance on a paper document). Refuses a number of
    /// 0 and a (number, symbol, body) already issued in the same year and series. The counter moves
    /// up to `number` so that [`NumberRegister::issue`] continues after it.
    pub fn record(
        &mut self,
        body: &Abbreviation,
        series: Series,
        date: Date,
        number: u32,
        symbol: &str,
    ) -> Result<(), NumberingError> {
        if number == 0 {
            return Err(NumberingError::ZeroNumber);
        }
        let year = date.year();
        let key = (body.clone(), year, series, number, symbol.to_owned());
        if self.issued.contains(&key) {
            return Err(NumberingError::Duplicate {
                body: body.to_string(),
                year,
                number_symbol: number_symbol(number, symbol),
            });
        }
        self.issued.insert(key);
        let last = self.last.entry((body.clone(), year, series)).or_insert(0);
        *last = (*last).max(number);
        Ok(())
    }

    /// Whether (number, symbol, body) was issued in `year` and `series`.
    pub fn contains(&self, body: &Abbreviation, year: i16, series: Series, number: u32, symbol: &str) -> bool {
        self.issued.contains(&(body.clone(), year, series, number, symbol.to_owned()))
    }
}

/// A document number as printed: numbers below 10 get one leading zero ("01"…"09"), others are
/// printed as they are ("10", "123").
pub fn format_number(number: u32) -> String {
    format!("{number:02}")
}

/// "Number/symbol" as printed after "Số: ", e.g. "15/QĐ-UBND" or "05/UBND-VP". Never spaces.
pub fn number_symbol(number: u32, symbol: &str) -> String {
    format!("{}/{}", format_number(number), symbol)
}

/// The number and symbol of a typed document: "15/QĐ-UBND". The official letter has its own
/// function, [`letter_number_symbol`], because its symbol needs a drafting unit.
pub fn typed_number_symbol(number: u32, kind: DocumentType, body: &Abbreviation) -> String {
    number_symbol(number, &SymbolKind::Typed(kind).symbol(body))
}

/// The number and symbol of an official letter (công văn): "123/UBND-VP".
pub fn letter_number_symbol(number: u32, body: &Abbreviation, unit: &Abbreviation) -> String {
    number_symbol(number, &SymbolKind::Letter(unit.clone()).symbol(body))
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use proptest::prelude::*;

    use super::*;

    fn abbreviation(text: &str) -> Abbreviation {
        Abbreviation::parse(text).unwrap()
    }

    #[test]
    fn pads_numbers_below_ten() {
        for (number, expected) in [(1, "01"), (9, "09"), (10, "10"), (99, "99"), (123, "123"), (1000, "1000")] {
            assert_eq!(format_number(number), expected, "{number}");
        }
    }

    #[test]
    fn formats_symbols_as_the_annex_examples() {
        let ubnd = abbreviation("UBND");
        assert_eq!(typed_number_symbol(15, DocumentType::QuyetDinh, &abbreviation("BNV")), "15/QĐ-BNV");
        assert_eq!(typed_number_symbol(3, DocumentType::QuyetDinh, &ubnd), "03/QĐ-UBND");
        assert_eq!(letter_number_symbol(5, &abbreviation("BNV"), &abbreviation("VP")), "05/BNV-VP");
        assert_eq!(letter_number_symbol(12, &ubnd, &abbreviation("VX")), "12/UBND-VX");
        assert_eq!(letter_number_symbol(123, &ubnd, &abbreviation("VP")), "123/UBND-VP");
        assert_eq!(typed_number_symbol(7, DocumentType::CongVan, &ubnd), "07/UBND");
    }

    #[test]
    fn maps_the_type_table_exactly() {
        for (name, expected) in [
            ("Quy định", "QyĐ"),
            ("Chương trình", "CTr"),
            ("Tờ trình", "TTr"),
            ("Bản ghi nhớ", "BGN"),
            ("Bản thỏa thuận", "BTT"),
            ("Bản trích sao", "TrS"),
            ("Quyết định", "QĐ"),
            ("Nghị quyết", "NQ"),
            ("Bản sao y", "SY"),
        ] {
            assert_eq!(DocumentType::from_name(name).unwrap().abbreviation(), Some(expected), "{name}");
        }
        assert_eq!(DocumentType::from_name("Công văn").unwrap().abbreviation(), None);
        assert_eq!(
            DocumentType::from_name("Thư tình"),
            Err(NumberingError::UnknownDocumentType("Thư tình".to_owned()))
        );
        let names: HashSet<_> = DocumentType::ALL.iter().map(|kind| kind.name()).collect();
        assert_eq!(names.len(), DocumentType::ALL.len());
    }

    #[test]
    fn abbreviations_are_upper_case_without_separators() {
        for good in ["UBND", "VP", "SXD", "QLĐT", "P1"] {
            assert!(Abbreviation::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "ub nd", "Ubnd", "UBND-VP", "UBND/", " VP", "VP "] {
            assert!(Abbreviation::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn series_restarts_on_the_first_of_january() {
        let mut register = NumberRegister::new();
        let ubnd = abbreviation("UBND");
        let letter = SymbolKind::Letter(abbreviation("VP"));
        let last_day = date(2025, 12, 31);
        for expected in 1..=3 {
            let issued = register.issue(&ubnd, Series::Administrative, &letter, last_day).unwrap();
            assert_eq!((issued.number, issued.year), (expected, 2025));
        }
        let issued = register.issue(&ubnd, Series::Administrative, &letter, date(2026, 1, 1)).unwrap();
        assert_eq!((issued.number, issued.year), (1, 2026));
        assert_eq!(number_symbol(issued.number, &issued.symbol), "01/UBND-VP");
    }

    #[test]
    fn series_are_separate_per_body_and_kind_of_series() {
        let mut register = NumberRegister::new();
        let day = date(2026, 3, 2);
        let decision = SymbolKind::Typed(DocumentType::QuyetDinh);
        let ward = abbreviation("UBND");
        let department = abbreviation("SXD");
        assert_eq!(register.issue(&ward, Series::Administrative, &decision, day).unwrap().number, 1);
        assert_eq!(register.issue(&ward, Series::Administrative, &decision, day).unwrap().number, 2);
        assert_eq!(register.issue(&department, Series::Administrative, &decision, day).unwrap().number, 1);
        assert_eq!(register.issue(&ward, Series::Secret, &decision, day).unwrap().number, 1);
        assert_eq!(
            register.issue(&ward, Series::Copies, &SymbolKind::Typed(DocumentType::BanSaoY), day).unwrap().number,
            1
        );
    }

    #[test]
    fn refuses_a_duplicate_in_the_same_year_only() {
        let mut register = NumberRegister::new();
        let ubnd = abbreviation("UBND");
        let day = date(2026, 5, 4);
        register.record(&ubnd, Series::Administrative, day, 123, "UBND-VP").unwrap();
        assert_eq!(
            register.record(&ubnd, Series::Administrative, day, 123, "UBND-VP"),
            Err(NumberingError::Duplicate {
                body: "UBND".to_owned(),
                year: 2026,
                number_symbol: "123/UBND-VP".to_owned()
            })
        );
        // Another symbol, another body or another year is not a duplicate.
        register.record(&ubnd, Series::Administrative, day, 123, "QĐ-UBND").unwrap();
        register.record(&abbreviation("SXD"), Series::Administrative, day, 123, "UBND-VP").unwrap();
        register.record(&ubnd, Series::Administrative, date(2027, 1, 4), 123, "UBND-VP").unwrap();
        assert_eq!(register.record(&ubnd, Series::Administrative, day, 0, "UBND-VP"), Err(NumberingError::ZeroNumber));
        assert!(register.contains(&ubnd, 2026, Series::Administrative, 123, "UBND-VP"));
        assert!(!register.contains(&ubnd, 2026, Series::Secret, 123, "UBND-VP"));
        // Issuing continues after the recorded number.
        let issued =
            register.issue(&ubnd, Series::Administrative, &SymbolKind::Letter(abbreviation("VP")), day).unwrap();
        assert_eq!(issued.number, 124);
    }

    proptest! {
        #[test]
        fn formatted_numbers_round_trip_and_have_at_least_two_digits(number in 0u32..1_000_000) {
            let text = format_number(number);
            prop_assert!(text.len() >= 2);
            prop_assert_eq!(text.parse::<u32>().unwrap(), number);
            prop_assert_eq!(text.starts_with('0'), number < 10);
        }

        #[test]
        fn number_symbols_never_hold_spaces(number in 1u32..100_000, body in "[A-ZĐ]{1,6}", unit in "[A-ZĐ0-9]{1,5}") {
            let text = letter_number_symbol(number, &abbreviation(&body), &abbreviation(&unit));
            prop_assert!(!text.contains(' '));
            prop_assert_eq!(text.matches('/').count(), 1);
            prop_assert_eq!(text.matches('-').count(), 1);
        }

        #[test]
        fn issued_numbers_are_consecutive_and_unique_per_year(days in proptest::collection::vec((2024i16..2027, 1i8..13, 1i8..29), 1..60)) {
            let mut days: Vec<Date> = days.into_iter().map(|(year, month, day)| date(year, month, day)).collect();
            days.sort();
            let mut register = NumberRegister::new();
            let ubnd = abbreviation("UBND");
            let letter = SymbolKind::Letter(abbreviation("VP"));
            let mut expected: HashMap<i16, u32> = HashMap::new();
            for day in days {
                let issued = register.issue(&ubnd, Series::Administrative, &letter, day).unwrap();
                let next = expected.entry(day.year()).or_insert(0);
                *next += 1;
                prop_assert_eq!(issued.number, *next);
                prop_assert!(register.record(&ubnd, Series::Administrative, day, issued.number, &issued.symbol).is_err());
            }
        }
    }
}
