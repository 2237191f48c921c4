//! What the context's API and pages share: form titles, the check of a PDF (its signatures and
//! whether it was issued here), and stored files as downloads.

use app::{IssuedRecord, StoreError};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use signing::{SignatureReport, SignatureStatus};

use crate::state::AppState;

/// Verifications running at once.
static VERIFYING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// The largest PDF the verification takes (forms are tens of kilobytes; scanned results a few
/// megabytes).
pub const VERIFY_LIMIT: usize = 20 * 1024 * 1024;

/// The Vietnamese title of a form by its name.
pub fn form_title(form: &str) -> &'static str {
    form.parse::<typeset::DocumentKind>().map_or("Văn bản", typeset::DocumentKind::title_vi)
}

/// A PDF checked: its hash, its signatures' verdicts (or why it could not be read) and the
/// documents issued here with exactly this content.
pub struct Checked {
    /// SHA-256, hex.
    pub sha256: String,
    /// The verdicts, in signing order.
    pub reports: Result<Vec<SignatureReport>, signing::SigningError>,
    /// Issued here with this content.
    pub issued: Vec<IssuedRecord>,
}

/// Checks `pdf`: its signatures against the configured trust anchors (on a blocking thread:
/// milliseconds of CPU) and its hash against the issued documents.
pub async fn check_pdf(state: &AppState, pdf: Vec<u8>) -> Result<Checked, StoreError> {
    use sha2::Digest;
    let sha256 = hex::encode(sha2::Sha256::digest(&pdf));
    let options = state.verify.clone();
    // At most two verifications at once (milliseconds of CPU each, on files of up to 20 MiB): the
    // rest wait their turn instead of crowding out the desks' work.
    let _permit = VERIFYING.acquire().await.map_err(|error| StoreError::Database(format!("verification: {error}")))?;
    let reports = match tokio::task::spawn_blocking(move || signing::verify(&pdf, &options)).await {
        Ok(reports) => reports,
        // A file that makes the reader fail is still the sender's unreadable file, not a 500.
        Err(error) => {
            tracing::error!(error = %error, "verification of an uploaded file failed");
            Err(signing::SigningError::InvalidPdf { detail: "the file could not be read".to_owned() })
        }
    };
    let issued = state.service.reads().issued_by_hash(&sha256).await?;
    Ok(Checked { sha256, reports, issued })
}

/// Whether every signature is valid and trusted, and there is at least one.
pub fn genuine(reports: &[SignatureReport]) -> bool {
    !reports.is_empty() && reports.iter().all(|report| report.status == SignatureStatus::Valid)
}

/// A stored file as a response: its media type, `inline` or `attachment` with an ASCII file
/// name, and no content sniffing.
pub fn file_response(content_type: &str, disposition: &str, name: &str, content: Vec<u8>) -> Response {
    let ascii: String = name.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')).collect();
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, format!("{disposition}; filename=\"{ascii}\"")),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        content,
    )
        .into_response()
}

/// A signed PDF as a download.
pub fn pdf_response(name: &str, content: Vec<u8>) -> Response {
    file_response("application/pdf", "attachment", name, content)
}
