//! Statistics: the period report and step timings over the API (`/api/v1/stats`), the public
//! board and open data on the portal, the leader dashboard on the console.

pub mod api;
pub mod board;
pub mod dto;
pub mod pages;

use std::sync::Arc;

use axum::routing::get;
use axum::{Extension, Router};

use crate::state::AppState;
use crate::ui::PREFIXES;

/// The context's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api::stats, api::step_stats))]
pub struct ApiDoc;

/// The context's routes, with their own cache of boards (one per router built).
pub fn router() -> Router<AppState> {
    let mut router = Router::new()
        .route("/api/v1/stats", get(api::stats))
        .route("/api/v1/stats/steps", get(api::step_stats))
        .route("/du-lieu-mo/thong-ke-don-vi.csv", get(pages::open_units_csv))
        .route("/du-lieu-mo/thong-ke-don-vi.json", get(pages::open_units_json));
    for prefix in PREFIXES {
        router = router
            .route(&format!("{prefix}/thong-ke"), get(pages::statistics))
            .route(&format!("{prefix}/du-lieu-mo"), get(pages::open_data))
            .route(&format!("{prefix}/can-bo/lanh-dao"), get(pages::leader));
    }
    router.layer(Extension(Arc::new(board::BoardCache::default())))
}
