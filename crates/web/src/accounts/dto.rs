//! The JSON shapes of log-in and the current account.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A log-in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Login name.
    #[schema(min_length = 1, max_length = 64)]
    pub login: String,
    /// Password.
    #[schema(min_length = 1, max_length = 128)]
    pub password: String,
}

/// A role granted on a unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct GrantDto {
    /// Role: desk_officer, processing_officer, unit_head, city_leader, inspector, administrator,
    /// integrator.
    pub role: String,
    /// Unit id it covers (with its subtree).
    pub unit_id: i64,
}

/// The current account.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDto {
    /// Login name.
    pub login: String,
    /// Display name (empty for an API token).
    pub display_name: String,
    /// Roles.
    pub grants: Vec<GrantDto>,
    /// The CSRF token to send as `X-CSRF-Token` on state-changing requests (sessions only).
    pub csrf_token: Option<String>,
}
