//! Mixed HTTP load for BENCHMARKS.md (issue 6): `clients` concurrent clients for `seconds`
//! against a running `motcua serve`, each request drawn at random: 50% public look-ups of random
//! dossiers already in the database (code and receipt secret), 20% statistics of a random unit and
//! period, 15% intake, 15% transitions of the dossiers this client received (accept, three steps,
//! decide, return). Prints throughput and p50 / p99 per kind and overall.
//!
//! `MOTCUA_TOKEN=mc_... cargo run --release -p motcua --example mixed_load -- sqlite:/tmp/big.db http://127.0.0.1:8080 16 20`
//!
//! The database URL is read (not written) to sample look-up targets and compute their receipt
//! secrets; serve with `--lookups-per-minute` raised, or the look-ups are rate-limited. The token's
//! account needs desk_officer, processing_officer and unit_head on ward 26740.

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::Store;
use serde_json::json;

const KINDS: [&str; 4] = ["look-up", "statistics", "intake", "transition"];

fn percentile(sorted: &[Duration], fraction: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * fraction).round() as usize].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let database = arguments.first().cloned().unwrap_or_else(|| "sqlite:motcua.db".to_owned());
    let base = arguments.get(1).cloned().unwrap_or_else(|| "http://127.0.0.1:8080".to_owned());
    let clients: usize = arguments.get(2).map(|text| text.parse()).transpose()?.unwrap_or(16);
    let seconds: u64 = arguments.get(3).map(|text| text.parse()).transpose()?.unwrap_or(20);
    let token = std::env::var("MOTCUA_TOKEN").map_err(|_| "set MOTCUA_TOKEN to an API token (motcua user token)")?;

    // Look-up targets: 2,000 dossiers from random points of the key space, with their secrets.
    let store: Arc<dyn Store> = if database.starts_with("sqlite:") {
        Arc::new(store_sqlite::SqliteStore::connect(&database).await?)
    } else {
        Arc::new(store_postgres::PostgresStore::connect(&database).await?)
    };
    let service = app::service::Service::new(store.clone(), Arc::new(calendar::WorkingTime::hcmc_builtin()?));
    let today = jiff::Zoned::now().date();
    let units = store.list_units(today).await?;
    let mut random = fastrand::Rng::with_seed(3);
    let mut targets = Vec::new();
    for _ in 0..2_000 {
        let unit = &units[random.usize(..units.len())];
        // A random day of 2026's first half in the unit's code space.
        let after = Some((unit.id, format!("{}-26{:02}{:02}", unit.code, random.u32(1..7), random.u32(1..29))));
        if let Some((dossier, _)) = store.dossier_page(after, 1).await?.into_iter().next() {
            let secret = service.receipt_secret(&dossier.state.code).await?;
            targets.push((dossier.state.code, secret));
        }
    }
    if targets.is_empty() {
        return Err("the database holds no dossier to look up".into());
    }
    let stat_units: Vec<String> = {
        let mut codes: Vec<String> =
            targets.iter().filter_map(|(code, _)| code.split('-').next()).map(str::to_owned).collect();
        codes.sort();
        codes.dedup();
        codes
    };
    let targets = Arc::new(targets);
    let stat_units = Arc::new(stat_units);

    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {token}").parse()?);
    let client = reqwest::Client::builder().pool_max_idle_per_host(clients).default_headers(headers).build()?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..clients {
        let (client, base, targets, stat_units) = (client.clone(), base.clone(), targets.clone(), stat_units.clone());
        tasks.push(tokio::spawn(async move {
            let mut random = fastrand::Rng::with_seed(worker as u64 + 100);
            let mut timings: [Vec<Duration>; 4] = Default::default();
            // This client's dossiers and the index of their next action.
            let mut mine: Vec<(String, usize)> = Vec::new();
            let actions = [
                json!({ "action": "accept" }),
                json!({ "action": "complete_step" }),
                json!({ "action": "complete_step" }),
                json!({ "action": "complete_step" }),
                json!({ "action": "decide", "outcome": "approved" }),
                json!({ "action": "return_result" }),
            ];
            let mut sequence = 0;
            while Instant::now() < deadline {
                let draw = random.u32(0..100);
                let kind = match draw {
                    0..50 => 0,
                    50..70 => 1,
                    70..85 => 2,
                    _ if mine.is_empty() => 2,
                    _ => 3,
                };
                let request = match kind {
                    0 => {
                        let (code, secret) = &targets[random.usize(..targets.len())];
                        client.get(format!("{base}/api/v1/public/dossiers/{code}?secret={secret}"))
                    }
                    1 => {
                        let unit = &stat_units[random.usize(..stat_units.len())];
                        let month = random.u32(1..=6);
                        client.get(format!("{base}/api/v1/stats?unit={unit}&from=2026-01-01&to=2026-{month:02}-28"))
                    }
                    2 => {
                        sequence += 1;
                        client.post(format!("{base}/api/v1/dossiers")).json(&json!({
                            "unit": "26740", "procedure": "1.004873", "channel": "counter",
                            "idempotency_key": format!("mixed-{}-{worker}-{sequence}", std::process::id()),
                            "applicant": { "name": "Người Thử Tải" } }))
                    }
                    _ => {
                        let index = random.usize(..mine.len());
                        let (code, step) = &mine[index];
                        client.post(format!("{base}/api/v1/dossiers/{code}/transitions")).json(&actions[*step])
                    }
                };
                let begun = Instant::now();
                let response = request.send().await.map_err(|error| error.to_string())?;
                let status = response.status();
                let body: serde_json::Value = response.json().await.unwrap_or_default();
                timings[kind].push(begun.elapsed());
                if !status.is_success() {
                    return Err(format!("{} failed: {status} {body}", KINDS[kind]));
                }
                match kind {
                    2 => mine.push((body["code"].as_str().unwrap_or_default().to_owned(), 0)),
                    3 => {
                        let index = mine.iter().position(|(code, _)| body["code"] == code.as_str()).unwrap_or(0);
                        mine[index].1 += 1;
                        if mine[index].1 == actions.len() {
                            mine.swap_remove(index);
                        }
                    }
                    _ => {}
                }
            }
            Ok::<[Vec<Duration>; 4], String>(timings)
        }));
    }
    let mut all: [Vec<Duration>; 4] = Default::default();
    for task in tasks {
        for (kind, timings) in task.await??.into_iter().enumerate() {
            all[kind].extend(timings);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut overall: Vec<Duration> = all.iter().flatten().copied().collect();
    overall.sort();
    println!(
        "clients {clients}: {} requests in {elapsed:.1} s = {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms",
        overall.len(),
        overall.len() as f64 / elapsed,
        percentile(&overall, 0.5),
        percentile(&overall, 0.99)
    );
    for (kind, timings) in all.iter_mut().enumerate() {
        timings.sort();
        println!(
            "  {:<10} {:>7} ({:>5.0}/s)  p50 {:>7.2} ms  p99 {:>7.2} ms",
            KINDS[kind],
            timings.len(),
            timings.len() as f64 / elapsed,
            percentile(timings, 0.5),
            percentile(timings, 0.99)
        );
    }
    Ok(())
}
