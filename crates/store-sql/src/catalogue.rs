//! Units as stored.

use app::{StoreError, StoreResult, UnitRecord, date_of_day};
use domain::catalog::UnitKind;

use crate::Columns;

/// The columns a [`UnitRecord`] is read from (`units u JOIN structures s`).
pub const UNIT_COLUMNS: &str =
    "u.id, u.structure, u.code, u.name, u.kind, u.parent_id, u.head, s.effective_from, s.effective_to";

/// A unit of a row with [`UNIT_COLUMNS`].
pub fn unit_record(row: &impl Columns) -> StoreResult<UnitRecord> {
    Ok(UnitRecord {
        id: row.column("id")?,
        structure: row.column("structure")?,
        code: row.column("code")?,
        name: row.column("name")?,
        kind: unit_kind(row.column("kind")?)?,
        parent_id: row.column("parent_id")?,
        head: row.column("head")?,
        effective_from: date_of_day(row.column::<i32>("effective_from")?),
        effective_to: row.column::<Option<i32>>("effective_to")?.map(date_of_day),
    })
}

/// A unit kind of its stored name.
pub fn unit_kind(text: &str) -> StoreResult<UnitKind> {
    UnitKind::parse(text).ok_or_else(|| StoreError::Database(format!("unknown unit kind {text:?}")))
}

/// The stored name of a unit kind.
pub fn kind_text(kind: UnitKind) -> &'static str {
    kind.as_str()
}

/// The catalogue statements both engines run (see [`crate::account_statements`] for the
/// parameters). The upserts run inside the import's transaction; linking units to their parents
/// is dialect code (an `UPDATE ... FROM` on PostgreSQL), left to the backends.
#[macro_export]
macro_rules! catalogue_statements {
    ($db:ty, $query:path) => {
        /// Upserts the catalogue's structures and units (by structure id, by structure and code).
        pub(crate) async fn upsert_structures_and_units(
            connection: &mut <$db as ::sqlx::Database>::Connection,
            catalog: &::domain::catalog::Catalog,
        ) -> ::app::StoreResult<()> {
            for structure in &catalog.structures {
                $query(
                    "INSERT INTO structures (id, name, effective_from, effective_to, source) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name, effective_from = excluded.effective_from, \
                     effective_to = excluded.effective_to, source = excluded.source",
                )
                .bind(structure.id.as_str())
                .bind(&structure.name)
                .bind(::app::day_number(structure.effective_from))
                .bind(structure.effective_to.map(::app::day_number))
                .bind(&structure.source)
                .execute(&mut *connection)
                .await
                .map_err($crate::database)?;
            }
            for unit in &catalog.units {
                $query(
                    "INSERT INTO units (structure, code, name, kind, local_kind, parent_code, head, source, note) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     ON CONFLICT (structure, code) DO UPDATE SET name = excluded.name, kind = excluded.kind, \
                     local_kind = excluded.local_kind, parent_code = excluded.parent_code, head = excluded.head, \
                     source = excluded.source, note = excluded.note",
                )
                .bind(unit.structure.as_str())
                .bind(unit.code.as_str())
                .bind(&unit.name)
                .bind($crate::catalogue::kind_text(unit.kind))
                .bind(&unit.local_kind)
                .bind(unit.parent.as_ref().map(|parent| parent.as_str()))
                .bind(&unit.head)
                .bind(&unit.source)
                .bind(&unit.note)
                .execute(&mut *connection)
                .await
                .map_err($crate::database)?;
            }
            Ok(())
        }

        /// Upserts the catalogue's procedure versions (by code and version).
        pub(crate) async fn upsert_procedures(
            connection: &mut <$db as ::sqlx::Database>::Connection,
            catalog: &::domain::catalog::Catalog,
        ) -> ::app::StoreResult<()> {
            for procedure in &catalog.procedures {
                $query(
                    "INSERT INTO procedures (code, version, effective_from, effective_to, body) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (code, version) DO UPDATE SET effective_from = excluded.effective_from, \
                     effective_to = excluded.effective_to, body = excluded.body",
                )
                .bind(procedure.code.as_str())
                .bind(i64::from(procedure.version))
                .bind(::app::day_number(procedure.effective_from))
                .bind(procedure.effective_to.map(::app::day_number))
                .bind(::serde_json::to_string(procedure).map_err($crate::json_error)?)
                .execute(&mut *connection)
                .await
                .map_err($crate::database)?;
            }
            Ok(())
        }

        /// The unit with this code in the structure in force on `on`.
        pub(crate) async fn select_unit_on<'e>(
            executor: impl ::sqlx::Executor<'e, Database = $db>,
            code: &str,
            on: ::jiff::civil::Date,
        ) -> ::app::StoreResult<Option<::app::UnitRecord>> {
            let sql = format!(
                "SELECT {} FROM units u JOIN structures s ON s.id = u.structure \
                 WHERE u.code = $1 AND s.effective_from <= $2 AND (s.effective_to IS NULL OR s.effective_to >= $2) \
                 ORDER BY s.effective_from DESC LIMIT 1",
                $crate::catalogue::UNIT_COLUMNS
            );
            let row = $query(::sqlx::AssertSqlSafe(sql))
                .bind(code)
                .bind(::app::day_number(on))
                .fetch_optional(executor)
                .await
                .map_err($crate::database)?;
            row.as_ref().map($crate::catalogue::unit_record).transpose()
        }
    };
}

/// What an import wrote.
pub fn import_report(catalog: &domain::catalog::Catalog) -> app::ImportReport {
    app::ImportReport {
        structures: catalog.structures.len(),
        units: catalog.units.len(),
        procedures: catalog.procedures.len(),
    }
}
