//! The handlers of `/api/v1`: extract and parse, call one service function with an explicit
//! actor and instant, render a DTO.

use axum::Json;
use std::net::SocketAddr;

use app::StatsQuery;
use app::service::SubmitRequest;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use domain::dossier::Channel;
use jiff::civil::Date;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::dto::{
    DossierDetailDto, DossierDto, EventDto, IntakeRequest, ProcedureDto, PublicDossierDto, StatsDto, StepStatDto,
    TransitionRequest, UnitDto, ViewDto,
};
use crate::error::{AppError, ErrorBody};
use crate::extract::{Authenticated, NfcJson, NfcPath, NfcQuery};

fn parse_date(text: &str, name: &str) -> Result<Date, AppError> {
    let valid_shape = text.len() == 10;
    text.parse::<Date>().ok().filter(|_| valid_shape).ok_or_else(|| {
        AppError::bad_request(
            "INVALID_DATE",
            format!("{name} phải là ngày YYYY-MM-DD / {name} must be a YYYY-MM-DD date: {text:?}"),
        )
    })
}

/// `?date=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DateQuery {
    /// The day (default today): which structure / procedure versions are in force.
    #[param(format = Date)]
    pub date: Option<String>,
}

fn date_or_today(state: &AppState, date: Option<&str>) -> Result<Date, AppError> {
    match date {
        Some(text) => parse_date(text, "date"),
        None => Ok(domain::dossier::local_day(state.clock.now())),
    }
}

/// Units in force on a day.
#[utoipa::path(get, path = "/api/v1/units", params(DateQuery), responses(
    (status = 200, description = "Units", body = [UnitDto]),
    (status = 400, description = "Bad input", body = ErrorBody)))]
pub async fn list_units(
    State(state): State<AppState>,
    NfcQuery(query): NfcQuery<DateQuery>,
) -> Result<Json<Vec<UnitDto>>, AppError> {
    let day = date_or_today(&state, query.date.as_deref())?;
    let units = state.service.store().list_units(day).await?;
    Ok(Json(units.iter().map(UnitDto::from).collect()))
}

/// Procedures in force on a day.
#[utoipa::path(get, path = "/api/v1/procedures", params(DateQuery), responses(
    (status = 200, description = "Procedures", body = [ProcedureDto]),
    (status = 400, description = "Bad input", body = ErrorBody)))]
pub async fn list_procedures(
    State(state): State<AppState>,
    NfcQuery(query): NfcQuery<DateQuery>,
) -> Result<Json<Vec<ProcedureDto>>, AppError> {
    let day = date_or_today(&state, query.date.as_deref())?;
    let procedures = state.service.store().list_procedures(day).await?;
    Ok(Json(procedures.iter().map(ProcedureDto::from).collect()))
}

/// One procedure, the version in force on a day.
#[utoipa::path(get, path = "/api/v1/procedures/{code}", params(("code" = String, Path, description = "Procedure code"), DateQuery), responses(
    (status = 200, description = "Procedure", body = ProcedureDto),
    (status = 400, description = "Bad input", body = ErrorBody),
    (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn get_procedure(
    State(state): State<AppState>,
    NfcPath(code): NfcPath,
    NfcQuery(query): NfcQuery<DateQuery>,
) -> Result<Json<ProcedureDto>, AppError> {
    let day = date_or_today(&state, query.date.as_deref())?;
    let procedure = state
        .service
        .store()
        .procedure_on(&code, day)
        .await?
        .ok_or_else(|| AppError::not_found(format!("không có thủ tục / no procedure {code} in force on {day}")))?;
    Ok(Json(ProcedureDto::from(&procedure)))
}

/// Intake through any channel. Idempotent on `idempotency_key` / the `Idempotency-Key` header:
/// a repeat returns the existing dossier with 200.
#[utoipa::path(post, path = "/api/v1/dossiers", request_body = IntakeRequest, params(
    ("Idempotency-Key" = Option<String>, Header, description = "Idempotency key"),
), security(("token" = []), ("session" = [])), responses(
    (status = 201, description = "Created", body = DossierDto, links(
        ("PublicDossier" = (operation_id = "public_dossier",
            parameters(("code" = "$response.body#/code"), ("secret" = "$response.body#/receipt_secret")),
            description = "The receipt's code and secret open the public look-up")),
        ("PublicViews" = (operation_id = "public_views",
            parameters(("code" = "$response.body#/code"), ("secret" = "$response.body#/receipt_secret")),
            description = "The receipt's code and secret show who read the personal data")))),
    (status = 200, description = "Already submitted with this key", body = DossierDto),
    (status = 400, description = "Bad input", body = ErrorBody),
    (status = 401, description = "Not logged in", body = ErrorBody),
    (status = 403, description = "Not allowed on this unit, or a missing CSRF token", body = ErrorBody),
    (status = 404, description = "Unknown unit or procedure", body = ErrorBody),
    (status = 413, description = "Body too large", body = ErrorBody),
    (status = 415, description = "Not application/json", body = ErrorBody),
    (status = 422, description = "Refused by a rule", body = ErrorBody)))]
