//! Extractors every handler uses instead of axum's own, so that input is treated alike
//! everywhere: JSON bodies only as `application/json` (415 otherwise) and at most the body limit
//! (413), every string of a body, a query and a path in Unicode NFC, and who is asking
//! (an API token or a session cookie with its CSRF token).

use std::net::SocketAddr;

use app::access::Actor;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;
use unicode_normalization::UnicodeNormalization;
use utoipa::IntoParams;

use crate::error::AppError;
use crate::state::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "motcua_session";

/// The header carrying the session's CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Largest request body accepted (bytes).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The text in Unicode NFC (every string a request carries is normalised).
pub fn nfc(text: &str) -> String {
    text.nfc().collect()
}

/// Normalises every string (and object key) of a JSON value to NFC.
fn normalize(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(text) => Value::String(nfc(&text)),
        Value::Array(items) => Value::Array(items.into_iter().map(normalize).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(key, value)| (nfc(&key), normalize(value))).collect())
        }
        other => other,
    }
}

/// A JSON body, strictly `application/json` (UTF-8), at most [`BODY_LIMIT`] bytes, every string
/// in NFC.
pub struct NfcJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for NfcJson<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok());
        if !content_type.is_some_and(is_json) {
            return Err(AppError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                "nội dung phải là application/json (UTF-8) / the body must be application/json (UTF-8)".to_owned(),
            ));
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "PAYLOAD_TOO_LARGE",
                    format!("nội dung quá lớn (tối đa {BODY_LIMIT} byte) / the body is over {BODY_LIMIT} bytes"),
                )
            } else {
                AppError::bad_request("INVALID_BODY", format!("không đọc được nội dung / unreadable body: {rejection}"))
            }
        })?;
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|error| {
            AppError::bad_request("INVALID_JSON", format!("nội dung JSON không hợp lệ / invalid JSON body: {error}"))
        })?;
        let value = serde_json::from_value(normalize(value)).map_err(|error| {
            let text = error.to_string();
            let code = if text.starts_with("missing field") {
                "MISSING_FIELD"
            } else if text.starts_with("unknown field") {
                "UNKNOWN_FIELD"
            } else if text.starts_with("unknown variant") {
                "INVALID_VALUE"
            } else {
                "INVALID_JSON"
            };
            AppError::bad_request(code, format!("nội dung JSON không hợp lệ / invalid JSON body: {text}"))
        })?;
        Ok(NfcJson(value))
    }
}

/// `application/json`, with at most a UTF-8 charset parameter (parsed by `mime`).
fn is_json(content_type: &str) -> bool {
    let Ok(media) = content_type.parse::<mime::Mime>() else { return false };
    media.type_() == mime::APPLICATION
        && media.subtype() == mime::JSON
        && media.suffix().is_none()
        && media.params().all(|(name, value)| {
            name == mime::CHARSET && value.as_str().trim_matches('"').eq_ignore_ascii_case("utf-8")
        })
}

/// Query parameters with every value in NFC.
pub struct NfcQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for NfcQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        let invalid = |error: String| {
            AppError::bad_request("INVALID_QUERY", format!("tham số không hợp lệ / invalid query parameters: {error}"))
        };
        let raw = parts.uri.query().unwrap_or_default();
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(raw).map_err(|error| invalid(error.to_string()))?;
        let normalized: Vec<(String, String)> = pairs.iter().map(|(key, value)| (nfc(key), nfc(value))).collect();
        let encoded = serde_urlencoded::to_string(&normalized).map_err(|error| invalid(error.to_string()))?;
        let value = serde_urlencoded::from_str(&encoded).map_err(|error| invalid(error.to_string()))?;
        Ok(NfcQuery(value))
    }
}

/// The one path parameter of a route, in NFC.
pub struct NfcPath(pub String);

impl<S: Send + Sync> FromRequestParts<S> for NfcPath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let axum::extract::Path(text) =
            axum::extract::Path::<String>::from_request_parts(parts, state).await.map_err(|rejection| {
                AppError::bad_request(
                    "INVALID_PATH",
                    format!("đường dẫn không hợp lệ / invalid path: {}", rejection.body_text()),
                )
            })?;
        Ok(NfcPath(nfc(&text)))
    }
}

/// The client's address (from the connection; no proxy header is trusted).
pub fn client_address(parts: &Parts) -> Option<String> {
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(address)| address.ip().to_string())
}

/// A cookie's value from the `Cookie` headers (parsed by the `cookie` crate; a malformed pair is
/// skipped).
pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .map(|cookie| cookie.value().to_owned())
}

