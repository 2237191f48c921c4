//! Each kind's document struct: the realistic example and the parsing of the input, by kind.

use crate::error::RenderError;
use crate::forms::{Apology, ControlSheet, Receipt, Refusal, SupplementRequest, TrackingBook};
use crate::kind::DocumentKind;
use crate::letters::{ConsultationReply, ConsultationRequest, OfficialLetter};
use crate::model::{self, Document, View};

impl DocumentKind {
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
