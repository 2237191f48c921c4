//! Dossiers on the portal: the look-up by code and receipt secret (`/tra-cuu`) and the online
//! submission (`/thu-tuc/{code}/nop`). No personal data and no staff names appear on these pages
//! (the look-up shows the logins that read the citizen's own dossier, to that citizen only).

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use domain::catalog::{Level, UnitKind};
use serde::Deserialize;

use crate::documents::files::form_title;
use crate::documents::pages::IssuedLine;
use crate::extract::{NfcPath, NfcQuery};
use crate::state::AppState;
use crate::ui::{Chrome, Lang, PageError, here, local_time, query_value, render, today};

// ---------------------------------------------------------------------------------------------
// Look-up

/// `?ma=&bi-mat=`.
#[derive(Debug, Default, Deserialize)]
pub struct LookupParams {
    /// Dossier code.
    #[serde(default)]
    ma: String,
    /// The receipt's secret.
    #[serde(default, rename = "bi-mat")]
    secret: String,
}

/// One line of a dossier's public history.
pub struct HistoryLine {
    label: String,
    at: String,
}

/// What the look-up found.
pub struct Found {
    code: String,
    procedure_name: String,
    status: String,
    status_class: &'static str,
    appointment: Option<String>,
    completion: Option<String>,
    current_step: Option<String>,
    history: Vec<HistoryLine>,
    views: Vec<HistoryLine>,
    documents: Vec<IssuedLine>,
    verify_href: String,
}

/// The look-up page.
#[derive(Template)]
#[template(path = "dossiers/lookup.html")]
pub struct LookupPage {
    chrome: Chrome,
    code: String,
    secret: String,
    message: Option<String>,
    found: Option<Found>,
}

/// `/tra-cuu`: a dossier by its code and the receipt's secret (rate-limited per client).
pub async fn lookup(
    lang: Lang,
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    uri: Uri,
    NfcQuery(params): NfcQuery<LookupParams>,
) -> Result<Response, PageError> {
    let t = lang.texts();
    let code = params.ma.trim().to_uppercase();
    let secret = params.secret.trim().to_owned();
    let mut page = LookupPage {
        chrome: Chrome::new(lang, "/tra-cuu", &here(&uri)),
        code: code.clone(),
        secret: secret.clone(),
        message: None,
        found: None,
    };
    if code.is_empty() && secret.is_empty() {
        return Ok(render(&page));
    }
    if !state.limiter.allow(client.ip()) {
        page.message = Some(t.get("lookup.rate_limited").to_owned());
        return Ok((StatusCode::TOO_MANY_REQUESTS, render(&page)).into_response());
    }
    let record =
        state.service.public_dossier(&code, &secret).await.map_err(|error| PageError::internal(lang, &error))?;
    let Some(record) = record else {
        page.message = Some(t.get("lookup.not_found").to_owned());
        return Ok((StatusCode::NOT_FOUND, render(&page)).into_response());
    };
    let stored = &record.dossier;
    let day = domain::dossier::local_day(stored.state.submitted_at);
    let procedure = state
        .service
        .store()
        .procedure_on(stored.state.procedure.as_str(), day)
        .await
        .map_err(|error| PageError::internal(lang, &error))?;
    let status = stored.state.status.as_str();
    let current_step = match (stored.state.status, &procedure) {
        (domain::dossier::Status::InProgress, Some(procedure)) => {
            procedure.steps.get(stored.state.step_index as usize).map(|step| step.name.clone())
        }
        _ => None,
    };
    let views = state
        .service
        .store()
        .audit_for_target(stored.unit_id, &stored.state.code)
        .await
        .map_err(|error| PageError::internal(lang, &error))?
        .into_iter()
        .filter(|entry| entry.write.action == "read_personal_data")
        .map(|entry| HistoryLine { label: entry.write.actor, at: local_time(entry.write.at) })
        .collect();
    let documents = state
        .service
        .reads()
        .issued_documents(&stored.state.code)
        .await
        .map_err(|error| PageError::internal(lang, &error))?
        .into_iter()
        .map(|record| IssuedLine {
            title: form_title(&record.form).to_owned(),
            href: Some(format!(
                "/api/v1/public/dossiers/{}/documents/{}?secret={}",
                record.code,
                record.seq,
                query_value(&secret)
            )),
            code: record.code,
            issued_at: local_time(record.issued_at),
            sha256: record.sha256,
            verdict: None,
            verdict_class: "ok",
        })
        .collect();
    let verify_href = format!(
        "{}/xac-thuc?ma={}&bi-mat={}#van-ban",
        lang.prefix(),
        query_value(&stored.state.code),
        query_value(&secret)
    );
    page.found = Some(Found {
        documents,
        verify_href,
        code: stored.state.code.clone(),
        procedure_name: procedure.map(|procedure| procedure.name).unwrap_or_default(),
        status: t.get(&format!("status.{status}")).to_owned(),
        status_class: match stored.state.status {
            domain::dossier::Status::Returned | domain::dossier::Status::Decided => "ok",
            domain::dossier::Status::RefusedAtIntake | domain::dossier::Status::Withdrawn => "bad",
            _ => "warn",
        },
        appointment: stored.state.appointment.map(local_time),
        completion: stored.state.completion.as_ref().map(|completion| {
            let key = match serde_json::to_value(completion) {
                Ok(serde_json::Value::String(text)) => format!("completion.{text}"),
                _ => String::new(),
            };
            t.get(&key).to_owned()
        }),
        current_step,
        history: record
            .events
            .iter()
            .map(|event| HistoryLine {
                label: t.get(&format!("event.{}", event.kind)).to_owned(),
                at: local_time(event.at),
            })
            .collect(),
        views,
    });
    Ok(render(&page))
}

