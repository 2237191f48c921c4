//! Issued documents over HTTP: downloads for staff and for the applicant holding the receipt's
//! secret, and verification of any PDF against its signatures and against what this system issued
//! (shared by the API and the public page `/xac-thuc`).

use std::net::SocketAddr;

use app::{IssuedRecord, StoreError};
use axum::Json;
use axum::body::Bytes;
use axum::extract::FromRequestParts;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use signing::{SignatureReport, SignatureStatus};
use utoipa::ToSchema;

use crate::AppState;
use crate::api::SecretQuery;
use crate::dto::rfc3339;
use crate::error::{AppError, ErrorBody};
use crate::extract::{Authenticated, NfcPath, NfcQuery};

/// A dossier code and a document number from the path.
pub struct CodeSeq(pub String, pub i64);

impl<S: Send + Sync> FromRequestParts<S> for CodeSeq {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let axum::extract::Path((code, seq)) =
            axum::extract::Path::<(String, String)>::from_request_parts(parts, state).await.map_err(|rejection| {
                AppError::bad_request(
                    "INVALID_PATH",
                    format!("đường dẫn không hợp lệ / invalid path: {}", rejection.body_text()),
                )
            })?;
        let seq = seq.parse::<i64>().ok().filter(|seq| *seq > 0).ok_or_else(|| {
            AppError::bad_request(
                "INVALID_PATH",
                format!("số văn bản phải là số nguyên dương / the document number must be a positive integer: {seq:?}"),
            )
        })?;
        Ok(CodeSeq(crate::extract::nfc(&code), seq))
    }
}

/// A PDF file in the OpenAPI document (`type: string, format: binary`).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct PdfFile(pub Vec<u8>);

/// Verifications running at once.
static VERIFYING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// The largest PDF the verification takes (forms are tens of kilobytes; scanned results a few
/// megabytes).
pub const VERIFY_LIMIT: usize = 20 * 1024 * 1024;

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

/// The Vietnamese title of a form by its name.
pub fn form_title(form: &str) -> &'static str {
    form.parse::<typeset::DocumentKind>().map_or("Văn bản", typeset::DocumentKind::title_vi)
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

/// [`check_pdf`] as the API answers it.
pub async fn verify_pdf(state: &AppState, pdf: Vec<u8>) -> Result<VerificationDto, AppError> {
    if pdf.is_empty() {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "FILE_MISSING",
            "chưa gửi tệp PDF / no PDF was sent".to_owned(),
        ));
    }
    let checked = check_pdf(state, pdf).await?;
    let reports = checked.reports.map_err(|error| {
        AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            error.code(),
            format!("không đọc được tệp như một PDF / the file could not be read as a PDF: {error}"),
        )
    })?;
    Ok(VerificationDto {
        sha256: checked.sha256,
        genuine: genuine(&reports),
        issued: checked.issued.iter().map(IssuedDto::from).collect(),
        signatures: reports.iter().map(SignatureDto::from).collect(),
    })
}

/// Verifies a PDF: its signatures (valid, untrusted, invalid, altered after signing, with the
/// signer, time and reason) and whether this system issued exactly this file. Nothing is kept.
#[utoipa::path(post, path = "/api/v1/public/verify",
    request_body(content = PdfFile, content_type = "application/pdf", description = "The PDF, at most 20 MiB"),
    responses(
    (status = 200, description = "The verdicts", body = VerificationDto),
    (status = 413, description = "Over 20 MiB", body = ErrorBody),
    (status = 415, description = "Not sent as application/pdf", body = ErrorBody),
    (status = 422, description = "Empty, or not a PDF that can be read", body = ErrorBody),
    (status = 429, description = "Too many requests", body = ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<Json<VerificationDto>, AppError> {
    let media = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or_default();
    if !media.split(';').next().unwrap_or_default().trim().eq_ignore_ascii_case("application/pdf") {
        return Err(AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "gửi tệp với Content-Type: application/pdf / send the file as application/pdf".to_owned(),
        ));
    }
    if !state.limiter.allow(client.ip()) {
        return Err(AppError::too_many_requests());
    }
    Ok(Json(verify_pdf(&state, body.to_vec()).await?))
}

/// A stored file as a response: its media type, `inline` or `attachment` with an ASCII file
/// name, and no content sniffing.
pub(crate) fn file_response(content_type: &str, disposition: &str, name: &str, content: Vec<u8>) -> Response {
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

fn pdf_response(name: &str, content: Vec<u8>) -> Response {
    file_response("application/pdf", "attachment", name, content)
}

/// The documents issued for a dossier, for the applicant holding the receipt's secret.
#[utoipa::path(get, path = "/api/v1/public/dossiers/{code}/documents",
    params(("code" = String, Path, description = "Dossier code"), SecretQuery), responses(
    (status = 200, description = "Issued documents", body = [IssuedDto]),
    (status = 404, description = "No such dossier, or a wrong secret", body = ErrorBody),
    (status = 429, description = "Too many look-ups", body = ErrorBody)))]
