//! Dossiers over `/api/v1`: intake through any channel, transitions of the lifecycle, the staff
//! view with history and applicant, and the public look-up by code and receipt secret.

use std::net::SocketAddr;

use app::service::SubmitRequest;
use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use domain::dossier::Channel;

use super::dto::{DossierDetailDto, DossierDto, EventDto, IntakeRequest, PublicDossierDto, TransitionRequest};
use crate::error::{AppError, ErrorBody};
use crate::extract::{Authenticated, NfcJson, NfcPath, NfcQuery, SecretQuery, public_record};
use crate::state::AppState;

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