// ---------------------------------------------------------------------------------------------
// Online submission

/// Largest file accepted, and largest submission.
pub const MAX_FILE: usize = 5 * 1024 * 1024;
/// Largest whole submission (the route's body limit).
pub const MAX_SUBMISSION: usize = 25 * 1024 * 1024;

/// A document row of the form.
pub struct DocumentField {
    index: usize,
    name: String,
    required: bool,
}

/// What the citizen typed (kept when the form is shown again).
#[derive(Debug, Default, Clone)]
pub struct SubmissionValues {
    unit: String,
    name: String,
    id_number: String,
    phone: String,
    email: String,
    address: String,
}

/// The online submission page.
#[derive(Template)]
#[template(path = "dossiers/submit.html")]
pub struct SubmitPage {
    chrome: Chrome,
    code: String,
    name: String,
    units: Vec<(String, String, bool)>,
    documents: Vec<DocumentField>,
    values: SubmissionValues,
    message: Option<String>,
}

/// The receipt of an online submission.
#[derive(Template)]
#[template(path = "dossiers/submitted.html")]
pub struct SubmittedPage {
    chrome: Chrome,
    code: String,
    secret: String,
    procedure: String,
    unit: String,
    submitted: String,
    /// The latest appointment if the desk accepts within its working day.
    appointment: String,
    lookup_url: String,
    qr_svg: String,
}

/// A document is optional when the catalogue says so ("nếu có": if any).
fn required(document: &str) -> bool {
    !domain::search::fold(document).contains("neu co")
}

/// Units that receive a procedure of this level: communes and wards for commune-level ones, the
/// city's departments and service centre for city-level ones, both for both.
fn receiving_units(units: &[app::UnitRecord], level: Level, chosen: &str) -> Vec<(String, String, bool)> {
    let mut list: Vec<(String, String, bool)> = units
        .iter()
        .filter(|unit| {
            matches!(
                (level, unit.kind),
                (Level::Commune, UnitKind::Commune)
                    | (Level::Province, UnitKind::Department | UnitKind::ServiceCentre)
                    | (Level::Both, UnitKind::Commune | UnitKind::Department | UnitKind::ServiceCentre)
            )
        })
        .map(|unit| (unit.code.clone(), unit.name.clone(), unit.code == chosen))
        .collect();
    list.sort_by_key(|(_, name, _)| domain::search::fold(name));
    list
}

async fn submit_page(
    lang: Lang,
    state: &AppState,
    uri: &Uri,
    code: &str,
    values: SubmissionValues,
    message: Option<String>,
) -> Result<SubmitPage, PageError> {
    let t = lang.texts();
    let day = today(state);
    let procedure = state
        .service
        .store()
        .procedure_on(code, day)
        .await
        .map_err(|error| PageError::internal(lang, &error))?
        .ok_or_else(|| PageError::not_found(lang, t.get("procedure.not_found")))?;
    let units = state.service.store().list_units(day).await.map_err(|error| PageError::internal(lang, &error))?;
    Ok(SubmitPage {
        chrome: Chrome::new(lang, "/thu-tuc", &here(uri)),
        code: procedure.code.to_string(),
        name: procedure.name.clone(),
        units: receiving_units(&units, procedure.level, &values.unit),
        documents: procedure
            .documents
            .iter()
            .enumerate()
            .map(|(index, name)| DocumentField { index, name: name.clone(), required: required(name) })
            .collect(),
        values,
        message,
    })
}

/// `GET /thu-tuc/{code}/nop`: the online form, built from the procedure's required documents.
pub async fn submit_form(
    lang: Lang,
    State(state): State<AppState>,
    uri: Uri,
    NfcPath(code): NfcPath,
) -> Result<Response, PageError> {
    Ok(render(&submit_page(lang, &state, &uri, &code, SubmissionValues::default(), None).await?))
}

/// The media type of a file from its first bytes (what it says it is does not count).
fn sniff(content: &[u8]) -> Option<&'static str> {
    if content.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if content.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if content.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

