//! Dossiers on the staff console: the unit's queue in due order (`/can-bo`), the dossier page
//! with its control sheet and the actions the officer's roles allow (`/can-bo/ho-so/{code}`),
//! and the counter intake with its printable receipt. Every page needs a session; every form
//! carries the session's CSRF token; the service decides what is allowed (the pages only hide
//! what would be refused).

use std::collections::HashMap;

use app::{QueueQuery, StoreError};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::dossier::{Channel, Outcome, Status, Transition};
use serde::Deserialize;

use crate::catalogue::pages::time_limit_label;
use crate::documents::files::form_title;
use crate::extract::{NfcPath, NfcQuery};
use crate::state::AppState;
use crate::ui::{
    Chrome, Lang, Officer, PageError, Texts, here, local_time, office_duration, query_value, render, store_error,
};

/// What the officer reads when a step's document could not be signed: the cause (a key file's
/// path) goes to the log, the officer is told whom to ask.
fn issuing_failed(lang: Lang, code: &str, message: &str) -> String {
    tracing::error!(code, message = %message, "form not issued");
    format!("{} [{code}]", lang.texts().get("staff.issuing_failed"))
}

// ---------------------------------------------------------------------------------------------
// Queue

/// `?don-vi=&trang-thai=&sau=`.
#[derive(Debug, Default, Deserialize)]
pub struct QueueParams {
    /// Unit code.
    #[serde(default, rename = "don-vi")]
    unit: String,
    /// Status.
    #[serde(default, rename = "trang-thai")]
    status: String,
    /// Keyset: `<micros>_<code>` of the last row of the previous page.
    #[serde(default)]
    sau: String,
    /// Only this procedure (code).
    #[serde(default, rename = "thu-tuc")]
    procedure: String,
    /// Only this channel (`counter`, `post`, `online`, `national_portal`).
    #[serde(default, rename = "kenh")]
    channel: String,
    /// `qua-han` (overdue) or `1-ngay` (due within one working day).
    #[serde(default, rename = "han")]
    due: String,
    /// A dossier code to open.
    #[serde(default, rename = "ma")]
    code: String,
}

impl QueueParams {
    /// The filters as query parameters (for the tabs and the next page).
    fn filters(&self) -> String {
        let mut query = String::new();
        for (name, value) in [("thu-tuc", &self.procedure), ("kenh", &self.channel), ("han", &self.due)] {
            if !value.is_empty() {
                query.push_str(&format!("&{name}={}", query_value(value)));
            }
        }
        query
    }
}

/// An option of a filter's select.
pub struct Choice {
    value: String,
    label: String,
    selected: bool,
}

impl Choice {
    fn new(value: &str, label: &str, chosen: &str) -> Choice {
        Choice { value: value.to_owned(), label: label.to_owned(), selected: value == chosen }
    }
}

/// A status tab.
pub struct Tab {
    href: String,
    label: String,
    current: bool,
}

/// A row of the queue.
pub struct QueueRow {
    href: String,
    code: String,
    procedure: String,
    submitted: String,
    appointment: String,
    remaining: String,
    urgency: &'static str,
    urgency_label: &'static str,
}

/// The queue page.
#[derive(Template)]
#[template(path = "dossiers/queue.html")]
pub struct QueuePage {
    chrome: Chrome,
    officer: String,
    csrf: String,
    units: Vec<(String, String, bool)>,
    unit_code: String,
    unit_name: String,
    status: &'static str,
    tabs: Vec<Tab>,
    procedures: Vec<Choice>,
    channels: Vec<Choice>,
    dues: Vec<Choice>,
    filtered: bool,
    clear_href: String,
    rows: Vec<QueueRow>,
    next: Option<String>,
    message: Option<String>,
}

const QUEUE_STATUSES: [Status; 5] = [
    Status::Submitted,
    Status::IntakeSupplementRequested,
    Status::InProgress,
    Status::SupplementRequested,
    Status::Decided,
];
const PAGE_SIZE: i64 = 50;

