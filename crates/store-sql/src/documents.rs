//! Submitted and issued documents as stored.

use app::{DocumentRecord, IssuedRecord, StoreResult, instant_of};

use crate::Columns;

/// The columns of `issued_documents` an [`IssuedRecord`] is read from.
pub const ISSUED_COLUMNS: &str = "code, seq, form, name, size, sha256, signatures, issued_at";

/// An issued document of a row with [`ISSUED_COLUMNS`].
pub fn issued_record(row: &impl Columns) -> StoreResult<IssuedRecord> {
    Ok(IssuedRecord {
        code: row.column("code")?,
        seq: row.column("seq")?,
        form: row.column("form")?,
        name: row.column("name")?,
        size: row.column("size")?,
        sha256: row.column("sha256")?,
        signatures: row.column("signatures")?,
        issued_at: instant_of(row.column("issued_at")?)?,
    })
}

/// A submitted file of a row of `documents`.
pub fn document_record(row: &impl Columns) -> StoreResult<DocumentRecord> {
    Ok(DocumentRecord {
        seq: row.column("seq")?,
        name: row.column("name")?,
        content_type: row.column("content_type")?,
        size: row.column("size")?,
        sha256: row.column("sha256")?,
    })
}

/// The document statements both engines run (see [`crate::account_statements`] for the
/// parameters). The inserts run inside the dossier write's transaction.
#[macro_export]
macro_rules! document_statements {
    ($db:ty, $query:path) => {
        /// The files of a dossier, in order.
        pub(crate) async fn select_documents<'e>(
            executor: impl ::sqlx::Executor<'e, Database = $db>,
            code: &str,
        ) -> ::app::StoreResult<Vec<::app::DocumentRecord>> {
            let rows = $query(
                "SELECT seq, name, content_type, size, sha256 FROM documents \
                 WHERE unit_id = (SELECT unit_id FROM dossiers WHERE code = $1) AND code = $1 ORDER BY seq",
            )
            .bind(code)
            .fetch_all(executor)
            .await
            .map_err($crate::database)?;
            rows.iter().map($crate::documents::document_record).collect()
        }

        /// One file of a dossier with its content.
        pub(crate) async fn select_document_content<'e>(
            executor: impl ::sqlx::Executor<'e, Database = $db>,
            code: &str,
            seq: i64,
        ) -> ::app::StoreResult<Option<(::app::DocumentRecord, Vec<u8>)>> {
            let row = $query(
                "SELECT seq, name, content_type, size, sha256, content FROM documents \
                 WHERE unit_id = (SELECT unit_id FROM dossiers WHERE code = $1) AND code = $1 AND seq = $2",
            )
            .bind(code)
            .bind(seq)
            .fetch_optional(executor)
            .await
            .map_err($crate::database)?;
            row.map(|row| Ok(($crate::documents::document_record(&row)?, $crate::Columns::column(&row, "content")?)))
                .transpose()
        }

        /// The documents issued for a dossier, in event order.
        pub(crate) async fn select_issued<'e>(
            executor: impl ::sqlx::Executor<'e, Database = $db>,
            code: &str,
        ) -> ::app::StoreResult<Vec<::app::IssuedRecord>> {
            let sql = format!(
                "SELECT {} FROM issued_documents \
                 WHERE unit_id = (SELECT unit_id FROM dossiers WHERE code = $1) AND code = $1 ORDER BY seq",
                $crate::documents::ISSUED_COLUMNS
            );
            let rows =
                $query(::sqlx::AssertSqlSafe(sql)).bind(code).fetch_all(executor).await.map_err($crate::database)?;
            rows.iter().map($crate::documents::issued_record).collect()
        }

        /// One issued document of a dossier with its content.
        pub(crate) async fn select_issued_content<'e>(
            executor: impl ::sqlx::Executor<'e, Database = $db>,
            code: &str,
            seq: i64,
        ) -> ::app::StoreResult<Option<(::app::IssuedRecord, Vec<u8>)>> {
            let sql = format!(
                "SELECT {}, content FROM issued_documents \
                 WHERE unit_id = (SELECT unit_id FROM dossiers WHERE code = $1) AND code = $1 AND seq = $2",
                $crate::documents::ISSUED_COLUMNS
            );
            let row = $query(::sqlx::AssertSqlSafe(sql))
                .bind(code)
                .bind(seq)
                .fetch_optional(executor)
                .await
                .map_err($crate::database)?;
            row.map(|row| Ok(($crate::documents::issued_record(&row)?, $crate::Columns::column(&row, "content")?)))
                .transpose()
        }

        /// The issued documents whose content has this SHA-256.
        pub(crate) async fn select_issued_by_hash<'e>(
            executor: impl ::sqlx::Executor<'e, Database = $db>,
            sha256: &str,
        ) -> ::app::StoreResult<Vec<::app::IssuedRecord>> {
            let sql = format!(
                "SELECT {} FROM issued_documents WHERE sha256 = $1 ORDER BY code, seq",
                $crate::documents::ISSUED_COLUMNS
            );
            let rows =
                $query(::sqlx::AssertSqlSafe(sql)).bind(sha256).fetch_all(executor).await.map_err($crate::database)?;
            rows.iter().map($crate::documents::issued_record).collect()
        }

        /// Stores the files submitted with a new dossier.
        pub(crate) async fn insert_documents(
            connection: &mut <$db as ::sqlx::Database>::Connection,
            unit_id: i64,
            code: &str,
            documents: &[::app::NewDocument],
        ) -> ::app::StoreResult<()> {
            for (index, document) in documents.iter().enumerate() {
                $query(
                    "INSERT INTO documents (unit_id, code, seq, name, content_type, size, sha256, content) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(unit_id)
                .bind(code)
                .bind(i64::try_from(index + 1).unwrap_or(i64::MAX))
                .bind(&document.name)
                .bind(&document.content_type)
                .bind(i64::try_from(document.content.len()).unwrap_or(i64::MAX))
                .bind($crate::documents::sha256_hex(&document.content))
                .bind(&document.content)
                .execute(&mut *connection)
                .await
                .map_err($crate::database)?;
            }
            Ok(())
        }

        /// Stores a document issued by an event, after checking it is what the event says.
        pub(crate) async fn insert_issued(
            connection: &mut <$db as ::sqlx::Database>::Connection,
            unit_id: i64,
            code: &str,
            event: &::domain::dossier::Event,
            issued: &::app::IssuedDocument,
        ) -> ::app::StoreResult<()> {
            ::app::check_issued(event, issued)?;
            $query(
                "INSERT INTO issued_documents \
                 (unit_id, code, seq, form, name, size, sha256, signatures, issued_at, content) \
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
            .bind(::app::micros(event.at))
            .bind(&issued.content)
            .execute(&mut *connection)
            .await
            .map_err($crate::database)?;
            Ok(())
        }
    };
}

/// Lower-case hex SHA-256 of a content.
pub fn sha256_hex(content: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(content))
}
