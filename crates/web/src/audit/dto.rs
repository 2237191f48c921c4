//! The JSON shapes of the audit trail.

use serde::Serialize;
use utoipa::ToSchema;

/// A read of the dossier's personal data, as the citizen sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ViewDto {
    /// The account that read it.
    pub viewer: String,
    /// When.
    pub at: String,
}
