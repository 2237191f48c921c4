//! Statistics on the portal and the console: the public board of on-time rates (`/thong-ke`),
//! the open data (`/du-lieu-mo`, with CSV and JSON downloads) and the leader dashboard
//! (`/can-bo/lanh-dao`). No personal data and no staff names appear on the public pages.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;

use app::QueueQuery;
use app::access::Action;
use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::http::{Uri, header};
use axum::response::{IntoResponse, Response};
use domain::dossier::Status;
use jiff::civil::Date;
use serde::Deserialize;

use super::board::{BoardCache, BoardRow, cached_board, rate_chart};
use crate::extract::NfcQuery;
use crate::state::AppState;
use crate::ui::{Chrome, Lang, Officer, PageError, here, local_time, office_duration, render, store_error, today};

/// `?tu=&den=` (YYYY-MM-DD).
#[derive(Debug, Default, Deserialize)]
pub struct PeriodParams {
    /// First day.
    #[serde(default)]
    tu: String,
    /// Last day.
    #[serde(default)]
    den: String,
}

/// The period asked for, or the current year to date (and whether the request was invalid).
fn period(state: &AppState, params: &PeriodParams) -> (Date, Date, bool) {
    let today = today(state);
    let start_of_year = Date::new(today.year(), 1, 1).unwrap_or(today);
    let parse = |text: &str| text.parse::<Date>().ok().filter(|_| text.len() == 10);
    match (params.tu.as_str(), params.den.as_str()) {
        ("", "") => (start_of_year, today, false),
        (from, to) => match (parse(from), parse(to)) {
            (Some(from), Some(to)) if from <= to => (from, to, false),
            _ => (start_of_year, today, true),
        },
    }
}

/// The statistics page.
#[derive(Template)]
#[template(path = "statistics/statistics.html")]
pub struct StatisticsPage {
    chrome: Chrome,
    from: String,
    to: String,
    invalid: bool,
    overall: BoardRow,
    ranking: Vec<BoardRow>,
    fields: Vec<BoardRow>,
    land: Vec<BoardRow>,
    land_below: usize,
    land_chart: String,
}

/// `/thong-ke`: on-time rates per unit (ranked), per field and for every land registration
/// branch, with the plan's targets.
pub async fn statistics(
    lang: Lang,
    State(state): State<AppState>,
    Extension(boards): Extension<Arc<BoardCache>>,
    uri: Uri,
    NfcQuery(params): NfcQuery<PeriodParams>,
) -> Result<Response, PageError> {
    let t = lang.texts();
    let (from, to, invalid) = period(&state, &params);
    let board = cached_board(&state, &boards, from, to).await.map_err(|error| PageError::internal(lang, &error))?;
    let (all, ranking, fields, land) = (board.0, board.1.clone(), board.2.clone(), board.3.clone());
    let overall = BoardRow::new("79".to_owned(), t.get("stats.overall").to_owned(), &all, 98.0);
    let land_below = land.iter().filter(|row| row.below()).count();
    let land_chart = rate_chart(&land, t.get("stats.land"), 98.0);
    let page = StatisticsPage {
        chrome: Chrome::new(lang, "/thong-ke", &here(&uri)),
        from: from.to_string(),
        to: to.to_string(),
        invalid,
        overall,
        ranking,
        fields,
        land,
        land_below,
        land_chart,
    };
    Ok(render(&page))
}

// ---------------------------------------------------------------------------------------------
// Open data

/// The open data page.
#[derive(Template)]
#[template(path = "statistics/open_data.html")]
pub struct OpenDataPage {
    chrome: Chrome,
    from: String,
    to: String,
}

/// `/du-lieu-mo`: what can be downloaded, and its schema.
pub async fn open_data(
    lang: Lang,
    State(state): State<AppState>,
    uri: Uri,
    NfcQuery(params): NfcQuery<PeriodParams>,
) -> Response {
    let (from, to, _) = period(&state, &params);
    render(&OpenDataPage {
        chrome: Chrome::new(lang, "/du-lieu-mo", &here(&uri)),
        from: from.to_string(),
        to: to.to_string(),
    })
}