/// (keyset: as fast on the thousandth page as on the first).
pub async fn queue(
    lang: Lang,
    State(state): State<AppState>,
    officer: Officer,
    uri: Uri,
    NfcQuery(params): NfcQuery<QueueParams>,
) -> Result<Response, PageError> {
    let t = lang.texts();
    let store = state.service.store();
    let now = state.clock.now();
    let code = params.code.trim().to_uppercase();
    let mut message = None;
    if !code.is_empty() {
        if code.len() <= 40 && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Ok(Redirect::to(&format!("{}/can-bo/ho-so/{code}", lang.prefix())).into_response());
        }
        message = Some(t.get("staff.bad_code").to_owned());
    }
    let mut units = Vec::new();
    for grant in &officer.actor.grants {
        if let Some(unit) = store.unit_by_id(grant.unit_id).await.map_err(|e| store_error(lang, e))?
            && !units.iter().any(|(code, _, _): &(String, String, bool)| *code == unit.code)
        {
            units.push((unit.code, unit.name, false));
        }
    }
    if units.is_empty() {
        return Err(PageError::forbidden(lang, t.get("staff.no_roles")));
    }
    let chosen = units.iter().position(|(code, _, _)| *code == params.unit).unwrap_or(0);
    units[chosen].2 = true;
    let (unit_code, unit_name) = (units[chosen].0.clone(), units[chosen].1.clone());
    let unit = store
        .find_unit(&unit_code, domain::dossier::local_day(now))
        .await
        .map_err(|e| store_error(lang, e))?
        .or(store.unit_by_id(officer.actor.grants[0].unit_id).await.map_err(|e| store_error(lang, e))?)
        .ok_or_else(|| PageError::not_found(lang, &unit_code))?;
    let status =
        QUEUE_STATUSES.into_iter().find(|status| status.as_str() == params.status).unwrap_or(Status::InProgress);
    let after =
        params.sau.split_once('_').and_then(|(micros, code)| Some((micros.parse::<i64>().ok()?, code.to_owned())));
    let engine = state.service.engine_for(&unit.code);
    let day_seconds = engine.day_seconds();
    let in_force = store.list_procedures(domain::dossier::local_day(now)).await.map_err(|e| store_error(lang, e))?;
    let procedure = in_force.iter().find(|p| p.code.as_str() == params.procedure).map(|p| p.code.to_string());
    let channel = Channel::parse(&params.channel);
    let due_by = match params.due.as_str() {
        "qua-han" => Some(app::micros(now) - 1),
        "1-ngay" => engine.add_office_seconds(now, day_seconds).ok().map(app::micros),
        _ => None,
    };
    let query = QueueQuery {
        after,
        procedure: procedure.clone(),
        channel,
        due_by,
        ..QueueQuery::new(unit.id, status, PAGE_SIZE)
    };
    let page = store.queue(&query).await.map_err(|e| store_error(lang, e))?;
    let filters = params.filters();
    let next = (page.len() as i64 == PAGE_SIZE).then(|| page.last()).flatten().map(|last| {
        let (micros, code) = query.key_of(last);
        format!(
            "{}/can-bo?don-vi={}&trang-thai={}{filters}&sau={micros}_{code}",
            lang.prefix(),
            unit.code,
            status.as_str()
        )
    });
    let mut names = HashMap::new();
    let mut rows = Vec::with_capacity(page.len());
    for dossier in &page {
        let procedure_code = dossier.state.procedure.to_string();
        if !names.contains_key(&procedure_code) {
            let day = domain::dossier::local_day(dossier.state.submitted_at);
            let name =
                store.procedure_on(&procedure_code, day).await.map_err(|e| store_error(lang, e))?.map(|p| p.name);
            names.insert(procedure_code.clone(), name.unwrap_or_else(|| procedure_code.clone()));
        }
        let remaining = dossier.state.appointment.and_then(|due| engine.office_seconds_between(now, due).ok());
        let (urgency, urgency_label) = match remaining {
            Some(seconds) if seconds < 0 => ("bad", t.get("staff.overdue")),
            Some(seconds) if seconds <= day_seconds => ("warn", t.get("staff.due_soon")),
            Some(_) => ("ok", t.get("staff.in_time")),
            None => ("", ""),
        };
        rows.push(QueueRow {
            href: format!("{}/can-bo/ho-so/{}", lang.prefix(), dossier.state.code),
            code: dossier.state.code.clone(),
            procedure: names[&procedure_code].clone(),
            submitted: local_time(dossier.state.submitted_at),
            appointment: dossier.state.appointment.map(local_time).unwrap_or_default(),
            remaining: remaining.map(|seconds| office_duration(t, seconds, day_seconds)).unwrap_or_default(),
            urgency,
            urgency_label,
        });
    }
    let tabs = QUEUE_STATUSES
        .into_iter()
        .map(|tab| Tab {
            href: format!("{}/can-bo?don-vi={}&trang-thai={}{filters}", lang.prefix(), unit.code, tab.as_str()),
            label: t.text(&format!("status.{}", tab.as_str())),
            current: tab == status,
        })
        .collect();
    let page = QueuePage {
        chrome: Chrome::new(lang, "/can-bo", &here(&uri)),
        officer: officer.display_name.clone(),
        csrf: officer.csrf.clone(),
        units,
        unit_code: unit.code.clone(),
        unit_name,
        status: status.as_str(),
        tabs,
        procedures: {
            let mut list: Vec<Choice> =
                in_force.iter().map(|p| Choice::new(p.code.as_str(), &p.name, &params.procedure)).collect();
            list.sort_by_key(|choice| domain::search::fold(&choice.label));
            list
        },
        channels: ["counter", "post", "online", "national_portal"]
            .into_iter()
            .map(|value| Choice::new(value, t.get(&format!("channel.{value}")), &params.channel))
            .collect(),
        dues: [("qua-han", "staff.overdue"), ("1-ngay", "staff.due_within_day")]
            .into_iter()
            .map(|(value, key)| Choice::new(value, t.get(key), &params.due))
            .collect(),
        filtered: procedure.is_some() || channel.is_some() || due_by.is_some(),
        clear_href: format!("{}/can-bo?don-vi={}&trang-thai={}", lang.prefix(), unit.code, status.as_str()),
        rows,
        next,
        message,
    };
    Ok(render(&page))
}

