//! Statistics query latency for BENCHMARKS.md: `count` period reports for random units (those
//! with dossiers) and random periods inside the data's range, through the same service the API
//! uses. Prints p50 / p99 / max.
//!
//! `cargo run --release -p motcua --example stats_latency -- sqlite:/tmp/sim.db 2026-01-01 2026-06-30 500`

use std::sync::Arc;
use std::time::Instant;

use app::{StatsQuery, Store};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let url = arguments.first().cloned().unwrap_or_else(|| "sqlite:motcua.db".to_owned());
    let first: jiff::civil::Date = arguments.get(1).map(String::as_str).unwrap_or("2026-01-01").parse()?;
    let last: jiff::civil::Date = arguments.get(2).map(String::as_str).unwrap_or("2026-06-30").parse()?;
    let count: usize = arguments.get(3).map(|text| text.parse()).transpose()?.unwrap_or(500);
    let store: Arc<dyn Store> = if url.starts_with("sqlite:") {
        Arc::new(store_sqlite::SqliteStore::connect(&url).await?)
    } else {
        Arc::new(store_postgres::PostgresStore::connect(&url).await?)
    };
    let engine = Arc::new(calendar::WorkingTime::hcmc_builtin()?);
    let service = app::service::Service::new(store.clone(), engine);
    let dossiers = store.dossier_count().await?;
    // Units that received dossiers: receiving units of a sample of dossiers read page by page
    // (`dossier_page` keyset), one page from each stretch of the key space.
    let mut units: Vec<i64> = Vec::new();
    let all_units = store.list_units(last).await?;
    for unit in &all_units {
        let page = store.dossier_page(Some((unit.id, String::new())), 1).await?;
        if let Some((dossier, _)) = page.first() {
            units.push(dossier.unit_id);
        }
    }
    units.sort_unstable();
    units.dedup();
    let span = (last - first).get_days().max(1);
    let mut random = fastrand::Rng::with_seed(7);
    let mut timings = Vec::with_capacity(count);
    let mut checksum = 0_i64;
    for _ in 0..count {
        let unit_id = units[random.usize(..units.len())];
        let start = first.checked_add(jiff::Span::new().days(random.i32(0..span)))?;
        let end = start.checked_add(jiff::Span::new().days(random.i32(0..=(last - start).get_days().max(0))))?;
        let query = StatsQuery { unit_id, field: None, procedure: None, from: start, to: end };
        let begun = Instant::now();
        let report = service.report(&query).await?;
        timings.push(begun.elapsed().as_secs_f64() * 1000.0);
        checksum += report.received;
    }
    let slowest = timings.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map(|(index, _)| index).unwrap_or(0);
    println!("slowest was report #{slowest} of {count}");
    timings.sort_by(f64::total_cmp);
    let at = |fraction: f64| timings[((timings.len() - 1) as f64 * fraction).round() as usize];
    println!(
        "{} dossiers, {} units with data, {count} reports: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (checksum {checksum})",
        dossiers,
        units.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
    Ok(())
}
