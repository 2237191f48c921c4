//! The store suite on SQLite (a fresh database file per test).

use std::sync::Arc;

use app::Store;
use store_sqlite::SqliteStore;

async fn fresh() -> (Arc<dyn Store>, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!(
        "motcua-test-{}-{}.db",
        std::process::id(),
        jiff::Timestamp::now().as_nanosecond()
    ));
    let store = SqliteStore::connect(&format!("sqlite:{}", path.display())).await.expect("open");
    (Arc::new(store), path)
}

macro_rules! suite {
    ($($context:ident::$name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let (store, path) = fresh().await;
                store_tests::$context::$name(store).await;
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
        )*
    };
}

store_tests::scenarios!(suite);

/// Someone with write access to the database file edits, deletes or inserts audit entries:
/// `audit_verify` names the first broken entry each time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_tampering_is_detected() {
    use sqlx::Connection;
    let (store, path) = fresh().await;
    store_tests::audit::audit_chain(store.clone()).await;
    let service = app::service::Service::new(
        store.clone(),
        std::sync::Arc::new(calendar::WorkingTime::hcmc_builtin().expect("engine")),
    );
    let mut raw = sqlx::SqliteConnection::connect(&format!("sqlite:{}", path.display())).await.expect("raw connection");
    for sql in ["DROP TRIGGER audit_no_update", "DROP TRIGGER audit_no_delete"] {
        sqlx::query(sql).execute(&mut raw).await.expect("attacker drops the guard");
    }
    let raw = std::sync::Arc::new(tokio::sync::Mutex::new(raw));
    store_tests::audit::assert_tampering_detected(&service, move |sql| {
        let (sql, raw) = (sql.to_owned(), raw.clone());
        async move {
            let mut connection = raw.lock().await;
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut *connection).await.expect("tamper");
        }
    })
    .await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// The indexes of a database's definition as SQLite stores it, by name.
async fn index_sql(path: &std::path::Path) -> std::collections::BTreeMap<String, String> {
    use sqlx::Connection;
    let mut connection =
        sqlx::SqliteConnection::connect(&format!("sqlite:{}", path.display())).await.expect("open directly");
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
            .fetch_all(&mut connection)
            .await
            .expect("indexes");
    rows.into_iter().collect()
}

/// A bulk load into an empty database drops the dossiers' secondary indexes and builds them
/// again when it ends; a load that stops half-way gets them back at the next start (migrate).
/// The deferred list is the migrated schema's, word for word.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_load_defers_secondary_indexes() {
    let (store, path) = fresh().await;
    store.migrate().await.expect("migrate");
    let migrated = index_sql(&path).await;
    for (name, create) in store_sqlite::DEFERRED_INDEXES {
        assert_eq!(migrated.get(name).map(String::as_str), Some(create), "{name} as migrated");
    }
    store.bulk_insert(&app::BulkBatch::default()).await.expect("first batch");
    let during = index_sql(&path).await;
    for (name, _) in store_sqlite::DEFERRED_INDEXES {
        assert!(!during.contains_key(name), "{name} is dropped during the load");
    }
    store.bulk_finish().await.expect("finish");
    assert_eq!(index_sql(&path).await, migrated, "the load ends with the migrated indexes");

    store.bulk_insert(&app::BulkBatch::default()).await.expect("a load that never finishes");
    drop(store);
    let reopened = SqliteStore::connect(&format!("sqlite:{}", path.display())).await.expect("reopen");
    reopened.migrate().await.expect("migrate again");
    assert_eq!(index_sql(&path).await, migrated, "the next start rebuilds them");
    drop(reopened);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
