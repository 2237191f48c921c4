//! Why a document could not be rendered.

use crate::kind::DocumentKind;

/// Why a document could not be rendered. The first two variants are the caller's input; the
/// others are bugs in a template or in the PDF export and are worth a report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// A required field is absent, null or empty. `field` is a dotted path ("applicant.name").
    #[error("thiếu trường `{field}` / missing field `{field}` ({kind})")]
    MissingField {
        /// The document kind being rendered.
        kind: DocumentKind,
        /// Dotted path of the field.
        field: String,
    },
    /// A field has the wrong type or a value the rules refuse. `field` is a dotted path, "." for
    /// the whole input.
    #[error("trường `{field}` không hợp lệ / invalid field `{field}` ({kind}): {reason}")]
    InvalidField {
        /// The document kind being rendered.
        kind: DocumentKind,
        /// Dotted path of the field.
        field: String,
        /// What is wrong, in English (serde's or the rule's wording).
        reason: String,
    },
    /// The typst template did not compile.
    #[error("lỗi mẫu văn bản / template error ({kind}): {message}")]
    Template {
        /// The document kind being rendered.
        kind: DocumentKind,
        /// typst's diagnostics, one per line.
        message: String,
    },
    /// The PDF/A export refused the document (for example a glyph missing from the fonts).
    #[error("lỗi xuất PDF/A / PDF/A export error ({kind}): {message}")]
    Pdf {
        /// The document kind being rendered.
        kind: DocumentKind,
        /// typst's diagnostics, one per line.
        message: String,
    },
}
