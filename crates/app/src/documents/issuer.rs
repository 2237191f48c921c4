//! The issuer of documents: what a form is made from, and who renders and signs it.

use domain::dossier::{Event, Transition};

use crate::StoreResult;

/// What a form is made from: the dossier before the transition, the transition's event as it
/// will be written (without the document), and who issues it. Owned, so that rendering runs on a
/// blocking thread.
#[derive(Debug, Clone)]
pub struct IssueRequest {
    /// The dossier before the transition, with its applicant and history.
    pub record: crate::DossierRecord,
    /// Its procedure version.
    pub procedure: domain::catalog::Procedure,
    /// The transition asked for.
    pub transition: Transition,
    /// Its event.
    pub event: Event,
    /// The officer's display name.
    pub officer: String,
    /// The receiving unit.
    pub receiving_unit: crate::UnitRecord,
    /// The unit acting (holding the dossier; the same as the receiving unit at the desk).
    pub acting_unit: crate::UnitRecord,
}

/// Produces the documents the one-stop rules tie to transitions (rendered and signed).
pub trait FormIssuer: Send + Sync {
    /// The form `transition` issues, if any.
    fn form_of(&self, transition: &Transition) -> Option<&'static str>;
    /// Renders and signs it. CPU-bound (milliseconds): the service calls it on a blocking
    /// thread, before the transition's transaction.
    fn issue(&self, request: &IssueRequest) -> StoreResult<crate::IssuedDocument>;
}
