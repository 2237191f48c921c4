//! Documents on the portal and the console. `/xac-thuc`: anyone checks whether a document is genuine, by uploading the PDF (its signatures
//! are verified and its hash looked up among the documents this system issued) or by entering a
//! dossier code with the receipt's secret (the documents issued for it, each verified as stored,
//! with download links). Nothing uploaded is kept. `/can-bo/ho-so/{code}/tep|van-ban/{seq}`: a
//! dossier's submitted files and issued documents, for an officer allowed to read it.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use signing::SignatureStatus;

use super::files::{check_pdf, file_response, form_title, genuine};
use crate::extract::NfcQuery;
use crate::state::AppState;
use crate::ui::{Chrome, Lang, Officer, PageError, Texts, here, local_time, query_value, render, store_error};

/// A document issued by this system, as a line of the page.
pub struct IssuedLine {
    /// The form's title.
    pub title: String,
    /// The dossier.
    pub code: String,
    /// When.
    pub issued_at: String,
    /// SHA-256, hex.
    pub sha256: String,
    /// Download link (with the secret), when the visitor gave it.
    pub href: Option<String>,
    /// The verdict on the stored file's signatures, when checked.
    pub verdict: Option<String>,
    /// `ok`, `warn` or `bad`.
    pub verdict_class: &'static str,
}

/// One signature, as a line of the page.
pub struct SignatureLine {
    /// The verdict in the page's language.
    pub status: String,
    /// `ok`, `warn` or `bad`.
    pub class: &'static str,
    /// Signer (certificate CN).
    pub signer: String,
    /// Organisation.
    pub organization: String,
    /// Person or agency, in words.
    pub role: String,
    /// Claimed time.
    pub time: String,
    /// Reason.
    pub reason: String,
    /// Why (codes and messages).
    pub findings: Vec<String>,
}

/// The verdict on an uploaded file.
pub struct UploadResult {
    /// SHA-256 of the file.
    pub sha256: String,
    /// All signatures valid and trusted.
    pub genuine: bool,
    /// Issued here with exactly this content.
    pub issued: Vec<IssuedLine>,
    /// The signatures.
    pub signatures: Vec<SignatureLine>,
}

/// The page.
#[derive(Template)]
#[template(path = "documents/verify.html")]
pub struct VerifyPage {
    chrome: Chrome,
    code: String,
    secret: String,
    message: Option<String>,
    upload: Option<UploadResult>,
    documents: Option<Vec<IssuedLine>>,
}

/// `?ma=&bi-mat=`.
#[derive(Debug, Default, Deserialize)]
pub struct VerifyParams {
    /// Dossier code.
    #[serde(default)]
    ma: String,
    /// Receipt secret.
    #[serde(default, rename = "bi-mat")]
    secret: String,
}

fn class_of(status: SignatureStatus) -> &'static str {
    match status {
        SignatureStatus::Valid => "ok",
        SignatureStatus::Untrusted => "warn",
        _ => "bad",
    }
}

fn status_text(lang: Lang, status: SignatureStatus) -> String {
    match lang {
        Lang::Vi => status.message_vi().to_owned(),
        Lang::En => status.message_en().to_owned(),
    }
}

fn role_text(t: &Texts, role: Option<signing::Role>) -> String {
    match role {
        Some(signing::Role::Person) => t.get("verify.role_person").to_owned(),
        Some(signing::Role::Agency) => t.get("verify.role_agency").to_owned(),
        None => String::new(),
    }
}

fn signature_lines(lang: Lang, reports: &[signing::SignatureReport]) -> Vec<SignatureLine> {
    let t = lang.texts();
    reports
        .iter()
        .map(|report| SignatureLine {
            status: status_text(lang, report.status),
            class: class_of(report.status),
            signer: report.signer_common_name.clone().unwrap_or_default(),
            organization: report.signer_organization.clone().unwrap_or_default(),
            role: role_text(t, report.role),
            time: report.signing_time.map(local_time).unwrap_or_default(),
            reason: report.reason.clone().unwrap_or_default(),
            findings: report.findings.iter().map(|finding| format!("{}: {}", finding.code, finding.message)).collect(),
        })
        .collect()
}

fn page(lang: Lang, uri: &Uri) -> VerifyPage {
    VerifyPage {
        chrome: Chrome::new(lang, "/xac-thuc", &here(uri)),
        code: String::new(),
        secret: String::new(),
        message: None,
        upload: None,
        documents: None,
    }
}

