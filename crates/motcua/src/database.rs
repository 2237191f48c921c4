//! Opening the database a URL names, and the service over it.

use std::sync::Arc;

use anyhow::Result;
use app::Store;
use app::service::Service;
use calendar::WorkingTime;
use clap::Args;

use crate::config::Config;
use crate::input::InputError;

/// The default embedded database.
pub const DEFAULT_DATABASE: &str = "sqlite:motcua.db";

/// `--database URL`.
#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// sqlite:FILE hoặc postgres://... / `sqlite:FILE` or `postgres://...` (also MOTCUA_DATABASE_URL).
    #[arg(long, env = "MOTCUA_DATABASE_URL", default_value = DEFAULT_DATABASE)]
    pub database: String,
}

/// Opens the store a URL names and runs its migrations.
pub async fn open_store(url: &str) -> Result<Arc<dyn Store>> {
    let store = connect_store(url).await?;
    store.migrate().await?;
    Ok(store)
}

/// Connects to the store a URL names, without migrating (a read-only replica).
pub async fn connect_store(url: &str) -> Result<Arc<dyn Store>> {
    let store: Arc<dyn Store> = if url.starts_with("sqlite:") {
        Arc::new(store_sqlite::SqliteStore::connect(url).await?)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Arc::new(store_postgres::PostgresStore::connect(url).await?)
    } else {
        return Err(InputError(format!("URL cơ sở dữ liệu phải bắt đầu bằng sqlite: hoặc postgres:// / the database URL must start with sqlite: or postgres://, not {url:?}")).into());
    };
    Ok(store)
}

/// The service over a store with the configured office hours: the default, and each unit's own
/// from the configuration's `[units.CODE.office_hours]`.
pub fn service(config: &Config, store: Arc<dyn Store>) -> Result<Service> {
    let engine: WorkingTime = config.working_time(None, None, &[])?;
    let mut unit_engines = std::collections::HashMap::new();
    for code in config.units.keys() {
        unit_engines.insert(code.clone(), Arc::new(config.working_time(Some(code), None, &[])?));
    }
    Ok(Service::with_unit_engines(store, Arc::new(engine), unit_engines))
}
