//! Crash safety, as an operator would see it: `motcua serve` runs under concurrent write load and
//! is killed with SIGKILL at a random moment, four times, and restarted each time; the clients
//! keep a ledger of what the server acknowledged. Afterwards every acknowledged dossier exists
//! with its whole history (a write whose answer was lost may or may not be there, nothing else
//! may differ), retried intakes find the dossier their key created, and `motcua check` finds no
//! difference between the statistics and the event log. On SQLite and on PostgreSQL.

mod common;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Kills with the server under load.
const ROUNDS: usize = 4;
/// Concurrent clients.
const CLIENTS: usize = 8;
/// The receiving ward and the marital status certificate (four workflow steps).
const UNIT: &str = "26740";
const PROCEDURE: &str = "1.004873";
/// A dossier at version `v` (its number of events) takes `LIFECYCLE[v - 1]` next.
const LIFECYCLE: [&str; 7] =
    ["accept", "complete_step", "complete_step", "complete_step", "complete_step", "decide", "return_result"];
/// The event kinds of the whole history.
const KINDS: [&str; 8] = [
    "submitted",
    "accepted",
    "step_completed",
    "step_completed",
    "step_completed",
    "step_completed",
    "decided",
    "result_returned",
];
const FINISHED: i64 = KINDS.len() as i64;

fn motcua(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(args)
        .env_remove("MOTCUA_CONFIG")
        .env_remove("MOTCUA_DATABASE_URL")
        .output()
        .expect("runs")
}

fn catalogue(file: &str) -> String {
    format!("{}/../../data/catalog/{file}", env!("CARGO_MANIFEST_DIR"))
}

fn temp_path(name: &str, extension: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "motcua-crash-{name}-{}-{}.{extension}",
        std::process::id(),
        jiff::Timestamp::now().as_nanosecond()
    ))
}

fn today() -> jiff::civil::Date {
    jiff::Timestamp::now().to_zoned(calendar::ho_chi_minh_time_zone()).date()
}

/// A running `motcua serve`; killed (SIGKILL) when dropped, so a failing test leaves no server.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(url: &str, log: &Path) -> Server {
        let stderr = std::fs::OpenOptions::new().create(true).append(true).open(log).expect("server log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_motcua"))
            .args(["serve", "--database", url, "--listen", "127.0.0.1:0"])
            .env_remove("MOTCUA_CONFIG")
            .env_remove("MOTCUA_DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("serve");
        let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("first line");
        let Some(start) = line.find("http://") else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("serve printed no URL: {line:?}; its log:\n{}", std::fs::read_to_string(log).unwrap_or_default());
        };
        let base = line[start..].trim().trim_end_matches("/api/v1/openapi.json").to_owned();
        // Keep the pipe open and drained: the server must never write into a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        Server { child, base }
    }

    /// SIGKILL (`Child::kill` on Unix), then reap.
    fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the server told the clients, shared by them.
#[derive(Default)]
struct Ledger {
    /// Per dossier: its number of events as acknowledged (a write's 200/201), or as read back
    /// from the server after a restart.
    acked: BTreeMap<String, i64>,
    /// Dossiers whose last write got no answer: it may or may not have committed.
    in_doubt: BTreeSet<String>,
    /// Dossiers waiting for their next transition (no client holds them).
    idle: Vec<String>,
    /// Idempotency keys whose intake got no answer; retried with the same key.
    lost_intakes: VecDeque<String>,
    next_key: u64,
    tally: Tally,
    /// Answers that should not happen (a 4xx/5xx, a wrong version, a dossier appearing twice).
    failures: Vec<String>,
}

#[derive(Default, Debug, Clone, Copy)]
struct Tally {
    /// Writes answered 201/200.
    acknowledged: u64,
    /// Writes without an answer whose request had been sent (in flight at the kill).
    in_flight_at_kill: u64,
    /// Writes refused a connection (the server was already dead).
    refused: u64,
    /// Unanswered writes later found committed (by a read, or an intake retried with its key).
    found_committed: u64,
    /// Unanswered writes later found not committed.
    found_absent: u64,
}

enum Work {
    Intake { key: String, retry: bool },
    Continue(String),
}