/// One unit's figures in the open data (no personal data).
#[derive(Debug, serde::Serialize)]
pub struct OpenUnitRow {
    /// GSO code or the catalogue's code.
    pub unit_code: String,
    /// Name.
    pub unit_name: String,
    /// First day of the period.
    pub from: String,
    /// Last day.
    pub to: String,
    /// Received through each channel.
    pub received_counter: i64,
    /// By post.
    pub received_post: i64,
    /// Online.
    pub received_online: i64,
    /// Through the national portal.
    pub received_national_portal: i64,
    /// Settled before the due date.
    pub settled_early: i64,
    /// Settled on the due date.
    pub settled_on_time: i64,
    /// Settled after it.
    pub settled_late: i64,
    /// Results returned.
    pub returned: i64,
    /// Withdrawn.
    pub withdrawn: i64,
    /// (early + on time) / settled, percent, 2 decimals; empty when nothing was settled.
    pub on_time_rate: Option<f64>,
}

async fn open_rows(state: &AppState, params: &PeriodParams) -> app::StoreResult<Vec<OpenUnitRow>> {
    let (from, to, _) = period(state, params);
    let store = state.service.reads();
    let names: HashMap<i64, (String, String)> =
        store.list_units(to).await?.into_iter().map(|unit| (unit.id, (unit.code, unit.name))).collect();
    let mut rows = Vec::new();
    for (unit_id, counters) in store.unit_totals(from, to).await? {
        let Some((code, name)) = names.get(&unit_id).cloned() else { continue };
        let settled = counters[4] + counters[5] + counters[6];
        rows.push(OpenUnitRow {
            unit_code: code,
            unit_name: name,
            from: from.to_string(),
            to: to.to_string(),
            received_counter: counters[0],
            received_post: counters[1],
            received_online: counters[2],
            received_national_portal: counters[3],
            settled_early: counters[4],
            settled_on_time: counters[5],
            settled_late: counters[6],
            returned: counters[7],
            withdrawn: counters[8],
            on_time_rate: (settled > 0)
                .then(|| ((counters[4] + counters[5]) as f64 * 10_000.0 / settled as f64).round() / 100.0),
        });
    }
    rows.sort_by(|left, right| left.unit_code.cmp(&right.unit_code));
    Ok(rows)
}

/// `/du-lieu-mo/thong-ke-don-vi.csv`.
pub async fn open_units_csv(
    State(state): State<AppState>,
    NfcQuery(params): NfcQuery<PeriodParams>,
) -> Result<Response, PageError> {
    let rows = open_rows(&state, &params).await.map_err(|error| PageError::internal(Lang::Vi, &error))?;
    let mut csv = String::from(
        "unit_code,unit_name,from,to,received_counter,received_post,received_online,received_national_portal,settled_early,settled_on_time,settled_late,returned,withdrawn,on_time_rate\n",
    );
    for row in rows {
        let _ = writeln!(
            csv,
            "{},\"{}\",{},{},{},{},{},{},{},{},{},{},{},{}",
            row.unit_code,
            row.unit_name.replace('"', "\"\""),
            row.from,
            row.to,
            row.received_counter,
            row.received_post,
            row.received_online,
            row.received_national_portal,
            row.settled_early,
            row.settled_on_time,
            row.settled_late,
            row.returned,
            row.withdrawn,
            row.on_time_rate.map(|rate| format!("{rate:.2}")).unwrap_or_default()
        );
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"thong-ke-don-vi.csv\""),
        ],
        csv,
    )
        .into_response())
}

/// `/du-lieu-mo/thong-ke-don-vi.json`.
pub async fn open_units_json(
    State(state): State<AppState>,
    NfcQuery(params): NfcQuery<PeriodParams>,
) -> Result<Response, PageError> {
    let rows = open_rows(&state, &params).await.map_err(|error| PageError::internal(Lang::Vi, &error))?;
    Ok(axum::Json(rows).into_response())
}

// ---------------------------------------------------------------------------------------------
// Leader dashboard

/// A dossier close to its appointment.
pub struct DueSoon {
    href: String,
    code: String,
    unit: String,
    appointment: String,
    remaining: String,
    urgency: &'static str,
}

/// The leader dashboard.
#[derive(Template)]
#[template(path = "statistics/leader.html")]
pub struct LeaderPage {
    chrome: Chrome,
    officer: String,
    csrf: String,
    from: String,
    to: String,
    below: Vec<BoardRow>,
    land_below: Vec<BoardRow>,
    due_soon: Vec<DueSoon>,
    trend_chart: String,
}

