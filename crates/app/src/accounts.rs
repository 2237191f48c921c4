//! Staff accounts as stored: users with Argon2id password hashes, their role grants, browser
//! sessions and API tokens. Secrets (session and API tokens) are stored only as SHA-256 hashes;
//! the service ([`crate::service`]) makes and checks them.

use jiff::Timestamp;

/// A new account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Login name (unique, lower case ASCII letters, digits, `.`, `-`, `_`).
    pub login: String,
    /// Name shown to colleagues (never on public pages).
    pub display_name: String,
    /// PHC string of the Argon2id hash.
    pub password_hash: String,
    /// Creation instant.
    pub created_at: Timestamp,
}

/// An account as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Surrogate id.
    pub id: i64,
    /// Login name.
    pub login: String,
    /// Display name.
    pub display_name: String,
    /// PHC string of the Argon2id hash.
    pub password_hash: String,
    /// Disabled accounts cannot log in and their sessions and tokens stop working.
    pub disabled: bool,
    /// Failed log-ins since the last success.
    pub failed_logins: i64,
    /// No log-in is tried before this instant (backoff after failures).
    pub locked_until: Option<Timestamp>,
    /// Creation instant.
    pub created_at: Timestamp,
}

impl std::fmt::Debug for UserRecord {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("UserRecord")
            .field("id", &self.id)
            .field("login", &self.login)
            .field("disabled", &self.disabled)
            .field("failed_logins", &self.failed_logins)
            .field("locked_until", &self.locked_until)
            .finish_non_exhaustive()
    }
}

/// A browser session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// SHA-256 (hex) of the cookie's token.
    pub token_hash: String,
    /// The account.
    pub user_id: i64,
    /// The CSRF token every state-changing request of this session must carry.
    pub csrf_token: String,
    /// Start.
    pub created_at: Timestamp,
    /// End (absolute).
    pub expires_at: Timestamp,
}

/// A new API token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    /// SHA-256 (hex) of the token.
    pub token_hash: String,
    /// The account it acts as.
    pub user_id: i64,
    /// What it is for (e.g. `cong-dvc-quoc-gia`).
    pub name: String,
    /// The roles it may use: a subset of the account's (stable role names).
    pub roles: Vec<String>,
    /// Creation instant.
    pub created_at: Timestamp,
}

/// An API token as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// Surrogate id (to revoke it).
    pub id: i64,
    /// The account it acts as.
    pub user_id: i64,
    /// What it is for.
    pub name: String,
    /// The roles it may use.
    pub roles: Vec<String>,
    /// Creation instant.
    pub created_at: Timestamp,
    /// Revocation instant, if revoked.
    pub revoked_at: Option<Timestamp>,
}

/// A credential (token or session) with its account and the account's grants (role name, unit
/// id), as one request needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal<C> {
    /// The token or session.
    pub credential: C,
    /// The account.
    pub user: UserRecord,
    /// Its grants, ordered.
    pub grants: Vec<(String, i64)>,
}