impl Ledger {
    fn next_work(&mut self) -> Work {
        if let Some(key) = self.lost_intakes.pop_front() {
            return Work::Intake { key, retry: true };
        }
        // Dossiers whose last write is in doubt first (the recovery this test is about), then
        // a coin decides between an existing dossier and a new one.
        if let Some(index) = self.idle.iter().position(|code| self.in_doubt.contains(code)) {
            return Work::Continue(self.idle.swap_remove(index));
        }
        if !self.idle.is_empty() && fastrand::bool() {
            let index = fastrand::usize(..self.idle.len());
            return Work::Continue(self.idle.swap_remove(index));
        }
        self.next_key += 1;
        Work::Intake { key: format!("crash-{}", self.next_key), retry: false }
    }

    fn no_answer(&mut self, in_flight: bool) {
        if in_flight {
            self.tally.in_flight_at_kill += 1;
        } else {
            self.tally.refused += 1;
        }
    }

    fn release(&mut self, code: String) {
        if self.acked.get(&code).copied().unwrap_or(FINISHED) < FINISHED {
            self.idle.push(code);
        }
    }
}

enum Reply {
    Answer(u16, Value),
    /// No complete answer: `in_flight` when the request was sent (not a refused connection).
    NoAnswer {
        in_flight: bool,
    },
}

async fn send(request: reqwest::RequestBuilder) -> Reply {
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            match response.bytes().await {
                Ok(body) => Reply::Answer(status, serde_json::from_slice(&body).unwrap_or(Value::Null)),
                Err(_) => Reply::NoAnswer { in_flight: true },
            }
        }
        Err(error) => Reply::NoAnswer { in_flight: !error.is_connect() },
    }
}

#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    base: String,
    ledger: Arc<Mutex<Ledger>>,
}

impl Client {
    fn new(base: &str, token: &str, ledger: &Arc<Mutex<Ledger>>) -> Client {
        let http = common::client_with(token, Duration::from_secs(20));
        Client { http, base: base.to_owned(), ledger: ledger.clone() }
    }

