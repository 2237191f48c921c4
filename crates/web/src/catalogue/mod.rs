//! The catalogue: units and the procedures in force, over the API (`/api/v1/units`,
//! `/api/v1/procedures`) and on the portal (the home page, `/thu-tuc`).

pub mod api;
pub mod dto;
pub mod pages;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;
use crate::ui::PREFIXES;

/// The context's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api::list_units, api::list_procedures, api::get_procedure))]
pub struct ApiDoc;

/// The context's routes.
pub fn router() -> Router<AppState> {
    let mut router = Router::new()
        .route("/api/v1/units", get(api::list_units))
        .route("/api/v1/procedures", get(api::list_procedures))
        .route("/api/v1/procedures/{code}", get(api::get_procedure));
    for prefix in PREFIXES {
        let home = if prefix.is_empty() { "/" } else { prefix };
        router = router
            .route(home, get(pages::home))
            .route(&format!("{prefix}/thu-tuc"), get(pages::catalogue))
            .route(&format!("{prefix}/thu-tuc/{{code}}"), get(pages::procedure));
    }
    router
}
