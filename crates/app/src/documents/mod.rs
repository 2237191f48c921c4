//! Documents: files submitted with a dossier and the documents the administration issues
//! (rendered, signed PDFs), with the issuer the service calls and the storage of both.

pub mod issuer;

use async_trait::async_trait;
use domain::dossier::Event;
use jiff::Timestamp;

use crate::{StoreError, StoreResult};

/// A document the administration issues with a transition (a one-stop form), ready to store.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedDocument {
    /// The form's name (`receipt`, `supplement-request`, `refusal`, `apology`).
    pub form: String,
    /// The file name offered on download.
    pub name: String,
    /// The signed PDF.
    pub content: Vec<u8>,
    /// SHA-256 of `content`, lower-case hex: its address.
    pub sha256: String,
    /// The number of signatures in it.
    pub signatures: i64,
}

impl std::fmt::Debug for IssuedDocument {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "IssuedDocument {{ {}, {:?}, {} bytes, {} }}",
            self.form,
            self.name,
            self.content.len(),
            self.sha256
        )
    }
}

/// Checks, inside a transition's transaction, that an issued document is what its event says:
/// the content hashes to `sha256` and the event's payload names that hash and form.
pub fn check_issued(event: &Event, issued: &IssuedDocument) -> StoreResult<()> {
    use sha2::Digest;
    let actual = hex::encode(sha2::Sha256::digest(&issued.content));
    let named =
        event.payload.get("document").and_then(|document| document.get("sha256")).and_then(|hash| hash.as_str());
    let form = event.payload.get("document").and_then(|document| document.get("form")).and_then(|form| form.as_str());
    if actual != issued.sha256 || named != Some(issued.sha256.as_str()) || form != Some(issued.form.as_str()) {
        return Err(StoreError::Database(format!(
            "issued document {} does not match its event (content {actual}, event {named:?})",
            issued.form
        )));
    }
    Ok(())
}

/// A stored issued document's description (its content is read on its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedRecord {
    /// The dossier it belongs to.
    pub code: String,
    /// The event that issued it.
    pub seq: i64,
    /// The form's name.
    pub form: String,
    /// File name.
    pub name: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// The number of signatures.
    pub signatures: i64,
    /// When it was issued (the event's instant).
    pub issued_at: Timestamp,
}

/// A file submitted with a dossier.
#[derive(Clone, PartialEq, Eq)]
pub struct NewDocument {
    /// Which required document it is (the catalogue's wording) or the file's own name.
    pub name: String,
    /// `application/pdf`, `image/jpeg` or `image/png` (checked against the content).
    pub content_type: String,
    /// The bytes.
    pub content: Vec<u8>,
}

impl std::fmt::Debug for NewDocument {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "NewDocument {{ {:?}, {}, {} bytes }}", self.name, self.content_type, self.content.len())
    }
}

/// A stored file's description (its content is read on its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRecord {
    /// 1, 2, ... within the dossier.
    pub seq: i64,
    /// Name.
    pub name: String,
    /// Media type.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
}

/// Storage of submitted and issued documents (written with their dossier's write).
#[async_trait]
pub trait DocumentStore: Send + Sync {
    /// The files of a dossier, in order.
    async fn documents(&self, code: &str) -> StoreResult<Vec<DocumentRecord>>;
    /// One file of a dossier with its content.
    async fn document_content(&self, code: &str, seq: i64) -> StoreResult<Option<(DocumentRecord, Vec<u8>)>>;
    /// The documents issued for a dossier, in event order.
    async fn issued_documents(&self, code: &str) -> StoreResult<Vec<IssuedRecord>>;
    /// One issued document of a dossier (by its event) with its content.
    async fn issued_content(&self, code: &str, seq: i64) -> StoreResult<Option<(IssuedRecord, Vec<u8>)>>;
    /// The issued documents whose content has this SHA-256 (lower-case hex).
    async fn issued_by_hash(&self, sha256: &str) -> StoreResult<Vec<IssuedRecord>>;
}
