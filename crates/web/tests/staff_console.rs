//! The staff console's write path over HTTP, on both backends: log in through the form, open a
//! dossier's page, take the CSRF token from its form and accept the dossier; a wrong token and a
//! missing session are refused and write nothing. The real router on port 0, a manual clock, a
//! client that follows no redirects and keeps the session cookie by hand, as a browser would.

use std::sync::Arc;

use app::access::{Actor, Role};
use app::prelude::*;
use app::service::{Service, SubmitRequest};
use domain::dossier::{Channel, Status};
use jiff::Timestamp;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderMap, LOCATION, ORIGIN, SET_COOKIE};
use web::{AppState, ManualClock};

const LOGIN: &str = "le.thi.e";
const PASSWORD: &str = "mật khẩu bàn một cửa";
const WARD: &str = "26740";

struct Console {
    base: String,
    /// Follows no redirects: the tests read each answer's status and `Location`.
    client: reqwest::Client,
    service: Service,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    cleanup: Box<dyn FnOnce() + Send>,
}

/// A request's answer: status, headers and body text.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn location(&self) -> Option<&str> {
        self.headers.get(LOCATION).and_then(|value| value.to_str().ok())
    }
}

impl Console {
    async fn get(&self, path: &str, session: Option<&str>) -> Answer {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if let Some(session) = session {
            request = request.header(COOKIE, format!("motcua_session={session}"));
        }
        answer(request.send().await.expect("request")).await
    }

    /// A form post from this site (the browser's `Origin` names our own host).
    async fn post_form(&self, path: &str, session: Option<&str>, fields: &[(&str, &str)]) -> Answer {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header(ORIGIN, &self.base)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(fields).expect("form"));
        if let Some(session) = session {
            request = request.header(COOKIE, format!("motcua_session={session}"));
        }
        answer(request.send().await.expect("request")).await
    }

    async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        (self.cleanup)();
    }
}

async fn answer(response: reqwest::Response) -> Answer {
    let (status, headers) = (response.status(), response.headers().clone());
    Answer { status, headers, body: response.text().await.expect("body") }
}

/// The value of `name` in the first `<input name="{name}" value="...">` of a page.
fn input_value(page: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker)? + marker.len();
    let length = page[start..].find('"')?;
    Some(page[start..start + length].to_owned())
}

/// Everything the store holds that a refused post must leave alone: the dossier's events and
/// the whole audit trail.
async fn written(service: &Service, code: &str) -> (usize, usize) {
    let record = service.store().dossier(code).await.expect("read").expect("dossier");
    let audit = service.store().audit_page(None, 10_000).await.expect("audit");
    (record.events.len(), audit.len())
}

async fn spawn_console(store: Arc<dyn Store>, cleanup: Box<dyn FnOnce() + Send>) -> Console {
    let service = store_tests::seeded(store).await;
    let clock = Arc::new(ManualClock::new("2026-03-09T09:00:00+07:00".parse().expect("instant")));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let (sender, receiver) = tokio::sync::oneshot::channel::<()>();
    let state = AppState::new(service.clone(), clock);
    tokio::spawn(web::serve(state, listener, async move {
        let _ = receiver.await;
    }));
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    Console { base, client, service, shutdown: Some(sender), cleanup }
}

async fn sqlite_console() -> Console {
    let path = std::env::temp_dir().join(format!(
        "motcua-console-{}-{}.db",
        std::process::id(),
        Timestamp::now().as_nanosecond()
    ));
    let store = store_sqlite::SqliteStore::connect(&format!("sqlite:{}", path.display())).await.expect("open");
    spawn_console(
        Arc::new(store),
        Box::new(move || {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }),
    )
    .await
}