    fn ledger(&self) -> std::sync::MutexGuard<'_, Ledger> {
        self.ledger.lock().expect("ledger")
    }

    /// Writes until the server stops answering (or answers something it should not).
    async fn run(self) {
        loop {
            let work = self.ledger().next_work();
            let code = match work {
                Work::Intake { key, retry } => match self.intake(key, retry).await {
                    Some(code) => code,
                    None => return,
                },
                Work::Continue(code) => {
                    if !self.resolve(&code).await {
                        return;
                    }
                    code
                }
            };
            if !self.transitions(&code, fastrand::usize(1..=3)).await {
                return;
            }
            self.ledger().release(code);
        }
    }

    /// Submits with an idempotency key; `retry` when an earlier attempt with this key got no
    /// answer (then 200 means it had committed, 201 that it had not).
    async fn intake(&self, key: String, retry: bool) -> Option<String> {
        let body = json!({
            "unit": UNIT,
            "procedure": PROCEDURE,
            "channel": "counter",
            "idempotency_key": key,
            "applicant": {"name": format!("Nguyễn Thị Thử {key}")},
        });
        let request = self.http.post(format!("{}/api/v1/dossiers", self.base));
        let reply = send(request.json(&body)).await;
        let mut ledger = self.ledger();
        let (status, body) = match reply {
            Reply::NoAnswer { in_flight } => {
                ledger.no_answer(in_flight);
                ledger.lost_intakes.push_back(key);
                return None;
            }
            Reply::Answer(status, body) => (status, body),
        };
        let code = body["code"].as_str().map(str::to_owned);
        match (status, code, body["version"].as_i64()) {
            (201 | 200, Some(code), Some(1)) if status == 201 || retry => {
                ledger.tally.acknowledged += 1;
                if retry {
                    if status == 200 {
                        ledger.tally.found_committed += 1;
                    } else {
                        ledger.tally.found_absent += 1;
                    }
                }
                if ledger.acked.insert(code.clone(), 1).is_some() {
                    ledger.failures.push(format!("intake {key} answered {status} with the known dossier {code}"));
                    return None;
                }
                Some(code)
            }
            _ => {
                ledger.failures.push(format!("intake {key} (retry: {retry}) answered {status}: {body}"));
                None
            }
        }
    }

    /// A dossier whose last write got no answer: reads it to learn whether the write committed.
    async fn resolve(&self, code: &str) -> bool {
        if !self.ledger().in_doubt.contains(code) {
            return true;
        }
        let reply = send(self.http.get(format!("{}/api/v1/dossiers/{code}", self.base))).await;
        let mut ledger = self.ledger();
        match reply {
            Reply::NoAnswer { .. } => {
                ledger.idle.push(code.to_owned());
                false
            }
            Reply::Answer(200, body) => {
                let acked = ledger.acked[code];
                let version = body["dossier"]["version"].as_i64();
                if version == Some(acked) {
                    ledger.tally.found_absent += 1;
                } else if version == Some(acked + 1) {
                    ledger.tally.found_committed += 1;
                    ledger.acked.insert(code.to_owned(), acked + 1);
                } else {
                    ledger.failures.push(format!(
                        "{code}: {acked} events acknowledged and one write in doubt, the server has version {version:?}"
                    ));
                    return false;
                }
                ledger.in_doubt.remove(code);
                true
            }
            Reply::Answer(status, body) => {
                ledger.failures.push(format!("{code}: reading it back after a restart answered {status}: {body}"));
                false
            }
        }
    }

    /// Up to `count` transitions of the lifecycle, each with the version it expects.
    async fn transitions(&self, code: &str, count: usize) -> bool {
        for _ in 0..count {
            let version = self.ledger().acked[code];
            if version >= FINISHED {
                return true;
            }
            let action = LIFECYCLE[usize::try_from(version - 1).expect("version")];
            let mut body = json!({"action": action, "expected_version": version});
            if action == "decide" {
                body["outcome"] = json!("approved");
            }
            let request = self.http.post(format!("{}/api/v1/dossiers/{code}/transitions", self.base));
            let reply = send(request.json(&body)).await;
            let mut ledger = self.ledger();
            match reply {
                Reply::NoAnswer { in_flight } => {
                    ledger.no_answer(in_flight);
                    ledger.in_doubt.insert(code.to_owned());
                    ledger.idle.push(code.to_owned());
                    return false;
                }
                Reply::Answer(200, body) if body["version"].as_i64() == Some(version + 1) => {
                    ledger.tally.acknowledged += 1;
                    ledger.acked.insert(code.to_owned(), version + 1);
                }
                Reply::Answer(status, body) => {
                    ledger.failures.push(format!("{code}: {action} at version {version} answered {status}: {body}"));
                    return false;
                }
            }
        }
        true
    }
}

/// Checks one acknowledged dossier against what the server has.
async fn verify_dossier(client: &Client, code: &str, acked: i64, in_doubt: bool) -> Result<i64, String> {
    let reply = send(client.http.get(format!("{}/api/v1/dossiers/{code}", client.base))).await;
    let Reply::Answer(status, body) = reply else {
        return Err(format!("{code}: no answer"));
    };
    if status != 200 {
        return Err(format!("{code}: {acked} events acknowledged, GET answered {status}: {body}"));
    }
    let events = body["events"].as_array().cloned().unwrap_or_default();
    let seqs: Vec<i64> = events.iter().map(|event| event["seq"].as_i64().unwrap_or(-1)).collect();
    let kinds: Vec<&str> = events.iter().map(|event| event["kind"].as_str().unwrap_or("?")).collect();
    let count = i64::try_from(events.len()).expect("count");
    let expected_seqs: Vec<i64> = (1..=count).collect();
    let allowed = if in_doubt { acked..=acked + 1 } else { acked..=acked };
    if !allowed.contains(&count)
        || seqs != expected_seqs
        || kinds != KINDS[..events.len().min(KINDS.len())]
        || body["dossier"]["version"].as_i64() != Some(count)
    {
        return Err(format!(
            "{code}: {acked} events acknowledged (a later write in doubt: {in_doubt}), the server has version {} \
             and events seq {seqs:?} kinds {kinds:?}",
            body["dossier"]["version"]
        ));
    }
    Ok(count)
}