// ---------------------------------------------------------------------------------------------
// Dossier

/// A line of the control sheet (phiếu kiểm soát, form 02 of Decree 61/2018): who did what, when,
/// and for a step with a time budget, a transfer or the decision, its due time and whether it
/// was early, on time or late.
pub struct SheetLine {
    label: String,
    detail: String,
    actor: String,
    at: String,
    due: String,
    result: &'static str,
    result_label: String,
}

/// An action the officer's roles allow in the dossier's status.
pub struct ActionButton {
    action: &'static str,
    label: String,
    primary: bool,
    /// A text the action needs: (`items` or `reason`, its label); one item per line for items.
    field: Option<(&'static str, String)>,
}

/// The dossier page.
#[derive(Template)]
#[template(path = "dossiers/dossier.html")]
pub struct DossierPage {
    chrome: Chrome,
    officer: String,
    csrf: String,
    code: String,
    version: i64,
    procedure: String,
    status: String,
    appointment: String,
    applicant: Vec<(&'static str, String)>,
    documents: Vec<String>,
    files: Vec<(String, String, String)>,
    issued: Vec<(String, String, String)>,
    sheet: Vec<SheetLine>,
    actions: Vec<ActionButton>,
    message: Option<String>,
}

/// What an action form sends: its name, the transition checked for permission, whether it is
/// the status's main action, and the text it needs.
type Candidate = (&'static str, Transition, bool, Option<&'static str>);

/// The actions of a status.
fn candidate_actions(status: Status) -> Vec<Candidate> {
    let reason = || Transition::Withdraw { reason: String::new() };
    match status {
        Status::Submitted => vec![
            ("accept", Transition::Accept, true, None),
            ("request_intake_supplement", Transition::RequestIntakeSupplement { items: vec![] }, false, Some("items")),
            ("refuse_intake", Transition::RefuseIntake { reason: String::new() }, false, Some("reason")),
        ],
        Status::IntakeSupplementRequested => vec![
            ("complete_intake_supplement", Transition::CompleteIntakeSupplement, true, None),
            ("refuse_intake", Transition::RefuseIntake { reason: String::new() }, false, Some("reason")),
            ("withdraw", reason(), false, Some("reason")),
        ],
        Status::InProgress => vec![
            ("complete_step", Transition::CompleteStep, true, None),
            ("decide", Transition::Decide { outcome: Outcome::Approved, reason: None }, false, None),
            ("request_supplement", Transition::RequestSupplement { items: vec![] }, false, Some("items")),
            ("refuse", Transition::Decide { outcome: Outcome::Refused, reason: None }, false, Some("reason")),
            ("withdraw", reason(), false, Some("reason")),
        ],
        Status::SupplementRequested => vec![
            ("receive_supplement", Transition::ReceiveSupplement, true, None),
            ("withdraw", reason(), false, Some("reason")),
        ],
        Status::Decided => vec![("return_result", Transition::ReturnResult, true, None)],
        _ => Vec::new(),
    }
}

/// An instant in an event's payload.
fn payload_instant(event: &domain::dossier::Event, name: &str) -> Option<jiff::Timestamp> {
    event.payload.get(name).and_then(|value| serde_json::from_value(value.clone()).ok())
}

/// A text in an event's payload.
fn payload_text(event: &domain::dossier::Event, name: &str) -> String {
    event.payload.get(name).and_then(|value| value.as_str()).unwrap_or_default().to_owned()
}

/// A flag in an event's payload.
fn payload_flag(event: &domain::dossier::Event, name: &str) -> bool {
    event.payload.get(name).and_then(serde_json::Value::as_bool) == Some(true)
}

/// The control sheet: the events in order; each workflow step judged against its budget from
/// when it started (the state folded up to it), a transfer against the same-day hand-over rule,
/// the decision against the legal due time, a late acceptance or supplement notice flagged.
fn control_sheet(
    t: &'static Texts,
    events: &[domain::dossier::Event],
    engine: &calendar::WorkingTime,
    units: &HashMap<String, String>,
) -> Vec<SheetLine> {
    use domain::dossier::CompletionKind;
    let mut state: Option<domain::dossier::DossierState> = None;
    let mut lines = Vec::with_capacity(events.len());
    let unit_name = |event: &domain::dossier::Event, name: &str| {
        let code = payload_text(event, name);
        units.get(&code).cloned().unwrap_or(code)
    };
    for event in events {
        let mut line = SheetLine {
            label: t.get(&format!("event.{}", event.kind)).to_owned(),
            detail: String::new(),
            actor: event.actor.clone(),
            at: local_time(event.at),
            due: String::new(),
            result: "",
            result_label: String::new(),
        };
        let mut due = None;
        let mut result = None;
        match event.kind.as_str() {
            "accepted" => {
                due = payload_instant(event, "appointment");
                if payload_flag(event, "accepted_late") {
                    result = Some(CompletionKind::Late);
                    line.detail = t.get("sheet.accepted_late").to_owned();
                }
            }
            "step_completed" => {
                line.detail = payload_text(event, "step_name");
                let budget = event.payload.get("budget_seconds").and_then(serde_json::Value::as_i64).unwrap_or(0);
                if let Some(started) = state.as_ref().and_then(|s| s.step_started_at)
                    && budget > 0
                    && let Ok(step_due) = engine.add_office_seconds(started, budget)
                {
                    due = Some(step_due);
                    result = Some(CompletionKind::from(engine.classify_finished(step_due, event.at)));
                }
            }
            "transferred" => {
                line.detail = format!("{} → {}", unit_name(event, "from_unit"), unit_name(event, "to_unit"));
                due = payload_instant(event, "transfer_due");
                if due.is_some() {
                    result =
                        Some(if payload_flag(event, "late") { CompletionKind::Late } else { CompletionKind::OnTime });
                }
            }
            "decided" => {
                let approved = payload_text(event, "outcome") == "approved";
                line.detail = t.get(if approved { "sheet.approved" } else { "sheet.refused" }).to_owned();
                due = state.as_ref().and_then(|s| s.legal_due);
                result = event.payload.get("completion").and_then(|v| serde_json::from_value(v.clone()).ok());
            }
            "intake_supplement_requested" | "supplement_requested" => {
                let items: Vec<String> =
                    event.payload.get("items").and_then(|v| serde_json::from_value(v.clone()).ok()).unwrap_or_default();
                line.detail = items.join("; ");
                if payload_flag(event, "notice_late") {
                    result = Some(CompletionKind::Late);
                    line.detail.push_str(&format!(" ({})", t.get("sheet.notice_late")));
                }
            }
            "supplement_received" => due = payload_instant(event, "appointment"),
            "apologized" => {
                due = payload_instant(event, "appointment");
                line.detail = payload_text(event, "reason");
            }
            "refused_at_intake" | "withdrawn" => line.detail = payload_text(event, "reason"),
            _ => {}
        }
        line.due = due.map(local_time).unwrap_or_default();
        if let Some(kind) = result {
            let (class, key) = match kind {
                CompletionKind::Early => ("early", "sheet.early"),
                CompletionKind::OnTime => ("on_time", "sheet.on_time"),
                CompletionKind::Late => ("late", "sheet.late"),
            };
            line.result = class;
            line.result_label = t.get(key).to_owned();
        }
        lines.push(line);
        state = domain::dossier::fold(state.as_ref(), event).ok();
    }
    lines
}

async fn dossier_page(
    lang: Lang,
    state: &AppState,
    officer: &Officer,
    uri: &Uri,
    code: &str,
    message: Option<String>,
) -> Result<DossierPage, PageError> {
    let t = lang.texts();
    let record = state
        .service
        .dossier_for_staff(code, &officer.actor, state.clock.now())
        .await
        .map_err(|e| store_error(lang, e))?;
    let store = state.service.store();
    let day = domain::dossier::local_day(record.dossier.state.submitted_at);
    let procedure =
        store.procedure_on(record.dossier.state.procedure.as_str(), day).await.map_err(|e| store_error(lang, e))?;
    let files = store
        .documents(code)
        .await
        .map_err(|e| store_error(lang, e))?
        .into_iter()
        .map(|file| {
            let href = format!("{}/can-bo/ho-so/{code}/tep/{}", lang.prefix(), file.seq);
            let size = format!("{} KB", (file.size + 1023) / 1024);
            (href, file.name, size)
        })
        .collect();
    let issued = store
        .issued_documents(code)
        .await
        .map_err(|e| store_error(lang, e))?
        .into_iter()
        .map(|document| {
            let href = format!("{}/can-bo/ho-so/{code}/van-ban/{}", lang.prefix(), document.seq);
            let title = form_title(&document.form).to_owned();
            (href, title, local_time(document.issued_at))
        })
        .collect();
    let applicant = &record.applicant;
    let mut fields = vec![("staff.name", applicant.name.clone())];
    for (key, value) in [
        ("staff.id_number", &applicant.id_number),
        ("staff.phone", &applicant.phone),
        ("staff.email", &applicant.email),
        ("staff.address", &applicant.address),
    ] {
        if let Some(value) = value {
            fields.push((key, value.clone()));
        }
    }
    let mut actions = Vec::new();
    for (action, transition, primary, field) in candidate_actions(record.dossier.state.status) {
        let allowed = state
            .service
            .may_transition(&officer.actor, &record.dossier, &transition)
            .await
            .map_err(|e| store_error(lang, e))?;
        if allowed {
            actions.push(ActionButton {
                action,
                label: t.text(&format!("action.{action}")),
                primary,
                field: field.map(|name| (name, t.text(&format!("action.{action}.{name}")))),
            });
        }
    }
    let mut units = HashMap::new();
    for event in record.events.iter().filter(|event| event.kind == "transferred") {
        for key in ["from_unit", "to_unit"] {
            let unit_code = payload_text(event, key);
            if units.contains_key(&unit_code) {
                continue;
            }
            let found = store
                .find_unit(&unit_code, domain::dossier::local_day(event.at))
                .await
                .map_err(|e| store_error(lang, e))?;
            if let Some(unit) = found {
                units.insert(unit_code, unit.name);
            }
        }
    }
    let engine = state.service.engine_for(record.dossier.state.receiving_unit.as_str());
    Ok(DossierPage {
        chrome: Chrome::new(lang, "/can-bo", &here(uri)),
        officer: officer.display_name.clone(),
        csrf: officer.csrf.clone(),
        code: record.dossier.state.code.clone(),
        version: record.dossier.state.version,
        procedure: procedure.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
        status: t.get(&format!("status.{}", record.dossier.state.status.as_str())).to_owned(),
        appointment: record.dossier.state.appointment.map(local_time).unwrap_or_default(),
        applicant: fields,
        documents: procedure.map(|p| p.documents).unwrap_or_default(),
        files,
        issued,
        sheet: control_sheet(t, &record.events, engine, &units),
        actions,
        message,
    })
}

/// `/can-bo/ho-so/{code}`: the applicant, the documents, the control sheet and the actions (the
/// read is recorded in the audit trail).
pub async fn dossier(
    lang: Lang,
    State(state): State<AppState>,
    officer: Officer,
    uri: Uri,
    NfcPath(code): NfcPath,
) -> Result<Response, PageError> {
    Ok(render(&dossier_page(lang, &state, &officer, &uri, &code, None).await?))
}

/// An action form.
#[derive(Debug, Deserialize)]
pub struct ActionForm {
    csrf: String,
    action: String,
    version: i64,
    /// The missing items, one per line (supplement requests).
    #[serde(default)]
    items: String,
    /// The reason (refusals, withdrawal).
    #[serde(default)]
    reason: String,
}

/// `POST /can-bo/ho-so/{code}`: one transition, against the version the officer saw.
pub async fn act(
    lang: Lang,
    State(state): State<AppState>,
    officer: Officer,
    uri: Uri,
    NfcPath(code): NfcPath,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    officer.check_csrf(lang, &form.csrf)?;
    let items = || form.items.lines().map(str::trim).filter(|line| !line.is_empty()).map(str::to_owned).collect();
    let reason = form.reason.trim().to_owned();
    let transition = match form.action.as_str() {
        "accept" => Transition::Accept,
        "request_intake_supplement" => Transition::RequestIntakeSupplement { items: items() },
        "complete_intake_supplement" => Transition::CompleteIntakeSupplement,
        "refuse_intake" => Transition::RefuseIntake { reason },
        "complete_step" => Transition::CompleteStep,
        "request_supplement" => Transition::RequestSupplement { items: items() },
        "receive_supplement" => Transition::ReceiveSupplement,
        "decide" => Transition::Decide { outcome: Outcome::Approved, reason: None },
        "refuse" => Transition::Decide { outcome: Outcome::Refused, reason: Some(reason) },
        "return_result" => Transition::ReturnResult,
        "withdraw" => Transition::Withdraw { reason },
        _ => return Err(PageError::not_found(lang, lang.texts().get("error.not_found"))),
    };
    let now = state.clock.now();
    let result =
        state.service.transition(&code, Some(form.version), transition, &officer.actor, Channel::Counter, now).await;
    let message = match result {
        Ok(_) => return Ok(Redirect::to(&format!("{}/can-bo/ho-so/{code}", lang.prefix())).into_response()),
        Err(StoreError::Forbidden(_)) => lang.texts().get("staff.forbidden").to_owned(),
        Err(StoreError::Conflict { .. }) => lang.texts().get("staff.conflict").to_owned(),
        Err(StoreError::Domain(error)) => error.message,
        Err(StoreError::Issuing { code, message }) => issuing_failed(lang, code, &message),
        Err(other) => return Err(store_error(lang, other)),
    };
    let page = dossier_page(lang, &state, &officer, &uri, &code, Some(message)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

// ---------------------------------------------------------------------------------------------
// Counter intake and receipt

/// `?don-vi=&thu-tuc=`.
#[derive(Debug, Default, Deserialize)]
pub struct IntakeParams {
    /// Receiving unit code.
    #[serde(default, rename = "don-vi")]
    unit: String,
    /// Procedure code.
    #[serde(default, rename = "thu-tuc")]
    procedure: String,
}

/// The counter intake screen.
#[derive(Template)]
#[template(path = "dossiers/intake.html")]
pub struct IntakePage {
    chrome: Chrome,
    officer: String,
    csrf: String,
    units: Vec<(String, String, bool)>,
    procedures: Vec<(String, String, bool)>,
    procedure: Option<(String, String, String)>,
    documents: Vec<String>,
    values: IntakeForm,
    message: Option<String>,
}

/// The intake form (every field a string: the page is shown again with what was typed).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct IntakeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default, rename = "don-vi")]
    unit: String,
    #[serde(default, rename = "thu-tuc")]
    procedure: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    address: String,
    /// How many checklist boxes the form had.
    #[serde(default)]
    doc_count: usize,
    /// How many were ticked (the `doc` fields, counted by the handler).
    #[serde(skip)]
    checked: usize,
}

async fn intake_page(
    lang: Lang,
    state: &AppState,
    officer: &Officer,
    uri: &Uri,
    values: IntakeForm,
    message: Option<String>,
) -> Result<IntakePage, PageError> {
    let store = state.service.store();
    let day = domain::dossier::local_day(state.clock.now());
    let tree = state.service.unit_tree(&[]).await.map_err(|e| store_error(lang, e))?;
    let mut units = Vec::new();
    for unit in store.list_units(day).await.map_err(|e| store_error(lang, e))? {
        if officer.actor.may(&tree, app::access::Action::Intake, unit.id)
            && unit.kind != domain::catalog::UnitKind::City
        {
            let selected = unit.code == values.unit;
            units.push((unit.code, unit.name, selected));
        }
    }
    if units.is_empty() {
        return Err(PageError::forbidden(lang, lang.texts().get("staff.forbidden")));
    }
    let procedures_in_force = store.list_procedures(day).await.map_err(|e| store_error(lang, e))?;
    let chosen = procedures_in_force.iter().find(|procedure| procedure.code.as_str() == values.procedure);
    let procedure = chosen.map(|procedure| {
        (procedure.code.to_string(), procedure.name.clone(), time_limit_label(lang.texts(), procedure.time_limit))
    });
    let documents = chosen.map(|procedure| procedure.documents.clone()).unwrap_or_default();
    let mut procedures: Vec<(String, String, bool)> = procedures_in_force
        .iter()
        .map(|procedure| {
            let code = procedure.code.to_string();
            let selected = code == values.procedure;
            (code, procedure.name.clone(), selected)
        })
        .collect();
    procedures.sort_by_key(|(_, name, _)| domain::search::fold(name));
    Ok(IntakePage {
        chrome: Chrome::new(lang, "/can-bo", &here(uri)),
        officer: officer.display_name.clone(),
        csrf: officer.csrf.clone(),
        units,
        procedures,
        procedure,
        documents,
        values,
        message,
    })
}

/// `GET /can-bo/tiep-nhan`: choose the unit and procedure, then the checklist and the applicant.
pub async fn intake_form(
    lang: Lang,
    State(state): State<AppState>,
    officer: Officer,
    uri: Uri,
    NfcQuery(params): NfcQuery<IntakeParams>,
) -> Result<Response, PageError> {
    let values = IntakeForm { unit: params.unit, procedure: params.procedure, ..IntakeForm::default() };
    Ok(render(&intake_page(lang, &state, &officer, &uri, values, None).await?))
}

/// `POST /can-bo/tiep-nhan`: complete (every document ticked) → received and accepted at the
/// counter in one step → the receipt.
pub async fn intake(
    lang: Lang,
    State(state): State<AppState>,
    officer: Officer,
    uri: Uri,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    use unicode_normalization::UnicodeNormalization;
    let t = lang.texts();
    // Every value in NFC; the ticked documents are the repeated `doc` fields.
    let pairs: Vec<(String, String)> = pairs.into_iter().map(|(key, value)| (key, value.nfc().collect())).collect();
    let checked = pairs.iter().filter(|(key, _)| key == "doc").count();
    let fields: Vec<&(String, String)> = pairs.iter().filter(|(key, _)| key != "doc").collect();
    let mut form: IntakeForm = serde_urlencoded::to_string(&fields)
        .ok()
        .and_then(|encoded| serde_urlencoded::from_str(&encoded).ok())
        .ok_or_else(|| PageError::not_found(lang, t.get("error.not_found")))?;
    form.checked = checked;
    officer.check_csrf(lang, &form.csrf)?;
    let again = |message: String| async {
        let page = intake_page(lang, &state, &officer, &uri, form.clone(), Some(message)).await?;
        Ok::<Response, PageError>((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
    };
    if form.doc_count == 0 || form.checked < form.doc_count {
        return again(t.get("staff.incomplete").to_owned()).await;
    }
    let nonempty = |text: &str| Some(text.trim().to_owned()).filter(|text| !text.is_empty());
    let request = app::service::SubmitRequest {
        unit_code: form.unit.clone(),
        procedure_code: form.procedure.clone(),
        channel: Channel::Counter,
        idempotency_key: None,
        applicant: app::Applicant {
            name: form.name.clone(),
            id_number: nonempty(&form.id_number),
            phone: nonempty(&form.phone),
            email: None,
            address: nonempty(&form.address),
        },
    };
    let now = state.clock.now();
    let created = match state.service.submit(request, &officer.actor, now).await {
        Ok((dossier, _)) => dossier,
        Err(StoreError::Domain(error)) => return again(error.message).await,
        Err(other) => return Err(store_error(lang, other)),
    };
    let code = created.state.code.clone();
    let message =
        match state.service.transition(&code, None, Transition::Accept, &officer.actor, Channel::Counter, now).await {
            Ok(_) => return Ok(Redirect::to(&format!("{}/can-bo/bien-nhan/{code}", lang.prefix())).into_response()),
            Err(StoreError::Domain(error)) => error.message,
            Err(StoreError::Issuing { code, message }) => issuing_failed(lang, code, &message),
            Err(StoreError::Conflict { .. }) => t.get("staff.conflict").to_owned(),
            Err(other) => return Err(store_error(lang, other)),
        };
    // The dossier is received and kept; only its acceptance failed. Its own page says why and
    // offers the acceptance again (the intake form is not shown again: that would make a second
    // dossier).
    let page = dossier_page(lang, &state, &officer, &uri, &code, Some(message)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

/// The receipt (giấy tiếp nhận hồ sơ và hẹn trả kết quả, form 01).
#[derive(Template)]
#[template(path = "dossiers/receipt.html")]
pub struct ReceiptPage {
    chrome: Chrome,
    code: String,
    secret: String,
    unit: String,
    procedure: String,
    applicant: String,
    received: String,
    appointment: String,
    documents: Vec<String>,
    lookup_url: String,
    qr_svg: String,
}

/// `/can-bo/bien-nhan/{code}`: the receipt to print, with the secret and a QR code to the
/// public look-up.
pub async fn receipt(
    lang: Lang,
    State(state): State<AppState>,
    officer: Officer,
    uri: Uri,
    headers: HeaderMap,
    NfcPath(code): NfcPath,
) -> Result<Response, PageError> {
    let record = state
        .service
        .dossier_for_staff(&code, &officer.actor, state.clock.now())
        .await
        .map_err(|e| store_error(lang, e))?;
    let store = state.service.store();
    let day = domain::dossier::local_day(record.dossier.state.submitted_at);
    let procedure =
        store.procedure_on(record.dossier.state.procedure.as_str(), day).await.map_err(|e| store_error(lang, e))?;
    let unit = store.unit_by_id(record.dossier.unit_id).await.map_err(|e| store_error(lang, e))?;
    let secret = state.service.receipt_secret(&code).await.map_err(|e| store_error(lang, e))?;
    let host = headers.get(header::HOST).and_then(|value| value.to_str().ok()).unwrap_or("localhost");
    let scheme = if state.secure_cookies { "https" } else { "http" };
    let lookup_url = format!("{scheme}://{host}/tra-cuu?ma={code}&bi-mat={secret}");
    let qr_svg = qrcode::QrCode::new(lookup_url.as_bytes())
        .map(|qr| qr.render::<qrcode::render::svg::Color>().min_dimensions(160, 160).quiet_zone(true).build())
        .map_err(|error| PageError::internal(lang, &error))?;
    let accepted = record.events.iter().find(|event| event.kind == "accepted").map(|event| event.at);
    let page = ReceiptPage {
        chrome: Chrome::new(lang, "/can-bo", &here(&uri)),
        secret,
        unit: unit.map(|unit| unit.name).unwrap_or_default(),
        procedure: procedure.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
        applicant: record.applicant.name.clone(),
        received: local_time(accepted.unwrap_or(record.dossier.state.submitted_at)),
        appointment: record.dossier.state.appointment.map(local_time).unwrap_or_default(),
        documents: procedure.map(|p| p.documents).unwrap_or_default(),
        lookup_url,
        qr_svg,
        code,
    };
    Ok(render(&page))
}
