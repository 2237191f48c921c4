//! The JSON shapes of issued documents and of signature verification.

use app::IssuedRecord;
use serde::Serialize;
use signing::SignatureReport;
use utoipa::ToSchema;

use super::files::form_title;
use crate::wire::rfc3339;

/// A document issued for a dossier.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedDto {
    /// The dossier.
    pub code: String,
    /// The event that issued it.
    pub seq: i64,
    /// `receipt`, `supplement-request`, `refusal` or `apology`.
    pub form: String,
    /// The form's title in Vietnamese.
    pub title: String,
    /// File name.
    pub name: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 of the file, hex: its address.
    pub sha256: String,
    /// The number of signatures.
    pub signatures: i64,
    /// When it was issued (RFC 3339, Vietnam time).
    pub issued_at: String,
}

impl From<&IssuedRecord> for IssuedDto {
    fn from(record: &IssuedRecord) -> IssuedDto {
        IssuedDto {
            code: record.code.clone(),
            seq: record.seq,
            form: record.form.clone(),
            title: form_title(&record.form).to_owned(),
            name: record.name.clone(),
            size: record.size,
            sha256: record.sha256.clone(),
            signatures: record.signatures,
            issued_at: rfc3339(record.issued_at),
        }
    }
}

/// One signature's verdict.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignatureDto {
    /// The signature field.
    pub field: String,
    /// `VALID`, `UNTRUSTED`, `INVALID` or `MODIFIED_AFTER_SIGNING`.
    pub status: String,
    /// The verdict in Vietnamese.
    pub status_vi: String,
    /// The verdict in English.
    pub status_en: String,
    /// The signer certificate's common name.
    pub signer: Option<String>,
    /// Its organisation.
    pub organization: Option<String>,
    /// `person` or `agency`.
    pub role: Option<String>,
    /// The claimed signing time (RFC 3339), not time-stamped.
    pub signing_time: Option<String>,
    /// The reason recorded.
    pub reason: Option<String>,
    /// Why: stable codes with "Vietnamese / English" messages.
    pub findings: Vec<FindingDto>,
}

/// A reason behind a verdict.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingDto {
    /// Stable code.
    pub code: String,
    /// "Vietnamese / English".
    pub message: String,
}

impl From<&SignatureReport> for SignatureDto {
    fn from(report: &SignatureReport) -> SignatureDto {
        SignatureDto {
            field: report.field_name.clone(),
            status: report.status.code().to_owned(),
            status_vi: report.status.message_vi().to_owned(),
            status_en: report.status.message_en().to_owned(),
            signer: report.signer_common_name.clone(),
            organization: report.signer_organization.clone(),
            role: report.role.map(|role| match role {
                signing::Role::Person => "person".to_owned(),
                signing::Role::Agency => "agency".to_owned(),
            }),
            signing_time: report.signing_time.map(rfc3339),
            reason: report.reason.clone(),
            findings: report
                .findings
                .iter()
                .map(|finding| FindingDto { code: finding.code.to_owned(), message: finding.message.clone() })
                .collect(),
        }
    }
}

/// What verification found about a PDF.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationDto {
    /// SHA-256 of the file.
    pub sha256: String,
    /// Whether every signature is valid and trusted (and there is at least one).
    pub genuine: bool,
    /// The documents this system issued with exactly this content (empty: not issued here, or
    /// changed since).
    pub issued: Vec<IssuedDto>,
    /// Each signature's verdict, in signing order.
    pub signatures: Vec<SignatureDto>,
}
