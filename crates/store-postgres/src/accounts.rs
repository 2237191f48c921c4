//! Accounts, grants, sessions and API tokens on PostgreSQL: the shared statements
//! ([`store_sql::account_statements`]) in a [`Session`] or a write transaction.

use crate::prelude::*;

store_sql::account_statements!(sqlx::Postgres, pg_query);

#[async_trait]
impl app::AccountStore for PostgresStore {
    async fn create_user(&self, user: &NewUser) -> StoreResult<i64> {
        let mut session = self.session().await?;
        let id = insert_user(&mut *session, user).await?;
        session.end().await?;
        Ok(id)
    }

    async fn user_by_login(&self, login: &str) -> StoreResult<Option<UserRecord>> {
        select_user(&mut *self.session().await?, "login", login).await
    }

    async fn user_by_id(&self, id: i64) -> StoreResult<Option<UserRecord>> {
        select_user(&mut *self.session().await?, "id", id).await
    }

    async fn list_users(&self) -> StoreResult<Vec<UserRecord>> {
        select_users(&mut *self.session().await?).await
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
        let mut session = self.session().await?;
        let added = insert_grant(&mut *session, user_id, role, unit_id).await?;
        session.end().await?;
        Ok(added)
    }

    async fn remove_grant(&self, user_id: i64, role: &str, unit_id: i64) -> StoreResult<bool> {
        let mut session = self.session().await?;
        let removed = delete_grant(&mut *session, user_id, role, unit_id).await?;
        session.end().await?;
        Ok(removed)
    }

    async fn grants_of(&self, user_id: i64) -> StoreResult<Vec<(String, i64)>> {
        select_grants(&mut *self.session().await?, user_id).await
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
        let mut session = self.session().await?;
        update_login_success(&mut *session, user_id).await?;
        session.end().await
    }

    async fn create_session(&self, session: &SessionRecord) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_session(&mut tx, session).await?;
        tx.commit().await.map_err(database)
    }

    async fn session(&self, token_hash: &str) -> StoreResult<Option<SessionRecord>> {
        select_session(&mut *self.session().await?, token_hash).await
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        let mut session = self.session().await?;
        delete_session(&mut *session, token_hash).await?;
        session.end().await
    }

    async fn create_token(&self, token: &NewToken) -> StoreResult<i64> {
        let mut session = self.session().await?;
        let id = insert_token(&mut *session, token).await?;
        session.end().await?;
        Ok(id)
    }

    async fn token(&self, token_hash: &str) -> StoreResult<Option<TokenRecord>> {
        select_token(&mut *self.session().await?, token_hash).await
    }

    async fn token_principal(&self, token_hash: &str) -> StoreResult<Option<Principal<TokenRecord>>> {
        select_token_principal(&mut *self.session().await?, token_hash).await
    }

    async fn session_principal(&self, token_hash: &str) -> StoreResult<Option<Principal<SessionRecord>>> {
        select_session_principal(&mut *self.session().await?, token_hash).await
    }

    async fn tokens_of(&self, user_id: i64) -> StoreResult<Vec<TokenRecord>> {
        select_tokens_of(&mut *self.session().await?, user_id).await
    }

    async fn revoke_token(&self, token_id: i64, at: Timestamp) -> StoreResult<bool> {
        let mut session = self.session().await?;
        let revoked = update_token_revoked(&mut *session, token_id, at).await?;
        session.end().await?;
        Ok(revoked)
    }
}
