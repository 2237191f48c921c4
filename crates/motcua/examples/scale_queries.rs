//! Look-up and queue latency at scale for BENCHMARKS.md (issue 6), through the same service and
//! store calls the pages make, on random targets spread over the whole key space (so that the
//! engine's cache holds little of what is asked):
//! - look-up: `Service::public_dossier` (code and receipt secret) of 2,000 random dossiers;
//! - queue: the first page (20 rows) of each open status, then the page after it, for random
//!   units with dossiers, as `/can-bo` asks it (`Store::queue`, plus `list_procedures` once).
//!
//! Prints p50 / p99 / max of each. Run it on a database filled by `motcua simulate`.
//!
//! `cargo run --release -p motcua --example scale_queries -- sqlite:/work/big/a.db [COUNT]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::{QueueQuery, Store};
use domain::dossier::Status;

fn summary(name: &str, mut timings: Vec<Duration>) {
    timings.sort();
    let at = |fraction: f64| timings[((timings.len() - 1) as f64 * fraction).round() as usize].as_secs_f64() * 1000.0;
    println!("{name}: {} queries, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms", timings.len(), at(0.5), at(0.99), at(1.0));
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let url = arguments.first().cloned().unwrap_or_else(|| "sqlite:motcua.db".to_owned());
    let count: usize = arguments.get(1).map(|text| text.parse()).transpose()?.unwrap_or(2_000);
    let store: Arc<dyn Store> = if url.starts_with("sqlite:") {
        Arc::new(store_sqlite::SqliteStore::connect(&url).await?)
    } else {
        Arc::new(store_postgres::PostgresStore::connect(&url).await?)
    };
    let service = app::service::Service::new(store.clone(), Arc::new(calendar::WorkingTime::hcmc_builtin()?));
    let dossiers = store.dossier_count().await?;
    let today = jiff::Zoned::now().date();
    let units = store.list_units(today).await?;
    let mut random = fastrand::Rng::with_seed(5);

    // Targets from random points of the key space (not timed).
    let mut targets = Vec::with_capacity(count);
    let mut target_units = Vec::new();
    for _ in 0..count * 3 {
        if targets.len() == count {
            break;
        }
        let unit = &units[random.usize(..units.len())];
        let after = Some((unit.id, format!("{}-26{:02}{:02}", unit.code, random.u32(1..7), random.u32(1..29))));
        if let Some((dossier, _)) = store.dossier_page(after, 1).await?.into_iter().next() {
            let secret = service.receipt_secret(&dossier.state.code).await?;
            target_units.push(dossier.unit_id);
            targets.push((dossier.state.code, secret));
        }
    }
    if targets.is_empty() {
        return Err("the database holds no dossier to look up".into());
    }

    let mut lookups = Vec::with_capacity(targets.len());
    let mut found = 0;
    for (code, secret) in &targets {
        let begun = Instant::now();
        let record = service.public_dossier(code, secret).await?;
        lookups.push(begun.elapsed());
        found += usize::from(record.is_some());
    }
    assert_eq!(found, targets.len(), "every target is found by its code and secret");
    summary(&format!("{dossiers} dossiers, public look-up"), lookups);

    let statuses = [Status::Submitted, Status::InProgress, Status::SupplementRequested, Status::Decided];
    let mut first_pages = Vec::new();
    let mut next_pages = Vec::new();
    let mut rows = 0;
    let mut listed = 0;
    for unit_id in target_units.iter().take(count / 4) {
        let status = statuses[random.usize(..statuses.len())];
        let begun = Instant::now();
        let procedures = store.list_procedures(today).await?;
        let query = QueueQuery::new(*unit_id, status, 20);
        let page = store.queue(&query).await?;
        first_pages.push(begun.elapsed());
        rows += page.len();
        listed += procedures.len();
        if let Some(last) = page.last().filter(|_| page.len() == 20) {
            let (micros, code) = query.key_of(last);
            let next = QueueQuery { after: Some((micros, code)), ..query.clone() };
            let begun = Instant::now();
            rows += store.queue(&next).await?.len();
            next_pages.push(begun.elapsed());
        }
    }
    summary(&format!("{dossiers} dossiers, queue first page"), first_pages);
    if !next_pages.is_empty() {
        summary(&format!("{dossiers} dossiers, queue next page"), next_pages);
    }
    println!("queue rows read {rows}, procedures listed {listed}");
    Ok(())
}
