//! The one place errors become HTTP responses: JSON with a stable machine code and a
//! Vietnamese / English message. 5xx responses carry a request id and log the cause.

use app::StoreError;
use axum::Json;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

tokio::task_local! {
    /// The id of the request being answered (tower-http's `x-request-id`).
    static REQUEST_ID: String;
}

/// The id of the request this task answers (`x-request-id`, set by tower-http's request-id
/// layer for every request), or `-` outside a request.
pub fn request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_else(|_| "-".to_owned())
}

/// Runs the rest of the stack with the request's id at hand for [`request_id`]: errors name it
/// in their message and in the log line with their cause.
pub async fn with_request_id(request: Request, next: Next) -> Response {
    let id = request.headers().get(REQUEST_ID_HEADER).and_then(|value| value.to_str().ok()).unwrap_or("-").to_owned();
    REQUEST_ID.scope(id, next.run(request)).await
}

/// The header carrying a request's id (in and out).
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The error body.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// Code and message.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine code, e.g. `DOSSIER_INVALID_TRANSITION`.
    pub code: String,
    /// Message in Vietnamese, then English.
    pub message: String,
}

/// An error leaving a handler.
#[derive(Debug)]
pub struct AppError {
    status: StatusCode,
    code: String,
    message: String,
}

impl AppError {
    /// Any status with a stable code.
    pub fn new(status: StatusCode, code: &str, message: String) -> AppError {
        AppError { status, code: code.to_owned(), message }
    }

    /// A 400 for malformed input.
    pub fn bad_request(code: &str, message: String) -> AppError {
        AppError { status: StatusCode::BAD_REQUEST, code: code.to_owned(), message }
    }

    /// A 429.
    pub fn too_many_requests() -> AppError {
        AppError {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: "RATE_LIMITED".to_owned(),
            message: "quá nhiều lần tra cứu, vui lòng thử lại sau một phút / too many look-ups; try again in a minute"
                .to_owned(),
        }
    }

    /// A 404.
    pub fn not_found(message: String) -> AppError {
        AppError { status: StatusCode::NOT_FOUND, code: "NOT_FOUND".to_owned(), message }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> AppError {
        let status = match &error {
            StoreError::Domain(_) => StatusCode::UNPROCESSABLE_ENTITY,
            StoreError::Catalog(_) => StatusCode::BAD_REQUEST,
            StoreError::NotFound(_) => StatusCode::NOT_FOUND,
            StoreError::Conflict { .. } => StatusCode::CONFLICT,
            StoreError::Forbidden(_) => StatusCode::FORBIDDEN,
            StoreError::Unauthenticated(error) if error.code == "ACCOUNT_LOCKED" => StatusCode::TOO_MANY_REQUESTS,
            StoreError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            StoreError::Database(_) => StatusCode::INTERNAL_SERVER_ERROR,
            // Keys missing or expired, a template fault: the server's configuration, said plainly.
            StoreError::Issuing { .. } => StatusCode::SERVICE_UNAVAILABLE,
        };
        // A failure on our side (the database, or keys missing for a form) is logged with a request
        // id; the client gets the id and the stable code, not the cause (paths, SQL).
        if status.is_server_error() {
            let request_id = request_id();
            // The cause is logged with the request id; the client gets only the id.
            tracing::error!(request_id = %request_id, error = %error, "request failed");
            return AppError {
                status,
                code: error.code().to_owned(),
                message: format!("lỗi hệ thống, mã yêu cầu {request_id} / internal error, request id {request_id}"),
            };
        }
        AppError { status, code: error.code().to_owned(), message: error.to_string() }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        (self.status, Json(ErrorBody { error: ErrorDetail { code: self.code, message: self.message } })).into_response()
    }
}
