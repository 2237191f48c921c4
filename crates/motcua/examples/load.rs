//! HTTP load for BENCHMARKS.md: `--clients` concurrent clients each take dossiers from intake to
//! return through the API of a running `motcua serve` (counter channel, the marital status
//! certificate at ward 26740, four workflow steps). Prints throughput and latency percentiles for
//! intake and for transitions separately.
//!
//! `MOTCUA_TOKEN=mc_... cargo run --release -p motcua --example load -- http://127.0.0.1:8080 8 500 [26740,26737]`
//! (base URL, clients, dossiers per client, receiving unit codes used in turn; default 26740).
//! The token's account needs desk_officer and processing_officer on the units (or above them)
//! and unit_head on each of them (`motcua user ...`, see BENCHMARKS.md).

use std::time::{Duration, Instant};

use serde_json::json;

#[derive(Default)]
struct Timings {
    intake: Vec<Duration>,
    transitions: Vec<Duration>,
}

fn percentile(sorted: &[Duration], fraction: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut arguments = std::env::args().skip(1);
    let base = arguments.next().unwrap_or_else(|| "http://127.0.0.1:8080".to_owned());
    let clients: usize = arguments.next().map(|text| text.parse()).transpose()?.unwrap_or(8);
    let per_client: usize = arguments.next().map(|text| text.parse()).transpose()?.unwrap_or(200);
    let units: Vec<String> =
        arguments.next().unwrap_or_else(|| "26740".to_owned()).split(',').map(str::to_owned).collect();
    let token = std::env::var("MOTCUA_TOKEN").map_err(|_| "set MOTCUA_TOKEN to an API token (motcua user token)")?;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {token}").parse()?);
    let client = reqwest::Client::builder().pool_max_idle_per_host(clients).default_headers(headers).build()?;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..clients {
        let (client, base, units) = (client.clone(), base.clone(), units.clone());
        tasks.push(tokio::spawn(async move {
            let mut timings = Timings::default();
            for index in 0..per_client {
                let unit = &units[(worker + index) % units.len()];
                let body = json!({ "unit": unit, "procedure": "1.004873", "channel": "counter",
                    "idempotency_key": format!("load-{}-{worker}-{index}", std::process::id()),
                    "applicant": { "name": "Người Thử Tải" } });
                let begun = Instant::now();
                let response = client
                    .post(format!("{base}/api/v1/dossiers"))
                    .json(&body)
                    .send()
                    .await
                    .map_err(|error| error.to_string())?;
                let status = response.status();
                let created: serde_json::Value = response.json().await.map_err(|error| error.to_string())?;
                timings.intake.push(begun.elapsed());
                if !status.is_success() {
                    return Err(format!("intake failed: {status} {created}"));
                }
                let code = created["code"].as_str().unwrap_or_default().to_owned();
                let actions = [
                    json!({ "action": "accept" }),
                    json!({ "action": "complete_step" }),
                    json!({ "action": "complete_step" }),
                    json!({ "action": "complete_step" }),
                    json!({ "action": "decide", "outcome": "approved" }),
                    json!({ "action": "return_result" }),
                ];
                for action in actions {
                    let begun = Instant::now();
                    let response = client
                        .post(format!("{base}/api/v1/dossiers/{code}/transitions"))
                        .json(&action)
                        .send()
                        .await
                        .map_err(|error| error.to_string())?;
                    let status = response.status();
                    let text = response.text().await.map_err(|error| error.to_string())?;
                    timings.transitions.push(begun.elapsed());
                    if !status.is_success() {
                        return Err(format!("transition failed: {status} {text}"));
                    }
                }
            }
            Ok::<Timings, String>(timings)
        }));
    }
    let mut all = Timings::default();
    for task in tasks {
        let timings = task.await??;
        all.intake.extend(timings.intake);
        all.transitions.extend(timings.transitions);
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.intake.sort();
    all.transitions.sort();
    let intake_time: f64 = all.intake.iter().map(Duration::as_secs_f64).sum();
    let transition_time: f64 = all.transitions.iter().map(Duration::as_secs_f64).sum();
    let busy = intake_time + transition_time;
    // Requests overlap across clients; each kind's throughput is its share of the wall time.
    let intake_rate = all.intake.len() as f64 / (elapsed * intake_time / busy);
    let transition_rate = all.transitions.len() as f64 / (elapsed * transition_time / busy);
    println!(
        "clients {clients}, dossiers {}, requests {}, wall {elapsed:.2} s, overall {:.0} requests/s",
        all.intake.len(),
        all.intake.len() + all.transitions.len(),
        (all.intake.len() + all.transitions.len()) as f64 / elapsed
    );
    println!(
        "intake:      {:.0}/s  p50 {:.2} ms  p99 {:.2} ms",
        intake_rate,
        percentile(&all.intake, 0.5),
        percentile(&all.intake, 0.99)
    );
    println!(
        "transitions: {:.0}/s  p50 {:.2} ms  p99 {:.2} ms",
        transition_rate,
        percentile(&all.transitions, 0.5),
        percentile(&all.transitions, 0.99)
    );
    Ok(())
}
