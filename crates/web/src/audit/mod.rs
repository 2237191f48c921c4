//! The audit trail: the reads of a dossier's personal data, shown to the citizen holding the
//! receipt (`/api/v1/public/dossiers/{code}/views`).

pub mod api;
pub mod dto;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

/// The context's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api::public_views))]
pub struct ApiDoc;

/// The context's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/public/dossiers/{code}/views", get(api::public_views))
}
