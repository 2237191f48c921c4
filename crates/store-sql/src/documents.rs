//! Submitted and issued documents as stored.

use app::{DocumentRecord, IssuedRecord, StoreResult, instant_of};

use crate::Columns;

/// The columns of `issued_documents` an [`IssuedRecord`] is read from.
pub const ISSUED_COLUMNS: &str = "code, seq, form, name, size, sha256, signatures, issued_at";

/// An issued document of a row with [`ISSUED_COLUMNS`].
pub fn issued_record(row: &impl Columns) -> StoreResult<IssuedRecord> {
    Ok(IssuedRecord {
        code: row.column("code")?,
        seq: row.column("seq")?,
        form: row.column("form")?,
        name: row.column("name")?,
        size: row.column("size")?,
        sha256: row.column("sha256")?,
        signatures: row.column("signatures")?,
        issued_at: instant_of(row.column("issued_at")?)?,
    })
}

/// A submitted file of a row of `documents`.
pub fn document_record(row: &impl Columns) -> StoreResult<DocumentRecord> {
    Ok(DocumentRecord {
        seq: row.column("seq")?,
        name: row.column("name")?,
        content_type: row.column("content_type")?,
        size: row.column("size")?,
        sha256: row.column("sha256")?,
    })
}
