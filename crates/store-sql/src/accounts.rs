//! Accounts, sessions and API tokens as stored.

use app::accounts::{Principal, SessionRecord, TokenRecord, UserRecord};
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

/// The account statements both engines run, written once: expands, in a backend's module, to
/// one function per statement group, each taking the executor (a pool, a connection, a
/// transaction) the backend chooses. `$db` is the engine (`sqlx::Sqlite`, `sqlx::Postgres`),
/// `$query` the function that prepares a statement (`sqlx::query`, or the PostgreSQL backend's
/// pooler-aware `pg_query`). Functions that run several statements take a connection and expect
/// the caller's transaction around them.
#[macro_export]
macro_rules! account_statements {
    ($db:ty, $query:path) => {
        /// Inserts an account; `USER_EXISTS` if the login is taken (one statement: the unique
        /// login decides, so two concurrent creations cannot both win).
        pub(crate) async fn insert_user<'e>(
            executor: impl ::sqlx::Executor<'e, Database = $db>,
            user: &::app::accounts::NewUser,
        ) -> ::app::StoreResult<i64> {
            let row = $query(
                "INSERT INTO users (login, display_name, password_hash, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (login) DO NOTHING RETURNING id",
            )
            .bind(&user.login)
            .bind(&user.display_name)
            .bind(&user.password_hash)
            .bind(::app::micros(user.created_at))
            .fetch_optional(executor)
            .await
            .map_err($crate::database)?;
            match row {
                Some(row) => $crate::Columns::column(&row, "id"),
                None => Err($crate::accounts::user_exists(&user.login)),
            }
        }

        /// The account whose `column` (`login` or `id`) is `value`.
        pub(crate) async fn select_user<'e, T>(
            executor: impl ::sqlx::Executor<'e, Database = $db>,
            column: &'static str,
            value: T,
        ) -> ::app::StoreResult<Option<::app::accounts::UserRecord>>
        where
            T: 'e + Send + ::sqlx::Encode<'e, $db> + ::sqlx::Type<$db>,
        {
            let sql = format!("SELECT {} FROM users WHERE {column} = $1", $crate::accounts::USER_COLUMNS);
            let row = $query(::sqlx::AssertSqlSafe(sql))
                .bind(value)
                .fetch_optional(executor)
                .await
                .map_err($crate::database)?;
            row.as_ref().map($crate::accounts::user_record).transpose()
        }

        /// Every account, by login.
        pub(crate) async fn select_users<'e>(
            executor: impl ::sqlx::Executor<'e, Database = $db>,
        ) -> ::app::StoreResult<Vec<::app::accounts::UserRecord>> {
            let sql = format!("SELECT {} FROM users ORDER BY login", $crate::accounts::USER_COLUMNS);
            let rows = $query(::sqlx::AssertSqlSafe(sql)).fetch_all(executor).await.map_err($crate::database)?;
            rows.iter().map($crate::accounts::user_record).collect()
        }

        /// Sets the password hash, clears failures and the lock, ends the account's sessions.
        pub(crate) async fn update_password(
            connection: &mut <$db as ::sqlx::Database>::Connection,
            user_id: i64,
            password_hash: &str,
        ) -> ::app::StoreResult<()> {
            let updated =
                $query("UPDATE users SET password_hash = $1, failed_logins = 0, locked_until = NULL WHERE id = $2")
                    .bind(password_hash)
                    .bind(user_id)
                    .execute(&mut *connection)
                    .await
                    .map_err($crate::database)?;
            if updated.rows_affected() == 0 {
                return Err($crate::accounts::user_not_found(user_id));
            }
            delete_sessions_of(connection, user_id).await
        }

        /// Disables or enables an account; disabling ends its sessions.
        pub(crate) async fn update_disabled(
            connection: &mut <$db as ::sqlx::Database>::Connection,
            user_id: i64,
            disabled: bool,
        ) -> ::app::StoreResult<()> {
            let updated = $query("UPDATE users SET disabled = $1 WHERE id = $2")
                .bind(disabled)
                .bind(user_id)
                .execute(&mut *connection)
                .await
                .map_err($crate::database)?;
            if updated.rows_affected() == 0 {
                return Err($crate::accounts::user_not_found(user_id));
            }
            if disabled {
                delete_sessions_of(connection, user_id).await?;
            }
            Ok(())
        }

        /// Ends every session of an account.
        pub(crate) async fn delete_sessions_of(
            connection: &mut <$db as ::sqlx::Database>::Connection,
            user_id: i64,
        ) -> ::app::StoreResult<()> {
            $query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *connection)
                .await
                .map_err($crate::database)?;
            Ok(())
        }

        /// Adds a grant; false if it was there.
        pub(crate) async fn insert_grant<'e>(
            executor: impl ::sqlx::Executor<'e, Database = $db>,
            user_id: i64,
            role: &str,
            unit_id: i64,
        ) -> ::app::StoreResult<bool> {
            let inserted = $query(
                "INSERT INTO user_grants (user_id, role, unit_id) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_id, role, unit_id) DO NOTHING",
            )
            .bind(user_id)
            .bind(role)
            .bind(unit_id)
            .execute(executor)
            .await
            .map_err($crate::database)?;
            Ok(inserted.rows_affected() == 1)
        }

        /// Removes a grant; false if it was not there.
        pub(crate) async fn delete_grant<'e>(
            executor: impl ::sqlx::Executor<'e, Database = $db>,
            user_id: i64,
            role: &str,
            unit_id: i64,
        ) -> ::app::StoreResult<bool> {
            let deleted = $query("DELETE FROM user_grants WHERE user_id = $1 AND role = $2 AND unit_id = $3")
                .bind(user_id)
                .bind(role)
                .bind(unit_id)
                .execute(executor)
                .await
                .map_err($crate::database)?;
            Ok(deleted.rows_affected() == 1)
        }

        /// An account's grants as (role name, unit id), ordered.
        pub(crate) async fn select_grants<'e>(
            executor: impl ::sqlx::Executor<'e, Database = $db>,
            user_id: i64,
        ) -> ::app::StoreResult<Vec<(String, i64)>> {
            let rows = $query("SELECT role, unit_id FROM user_grants WHERE user_id = $1 ORDER BY role, unit_id")
                .bind(user_id)
                .fetch_all(executor)
                .await
                .map_err($crate::database)?;
            rows.iter()
                .map(|row| Ok(($crate::Columns::column(row, "role")?, $crate::Columns::column(row, "unit_id")?)))
                .collect()
        }

        /// Counts a failed log-in and sets the lock from the new count; returns the count.
        pub(crate) async fn update_login_failure(
            connection: &mut <$db as ::sqlx::Database>::Connection,
            user_id: i64,
            locked_until: &(dyn Fn(i64) -> Option<::jiff::Timestamp> + Send + Sync),
        ) -> ::app::StoreResult<i64> {
            let row =
                $query("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins")
                    .bind(user_id)
                    .fetch_optional(&mut *connection)
                    .await
                    .map_err($crate::database)?
                    .ok_or_else(|| $crate::accounts::user_not_found(user_id))?;
            let failures: i64 = $crate::Columns::column(&row, "failed_logins")?;
            $query("UPDATE users SET locked_until = $1 WHERE id = $2")
                .bind($crate::optional_micros(locked_until(failures)))
                .bind(user_id)
                .execute(&mut *connection)
                .await
                .map_err($crate::database)?;
            Ok(failures)
        }

        /// Clears failures and the lock.
        pub(crate) async fn update_login_success<'e>(
            executor: impl ::sqlx::Executor<'e, Database = $db>,
            user_id: i64,
        ) -> ::app::StoreResult<()> {
            let updated = $query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
                .bind(user_id)
                .execute(executor)
                .await
                .map_err($crate::database)?;
            if updated.rows_affected() == 0 {
                return Err($crate::accounts::user_not_found(user_id));
            }
            Ok(())
        }

        /// Stores a session, deleting the sessions that expired before it started.
        pub(crate) async fn insert_session(
            connection: &mut <$db as ::sqlx::Database>::Connection,
            session: &::app::accounts::SessionRecord,
        ) -> ::app::StoreResult<()> {
            $query("DELETE FROM sessions WHERE expires_at < $1")
                .bind(::app::micros(session.created_at))
                .execute(&mut *connection)
                .await
                .map_err($crate::database)?;
            $query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&session.token_hash)
            .bind(session.user_id)
            .bind(&session.csrf_token)
            .bind(::app::micros(session.created_at))
            .bind(::app::micros(session.expires_at))
            .execute(&mut *connection)
            .await
            .map_err($crate::database)?;
            Ok(())
        }

        /// A session by token hash.
        pub(crate) async fn select_session<'e>(
            executor: impl ::sqlx::Executor<'e, Database = $db>,
            token_hash: &str,
        ) -> ::app::StoreResult<Option<::app::accounts::SessionRecord>> {
            let row = $query(
                "SELECT token_hash, user_id, csrf_token, created_at, expires_at FROM sessions WHERE token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(executor)
            .await
            .map_err($crate::database)?;
            row.as_ref().map($crate::accounts::session_record).transpose()
        }

        /// Ends a session.
        pub(crate) async fn delete_session<'e>(
            executor: impl ::sqlx::Executor<'e, Database = $db>,
            token_hash: &str,
        ) -> ::app::StoreResult<()> {
            $query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(executor)
                .await
                .map_err($crate::database)?;
            Ok(())
        }

        /// Stores an API token; its id.
        pub(crate) async fn insert_token<'e>(
            executor: impl ::sqlx::Executor<'e, Database = $db>,
            token: &::app::accounts::NewToken,
        ) -> ::app::StoreResult<i64> {
            let roles = $crate::accounts::roles_text(&token.roles)?;
            let row = $query(
                "INSERT INTO api_tokens (token_hash, user_id, name, roles, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(&token.token_hash)
            .bind(token.user_id)
            .bind(&token.name)
            .bind(roles)
            .bind(::app::micros(token.created_at))
            .fetch_one(executor)
            .await
            .map_err($crate::database)?;
            $crate::Columns::column(&row, "id")
        }

        /// An API token by hash.
        pub(crate) async fn select_token<'e>(
            executor: impl ::sqlx::Executor<'e, Database = $db>,
            token_hash: &str,
        ) -> ::app::StoreResult<Option<::app::accounts::TokenRecord>> {
            let sql = format!("SELECT {} FROM api_tokens WHERE token_hash = $1", $crate::accounts::TOKEN_COLUMNS);
            let row = $query(::sqlx::AssertSqlSafe(sql))
                .bind(token_hash)
                .fetch_optional(executor)
                .await
                .map_err($crate::database)?;
            row.as_ref().map($crate::accounts::token_record).transpose()
        }

        /// An API token with its account and grants, in one query.
        pub(crate) async fn select_token_principal<'e>(
            executor: impl ::sqlx::Executor<'e, Database = $db>,
            token_hash: &str,
        ) -> ::app::StoreResult<Option<::app::accounts::Principal<::app::accounts::TokenRecord>>> {
            let rows = $query(::sqlx::AssertSqlSafe($crate::accounts::token_principal_sql()))
                .bind(token_hash)
                .fetch_all(executor)
                .await
                .map_err($crate::database)?;
            $crate::accounts::token_principal(&rows)
        }

        /// A session with its account and grants, in one query.
        pub(crate) async fn select_session_principal<'e>(
            executor: impl ::sqlx::Executor<'e, Database = $db>,
            token_hash: &str,
        ) -> ::app::StoreResult<Option<::app::accounts::Principal<::app::accounts::SessionRecord>>> {
            let rows = $query(::sqlx::AssertSqlSafe($crate::accounts::session_principal_sql()))
                .bind(token_hash)
                .fetch_all(executor)
                .await
                .map_err($crate::database)?;
            $crate::accounts::session_principal(token_hash, &rows)
        }

        /// An account's API tokens.
        pub(crate) async fn select_tokens_of<'e>(
            executor: impl ::sqlx::Executor<'e, Database = $db>,
            user_id: i64,
        ) -> ::app::StoreResult<Vec<::app::accounts::TokenRecord>> {
            let sql =
                format!("SELECT {} FROM api_tokens WHERE user_id = $1 ORDER BY id", $crate::accounts::TOKEN_COLUMNS);
            let rows =
                $query(::sqlx::AssertSqlSafe(sql)).bind(user_id).fetch_all(executor).await.map_err($crate::database)?;
            rows.iter().map($crate::accounts::token_record).collect()
        }

        /// Revokes a token; false if unknown or already revoked.
        pub(crate) async fn update_token_revoked<'e>(
            executor: impl ::sqlx::Executor<'e, Database = $db>,
            token_id: i64,
            at: ::jiff::Timestamp,
        ) -> ::app::StoreResult<bool> {
            let updated = $query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(::app::micros(at))
                .bind(token_id)
                .execute(executor)
                .await
                .map_err($crate::database)?;
            Ok(updated.rows_affected() == 1)
        }
    };
}

