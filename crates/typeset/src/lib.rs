//! Official documents of the one-stop desk rendered to PDF/A-2b.
//!
//! - The six one-stop forms of Circular 01/2018/TT-VPCP (01 receipt and appointment … 06
//!   tracking book), the consultation request and reply letters, and a generic official letter
//!   (công văn), all laid out per Decree 30/2020/NĐ-CP Annex I.
//! - Input is JSON (one serde struct per [`DocumentKind`]); every string is normalised to NFC
//!   and trimmed, and an empty string counts as missing.
//! - typst is used as a library with the Liberation Serif fonts shipped in `fonts/` (metric
//!   compatible with the Times New Roman the Decree asks for); no system font is ever read.
//! - [`render`] is synchronous and CPU-bound (milliseconds): async callers use
//!   `spawn_blocking`.
//! - The result carries the rectangles reserved for the signer's signature image and the
//!   agency's seal ([`SignatureBox`]), so the signing step never hard-codes coordinates.
//!
//! Numbering rules (number and symbol, yearly series, duplicates) are in [`numbering`]; the
//! other text rules of the Decree (date line, signer block, recipients) in [`decree30`].

pub mod decree30;
mod engine;
mod forms;
mod kind;
mod letters;
mod model;
pub mod numbering;

use serde::Serialize;

pub use engine::{MAX_TEXT_CHARS, RenderOptions, printable, render_with};
pub use kind::{DocumentKind, FieldDoc, ParseKindError};

/// A rendered document.
///
/// Invariant: `pdf` is a complete PDF/A-2b file whose document title is `title`; every box in
/// `signature_boxes` lies inside the page it names.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The PDF/A-2b bytes.
    pub pdf: Vec<u8>,
    /// The document title written in the PDF metadata (Vietnamese, NFC).
    pub title: String,
    /// The number of pages.
    pub pages: usize,
    /// The reserved rectangles for signature appearances, in document order (person first).
    pub signature_boxes: Vec<SignatureBox>,
    /// typst's warnings. The templates produce none (a test checks the examples); callers may
    /// log any that appear for unusual data.
    pub warnings: Vec<String>,
}

/// A rectangle reserved for a signature appearance, in PDF user space.
///
/// Invariant: `page` starts at 1; `x`, `y`, `width` and `height` are in PDF points (1/72 inch)
/// with the origin at the bottom-left corner of the page, as a PDF `/Rect` expects.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SignatureBox {
    /// Whose appearance goes in the box.
    pub role: SignatureRole,
    /// The page, from 1.
    pub page: usize,
    /// Left edge, points from the left of the page.
    pub x: f64,
    /// Bottom edge, points from the bottom of the page.
    pub y: f64,
    /// Width in points.
    pub width: f64,
    /// Height in points.
    pub height: f64,
}

/// Who signs in a [`SignatureBox`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureRole {
    /// The competent person's signature image (blue, transparent PNG), centred between the
    /// position line and the name (Decree 30 Annex I §II.7d).
    Person,
    /// The agency's seal at its real size (red, transparent PNG), over the left third of the
    /// person's signature (Annex I §II.8a).
    Agency,
}

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

/// Renders `data` (the JSON object described by [`DocumentKind::fields`]) as a PDF/A-2b
/// document of `kind`, without visible outlines around the signature boxes.
pub fn render(kind: DocumentKind, data: &serde_json::Value) -> Result<Rendered, RenderError> {
    render_with(kind, data, &RenderOptions::default())
}
