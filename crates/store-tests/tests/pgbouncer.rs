//! The store suite on PostgreSQL through pgbouncer in transaction mode (issue 6): many client
//! connections share four server connections, and a client holds a server only for one
//! transaction. The store connects with `pooler=transaction`; migrations run directly (they take
//! a session lock). `scripts/ensure-pgbouncer` starts the pooler (`scripts/test` does);
//! `MOTCUA_PGBOUNCER_URL` names it (default `postgres://postgres@127.0.0.1:6433`).

use std::sync::Arc;

use app::Store;
use sqlx::Connection;
use store_postgres::PostgresStore;

fn pooler() -> String {
    std::env::var("MOTCUA_PGBOUNCER_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:6433".to_owned())
}

/// A store reached through the pooler, on a fresh database migrated directly.
async fn pooled_store(name_hint: &str) -> (Arc<dyn Store>, String) {
    let (direct, database) = store_tests::fresh_postgres_database(name_hint).await;
    PostgresStore::connect(&direct).await.expect("connect directly").migrate().await.expect("migrate directly");
    let url = format!("{}/{database}?pooler=transaction", pooler());
    let store = PostgresStore::connect(&url).await.unwrap_or_else(|error| {
        panic!(
            "pgbouncer did not answer at {url}: {error}. Start it with scripts/ensure-pgbouncer (scripts/test does)."
        )
    });
    (Arc::new(store), database)
}

macro_rules! suite {
    ($($context:ident::$name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let (store, database) = pooled_store(stringify!($name)).await;
                store_tests::$context::$name(store).await;
                store_tests::drop_postgres_database(&database).await;
            }
        )*
    };
}

store_tests::scenarios!(suite);

/// Why the store needs `pooler=transaction`: two plain sqlx connections through the pooler's
/// one-server alias (`single`) collide on the statement name sqlx gives each connection's first
/// prepared statement, because both land on the same server connection.
#[tokio::test]
async fn named_statements_collide_behind_the_pooler() {
    let url = format!("{}/single", pooler());
    let mut first = sqlx::PgConnection::connect(&url).await.expect("first client");
    let mut second = sqlx::PgConnection::connect(&url).await.expect("second client");
    // The server connection outlives its clients: forget what earlier runs left on it.
    sqlx::raw_sql("DEALLOCATE ALL").execute(&mut first).await.expect("reset the server connection");
    let one: i32 = sqlx::query_scalar("SELECT $1::INT4").bind(1).fetch_one(&mut first).await.expect("first prepares");
    assert_eq!(one, 1);
    let error = sqlx::query_scalar::<_, i32>("SELECT $1::INT4 + 1")
        .bind(1)
        .fetch_one(&mut second)
        .await
        .expect_err("the second client's first statement has the same name on the same server");
    assert!(error.to_string().contains("already exists"), "unexpected error: {error}");
}

/// Two stores with `pooler=transaction` (32 client connections for 4 server connections)
/// alternate reads and writes without a collision.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pooled_stores_alternate_reads_and_writes() {
    let (store, database) = pooled_store("alternate").await;
    let url = format!("{}/{database}?pooler=transaction", pooler());
    let second = PostgresStore::connect(&url).await.expect("second store");
    for round in 0..20 {
        let name = format!("round-{round}");
        assert_eq!(store.setting_or_insert(&name, "first").await.expect("first writes"), "first");
        assert_eq!(second.setting_or_insert(&name, "second").await.expect("second reads"), "first");
        assert!(store.known_structures().await.expect("first reads").is_empty());
    }
    store_tests::drop_postgres_database(&database).await;
}
