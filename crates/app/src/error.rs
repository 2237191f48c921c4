//! The error of every store and service operation.

use domain::DomainError;
use domain::catalog::CatalogError;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A domain rule refused the operation; nothing was written.
    #[error("{0}")]
    Domain(#[from] DomainError),
    /// A catalogue file was refused; nothing was imported.
    #[error("{0}")]
    Catalog(#[from] CatalogError),
    /// The thing asked for does not exist.
    #[error("không tìm thấy / not found: {0}")]
    NotFound(String),
    /// Optimistic concurrency: the dossier changed since the client read it.
    #[error(
        "hồ sơ đã được cập nhật (phiên bản {actual}), vui lòng tải lại / the dossier changed (version {actual}, expected {expected}); reload it"
    )]
    Conflict {
        /// The version the client expected.
        expected: i64,
        /// The current version.
        actual: i64,
    },
    /// Who is asking is unknown, or the log-in failed (a stable code: `LOGIN_FAILED`,
    /// `ACCOUNT_LOCKED`, `ACCOUNT_DISABLED`, ...).
    #[error("{0}")]
    Unauthenticated(DomainError),
    /// The actor's roles do not allow this (on this unit).
    #[error("không có quyền / not allowed: {0}")]
    Forbidden(String),
    /// The database failed.
    #[error("lỗi cơ sở dữ liệu / database error: {0}")]
    Database(String),
    /// The document a transition issues could not be rendered or signed (missing or expired
    /// keys, a template fault); nothing was written. A stable code: `SIGNING_KEYS_MISSING`,
    /// `CERTIFICATE_EXPIRED`, `DOCUMENT_RENDER_FAILED`, ...
    #[error("không phát hành được văn bản / the document could not be issued: {message}")]
    Issuing {
        /// Stable code.
        code: &'static str,
        /// What went wrong (no personal data).
        message: String,
    },
}

impl StoreError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Domain(error) => error.code,
            StoreError::Catalog(_) => "CATALOG_INVALID",
            StoreError::NotFound(_) => "NOT_FOUND",
            StoreError::Conflict { .. } => "DOSSIER_VERSION_CONFLICT",
            StoreError::Forbidden(_) => "ACCESS_DENIED",
            StoreError::Unauthenticated(error) => error.code,
            StoreError::Database(_) => "DATABASE_ERROR",
            StoreError::Issuing { code, .. } => code,
        }
    }
}

/// Result alias.
pub type StoreResult<T> = Result<T, StoreError>;
