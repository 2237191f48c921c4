//! Accounts: log-in, the current account and log-out, for the API (`/api/v1/session`) and for
//! the staff console's pages (`/can-bo/dang-nhap`, `/can-bo/dang-xuat`).

pub mod api;
pub mod dto;
pub mod pages;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;
use crate::ui::PREFIXES;

/// The context's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api::login, api::current, api::logout))]
pub struct ApiDoc;

/// The context's routes.
pub fn router() -> Router<AppState> {
    let mut router = Router::new().route("/api/v1/session", get(api::current).post(api::login).delete(api::logout));
    for prefix in PREFIXES {
        router = router
            .route(&format!("{prefix}/can-bo/dang-nhap"), get(pages::login_form).post(pages::login))
            .route(&format!("{prefix}/can-bo/dang-xuat"), post(pages::logout));
    }
    router
}
