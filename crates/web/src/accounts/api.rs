//! Log-in, the current account, log-out: `/api/v1/session`. A log-in answers with a session
//! cookie (HttpOnly, SameSite=Strict, Secure when the server is behind TLS) and the CSRF token the
//! browser sends back as `X-CSRF-Token`.
//!
//! The operations keep the tag `session` the published document has always given them.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse};

use super::dto::{GrantDto, LoginRequest, SessionDto};
use crate::error::{AppError, ErrorBody};
use crate::extract::{Authenticated, Credential, NfcJson, SESSION_COOKIE};
use crate::state::AppState;

fn grants(actor: &app::access::Actor) -> Vec<GrantDto> {
    actor.grants.iter().map(|grant| GrantDto { role: grant.role.as_str().to_owned(), unit_id: grant.unit_id }).collect()
}

/// The `Set-Cookie` value of a session (empty value and age 0 to clear it), built by the `cookie`
/// crate: `HttpOnly`, `SameSite=Strict`, `Path=/`, `Max-Age`, and `Secure` behind TLS. The API and
/// the staff console's forms set the same cookie.
pub(crate) fn session_cookie(state: &AppState, value: &str, max_age: i64) -> String {
    cookie::Cookie::build((SESSION_COOKIE, value))
        .path("/")
        .http_only(true)
        .same_site(cookie::SameSite::Strict)
        .max_age(cookie::time::Duration::seconds(max_age))
        .secure(state.secure_cookies)
        .build()
        .to_string()
}

/// Logs in with a login name and password. Five failures in a row start a backoff (30 s doubling
/// to an hour); log-in attempts are also limited per client address.
#[utoipa::path(post, tag = "session", path = "/api/v1/session", request_body = LoginRequest, responses(
    (status = 200, description = "Logged in; the session cookie is set", body = SessionDto),
    (status = 400, description = "Bad input", body = ErrorBody),
    (status = 401, description = "Wrong login or password, or a disabled account", body = ErrorBody),
    (status = 413, description = "Body too large", body = ErrorBody),
    (status = 415, description = "Not application/json", body = ErrorBody),
    (status = 429, description = "Locked after failures, or too many attempts from this address", body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    NfcJson(request): NfcJson<LoginRequest>,
) -> Result<impl IntoResponse, AppError> {
    if !state.login_limiter.allow(client.ip()) {
        return Err(AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
            "quá nhiều lần đăng nhập từ địa chỉ này, thử lại sau một phút / too many log-ins from this address; try again in a minute".to_owned(),
        ));
    }
    let now = state.clock.now();
    let session = state.service.login(&request.login, &request.password, Some(client.ip().to_string()), now).await?;
    let max_age = session.expires_at.duration_since(now).as_secs().max(0);
    let body = SessionDto {
        login: session.actor.name.clone(),
        display_name: session.display_name.clone(),
        grants: grants(&session.actor),
        csrf_token: Some(session.csrf_token.clone()),
    };
    Ok((AppendHeaders([(header::SET_COOKIE, session_cookie(&state, &session.token, max_age))]), Json(body)))
}

/// The current account (and, for a session, its CSRF token).
#[utoipa::path(get, tag = "session", path = "/api/v1/session", security(("token" = []), ("session" = [])), responses(
    (status = 200, description = "Who is logged in", body = SessionDto),
    (status = 401, description = "Not logged in", body = ErrorBody)))]
pub async fn current(who: Authenticated) -> Json<SessionDto> {
    let (display_name, csrf_token) = match &who.credential {
        Credential::Session { display_name, csrf_token, .. } => (display_name.clone(), Some(csrf_token.clone())),
        Credential::Token => (String::new(), None),
    };
    Json(SessionDto { login: who.actor.name.clone(), display_name, grants: grants(&who.actor), csrf_token })
}

/// Logs out: ends the session and clears the cookie.
#[utoipa::path(delete, tag = "session", path = "/api/v1/session", security(("session" = [])), responses(
    (status = 204, description = "Logged out"),
    (status = 400, description = "An API token has no session to end", body = ErrorBody),
    (status = 401, description = "Not logged in", body = ErrorBody),
    (status = 403, description = "Missing CSRF token", body = ErrorBody)))]
pub async fn logout(State(state): State<AppState>, who: Authenticated) -> Result<impl IntoResponse, AppError> {
    let Credential::Session { token, .. } = &who.credential else {
        return Err(AppError::bad_request(
            "NOT_A_SESSION",
            "mã truy cập API không có phiên để đăng xuất; thu hồi nó bằng `motcua user revoke-token` / an API token has no session; revoke it with `motcua user revoke-token`".to_owned(),
        ));
    };
    state.service.logout(token, &who.actor, state.clock.now()).await?;
    Ok((StatusCode::NO_CONTENT, AppendHeaders([(header::SET_COOKIE, session_cookie(&state, "", 0))])))
}