/// `POST /thu-tuc/{code}/nop`: the dossier with its files, in one transaction; the answer is the
/// receipt with the code, the secret and a QR code to the look-up.
pub async fn submit(
    lang: Lang,
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    uri: Uri,
    headers: axum::http::HeaderMap,
    NfcPath(code): NfcPath,
    mut multipart: axum::extract::Multipart,
) -> Result<Response, PageError> {
    use unicode_normalization::UnicodeNormalization;
    let t = lang.texts();
    let procedure = state
        .service
        .store()
        .procedure_on(&code, today(&state))
        .await
        .map_err(|error| PageError::internal(lang, &error))?
        .ok_or_else(|| PageError::not_found(lang, t.get("procedure.not_found")))?;
    let mut values = SubmissionValues::default();
    let mut files: Vec<Option<app::NewDocument>> = vec![None; procedure.documents.len()];
    let mut problem: Option<String> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => {
                problem = Some(t.get("submit.too_large").to_owned());
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        if let Some(index) = name.strip_prefix("tep-").and_then(|index| index.parse::<usize>().ok()) {
            let Ok(bytes) = field.bytes().await else {
                problem = Some(t.get("submit.too_large").to_owned());
                break;
            };
            if bytes.is_empty() || index >= files.len() {
                continue;
            }
            if bytes.len() > MAX_FILE {
                problem = Some(t.get("submit.too_large").to_owned());
                continue;
            }
            let Some(content_type) = sniff(&bytes) else {
                problem = Some(t.get("submit.bad_type").to_owned());
                continue;
            };
            files[index] = Some(app::NewDocument {
                name: procedure.documents[index].clone(),
                content_type: content_type.to_owned(),
                content: bytes.to_vec(),
            });
        } else {
            let text: String = field.text().await.unwrap_or_default().nfc().collect();
            match name.as_str() {
                "don-vi" => values.unit = text,
                "name" => values.name = text,
                "id_number" => values.id_number = text,
                "phone" => values.phone = text,
                "email" => values.email = text,
                "address" => values.address = text,
                _ => {}
            }
        }
    }
    let missing = procedure.documents.iter().zip(&files).any(|(document, file)| required(document) && file.is_none());
    if problem.is_none() && missing {
        problem = Some(t.get("submit.missing").to_owned());
    }
    if problem.is_none() && !state.limiter.allow(client.ip()) {
        problem = Some(t.get("lookup.rate_limited").to_owned());
    }
    if let Some(message) = problem {
        let page = submit_page(lang, &state, &uri, &code, values, Some(message)).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
    }
    let nonempty = |text: &str| Some(text.trim().to_owned()).filter(|text| !text.is_empty());
    let request = app::service::SubmitRequest {
        unit_code: values.unit.clone(),
        procedure_code: code.clone(),
        channel: domain::dossier::Channel::Online,
        idempotency_key: None,
        applicant: app::Applicant {
            name: values.name.clone(),
            id_number: nonempty(&values.id_number),
            phone: nonempty(&values.phone),
            email: nonempty(&values.email),
            address: nonempty(&values.address),
        },
    };
    // The portal submits on the citizen's behalf: no account, recorded as `system:portal` with
    // the citizen's address.
    let mut portal = app::access::Actor::system("portal");
    portal.client = Some(client.ip().to_string());
    let documents = files.into_iter().flatten().collect();
    let dossier = match state.service.submit_with_documents(request, documents, &portal, state.clock.now()).await {
        Ok((dossier, _)) => dossier,
        Err(app::StoreError::Domain(error)) => {
            let page = submit_page(lang, &state, &uri, &code, values, Some(error.message)).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
        }
        Err(app::StoreError::NotFound(_)) => {
            let page =
                submit_page(lang, &state, &uri, &code, values, Some(t.get("submit.choose_unit").to_owned())).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
        }
        Err(error) => return Err(PageError::internal(lang, &error)),
    };
    let secret =
        state.service.receipt_secret(&dossier.state.code).await.map_err(|error| PageError::internal(lang, &error))?;
    let host = headers.get(header::HOST).and_then(|value| value.to_str().ok()).unwrap_or("localhost");
    let scheme = if state.secure_cookies { "https" } else { "http" };
    let lookup_url = format!("{scheme}://{host}{}/tra-cuu?ma={}&bi-mat={secret}", lang.prefix(), dossier.state.code);
    let qr_svg = qrcode::QrCode::new(lookup_url.as_bytes())
        .map(|qr| qr.render::<qrcode::render::svg::Color>().min_dimensions(160, 160).build())
        .map_err(|error| PageError::internal(lang, &error))?;
    let unit =
        state.service.store().unit_by_id(dossier.unit_id).await.map_err(|error| PageError::internal(lang, &error))?;
    let engine = state.service.engine_for(dossier.state.receiving_unit.as_str());
    let appointment = domain::dossier::latest_appointment(engine, procedure.time_limit, dossier.state.submitted_at)
        .map(local_time)
        .unwrap_or_default();
    let page = SubmittedPage {
        chrome: Chrome::new(lang, "/thu-tuc", &here(&uri)),
        code: dossier.state.code.clone(),
        secret,
        procedure: procedure.name,
        unit: unit.map(|unit| unit.name).unwrap_or_default(),
        submitted: local_time(dossier.state.submitted_at),
        appointment,
        lookup_url,
        qr_svg,
    };
    Ok((StatusCode::CREATED, render(&page)).into_response())
}