/// `GET /xac-thuc[?ma=&bi-mat=]`: the two forms, and with a code and secret the documents issued
/// for that dossier, each verified as stored.
pub async fn show(
    lang: Lang,
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    uri: Uri,
    NfcQuery(params): NfcQuery<VerifyParams>,
) -> Result<Response, PageError> {
    let t = lang.texts();
    let mut page = page(lang, &uri);
    page.code = params.ma.trim().to_uppercase();
    page.secret = params.secret.trim().to_owned();
    if page.code.is_empty() && page.secret.is_empty() {
        return Ok(render(&page));
    }
    if !state.limiter.allow(client.ip()) {
        page.message = Some(t.get("lookup.rate_limited").to_owned());
        return Ok((StatusCode::TOO_MANY_REQUESTS, render(&page)).into_response());
    }
    let found = state
        .service
        .public_dossier(&page.code, &page.secret)
        .await
        .map_err(|error| PageError::internal(lang, &error))?;
    if found.is_none() {
        page.message = Some(t.get("lookup.not_found").to_owned());
        return Ok((StatusCode::NOT_FOUND, render(&page)).into_response());
    }
    let issued =
        state.service.reads().issued_documents(&page.code).await.map_err(|error| PageError::internal(lang, &error))?;
    let mut lines = Vec::with_capacity(issued.len());
    for record in issued {
        let content = state
            .service
            .reads()
            .issued_content(&record.code, record.seq)
            .await
            .map_err(|error| PageError::internal(lang, &error))?
            .map(|(_, content)| content)
            .unwrap_or_default();
        let options = state.verify.clone();
        let reports = tokio::task::spawn_blocking(move || signing::verify(&content, &options))
            .await
            .map_err(|error| PageError::internal(lang, &error))?;
        let (verdict, verdict_class) = match &reports {
            Ok(reports) if genuine(reports) => (t.get("verify.all_valid").to_owned(), "ok"),
            Ok(reports) => {
                let worst = reports.iter().map(|r| r.status).find(|s| *s != SignatureStatus::Valid);
                (worst.map(|status| status_text(lang, status)).unwrap_or_default(), "bad")
            }
            Err(error) => (error.to_string(), "bad"),
        };
        lines.push(IssuedLine {
            title: form_title(&record.form).to_owned(),
            href: Some(format!(
                "/api/v1/public/dossiers/{}/documents/{}?secret={}",
                record.code,
                record.seq,
                query_value(&page.secret)
            )),
            code: record.code,
            issued_at: local_time(record.issued_at),
            sha256: record.sha256,
            verdict: Some(verdict),
            verdict_class,
        });
    }
    page.documents = Some(lines);
    Ok(render(&page))
}

/// `POST /xac-thuc` (multipart, field `tep`): the verdict on the uploaded PDF.
pub async fn upload(
    lang: Lang,
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    uri: Uri,
    mut multipart: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let t = lang.texts();
    let mut page = page(lang, &uri);
    let mut file: Option<Vec<u8>> = None;
    let mut problem = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("tep") => match field.bytes().await {
                Ok(bytes) => file = Some(bytes.to_vec()),
                Err(_) => problem = Some(t.get("verify.too_large")),
            },
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(_) => {
                problem = Some(t.get("verify.too_large"));
                break;
            }
        }
    }
    let file = file.unwrap_or_default();
    if problem.is_none() && file.is_empty() {
        problem = Some(t.get("verify.missing"));
    }
    if problem.is_none() && !state.limiter.allow(client.ip()) {
        page.message = Some(t.get("lookup.rate_limited").to_owned());
        return Ok((StatusCode::TOO_MANY_REQUESTS, render(&page)).into_response());
    }
    if let Some(problem) = problem {
        page.message = Some(problem.to_owned());
        return Ok((StatusCode::BAD_REQUEST, render(&page)).into_response());
    }
    let checked = check_pdf(&state, file).await.map_err(|error| PageError::internal(lang, &error))?;
    let Ok(reports) = checked.reports else {
        page.message = Some(t.get("verify.not_pdf").to_owned());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
    };
    page.upload = Some(UploadResult {
        sha256: checked.sha256,
        genuine: genuine(&reports),
        issued: checked
            .issued
            .into_iter()
            .map(|record| IssuedLine {
                title: form_title(&record.form).to_owned(),
                code: record.code,
                issued_at: local_time(record.issued_at),
                sha256: record.sha256,
                href: None,
                verdict: None,
                verdict_class: "ok",
            })
            .collect(),
        signatures: signature_lines(lang, &reports),
    });
    Ok(render(&page))
}

/// `/can-bo/ho-so/{code}/tep/{seq}`: a submitted file, for an officer allowed to read the
/// dossier (the read is recorded), as a download.
pub async fn file(
    lang: Lang,
    State(state): State<AppState>,
    officer: Officer,
    axum::extract::Path((code, seq)): axum::extract::Path<(String, i64)>,
) -> Result<Response, PageError> {
    state
        .service
        .dossier_for_staff(&code, &officer.actor, state.clock.now())
        .await
        .map_err(|e| store_error(lang, e))?;
    let (record, content) = state
        .service
        .store()
        .document_content(&code, seq)
        .await
        .map_err(|e| store_error(lang, e))?
        .ok_or_else(|| PageError::not_found(lang, lang.texts().get("error.not_found")))?;
    let extension = match record.content_type.as_str() {
        "application/pdf" => "pdf",
        "image/jpeg" => "jpg",
        _ => "png",
    };
    let name = format!("{code}-{seq}.{extension}");
    Ok(file_response(&record.content_type, "attachment", &name, content))
}

/// `/can-bo/ho-so/{code}/van-ban/{seq}`: a document issued for the dossier (the signed PDF).
pub async fn issued_file(
    lang: Lang,
    State(state): State<AppState>,
    officer: Officer,
    axum::extract::Path((code, seq)): axum::extract::Path<(String, i64)>,
) -> Result<Response, PageError> {
    state
        .service
        .dossier_for_staff(&code, &officer.actor, state.clock.now())
        .await
        .map_err(|e| store_error(lang, e))?;
    let (record, content) = state
        .service
        .store()
        .issued_content(&code, seq)
        .await
        .map_err(|e| store_error(lang, e))?
        .ok_or_else(|| PageError::not_found(lang, lang.texts().get("error.not_found")))?;
    Ok(file_response("application/pdf", "inline", &record.name, content))
}
