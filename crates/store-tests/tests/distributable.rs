//! The PostgreSQL schema is distributable by unit, Citus-style (issue 6): read from the live
//! schema after every migration, each table is either a small reference table (copied to every
//! node) or split by a unit column, and every primary key and unique index of a split table
//! includes that column; the unit columns share one type (so shards co-locate), and no foreign key
//! points from a split table into another split table without the unit column, nor from a
//! reference table into a split one. A new table fails this test until it is classified here.

use std::collections::BTreeMap;

use app::Store;
use sqlx::Row;
use store_postgres::PostgresStore;

/// Tables replicated to every node: the catalogue, the organisation and the accounts.
const REFERENCE: [&str; 8] =
    ["api_tokens", "procedures", "sessions", "settings", "structures", "units", "user_grants", "users"];

/// Tables split by unit, with their distribution column (the receiving unit; the audit chain is
/// the unit's id).
const DISTRIBUTED: [(&str, &str); 14] = [
    ("applicants", "unit_id"),
    ("audit_log", "chain"),
    ("code_sequences", "unit_id"),
    ("documents", "unit_id"),
    ("dossiers", "unit_id"),
    ("events", "unit_id"),
    ("intake_keys", "unit_id"),
    ("issued_documents", "unit_id"),
    ("stat_daily", "unit_id"),
    ("stat_due_closed", "unit_id"),
    ("stat_due_opened", "unit_id"),
    ("stat_monthly", "unit_id"),
    ("stat_steps", "unit_id"),
    ("stat_unit_daily", "unit_id"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_schema_is_distributable_by_unit() {
    let (url, database) = store_tests::fresh_postgres_database("distributable").await;
    let store = PostgresStore::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let pool = sqlx::PgPool::connect(&url).await.expect("pool");

    // Every table is classified.
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::TEXT FROM information_schema.tables WHERE table_schema = 'public' \
         AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_sqlx%' ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .expect("tables");
    let distributed: BTreeMap<&str, &str> = DISTRIBUTED.into_iter().collect();
    let unclassified: Vec<&String> = tables
        .iter()
        .filter(|table| !REFERENCE.contains(&table.as_str()) && !distributed.contains_key(table.as_str()))
        .collect();
    assert!(unclassified.is_empty(), "tables neither reference nor distributed: {unclassified:?}");
    for table in REFERENCE.iter().chain(distributed.keys()) {
        assert!(tables.iter().any(|found| found == table), "{table} is classified but does not exist");
    }

    // Every unique index (primary keys included) of a split table includes its unit column.
    let rows = sqlx::query(
        "SELECT t.relname::TEXT AS table_name, i.relname::TEXT AS index_name, \
         array_agg(a.attname::TEXT ORDER BY k.ord) AS columns \
         FROM pg_index ix \
         JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_class t ON t.oid = ix.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public' \
         CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord) \
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
         WHERE ix.indisunique GROUP BY t.relname, i.relname ORDER BY 1, 2",
    )
    .fetch_all(&pool)
    .await
    .expect("unique indexes");
    let mut checked = 0;
    let mut bad = Vec::new();
    for row in &rows {
        let table: String = row.get("table_name");
        let Some(column) = distributed.get(table.as_str()) else { continue };
        let columns: Vec<String> = row.get("columns");
        checked += 1;
        if !columns.iter().any(|name| name == column) {
            bad.push(format!("{table}.{} on {columns:?} lacks {column}", row.get::<String, _>("index_name")));
        }
    }
    assert!(bad.is_empty(), "unique indexes that a shard could not enforce: {bad:?}");
    assert!(checked >= DISTRIBUTED.len(), "every split table has a primary key ({checked} unique indexes checked)");

    // The unit columns share one type, so that shards of one unit co-locate.
    let mut types = Vec::new();
    for (table, column) in DISTRIBUTED {
        let data_type: String = sqlx::query_scalar(
            "SELECT data_type::TEXT FROM information_schema.columns WHERE table_schema = 'public' \
             AND table_name = $1 AND column_name = $2",
        )
        .bind(table)
        .bind(column)
        .fetch_one(&pool)
        .await
        .unwrap_or_else(|error| panic!("{table}.{column}: {error}"));
        types.push((table, data_type));
    }
    assert!(types.iter().all(|(_, data_type)| data_type == "bigint"), "unit column types: {types:?}");

    // Foreign keys: none from a reference table into a split one; between split tables only on
    // the unit column.
    let keys = sqlx::query(
        "SELECT conrelid::regclass::TEXT AS from_table, confrelid::regclass::TEXT AS to_table, \
         pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE contype = 'f' \
         AND connamespace = 'public'::regnamespace",
    )
    .fetch_all(&pool)
    .await
    .expect("foreign keys");
    for key in &keys {
        let (from, to, definition): (String, String, String) =
            (key.get("from_table"), key.get("to_table"), key.get("definition"));
        match (distributed.get(from.as_str()), distributed.get(to.as_str())) {
            (None, Some(_)) => panic!("reference table {from} points into split table {to}: {definition}"),
            (Some(column), Some(_)) => {
                assert!(definition.contains(column), "{from} → {to} without {column}: {definition}")
            }
            _ => {}
        }
    }
    pool.close().await;
    drop(store);
    store_tests::drop_postgres_database(&database).await;
}
