//! Submitted files and issued documents on PostgreSQL (written inside their dossier's write).

use crate::prelude::*;

pub(crate) async fn insert_issued(
    connection: &mut PgConnection,
    unit_id: i64,
    code: &str,
    event: &Event,
    issued: &app::IssuedDocument,
) -> StoreResult<()> {
    app::check_issued(event, issued)?;
    pg_query(
        "INSERT INTO issued_documents (unit_id, code, seq, form, name, size, sha256, signatures, issued_at, content) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(unit_id)
    .bind(code)
    .bind(event.seq)
    .bind(&issued.form)
    .bind(&issued.name)
    .bind(i64::try_from(issued.content.len()).unwrap_or(i64::MAX))
    .bind(&issued.sha256)
    .bind(issued.signatures)
    .bind(micros(event.at))
    .bind(&issued.content)
    .execute(&mut *connection)
    .await
    .map_err(database)?;
    Ok(())
}

#[async_trait]
impl app::DocumentStore for PostgresStore {
    async fn documents(&self, code: &str) -> StoreResult<Vec<app::DocumentRecord>> {
        let rows = pg_query(
            "SELECT seq, name, content_type, size, sha256 FROM documents \
             WHERE unit_id = (SELECT unit_id FROM dossiers WHERE code = $1) AND code = $1 ORDER BY seq",
        )
        .bind(code)
        .fetch_all(&mut *self.session().await?)
        .await
        .map_err(database)?;
        rows.iter().map(document_record).collect()
    }

    async fn document_content(&self, code: &str, seq: i64) -> StoreResult<Option<(app::DocumentRecord, Vec<u8>)>> {
        let row = pg_query(
            "SELECT seq, name, content_type, size, sha256, content FROM documents \
             WHERE unit_id = (SELECT unit_id FROM dossiers WHERE code = $1) AND code = $1 AND seq = $2",
        )
        .bind(code)
        .bind(seq)
        .fetch_optional(&mut *self.session().await?)
        .await
        .map_err(database)?;
        row.map(|row| Ok((document_record(&row)?, row.try_get("content").map_err(database)?))).transpose()
    }

    async fn issued_documents(&self, code: &str) -> StoreResult<Vec<app::IssuedRecord>> {
        let sql = format!(
            "SELECT {ISSUED_COLUMNS} FROM issued_documents \
             WHERE unit_id = (SELECT unit_id FROM dossiers WHERE code = $1) AND code = $1 ORDER BY seq"
        );
        let rows =
            pg_query(AssertSqlSafe(sql)).bind(code).fetch_all(&mut *self.session().await?).await.map_err(database)?;
        rows.iter().map(issued_record).collect()
    }

    async fn issued_content(&self, code: &str, seq: i64) -> StoreResult<Option<(app::IssuedRecord, Vec<u8>)>> {
        let sql = format!(
            "SELECT {ISSUED_COLUMNS}, content FROM issued_documents \
             WHERE unit_id = (SELECT unit_id FROM dossiers WHERE code = $1) AND code = $1 AND seq = $2"
        );
        let row = pg_query(AssertSqlSafe(sql))
            .bind(code)
            .bind(seq)
            .fetch_optional(&mut *self.session().await?)
            .await
            .map_err(database)?;
        row.map(|row| Ok((issued_record(&row)?, row.try_get("content").map_err(database)?))).transpose()
    }

    async fn issued_by_hash(&self, sha256: &str) -> StoreResult<Vec<app::IssuedRecord>> {
        let sql = format!("SELECT {ISSUED_COLUMNS} FROM issued_documents WHERE sha256 = $1 ORDER BY code, seq");
        let rows =
            pg_query(AssertSqlSafe(sql)).bind(sha256).fetch_all(&mut *self.session().await?).await.map_err(database)?;
        rows.iter().map(issued_record).collect()
    }
}

/// Stores the files submitted with a new dossier (inside its transaction).
pub(crate) async fn insert_documents(
    tx: &mut PgConnection,
    unit_id: i64,
    code: &str,
    documents: &[app::NewDocument],
) -> StoreResult<()> {
    use sha2::Digest;
    for (index, document) in documents.iter().enumerate() {
        pg_query(
            "INSERT INTO documents (unit_id, code, seq, name, content_type, size, sha256, content) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(unit_id)
        .bind(code)
        .bind(i64::try_from(index + 1).unwrap_or(i64::MAX))
        .bind(&document.name)
        .bind(&document.content_type)
        .bind(i64::try_from(document.content.len()).unwrap_or(i64::MAX))
        .bind(hex::encode(sha2::Sha256::digest(&document.content)))
        .bind(&document.content)
        .execute(&mut *tx)
        .await
        .map_err(database)?;
    }
    Ok(())
}