/// Four kills under load, then the proof.
fn crash_rounds(url: &str, name: &str) {
    let started = Instant::now();
    let log = temp_path(name, "log");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let first_day = today();
    let output = motcua(&[
        "import-catalog",
        &catalogue("hcmc-units-2024.toml"),
        &catalogue("hcmc-units-2025.toml"),
        &catalogue("hcmc-procedures.toml"),
        "--database",
        url,
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let token = common::staff_token(url, "crash.officer", UNIT);

    let ledger = Arc::new(Mutex::new(Ledger::default()));
    for round in 1..=ROUNDS {
        let mut server = Server::start(url, &log);
        let client = Client::new(&server.base, &token, &ledger);
        let delay = Duration::from_millis(fastrand::u64(300..=1500));
        runtime.block_on(async {
            let tasks: Vec<_> = (0..CLIENTS).map(|_| tokio::spawn(client.clone().run())).collect();
            tokio::time::sleep(delay).await;
            server.kill();
            for task in tasks {
                task.await.expect("client task");
            }
        });
        let state = ledger.lock().expect("ledger");
        println!(
            "{name} round {round}: SIGKILL after {delay:?}; {} dossiers acknowledged so far, {} in doubt, {} lost intakes; {:?}",
            state.acked.len(),
            state.in_doubt.len(),
            state.lost_intakes.len(),
            state.tally
        );
        assert!(state.failures.is_empty(), "unexpected answers in round {round}:\n{}", state.failures.join("\n"));
    }

    // Restart once more: retry the intakes whose answer was lost (so that every dossier in the
    // database is in the ledger), then read back every dossier.
    let mut server = Server::start(url, &log);
    let client = Client::new(&server.base, &token, &ledger);
    let (problems, events, stats) = runtime.block_on(async {
        let lost: Vec<String> = ledger.lock().expect("ledger").lost_intakes.drain(..).collect();
        for key in lost {
            let code = client.intake(key, true).await;
            assert!(code.is_some(), "{:?}", ledger.lock().expect("ledger").failures);
        }
        let snapshot: Vec<(String, i64, bool)> = {
            let ledger = ledger.lock().expect("ledger");
            assert!(ledger.failures.is_empty(), "{}", ledger.failures.join("\n"));
            ledger.acked.iter().map(|(code, n)| (code.clone(), *n, ledger.in_doubt.contains(code))).collect()
        };
        let mut problems = Vec::new();
        let mut events = BTreeMap::new();
        for (code, acked, in_doubt) in snapshot {
            match verify_dossier(&client, &code, acked, in_doubt).await {
                Ok(count) => {
                    events.insert(code, count);
                }
                Err(problem) => problems.push(problem),
            }
        }
        let stats = client
            .http
            .get(format!(
                "{}/api/v1/stats?unit={UNIT}&procedure={PROCEDURE}&from={first_day}&to={}",
                client.base,
                today()
            ))
            .send()
            .await
            .expect("stats")
            .json::<Value>()
            .await
            .expect("stats JSON");
        (problems, events, stats)
    });
    server.kill();
    assert!(
        problems.is_empty(),
        "{} of {} acknowledged dossiers differ after the crashes:\n{}",
        problems.len(),
        events.len() + problems.len(),
        problems.join("\n")
    );
    // Every dossier in the database is in the ledger now: the period report counts exactly them.
    let at_least = |n: i64| i64::try_from(events.values().filter(|count| **count >= n).count()).expect("count");
    assert_eq!(stats["received"].as_i64(), Some(at_least(2)), "{stats}");
    assert_eq!(stats["settled"].as_i64(), Some(at_least(7)), "{stats}");
    assert_eq!(stats["returned"].as_i64(), Some(at_least(8)), "{stats}");

    let output = motcua(&["check", "--database", url]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "check failed:\n{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("consistent"), "{stdout}");

    let tally = ledger.lock().expect("ledger").tally;
    assert!(tally.in_flight_at_kill > 0, "no write was in flight at any kill: {tally:?}");
    println!(
        "{name}: {} dossiers, {} events checked, {tally:?}, {:.1} s",
        events.len(),
        events.values().sum::<i64>(),
        started.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_file(&log);
}

#[test]
fn sqlite_survives_sigkill_under_load() {
    let path = temp_path("sqlite", "db");
    crash_rounds(&format!("sqlite:{}", path.display()), "sqlite");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[test]
fn postgres_survives_sigkill_under_load() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let (url, database) = runtime.block_on(store_tests::fresh_postgres_database("crash"));
    crash_rounds(&url, "postgres");
    runtime.block_on(store_tests::drop_postgres_database(&database));
}