pub async fn intake(
    State(state): State<AppState>,
    who: Authenticated,
    headers: HeaderMap,
    NfcJson(request): NfcJson<IntakeRequest>,
) -> Result<(StatusCode, Json<DossierDto>), AppError> {
    let channel = Channel::parse(&request.channel).ok_or_else(|| {
        AppError::bad_request(
            "INVALID_CHANNEL",
            format!("kênh phải là counter, post, online hoặc national_portal / channel must be counter, post, online or national_portal, not {:?}", request.channel),
        )
    })?;
    let header_key = headers
        .get("idempotency-key")
        .and_then(|value| value.to_str().ok())
        .map(|key| unicode_normalization::UnicodeNormalization::nfc(key).collect::<String>());
    let submit = SubmitRequest {
        unit_code: request.unit,
        procedure_code: request.procedure,
        channel,
        idempotency_key: request.idempotency_key.or(header_key),
        applicant: request.applicant.into(),
    };
    let (dossier, created) = state.service.submit(submit, &who.actor, state.clock.now()).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    let mut answer = DossierDto::from(&dossier);
    answer.receipt_secret = Some(state.service.receipt_secret(&dossier.state.code).await?);
    Ok((status, Json(answer)))
}

/// A transition of the lifecycle. The whole change (event, projection, statistics) is one
/// transaction; a refused transition writes nothing.
#[utoipa::path(post, path = "/api/v1/dossiers/{code}/transitions", request_body = TransitionRequest, params(
    ("code" = String, Path, description = "Dossier code"),
    ("X-Channel" = Option<String>, Header, pattern = "^(counter|post|online|national_portal)$",
        description = "Where the transition happens: counter (default), post, online, national_portal")),
    security(("token" = []), ("session" = [])), responses(
    (status = 200, description = "The dossier after the transition", body = DossierDto),
    (status = 400, description = "Bad input", body = ErrorBody),
    (status = 401, description = "Not logged in", body = ErrorBody),
    (status = 403, description = "The actor's roles do not allow this action on this dossier's unit", body = ErrorBody),
    (status = 413, description = "Body too large", body = ErrorBody),
    (status = 415, description = "Not application/json", body = ErrorBody),
    (status = 404, description = "No such dossier", body = ErrorBody),
    (status = 409, description = "Stale expected_version", body = ErrorBody),
    (status = 422, description = "Refused by the lifecycle rules", body = ErrorBody),
    (status = 503, description = "The form this transition issues could not be signed (keys missing or expired); nothing was written", body = ErrorBody)))]
pub async fn transition(
    State(state): State<AppState>,
    who: Authenticated,
    headers: HeaderMap,
    NfcPath(code): NfcPath,
    NfcJson(request): NfcJson<TransitionRequest>,
) -> Result<Json<DossierDto>, AppError> {
    let (transition, expected_version) =
        request.into_transition().map_err(|message| AppError::bad_request("INVALID_INSTANT", message))?;
    // A header that is present but not text (or not a channel) is refused, never read as absent.
    let channel = match headers.get("x-channel") {
        Some(value) => value.to_str().ok().and_then(Channel::parse).ok_or_else(|| {
            AppError::bad_request("INVALID_CHANNEL", format!("X-Channel không hợp lệ / invalid X-Channel {value:?}"))
        })?,
        None => Channel::Counter,
    };
    let dossier =
        state.service.transition(&code, expected_version, transition, &who.actor, channel, state.clock.now()).await?;
    Ok(Json(DossierDto::from(&dossier)))
}

