//! Black-box API tests: a fresh database per test, the server on port 0, a manual clock.

use std::sync::Arc;

use app::Store;
use jiff::Timestamp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use web::{AppState, ManualClock};

struct App {
    base: String,
    /// Sends the staff token of `officer-7` with every request.
    client: reqwest::Client,
    /// Sends nothing but what a test adds.
    anonymous: reqwest::Client,
    service: app::service::Service,
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
        let response = self.client.post(format!("{}{path}", self.base)).json(&body).send().await.expect("request");
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
    spawn_app_reading(store, None, cleanup).await
}

/// An app whose public look-ups and statistics read `reads` (a replica) when given.
async fn spawn_app_reading(
    store: Arc<dyn Store>,
    reads: Option<Arc<dyn Store>>,
    cleanup: Box<dyn FnOnce() + Send>,
) -> (App, Arc<dyn Store>) {
    let kept = store.clone();
    let mut service = store_tests::seeded(store).await;
    if let Some(reads) = reads {
        service = service.with_reads(reads);
    }
    let clock = Arc::new(ManualClock::new("2026-03-09T08:00:00+07:00".parse().expect("instant")));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let (sender, receiver) = tokio::sync::oneshot::channel::<()>();
    let token = staff_token(&service).await;
    let state = AppState::new(service.clone(), clock.clone());
    tokio::spawn(web::serve(state, listener, async move {
        let _ = receiver.await;
    }));
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {token}").parse().expect("header"));
    let client = reqwest::Client::builder().default_headers(headers).build().expect("client");
    let app = App { base, client, anonymous: reqwest::Client::new(), service, clock, shutdown: Some(sender), cleanup };
    (app, kept)
}

