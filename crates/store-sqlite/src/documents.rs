//! Submitted files and issued documents on SQLite: the shared statements
//! ([`store_sql::document_statements`]); the inserts run inside their dossier's write.

use crate::prelude::*;

store_sql::document_statements!(sqlx::Sqlite, sqlx::query);

#[async_trait]
impl app::DocumentStore for SqliteStore {
    async fn documents(&self, code: &str) -> StoreResult<Vec<app::DocumentRecord>> {
        select_documents(&self.reader, code).await
    }

    async fn document_content(&self, code: &str, seq: i64) -> StoreResult<Option<(app::DocumentRecord, Vec<u8>)>> {
        select_document_content(&self.reader, code, seq).await
    }

    async fn issued_documents(&self, code: &str) -> StoreResult<Vec<app::IssuedRecord>> {
        select_issued(&self.reader, code).await
    }

    async fn issued_content(&self, code: &str, seq: i64) -> StoreResult<Option<(app::IssuedRecord, Vec<u8>)>> {
        select_issued_content(&self.reader, code, seq).await
    }

    async fn issued_by_hash(&self, sha256: &str) -> StoreResult<Vec<app::IssuedRecord>> {
        select_issued_by_hash(&self.reader, sha256).await
    }
}
