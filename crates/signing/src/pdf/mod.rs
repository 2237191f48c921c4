//! PDF structure: reading signature fields, writing incremental updates, text and dates.

pub(crate) mod parse;
pub(crate) mod text;
pub(crate) mod write;