pub async fn public_list(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    NfcPath(code): NfcPath,
    NfcQuery(query): NfcQuery<SecretQuery>,
) -> Result<Json<Vec<IssuedDto>>, AppError> {
    crate::api::public_record(&state, client, &code, query.secret.as_deref()).await?;
    let issued = state.service.reads().issued_documents(&code).await?;
    Ok(Json(issued.iter().map(IssuedDto::from).collect()))
}

/// One issued document (the signed PDF), for the applicant holding the receipt's secret.
#[utoipa::path(get, path = "/api/v1/public/dossiers/{code}/documents/{seq}",
    params(("code" = String, Path, description = "Dossier code"), ("seq" = i64, Path, minimum = 1, description = "The event that issued it"), SecretQuery),
    responses(
    (status = 200, description = "The signed PDF", content_type = "application/pdf", body = PdfFile),
    (status = 400, description = "A bad number", body = ErrorBody),
    (status = 404, description = "No such dossier or document, or a wrong secret", body = ErrorBody),
    (status = 429, description = "Too many look-ups", body = ErrorBody)))]
pub async fn public_download(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    CodeSeq(code, seq): CodeSeq,
    NfcQuery(query): NfcQuery<SecretQuery>,
) -> Result<Response, AppError> {
    crate::api::public_record(&state, client, &code, query.secret.as_deref()).await?;
    let (record, content) = state
        .service
        .reads()
        .issued_content(&code, seq)
        .await?
        .ok_or_else(|| AppError::not_found(format!("không có văn bản / no document {code}/{seq}")))?;
    Ok(pdf_response(&record.name, content))
}

/// The documents issued for a dossier (staff; the read is recorded like the dossier's).
#[utoipa::path(get, path = "/api/v1/dossiers/{code}/documents",
    params(("code" = String, Path, description = "Dossier code")),
    security(("token" = []), ("session" = [])), responses(
    (status = 200, description = "Issued documents", body = [IssuedDto]),
    (status = 401, description = "Not logged in", body = ErrorBody),
    (status = 403, description = "Not allowed to read this unit's dossiers", body = ErrorBody),
    (status = 404, description = "No such dossier", body = ErrorBody)))]
pub async fn staff_list(
    State(state): State<AppState>,
    who: Authenticated,
    NfcPath(code): NfcPath,
) -> Result<Json<Vec<IssuedDto>>, AppError> {
    state.service.dossier_for_staff(&code, &who.actor, state.clock.now()).await?;
    let issued = state.service.store().issued_documents(&code).await?;
    Ok(Json(issued.iter().map(IssuedDto::from).collect()))
}

/// One issued document (staff).
#[utoipa::path(get, path = "/api/v1/dossiers/{code}/documents/{seq}",
    params(("code" = String, Path, description = "Dossier code"), ("seq" = i64, Path, minimum = 1, description = "The event that issued it")),
    security(("token" = []), ("session" = [])), responses(
    (status = 200, description = "The signed PDF", content_type = "application/pdf", body = PdfFile),
    (status = 400, description = "A bad number", body = ErrorBody),
    (status = 401, description = "Not logged in", body = ErrorBody),
    (status = 403, description = "Not allowed to read this unit's dossiers", body = ErrorBody),
    (status = 404, description = "No such dossier or document", body = ErrorBody)))]
pub async fn staff_download(
    State(state): State<AppState>,
    who: Authenticated,
    CodeSeq(code, seq): CodeSeq,
) -> Result<Response, AppError> {
    state.service.dossier_for_staff(&code, &who.actor, state.clock.now()).await?;
    let (record, content) = state
        .service
        .store()
        .issued_content(&code, seq)
        .await?
        .ok_or_else(|| AppError::not_found(format!("không có văn bản / no document {code}/{seq}")))?;
    Ok(pdf_response(&record.name, content))
}