/// `/can-bo/lanh-dao`: units below target, dossiers about to go overdue in the leader's units,
/// and the on-time rate month by month, for an account that may read internal statistics.
pub async fn leader(
    lang: Lang,
    State(state): State<AppState>,
    Extension(boards): Extension<Arc<BoardCache>>,
    officer: Officer,
    uri: Uri,
) -> Result<Response, PageError> {
    let t = lang.texts();
    if !officer.actor.may_somewhere(Action::ReadInternalStats) {
        return Err(PageError::forbidden(lang, t.get("staff.forbidden")));
    }
    let store = state.service.store();
    let now = state.clock.now();
    let today = domain::dossier::local_day(now);
    let from = Date::new(today.year(), 1, 1).unwrap_or(today);
    let tree = state.service.unit_tree(&[]).await.map_err(|e| store_error(lang, e))?;
    let units: Vec<app::UnitRecord> = store
        .list_units(today)
        .await
        .map_err(|e| store_error(lang, e))?
        .into_iter()
        .filter(|unit| officer.actor.may(&tree, Action::ReadInternalStats, unit.id))
        .collect();
    let in_scope: HashSet<&str> = units.iter().map(|unit| unit.code.as_str()).collect();
    let board = cached_board(&state, &boards, from, today).await.map_err(|e| store_error(lang, e))?;
    let below: Vec<_> =
        board.1.iter().filter(|row| row.below() && in_scope.contains(row.code.as_str())).cloned().collect();
    let land_below: Vec<_> =
        board.3.iter().filter(|row| row.below() && in_scope.contains(row.code.as_str())).cloned().collect();
    // Dossiers in progress due within one working day (or overdue), from each unit's queue.
    let mut due_soon = Vec::new();
    for unit in &units {
        let query = QueueQuery::new(unit.id, Status::InProgress, 20);
        let engine = state.service.engine_for(&unit.code);
        for dossier in store.queue(&query).await.map_err(|e| store_error(lang, e))? {
            let Some(due) = dossier.state.appointment else { continue };
            let Ok(left) = engine.office_seconds_between(now, due) else { continue };
            if left > engine.day_seconds() {
                break;
            }
            due_soon.push((
                due,
                DueSoon {
                    href: format!("{}/can-bo/ho-so/{}", lang.prefix(), dossier.state.code),
                    code: dossier.state.code.clone(),
                    unit: unit.name.clone(),
                    appointment: local_time(due),
                    remaining: office_duration(t, left, engine.day_seconds()),
                    urgency: if left < 0 { "bad" } else { "warn" },
                },
            ));
        }
    }
    due_soon.sort_by_key(|(due, _)| *due);
    let due_soon: Vec<DueSoon> = due_soon.into_iter().take(100).map(|(_, row)| row).collect();
    // The on-time rate of the last twelve months.
    let this_month = app::month_of_day(app::day_number(today));
    let scope_ids: Vec<i64> =
        if units.len() == tree_size(&state, today).await { Vec::new() } else { units.iter().map(|u| u.id).collect() };
    let months = store.month_totals(this_month - 11, this_month, &scope_ids).await.map_err(|e| store_error(lang, e))?;
    let rows: Vec<BoardRow> = months
        .iter()
        .map(|(month, counters)| {
            let label = format!("{:02}/{}", month.rem_euclid(12) + 1, month.div_euclid(12));
            BoardRow::new(label.clone(), label, counters, 98.0)
        })
        .collect();
    let trend_chart = rate_chart(&rows, t.get("leader.trend"), 98.0);
    let page = LeaderPage {
        chrome: Chrome::new(lang, "/can-bo", &here(&uri)),
        officer: officer.display_name.clone(),
        csrf: officer.csrf.clone(),
        from: from.strftime("%d/%m/%Y").to_string(),
        to: today.strftime("%d/%m/%Y").to_string(),
        below,
        land_below,
        due_soon,
        trend_chart,
    };
    Ok(render(&page))
}

/// How many units are in force today (to tell "all of them" from a subtree).
async fn tree_size(state: &AppState, today: Date) -> usize {
    state.service.store().list_units(today).await.map(|units| units.len()).unwrap_or(0)
}
