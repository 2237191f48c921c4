//! motcua's HTTP layer: the JSON API under `/api/v1` with its OpenAPI 3.1 document at
//! `/api/v1/openapi.json`, the public portal and the staff console. Start-up is a function over a
//! listener, so tests bind port 0.
//!
//! One module per bounded context, named as in the other crates (catalogue, dossiers,
//! documents, statistics, audit, accounts), each with its API handlers, pages and JSON shapes and
//! its own router and OpenAPI fragment, merged here. Shared machinery sits beside them and
//! imports no context: `state` (what handlers share), `error` (errors as HTTP), `extract`
//! (request extractors, who is asking), `wire` (JSON conventions) and `ui` (the pages' frame,
//! languages, the logged-in officer).

pub mod accounts;
pub mod audit;
pub mod catalogue;
pub mod documents;
pub mod dossiers;
pub mod error;
pub mod extract;
pub mod state;
pub mod statistics;
pub mod ui;
pub mod wire;

use std::future::Future;

use axum::Router;
use axum::http::HeaderName;
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use utoipa::{Modify, OpenApi};

pub use state::{AppState, Clock, ManualClock, RateLimiter, SystemClock};

/// The OpenAPI document: the contexts' fragments merged under one title, with the error schemas,
/// the security schemes and the header parameters' clean-up.
pub struct ApiDoc;

/// The document's title and the schemas every context answers with.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "motcua API",
        version = "1",
        description = "Hồ sơ thủ tục hành chính / administrative procedure dossiers. Errors are JSON with a stable `code` and a Vietnamese / English `message`."
    ),
    components(schemas(error::ErrorBody, error::ErrorDetail))
)]
struct Frame;

impl OpenApi for ApiDoc {
    fn openapi() -> utoipa::openapi::OpenApi {
        let mut document = Frame::openapi();
        for fragment in [
            accounts::ApiDoc::openapi(),
            catalogue::ApiDoc::openapi(),
            dossiers::ApiDoc::openapi(),
            audit::ApiDoc::openapi(),
            documents::ApiDoc::openapi(),
            statistics::ApiDoc::openapi(),
        ] {
            document.merge(fragment);
        }
        SecuritySchemes.modify(&mut document);
        HeaderParameters.modify(&mut document);
        document
    }
}

/// The two ways to authenticate: an API token, or the session cookie set by `POST /api/v1/session`
/// (with `X-CSRF-Token` on state-changing requests).
struct SecuritySchemes;

impl Modify for SecuritySchemes {
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

impl Modify for HeaderParameters {
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
    let lang = ui::Lang::of_path(uri.path());
    ui::PageError::not_found(lang, lang.texts().get("error.not_found")).into_response()
}

async fn api_fallback() -> error::AppError {
    error::AppError::not_found("không có đường dẫn này / no such route".to_owned())
}

/// The application's router: every context's routes, the shared ones, and around them the
/// body limit, the request id (tower-http: a UUID for each request without an `x-request-id`,
/// echoed in the answer and named by errors) and `Connection: close` after an unread body.
pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static(error::REQUEST_ID_HEADER);
    Router::new()
        .route("/api/v1/openapi.json", get(openapi_handler))
        .merge(accounts::router())
        .merge(catalogue::router())
        .merge(dossiers::router())
        .merge(audit::router())
        .merge(documents::router())
        .merge(statistics::router())
        .merge(ui::router())
        .fallback(fallback)
        .layer(axum::extract::DefaultBodyLimit::max(extract::BODY_LIMIT))
        .layer(axum::middleware::from_fn(close_after_unread_body))
        .layer(axum::middleware::from_fn(error::with_request_id))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
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
