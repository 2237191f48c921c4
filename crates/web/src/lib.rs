//! motcua's HTTP layer: the JSON API under `/api/v1` and its OpenAPI 3.1 document at
//! `/api/v1/openapi.json`. Start-up is a function over a listener, so tests bind port 0.

pub mod api;
pub mod documents;
pub mod dto;
pub mod error;
pub mod extract;
pub mod pages;
pub mod session;

use std::future::Future;
use std::sync::{Arc, Mutex};

use app::service::Service;
use axum::Router;
use axum::routing::{get, post};
use jiff::Timestamp;
use tokio::net::TcpListener;
use utoipa::OpenApi;

/// Where handlers get "now" from (a manual clock in tests).
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock set by hand (tests, demos).
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    /// A clock showing `at`.
    pub fn new(at: Timestamp) -> ManualClock {
        ManualClock(Mutex::new(at))
    }

    /// Moves the clock.
    pub fn set(&self, at: Timestamp) {
        if let Ok(mut now) = self.0.lock() {
            *now = at;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        self.0.lock().map(|now| *now).unwrap_or_else(|poisoned| *poisoned.into_inner())
    }
}

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    /// The application service.
    pub service: Service,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Public look-ups per client address.
    pub limiter: Arc<RateLimiter>,
    /// Log-in attempts per client address.
    pub login_limiter: Arc<RateLimiter>,
    /// Whether session cookies carry `Secure` (the server is reached over TLS).
    pub secure_cookies: bool,
    /// Statistics boards already computed.
    pub boards: Arc<pages::public::BoardCache>,
    /// What signature verification trusts (`/xac-thuc`, `/api/v1/public/verify`): the trust
    /// anchors of the keys the forms are signed with. Without any, intact signatures are
    /// reported as untrusted.
    pub verify: signing::VerifyOptions,
}

impl AppState {
    /// State with the default limits per client address (60 public look-ups and 20 log-in
    /// attempts a minute) and cookies without `Secure`.
    pub fn new(service: Service, clock: Arc<dyn Clock>) -> AppState {
        let minute = std::time::Duration::from_secs(60);
        AppState {
            service,
            clock,
            limiter: Arc::new(RateLimiter::new(60, minute)),
            login_limiter: Arc::new(RateLimiter::new(20, minute)),
            secure_cookies: false,
            boards: Arc::new(pages::public::BoardCache::default()),
            verify: signing::VerifyOptions::new(),
        }
    }
}

/// A fixed-window limit per client address, in memory (one server process).
pub struct RateLimiter {
    limit: u32,
    window: std::time::Duration,
    counts: Mutex<std::collections::HashMap<std::net::IpAddr, (std::time::Instant, u32)>>,
}

impl RateLimiter {
    /// At most `limit` requests per `window` per address.
    pub fn new(limit: u32, window: std::time::Duration) -> RateLimiter {
        RateLimiter { limit, window, counts: Mutex::new(std::collections::HashMap::new()) }
    }

    /// Counts a request; false when the address is over its limit.
    pub fn allow(&self, client: std::net::IpAddr) -> bool {
        let now = std::time::Instant::now();
        let Ok(mut counts) = self.counts.lock() else { return false };
        if counts.len() > 100_000 {
            let window = self.window;
            counts.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = counts.entry(client).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.limit
    }
}

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "motcua API",
        version = "1",
        description = "Hồ sơ thủ tục hành chính / administrative procedure dossiers. Errors are JSON with a stable `code` and a Vietnamese / English `message`."
    ),
    paths(
        session::login,
        session::current,
        session::logout,
        api::list_units,
        api::list_procedures,
        api::get_procedure,
        api::intake,
        api::transition,
        api::get_dossier,
        api::public_dossier,
        api::public_views,
        documents::verify,
        documents::public_list,
        documents::public_download,
        documents::staff_list,
        documents::staff_download,
        api::stats,
        api::step_stats
    ),
    components(schemas(error::ErrorBody, error::ErrorDetail)),
    modifiers(&SecuritySchemes, &HeaderParameters)
)]
pub struct ApiDoc;

/// The two ways to authenticate: an API token, or the session cookie set by `POST /api/v1/session`
/// (with `X-CSRF-Token` on state-changing requests).
struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("API token `mc_...` from `motcua user token`"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(extract::SESSION_COOKIE))),
        );
        // The transition variants refuse unknown fields (serde's deny_unknown_fields) but utoipa
        // does not say so for an enum's variants: say it, so clients and fuzzers know.
        use utoipa::openapi::RefOr;
        use utoipa::openapi::schema::{AdditionalProperties, Schema};
        if let Some(RefOr::T(Schema::OneOf(one_of))) = components.schemas.get_mut("TransitionRequest") {
            for item in &mut one_of.items {
                if let RefOr::T(Schema::Object(object)) = item {
                    object.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
                }
            }
        }
    }
}