async fn postgres_console(hint: &str) -> Console {
    let (url, name) = store_tests::fresh_postgres_database(hint).await;
    let store = store_postgres::PostgresStore::connect(&url).await.expect("connect");
    spawn_console(
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

/// A desk officer of the ward, and a dossier received at the ward's counter (not yet accepted).
async fn officer_and_dossier(service: &Service) -> String {
    let (by, at) = (Actor::system("test"), "2026-03-09T08:00:00+07:00".parse::<Timestamp>().expect("instant"));
    service.add_user(LOGIN, "Lê Thị E", PASSWORD, &by, at).await.expect("user");
    assert!(service.grant(LOGIN, Role::DeskOfficer, WARD, &by, at).await.expect("grant"));
    let request = SubmitRequest {
        unit_code: WARD.to_owned(),
        procedure_code: store_tests::THREE_DAY_PROCEDURE.to_owned(),
        channel: Channel::Counter,
        idempotency_key: None,
        applicant: app::Applicant { name: "Phạm Văn Giang".to_owned(), ..app::Applicant::default() },
    };
    let (dossier, created) = service.submit(request, &by, at).await.expect("submit");
    assert!(created);
    assert_eq!(dossier.state.status, Status::Submitted);
    dossier.state.code
}

async fn accept_through_the_console(console: Console) {
    let code = officer_and_dossier(&console.service).await;
    let page_path = format!("/can-bo/ho-so/{code}");

    // Without a session: to the log-in page, for the page and for the post; nothing written.
    let before = written(&console.service, &code).await;
    let anonymous = console.get(&page_path, None).await;
    assert_eq!((anonymous.status, anonymous.location()), (StatusCode::SEE_OTHER, Some("/can-bo/dang-nhap")));
    let anonymous = console.post_form(&page_path, None, &[("csrf", "x"), ("action", "accept"), ("version", "1")]).await;
    assert_eq!((anonymous.status, anonymous.location()), (StatusCode::SEE_OTHER, Some("/can-bo/dang-nhap")));
    assert_eq!(written(&console.service, &code).await, before, "a post without a session writes nothing");

    // Log in through the form.
    let form = console.get("/can-bo/dang-nhap", None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("name=\"login\"") && form.body.contains("name=\"password\""), "{}", form.body);
    let logged_in = console.post_form("/can-bo/dang-nhap", None, &[("login", LOGIN), ("password", PASSWORD)]).await;
    assert_eq!(
        (logged_in.status, logged_in.location()),
        (StatusCode::SEE_OTHER, Some("/can-bo")),
        "{}",
        logged_in.body
    );
    let set_cookie = logged_in.headers.get(SET_COOKIE).and_then(|value| value.to_str().ok()).expect("a session cookie");
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    let session = set_cookie
        .split(';')
        .next()
        .and_then(|pair| pair.trim().strip_prefix("motcua_session="))
        .filter(|value| !value.is_empty())
        .expect("the session token")
        .to_owned();

    // The dossier's page and its accept form.
    let page = console.get(&page_path, Some(&session)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(&code), "the page names the dossier");
    assert!(page.body.contains("name=\"action\" value=\"accept\""), "an accept button: {}", page.body);
    let csrf = input_value(&page.body, "csrf").expect("the form's CSRF token");
    let version = input_value(&page.body, "version").expect("the version the officer saw");
    assert_eq!(version, "1");
    assert!(csrf.len() >= 16, "{csrf}");

    // A wrong token: refused, nothing written (the page view above is the last audit entry).
    let before = written(&console.service, &code).await;
    let wrong = format!("{csrf}x");
    for token in [wrong.as_str(), "", "0"] {
        let refused = console
            .post_form(&page_path, Some(&session), &[("csrf", token), ("action", "accept"), ("version", &version)])
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "token {token:?}: {}", refused.body);
        assert_eq!(refused.location(), None);
        assert_eq!(written(&console.service, &code).await, before, "token {token:?} writes nothing");
    }
    let stored = console.service.store().dossier(&code).await.expect("read").expect("dossier");
    assert_eq!((stored.dossier.state.status, stored.dossier.state.version), (Status::Submitted, 1));

    // The right token: accepted, back to the dossier's page.
    let accepted = console
        .post_form(&page_path, Some(&session), &[("csrf", &csrf), ("action", "accept"), ("version", &version)])
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    assert_eq!(accepted.location(), Some(page_path.as_str()));
    let record = console.service.store().dossier(&code).await.expect("read").expect("dossier");
    assert_eq!((record.dossier.state.status, record.dossier.state.version), (Status::InProgress, 2));
    assert_eq!(record.events.len(), before.0 + 1, "one event appended");
    let event = record.events.last().expect("event");
    assert_eq!((event.seq, event.kind.as_str(), event.actor.as_str()), (2, "accepted", LOGIN));
    assert_eq!(event.channel, Channel::Counter);
    assert!(record.dossier.state.appointment.is_some(), "an accepted dossier has its appointment");
    let audit = console.service.store().audit_page(None, 10_000).await.expect("audit");
    assert!(
        audit
            .iter()
            .any(|entry| entry.write.action == "accepted" && entry.write.target == code && entry.write.actor == LOGIN),
        "the acceptance is in the audit trail"
    );
    // The page now shows the new version, and the same post again is a stale one: refused.
    let page = console.get(&page_path, Some(&session)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(input_value(&page.body, "version").as_deref(), Some("2"));
    let stale = console
        .post_form(&page_path, Some(&session), &[("csrf", &csrf), ("action", "accept"), ("version", &version)])
        .await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", stale.body);
    let after = console.service.store().dossier(&code).await.expect("read").expect("dossier");
    assert_eq!(after.events.len(), record.events.len(), "a stale post writes no event");
    console.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accept_on_sqlite() {
    accept_through_the_console(sqlite_console().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accept_on_postgres() {
    accept_through_the_console(postgres_console("console_accept").await).await;
}
