//! The store suite on PostgreSQL (a fresh database per test, dropped afterwards).

use std::sync::Arc;

use app::Store;
use store_postgres::PostgresStore;

macro_rules! suite {
    ($($context:ident::$name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let (url, database) = store_tests::fresh_postgres_database(stringify!($name)).await;
                let store: Arc<dyn Store> = Arc::new(PostgresStore::connect(&url).await.expect("connect"));
                store_tests::$context::$name(store).await;
                store_tests::drop_postgres_database(&database).await;
            }
        )*
    };
}

store_tests::scenarios!(suite);

/// As on SQLite: edited, deleted and inserted audit entries are found.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_tampering_is_detected() {
    use sqlx::Connection;
    let (url, database) = store_tests::fresh_postgres_database("audit_tamper").await;
    let store: Arc<dyn Store> = Arc::new(PostgresStore::connect(&url).await.expect("connect"));
    store_tests::audit::audit_chain(store.clone()).await;
    let service =
        app::service::Service::new(store.clone(), Arc::new(calendar::WorkingTime::hcmc_builtin().expect("engine")));
    let mut raw = sqlx::PgConnection::connect(&url).await.expect("raw connection");
    sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER USER")
        .execute(&mut raw)
        .await
        .expect("attacker drops the guard");
    let raw = std::sync::Arc::new(tokio::sync::Mutex::new(raw));
    store_tests::audit::assert_tampering_detected(&service, move |sql| {
        let (sql, raw) = (sql.to_owned(), raw.clone());
        async move {
            let mut connection = raw.lock().await;
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut *connection).await.expect("tamper");
        }
    })
    .await;
    store_tests::drop_postgres_database(&database).await;
}
