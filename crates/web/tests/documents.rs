//! The forms issued in the dossier lifecycle (issue 7, part 4), end to end over HTTP on both
//! backends: each transition the one-stop rules tie to a form produces it, signed under the
//! acting unit's (demo) keys, stored with the event that carries its hash, downloadable by staff
//! and by the applicant with the receipt's secret; Poppler's `pdfsig` and `pdftotext` judge the
//! files; `/api/v1/public/verify` and the page `/xac-thuc` tell a genuine file from a changed one.

use std::process::Command;
use std::sync::Arc;

use app::Store;
use jiff::Timestamp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Digest;
use web::{AppState, ManualClock};

struct App {
    base: String,
    client: reqwest::Client,
    anonymous: reqwest::Client,
    clock: Arc<ManualClock>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl App {
    async fn start(store: Arc<dyn Store>) -> App {
        App::with_issuer(store, issuance::Issuer::demo(Timestamp::now()).expect("demo issuer")).await
    }

    async fn with_issuer(store: Arc<dyn Store>, issuer: issuance::Issuer) -> App {
        let issuer = Arc::new(issuer);
        let service = store_tests::seeded(store).await.with_issuer(issuer.clone());
        let clock = Arc::new(ManualClock::new("2026-03-09T08:00:00+07:00".parse().expect("instant")));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let token = token(&service).await;
        let mut state = AppState::new(service, clock.clone());
        state.verify = issuer.verify_options();
        let (sender, receiver) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(web::serve(state, listener, async move {
            let _ = receiver.await;
        }));
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {token}").parse().expect("header"));
        let client = reqwest::Client::builder().default_headers(headers).build().expect("client");
        App { base, client, anonymous: reqwest::Client::new(), clock, shutdown: Some(sender) }
    }

    async fn json(&self, response: reqwest::Response) -> (StatusCode, Value) {
        let status = response.status();
        (status, response.json().await.expect("JSON"))
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.json(self.client.post(format!("{}{path}", self.base)).json(&body).send().await.expect("request")).await
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.json(self.client.get(format!("{}{path}", self.base)).send().await.expect("request")).await
    }

    async fn bytes(&self, client: &reqwest::Client, path: &str) -> (StatusCode, Vec<u8>) {
        let response = client.get(format!("{}{path}", self.base)).send().await.expect("request");
        (response.status(), response.bytes().await.expect("body").to_vec())
    }

    async fn act(&self, code: &str, at: &str, body: Value) -> Value {
        self.clock.set(at.parse::<Timestamp>().expect("instant"));
        let (status, dossier) = self.post(&format!("/api/v1/dossiers/{code}/transitions"), body.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body}: {dossier}");
        dossier
    }

    async fn submit(&self, name: &str) -> (String, String) {
        let (status, created) = self
            .post(
                "/api/v1/dossiers",
                json!({ "unit": "26740", "procedure": "1.004873", "channel": "counter",
                        "applicant": { "name": name, "phone": "0901234567", "address": "số 5 đường Lý Tự Trọng" } }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        (
            created["code"].as_str().expect("code").to_owned(),
            created["receipt_secret"].as_str().expect("secret").to_owned(),
        )
    }

    async fn verify(&self, pdf: &[u8]) -> (StatusCode, Value) {
        let response = self
            .anonymous
            .post(format!("{}/api/v1/public/verify", self.base))
            .header("content-type", "application/pdf")
            .body(pdf.to_vec())
            .send()
            .await
            .expect("request");
        self.json(response).await
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

async fn token(service: &app::service::Service) -> String {
    use app::access::{Actor, Role};
    let (by, at) = (Actor::system("test"), "2026-03-09T07:00:00+07:00".parse::<Timestamp>().expect("instant"));
    service.add_user("officer-9", "Phạm Ngọc Ánh", "mật khẩu thử nghiệm", &by, at).await.expect("user");
    for role in [Role::DeskOfficer, Role::ProcessingOfficer] {
        service.grant("officer-9", role, "79", &by, at).await.expect("grant");
    }
    // The apology is the unit head's, on the dossier's own unit.
    service.grant("officer-9", Role::UnitHead, "26740", &by, at).await.expect("grant");
    let roles = [Role::DeskOfficer, Role::ProcessingOfficer, Role::UnitHead];
    service.create_api_token("officer-9", "tests", &roles, &by, at).await.expect("token").1
}

fn temp_pdf(tag: &str, pdf: &[u8]) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "motcua-issued-{}-{tag}-{}.pdf",
        std::process::id(),
        Timestamp::now().as_nanosecond()
    ));
    std::fs::write(&path, pdf).expect("write");
    path
}

/// `pdfsig`'s output for a file (Poppler; installed by scripts/ensure-doc-tools).
fn pdfsig(pdf: &[u8]) -> String {
    let path = temp_pdf("sig", pdf);
    let output = Command::new("pdfsig").arg(&path).output().expect("pdfsig (Debian poppler-utils) must be installed");
    let _ = std::fs::remove_file(&path);
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

fn pdftotext(pdf: &[u8]) -> String {
    let path = temp_pdf("text", pdf);
    let output = Command::new("pdftotext").arg("-layout").arg(&path).arg("-").output().expect("pdftotext");
    let _ = std::fs::remove_file(&path);
    assert!(output.status.success(), "pdftotext failed");
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// Keeps an issued form and its picture (`pdftoppm`) under target/test-artifacts/issued/ for a look.
fn keep(name: &str, pdf: &[u8]) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts/issued");
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).expect("write");
    let status = Command::new("pdftoppm")
        .args(["-png", "-r", "80", "-singlefile"])
        .arg(&path)
        .arg(dir.join(name))
        .status()
        .expect("pdftoppm");
    assert!(status.success());
}

fn document_of(event: &Value) -> &Value {
    &event["payload"]["document"]
}

async fn lifecycle_issues_signed_forms(app: App) {
    let (code, secret) = app.submit("Nguyễn Thị Thu Hà").await;
    // Accepting at the desk issues the receipt (form 01), signed by the unit's competent person.
    app.act(&code, "2026-03-09T08:30:00+07:00", json!({ "action": "accept", "expected_version": 1 })).await;
    let (status, detail) = app.get(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(status, StatusCode::OK);
    let accepted = &detail["events"][1];
    assert_eq!(accepted["kind"], "accepted");
    assert_eq!(document_of(accepted)["form"], "receipt");
    assert_eq!(document_of(accepted)["signatures"], 1);
    let (status, list) = app.get(&format!("/api/v1/dossiers/{code}/documents")).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["seq"], 2);
    assert_eq!(list[0]["title"], "Giấy tiếp nhận hồ sơ và hẹn trả kết quả");
    let (status, receipt) = app.bytes(&app.client, &format!("/api/v1/dossiers/{code}/documents/2")).await;
    assert_eq!(status, StatusCode::OK);
    // Content-addressed: the event names the file's hash.
    let hash = hex::encode(sha2::Sha256::digest(&receipt));
    assert_eq!(document_of(accepted)["sha256"], hash.as_str());
    assert_eq!(list[0]["sha256"], hash.as_str());
    let text = pdftotext(&receipt);
    for expected in [
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        code.as_str(),
        "Nguyễn Thị Thu Hà",
        "Phạm Ngọc Ánh",
        "phường Sài Gòn",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from the receipt:\n{text}");
    }
    let report = pdfsig(&receipt);
    assert_eq!(report.matches("Signature is Valid.").count(), 1, "{report}");
    keep("receipt", &receipt);

    // After appraisal the unit asks for a supplement (form 02), then receives it.
    let items = ["Bản sao giấy khai sinh có chứng thực"];
    app.act(&code, "2026-03-10T09:00:00+07:00", json!({ "action": "request_supplement", "items": items })).await;
    app.act(&code, "2026-03-11T09:00:00+07:00", json!({ "action": "receive_supplement" })).await;
    // The result will be late: the apology with a new appointment (form 04), signed by the head
    // and then sealed by the unit.
    let (_, detail) = app.get(&format!("/api/v1/dossiers/{code}")).await;
    let appointment: Timestamp =
        detail["dossier"]["appointment"].as_str().expect("an appointment while in progress").parse().expect("instant");
    let later = appointment + jiff::SignedDuration::from_hours(72);
    app.act(
        &code,
        "2026-03-12T10:00:00+07:00",
        json!({ "action": "apologize", "new_appointment": later.to_string(), "reason": "Chờ văn bản trả lời của Sở Tư pháp." }),
    )
    .await;
    let (_, list) = app.get(&format!("/api/v1/dossiers/{code}/documents")).await;
    let forms: Vec<&str> = list.as_array().expect("list").iter().map(|d| d["form"].as_str().unwrap_or("")).collect();
    assert_eq!(forms, ["receipt", "supplement-request", "apology"], "{list}");
    let supplement_seq = list[1]["seq"].as_i64().expect("seq");
    let (_, supplement) = app.bytes(&app.client, &format!("/api/v1/dossiers/{code}/documents/{supplement_seq}")).await;
    let text = pdftotext(&supplement);
    assert!(text.contains("Bản sao giấy khai sinh có chứng thực"), "{text}");
    assert!(text.contains("PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"), "{text}");
    let apology_seq = list[2]["seq"].as_i64().expect("seq");
    assert_eq!(list[2]["signatures"], 2);
    // The applicant downloads it with the receipt's secret; without it, nothing.
    let path = format!("/api/v1/public/dossiers/{code}/documents/{apology_seq}");
    let (status, _) = app.bytes(&app.anonymous, &path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, apology) = app.bytes(&app.anonymous, &format!("{path}?secret={secret}")).await;
    assert_eq!(status, StatusCode::OK);
    let text = pdftotext(&apology);
    assert!(text.contains("Chờ văn bản trả lời của Sở Tư pháp."), "{text}");
    assert!(text.contains("TM. ỦY BAN NHÂN DÂN"), "{text}");
    let report = pdfsig(&apology);
    assert_eq!(report.matches("Signature is Valid.").count(), 2, "person then agency, both valid: {report}");
    keep("apology", &apology);
    keep("supplement-request", &supplement);

    // Anyone checks a file: genuine, issued here for this dossier.
    let (status, verdict) = app.verify(&apology).await;
    assert_eq!(status, StatusCode::OK, "{verdict}");
    assert_eq!(verdict["genuine"], true, "{verdict}");
    assert_eq!(verdict["issued"][0]["code"], code.as_str());
    assert_eq!(verdict["issued"][0]["form"], "apology");
    let roles: Vec<&str> = verdict["signatures"]
        .as_array()
        .expect("signatures")
        .iter()
        .map(|s| s["role"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(roles, ["person", "agency"]);
    assert!(verdict["signatures"].as_array().expect("signatures").iter().all(|s| s["status"] == "VALID"), "{verdict}");
    // One byte of signed content changed: pdfsig and we both say so, and it is no longer ours.
    let mut changed = apology.clone();
    // A digit of the creation date in the (uncompressed) XMP metadata: the file still parses.
    let marker = b"<xmp:CreateDate>";
    let at = changed.windows(marker.len()).position(|window| window == marker).expect("XMP creation date");
    changed[at + marker.len() + 3] ^= 0x01;
    let report = pdfsig(&changed);
    assert!(!report.contains("Signature is Valid."), "{report}");
    let (status, verdict) = app.verify(&changed).await;
    assert_eq!(status, StatusCode::OK, "{verdict}");
    assert_eq!(verdict["genuine"], false, "{verdict}");
    assert_eq!(verdict["issued"].as_array().map(Vec::len), Some(0));
    assert!(
        verdict["signatures"].as_array().expect("signatures").iter().any(|s| s["status"] == "INVALID"),
        "{verdict}"
    );
    // Bad input: not a PDF, wrong media type, too large (the limit is 20 MiB here, 1 MiB elsewhere).
    let (status, error) = app.verify(b"this is not a PDF").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    let (status, error) = app.verify(&vec![b'%'; 3 << 20]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "3 MiB is read: {error}");
    // Over the limit: refused once more than 20 MiB is read. Asked over a raw connection that
    // sends one byte over the limit of a longer declared body and then reads, because a client
    // still writing when the server answers and closes gets a broken pipe instead of the
    // answer (a race of the client, not the server's behaviour).
    assert_eq!(status_over_limit(&app.base, 20 << 20, 21 << 20).await, StatusCode::PAYLOAD_TOO_LARGE);
    let response = app
        .anonymous
        .post(format!("{}/api/v1/public/verify", app.base))
        .header("content-type", "text/plain")
        .body(apology.clone())
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // The page: upload a file, or enter the code and the secret.
    let form = reqwest::multipart::Form::new().part(
        "tep",
        reqwest::multipart::Part::bytes(apology.clone())
            .file_name("thu-xin-loi.pdf")
            .mime_str("application/pdf")
            .expect("mime"),
    );
    let response = app.anonymous.post(format!("{}/xac-thuc", app.base)).multipart(form).send().await.expect("upload");
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.expect("page");
    assert!(page.contains("Văn bản hợp lệ"), "{page}");
    assert!(page.contains(&code), "the page names the dossier the file was issued for");
    let response =
        app.anonymous.get(format!("{}/xac-thuc?ma={code}&bi-mat={secret}", app.base)).send().await.expect("page");
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.expect("page");
    assert_eq!(page.matches("Chữ ký hợp lệ").count(), 3, "each stored document verified: {page}");
    assert!(page.contains("Phiếu xin lỗi và hẹn lại ngày trả kết quả"), "{page}");

    // Refused at the desk: the refusal (form 03) with the reason.
    let (refused, _) = app.submit("Võ Thanh Tùng").await;
    let reason = "Hồ sơ thuộc thẩm quyền của Ủy ban nhân dân phường Tân Định.";
    app.act(&refused, "2026-03-12T14:00:00+07:00", json!({ "action": "refuse_intake", "reason": reason })).await;
    let (_, list) = app.get(&format!("/api/v1/dossiers/{refused}/documents")).await;
    assert_eq!(list[0]["form"], "refusal", "{list}");
    let (_, refusal) = app.bytes(&app.client, &format!("/api/v1/dossiers/{refused}/documents/2")).await;
    assert!(pdftotext(&refusal).contains("phường Tân Định"), "the reason is in the refusal");
    keep("refusal", &refusal);
    assert_eq!(pdfsig(&refusal).matches("Signature is Valid.").count(), 1);
    // Text the form cannot print: the officer's own is refused with nothing written; the
    // applicant's (typed at intake) is printed with "?" in place of what the fonts lack.
    let (odd, _) = app.submit("Lê Văn Tám 😀").await;
    app.clock.set("2026-03-13T08:00:00+07:00".parse::<Timestamp>().expect("instant"));
    let (status, error) = app
        .post(
            &format!("/api/v1/dossiers/{odd}/transitions"),
            json!({ "action": "request_intake_supplement", "items": ["Ảnh 3x4 📷"] }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["error"]["code"], "DOCUMENT_DATA_INVALID", "{error}");
    let (_, detail) = app.get(&format!("/api/v1/dossiers/{odd}")).await;
    assert_eq!(detail["events"].as_array().map(Vec::len), Some(1), "nothing written: {detail}");
    app.act(&odd, "2026-03-13T08:05:00+07:00", json!({ "action": "accept" })).await;
    let (_, odd_receipt) = app.bytes(&app.client, &format!("/api/v1/dossiers/{odd}/documents/2")).await;
    assert!(pdftotext(&odd_receipt).contains("Lê Văn Tám ?"), "{}", pdftotext(&odd_receipt));
    // A transition that issues nothing stores nothing.
    app.act(&code, "2026-03-13T08:00:00+07:00", json!({ "action": "complete_step" })).await;
    let (_, list) = app.get(&format!("/api/v1/dossiers/{code}/documents")).await;
    assert_eq!(list.as_array().map(Vec::len), Some(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_issues_signed_forms_sqlite() {
    let path = std::env::temp_dir().join(format!(
        "motcua-issued-{}-{}.db",
        std::process::id(),
        Timestamp::now().as_nanosecond()
    ));
    let store = store_sqlite::SqliteStore::connect(&format!("sqlite:{}", path.display())).await.expect("open");
    lifecycle_issues_signed_forms(App::start(Arc::new(store)).await).await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_issues_signed_forms_postgres() {
    let (url, name) = store_tests::fresh_postgres_database("issued").await;
    let store = store_postgres::PostgresStore::connect(&url).await.expect("connect");
    lifecycle_issues_signed_forms(App::start(Arc::new(store)).await).await;
    store_tests::drop_postgres_database(&name).await;
}

/// Keys configured but missing for the unit: the acceptance is refused with 503 and a stable
/// code, the cause (a file path) stays in the server's log, and nothing is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_keys_refuse_the_transition_and_write_nothing() {
    let path = std::env::temp_dir().join(format!(
        "motcua-nokeys-{}-{}.db",
        std::process::id(),
        Timestamp::now().as_nanosecond()
    ));
    let keys = std::env::temp_dir().join(format!("motcua-nokeys-{}", std::process::id()));
    std::fs::create_dir_all(&keys).expect("empty keys directory");
    let store = store_sqlite::SqliteStore::connect(&format!("sqlite:{}", path.display())).await.expect("open");
    let issuer = issuance::Issuer::from_directory(&keys).expect("a directory");
    let app = App::with_issuer(Arc::new(store), issuer).await;
    let (code, _) = app.submit("Đỗ Thị Mai").await;
    let (status, error) =
        app.post(&format!("/api/v1/dossiers/{code}/transitions"), json!({ "action": "accept" })).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{error}");
    assert_eq!(error["error"]["code"], "SIGNING_KEYS_MISSING", "{error}");
    assert!(!error["error"]["message"].as_str().unwrap_or_default().contains(&keys.display().to_string()), "{error}");
    let (_, detail) = app.get(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(detail["dossier"]["status"], "submitted");
    assert_eq!(detail["events"].as_array().map(Vec::len), Some(1));
    drop(app);
    let _ = std::fs::remove_dir_all(&keys);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// The status `POST /api/v1/public/verify` answers to a PDF declared `declared` bytes long of
/// which `limit + 1` are sent (fewer if the server stops reading first).
async fn status_over_limit(base: &str, limit: usize, declared: usize) -> StatusCode {
    let address = base.trim_start_matches("http://").to_owned();
    let code = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&address).expect("connect");
        stream.set_read_timeout(Some(std::time::Duration::from_secs(30))).expect("timeout");
        let head = format!(
            "POST /api/v1/public/verify HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/pdf\r\n\
             Content-Length: {declared}\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).expect("write the request head");
        let chunk = vec![b'%'; 1 << 20];
        let mut left = limit + 1;
        while left > 0 {
            let size = left.min(chunk.len());
            if stream.write_all(&chunk[..size]).is_err() {
                break; // the server answered already
            }
            left -= size;
        }
        let mut answer = vec![0_u8; 1024];
        let read = stream.read(&mut answer).expect("an answer");
        let text = String::from_utf8_lossy(&answer[..read]).into_owned();
        text.split_whitespace().nth(1).and_then(|code| code.parse::<u16>().ok()).expect("a status line")
    })
    .await
    .expect("the request");
    StatusCode::from_u16(code).expect("a status code")
}