/// Header parameters are text or absent, never JSON `null`: utoipa types an optional header as
/// `["string", "null"]`, which tells clients (and fuzzers) that the text `null` is a fine value
/// for, say, `X-Channel`. Drop the `null`; `required: false` already says the header may be left out.
struct HeaderParameters;

impl utoipa::Modify for HeaderParameters {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::RefOr;
        use utoipa::openapi::path::ParameterIn;
        use utoipa::openapi::schema::{Schema, SchemaType, Type};
        let operations = openapi.paths.paths.values_mut().flat_map(|item| {
            [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch].into_iter().flatten()
        });
        for operation in operations {
            for parameter in operation.parameters.iter_mut().flatten() {
                let RefOr::T(parameter) = parameter else { continue };
                if !matches!(parameter.parameter_in, ParameterIn::Header) {
                    continue;
                }
                let Some(RefOr::T(Schema::Object(object))) = &mut parameter.schema else { continue };
                let SchemaType::Array(types) = &object.schema_type else { continue };
                let types: Vec<Type> = types.iter().filter(|kind| **kind != Type::Null).cloned().collect();
                if let [single] = types.as_slice() {
                    object.schema_type = SchemaType::Type(single.clone());
                }
            }
        }
    }
}

/// The OpenAPI document as JSON.
pub fn openapi_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_else(|_| "{}".to_owned())
}

async fn openapi_handler() -> ([(axum::http::HeaderName, &'static str); 1], String) {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], openapi_json())
}

async fn fallback(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    if uri.path().starts_with("/api/") {
        return api_fallback().await.into_response();
    }
    let lang = pages::Lang::of_path(uri.path());
    pages::PageError::not_found(lang, lang.texts().get("error.not_found")).into_response()
}

async fn api_fallback() -> error::AppError {
    error::AppError::not_found("không có đường dẫn này / no such route".to_owned())
}

/// The application's router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi_handler))
        .route("/api/v1/session", get(session::current).post(session::login).delete(session::logout))
        .route("/api/v1/units", get(api::list_units))
        .route("/api/v1/procedures", get(api::list_procedures))
        .route("/api/v1/procedures/{code}", get(api::get_procedure))
        .route("/api/v1/dossiers", post(api::intake))
        .route("/api/v1/dossiers/{code}", get(api::get_dossier))
        .route("/api/v1/dossiers/{code}/transitions", post(api::transition))
        .route("/api/v1/public/dossiers/{code}", get(api::public_dossier))
        .route("/api/v1/public/dossiers/{code}/views", get(api::public_views))
        .route("/api/v1/public/dossiers/{code}/documents", get(documents::public_list))
        .route("/api/v1/public/dossiers/{code}/documents/{seq}", get(documents::public_download))
        .route("/api/v1/dossiers/{code}/documents", get(documents::staff_list))
        .route("/api/v1/dossiers/{code}/documents/{seq}", get(documents::staff_download))
        .route(
            "/api/v1/public/verify",
            post(documents::verify).layer(axum::extract::DefaultBodyLimit::max(documents::VERIFY_LIMIT)),
        )
        .route("/api/v1/stats", get(api::stats))
        .route("/api/v1/stats/steps", get(api::step_stats))
        .merge(pages::router())
        .fallback(fallback)
        .layer(axum::extract::DefaultBodyLimit::max(extract::BODY_LIMIT))
        .layer(axum::middleware::from_fn(close_after_unread_body))
        .with_state(state)
}

/// A request refused before its body was read (no session, no permission, wrong media type, too
/// large, too many requests) leaves the body unread, and the server then closes the connection;
/// a client that had already put it back in its pool would send its next request into a closed
/// socket. Saying `Connection: close` on such answers tells the client not to reuse it.
async fn close_after_unread_body(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::header;
    let has_body = request.headers().get(header::CONTENT_LENGTH).is_some_and(|length| length != "0")
        || request.headers().contains_key(header::TRANSFER_ENCODING);
    let mut response = next.run(request).await;
    if has_body && response.status().is_client_error() {
        response.headers_mut().insert(header::CONNECTION, header::HeaderValue::from_static("close"));
    }
    response
}

/// Serves until `shutdown` completes.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
