//! The catalogue over `/api/v1`: units and procedures in force on a day.

use axum::Json;
use axum::extract::State;
use jiff::civil::Date;
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{ProcedureDto, UnitDto};
use crate::error::{AppError, ErrorBody};
use crate::extract::{NfcPath, NfcQuery};
use crate::state::AppState;
use crate::wire::parse_date;

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
