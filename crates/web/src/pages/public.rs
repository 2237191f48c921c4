//! The public portal: catalogue with search, procedure pages, dossier look-up, statistics board
//! and open data. No personal data and no staff names appear on any of these pages (the look-up
//! shows the logins that read the citizen's own dossier, to that citizen only).

use std::fmt::Write as _;
use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, State};
use axum::http::{Uri, header};
use axum::response::{IntoResponse, Response};
use domain::catalog::{Level, OnlineLevel, Procedure, TimeLimitSpec, UnitKind};
use domain::search::Query;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Deserialize;

use super::{Chrome, Lang, PageError, Texts, here, render};
use crate::AppState;
use crate::extract::{NfcPath, NfcQuery};

/// Local time as people read it: `14:05 09/03/2026`.
pub fn local_time(instant: Timestamp) -> String {
    instant.to_zoned(calendar::ho_chi_minh_time_zone()).strftime("%H:%M %d/%m/%Y").to_string()
}

fn today(state: &AppState) -> Date {
    domain::dossier::local_day(state.clock.now())
}

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
    time_limit_text(t, limit)
}

fn time_limit_text(t: &Texts, limit: TimeLimitSpec) -> String {
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
#[template(path = "home.html")]
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
#[template(path = "catalogue.html")]
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
            time_limit: time_limit_text(t, procedure.time_limit),
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
#[template(path = "procedure.html")]
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
        time_limit: time_limit_text(t, procedure.time_limit),
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
    documents: Vec<super::verify::IssuedLine>,
    verify_href: String,
}

