//! Accounts, grants, sessions and API tokens on PostgreSQL.

use crate::prelude::*;

#[async_trait]
impl app::AccountStore for PostgresStore {
    async fn create_user(&self, user: &NewUser) -> StoreResult<i64> {
        // One statement: the unique login decides, so two concurrent creations cannot both win.
        let mut session = self.session().await?;
        let row = pg_query(
            "INSERT INTO users (login, display_name, password_hash, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (login) DO NOTHING RETURNING id",
        )
        .bind(&user.login)
        .bind(&user.display_name)
        .bind(&user.password_hash)
        .bind(micros(user.created_at))
        .fetch_optional(&mut *session)
        .await
        .map_err(database)?;
        session.end().await?;
        match row {
            Some(row) => column(&row, "id"),
            None => Err(user_exists(&user.login)),
        }
    }

    async fn user_by_login(&self, login: &str) -> StoreResult<Option<UserRecord>> {
        let row = pg_query(AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE login = $1")))
            .bind(login)
            .fetch_optional(&mut *self.session().await?)
            .await
            .map_err(database)?;
        row.as_ref().map(user_record).transpose()
    }

    async fn user_by_id(&self, id: i64) -> StoreResult<Option<UserRecord>> {
        let row = pg_query(AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")))
            .bind(id)
            .fetch_optional(&mut *self.session().await?)
            .await
            .map_err(database)?;
        row.as_ref().map(user_record).transpose()
    }

    async fn list_users(&self) -> StoreResult<Vec<UserRecord>> {
        let rows = pg_query(AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users ORDER BY login")))
            .fetch_all(&mut *self.session().await?)
            .await
            .map_err(database)?;
        rows.iter().map(user_record).collect()
    }

    async fn set_password(&self, user_id: i64, password_hash: &str) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let updated =
            pg_query("UPDATE users SET password_hash = $1, failed_logins = 0, locked_until = NULL WHERE id = $2")
                .bind(password_hash)
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(database)?;
        if updated.rows_affected() == 0 {
            return Err(user_not_found(user_id));
        }
        end_sessions(&mut tx, user_id).await?;
        tx.commit().await.map_err(database)
    }

    async fn set_disabled(&self, user_id: i64, disabled: bool) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let updated = pg_query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(disabled)
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(database)?;
        if updated.rows_affected() == 0 {
            return Err(user_not_found(user_id));
        }
        if disabled {
            end_sessions(&mut tx, user_id).await?;
        }
        tx.commit().await.map_err(database)
    }

    async fn add_grant(&self, user_id: i64, role: &str, unit_id: i64) -> StoreResult<bool> {
        let mut session = self.session().await?;
        let inserted = pg_query(
            "INSERT INTO user_grants (user_id, role, unit_id) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, role, unit_id) DO NOTHING",
        )
        .bind(user_id)
        .bind(role)
        .bind(unit_id)
        .execute(&mut *session)
        .await
        .map_err(database)?;
        session.end().await?;
        Ok(inserted.rows_affected() == 1)
    }

    async fn remove_grant(&self, user_id: i64, role: &str, unit_id: i64) -> StoreResult<bool> {
        let mut session = self.session().await?;
        let deleted = pg_query("DELETE FROM user_grants WHERE user_id = $1 AND role = $2 AND unit_id = $3")
            .bind(user_id)
            .bind(role)
            .bind(unit_id)
            .execute(&mut *session)
            .await
            .map_err(database)?;
        session.end().await?;
        Ok(deleted.rows_affected() == 1)
    }

    async fn grants_of(&self, user_id: i64) -> StoreResult<Vec<(String, i64)>> {
        let rows = pg_query("SELECT role, unit_id FROM user_grants WHERE user_id = $1 ORDER BY role, unit_id")
            .bind(user_id)
            .fetch_all(&mut *self.session().await?)
            .await
            .map_err(database)?;
        rows.iter().map(|row| Ok((column(row, "role")?, column(row, "unit_id")?))).collect()
    }

    async fn record_login_failure(
        &self,
        user_id: i64,
        locked_until: &(dyn Fn(i64) -> Option<Timestamp> + Send + Sync),
    ) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let failures: i64 =
            pg_query("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(database)?
                .ok_or_else(|| user_not_found(user_id))?
                .try_get("failed_logins")
                .map_err(database)?;
        pg_query("UPDATE users SET locked_until = $1 WHERE id = $2")
            .bind(optional_micros(locked_until(failures)))
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(database)?;
        tx.commit().await.map_err(database)?;
        Ok(failures)
    }

    async fn record_login_success(&self, user_id: i64) -> StoreResult<()> {
        let mut session = self.session().await?;
        let updated = pg_query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
            .bind(user_id)
            .execute(&mut *session)
            .await
            .map_err(database)?;
        session.end().await?;
        if updated.rows_affected() == 0 {
            return Err(user_not_found(user_id));
        }
        Ok(())
    }

    async fn create_session(&self, session: &SessionRecord) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        pg_query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(micros(session.created_at))
            .execute(&mut *tx)
            .await
            .map_err(database)?;
        pg_query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&session.token_hash)
        .bind(session.user_id)
        .bind(&session.csrf_token)
        .bind(micros(session.created_at))
        .bind(micros(session.expires_at))
        .execute(&mut *tx)
        .await
        .map_err(database)?;
        tx.commit().await.map_err(database)
    }

    async fn session(&self, token_hash: &str) -> StoreResult<Option<SessionRecord>> {
        let row = pg_query(
            "SELECT token_hash, user_id, csrf_token, created_at, expires_at FROM sessions WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&mut *self.session().await?)
        .await
        .map_err(database)?;
        row.as_ref().map(session_record).transpose()
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        let mut session = self.session().await?;
        pg_query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *session)
            .await
            .map_err(database)?;
        session.end().await
    }

    async fn create_token(&self, token: &NewToken) -> StoreResult<i64> {
        let roles = roles_text(&token.roles)?;
        let mut session = self.session().await?;
        let id = pg_query(
            "INSERT INTO api_tokens (token_hash, user_id, name, roles, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&token.token_hash)
        .bind(token.user_id)
        .bind(&token.name)
        .bind(roles)
        .bind(micros(token.created_at))
        .fetch_one(&mut *session)
        .await
        .map_err(database)?
        .try_get("id")
        .map_err(database)?;
        session.end().await?;
        Ok(id)
    }

    async fn token(&self, token_hash: &str) -> StoreResult<Option<TokenRecord>> {
        let row = pg_query(AssertSqlSafe(format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1")))
            .bind(token_hash)
            .fetch_optional(&mut *self.session().await?)
            .await
            .map_err(database)?;
        row.as_ref().map(token_record).transpose()
    }

    async fn token_principal(&self, token_hash: &str) -> StoreResult<Option<Principal<TokenRecord>>> {
        let rows = pg_query(AssertSqlSafe(format!(
            "SELECT {PRINCIPAL_USER}, t.id AS token_id, t.name AS token_name, t.roles AS token_roles, \
             t.created_at AS token_created_at, t.revoked_at AS token_revoked_at, \
             g.role AS grant_role, g.unit_id AS grant_unit \
             FROM api_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN user_grants g ON g.user_id = u.id \
             WHERE t.token_hash = $1 ORDER BY g.role, g.unit_id"
        )))
        .bind(token_hash)
        .fetch_all(&mut *self.session().await?)
        .await
        .map_err(database)?;
        let Some(first) = rows.first() else { return Ok(None) };
        let credential = TokenRecord {
            id: first.try_get("token_id").map_err(database)?,
            user_id: first.try_get("id").map_err(database)?,
            name: first.try_get("token_name").map_err(database)?,
            roles: roles_of(first.try_get("token_roles").map_err(database)?),
            created_at: instant_of(first.try_get("token_created_at").map_err(database)?)?,
            revoked_at: optional_instant(first.try_get("token_revoked_at").map_err(database)?)?,
        };
        Ok(Some(Principal { credential, user: user_record(first)?, grants: principal_grants(&rows)? }))
    }

    async fn session_principal(&self, token_hash: &str) -> StoreResult<Option<Principal<SessionRecord>>> {
        let rows = pg_query(AssertSqlSafe(format!(
            "SELECT {PRINCIPAL_USER}, s.csrf_token, s.created_at AS session_created_at, \
             s.expires_at AS session_expires_at, g.role AS grant_role, g.unit_id AS grant_unit \
             FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN user_grants g ON g.user_id = u.id \
             WHERE s.token_hash = $1 ORDER BY g.role, g.unit_id"
        )))
        .bind(token_hash)
        .fetch_all(&mut *self.session().await?)
        .await
        .map_err(database)?;
        let Some(first) = rows.first() else { return Ok(None) };
        let credential = SessionRecord {
            token_hash: token_hash.to_owned(),
            user_id: first.try_get("id").map_err(database)?,
            csrf_token: first.try_get("csrf_token").map_err(database)?,
            created_at: instant_of(first.try_get("session_created_at").map_err(database)?)?,
            expires_at: instant_of(first.try_get("session_expires_at").map_err(database)?)?,
        };
        Ok(Some(Principal { credential, user: user_record(first)?, grants: principal_grants(&rows)? }))
    }

    async fn tokens_of(&self, user_id: i64) -> StoreResult<Vec<TokenRecord>> {
        let rows =
            pg_query(AssertSqlSafe(format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY id")))
                .bind(user_id)
                .fetch_all(&mut *self.session().await?)
                .await
                .map_err(database)?;
        rows.iter().map(token_record).collect()
    }

    async fn revoke_token(&self, token_id: i64, at: Timestamp) -> StoreResult<bool> {
        let mut session = self.session().await?;
        let updated = pg_query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(micros(at))
            .bind(token_id)
            .execute(&mut *session)
            .await
            .map_err(database)?;
        session.end().await?;
        Ok(updated.rows_affected() == 1)
    }
}

/// Ends every session of an account (inside the caller's transaction).
pub(crate) async fn end_sessions(tx: &mut PgConnection, user_id: i64) -> StoreResult<()> {
    pg_query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await.map_err(database)?;
    Ok(())
}
