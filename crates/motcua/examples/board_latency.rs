//! Cold statistics-board latency for BENCHMARKS.md: what the public board computes when its
//! cache misses (the units in force and the totals per unit and field over the period), for
//! `count` random periods inside the data's range plus "year to date" on each of its last days.
//! Prints p50 / p95 / max.
//!
//! `cargo run --release -p motcua --example board_latency -- sqlite:/tmp/mil.db 2025-07-01 2026-06-30 200`

use std::sync::Arc;
use std::time::Instant;

use app::Store;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let url = arguments.first().cloned().unwrap_or_else(|| "sqlite:motcua.db".to_owned());
    let first: jiff::civil::Date = arguments.get(1).map(String::as_str).unwrap_or("2025-07-01").parse()?;
    let last: jiff::civil::Date = arguments.get(2).map(String::as_str).unwrap_or("2026-06-30").parse()?;
    let count: usize = arguments.get(3).map(|text| text.parse()).transpose()?.unwrap_or(200);
    let store: Arc<dyn Store> = if url.starts_with("sqlite:") {
        Arc::new(store_sqlite::SqliteStore::connect(&url).await?)
    } else {
        Arc::new(store_postgres::PostgresStore::connect(&url).await?)
    };
    let span = (last - first).get_days().max(1);
    let mut random = fastrand::Rng::with_seed(11);
    let mut periods = Vec::with_capacity(count + 31);
    for _ in 0..count {
        let start = first.checked_add(jiff::Span::new().days(random.i32(0..span)))?;
        let end = start.checked_add(jiff::Span::new().days(random.i32(0..=(last - start).get_days().max(0))))?;
        periods.push((start, end));
    }
    // Year to date on each of the last 31 days of the data (the board's default period).
    for back in 0..31 {
        let end = last.checked_sub(jiff::Span::new().days(back))?;
        periods.push((jiff::civil::Date::new(end.year(), 1, 1)?.max(first), end));
    }
    let mut timings = Vec::with_capacity(periods.len());
    let mut checksum = 0_i64;
    for (from, to) in &periods {
        let begun = Instant::now();
        let units = store.list_units(*to).await?;
        let totals = store.unit_field_totals(*from, *to).await?;
        timings.push(begun.elapsed().as_secs_f64() * 1000.0);
        checksum += totals.iter().map(|(_, counters)| counters[0]).sum::<i64>() + units.len() as i64;
    }
    let dossiers = store.dossier_count().await?;
    let year_to_date = timings.split_off(count);
    for (name, mut timings) in [("random periods", timings), ("year to date", year_to_date)] {
        timings.sort_by(f64::total_cmp);
        let at = |fraction: f64| timings[((timings.len() - 1) as f64 * fraction).round() as usize];
        println!(
            "{dossiers} dossiers, {} boards ({name}): p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
            timings.len(),
            at(0.5),
            at(0.95),
            at(1.0)
        );
    }
    println!("checksum {checksum}");
    Ok(())
}