/// `officer-7`: desk and processing officer for the whole city and head of every unit, through an
/// API token.
async fn staff_token(service: &app::service::Service) -> String {
    use app::access::{Actor, Role};
    let (by, at) = (Actor::system("test"), "2026-03-09T07:00:00+07:00".parse::<Timestamp>().expect("instant"));
    service.add_user("officer-7", "Cán bộ Bảy", "mật khẩu thử nghiệm", &by, at).await.expect("user");
    for role in [Role::DeskOfficer, Role::ProcessingOfficer] {
        service.grant("officer-7", role, "79", &by, at).await.expect("grant");
    }
    let day = domain::dossier::local_day(at);
    for unit in service.store().list_units(day).await.expect("units") {
        service.grant("officer-7", Role::UnitHead, &unit.code, &by, at).await.expect("grant");
    }
    let roles = [Role::DeskOfficer, Role::ProcessingOfficer, Role::UnitHead];
    service.create_api_token("officer-7", "tests", &roles, &by, at).await.expect("token").1
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
    assert_eq!(views[0]["viewer"], "officer-7");
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
    let service =
        app::service::Service::new(store, std::sync::Arc::new(calendar::WorkingTime::hcmc_builtin().expect("engine")));
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
            "INVALID_VALUE",
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
            "UNKNOWN_FIELD",
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

/// The session cookie from a log-in answer (`name=value`), checking its attributes.
fn session_cookie(response: &reqwest::Response) -> String {
    let set_cookie = response.headers().get("set-cookie").and_then(|value| value.to_str().ok()).expect("set-cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=36000"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "no TLS in this test: {set_cookie}");
    set_cookie.split(';').next().expect("pair").to_owned()
}

/// Accounts end to end over HTTP: credentials required, log-in with backoff, the session cookie
/// and its CSRF token, scoping to the officer's ward, log-out, disabled accounts and revoked
/// tokens, strict content types, body limits, NFC, and client addresses in the audit trail.
async fn accounts_and_sessions(app: App, store: Arc<dyn Store>) {
    use app::access::{Actor, Role};
    let by = Actor::system("test");
    app.at("2026-03-09T09:00:00+07:00");
    let now = "2026-03-09T09:00:00+07:00".parse::<Timestamp>().expect("instant");
    app.service.add_user("canbo.phuong", "Cán bộ phường", "mật khẩu của phường", &by, now).await.expect("user");
    app.service.grant("canbo.phuong", Role::DeskOfficer, "26740", &by, now).await.expect("grant");
    let url = |path: &str| format!("{}{path}", app.base);
    let intake = |unit: &str, name: &str| json!({ "unit": unit, "procedure": "1.004873", "channel": "counter", "applicant": { "name": name } });

    // No credentials, a malformed header, an unknown token.
    let response = app.anonymous.post(url("/api/v1/dossiers")).json(&intake("26740", "A")).send().await.expect("post");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.json::<Value>().await.expect("json")["error"]["code"], "UNAUTHENTICATED");
    for (header, code) in [("Basic abc", "INVALID_AUTHORIZATION"), ("Bearer mc_0000", "INVALID_TOKEN")] {
        let response =
            app.anonymous.get(url("/api/v1/session")).header("authorization", header).send().await.expect("get");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.json::<Value>().await.expect("json")["error"]["code"], code);
    }

    // Wrong passwords: the fifth locks for 30 s; the right password is refused until then.
    let login = |password: &str| {
        app.anonymous
            .post(url("/api/v1/session"))
            .json(&json!({ "login": "canbo.phuong", "password": password }))
            .send()
    };
    for _ in 0..5 {
        let response = login("sai mật khẩu").await.expect("post");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.json::<Value>().await.expect("json")["error"]["code"], "LOGIN_FAILED");
    }
    let response = login("mật khẩu của phường").await.expect("post");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.json::<Value>().await.expect("json")["error"]["code"], "ACCOUNT_LOCKED");
    let unknown = app
        .anonymous
        .post(url("/api/v1/session"))
        .json(&json!({ "login": "khong.co", "password": "mật khẩu của phường" }))
        .send()
        .await
        .expect("post");
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    app.at("2026-03-09T09:00:31+07:00");
    // Typed with combining marks (another keyboard mode): the same password after NFC.
    let decomposed: String = unicode_normalization::UnicodeNormalization::nfd("mật khẩu của phường").collect();
    let response = login(&decomposed).await.expect("post");
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = session_cookie(&response);
    let session: Value = response.json().await.expect("json");
    let csrf = session["csrf_token"].as_str().expect("csrf").to_owned();
    assert_eq!(session["grants"][0]["role"], "desk_officer");

    // With the cookie: reads need no CSRF token, writes do.
    let response = app.anonymous.get(url("/api/v1/session")).header("cookie", &cookie).send().await.expect("get");
    assert_eq!(response.json::<Value>().await.expect("json")["csrf_token"], csrf.as_str());
    let write = |unit: &str, csrf: Option<&str>| {
        let mut request = app.anonymous.post(url("/api/v1/dossiers")).header("cookie", &cookie);
        if let Some(csrf) = csrf {
            request = request.header("x-csrf-token", csrf);
        }
        request.json(&intake(unit, "Đỗ Văn E")).send()
    };
    for csrf in [None, Some("0000")] {
        let response = write("26740", csrf).await.expect("post");
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert_eq!(response.json::<Value>().await.expect("json")["error"]["code"], "CSRF_FAILED");
    }
    let response = write("26740", Some(&csrf)).await.expect("post");
    assert_eq!(response.status(), StatusCode::CREATED);
    let own: Value = response.json().await.expect("json");
    let own_code = own["code"].as_str().expect("code").to_owned();

    // The ward officer cannot act in or read another ward; nothing is written.
    let before = store.dossier_count().await.expect("count");
    let response = write("26737", Some(&csrf)).await.expect("post");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(response.json::<Value>().await.expect("json")["error"]["code"], "ACCESS_DENIED");
    assert_eq!(store.dossier_count().await.expect("count"), before);
    let (_, other) = app.post("/api/v1/dossiers", intake("26737", "Hồ Thị F")).await;
    let other_code = other["code"].as_str().expect("code");
    let response = app
        .anonymous
        .get(url(&format!("/api/v1/dossiers/{other_code}")))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // A desk officer accepts but does not process.
    let transition = |code: &str, body: Value| {
        app.anonymous
            .post(url(&format!("/api/v1/dossiers/{code}/transitions")))
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .json(&body)
            .send()
    };
    assert_eq!(transition(&own_code, json!({ "action": "accept" })).await.expect("post").status(), StatusCode::OK);
    let response = transition(&own_code, json!({ "action": "complete_step" })).await.expect("post");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // Every write and read carries the client address in the audit trail.
    let unit = store.find_unit("26740", domain::dossier::local_day(now)).await.expect("unit").expect("ward");
    let entries = store.audit_for_target(unit.id, &own_code).await.expect("audit");
    let actions: Vec<(&str, &str, Option<&str>)> = entries
        .iter()
        .map(|entry| (entry.write.action.as_str(), entry.write.actor.as_str(), entry.write.client.as_deref()))
        .collect();
    assert_eq!(
        actions,
        [("submitted", "canbo.phuong", Some("127.0.0.1")), ("accepted", "canbo.phuong", Some("127.0.0.1"))]
    );

    // Strict content type, body limit, NFC of every string.
    let response =
        app.client.post(url("/api/v1/dossiers")).header("content-type", "text/plain").body("{}").send().await;
    let response = response.expect("post");
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(response.json::<Value>().await.expect("json")["error"]["code"], "UNSUPPORTED_MEDIA_TYPE");
    let huge = json!({ "unit": "26740", "procedure": "1.004873", "channel": "counter", "applicant": { "name": "x".repeat(2 << 20) } });
    let response = app.client.post(url("/api/v1/dossiers")).json(&huge).send().await.expect("post");
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(response.json::<Value>().await.expect("json")["error"]["code"], "PAYLOAD_TOO_LARGE");
    let name: String = unicode_normalization::UnicodeNormalization::nfd("Nguyễn Thị Hường").collect();
    let (status, created) = app.post("/api/v1/dossiers", intake("26740", &name)).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, detail) = app.get(&format!("/api/v1/dossiers/{}", created["code"].as_str().expect("code"))).await;
    assert_eq!(detail["applicant"]["name"], "Nguyễn Thị Hường");

    // Log-out ends the session.
    let response = app
        .anonymous
        .delete(url("/api/v1/session"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .expect("delete");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = app.anonymous.get(url("/api/v1/session")).header("cookie", &cookie).send().await.expect("get");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.json::<Value>().await.expect("json")["error"]["code"], "SESSION_EXPIRED");

    // A disabled account's token stops working; enabled again it works; revoked it stops.
    let (id, token) =
        app.service.create_api_token("canbo.phuong", "may-quet", &[Role::DeskOfficer], &by, now).await.expect("token");
    let whoami = |token: String| {
        app.anonymous.get(url("/api/v1/session")).header("authorization", format!("Bearer {token}")).send()
    };
    assert_eq!(whoami(token.clone()).await.expect("get").status(), StatusCode::OK);
    app.service.set_user_disabled("canbo.phuong", true, &by, now).await.expect("disable");
    assert_eq!(whoami(token.clone()).await.expect("get").status(), StatusCode::UNAUTHORIZED);
    let response = login("mật khẩu của phường").await.expect("post");
    assert_eq!(response.json::<Value>().await.expect("json")["error"]["code"], "ACCOUNT_DISABLED");
    app.service.set_user_disabled("canbo.phuong", false, &by, now).await.expect("enable");
    assert_eq!(whoami(token.clone()).await.expect("get").status(), StatusCode::OK);
    assert!(app.service.revoke_api_token(id, &by, now).await.expect("revoke"));
    assert_eq!(whoami(token).await.expect("get").status(), StatusCode::UNAUTHORIZED);

    // The account events are in the audit trail too (chain 0), and every chain verifies.
    let report = app.service.audit_verify().await.expect("verify");
    assert_eq!(report.first_broken, None);
    let accounts = store.audit_page(None, 10_000).await.expect("audit");
    let account_actions: Vec<&str> =
        accounts.iter().filter(|entry| entry.write.chain == 0).map(|entry| entry.write.action.as_str()).collect();
    for action in
        ["user_add", "grant", "login_failed", "login_locked", "login", "logout", "user_disable", "token_revoke"]
    {
        assert!(account_actions.contains(&action), "{action} missing from {account_actions:?}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_and_sessions_sqlite() {
    let (app, store) = sqlite_app_with().await;
    accounts_and_sessions(app, store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_and_sessions_postgres() {
    let (app, store) = postgres_app_with("api_accounts").await;
    accounts_and_sessions(app, store).await;
}

/// With a read-only replica: public look-ups, the statistics API and the board read the replica
/// (here a second database the primary's writes have not reached, as a lagging replica would be);
/// staff reads and writes stay on the primary.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_reads_go_to_the_replica() {
    let stamp = Timestamp::now().as_nanosecond();
    let paths: Vec<std::path::PathBuf> = ["primary", "replica"]
        .iter()
        .map(|name| std::env::temp_dir().join(format!("motcua-{name}-{}-{stamp}.db", std::process::id())))
        .collect();
    let open = |path: &std::path::PathBuf| {
        let url = format!("sqlite:{}", path.display());
        async move { Arc::new(store_sqlite::SqliteStore::connect(&url).await.expect("open")) as Arc<dyn Store> }
    };
    let replica = open(&paths[1]).await;
    store_tests::seeded(replica.clone()).await;
    let removed = paths.clone();
    let (app, primary) = spawn_app_reading(
        open(&paths[0]).await,
        Some(replica.clone()),
        Box::new(move || {
            for path in &removed {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
        }),
    )
    .await;
    let (status, created) = app
        .post("/api/v1/dossiers", json!({ "unit": "26740", "procedure": "1.004873", "channel": "counter", "applicant": { "name": "Đặng Văn Bản Sao" } }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let code = created["code"].as_str().expect("code").to_owned();
    let secret = created["receipt_secret"].as_str().expect("secret").to_owned();
    assert_eq!(primary.dossier_count().await.expect("count"), 1);
    assert_eq!(replica.dossier_count().await.expect("count"), 0);
    // Staff read the primary.
    let (status, _) = app.get(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(status, StatusCode::OK);
    // The public look-up and the statistics read the replica, which has not seen it yet.
    let (status, _) = app.get(&format!("/api/v1/public/dossiers/{code}?secret={secret}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, stats) = app.get("/api/v1/stats?unit=26740&from=2026-03-01&to=2026-03-31").await;
    assert_eq!((status, stats["received"].as_i64()), (StatusCode::OK, Some(0)), "{stats}");
    // Once the replica has it (copied here as replication would), the look-up finds it.
    let record = primary.dossier(&code).await.expect("read").expect("dossier");
    let batch = app::BulkBatch {
        dossiers: vec![app::BulkDossier {
            unit_id: record.dossier.unit_id,
            current_unit_id: record.dossier.current_unit_id,
            state: record.dossier.state.clone(),
            events: record.events.clone(),
            applicant: record.applicant.clone(),
        }],
        ..app::BulkBatch::default()
    };
    replica.bulk_insert(&batch).await.expect("replicate");
    replica.bulk_finish().await.expect("finish the copy");
    let (status, found) = app.get(&format!("/api/v1/public/dossiers/{code}?secret={secret}")).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["code"], code.as_str());
    app.stop().await;
}
