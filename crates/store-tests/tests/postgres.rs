//! The store suite on PostgreSQL (a fresh database per test, dropped afterwards).

use std::sync::Arc;

use store::Store;
use store_postgres::PostgresStore;

macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let (url, database) = store_tests::fresh_postgres_database(stringify!($name)).await;
                let store: Arc<dyn Store> = Arc::new(PostgresStore::connect(&url).await.expect("connect"));
                store_tests::$name(store).await;
                store_tests::drop_postgres_database(&database).await;
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
