//! The staff console's log-in and log-out pages: the same session cookie as the API's
//! `/api/v1/session`, set by a form post from this site.

use std::net::SocketAddr;

use app::StoreError;
use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::state::AppState;
use crate::ui::{Chrome, Lang, Officer, PageError, here, render, store_error};

/// The log-in page.
#[derive(Template)]
#[template(path = "accounts/login.html")]
pub struct LoginPage {
    chrome: Chrome,
    login: String,
    message: Option<String>,
}

/// `GET /can-bo/dang-nhap`.
pub async fn login_form(lang: Lang, uri: Uri) -> Response {
    render(&LoginPage { chrome: Chrome::new(lang, "/can-bo", &here(&uri)), login: String::new(), message: None })
}

/// The log-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    login: String,
    password: String,
}

/// Whether a form post comes from this site (the browser's `Origin`, else `Referer`, names our
/// own host): the log-in form's protection against cross-site posts, as it has no session yet.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|value| value.to_str().ok()) else { return false };
    let source = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let rest = source.strip_prefix("https://").or_else(|| source.strip_prefix("http://")).unwrap_or_default();
    rest.split('/').next() == Some(host)
}

/// `POST /can-bo/dang-nhap`: the session cookie, then the queue.
pub async fn login(
    lang: Lang,
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    uri: Uri,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let t = lang.texts();
    let page = |message: &str, status: StatusCode| {
        let page = LoginPage {
            chrome: Chrome::new(lang, "/can-bo", &here(&uri)),
            login: form.login.clone(),
            message: Some(message.to_owned()),
        };
        (status, render(&page)).into_response()
    };
    if !same_origin(&headers) {
        return page(t.get("staff.csrf"), StatusCode::FORBIDDEN);
    }
    if !state.login_limiter.allow(client.ip()) {
        return page(t.get("staff.too_many"), StatusCode::TOO_MANY_REQUESTS);
    }
    let login = domain::catalog::normalize_text(&form.login);
    let now = state.clock.now();
    match state.service.login(&login, &form.password, Some(client.ip().to_string()), now).await {
        Ok(session) => {
            let max_age = session.expires_at.duration_since(now).as_secs().max(0);
            let cookie = super::api::session_cookie(&state, &session.token, max_age);
            ([(header::SET_COOKIE, cookie)], Redirect::to(&format!("{}/can-bo", lang.prefix()))).into_response()
        }
        Err(StoreError::Unauthenticated(error)) => {
            let key = match error.code {
                "ACCOUNT_LOCKED" => "staff.locked",
                "ACCOUNT_DISABLED" => "staff.disabled",
                _ => "staff.login_failed",
            };
            page(t.get(key), StatusCode::UNAUTHORIZED)
        }
        Err(error) => PageError::internal(lang, &error).into_response(),
    }
}

/// A form with only the CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// `POST /can-bo/dang-xuat`.
pub async fn logout(
    lang: Lang,
    State(state): State<AppState>,
    officer: Officer,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    officer.check_csrf(lang, &form.csrf)?;
    state.service.logout(&officer.token, &officer.actor, state.clock.now()).await.map_err(|e| store_error(lang, e))?;
    let cookie = super::api::session_cookie(&state, "", 0);
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&format!("{}/can-bo/dang-nhap", lang.prefix()))).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_same_origin_form_posts() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, "motcua.example:8080".parse().unwrap());
        assert!(!same_origin(&headers));
        headers.insert(header::ORIGIN, "http://motcua.example:8080".parse().unwrap());
        assert!(same_origin(&headers));
        headers.insert(header::ORIGIN, "https://evil.example".parse().unwrap());
        assert!(!same_origin(&headers));
    }
}
