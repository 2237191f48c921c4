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
mod documents;
mod engine;
mod error;
mod fields;
mod forms;
mod kind;
mod letters;
mod model;
pub mod numbering;

pub use engine::{MAX_TEXT_CHARS, RenderOptions, Rendered, SignatureBox, SignatureRole, printable, render_with};
pub use error::RenderError;
pub use fields::FieldDoc;
pub use kind::{DocumentKind, ParseKindError};

/// Renders `data` (the JSON object described by [`DocumentKind::fields`]) as a PDF/A-2b
/// document of `kind`, without visible outlines around the signature boxes.
pub fn render(kind: DocumentKind, data: &serde_json::Value) -> Result<Rendered, RenderError> {
    render_with(kind, data, &RenderOptions::default())
}
