//! The catalogue on SQLite: units and procedure versions, their import and reads.

use crate::prelude::*;

store_sql::catalogue_statements!(sqlx::Sqlite, sqlx::query);

#[async_trait]
impl app::CatalogueStore for SqliteStore {
    async fn known_structures(&self) -> StoreResult<BTreeSet<String>> {
        let rows = sqlx::query("SELECT id FROM structures").fetch_all(&self.reader).await.map_err(database)?;
        Ok(rows.iter().map(|row| row.get::<String, _>("id")).collect())
    }

    async fn import_catalog(&self, catalog: &Catalog) -> StoreResult<ImportReport> {
        let mut tx = self.begin().await?;
        upsert_structures_and_units(&mut tx, catalog).await?;
        sqlx::query(
            "UPDATE units SET parent_id = (SELECT p.id FROM units p WHERE p.structure = units.structure AND p.code = units.parent_code) \
             WHERE parent_code IS NOT NULL",
        )
        .execute(&mut *tx)
        .await
        .map_err(database)?;
        upsert_procedures(&mut tx, catalog).await?;
        tx.commit().await.map_err(database)?;
        if let Ok(mut cache) = self.procedures.write() {
            cache.clear();
        }
        Ok(import_report(catalog))
    }

    async fn find_unit(&self, code: &str, on: Date) -> StoreResult<Option<UnitRecord>> {
        select_unit_on(&self.reader, code, on).await
    }

    async fn unit_by_id(&self, id: i64) -> StoreResult<Option<UnitRecord>> {
        let sql = format!("SELECT {UNIT_COLUMNS} FROM units u JOIN structures s ON s.id = u.structure WHERE u.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(&self.reader).await.map_err(database)?;
        row.as_ref().map(unit_record).transpose()
    }

    async fn list_units(&self, on: Date) -> StoreResult<Vec<UnitRecord>> {
        let sql = format!(
            "SELECT {UNIT_COLUMNS} FROM units u JOIN structures s ON s.id = u.structure \
             WHERE s.effective_from <= $1 AND (s.effective_to IS NULL OR s.effective_to >= $1) ORDER BY u.code"
        );
        let rows =
            sqlx::query(AssertSqlSafe(sql)).bind(day_number(on)).fetch_all(&self.reader).await.map_err(database)?;
        rows.iter().map(unit_record).collect()
    }

    async fn procedure_on(&self, code: &str, on: Date) -> StoreResult<Option<Procedure>> {
        let row = sqlx::query(
            "SELECT body FROM procedures WHERE code = $1 AND effective_from <= $2 AND (effective_to IS NULL OR effective_to >= $2) \
             ORDER BY version DESC LIMIT 1",
        )
        .bind(code)
        .bind(day_number(on))
        .fetch_optional(&self.reader)
        .await
        .map_err(database)?;
        row.map(|row| serde_json::from_str(row.get::<&str, _>("body")).map_err(json_error)).transpose()
    }

    async fn procedure_version(&self, code: &str, version: u32) -> StoreResult<Option<Procedure>> {
        let row = sqlx::query("SELECT body FROM procedures WHERE code = $1 AND version = $2")
            .bind(code)
            .bind(i64::from(version))
            .fetch_optional(&self.reader)
            .await
            .map_err(database)?;
        row.map(|row| serde_json::from_str(row.get::<&str, _>("body")).map_err(json_error)).transpose()
    }

    async fn list_procedures(&self, on: Date) -> StoreResult<Vec<Procedure>> {
        let rows = sqlx::query(
            "SELECT body FROM procedures WHERE effective_from <= $1 AND (effective_to IS NULL OR effective_to >= $1) ORDER BY code, version",
        )
        .bind(day_number(on))
        .fetch_all(&self.reader)
        .await
        .map_err(database)?;
        rows.iter().map(|row| serde_json::from_str(row.get::<&str, _>("body")).map_err(json_error)).collect()
    }

    async fn unit_parents(&self) -> StoreResult<Vec<(i64, Option<i64>)>> {
        let rows = sqlx::query("SELECT id, parent_id FROM units ORDER BY id")
            .fetch_all(&self.reader)
            .await
            .map_err(database)?;
        rows.iter()
            .map(|row| Ok((row.try_get("id").map_err(database)?, row.try_get("parent_id").map_err(database)?)))
            .collect()
    }
}

pub(crate) async fn procedure_version(
    connection: &mut SqliteConnection,
    procedures: &ProcedureCache,
    code: &str,
    version: u32,
) -> StoreResult<Arc<Procedure>> {
    let key = (code.to_owned(), version);
    if let Some(found) = procedures.read().ok().and_then(|cache| cache.get(&key).cloned()) {
        return Ok(found);
    }
    let row = sqlx::query("SELECT body FROM procedures WHERE code = $1 AND version = $2")
        .bind(code)
        .bind(i64::from(version))
        .fetch_optional(&mut *connection)
        .await
        .map_err(database)?
        .ok_or_else(|| StoreError::NotFound(format!("thủ tục / procedure {code} v{version}")))?;
    let procedure: Arc<Procedure> =
        Arc::new(serde_json::from_str(row.try_get::<&str, _>("body").map_err(database)?).map_err(json_error)?);
    if let Ok(mut cache) = procedures.write() {
        cache.insert(key, procedure.clone());
    }
    Ok(procedure)
}