/// How the caller proved who it is.
#[derive(Debug, Clone)]
pub enum Credential {
    /// An API token (`Authorization: Bearer mc_...`).
    Token,
    /// A browser session: its cookie's token and its CSRF token.
    Session {
        /// The cookie's token.
        token: String,
        /// The session's CSRF token.
        csrf_token: String,
        /// Display name.
        display_name: String,
    },
}

/// A request from a known account: an API token, or a session cookie (with, on every
/// state-changing method, the session's CSRF token in `X-CSRF-Token`).
pub struct Authenticated {
    /// Who acts, with the client address.
    pub actor: Actor,
    /// How.
    pub credential: Credential,
}

fn unauthenticated(code: &str, message: &str) -> AppError {
    AppError::new(StatusCode::UNAUTHORIZED, code, message.to_owned())
}

/// Equal in constant time (for secrets): `subtle`'s comparison, which the optimiser cannot turn
/// into an early exit.
pub fn same_secret(left: &[u8], right: &[u8]) -> bool {
    bool::from(left.ct_eq(right))
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let client = client_address(parts);
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let token = value.to_str().ok().and_then(|text| text.strip_prefix("Bearer ")).ok_or_else(|| {
                unauthenticated(
                    "INVALID_AUTHORIZATION",
                    "tiêu đề Authorization phải là 'Bearer <mã>' / the Authorization header must be 'Bearer <token>'",
                )
            })?;
            let actor = state.service.token_actor(token.trim(), client).await?.ok_or_else(|| {
                unauthenticated(
                    "INVALID_TOKEN",
                    "mã truy cập không hợp lệ hoặc đã bị thu hồi / the API token is unknown or revoked",
                )
            })?;
            return Ok(Authenticated { actor, credential: Credential::Token });
        }
        let Some(token) = cookie(parts, SESSION_COOKIE) else {
            return Err(unauthenticated(
                "UNAUTHENTICATED",
                "cần đăng nhập hoặc mã truy cập / log in or send an API token",
            ));
        };
        let Some((actor, csrf_token, display_name)) =
            state.service.session_actor(&token, client, state.clock.now()).await?
        else {
            return Err(unauthenticated(
                "SESSION_EXPIRED",
                "phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại / the session ended; log in again",
            ));
        };
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let given = parts.headers.get(CSRF_HEADER).map(|value| value.as_bytes()).unwrap_or_default();
            if !same_secret(given, csrf_token.as_bytes()) {
                return Err(AppError::new(
                    StatusCode::FORBIDDEN,
                    "CSRF_FAILED",
                    "thiếu hoặc sai mã chống giả mạo (X-CSRF-Token) / missing or wrong CSRF token (X-CSRF-Token)"
                        .to_owned(),
                ));
            }
        }
        Ok(Authenticated { actor, credential: Credential::Session { token, csrf_token, display_name } })
    }
}

/// `?secret=`: the receipt's secret, the citizen's proof of holding the receipt.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SecretQuery {
    /// The secret printed on the receipt.
    pub secret: Option<String>,
}

/// The public look-up's gate: a limited number of tries per client address, and the receipt's
/// secret ([`app::service::Service::public_dossier`]); a wrong or missing secret answers exactly
/// like a code that does not exist.
pub async fn public_record(
    state: &AppState,
    client: SocketAddr,
    code: &str,
    secret: Option<&str>,
) -> Result<app::DossierRecord, AppError> {
    if !state.limiter.allow(client.ip()) {
        return Err(AppError::too_many_requests());
    }
    let found = state.service.public_dossier(code, secret.unwrap_or_default()).await?;
    found.ok_or_else(|| AppError::not_found(format!("không có hồ sơ / no dossier {code}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=UTF-8"));
        assert!(!is_json("application/json; charset=latin1"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/jsonp"));
        assert!(!is_json("application/x-www-form-urlencoded"));
        assert!(is_json("application/json; charset=\"utf-8\""));
        assert!(!is_json("application/json; boundary=x"));
    }

    #[test]
    fn strings_and_keys_become_nfc() {
        // "Đăng ký" typed with combining marks (NFD) becomes the precomposed form.
        let decomposed: String = "Đăng ký khai sinh".nfd().collect();
        assert_ne!(decomposed, "Đăng ký khai sinh");
        let value =
            serde_json::json!({ "name": decomposed.clone(), "items": [decomposed.clone()], decomposed.clone(): 1 });
        let normalized = normalize(value);
        assert_eq!(normalized["name"], "Đăng ký khai sinh");
        assert_eq!(normalized["items"][0], "Đăng ký khai sinh");
        assert_eq!(normalized["Đăng ký khai sinh"], 1);
    }
}
