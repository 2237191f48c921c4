//! The migration versions are the PostgreSQL backend's; a database made before they were aligned
//! (`unit_daily` as 8, `issued` as 9) is renumbered and migrates on.
#![allow(clippy::unwrap_used)]

use app::Store;
use sqlx::{ConnectOptions, Connection};
use store_sqlite::SqliteStore;

async fn versions(url: &str) -> Vec<(i64, String)> {
    let mut connection = url.parse::<sqlx::sqlite::SqliteConnectOptions>().unwrap().connect().await.unwrap();
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT version, description FROM _sqlx_migrations ORDER BY version")
        .fetch_all(&mut connection)
        .await
        .unwrap();
    connection.close().await.unwrap();
    rows
}

#[tokio::test]
async fn versions_match_postgres_and_old_databases_are_renumbered() {
    let dir = std::env::temp_dir().join(format!("motcua-migrations-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}", dir.join("old.db").display());
    SqliteStore::connect(&url).await.unwrap().migrate().await.unwrap();
    let aligned = versions(&url).await;
    let tail: Vec<(i64, &str)> = aligned.iter().skip(7).map(|(v, d)| (*v, d.as_str())).collect();
    assert_eq!(tail, vec![(8, "distributable"), (9, "unit daily"), (10, "issued")]);
    // The same file migrated under the old numbers: no 8, unit_daily as 8, issued as 9.
    {
        let mut connection = url.parse::<sqlx::sqlite::SqliteConnectOptions>().unwrap().connect().await.unwrap();
        for sql in [
            "DELETE FROM _sqlx_migrations WHERE version = 8",
            "UPDATE _sqlx_migrations SET version = 8 WHERE version = 9",
            "UPDATE _sqlx_migrations SET version = 9 WHERE version = 10",
        ] {
            sqlx::query(sql).execute(&mut connection).await.unwrap();
        }
        connection.close().await.unwrap();
    }
    let old: Vec<i64> = versions(&url).await.iter().map(|(v, _)| *v).collect();
    assert_eq!(old.last(), Some(&9));
    SqliteStore::connect(&url).await.unwrap().migrate().await.unwrap();
    assert_eq!(versions(&url).await, aligned);
    // Migrating again changes nothing.
    SqliteStore::connect(&url).await.unwrap().migrate().await.unwrap();
    assert_eq!(versions(&url).await, aligned);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Both backends ship the same version numbers.
#[test]
fn version_numbers_are_the_postgres_backends() {
    let numbers = |dir: &str| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().split('_').next().unwrap().to_owned())
            .collect();
        names.sort();
        names
    };
    let root = env!("CARGO_MANIFEST_DIR");
    assert_eq!(numbers(&format!("{root}/migrations")), numbers(&format!("{root}/../store-postgres/migrations")));
}
