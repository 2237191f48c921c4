//! The kinds of document this crate renders, with their stable names and titles. Their field
//! lists are in `fields`, their examples and input parsing in `documents`.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// A kind of document. The kebab-case names (`receipt`, `supplement-request`, …) are stable:
/// they appear in the CLI, in URLs and in stored data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentKind {
    /// Form 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả (A5).
    Receipt,
    /// Form 02: Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (A5).
    SupplementRequest,
    /// Form 03: Phiếu từ chối tiếp nhận giải quyết hồ sơ (A5).
    Refusal,
    /// Form 04: Phiếu xin lỗi và hẹn lại ngày trả kết quả (A5).
    Apology,
    /// Form 05: Phiếu kiểm soát quá trình giải quyết hồ sơ (A5).
    ControlSheet,
    /// Form 06: Sổ theo dõi hồ sơ (A4 landscape).
    TrackingBook,
    /// Official letter asking another body for its opinion on a dossier (A4).
    ConsultationRequest,
    /// Official letter answering a consultation request (A4).
    ConsultationReply,
    /// Generic official letter, công văn (A4).
    OfficialLetter,
}

/// A name that is not one of [`DocumentKind::name`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("loại văn bản không rõ / unknown document kind {0:?} (expected one of: {list})", list = DocumentKind::names().join(", "))]
pub struct ParseKindError(pub String);

impl DocumentKind {
    /// Every kind, forms 01–06 first, then the letters.
    pub const ALL: [DocumentKind; 9] = [
        DocumentKind::Receipt,
        DocumentKind::SupplementRequest,
        DocumentKind::Refusal,
        DocumentKind::Apology,
        DocumentKind::ControlSheet,
        DocumentKind::TrackingBook,
        DocumentKind::ConsultationRequest,
        DocumentKind::ConsultationReply,
        DocumentKind::OfficialLetter,
    ];

    /// Every kind, forms 01–06 first, then the letters.
    pub fn all() -> &'static [DocumentKind] {
        &DocumentKind::ALL
    }

    /// The stable kebab-case name ("supplement-request").
    pub fn name(self) -> &'static str {
        match self {
            DocumentKind::Receipt => "receipt",
            DocumentKind::SupplementRequest => "supplement-request",
            DocumentKind::Refusal => "refusal",
            DocumentKind::Apology => "apology",
            DocumentKind::ControlSheet => "control-sheet",
            DocumentKind::TrackingBook => "tracking-book",
            DocumentKind::ConsultationRequest => "consultation-request",
            DocumentKind::ConsultationReply => "consultation-reply",
            DocumentKind::OfficialLetter => "official-letter",
        }
    }

    /// Every stable name, in [`DocumentKind::ALL`] order.
    pub fn names() -> Vec<&'static str> {
        DocumentKind::ALL.iter().map(|kind| kind.name()).collect()
    }

    /// The document's Vietnamese title, as printed (forms) or as the type name (letters).
    pub fn title_vi(self) -> &'static str {
        match self {
            DocumentKind::Receipt => "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
            DocumentKind::SupplementRequest => "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
            DocumentKind::Refusal => "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
            DocumentKind::Apology => "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
            DocumentKind::ControlSheet => "Phiếu kiểm soát quá trình giải quyết hồ sơ",
            DocumentKind::TrackingBook => "Sổ theo dõi hồ sơ",
            DocumentKind::ConsultationRequest => "Công văn lấy ý kiến",
            DocumentKind::ConsultationReply => "Công văn trả lời lấy ý kiến",
            DocumentKind::OfficialLetter => "Công văn",
        }
    }

    /// Which rule the layout follows, for the record.
    pub fn source(self) -> &'static str {
        match self {
            DocumentKind::Receipt => "Circular 01/2018/TT-VPCP, form 01 (A5); header per Decree 30/2020/NĐ-CP Annex I",
            DocumentKind::SupplementRequest => {
                "Circular 01/2018/TT-VPCP, form 02 (A5); header per Decree 30/2020/NĐ-CP Annex I"
            }
            DocumentKind::Refusal => "Circular 01/2018/TT-VPCP, form 03 (A5); header per Decree 30/2020/NĐ-CP Annex I",
            DocumentKind::Apology => {
                "Circular 01/2018/TT-VPCP, form 04 (A5); HCMC Decision 5157/QĐ-UBND content; signer block per Decree 30/2020/NĐ-CP"
            }
            DocumentKind::ControlSheet => "Circular 01/2018/TT-VPCP, form 05 (A5)",
            DocumentKind::TrackingBook => {
                "Circular 01/2018/TT-VPCP, form 06 (A4, landscape for its table) and Art. 10(2)"
            }
            DocumentKind::ConsultationRequest => {
                "Decree 30/2020/NĐ-CP Annex I and Annex III template 1.4 (công văn); Decree 61/2018 Art. 19"
            }
            DocumentKind::ConsultationReply => "Decree 30/2020/NĐ-CP Annex I and Annex III template 1.4 (công văn)",
            DocumentKind::OfficialLetter => "Decree 30/2020/NĐ-CP Annex I and Annex III template 1.4 (công văn)",
        }
    }

    /// The template file name under `templates/`, without the extension ("supplement-request").
    pub(crate) fn template(self) -> &'static str {
        self.name()
    }
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

impl FromStr for DocumentKind {
    type Err = ParseKindError;

    /// Accepts the kebab-case name, or the same with underscores ("control_sheet").
    fn from_str(text: &str) -> Result<DocumentKind, ParseKindError> {
        let wanted = text.trim().replace('_', "-");
        DocumentKind::ALL.into_iter().find(|kind| kind.name() == wanted).ok_or_else(|| ParseKindError(text.to_owned()))
    }
}
