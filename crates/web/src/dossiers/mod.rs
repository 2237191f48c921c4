//! Dossiers: intake, the lifecycle's transitions and the look-ups, over the API
//! (`/api/v1/dossiers`, `/api/v1/public/dossiers/{code}`), on the portal (look-up, online
//! submission) and on the staff console (queue, dossier page, counter intake and receipt).

pub mod api;
pub mod console;
pub mod dto;
pub mod pages;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::state::AppState;
use crate::ui::PREFIXES;

/// The context's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api::intake, api::transition, api::get_dossier, api::public_dossier))]
pub struct ApiDoc;

/// The context's routes.
pub fn router() -> Router<AppState> {
    let mut router = Router::new()
        .route("/api/v1/dossiers", post(api::intake))
        .route("/api/v1/dossiers/{code}", get(api::get_dossier))
        .route("/api/v1/dossiers/{code}/transitions", post(api::transition))
        .route("/api/v1/public/dossiers/{code}", get(api::public_dossier));
    for prefix in PREFIXES {
        router = router
            .route(
                &format!("{prefix}/thu-tuc/{{code}}/nop"),
                get(pages::submit_form).post(pages::submit).layer(DefaultBodyLimit::max(pages::MAX_SUBMISSION)),
            )
            .route(&format!("{prefix}/tra-cuu"), get(pages::lookup))
            .route(&format!("{prefix}/can-bo"), get(console::queue))
            .route(&format!("{prefix}/can-bo/ho-so/{{code}}"), get(console::dossier).post(console::act))
            .route(&format!("{prefix}/can-bo/tiep-nhan"), get(console::intake_form).post(console::intake))
            .route(&format!("{prefix}/can-bo/bien-nhan/{{code}}"), get(console::receipt));
    }
    router
}
