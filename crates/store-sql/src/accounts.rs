//! Accounts, sessions and API tokens as stored.

use app::accounts::{SessionRecord, TokenRecord, UserRecord};
use app::{StoreError, StoreResult, instant_of};

use crate::{Columns, optional_instant};

/// The account's columns in a principal query (aliases as [`user_record`] reads them).
pub const PRINCIPAL_USER: &str = "u.id, u.login, u.display_name, u.password_hash, u.disabled, u.failed_logins, \
    u.locked_until, u.created_at";

/// The grants of a principal query's rows (one row per grant; none when the LEFT JOIN found none).
pub fn principal_grants<R: Columns>(rows: &[R]) -> StoreResult<Vec<(String, i64)>> {
    let mut grants = Vec::new();
    for row in rows {
        let role: Option<String> = row.column("grant_role")?;
        let unit: Option<i64> = row.column("grant_unit")?;
        if let (Some(role), Some(unit)) = (role, unit) {
            grants.push((role, unit));
        }
    }
    Ok(grants)
}

/// The columns a [`UserRecord`] is read from.
pub const USER_COLUMNS: &str =
    "id, login, display_name, password_hash, disabled, failed_logins, locked_until, created_at";

/// The columns a [`TokenRecord`] is read from.
pub const TOKEN_COLUMNS: &str = "id, user_id, name, roles, created_at, revoked_at";

/// The error of a login that is taken.
pub fn user_exists(login: &str) -> StoreError {
    StoreError::Domain(domain::DomainError::new(
        "USER_EXISTS",
        format!("tài khoản đã tồn tại / the login is taken: {login}"),
    ))
}

/// The error of an unknown account.
pub fn user_not_found(user_id: i64) -> StoreError {
    StoreError::NotFound(format!("tài khoản / account {user_id}"))
}

/// An account of a row with [`USER_COLUMNS`].
pub fn user_record(row: &impl Columns) -> StoreResult<UserRecord> {
    Ok(UserRecord {
        id: row.column("id")?,
        login: row.column("login")?,
        display_name: row.column("display_name")?,
        password_hash: row.column("password_hash")?,
        disabled: row.column("disabled")?,
        failed_logins: row.column("failed_logins")?,
        locked_until: optional_instant(row.column("locked_until")?)?,
        created_at: instant_of(row.column("created_at")?)?,
    })
}

/// A session of a row of `sessions`.
pub fn session_record(row: &impl Columns) -> StoreResult<SessionRecord> {
    Ok(SessionRecord {
        token_hash: row.column("token_hash")?,
        user_id: row.column("user_id")?,
        csrf_token: row.column("csrf_token")?,
        created_at: instant_of(row.column("created_at")?)?,
        expires_at: instant_of(row.column("expires_at")?)?,
    })
}

/// The stored form of a token's roles: their stable names, comma-separated. A name that is empty
/// or holds a comma would not read back as itself, so it is refused.
pub fn roles_text(roles: &[String]) -> StoreResult<String> {
    if let Some(bad) = roles.iter().find(|role| role.is_empty() || role.contains(',')) {
        return Err(StoreError::Database(format!("a role name cannot be stored: {bad:?}")));
    }
    Ok(roles.join(","))
}

/// A token's roles of their stored form.
pub fn roles_of(text: &str) -> Vec<String> {
    text.split(',').filter(|role| !role.is_empty()).map(str::to_owned).collect()
}

/// An API token of a row with [`TOKEN_COLUMNS`].
pub fn token_record(row: &impl Columns) -> StoreResult<TokenRecord> {
    Ok(TokenRecord {
        id: row.column("id")?,
        user_id: row.column("user_id")?,
        name: row.column("name")?,
        roles: roles_of(row.column("roles")?),
        created_at: instant_of(row.column("created_at")?)?,
        revoked_at: optional_instant(row.column("revoked_at")?)?,
    })
}