/// The look-up page.
#[derive(Template)]
#[template(path = "lookup.html")]
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
        return Ok((axum::http::StatusCode::TOO_MANY_REQUESTS, render(&page)).into_response());
    }
    let record =
        state.service.public_dossier(&code, &secret).await.map_err(|error| PageError::internal(lang, &error))?;
    let Some(record) = record else {
        page.message = Some(t.get("lookup.not_found").to_owned());
        return Ok((axum::http::StatusCode::NOT_FOUND, render(&page)).into_response());
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
        .map(|record| super::verify::IssuedLine {
            title: crate::documents::form_title(&record.form).to_owned(),
            href: Some(format!(
                "/api/v1/public/dossiers/{}/documents/{}?secret={}",
                record.code,
                record.seq,
                super::staff::urlencoding(&secret)
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
        super::staff::urlencoding(&stored.state.code),
        super::staff::urlencoding(&secret)
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
// Statistics

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

/// The plan's target for a field: 95% for citizen reception, complaints and denunciations, 98%
/// for everything else (HCMC's administrative reform plan; ../shared/seed/README.md R4).
pub fn field_target(field: &str) -> f64 {
    let folded = domain::search::fold(field);
    if ["khieu nai", "to cao", "tiep cong dan", "kien nghi", "phan anh"].iter().any(|word| folded.contains(word)) {
        95.0
    } else {
        98.0
    }
}

/// A row of the board.
#[derive(Debug, Clone)]
pub struct BoardRow {
    /// Rank (1-based).
    pub rank: usize,
    /// Unit code (or field).
    pub code: String,
    /// Name.
    pub name: String,
    /// Received in the period.
    pub received: i64,
    /// Settled in the period.
    pub settled: i64,
    /// Settled late.
    pub late: i64,
    /// On-time rate in percent, when anything was settled.
    pub rate: Option<f64>,
    /// The target in percent.
    pub target: f64,
}

impl BoardRow {
    /// A row from counters.
    pub fn new(code: String, name: String, counters: &[i64; 9], target: f64) -> BoardRow {
        let received = counters[..4].iter().sum();
        let settled = counters[4] + counters[5] + counters[6];
        let rate = (settled > 0).then(|| (counters[4] + counters[5]) as f64 * 100.0 / settled as f64);
        BoardRow { rank: 0, code, name, received, settled, late: counters[6], rate, target }
    }

    /// The rate as text (`97,5%`), or a dash.
    pub fn rate_text(&self) -> String {
        self.rate.map_or_else(|| "—".to_owned(), |rate| format!("{:.1}%", rate).replace('.', ","))
    }

    /// Whether it is below its target.
    pub fn below(&self) -> bool {
        self.rate.is_some_and(|rate| rate < self.target)
    }
}

/// The statistics page.
#[derive(Template)]
#[template(path = "statistics.html")]
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

/// The board's data for a period: every unit with activity, every field, the land branches.
pub(crate) type Board = ([i64; 9], Vec<BoardRow>, Vec<BoardRow>, Vec<BoardRow>);

/// A computed board: when, at which write generation.
type CachedBoard = (std::time::Instant, u64, std::sync::Arc<Board>);

/// Boards already computed, by period: reused while no write has happened in this process since,
/// and otherwise for at most [`BoardCache::FRESH`] (so under a steady stream of writes a period's
/// board is computed at most once a second); never older than [`BoardCache::MAX_AGE`] (writes of
/// other server processes).
#[derive(Default)]
pub struct BoardCache {
    boards: std::sync::Mutex<std::collections::HashMap<(Date, Date), CachedBoard>>,
}

impl BoardCache {
    /// Reused for this long even when this process has written since.
    pub const FRESH: std::time::Duration = std::time::Duration::from_secs(1);
    /// Never reused after this long.
    pub const MAX_AGE: std::time::Duration = std::time::Duration::from_secs(30);

    fn get(&self, key: (Date, Date), generation: u64) -> Option<std::sync::Arc<Board>> {
        let boards = self.boards.lock().ok()?;
        let (at, seen, board) = boards.get(&key)?;
        let age = at.elapsed();
        (age < BoardCache::MAX_AGE && (*seen == generation || age < BoardCache::FRESH)).then(|| board.clone())
    }

    fn put(&self, key: (Date, Date), generation: u64, board: std::sync::Arc<Board>) {
        if let Ok(mut boards) = self.boards.lock() {
            if boards.len() >= 64 {
                boards.clear();
            }
            boards.insert(key, (std::time::Instant::now(), generation, board));
        }
    }
}

/// The board of a period, from the cache when it is still good.
pub(crate) async fn cached_board(state: &AppState, from: Date, to: Date) -> app::StoreResult<std::sync::Arc<Board>> {
    let generation = state.service.write_generation();
    if let Some(board) = state.boards.get((from, to), generation) {
        return Ok(board);
    }
    let board = std::sync::Arc::new(board(state, from, to).await?);
    state.boards.put((from, to), generation, board.clone());
    Ok(board)
}

async fn board(state: &AppState, from: Date, to: Date) -> app::StoreResult<Board> {
    let store = state.service.reads();
    let units = store.list_units(to).await?;
    // One pass over the period's statistics, summed here per unit and per field.
    let mut totals: std::collections::HashMap<i64, [i64; 9]> = std::collections::HashMap::new();
    let mut by_field: std::collections::BTreeMap<String, [i64; 9]> = std::collections::BTreeMap::new();
    let mut all = [0_i64; 9];
    for ((unit_id, field), counters) in store.unit_field_totals(from, to).await? {
        for target in [totals.entry(unit_id).or_insert([0; 9]), by_field.entry(field).or_insert([0; 9]), &mut all] {
            for (total, counter) in target.iter_mut().zip(&counters) {
                *total += counter;
            }
        }
    }
    let mut ranking = Vec::new();
    let mut land = Vec::new();
    for unit in &units {
        let counters = totals.get(&unit.id).copied().unwrap_or_default();
        let row = BoardRow::new(unit.code.clone(), unit.name.clone(), &counters, 98.0);
        if unit.kind == UnitKind::LandBranch {
            land.push(BoardRow::new(unit.code.clone(), unit.name.clone(), &counters, 98.0));
        }
        if row.settled > 0 {
            ranking.push(row);
        }
    }
    let by_rate = |left: &BoardRow, right: &BoardRow| {
        right
            .rate
            .unwrap_or(-1.0)
            .total_cmp(&left.rate.unwrap_or(-1.0))
            .then_with(|| right.settled.cmp(&left.settled))
            .then_with(|| left.code.cmp(&right.code))
    };
    ranking.sort_by(by_rate);
    land.sort_by(by_rate);
    for (index, row) in ranking.iter_mut().enumerate() {
        row.rank = index + 1;
    }
    for (index, row) in land.iter_mut().enumerate() {
        row.rank = index + 1;
    }
    let mut fields: Vec<BoardRow> = by_field
        .into_iter()
        .map(|(field, counters)| BoardRow::new(field.clone(), field.clone(), &counters, field_target(&field)))
        .collect();
    fields.sort_by(by_rate);
    Ok((all, ranking, fields, land))
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A horizontal bar chart of on-time rates (SVG, drawn on the server), with the target line.
/// The axis runs from 80% to 100% so that the differences that matter are visible; rates
/// below 80% are drawn at the left edge and labelled with their value.
pub fn rate_chart(rows: &[BoardRow], title: &str, target: f64) -> String {
    const LABEL: f64 = 230.0;
    const BAR: f64 = 420.0;
    const ROW: f64 = 22.0;
    let floor = 80.0;
    let x = |rate: f64| LABEL + (rate.clamp(floor, 100.0) - floor) / (100.0 - floor) * BAR;
    let height = ROW * rows.len() as f64 + 30.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title"><title id="chart-title">{title}</title>"#,
        width = LABEL + BAR + 70.0,
        title = escape_xml(title)
    );
    for (index, row) in rows.iter().enumerate() {
        let y = 20.0 + ROW * index as f64;
        // Branch names share a long prefix: keep what tells them apart.
        let short = row.name.replace("Văn phòng đăng ký đất đai ", "").replace("Văn phòng Đăng ký đất đai ", "");
        let name: String = short.chars().take(40).collect();
        let _ =
            write!(svg, r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#, LABEL - 6.0, y + 13.0, escape_xml(&name));
        if let Some(rate) = row.rate {
            let colour = if rate < row.target { "#a3161a" } else { "#17663a" };
            let _ = write!(
                svg,
                r##"<rect x="{LABEL}" y="{}" width="{:.1}" height="14" fill="{colour}"/><text x="{:.1}" y="{}">{}</text>"##,
                y + 2.0,
                (x(rate) - LABEL).max(1.0),
                x(rate) + 4.0,
                y + 13.0,
                row.rate_text()
            );
        } else {
            let _ = write!(svg, r#"<text x="{}" y="{}">—</text>"#, LABEL + 4.0, y + 13.0);
        }
    }
    let target_x = x(target);
    let _ = write!(
        svg,
        r##"<line x1="{target_x:.1}" x2="{target_x:.1}" y1="14" y2="{:.1}" stroke="#1b1f24" stroke-width="2" stroke-dasharray="4 3"/><text x="{target_x:.1}" y="11" text-anchor="middle">{}%</text>"##,
        height - 8.0,
        target
    );
    let _ = write!(
        svg,
        r#"<text x="{LABEL}" y="{:.1}">80%</text><text x="{:.1}" y="{:.1}" text-anchor="end">100%</text></svg>"#,
        height - 2.0,
        LABEL + BAR,
        height - 2.0
    );
    svg
}

/// `/thong-ke`: on-time rates per unit (ranked), per field and for every land registration
/// branch, with the plan's targets.
pub async fn statistics(
    lang: Lang,
    State(state): State<AppState>,
    uri: Uri,
    NfcQuery(params): NfcQuery<PeriodParams>,
) -> Result<Response, PageError> {
    let t = lang.texts();
    let (from, to, invalid) = period(&state, &params);
    let board = cached_board(&state, from, to).await.map_err(|error| PageError::internal(lang, &error))?;
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
#[template(path = "open_data.html")]
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
    let names: std::collections::HashMap<i64, (String, String)> =
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boards_are_reused_until_a_write_and_a_second() {
        let cache = BoardCache::default();
        let key = (Date::constant(2026, 1, 1), Date::constant(2026, 11, 29));
        let board = std::sync::Arc::new(([0; 9], Vec::new(), Vec::new(), Vec::new()));
        assert!(cache.get(key, 7).is_none());
        cache.put(key, 7, board);
        assert!(cache.get(key, 7).is_some(), "no write since");
        assert!(cache.get(key, 8).is_some(), "a write, but less than a second ago");
        assert!(cache.get((key.0, Date::constant(2026, 11, 30)), 7).is_none(), "another period");
        std::thread::sleep(BoardCache::FRESH);
        assert!(cache.get(key, 8).is_none(), "a write and over a second");
        assert!(cache.get(key, 7).is_some(), "still no write");
    }

    #[test]
    fn targets_by_field() {
        assert_eq!(field_target("Khiếu nại"), 95.0);
        assert_eq!(field_target("Tố cáo"), 95.0);
        assert_eq!(field_target("Tiếp công dân"), 95.0);
        assert_eq!(field_target("Hộ tịch"), 98.0);
        assert_eq!(field_target("Đất đai"), 98.0);
    }

    #[test]
    fn rates_and_the_chart() {
        let row = BoardRow::new("a".to_owned(), "Phường <A>".to_owned(), &[10, 0, 0, 0, 50, 47, 3, 90, 0], 98.0);
        assert_eq!((row.received, row.settled, row.late), (10, 100, 3));
        assert_eq!(row.rate_text(), "97,0%");
        assert!(row.below());
        let chart = rate_chart(&[row], "Chi nhánh", 98.0);
        assert!(chart.contains("Phường &lt;A&gt;") && chart.contains("97,0%") && chart.contains("98%"));
        assert!(chart.starts_with("<svg") && chart.ends_with("</svg>"));
        let empty = BoardRow::new("b".to_owned(), "B".to_owned(), &[0; 9], 98.0);
        assert_eq!((empty.rate_text(), empty.below()), ("—".to_owned(), false));
    }
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
#[template(path = "submit.html")]
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
#[template(path = "submitted.html")]
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
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
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
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
        }
        Err(app::StoreError::NotFound(_)) => {
            let page =
                submit_page(lang, &state, &uri, &code, values, Some(t.get("submit.choose_unit").to_owned())).await?;
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
        }
        Err(error) => return Err(PageError::internal(lang, &error)),
    };
    let secret =
        state.service.receipt_secret(&dossier.state.code).await.map_err(|error| PageError::internal(lang, &error))?;
    let host = headers.get(axum::http::header::HOST).and_then(|value| value.to_str().ok()).unwrap_or("localhost");
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
    Ok((axum::http::StatusCode::CREATED, render(&page)).into_response())
}
