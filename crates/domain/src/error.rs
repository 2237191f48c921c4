//! The domain's error: a stable machine code and a message in Vietnamese and English.

/// A refused domain operation. Nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DomainError {
    /// Stable code (e.g. `DOSSIER_INVALID_TRANSITION`).
    pub code: &'static str,
    /// Vietnamese / English message.
    pub message: String,
}

impl DomainError {
    /// A new error.
    pub fn new(code: &'static str, message: String) -> DomainError {
        DomainError { code, message }
    }
}
