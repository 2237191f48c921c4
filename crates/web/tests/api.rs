//! Black-box API tests: a fresh database per test, the server on port 0, a manual clock.

use std::sync::Arc;

use jiff::Timestamp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use store::Store;
use web::{AppState, ManualClock};

struct App {
    base: String,
    client: reqwest::Client,
    clock: Arc<ManualClock>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    cleanup: Box<dyn FnOnce() + Send>,
}

impl App {
    fn at(&self, instant: &str) {
        self.clock.set(instant.parse::<Timestamp>().expect("instant"));
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let response = self.client.get(format!("{}{path}", self.base)).send().await.expect("request");
        let status = response.status();
        (status, response.json().await.expect("JSON body"))
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header("x-actor", "officer-7")
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = response.status();
        (status, response.json().await.expect("JSON body"))
    }

    async fn act(&self, code: &str, at: &str, body: Value) -> Value {
        self.at(at);
        let (status, dossier) = self.post(&format!("/api/v1/dossiers/{code}/transitions"), body.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body}: {dossier}");
        dossier
    }

    async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        (self.cleanup)();
    }
}

async fn spawn_app_with(store: Arc<dyn Store>, cleanup: Box<dyn FnOnce() + Send>) -> (App, Arc<dyn Store>) {
    let kept = store.clone();
    let service = store_tests::seeded(store).await;
    let clock = Arc::new(ManualClock::new("2026-03-09T08:00:00+07:00".parse().expect("instant")));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let (sender, receiver) = tokio::sync::oneshot::channel::<()>();
    let state = AppState::new(service, clock.clone());
    tokio::spawn(web::serve(state, listener, async move {
        let _ = receiver.await;
    }));
    (App { base, client: reqwest::Client::new(), clock, shutdown: Some(sender), cleanup }, kept)
}

async fn sqlite_app() -> App {
    sqlite_app_with().await.0
}

async fn sqlite_app_with() -> (App, Arc<dyn Store>) {
    let path =
        std::env::temp_dir().join(format!("motcua-api-{}-{}.db", std::process::id(), Timestamp::now().as_nanosecond()));
    let store = store_sqlite::SqliteStore::connect(&format!("sqlite:{}", path.display())).await.expect("open");
    spawn_app_with(
        Arc::new(store),
        Box::new(move || {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }),
    )
    .await
}

async fn postgres_app(hint: &str) -> App {
    postgres_app_with(hint).await.0
}

async fn postgres_app_with(hint: &str) -> (App, Arc<dyn Store>) {
    let (url, name) = store_tests::fresh_postgres_database(hint).await;
    let store = store_postgres::PostgresStore::connect(&url).await.expect("connect");
    spawn_app_with(
        Arc::new(store),
        Box::new(move || {
            let handle = std::thread::spawn(move || {
                if let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    runtime.block_on(store_tests::drop_postgres_database(&name));
                }
            });
            let _ = handle.join();
        }),
    )
    .await
}

