//! The engine's raw insert rate for the same rows, with no domain logic, for the bulk-load
//! ratio in BENCHMARKS.md (issue 6): copies every row that `motcua simulate` wrote into a fresh
//! database of the same engine (schema from the same migrations, same settings) with multi-row
//! INSERTs in large transactions, and times only the writes (reading the source is excluded).
//!
//! `cargo run --release -p motcua --example raw_insert -- SOURCE_URL EMPTY_DESTINATION_URL`
//!
//! The catalogue tables (units, procedures, settings, accounts) are copied first and not timed;
//! then the tables the simulation fills. Prints rows per table and dossiers per second.

use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use sqlx::{Column, Connection, QueryBuilder, Row, TypeInfo, ValueRef};

/// The same allocator as `motcua` itself, so that the comparison is of the work, not of malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A column value of either engine.
#[derive(Debug, Clone)]
enum Value {
    /// A NULL, typed like its column (PostgreSQL checks the parameter's type).
    Null(&'static str),
    Int(i64),
    Real(f64),
    Text(String),
    Bool(bool),
    Bytes(Vec<u8>),
}

/// Tables a simulation fills, timed. Everything else is catalogue and copied untimed first.
const TIMED: [&str; 12] = [
    "code_sequences",
    "dossiers",
    "applicants",
    "intake_keys",
    "events",
    "stat_daily",
    "stat_due_opened",
    "stat_due_closed",
    "stat_steps",
    "stat_monthly",
    "stat_unit_daily",
    "audit_log",
];

/// Rows buffered between writes (and per multi-row INSERT, within the engines' parameter limits).
const CHUNK: usize = 20_000;
/// Rows per transaction.
const PER_TRANSACTION: usize = 200_000;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let (Some(source), Some(destination)) = (arguments.first(), arguments.get(1)) else {
        return Err("usage: raw_insert SOURCE_URL EMPTY_DESTINATION_URL".into());
    };
    // The same schema and settings as motcua's store (migrations run by connect + migrate).
    {
        use app::Store;
        let store: Box<dyn Store> = if destination.starts_with("sqlite:") {
            Box::new(store_sqlite::SqliteStore::connect(destination).await?)
        } else {
            Box::new(store_postgres::PostgresStore::connect(destination).await?)
        };
        store.migrate().await?;
    }
    if source.starts_with("sqlite:") {
        copy_sqlite(source, destination).await
    } else {
        copy_postgres(source, destination).await
    }
}

fn report(timed: &[(String, usize, Duration)], dossiers: usize) {
    let total: Duration = timed.iter().map(|(_, _, spent)| *spent).sum();
    for (table, rows, spent) in timed {
        println!("{table:>16}: {rows:>10} rows in {:>8.2} s", spent.as_secs_f64());
    }
    println!(
        "raw insert: {dossiers} dossiers' rows in {:.1} s = {:.0} dossiers/s",
        total.as_secs_f64(),
        dossiers as f64 / total.as_secs_f64().max(1e-9)
    );
}

async fn copy_sqlite(source: &str, destination: &str) -> Result<(), Box<dyn std::error::Error>> {
    use sqlx::ConnectOptions;
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
    use std::str::FromStr;
    let mut from = SqliteConnectOptions::from_str(source)?.read_only(true).connect().await?;
    let options = SqliteConnectOptions::from_str(destination)?
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true);
    let mut to = options.connect().await?;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' ORDER BY name",
    )
    .fetch_all(&mut from)
    .await?;
    let (timed_tables, untimed): (Vec<String>, Vec<String>) =
        tables.into_iter().partition(|table| TIMED.contains(&table.as_str()));
    let mut timed = Vec::new();
    let mut dossiers = 0;
    for (table, is_timed) in untimed.iter().map(|t| (t, false)).chain(timed_tables.iter().map(|t| (t, true))) {
        if !is_timed {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}"))).execute(&mut to).await.ok();
        }
        let sql = format!("SELECT * FROM {table}");
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut from);
        let mut columns: Vec<String> = Vec::new();
        let mut buffer: Vec<Vec<Value>> = Vec::with_capacity(CHUNK);
        let mut spent = Duration::ZERO;
        let mut count = 0;
        let mut in_transaction = 0;
        let mut writer = to.begin().await?;
        loop {
            let row = rows.try_next().await?;
            if let Some(row) = &row {
                if columns.is_empty() {
                    columns = row.columns().iter().map(|column| column.name().to_owned()).collect();
                }
                let mut values = Vec::with_capacity(columns.len());
                for index in 0..columns.len() {
                    let raw = row.try_get_raw(index)?;
                    values.push(if raw.is_null() {
                        Value::Null("INT")
                    } else {
                        match raw.type_info().name() {
                            "INTEGER" => Value::Int(row.try_get(index)?),
                            "REAL" => Value::Real(row.try_get(index)?),
                            "BLOB" => Value::Bytes(row.try_get(index)?),
                            _ => Value::Text(row.try_get(index)?),
                        }
                    });
                }
                buffer.push(values);
            }
            let full = buffer.len() >= CHUNK.min(32_000 / columns.len().max(1));
            if (full || row.is_none()) && !buffer.is_empty() {
                let begun = Instant::now();
                let mut builder = QueryBuilder::<sqlx::Sqlite>::new(format!(
                    "INSERT OR IGNORE INTO {table} ({}) ",
                    columns.join(", ")
                ));
                builder.push_values(buffer.drain(..), |mut row, values| {
                    for value in values {
                        match value {
                            Value::Null("BOOL") => row.push_bind(None::<bool>),
                            Value::Null("BYTEA") => row.push_bind(None::<Vec<u8>>),
                            Value::Null("INT") => row.push_bind(None::<i64>),
                            Value::Null(_) => row.push_bind(None::<String>),
                            Value::Int(v) => row.push_bind(v),
                            Value::Real(v) => row.push_bind(v),
                            Value::Text(v) => row.push_bind(v),
                            Value::Bool(v) => row.push_bind(v),
                            Value::Bytes(v) => row.push_bind(v),
                        };
                    }
                });
                let written = builder.build().execute(&mut *writer).await?.rows_affected() as usize;
                count += written;
                in_transaction += written;
                if in_transaction >= PER_TRANSACTION {
                    writer.commit().await?;
                    writer = to.begin().await?;
                    in_transaction = 0;
                }
                spent += begun.elapsed();
            }
            if row.is_none() {
                break;
            }
        }
        let begun = Instant::now();
        writer.commit().await?;
        spent += begun.elapsed();
        if table == "dossiers" {
            dossiers = count;
        }
        if is_timed {
            timed.push((table.clone(), count, spent));
        }
    }
    report(&timed, dossiers);
    Ok(())
}