/// A dossier with its full history and applicant (staff).
#[utoipa::path(get, path = "/api/v1/dossiers/{code}", params(("code" = String, Path, description = "Dossier code")),
    security(("token" = []), ("session" = [])), responses(
    (status = 200, description = "Dossier", body = DossierDetailDto),
    (status = 401, description = "Not logged in", body = ErrorBody),
    (status = 403, description = "Not allowed to read this unit's dossiers", body = ErrorBody),
    (status = 404, description = "No such dossier", body = ErrorBody)))]
pub async fn get_dossier(
    State(state): State<AppState>,
    who: Authenticated,
    NfcPath(code): NfcPath,
) -> Result<Json<DossierDetailDto>, AppError> {
    // This answer holds personal data: the service checks the actor's roles and records the read
    // in the audit trail before it leaves.
    let record = state.service.dossier_for_staff(&code, &who.actor, state.clock.now()).await?;
    Ok(Json(DossierDetailDto {
        dossier: DossierDto::from(&record.dossier),
        events: record.events.iter().map(EventDto::from).collect(),
        applicant: (&record.applicant).into(),
    }))
}

/// `?secret=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SecretQuery {
    /// The secret printed on the receipt.
    pub secret: Option<String>,
}

/// The public look-up's gate: a limited number of tries per client address, and the receipt's
/// secret; a wrong or missing secret answers exactly like a code that does not exist.
pub(crate) async fn public_record(
    state: &AppState,
    client: SocketAddr,
    code: &str,
    secret: Option<&str>,
) -> Result<app::DossierRecord, AppError> {
    if !state.limiter.allow(client.ip()) {
        return Err(AppError::too_many_requests());
    }
    let not_found = || AppError::not_found(format!("không có hồ sơ / no dossier {code}"));
    if !domain::code::looks_like_dossier_code(code) {
        return Err(not_found());
    }
    let Some(secret) = secret else { return Err(not_found()) };
    let record = state.service.reads().dossier(code).await?.ok_or_else(not_found)?;
    if !state.service.receipt_secret_matches(code, secret).await? {
        return Err(not_found());
    }
    Ok(record)
}

/// Public look-up by code and the receipt's secret: status, appointment and history, with no
/// personal data and no staff names. Limited per client address.
#[utoipa::path(get, path = "/api/v1/public/dossiers/{code}", params(("code" = String, Path, description = "Dossier code"), SecretQuery), responses(
    (status = 200, description = "Public view", body = PublicDossierDto),
    (status = 404, description = "No such dossier, or a wrong secret", body = ErrorBody),
    (status = 429, description = "Too many look-ups", body = ErrorBody)))]
pub async fn public_dossier(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    NfcPath(code): NfcPath,
    NfcQuery(query): NfcQuery<SecretQuery>,
) -> Result<Json<PublicDossierDto>, AppError> {
    let record = public_record(&state, client, &code, query.secret.as_deref()).await?;
    let day = domain::dossier::local_day(record.dossier.state.submitted_at);
    let name = state
        .service
        .store()
        .procedure_on(record.dossier.state.procedure.as_str(), day)
        .await?
        .map(|procedure| procedure.name)
        .unwrap_or_default();
    Ok(Json(PublicDossierDto::new(&record.dossier, &record.events, name)))
}

/// Who read the dossier's personal data and when, for the citizen holding the receipt.
#[utoipa::path(get, path = "/api/v1/public/dossiers/{code}/views", params(("code" = String, Path, description = "Dossier code"), SecretQuery), responses(
    (status = 200, description = "Reads of the personal data", body = [ViewDto]),
    (status = 404, description = "No such dossier, or a wrong secret", body = ErrorBody),
    (status = 429, description = "Too many look-ups", body = ErrorBody)))]
