//! Documents over `/api/v1`: the issued documents of a dossier (for staff, and for the applicant
//! holding the receipt's secret) and the verification of any PDF.
//!
//! The operations keep the tag `documents` the published document has always given them.

use std::net::SocketAddr;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::Response;
use utoipa::ToSchema;

use super::dto::{IssuedDto, SignatureDto, VerificationDto};
use super::files::{check_pdf, genuine, pdf_response};
use crate::error::{AppError, ErrorBody};
use crate::extract::{Authenticated, NfcPath, NfcQuery, SecretQuery, nfc, public_record};
use crate::state::AppState;

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
        Ok(CodeSeq(nfc(&code), seq))
    }
}

/// A PDF file in the OpenAPI document (`type: string, format: binary`).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct PdfFile(pub Vec<u8>);

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
#[utoipa::path(post, tag = "documents", path = "/api/v1/public/verify",
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
    let is_pdf =
        media.parse::<mime::Mime>().is_ok_and(|media| media.essence_str() == mime::APPLICATION_PDF.essence_str());
    if !is_pdf {
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

/// The documents issued for a dossier, for the applicant holding the receipt's secret.
#[utoipa::path(get, tag = "documents", path = "/api/v1/public/dossiers/{code}/documents",
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
    public_record(&state, client, &code, query.secret.as_deref()).await?;
    let issued = state.service.reads().issued_documents(&code).await?;
    Ok(Json(issued.iter().map(IssuedDto::from).collect()))
}

/// One issued document (the signed PDF), for the applicant holding the receipt's secret.
#[utoipa::path(get, tag = "documents", path = "/api/v1/public/dossiers/{code}/documents/{seq}",
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
    public_record(&state, client, &code, query.secret.as_deref()).await?;
    let (record, content) = state
        .service
        .reads()
        .issued_content(&code, seq)
        .await?
        .ok_or_else(|| AppError::not_found(format!("không có văn bản / no document {code}/{seq}")))?;
    Ok(pdf_response(&record.name, content))
}

/// The documents issued for a dossier (staff; the read is recorded like the dossier's).
#[utoipa::path(get, tag = "documents", path = "/api/v1/dossiers/{code}/documents",
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
#[utoipa::path(get, tag = "documents", path = "/api/v1/dossiers/{code}/documents/{seq}",
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
