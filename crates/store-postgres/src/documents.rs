//! Submitted files and issued documents on PostgreSQL: the shared statements
//! ([`store_sql::document_statements`]); the inserts run inside their dossier's write.

use crate::prelude::*;

store_sql::document_statements!(sqlx::Postgres, pg_query);

#[async_trait]
impl app::DocumentStore for PostgresStore {
    async fn documents(&self, code: &str) -> StoreResult<Vec<app::DocumentRecord>> {
        select_documents(&mut *self.session().await?, code).await
    }

    async fn document_content(&self, code: &str, seq: i64) -> StoreResult<Option<(app::DocumentRecord, Vec<u8>)>> {
        select_document_content(&mut *self.session().await?, code, seq).await
    }

    async fn issued_documents(&self, code: &str) -> StoreResult<Vec<app::IssuedRecord>> {
        select_issued(&mut *self.session().await?, code).await
    }

    async fn issued_content(&self, code: &str, seq: i64) -> StoreResult<Option<(app::IssuedRecord, Vec<u8>)>> {
        select_issued_content(&mut *self.session().await?, code, seq).await
    }

    async fn issued_by_hash(&self, sha256: &str) -> StoreResult<Vec<app::IssuedRecord>> {
        select_issued_by_hash(&mut *self.session().await?, sha256).await
    }
}