pub async fn public_views(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    NfcPath(code): NfcPath,
    NfcQuery(query): NfcQuery<SecretQuery>,
) -> Result<Json<Vec<ViewDto>>, AppError> {
    let record = public_record(&state, client, &code, query.secret.as_deref()).await?;
    let entries = state.service.reads().audit_for_target(record.dossier.unit_id, &code).await?;
    Ok(Json(
        entries
            .iter()
            .filter(|entry| entry.write.action == "read_personal_data")
            .map(|entry| ViewDto { viewer: entry.write.actor.clone(), at: crate::dto::rfc3339(entry.write.at) })
            .collect(),
    ))
}

/// `?unit=&from=&to=&field=&procedure=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsParams {
    /// Unit code.
    pub unit: String,
    /// First day, YYYY-MM-DD.
    #[param(format = Date)]
    pub from: String,
    /// Last day, YYYY-MM-DD.
    #[param(format = Date)]
    pub to: String,
    /// Only this field.
    pub field: Option<String>,
    /// Only this procedure.
    pub procedure: Option<String>,
}

/// The period report of a unit: carried over, received by channel, settled early / on time /
/// late, in progress within time / overdue, returned, withdrawn, and both rates.
#[utoipa::path(get, path = "/api/v1/stats", params(StatsParams), responses(
    (status = 200, description = "Report", body = StatsDto),
    (status = 400, description = "Bad input", body = ErrorBody),
    (status = 404, description = "No such unit", body = ErrorBody),
    (status = 422, description = "Bad period", body = ErrorBody)))]
pub async fn stats(
    State(state): State<AppState>,
    NfcQuery(params): NfcQuery<StatsParams>,
) -> Result<Json<StatsDto>, AppError> {
    let (from, to) = (parse_date(&params.from, "from")?, parse_date(&params.to, "to")?);
    let unit = state
        .service
        .store()
        .find_unit(&params.unit, to)
        .await?
        .ok_or_else(|| AppError::not_found(format!("không có đơn vị / no unit {} on {to}", params.unit)))?;
    let query =
        StatsQuery { unit_id: unit.id, field: params.field.clone(), procedure: params.procedure.clone(), from, to };
    let report = state.service.report(&query).await?;
    Ok(Json(StatsDto::new(&unit, from.to_string(), to.to_string(), params.field, params.procedure, &report)))
}

/// `?unit=&from=&to=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StepParams {
    /// Unit code.
    pub unit: String,
    /// First day, YYYY-MM-DD.
    #[param(format = Date)]
    pub from: String,
    /// Last day, YYYY-MM-DD.
    #[param(format = Date)]
    pub to: String,
}

/// Time spent per workflow step against its budget, per procedure, for a unit and period: where
/// the time goes inside each procedure.
#[utoipa::path(get, path = "/api/v1/stats/steps", params(StepParams), security(("token" = []), ("session" = [])), responses(
    (status = 200, description = "Step timings", body = [StepStatDto]),
    (status = 400, description = "Bad input", body = ErrorBody),
    (status = 401, description = "Not logged in", body = ErrorBody),
    (status = 403, description = "Not allowed to read this unit's internal statistics", body = ErrorBody),
    (status = 404, description = "No such unit", body = ErrorBody),
    (status = 422, description = "Bad period", body = ErrorBody)))]
pub async fn step_stats(
    State(state): State<AppState>,
    who: Authenticated,
    NfcQuery(params): NfcQuery<StepParams>,
) -> Result<Json<Vec<StepStatDto>>, AppError> {
    let (from, to) = (parse_date(&params.from, "from")?, parse_date(&params.to, "to")?);
    // A well-formed but backwards period is refused like the period report refuses it (422), not
    // as malformed input.
    if from > to {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "STATS_INVALID_PERIOD",
            "ngày bắt đầu sau ngày kết thúc / the period starts after it ends".to_owned(),
        ));
    }
    let unit = state
        .service
        .store()
        .find_unit(&params.unit, to)
        .await?
        .ok_or_else(|| AppError::not_found(format!("không có đơn vị / no unit {} on {to}", params.unit)))?;
    let steps = state.service.step_stats(unit.id, from, to, &who.actor).await?;
    Ok(Json(steps.iter().map(StepStatDto::from).collect()))
}