async fn copy_postgres(source: &str, destination: &str) -> Result<(), Box<dyn std::error::Error>> {
    let mut from = sqlx::PgConnection::connect(source).await?;
    let mut to = sqlx::PgConnection::connect(destination).await?;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::TEXT FROM information_schema.tables WHERE table_schema = 'public' \
         AND table_type = 'BASE TABLE' AND table_name NOT LIKE '_sqlx%' ORDER BY table_name",
    )
    .fetch_all(&mut from)
    .await?;
    let (timed_tables, untimed): (Vec<String>, Vec<String>) =
        tables.into_iter().partition(|table| TIMED.contains(&table.as_str()));
    let mut timed = Vec::new();
    let mut dossiers = 0;
    for (table, is_timed) in untimed.iter().map(|t| (t, false)).chain(timed_tables.iter().map(|t| (t, true))) {
        let sql = format!("SELECT * FROM {table}");
        let mut reader = sqlx::PgConnection::connect(source).await?;
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut reader);
        let mut columns: Vec<String> = Vec::new();
        let mut buffer: Vec<Vec<Value>> = Vec::with_capacity(CHUNK);
        let mut spent = Duration::ZERO;
        let mut count = 0;
        let mut in_transaction = 0;
        let mut writer = to.begin().await?;
        loop {
            let row = rows.try_next().await?;
            if let Some(row) = &row {
                if columns.is_empty() {
                    columns = row.columns().iter().map(|column| column.name().to_owned()).collect();
                }
                let mut values = Vec::with_capacity(columns.len());
                for index in 0..columns.len() {
                    let raw = row.try_get_raw(index)?;
                    values.push(if raw.is_null() {
                        Value::Null(match raw.type_info().name() {
                            "INT8" | "INT4" | "INT2" => "INT",
                            "BOOL" => "BOOL",
                            "BYTEA" => "BYTEA",
                            _ => "TEXT",
                        })
                    } else {
                        match raw.type_info().name() {
                            "INT8" => Value::Int(row.try_get(index)?),
                            "INT4" => Value::Int(i64::from(row.try_get::<i32, _>(index)?)),
                            "INT2" => Value::Int(i64::from(row.try_get::<i16, _>(index)?)),
                            "BOOL" => Value::Bool(row.try_get(index)?),
                            "BYTEA" => Value::Bytes(row.try_get(index)?),
                            "FLOAT8" => Value::Real(row.try_get(index)?),
                            _ => Value::Text(row.try_get(index)?),
                        }
                    });
                }
                buffer.push(values);
            }
            let full = buffer.len() >= CHUNK.min(60_000 / columns.len().max(1));
            if (full || row.is_none()) && !buffer.is_empty() {
                let begun = Instant::now();
                let mut builder =
                    QueryBuilder::<sqlx::Postgres>::new(format!("INSERT INTO {table} ({}) ", columns.join(", ")));
                builder.push_values(buffer.drain(..), |mut row, values| {
                    for value in values {
                        match value {
                            Value::Null("BOOL") => row.push_bind(None::<bool>),
                            Value::Null("BYTEA") => row.push_bind(None::<Vec<u8>>),
                            Value::Null("INT") => row.push_bind(None::<i64>),
                            Value::Null(_) => row.push_bind(None::<String>),
                            Value::Int(v) => row.push_bind(v),
                            Value::Real(v) => row.push_bind(v),
                            Value::Text(v) => row.push_bind(v),
                            Value::Bool(v) => row.push_bind(v),
                            Value::Bytes(v) => row.push_bind(v),
                        };
                    }
                });
                builder.push(" ON CONFLICT DO NOTHING");
                let written = builder.build().execute(&mut *writer).await?.rows_affected() as usize;
                count += written;
                in_transaction += written;
                if in_transaction >= PER_TRANSACTION {
                    writer.commit().await?;
                    writer = to.begin().await?;
                    in_transaction = 0;
                }
                spent += begun.elapsed();
            }
            if row.is_none() {
                break;
            }
        }
        let begun = Instant::now();
        writer.commit().await?;
        spent += begun.elapsed();
        if table == "dossiers" {
            dossiers = count;
        }
        if is_timed {
            timed.push((table.clone(), count, spent));
        }
    }
    report(&timed, dossiers);
    Ok(())
}
