//! The logged-in officer of the staff console's pages: a session cookie, else a redirect to the
//! log-in page; every form the console posts carries the session's CSRF token.

use app::StoreError;
use app::access::Actor;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

use super::i18n::Lang;
use super::page::PageError;
use crate::extract::{SESSION_COOKIE, client_address, cookie, same_secret};
use crate::state::AppState;

/// A logged-in officer (session cookie), for the console's pages.
pub struct Officer {
    /// Who acts, with the client address.
    pub actor: Actor,
    /// The session's CSRF token, for the page's forms.
    pub csrf: String,
    /// Display name.
    pub display_name: String,
    /// The session cookie's token (to end the session).
    pub token: String,
}

/// Not logged in (or the session ended): to the log-in page.
pub struct ToLogin(pub Lang);

impl IntoResponse for ToLogin {
    fn into_response(self) -> Response {
        Redirect::to(&format!("{}/can-bo/dang-nhap", self.0.prefix())).into_response()
    }
}

impl FromRequestParts<AppState> for Officer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let lang = Lang::of_path(parts.uri.path());
        let Some(token) = cookie(parts, SESSION_COOKIE) else {
            return Err(ToLogin(lang).into_response());
        };
        let found = state
            .service
            .session_actor(&token, client_address(parts), state.clock.now())
            .await
            .map_err(|error| PageError::internal(lang, &error).into_response())?;
        match found {
            Some((actor, csrf, display_name)) => Ok(Officer { actor, csrf, display_name, token }),
            None => Err(ToLogin(lang).into_response()),
        }
    }
}

impl Officer {
    /// The form's CSRF token must be the session's (constant-time).
    pub fn check_csrf(&self, lang: Lang, given: &str) -> Result<(), PageError> {
        if same_secret(given.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(PageError::forbidden(lang, lang.texts().get("staff.csrf")))
        }
    }
}

/// A refused or failed service call as the console's error page.
pub fn store_error(lang: Lang, error: StoreError) -> PageError {
    match error {
        StoreError::Forbidden(_) => PageError::forbidden(lang, lang.texts().get("staff.forbidden")),
        StoreError::NotFound(message) => PageError::not_found(lang, &message),
        other => PageError::internal(lang, &other),
    }
}
