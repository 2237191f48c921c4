//! The catalogue on the portal: the home page, the list of procedures with search and filters,
//! and a procedure's page.

use askama::Template;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use domain::catalog::{Level, OnlineLevel, Procedure, TimeLimitSpec};
use domain::search::Query;
use serde::Deserialize;

use crate::extract::{NfcPath, NfcQuery};
use crate::state::AppState;
use crate::ui::{Chrome, Lang, PageError, Texts, here, render, today};

fn level_key(level: Level) -> &'static str {
    match level {
        Level::Commune => "level.commune",
        Level::Province => "level.province",
        Level::Both => "level.both",
    }
}

fn level_param(level: Level) -> &'static str {
    match level {
        Level::Commune => "xa",
        Level::Province => "tinh",
        Level::Both => "ca-hai",
    }
}

/// A time limit as text (`3 ngày làm việc`).
pub fn time_limit_label(t: &Texts, limit: TimeLimitSpec) -> String {
    match limit {
        TimeLimitSpec::WorkingDays { value } => format!("{value} {}", t.get("limit.working_days")),
        TimeLimitSpec::CalendarDays { value } => format!("{value} {}", t.get("limit.calendar_days")),
        TimeLimitSpec::SameDay => t.get("limit.same_day").to_owned(),
    }
}

fn fee_text(t: &Texts, procedure: &Procedure) -> String {
    match (procedure.fee_vnd, &procedure.fee_note) {
        (Some(0) | None, None) => t.get("procedure.free").to_owned(),
        (Some(fee), note) => {
            let digits = fee.to_string();
            let mut grouped = String::new();
            for (index, digit) in digits.chars().enumerate() {
                if index > 0 && (digits.len() - index) % 3 == 0 {
                    grouped.push('.');
                }
                grouped.push(digit);
            }
            match note {
                Some(note) => format!("{grouped} đồng ({note})"),
                None => format!("{grouped} đồng"),
            }
        }
        (None, Some(note)) => note.clone(),
    }
}

// ---------------------------------------------------------------------------------------------
// Home

/// The home page.
#[derive(Template)]
#[template(path = "catalogue/home.html")]
pub struct HomePage {
    chrome: Chrome,
    procedures: usize,
}

/// `/`: search and the sections.
pub async fn home(lang: Lang, State(state): State<AppState>, uri: Uri) -> Result<Response, PageError> {
    let procedures = state
        .service
        .store()
        .list_procedures(today(&state))
        .await
        .map_err(|error| PageError::internal(lang, &error))?
        .len();
    Ok(render(&HomePage { chrome: Chrome::new(lang, "/", &here(&uri)), procedures }))
}

// ---------------------------------------------------------------------------------------------
// Catalogue

/// `?q=&linh-vuc=&cap=`.
#[derive(Debug, Default, Deserialize)]
pub struct CatalogueParams {
    /// Search text.
    #[serde(default)]
    q: String,
    /// Field.
    #[serde(default, rename = "linh-vuc")]
    field: String,
    /// Level: `xa`, `tinh`, `ca-hai`.
    #[serde(default)]
    cap: String,
}

/// A row of the catalogue.
pub struct CatalogueRow {
    href: String,
    code: String,
    name: String,
    field: String,
    level: &'static str,
    time_limit: String,
    online: Option<&'static str>,
}

/// A filter option.
pub struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// The catalogue page.
#[derive(Template)]
#[template(path = "catalogue/catalogue.html")]
pub struct CataloguePage {
    chrome: Chrome,
    q: String,
    fields: Vec<Choice>,
    levels: Vec<Choice>,
    rows: Vec<CatalogueRow>,
}

