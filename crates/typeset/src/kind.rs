//! The kinds of document this crate renders, with their stable names, field lists and examples.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::RenderError;
use crate::forms::{Apology, ControlSheet, Receipt, Refusal, SupplementRequest, TrackingBook};
use crate::letters::{ConsultationReply, ConsultationRequest, OfficialLetter};
use crate::model::{self, Document, View};

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

/// One input field of a document, for `motcua render --list`.
///
/// Invariant: `name` is the dotted JSON path ("applicant.name"; "[]" marks the items of a list,
/// "handovers[].at").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FieldDoc {
    /// Dotted JSON path.
    pub name: &'static str,
    /// Whether the document cannot be rendered without it.
    pub required: bool,
    /// What goes in it, with an example.
    pub description: &'static str,
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

    /// The input fields, for `motcua render --list`.
    pub fn fields(self) -> &'static [FieldDoc] {
        crate::kind::fields::of(self)
    }

    /// Realistic example input (Ho Chi Minh City, 2026) that renders without error.
    pub fn example(self) -> serde_json::Value {
        match self {
            DocumentKind::Receipt => model::example_json::<Receipt>(),
            DocumentKind::SupplementRequest => model::example_json::<SupplementRequest>(),
            DocumentKind::Refusal => model::example_json::<Refusal>(),
            DocumentKind::Apology => model::example_json::<Apology>(),
            DocumentKind::ControlSheet => model::example_json::<ControlSheet>(),
            DocumentKind::TrackingBook => model::example_json::<TrackingBook>(),
            DocumentKind::ConsultationRequest => model::example_json::<ConsultationRequest>(),
            DocumentKind::ConsultationReply => model::example_json::<ConsultationReply>(),
            DocumentKind::OfficialLetter => model::example_json::<OfficialLetter>(),
        }
    }

    /// Parses, validates and views `data`.
    pub(crate) fn prepare(self, data: &serde_json::Value) -> Result<View, RenderError> {
        match self {
            DocumentKind::Receipt => model::prepare::<Receipt>(data),
            DocumentKind::SupplementRequest => model::prepare::<SupplementRequest>(data),
            DocumentKind::Refusal => model::prepare::<Refusal>(data),
            DocumentKind::Apology => model::prepare::<Apology>(data),
            DocumentKind::ControlSheet => model::prepare::<ControlSheet>(data),
            DocumentKind::TrackingBook => model::prepare::<TrackingBook>(data),
            DocumentKind::ConsultationRequest => model::prepare::<ConsultationRequest>(data),
            DocumentKind::ConsultationReply => model::prepare::<ConsultationReply>(data),
            DocumentKind::OfficialLetter => model::prepare::<OfficialLetter>(data),
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

/// Compile-time check that the example of each kind is a `Document` of that kind.
const _: () = {
    assert!(matches!(Receipt::KIND, DocumentKind::Receipt));
    assert!(matches!(SupplementRequest::KIND, DocumentKind::SupplementRequest));
    assert!(matches!(Refusal::KIND, DocumentKind::Refusal));
    assert!(matches!(Apology::KIND, DocumentKind::Apology));
    assert!(matches!(ControlSheet::KIND, DocumentKind::ControlSheet));
    assert!(matches!(TrackingBook::KIND, DocumentKind::TrackingBook));
    assert!(matches!(ConsultationRequest::KIND, DocumentKind::ConsultationRequest));
    assert!(matches!(ConsultationReply::KIND, DocumentKind::ConsultationReply));
    assert!(matches!(OfficialLetter::KIND, DocumentKind::OfficialLetter));
};

mod fields;
