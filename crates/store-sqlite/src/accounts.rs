//! Accounts, grants, sessions and API tokens on SQLite: the shared statements
//! ([`store_sql::account_statements`]) on the writer pool, the reader pool or a write transaction.

use crate::prelude::*;

store_sql::account_statements!(sqlx::Sqlite, sqlx::query);

#[async_trait]
impl app::AccountStore for SqliteStore {
    async fn create_user(&self, user: &NewUser) -> StoreResult<i64> {
        insert_user(&self.writer, user).await
    }

    async fn user_by_login(&self, login: &str) -> StoreResult<Option<UserRecord>> {
        select_user(&self.reader, "login", login).await
    }

    async fn user_by_id(&self, id: i64) -> StoreResult<Option<UserRecord>> {
        select_user(&self.reader, "id", id).await
    }

    async fn list_users(&self) -> StoreResult<Vec<UserRecord>> {
        select_users(&self.reader).await
    }

    async fn set_password(&self, user_id: i64, password_hash: &str) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        update_password(&mut tx, user_id, password_hash).await?;
        tx.commit().await.map_err(database)
    }

    async fn set_disabled(&self, user_id: i64, disabled: bool) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        update_disabled(&mut tx, user_id, disabled).await?;
        tx.commit().await.map_err(database)
    }

    async fn add_grant(&self, user_id: i64, role: &str, unit_id: i64) -> StoreResult<bool> {
        insert_grant(&self.writer, user_id, role, unit_id).await
    }

    async fn remove_grant(&self, user_id: i64, role: &str, unit_id: i64) -> StoreResult<bool> {
        delete_grant(&self.writer, user_id, role, unit_id).await
    }

    async fn grants_of(&self, user_id: i64) -> StoreResult<Vec<(String, i64)>> {
        select_grants(&self.reader, user_id).await
    }

    async fn record_login_failure(
        &self,
        user_id: i64,
        locked_until: &(dyn Fn(i64) -> Option<Timestamp> + Send + Sync),
    ) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let failures = update_login_failure(&mut tx, user_id, locked_until).await?;
        tx.commit().await.map_err(database)?;
        Ok(failures)
    }

    async fn record_login_success(&self, user_id: i64) -> StoreResult<()> {
        update_login_success(&self.writer, user_id).await
    }

    async fn create_session(&self, session: &SessionRecord) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_session(&mut tx, session).await?;
        tx.commit().await.map_err(database)
    }

    async fn session(&self, token_hash: &str) -> StoreResult<Option<SessionRecord>> {
        select_session(&self.reader, token_hash).await
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        delete_session(&self.writer, token_hash).await
    }

    async fn create_token(&self, token: &NewToken) -> StoreResult<i64> {
        insert_token(&self.writer, token).await
    }

    async fn token(&self, token_hash: &str) -> StoreResult<Option<TokenRecord>> {
        select_token(&self.reader, token_hash).await
    }

    async fn token_principal(&self, token_hash: &str) -> StoreResult<Option<Principal<TokenRecord>>> {
        select_token_principal(&self.reader, token_hash).await
    }

    async fn session_principal(&self, token_hash: &str) -> StoreResult<Option<Principal<SessionRecord>>> {
        select_session_principal(&self.reader, token_hash).await
    }

    async fn tokens_of(&self, user_id: i64) -> StoreResult<Vec<TokenRecord>> {
        select_tokens_of(&self.reader, user_id).await
    }

    async fn revoke_token(&self, token_id: i64, at: Timestamp) -> StoreResult<bool> {
        update_token_revoked(&self.writer, token_id, at).await
    }
}