fn kinds(detail: &Value) -> Vec<String> {
    detail["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|event| event["kind"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// One dossier from intake to return through a channel, checking every event, the due instant,
/// the classification and the statistics.
async fn lifecycle_through(app: &App, channel: &str, submitted: &str, accepted: &str, expected_due: &str) {
    app.at(submitted);
    let (status, created) = app
        .post(
            "/api/v1/dossiers",
            json!({ "unit": "26740", "procedure": "1.004873", "channel": channel, "idempotency_key": format!("key-{channel}"),
                    "applicant": { "name": "Trần Thị Bình", "id_number": "079190000002", "phone": "0901234567" } }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let code = created["code"].as_str().expect("code").to_owned();
    assert!(code.starts_with("26740-2603"), "{code}");
    assert_eq!(created["channel"], channel);
    assert_eq!(created["status"], "submitted");
    let accepted_dossier = app.act(&code, accepted, json!({ "action": "accept", "expected_version": 1 })).await;
    assert_eq!(accepted_dossier["legal_due"], expected_due);
    assert_eq!(accepted_dossier["appointment"], expected_due);
    for _ in 0..3 {
        app.act(&code, accepted, json!({ "action": "complete_step" })).await;
    }
    let decided = app.act(&code, accepted, json!({ "action": "decide", "outcome": "approved" })).await;
    assert_eq!(decided["completion"], "early");
    let returned = app.act(&code, accepted, json!({ "action": "return_result" })).await;
    assert_eq!(returned["status"], "returned");
    let (status, detail) = app.get(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        kinds(&detail),
        ["submitted", "accepted", "step_completed", "step_completed", "step_completed", "decided", "result_returned"]
    );
    assert_eq!(detail["events"][1]["actor"], "officer-7");
    assert_eq!(detail["events"][1]["channel"], "counter");
    assert_eq!(detail["applicant"]["name"], "Trần Thị Bình");
    // The public look-up needs the receipt's secret and shows no personal data and no staff names.
    let secret = created["receipt_secret"].as_str().expect("the receipt carries its secret").to_owned();
    assert_eq!(secret.len(), 8);
    for wrong in [String::new(), "?secret=AAAAAAAA".to_owned()] {
        let (status, error) = app.get(&format!("/api/v1/public/dossiers/{code}{wrong}")).await;
        assert_eq!((status, error["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("NOT_FOUND")));
    }
    let (status, public) = app.get(&format!("/api/v1/public/dossiers/{code}?secret={}", secret.to_lowercase())).await;
    assert_eq!(status, StatusCode::OK);
    let text = public.to_string();
    assert!(!text.contains("Bình") && !text.contains("0901234567") && !text.contains("officer-7"), "{text}");
    assert_eq!(public["status"], "returned");
    // The citizen sees who read the personal data: the staff read above.
    let (status, views) = app.get(&format!("/api/v1/public/dossiers/{code}/views?secret={secret}")).await;
    assert_eq!(status, StatusCode::OK, "{views}");
    assert_eq!(views.as_array().map(Vec::len), Some(1), "{views}");
    assert_eq!(views[0]["viewer"], "api");
    assert_eq!(public["procedure_name"], "Cấp Giấy xác nhận tình trạng hôn nhân");
    // Idempotent: the same key gives the same dossier, 200.
    let (status, again) = app
        .post("/api/v1/dossiers", json!({ "unit": "26740", "procedure": "1.004873", "channel": channel, "idempotency_key": format!("key-{channel}"), "applicant": { "name": "Trần Thị Bình" } }))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["code"], code.as_str());
    assert_eq!(again["receipt_secret"], secret.as_str(), "the same receipt for a repeated submission");
}

async fn every_channel(app: App) {
    // Counter: received in office hours, due three working days later to the minute.
    lifecycle_through(
        &app,
        "counter",
        "2026-03-09T09:00:00+07:00",
        "2026-03-09T09:10:00+07:00",
        "2026-03-12T09:10:00+07:00",
    )
    .await;
    // Post: accepted on arrival after 15:00 on a Friday.
    lifecycle_through(
        &app,
        "post",
        "2026-03-13T15:30:00+07:00",
        "2026-03-13T15:40:00+07:00",
        "2026-03-18T15:40:00+07:00",
    )
    .await;
    // Online on a Saturday evening, accepted Monday morning.
    lifecycle_through(
        &app,
        "online",
        "2026-03-14T21:00:00+07:00",
        "2026-03-16T08:00:00+07:00",
        "2026-03-19T08:00:00+07:00",
    )
    .await;
    // National portal, accepted at lunchtime: the morning is used up, so three working days end
    // at the close of the morning (11:30), not at the next opening.
    lifecycle_through(
        &app,
        "national_portal",
        "2026-03-16T11:45:00+07:00",
        "2026-03-16T12:15:00+07:00",
        "2026-03-19T11:30:00+07:00",
    )
    .await;
    let (status, stats) = app.get("/api/v1/stats?unit=26740&from=2026-03-01&to=2026-03-31").await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    assert_eq!(stats["received"], 4);
    for channel in ["counter", "post", "online", "national_portal"] {
        assert_eq!(stats[format!("received_{channel}")], 1, "{stats}");
    }
    assert_eq!(
        (stats["settled_early"].as_i64(), stats["returned"].as_i64(), stats["in_progress"].as_i64()),
        (Some(4), Some(4), Some(0))
    );
    assert_eq!(stats["on_time_rate"], 1.0);
    assert_eq!(stats["unit_name"], "Phường Sài Gòn");
    let (status, steps) = app.get("/api/v1/stats/steps?unit=26740&from=2026-03-01&to=2026-03-31").await;
    assert_eq!(status, StatusCode::OK, "{steps}");
    assert_eq!(steps[0]["procedure"], "1.004873");
    assert_eq!(steps[0]["count"], 4);
    app.stop().await;
}

/// 8 clients at once through HTTP: nothing lost, no code twice, statistics equal the recount.
async fn parallel_clients(app: App, store: std::sync::Arc<dyn Store>) {
    app.at("2026-03-10T09:00:00+07:00");
    let mut tasks = Vec::new();
    for client in 0..8 {
        let (base, http) = (app.base.clone(), app.client.clone());
        tasks.push(tokio::spawn(async move {
            let mut codes = Vec::new();
            for index in 0..15 {
                let body = json!({ "unit": if index % 2 == 0 { "26740" } else { "26737" }, "procedure": "1.004873", "channel": "online",
                    "idempotency_key": format!("c{client}-{index}"), "applicant": { "name": "Phạm Thị D" } });
                let created: Value = http.post(format!("{base}/api/v1/dossiers")).json(&body).send().await.expect("post").json().await.expect("json");
                let code = created["code"].as_str().expect("code").to_owned();
                for action in [json!({ "action": "accept" }), json!({ "action": "complete_step" }), json!({ "action": "decide", "outcome": "approved" })] {
                    let response = http.post(format!("{base}/api/v1/dossiers/{code}/transitions")).json(&action).send().await.expect("post");
                    assert_eq!(response.status(), StatusCode::OK);
                }
                codes.push(code);
            }
            codes
        }));
    }
    let mut codes = std::collections::BTreeSet::new();
    for task in tasks {
        for code in task.await.expect("task") {
            assert!(codes.insert(code));
        }
    }
    assert_eq!(codes.len(), 120);
    let service = store::service::Service::new(
        store,
        std::sync::Arc::new(calendar::WorkingTime::hcmc_builtin().expect("engine")),
    );
    let report = service.check().await.expect("check");
    assert_eq!((report.dossiers, report.differences.len()), (120, 0), "{:?}", report.differences);
    let (_, stats) = app.get("/api/v1/stats?unit=26740&from=2026-03-01&to=2026-03-31").await;
    assert_eq!((stats["received_online"].as_i64(), stats["settled"].as_i64()), (Some(64), Some(64)));
    app.stop().await;
}

async fn errors_are_json_with_codes(app: App) {
    app.at("2026-03-09T09:00:00+07:00");
    let (_, created) = app
        .post("/api/v1/dossiers", json!({ "unit": "26740", "procedure": "1.001193", "channel": "counter", "applicant": { "name": "Lê Văn C" } }))
        .await;
    let code = created["code"].as_str().expect("code").to_owned();
    let cases: Vec<(String, Value, StatusCode, &str)> = vec![
        (
            format!("/api/v1/dossiers/{code}/transitions"),
            json!({ "action": "decide", "outcome": "approved" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "DOSSIER_INVALID_TRANSITION",
        ),
        (
            format!("/api/v1/dossiers/{code}/transitions"),
            json!({ "action": "fly" }),
            StatusCode::BAD_REQUEST,
            "INVALID_ACTION",
        ),
        (
            format!("/api/v1/dossiers/{code}/transitions"),
            json!({ "action": "refuse_intake" }),
            StatusCode::BAD_REQUEST,
            "MISSING_FIELD",
        ),
        (
            format!("/api/v1/dossiers/{code}/transitions"),
            json!({ "action": "accept", "expected_version": 7 }),
            StatusCode::CONFLICT,
            "DOSSIER_VERSION_CONFLICT",
        ),
        (
            format!("/api/v1/dossiers/{code}/transitions"),
            json!({ "action": "accept", "colour": 1 }),
            StatusCode::BAD_REQUEST,
            "INVALID_JSON",
        ),
        (
            "/api/v1/dossiers/26740-260309-9999/transitions".to_owned(),
            json!({ "action": "accept" }),
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
        ),
        (
            "/api/v1/dossiers".to_owned(),
            json!({ "unit": "26740", "procedure": "1.001193", "channel": "fax", "applicant": { "name": "X" } }),
            StatusCode::BAD_REQUEST,
            "INVALID_CHANNEL",
        ),
        (
            "/api/v1/dossiers".to_owned(),
            json!({ "unit": "26740", "procedure": "9.999999", "channel": "counter", "applicant": { "name": "X" } }),
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
        ),
        (
            "/api/v1/dossiers".to_owned(),
            json!({ "unit": "26740", "procedure": "1.001193", "channel": "counter", "applicant": { "name": " " } }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "APPLICANT_NAME_REQUIRED",
        ),
    ];
    for (path, body, status, code) in cases {
        let (found, error) = app.post(&path, body.clone()).await;
        assert_eq!(found, status, "{body}: {error}");
        assert_eq!(error["error"]["code"], code, "{body}: {error}");
        assert!(error["error"]["message"].as_str().is_some_and(|message| message.contains('/')), "{error}");
    }
    // Nothing was written by the refused requests.
    let (_, detail) = app.get(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(detail["events"].as_array().map(Vec::len), Some(1));
    let (status, error) = app.get("/api/v1/stats?unit=26740&from=2026-03-31&to=2026-03-01").await;
    assert_eq!(
        (status, error["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("STATS_INVALID_PERIOD"))
    );
    let (status, error) = app.get("/api/v1/stats?unit=26740&from=2026-02-30&to=2026-03-01").await;
    assert_eq!((status, error["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("INVALID_DATE")));
    let (status, error) = app.get("/api/v1/nothing-here").await;
    assert_eq!((status, error["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("NOT_FOUND")));
    // Public look-ups are limited per client address (60 a minute).
    let mut limited = false;
    for _ in 0..61 {
        let (status, body) = app.get("/api/v1/public/dossiers/26740-260309-0001?secret=XXXXXXXX").await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(body["error"]["code"], "RATE_LIMITED");
            limited = true;
        }
    }
    assert!(limited);
    let (status, document) = app.get("/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(document["openapi"], "3.1.0");
    assert!(document["paths"]["/api/v1/dossiers/{code}/transitions"]["post"].is_object());
    let (status, units) = app.get("/api/v1/units?date=2026-03-09").await;
    assert_eq!(status, StatusCode::OK);
    assert!(units.as_array().map(Vec::len).unwrap_or(0) > 200);
    let (status, procedure) = app.get("/api/v1/procedures/1.001193?date=2026-03-09").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(procedure["time_limit"]["kind"], "same_day");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_channel_sqlite() {
    every_channel(sqlite_app().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_channel_postgres() {
    every_channel(postgres_app("api_channels").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_sqlite() {
    errors_are_json_with_codes(sqlite_app().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_postgres() {
    errors_are_json_with_codes(postgres_app("api_errors").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_clients_sqlite() {
    let (app, store) = sqlite_app_with().await;
    parallel_clients(app, store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_clients_postgres() {
    let (app, store) = postgres_app_with("api_parallel").await;
    parallel_clients(app, store).await;
}
