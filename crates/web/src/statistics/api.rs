//! Statistics over `/api/v1`: a unit's period report and its time per workflow step.

use app::StatsQuery;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{StatsDto, StepStatDto};
use crate::error::{AppError, ErrorBody};
use crate::extract::{Authenticated, NfcQuery};
use crate::state::AppState;
use crate::wire::parse_date;

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
