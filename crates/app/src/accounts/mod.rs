//! Staff accounts as stored: users with Argon2id password hashes, their role grants, browser
//! sessions and API tokens. Secrets (session and API tokens) are stored only as SHA-256 hashes;
//! the service ([`crate::service`]) makes and checks them.

pub mod auth;

use async_trait::async_trait;
use jiff::Timestamp;

use crate::StoreResult;

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

/// Storage of accounts, grants, sessions and API tokens.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates an account; `Domain("USER_EXISTS")` if the login is taken.
    async fn create_user(&self, user: &crate::accounts::NewUser) -> StoreResult<i64>;
    /// An account by login.
    async fn user_by_login(&self, login: &str) -> StoreResult<Option<crate::accounts::UserRecord>>;
    /// An account by id.
    async fn user_by_id(&self, id: i64) -> StoreResult<Option<crate::accounts::UserRecord>>;
    /// Every account, by login.
    async fn list_users(&self) -> StoreResult<Vec<crate::accounts::UserRecord>>;
    /// Replaces the password hash, clears failures and the lock, and ends the account's sessions.
    async fn set_password(&self, user_id: i64, password_hash: &str) -> StoreResult<()>;
    /// Disables or enables an account; disabling ends its sessions.
    async fn set_disabled(&self, user_id: i64, disabled: bool) -> StoreResult<()>;
    /// Adds a grant (role name, unit id); false if it was there.
    async fn add_grant(&self, user_id: i64, role: &str, unit_id: i64) -> StoreResult<bool>;
    /// Removes a grant; false if it was not there.
    async fn remove_grant(&self, user_id: i64, role: &str, unit_id: i64) -> StoreResult<bool>;
    /// An account's grants as (role name, unit id), ordered.
    async fn grants_of(&self, user_id: i64) -> StoreResult<Vec<(String, i64)>>;
    /// Counts a failed log-in atomically and sets the lock to `locked_until(failures)`; returns
    /// the new number of failures.
    async fn record_login_failure(
        &self,
        user_id: i64,
        locked_until: &(dyn Fn(i64) -> Option<Timestamp> + Send + Sync),
    ) -> StoreResult<i64>;
    /// Clears failures and the lock after a successful log-in.
    async fn record_login_success(&self, user_id: i64) -> StoreResult<()>;
    /// Stores a session (and deletes sessions that expired before its start).
    async fn create_session(&self, session: &crate::accounts::SessionRecord) -> StoreResult<()>;
    /// A session by token hash (expired ones too: the caller checks).
    async fn session(&self, token_hash: &str) -> StoreResult<Option<crate::accounts::SessionRecord>>;
    /// Ends a session.
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;
    /// Stores an API token.
    async fn create_token(&self, token: &crate::accounts::NewToken) -> StoreResult<i64>;
    /// An API token by hash (revoked ones too: the caller checks).
    async fn token(&self, token_hash: &str) -> StoreResult<Option<crate::accounts::TokenRecord>>;
    /// An API token with its account and the account's grants, in one query (every API request
    /// asks this).
    async fn token_principal(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<crate::accounts::Principal<crate::accounts::TokenRecord>>>;
    /// A session with its account and the account's grants, in one query.
    async fn session_principal(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<crate::accounts::Principal<crate::accounts::SessionRecord>>>;
    /// An account's API tokens.
    async fn tokens_of(&self, user_id: i64) -> StoreResult<Vec<crate::accounts::TokenRecord>>;
    /// Revokes a token; false if unknown or already revoked.
    async fn revoke_token(&self, token_id: i64, at: Timestamp) -> StoreResult<bool>;
}
