//! Documents: the forms issued for a dossier (signed PDFs) and the files submitted with it.
//! Downloads for staff and for the applicant holding the receipt's secret, and verification of
//! any PDF against its signatures and against what this system issued, over the API
//! (`/api/v1/.../documents`, `/api/v1/public/verify`) and on the portal (`/xac-thuc`).

pub mod api;
pub mod dto;
pub mod files;
pub mod pages;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::state::AppState;
use crate::ui::PREFIXES;
pub use files::{VERIFY_LIMIT, form_title};

/// The context's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api::verify, api::public_list, api::public_download, api::staff_list, api::staff_download))]
pub struct ApiDoc;

/// The context's routes.
pub fn router() -> Router<AppState> {
    let mut router = Router::new()
        .route("/api/v1/public/dossiers/{code}/documents", get(api::public_list))
        .route("/api/v1/public/dossiers/{code}/documents/{seq}", get(api::public_download))
        .route("/api/v1/dossiers/{code}/documents", get(api::staff_list))
        .route("/api/v1/dossiers/{code}/documents/{seq}", get(api::staff_download))
        .route("/api/v1/public/verify", post(api::verify).layer(DefaultBodyLimit::max(VERIFY_LIMIT)));
    for prefix in PREFIXES {
        router = router
            .route(
                &format!("{prefix}/xac-thuc"),
                get(pages::show).post(pages::upload).layer(DefaultBodyLimit::max(VERIFY_LIMIT)),
            )
            .route(&format!("{prefix}/can-bo/ho-so/{{code}}/tep/{{seq}}"), get(pages::file))
            .route(&format!("{prefix}/can-bo/ho-so/{{code}}/van-ban/{{seq}}"), get(pages::issued_file));
    }
    router
}