/// `/thu-tuc`: procedures in force, searched with or without diacritics, filtered by field and
/// level.
pub async fn catalogue(
    lang: Lang,
    State(state): State<AppState>,
    uri: Uri,
    NfcQuery(params): NfcQuery<CatalogueParams>,
) -> Result<Response, PageError> {
    let t = lang.texts();
    let procedures = state
        .service
        .store()
        .list_procedures(today(&state))
        .await
        .map_err(|error| PageError::internal(lang, &error))?;
    let query = Query::new(&params.q);
    let mut fields: Vec<String> = procedures.iter().map(|procedure| procedure.field.clone()).collect();
    fields.sort_by_key(|field| domain::search::fold(field));
    fields.dedup();
    let mut scored: Vec<(u32, &Procedure)> = procedures
        .iter()
        .filter(|procedure| params.field.is_empty() || procedure.field == params.field)
        .filter(|procedure| params.cap.is_empty() || level_param(procedure.level) == params.cap)
        .filter_map(|procedure| match &query {
            None => Some((0, procedure)),
            Some(query) => {
                let text = format!("{} {} {}", procedure.name, procedure.code, procedure.field);
                query.score(&text).map(|score| (score, procedure))
            }
        })
        .collect();
    scored.sort_by(|(left_score, left), (right_score, right)| {
        right_score
            .cmp(left_score)
            .then_with(|| domain::search::fold(&left.name).cmp(&domain::search::fold(&right.name)))
    });
    let rows = scored
        .into_iter()
        .map(|(_, procedure)| CatalogueRow {
            href: format!("{}/thu-tuc/{}", lang.prefix(), procedure.code),
            code: procedure.code.to_string(),
            name: procedure.name.clone(),
            field: procedure.field.clone(),
            level: t.get(level_key(procedure.level)),
            time_limit: time_limit_label(t, procedure.time_limit),
            online: match procedure.online {
                OnlineLevel::Full => Some(t.get("online.full")),
                OnlineLevel::Partial => Some(t.get("online.partial")),
            },
        })
        .collect();
    let fields = fields
        .into_iter()
        .map(|field| Choice { selected: field == params.field, value: field.clone(), label: field })
        .collect();
    let levels = [Level::Commune, Level::Province, Level::Both]
        .into_iter()
        .map(|level| Choice {
            value: level_param(level).to_owned(),
            label: t.get(level_key(level)).to_owned(),
            selected: level_param(level) == params.cap,
        })
        .collect();
    let page = CataloguePage { chrome: Chrome::new(lang, "/thu-tuc", &here(&uri)), q: params.q, fields, levels, rows };
    Ok(render(&page))
}

// ---------------------------------------------------------------------------------------------
// Procedure

/// A procedure's page.
#[derive(Template)]
#[template(path = "catalogue/procedure.html")]
pub struct ProcedurePage {
    chrome: Chrome,
    procedure: Procedure,
    level: &'static str,
    time_limit: String,
    fee: String,
    online: &'static str,
    where_key: &'static str,
    effective_from: String,
}

/// `/thu-tuc/{code}`: documents, time limit, fee, where to submit, legal basis.
pub async fn procedure(
    lang: Lang,
    State(state): State<AppState>,
    uri: Uri,
    NfcPath(code): NfcPath,
) -> Result<Response, PageError> {
    let t = lang.texts();
    let procedure = state
        .service
        .store()
        .procedure_on(&code, today(&state))
        .await
        .map_err(|error| PageError::internal(lang, &error))?
        .ok_or_else(|| PageError::not_found(lang, t.get("procedure.not_found")))?;
    let page = ProcedurePage {
        chrome: Chrome::new(lang, "/thu-tuc", &here(&uri)),
        level: t.get(level_key(procedure.level)),
        time_limit: time_limit_label(t, procedure.time_limit),
        fee: fee_text(t, &procedure),
        online: match procedure.online {
            OnlineLevel::Full => t.get("online.full"),
            OnlineLevel::Partial => t.get("online.partial"),
        },
        where_key: match procedure.level {
            Level::Commune => "procedure.where_commune",
            Level::Province => "procedure.where_province",
            Level::Both => "procedure.where_both",
        },
        effective_from: procedure.effective_from.strftime("%d/%m/%Y").to_string(),
        procedure,
    };
    Ok(render(&page))
}