/// The token principal query (one row per grant).
pub fn token_principal_sql() -> String {
    format!(
        "SELECT {PRINCIPAL_USER}, t.id AS token_id, t.name AS token_name, t.roles AS token_roles, \
         t.created_at AS token_created_at, t.revoked_at AS token_revoked_at, \
         g.role AS grant_role, g.unit_id AS grant_unit \
         FROM api_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN user_grants g ON g.user_id = u.id \
         WHERE t.token_hash = $1 ORDER BY g.role, g.unit_id"
    )
}

/// The session principal query (one row per grant).
pub fn session_principal_sql() -> String {
    format!(
        "SELECT {PRINCIPAL_USER}, s.csrf_token, s.created_at AS session_created_at, \
         s.expires_at AS session_expires_at, g.role AS grant_role, g.unit_id AS grant_unit \
         FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN user_grants g ON g.user_id = u.id \
         WHERE s.token_hash = $1 ORDER BY g.role, g.unit_id"
    )
}

/// The principal of a token principal query's rows.
pub fn token_principal<R: Columns>(rows: &[R]) -> StoreResult<Option<Principal<TokenRecord>>> {
    let Some(first) = rows.first() else { return Ok(None) };
    let credential = TokenRecord {
        id: first.column("token_id")?,
        user_id: first.column("id")?,
        name: first.column("token_name")?,
        roles: roles_of(first.column("token_roles")?),
        created_at: instant_of(first.column("token_created_at")?)?,
        revoked_at: optional_instant(first.column("token_revoked_at")?)?,
    };
    Ok(Some(Principal { credential, user: user_record(first)?, grants: principal_grants(rows)? }))
}

/// The principal of a session principal query's rows.
pub fn session_principal<R: Columns>(token_hash: &str, rows: &[R]) -> StoreResult<Option<Principal<SessionRecord>>> {
    let Some(first) = rows.first() else { return Ok(None) };
    let credential = SessionRecord {
        token_hash: token_hash.to_owned(),
        user_id: first.column("id")?,
        csrf_token: first.column("csrf_token")?,
        created_at: instant_of(first.column("session_created_at")?)?,
        expires_at: instant_of(first.column("session_expires_at")?)?,
    };
    Ok(Some(Principal { credential, user: user_record(first)?, grants: principal_grants(rows)? }))
}
