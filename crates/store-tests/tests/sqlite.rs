//! The store suite on SQLite (a fresh database file per test).

use std::sync::Arc;

use store::Store;
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
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let (store, path) = fresh().await;
                store_tests::$name(store).await;
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
        )*
    };
}

suite!(
    catalogue_import_and_lookup,
    full_lifecycle_with_statistics,
    supplement_restart_apology_and_late,
    invalid_transitions_write_nothing,
    idempotent_intake,
    concurrent_clients,
);
