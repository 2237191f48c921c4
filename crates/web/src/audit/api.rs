//! The audit trail over `/api/v1`: who read a dossier's personal data, for the citizen holding
//! the receipt.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};

use super::dto::ViewDto;
use crate::error::{AppError, ErrorBody};
use crate::extract::{NfcPath, NfcQuery, SecretQuery, public_record};
use crate::state::AppState;
use crate::wire::rfc3339;

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
            .map(|entry| ViewDto { viewer: entry.write.actor.clone(), at: rfc3339(entry.write.at) })
            .collect(),
    ))
}
