//! The store test suite. Every function takes a freshly migrated, empty store and panics on
//! failure; `tests/sqlite.rs`, `tests/postgres.rs` and `tests/pgbouncer.rs` run each one on
//! their backend, all from the one list in [`scenarios!`].
//! Also: helpers to create throwaway databases for tests.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

/// Calls `$suite!(...)` with every scenario of the suite, so that each backend's test file runs
/// the same list: `store_tests::scenarios!(suite);` after defining `macro_rules! suite`.
#[macro_export]
macro_rules! scenarios {
    ($suite:ident) => {
        $suite!(
            catalogue_import_and_lookup,
            full_lifecycle_with_statistics,
            supplement_restart_apology_and_late,
            invalid_transitions_write_nothing,
            idempotent_intake,
            concurrent_clients,
            audit_chain,
            unit_office_hours,
            accounts_round_trip,
            queue_pages,
            totals_by_unit_and_field,
            documents_with_intake,
            totals_across_months,
            issued_documents_with_their_event,
        );
    };
}

use std::collections::BTreeSet;
use std::sync::Arc;

use app::access::{Actor, Role};
use app::accounts::{NewToken, NewUser, SessionRecord, TokenRecord, UserRecord};
use app::service::{Service, SubmitRequest};
use app::{Applicant, QueueQuery, StatsQuery, Store, StoreError};
use calendar::WorkingTime;
use domain::catalog::parse_catalog;
use domain::dossier::{Channel, Outcome, Status, Transition};
use jiff::Timestamp;

pub const UNITS_2024: &str = include_str!("../../../data/catalog/hcmc-units-2024.toml");
pub const UNITS_2025: &str = include_str!("../../../data/catalog/hcmc-units-2025.toml");
pub const PROCEDURES: &str = include_str!("../../../data/catalog/hcmc-procedures.toml");

/// A ward of the 2025 structure, the birth registration (same day), the marital status
/// certificate (3 working days) and enterprise registration (3 working days) are used below.
pub const WARD: &str = "26740";
pub const OTHER_WARD: &str = "26737";
pub const SAME_DAY_PROCEDURE: &str = "1.001193";
pub const THREE_DAY_PROCEDURE: &str = "1.004873";

fn engine() -> Arc<WorkingTime> {
    Arc::new(WorkingTime::hcmc_builtin().expect("engine"))
}

pub fn instant(text: &str) -> Timestamp {
    text.parse::<Timestamp>().expect("valid instant")
}

fn show(instant: Timestamp) -> String {
    instant.to_zoned(calendar::ho_chi_minh_time_zone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// Migrates and imports the shipped HCMC catalogue.
pub async fn seeded(store: Arc<dyn Store>) -> Service {
    store.migrate().await.expect("migrate");
    for (text, name) in [(UNITS_2024, "units-2024"), (UNITS_2025, "units-2025"), (PROCEDURES, "procedures")] {
        let known = store.known_structures().await.expect("structures");
        let catalog = parse_catalog(text, name, &known).expect("valid catalogue");
        store.import_catalog(&catalog).await.expect("import");
    }
    Service::new(store, engine())
}

fn applicant() -> Applicant {
    Applicant {
        name: "Nguyễn Văn An".to_owned(), id_number: Some("079090000001".to_owned()), ..Applicant::default()
    }
}

fn submit_request(procedure: &str, channel: Channel, key: Option<&str>) -> SubmitRequest {
    SubmitRequest {
        unit_code: WARD.to_owned(),
        procedure_code: procedure.to_owned(),
        channel,
        idempotency_key: key.map(str::to_owned),
        applicant: applicant(),
    }
}

async fn act(service: &Service, code: &str, transition: Transition, at: &str) -> app::StoredDossier {
    service
        .transition(code, None, transition, &Actor::system("officer-1"), Channel::Counter, instant(at))
        .await
        .expect("transition")
}

pub async fn catalogue_import_and_lookup(store: Arc<dyn Store>) {
    let service = seeded(store.clone()).await;
    // Codes are reused between structures: the date picks the unit.
    let now = store.find_unit("26740", jiff::civil::date(2026, 3, 1)).await.unwrap().expect("2025 ward");
    let before = store.find_unit("26740", jiff::civil::date(2024, 6, 1)).await.unwrap().expect("2024 ward");
    assert_eq!(now.name, "Phường Sài Gòn");
    assert_eq!(before.name, "Phường Bến Nghé");
    assert_ne!(now.id, before.id);
    assert!(now.parent_id.is_some());
    assert!(store.find_unit("760", jiff::civil::date(2026, 3, 1)).await.unwrap().is_none(), "districts ended in 2025");
    let units = store.list_units(jiff::civil::date(2026, 3, 1)).await.unwrap();
    assert_eq!(units.iter().filter(|unit| unit.kind == domain::catalog::UnitKind::Commune).count(), 168);
    // Procedure versions by date: construction permits changed on 1 July 2026.
    let procedures = store.list_procedures(jiff::civil::date(2026, 3, 1)).await.unwrap();
    assert!(procedures.len() >= 40);
    let birth = store.procedure_on(SAME_DAY_PROCEDURE, jiff::civil::date(2026, 3, 1)).await.unwrap().expect("birth");
    assert_eq!(birth.name, "Đăng ký khai sinh");
    // Importing again changes nothing (upsert by key).
    let known = store.known_structures().await.unwrap();
    let again = parse_catalog(UNITS_2025, "again", &known).unwrap();
    store.import_catalog(&again).await.unwrap();
    assert_eq!(store.find_unit("26740", jiff::civil::date(2026, 3, 1)).await.unwrap().unwrap().id, now.id);
    let _ = service;
}

pub async fn full_lifecycle_with_statistics(store: Arc<dyn Store>) {
    let service = seeded(store.clone()).await;
    let (created, fresh) = service
        .submit(
            submit_request(THREE_DAY_PROCEDURE, Channel::Counter, None),
            &Actor::system("desk-1"),
            instant("2026-03-09T09:00:00.987654321+07:00"),
        )
        .await
        .expect("submit");
    assert!(fresh);
    let code = created.state.code.clone();
    assert_eq!(code, "26740-260309-0001");
    assert_eq!(created.state.status, Status::Submitted);
    // Nanoseconds, as a server clock gives them: stored to the microsecond, and the check below
    // must still find the state equal to the replayed events.
    let accepted = act(&service, &code, Transition::Accept, "2026-03-09T09:05:00.123456789+07:00").await;
    // A fraction of a second counts as the next whole second.
    assert_eq!(show(accepted.state.legal_due.unwrap()), "2026-03-12T09:05:01+07:00");
    for (index, at) in
        ["2026-03-09T10:00:00+07:00", "2026-03-10T15:00:00+07:00", "2026-03-11T09:00:00+07:00"].iter().enumerate()
    {
        let after = act(&service, &code, Transition::CompleteStep, at).await;
        assert_eq!(after.state.step_index as usize, index + 1);
    }
    let decided = act(
        &service,
        &code,
        Transition::Decide { outcome: Outcome::Approved, reason: None },
        "2026-03-11T10:00:00+07:00",
    )
    .await;
    assert_eq!(decided.state.completion, Some(domain::dossier::CompletionKind::Early));
    let returned = act(&service, &code, Transition::ReturnResult, "2026-03-11T14:00:00+07:00").await;
    assert_eq!(returned.state.status, Status::Returned);
    let record = store.dossier(&code).await.unwrap().expect("stored");
    let kinds: Vec<&str> = record.events.iter().map(|event| event.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["submitted", "accepted", "step_completed", "step_completed", "step_completed", "decided", "result_returned"]
    );
    assert_eq!(record.applicant.name, "Nguyễn Văn An");
    assert_eq!(record.dossier.state.version, 7);
    let query = StatsQuery {
        unit_id: record.dossier.unit_id,
        field: None,
        procedure: None,
        from: jiff::civil::date(2026, 3, 1),
        to: jiff::civil::date(2026, 3, 31),
    };
    let report = service.report(&query).await.unwrap();
    assert_eq!((report.received, report.received_counter, report.settled_early, report.returned), (1, 1, 1, 1));
    assert_eq!(report.in_progress, 0);
    assert!(report.reconciles());
    assert_eq!(report.on_time_rate, Some(1.0));
    let steps = store.step_stats(record.dossier.unit_id, query.from, query.to).await.unwrap();
    assert_eq!(steps.len(), 3);
    assert_eq!(steps[0].spent_seconds, 55 * 60 - 1);
    assert_eq!(service.check().await.unwrap().differences, Vec::<String>::new());
}

pub async fn supplement_restart_apology_and_late(store: Arc<dyn Store>) {
    let service = seeded(store.clone()).await;
    let (created, _) = service
        .submit(
            submit_request(THREE_DAY_PROCEDURE, Channel::Online, None),
            &Actor::system("citizen"),
            instant("2026-03-09T20:00:00+07:00"),
        )
        .await
        .unwrap();
    let code = created.state.code;
    act(&service, &code, Transition::Accept, "2026-03-10T08:00:00+07:00").await;
    let paused = act(
        &service,
        &code,
        Transition::RequestSupplement { items: vec!["Bản sao CCCD".to_owned()] },
        "2026-03-10T10:00:00+07:00",
    )
    .await;
    assert_eq!(paused.state.legal_due, None);
    let restarted = act(&service, &code, Transition::ReceiveSupplement, "2026-03-12T14:00:00+07:00").await;
    assert_eq!(show(restarted.state.legal_due.unwrap()), "2026-03-17T14:00:00+07:00");
    let apology = act(
        &service,
        &code,
        Transition::Apologize {
            new_appointment: instant("2026-03-19T17:00:00+07:00"),
            reason: "Chờ xác minh".to_owned(),
        },
        "2026-03-17T09:00:00+07:00",
    )
    .await;
    assert_eq!(show(apology.state.appointment.unwrap()), "2026-03-19T17:00:00+07:00");
    let record = store.dossier(&code).await.unwrap().unwrap();
    assert_eq!(record.events.last().unwrap().payload["breach"], true, "apology less than one working day ahead");
    let second = service
        .transition(
            &code,
            None,
            Transition::Apologize { new_appointment: instant("2026-03-20T17:00:00+07:00"), reason: "x".to_owned() },
            &Actor::system("officer-1"),
            Channel::Counter,
            instant("2026-03-18T09:00:00+07:00"),
        )
        .await
        .expect_err("only one reschedule");
    assert_eq!(second.code(), "DOSSIER_RESCHEDULE_REFUSED");
    // Open and overdue at the end of 18 March (legal due 17 March 14:00).
    let query = StatsQuery {
        unit_id: record.dossier.unit_id,
        field: None,
        procedure: None,
        from: jiff::civil::date(2026, 3, 1),
        to: jiff::civil::date(2026, 3, 18),
    };
    let report = service.report(&query).await.unwrap();
    assert_eq!((report.in_progress, report.in_progress_overdue, report.in_progress_within_time), (1, 1, 0));
    let before_due = StatsQuery { to: jiff::civil::date(2026, 3, 16), ..query.clone() };
    let report = service.report(&before_due).await.unwrap();
    assert_eq!((report.in_progress, report.in_progress_overdue), (1, 0));
    let decided = act(
        &service,
        &code,
        Transition::Decide { outcome: Outcome::Refused, reason: Some("Không đủ điều kiện".to_owned()) },
        "2026-03-19T10:00:00+07:00",
    )
    .await;
    assert_eq!(
        decided.state.completion,
        Some(domain::dossier::CompletionKind::Late),
        "the apology does not make it on time"
    );
    let report = service.report(&StatsQuery { to: jiff::civil::date(2026, 3, 31), ..query }).await.unwrap();
    assert_eq!((report.settled_late, report.in_progress, report.in_progress_overdue), (1, 0, 0));
    assert_eq!(report.on_time_rate, Some(0.0));
    assert!(report.reconciles());
    assert_eq!(service.check().await.unwrap().differences, Vec::<String>::new());
}

pub async fn invalid_transitions_write_nothing(store: Arc<dyn Store>) {
    let service = seeded(store.clone()).await;
    let (created, _) = service
        .submit(
            submit_request(SAME_DAY_PROCEDURE, Channel::Counter, None),
            &Actor::system("desk-1"),
            instant("2026-03-09T09:00:00+07:00"),
        )
        .await
        .unwrap();
    let code = created.state.code;
    let cases: Vec<(Transition, &str)> = vec![
        (Transition::Decide { outcome: Outcome::Approved, reason: None }, "DOSSIER_INVALID_TRANSITION"),
        (Transition::ReturnResult, "DOSSIER_INVALID_TRANSITION"),
        (Transition::RequestIntakeSupplement { items: vec![] }, "DOSSIER_MISSING_ITEMS"),
        (Transition::RefuseIntake { reason: "  ".to_owned() }, "DOSSIER_MISSING_FIELD"),
        (Transition::CompleteStep, "DOSSIER_INVALID_TRANSITION"),
    ];
    for (transition, expected) in cases {
        let error = service
            .transition(
                &code,
                None,
                transition,
                &Actor::system("officer-1"),
                Channel::Counter,
                instant("2026-03-09T09:10:00+07:00"),
            )
            .await
            .expect_err("refused");
        assert_eq!(error.code(), expected);
    }
    let record = store.dossier(&code).await.unwrap().unwrap();
    assert_eq!((record.dossier.state.version, record.events.len()), (1, 1));
    let missing = service
        .transition(
            "26740-260309-9999",
            None,
            Transition::Accept,
            &Actor::system("officer-1"),
            Channel::Counter,
            instant("2026-03-09T09:10:00+07:00"),
        )
        .await
        .expect_err("no such dossier");
    assert_eq!(missing.code(), "NOT_FOUND");
    // Stale version: accept with version 1 succeeds, a second client's version-1 action conflicts.
    service
        .transition(
            &code,
            Some(1),
            Transition::Accept,
            &Actor::system("officer-1"),
            Channel::Counter,
            instant("2026-03-09T09:10:00+07:00"),
        )
        .await
        .unwrap();
    let stale = service
        .transition(
            &code,
            Some(1),
            Transition::Withdraw { reason: "x".to_owned() },
            &Actor::system("officer-2"),
            Channel::Counter,
            instant("2026-03-09T09:11:00+07:00"),
        )
        .await
        .expect_err("stale");
    assert!(matches!(stale, StoreError::Conflict { expected: 1, actual: 2 }));
    let unknown_unit = service
        .submit(
            SubmitRequest {
                unit_code: "99999".to_owned(),
                ..submit_request(SAME_DAY_PROCEDURE, Channel::Counter, None)
            },
            &Actor::system("desk"),
            instant("2026-03-09T09:00:00+07:00"),
        )
        .await
        .expect_err("unknown unit");
    assert_eq!(unknown_unit.code(), "NOT_FOUND");
    let no_name = service
        .submit(
            SubmitRequest {
                applicant: Applicant::default(),
                ..submit_request(SAME_DAY_PROCEDURE, Channel::Counter, None)
            },
            &Actor::system("desk"),
            instant("2026-03-09T09:00:00+07:00"),
        )
        .await
        .expect_err("no name");
    assert_eq!(no_name.code(), "APPLICANT_NAME_REQUIRED");
}

pub async fn idempotent_intake(store: Arc<dyn Store>) {
    let service = seeded(store.clone()).await;
    let at = instant("2026-03-09T09:00:00+07:00");
    let (first, created) = service
        .submit(
            submit_request(SAME_DAY_PROCEDURE, Channel::NationalPortal, Some("DVCQG-000123")),
            &Actor::system("national_portal"),
            at,
        )
        .await
        .unwrap();
    assert!(created);
    let (second, created) = service
        .submit(
            submit_request(SAME_DAY_PROCEDURE, Channel::NationalPortal, Some("DVCQG-000123")),
            &Actor::system("national_portal"),
            at,
        )
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(first.state.code, second.state.code);
    let (third, _) = service
        .submit(
            submit_request(SAME_DAY_PROCEDURE, Channel::NationalPortal, Some("DVCQG-000124")),
            &Actor::system("national_portal"),
            at,
        )
        .await
        .unwrap();
    assert_eq!(third.state.code, "26740-260309-0002");
}

/// 8 clients submit and move dossiers at once: nothing is lost, no code repeats, and the
/// statistics equal a recount from the event log.
pub async fn concurrent_clients(store: Arc<dyn Store>) {
    let service = seeded(store.clone()).await;
    let mut tasks = Vec::new();
    for client in 0..8 {
        let service = service.clone();
        tasks.push(tokio::spawn(async move {
            let mut codes = Vec::new();
            for index in 0..25 {
                let key = format!("client-{client}-{index}");
                let unit = if index % 2 == 0 { WARD } else { OTHER_WARD };
                let request = SubmitRequest {
                    unit_code: unit.to_owned(),
                    ..submit_request(THREE_DAY_PROCEDURE, Channel::Online, Some(&key))
                };
                let (dossier, _) = service
                    .submit(request, &Actor::system("citizen"), instant("2026-03-09T09:00:00+07:00"))
                    .await
                    .expect("submit");
                let code = dossier.state.code;
                service
                    .transition(
                        &code,
                        None,
                        Transition::Accept,
                        &Actor::system("desk"),
                        Channel::Online,
                        instant("2026-03-09T10:00:00+07:00"),
                    )
                    .await
                    .expect("accept");
                if index % 3 == 0 {
                    service
                        .transition(
                            &code,
                            None,
                            Transition::Decide { outcome: Outcome::Approved, reason: None },
                            &Actor::system("head"),
                            Channel::Counter,
                            instant("2026-03-12T16:00:00+07:00"),
                        )
                        .await
                        .expect("decide");
                }
                codes.push(code);
            }
            codes
        }));
    }
    let mut all = BTreeSet::new();
    for task in tasks {
        for code in task.await.expect("task") {
            assert!(all.insert(code.clone()), "duplicate code {code}");
        }
    }
    assert_eq!(all.len(), 200);
    let report = service.check().await.unwrap();
    assert_eq!(report.dossiers, 200);
    assert_eq!(report.differences, Vec::<String>::new());
    let ward = store.find_unit(WARD, jiff::civil::date(2026, 3, 9)).await.unwrap().unwrap();
    let stats = service
        .report(&StatsQuery {
            unit_id: ward.id,
            field: None,
            procedure: None,
            from: jiff::civil::date(2026, 3, 1),
            to: jiff::civil::date(2026, 3, 31),
        })
        .await
        .unwrap();
    assert_eq!(stats.received, 104, "13 of each client's 25 go to the first ward");
    assert!(stats.reconciles());
}

/// Creates a fresh PostgreSQL database for one test and returns its URL. Uses
/// `MOTCUA_TEST_DATABASE_URL` (an admin URL) when set, else the server on 127.0.0.1:5432.
pub async fn fresh_postgres_database(name_hint: &str) -> (String, String) {
    use sqlx::Connection;
    let admin = std::env::var("MOTCUA_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let mut connection = sqlx::PgConnection::connect(&admin).await.unwrap_or_else(|error| {
        panic!("PostgreSQL is required for these tests and did not answer at {admin}: {error}. Start it (scripts/test does) or set MOTCUA_TEST_DATABASE_URL.")
    });
    let name = format!(
        "motcua_test_{}_{}_{}",
        name_hint,
        std::process::id(),
        jiff::Timestamp::now().as_microsecond() % 1_000_000_000
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut connection)
        .await
        .expect("create database");
    let base = admin.rsplit_once('/').map(|(base, _)| base.to_owned()).unwrap_or(admin.clone());
    (format!("{base}/{name}"), name)
}

/// Drops a database made by [`fresh_postgres_database`].
pub async fn drop_postgres_database(name: &str) {
    use sqlx::Connection;
    let admin = std::env::var("MOTCUA_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    if let Ok(mut connection) = sqlx::PgConnection::connect(&admin).await {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
            .execute(&mut connection)
            .await;
    }
}

/// Every change and every read of personal data leaves an audit entry; the chains verify.
pub async fn audit_chain(store: Arc<dyn Store>) {
    let service = seeded(store.clone()).await;
    let mut events = 0_u64;
    for (unit, minute) in [(WARD, 0), (OTHER_WARD, 5), (WARD, 10)] {
        let request =
            SubmitRequest { unit_code: unit.to_owned(), ..submit_request(THREE_DAY_PROCEDURE, Channel::Counter, None) };
        let (dossier, _) = service
            .submit(request, &Actor::system("desk-1"), instant(&format!("2026-03-09T09:{minute:02}:00+07:00")))
            .await
            .unwrap();
        let code = dossier.state.code;
        act(&service, &code, Transition::Accept, "2026-03-09T10:00:00+07:00").await;
        act(
            &service,
            &code,
            Transition::Decide { outcome: Outcome::Approved, reason: None },
            "2026-03-10T10:00:00+07:00",
        )
        .await;
        events += 3;
        service
            .record_read(
                dossier.unit_id,
                &code,
                "inspector-2",
                Some("10.0.0.7".to_owned()),
                instant("2026-03-10T11:00:00+07:00"),
            )
            .await
            .unwrap();
        events += 1;
    }
    // A refused transition leaves no entry.
    let refused = service
        .transition(
            "26740-260309-0001",
            None,
            Transition::ReturnResult,
            &Actor::system("x"),
            Channel::Counter,
            instant("2026-03-10T12:00:00+07:00"),
        )
        .await;
    assert!(refused.is_ok(), "returning a decided dossier is allowed");
    events += 1;
    let report = service.audit_verify().await.unwrap();
    assert_eq!((report.entries, report.chains, report.first_broken), (events, 2, None));
    let page = store.audit_page(None, 100).await.unwrap();
    assert!(page.iter().any(
        |record| record.write.action == "read_personal_data" && record.write.client.as_deref() == Some("10.0.0.7")
    ));
    assert!(page.iter().all(|record| record.hash.len() == 64));
}

/// Runs the three tampering scenarios through `execute` (raw SQL on the backend, with the
/// append-only guard removed) and checks that `audit_verify` names the broken entry, and that
/// undoing each change makes the chain whole again.
pub async fn assert_tampering_detected<F, Fut>(service: &Service, mut execute: F)
where
    F: FnMut(&str) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    assert_eq!(service.audit_verify().await.unwrap().first_broken, None);
    let page = service.store().audit_page(None, 100).await.unwrap();
    let target = &page[1];
    let (chain, seq) = (target.chain, target.seq);
    // Edited.
    execute(&format!("UPDATE audit_log SET actor = 'someone-else' WHERE chain = {chain} AND seq = {seq}")).await;
    let broken = service.audit_verify().await.unwrap().first_broken.expect("edit found");
    assert!(broken.contains(&format!("entry {seq}")) && broken.contains("edited"), "{broken}");
    execute(&format!("UPDATE audit_log SET actor = '{}' WHERE chain = {chain} AND seq = {seq}", target.write.actor))
        .await;
    assert_eq!(service.audit_verify().await.unwrap().first_broken, None);
    // Deleted.
    execute(&format!("DELETE FROM audit_log WHERE chain = {chain} AND seq = {seq}")).await;
    let broken = service.audit_verify().await.unwrap().first_broken.expect("deletion found");
    assert!(broken.contains(&format!("expected entry {seq}")), "{broken}");
    execute(&format!(
        "INSERT INTO audit_log (chain, seq, at, actor, action, target, client, prev_hash, hash) VALUES ({chain}, {seq}, {}, '{}', '{}', '{}', NULL, '{}', '{}')",
        target.write.at.as_microsecond(),
        target.write.actor,
        target.write.action,
        target.write.target,
        target.prev_hash,
        target.hash
    ))
    .await;
    assert_eq!(service.audit_verify().await.unwrap().first_broken, None);
    // Inserted: a forged entry after the last one of the chain, with a made-up hash.
    let last = page.iter().filter(|record| record.chain == chain).map(|record| record.seq).max().unwrap_or(0);
    execute(&format!(
        "INSERT INTO audit_log (chain, seq, at, actor, action, target, client, prev_hash, hash) VALUES ({chain}, {}, 0, 'forger', 'decided', 'x', NULL, '{}', '{}')",
        last + 1,
        "0".repeat(64),
        "1".repeat(64)
    ))
    .await;
    let broken = service.audit_verify().await.unwrap().first_broken.expect("insertion found");
    assert!(broken.contains(&format!("entry {}", last + 1)), "{broken}");
}

/// A unit with its own office hours gets its dossiers' deadlines counted in those hours.
pub async fn unit_office_hours(store: Arc<dyn Store>) {
    let default_service = seeded(store.clone()).await;
    let intervals = calendar::OfficeHours::parse_intervals("07:00-11:00,13:30-17:30").unwrap();
    let weekdays = [
        jiff::civil::Weekday::Monday,
        jiff::civil::Weekday::Tuesday,
        jiff::civil::Weekday::Wednesday,
        jiff::civil::Weekday::Thursday,
        jiff::civil::Weekday::Friday,
    ];
    let hours =
        calendar::OfficeHours::new(&intervals, &weekdays, jiff::civil::time(15, 0, 0, 0), "Asia/Ho_Chi_Minh").unwrap();
    let ward_engine = Arc::new(WorkingTime::new(&calendar::CivilCalendar::builtin().unwrap(), hours).unwrap());
    let service = Service::with_unit_engines(
        store.clone(),
        Arc::new(default_service.engine().clone()),
        std::collections::HashMap::from([(WARD.to_owned(), ward_engine)]),
    );
    let mut dues = Vec::new();
    for unit in [WARD, OTHER_WARD] {
        let request =
            SubmitRequest { unit_code: unit.to_owned(), ..submit_request(THREE_DAY_PROCEDURE, Channel::Counter, None) };
        let (dossier, _) =
            service.submit(request, &Actor::system("desk"), instant("2026-03-09T17:10:00+07:00")).await.unwrap();
        let accepted = act(&service, &dossier.state.code, Transition::Accept, "2026-03-09T17:15:00+07:00").await;
        dues.push(show(accepted.state.legal_due.unwrap()));
    }
    // The ward still works at 17:15 (closes 17:30); the other ward had closed at 17:00.
    assert_eq!(dues, ["2026-03-12T17:15:00+07:00", "2026-03-12T17:00:00+07:00"]);
}

fn new_user(login: &str, created_at: Timestamp) -> NewUser {
    NewUser {
        login: login.to_owned(),
        display_name: format!("Cán bộ {login}"),
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$hash-of-{login}"),
        created_at,
    }
}

fn session_for(seed: char, user_id: i64, start: &str, end: &str) -> SessionRecord {
    SessionRecord {
        token_hash: seed.to_string().repeat(64),
        user_id,
        csrf_token: format!("csrf-{seed}"),
        created_at: instant(start),
        expires_at: instant(end),
    }
}

/// Accounts, grants, log-in failures, sessions and API tokens round-trip through the store; the
/// unit tree the access checks use has every unit of every structure with its parent.
pub async fn accounts_round_trip(store: Arc<dyn Store>) {
    let _service = seeded(store.clone()).await;
    let created = instant("2026-03-09T08:00:00+07:00");

    // Accounts.
    let lan = store.create_user(&new_user("lan.nguyen", created)).await.expect("create lan");
    let binh = store.create_user(&new_user("binh.tran", created)).await.expect("create binh");
    assert_ne!(lan, binh);
    let taken = store
        .create_user(&NewUser { display_name: "Người khác".to_owned(), ..new_user("lan.nguyen", created) })
        .await
        .expect_err("the login is taken");
    assert_eq!(taken.code(), "USER_EXISTS");
    assert!(taken.to_string().contains("lan.nguyen"), "{taken}");
    let expected_lan = UserRecord {
        id: lan,
        login: "lan.nguyen".to_owned(),
        display_name: "Cán bộ lan.nguyen".to_owned(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$hash-of-lan.nguyen".to_owned(),
        disabled: false,
        failed_logins: 0,
        locked_until: None,
        created_at: created,
    };
    assert_eq!(
        store.user_by_login("lan.nguyen").await.unwrap(),
        Some(expected_lan.clone()),
        "the duplicate changed nothing"
    );
    assert_eq!(store.user_by_id(lan).await.unwrap(), Some(expected_lan.clone()));
    assert_eq!(store.user_by_login("LAN.NGUYEN").await.unwrap(), None, "logins are compared exactly");
    assert_eq!(store.user_by_id(lan.max(binh) + 1).await.unwrap(), None);
    let users = store.list_users().await.unwrap();
    let logins: Vec<&str> = users.iter().map(|user| user.login.as_str()).collect();
    assert_eq!(logins, ["binh.tran", "lan.nguyen"]);
    assert_eq!(users[1], expected_lan);

    // Grants.
    let on = jiff::civil::date(2026, 3, 9);
    let ward = store.find_unit(WARD, on).await.unwrap().expect("ward").id;
    let other_ward = store.find_unit(OTHER_WARD, on).await.unwrap().expect("other ward").id;
    let city = store.find_unit("79", on).await.unwrap().expect("city").id;
    let (desk, admin) = (Role::DeskOfficer.as_str(), Role::Administrator.as_str());
    assert!(store.add_grant(lan, desk, other_ward).await.unwrap());
    assert!(store.add_grant(lan, desk, ward).await.unwrap());
    assert!(store.add_grant(lan, admin, city).await.unwrap());
    assert!(!store.add_grant(lan, desk, ward).await.unwrap(), "already granted");
    assert!(store.add_grant(binh, desk, ward).await.unwrap(), "grants are per account");
    let mut desk_units = [ward, other_ward];
    desk_units.sort_unstable();
    assert_eq!(
        store.grants_of(lan).await.unwrap(),
        [(admin.to_owned(), city), (desk.to_owned(), desk_units[0]), (desk.to_owned(), desk_units[1])]
    );
    assert!(store.remove_grant(lan, desk, other_ward).await.unwrap());
    assert!(!store.remove_grant(lan, desk, other_ward).await.unwrap(), "already removed");
    assert!(!store.remove_grant(lan, admin, ward).await.unwrap(), "never granted there");
    assert_eq!(store.grants_of(lan).await.unwrap(), [(admin.to_owned(), city), (desk.to_owned(), ward)]);
    assert_eq!(store.grants_of(binh).await.unwrap(), [(desk.to_owned(), ward)]);

    // Failed log-ins: counted one by one, the lock computed from the count is stored.
    let failed_at = instant("2026-03-09T09:00:00+07:00");
    let lock = move |failures: i64| {
        (failures >= 2).then(|| failed_at.checked_add(jiff::SignedDuration::from_mins(failures)).unwrap())
    };
    for expected in 1..=3 {
        assert_eq!(store.record_login_failure(lan, &lock).await.unwrap(), expected);
        let user = store.user_by_id(lan).await.unwrap().unwrap();
        assert_eq!((user.failed_logins, user.locked_until), (expected, lock(expected)));
    }
    assert_eq!(lock(3), Some(instant("2026-03-09T09:03:00+07:00")));
    assert_eq!(store.user_by_id(binh).await.unwrap().unwrap().failed_logins, 0, "counted per account");
    store.record_login_success(lan).await.unwrap();
    let user = store.user_by_id(lan).await.unwrap().unwrap();
    assert_eq!((user.failed_logins, user.locked_until), (0, None));
    let missing = lan.max(binh) + 1;
    assert_eq!(store.record_login_failure(missing, &lock).await.expect_err("no account").code(), "NOT_FOUND");

    // Sessions: expired ones are still returned (the caller checks), and cleared when a session
    // starting after their end is created.
    let stale = session_for('a', lan, "2026-03-01T08:00:00+07:00", "2026-03-01T16:00:00+07:00");
    let ends_at_start = session_for('b', binh, "2026-03-09T01:00:00+07:00", "2026-03-09T09:00:00+07:00");
    // The later one first: creating it would remove the stale one.
    for session in [&ends_at_start, &stale] {
        store.create_session(session).await.unwrap();
    }
    assert_eq!(store.session(&stale.token_hash).await.unwrap(), Some(stale.clone()), "expired, still returned");
    let lan_desk = session_for('c', lan, "2026-03-09T09:00:00+07:00", "2026-03-09T17:00:00+07:00");
    store.create_session(&lan_desk).await.unwrap();
    assert_eq!(store.session(&stale.token_hash).await.unwrap(), None, "expired before the new start: removed");
    assert_eq!(store.session(&ends_at_start.token_hash).await.unwrap(), Some(ends_at_start.clone()), "ends at it");
    assert_eq!(store.session(&lan_desk.token_hash).await.unwrap(), Some(lan_desk.clone()));
    let lan_laptop = session_for('d', lan, "2026-03-09T09:30:00+07:00", "2026-03-09T17:30:00+07:00");
    let binh_desk = session_for('e', binh, "2026-03-09T09:30:00+07:00", "2026-03-09T17:30:00+07:00");
    for session in [&lan_laptop, &binh_desk] {
        store.create_session(session).await.unwrap();
    }
    assert_eq!(store.session(&ends_at_start.token_hash).await.unwrap(), None);
    store.delete_session(&lan_laptop.token_hash).await.unwrap();
    assert_eq!(store.session(&lan_laptop.token_hash).await.unwrap(), None);
    store.delete_session(&lan_laptop.token_hash).await.unwrap();
    assert_eq!(store.session(&"f".repeat(64)).await.unwrap(), None);

    // A new password clears the failures and the lock and ends the account's sessions only.
    store.create_session(&lan_laptop).await.unwrap();
    store.record_login_failure(lan, &lock).await.unwrap();
    store.record_login_failure(lan, &lock).await.unwrap();
    assert_eq!(store.user_by_id(lan).await.unwrap().unwrap().locked_until, lock(2));
    store.set_password(lan, "$argon2id$v=19$m=19456,t=2,p=1$bmV3c2FsdA$new").await.unwrap();
    let user = store.user_by_id(lan).await.unwrap().unwrap();
    assert_eq!(user.password_hash, "$argon2id$v=19$m=19456,t=2,p=1$bmV3c2FsdA$new");
    assert_eq!((user.failed_logins, user.locked_until, user.disabled), (0, None, false));
    assert_eq!(store.session(&lan_desk.token_hash).await.unwrap(), None);
    assert_eq!(store.session(&lan_laptop.token_hash).await.unwrap(), None);
    assert_eq!(store.session(&binh_desk.token_hash).await.unwrap(), Some(binh_desk.clone()));
    assert_eq!(store.set_password(missing, "x").await.expect_err("no account").code(), "NOT_FOUND");

    // Disabling ends the sessions; enabling does not bring them back.
    store.create_session(&lan_desk).await.unwrap();
    store.set_disabled(binh, true).await.unwrap();
    assert!(store.user_by_id(binh).await.unwrap().unwrap().disabled);
    assert_eq!(store.session(&binh_desk.token_hash).await.unwrap(), None);
    assert_eq!(
        store.session(&lan_desk.token_hash).await.unwrap(),
        Some(lan_desk.clone()),
        "other accounts keep theirs"
    );
    store.set_disabled(binh, false).await.unwrap();
    assert!(!store.user_by_id(binh).await.unwrap().unwrap().disabled);
    assert_eq!(store.session(&binh_desk.token_hash).await.unwrap(), None);
    assert_eq!(store.set_disabled(missing, true).await.expect_err("no account").code(), "NOT_FOUND");
    assert_eq!(store.grants_of(binh).await.unwrap(), [(desk.to_owned(), ward)], "grants outlive a disable");

    // API tokens.
    let portal = NewToken {
        token_hash: "1".repeat(64),
        user_id: binh,
        name: "cong-dvc-quoc-gia".to_owned(),
        roles: vec![Role::Integrator.as_str().to_owned()],
        created_at: created,
    };
    let reports = NewToken {
        token_hash: "2".repeat(64),
        name: "bao-cao".to_owned(),
        roles: vec![Role::Inspector.as_str().to_owned(), Role::DeskOfficer.as_str().to_owned()],
        ..portal.clone()
    };
    let nothing =
        NewToken { token_hash: "3".repeat(64), name: "khong-quyen".to_owned(), roles: vec![], ..portal.clone() };
    let portal_id = store.create_token(&portal).await.unwrap();
    let reports_id = store.create_token(&reports).await.unwrap();
    let nothing_id = store.create_token(&nothing).await.unwrap();
    assert!(portal_id < reports_id && reports_id < nothing_id);
    let record = |id: i64, token: &NewToken, revoked_at: Option<Timestamp>| TokenRecord {
        id,
        user_id: token.user_id,
        name: token.name.clone(),
        roles: token.roles.clone(),
        created_at: token.created_at,
        revoked_at,
    };
    assert_eq!(store.token(&portal.token_hash).await.unwrap(), Some(record(portal_id, &portal, None)));
    assert_eq!(store.token(&"4".repeat(64)).await.unwrap(), None);
    assert_eq!(
        store.tokens_of(binh).await.unwrap(),
        [record(portal_id, &portal, None), record(reports_id, &reports, None), record(nothing_id, &nothing, None)]
    );
    assert_eq!(store.tokens_of(lan).await.unwrap(), []);
    let revoked_at = instant("2026-03-10T10:00:00+07:00");
    assert!(store.revoke_token(portal_id, revoked_at).await.unwrap());
    assert!(!store.revoke_token(portal_id, instant("2026-03-11T10:00:00+07:00")).await.unwrap(), "already revoked");
    assert!(!store.revoke_token(nothing_id + 1, revoked_at).await.unwrap(), "unknown");
    assert_eq!(
        store.token(&portal.token_hash).await.unwrap(),
        Some(record(portal_id, &portal, Some(revoked_at))),
        "revoked tokens are returned, with the first revocation instant"
    );
    assert_eq!(store.token(&reports.token_hash).await.unwrap(), Some(record(reports_id, &reports, None)));
    // A credential with its account and grants in one query: every grant, or none.
    store.add_grant(binh, Role::Inspector.as_str(), ward + 1).await.unwrap();
    let principal = store.token_principal(&reports.token_hash).await.unwrap().expect("principal");
    assert_eq!(principal.credential, record(reports_id, &reports, None));
    assert_eq!(principal.user, store.user_by_id(binh).await.unwrap().unwrap());
    assert_eq!(principal.grants, store.grants_of(binh).await.unwrap());
    assert_eq!(principal.grants.len(), 2);
    let revoked = store.token_principal(&portal.token_hash).await.unwrap().expect("revoked principal");
    assert_eq!(revoked.credential.revoked_at, Some(revoked_at));
    assert_eq!(store.token_principal(&"4".repeat(64)).await.unwrap(), None);
    let lan_principal = store.session_principal(&lan_desk.token_hash).await.unwrap().expect("session principal");
    assert_eq!(lan_principal.credential, lan_desk);
    assert_eq!((lan_principal.user.id, lan_principal.grants.len()), (lan, store.grants_of(lan).await.unwrap().len()));
    assert_eq!(store.session_principal(&binh_desk.token_hash).await.unwrap(), None);

    // The unit tree: every unit of both structures, with its parent.
    let mut expected = std::collections::BTreeMap::new();
    for day in [jiff::civil::date(2024, 6, 1), on] {
        for unit in store.list_units(day).await.unwrap() {
            assert_eq!(expected.insert(unit.id, unit.parent_id), None);
        }
    }
    let parents = store.unit_parents().await.unwrap();
    assert_eq!(parents.len(), 379 + 224, "units of the 2024 and 2025 structures");
    assert_eq!(parents.iter().copied().collect::<std::collections::BTreeMap<_, _>>(), expected);
    let on_2024 = jiff::civil::date(2024, 6, 1);
    let ward_2024 = store.find_unit(WARD, on_2024).await.unwrap().unwrap().id;
    let district_2024 = store.find_unit("760", on_2024).await.unwrap().unwrap().id;
    let city_2024 = store.find_unit("79", on_2024).await.unwrap().unwrap().id;
    let parent_of = |id: i64| parents.iter().find(|(unit, _)| *unit == id).map(|(_, parent)| *parent);
    assert_eq!(parent_of(ward_2024), Some(Some(district_2024)), "2024: ward under its district");
    assert_eq!(parent_of(district_2024), Some(Some(city_2024)), "2024: district under the city");
    assert_eq!(parent_of(city_2024), Some(None), "the city is a root");
    assert_eq!(parent_of(ward), Some(Some(city)), "2025: no district level");
    assert_eq!(parent_of(city), Some(None));
    assert_ne!(city, city_2024);
}

/// A unit's queue per status, page by page (keyset): every dossier once, in due order, and a
/// dossier leaves the queue of its old status when it moves on.
pub async fn queue_pages(store: Arc<dyn Store>) {
    use domain::dossier::Status;
    let service = seeded(store.clone()).await;
    let system = Actor::system("queue");
    let ward = store.find_unit(WARD, jiff::civil::date(2026, 3, 9)).await.unwrap().unwrap().id;
    let mut codes = Vec::new();
    // Eleven dossiers, submitted a few minutes apart; the three-day procedure's appointments
    // follow submission order, the same-day ones come first.
    for index in 0..11_u32 {
        let procedure = if index % 4 == 3 { SAME_DAY_PROCEDURE } else { THREE_DAY_PROCEDURE };
        let at = instant("2026-03-09T08:00:00+07:00")
            .checked_add(jiff::SignedDuration::from_mins(i64::from(index) * 7))
            .unwrap();
        let channel = if index % 3 == 0 { Channel::Online } else { Channel::Counter };
        let (dossier, _) = service.submit(submit_request(procedure, channel, None), &system, at).await.unwrap();
        codes.push((at, dossier.state.code));
    }
    let page_filtered = |mut query: QueueQuery| {
        let store = store.clone();
        async move {
            let mut seen = Vec::new();
            loop {
                let page = store.queue(&query).await.unwrap();
                assert!(page.len() <= 4);
                let Some(last) = page.last() else { break };
                query.after = Some(query.key_of(last));
                seen.extend(page);
            }
            seen
        }
    };
    let page_through = |status: Status| page_filtered(QueueQuery::new(ward, status, 4));
    let waiting = page_through(Status::Submitted).await;
    assert_eq!(
        waiting.iter().map(|d| d.state.code.clone()).collect::<Vec<_>>(),
        codes.iter().map(|(_, code)| code.clone()).collect::<Vec<_>>()
    );
    // Accept the first eight: they move to the in-progress queue, ordered by appointment.
    for (at, code) in &codes[..8] {
        let later = at.checked_add(jiff::SignedDuration::from_mins(1)).unwrap();
        service.transition(code, None, Transition::Accept, &system, Channel::Counter, later).await.unwrap();
    }
    assert_eq!(page_through(Status::Submitted).await.len(), 3);
    let working = page_through(Status::InProgress).await;
    assert_eq!(working.len(), 8);
    let appointments: Vec<(Timestamp, String)> =
        working.iter().map(|d| (d.state.appointment.unwrap(), d.state.code.clone())).collect();
    let mut sorted = appointments.clone();
    sorted.sort();
    assert_eq!(appointments, sorted, "in due order");
    assert_ne!(working[0].state.code, codes[0].1, "a same-day dossier is due first");
    // Filters: each page holds only matching dossiers and paging through finds every one.
    let in_progress = QueueQuery::new(ward, Status::InProgress, 2);
    let same_day =
        page_filtered(QueueQuery { procedure: Some(SAME_DAY_PROCEDURE.to_owned()), ..in_progress.clone() }).await;
    let expected: Vec<&String> =
        working.iter().filter(|d| d.state.procedure.as_str() == SAME_DAY_PROCEDURE).map(|d| &d.state.code).collect();
    assert_eq!(same_day.iter().map(|d| &d.state.code).collect::<Vec<_>>(), expected);
    assert_eq!(expected.len(), 2, "indexes 3 and 7 of the accepted eight");
    let online = page_filtered(QueueQuery { channel: Some(Channel::Online), ..in_progress.clone() }).await;
    let expected: Vec<&String> =
        working.iter().filter(|d| d.state.channel == Channel::Online).map(|d| &d.state.code).collect();
    assert_eq!(online.iter().map(|d| &d.state.code).collect::<Vec<_>>(), expected);
    assert_eq!(expected.len(), 3, "indexes 0, 3 and 6");
    let cut = working[4].state.appointment.unwrap();
    let due = page_filtered(QueueQuery { due_by: Some(app::micros(cut)), ..in_progress.clone() }).await;
    let expected: Vec<&String> =
        working.iter().filter(|d| d.state.appointment.unwrap() <= cut).map(|d| &d.state.code).collect();
    assert_eq!(due.iter().map(|d| &d.state.code).collect::<Vec<_>>(), expected);
    assert!(expected.len() >= 5 && expected.len() < 8);
    let both = page_filtered(QueueQuery {
        procedure: Some(THREE_DAY_PROCEDURE.to_owned()),
        channel: Some(Channel::Counter),
        ..in_progress.clone()
    })
    .await;
    assert!(
        both.iter().all(|d| d.state.procedure.as_str() == THREE_DAY_PROCEDURE && d.state.channel == Channel::Counter)
    );
    assert_eq!(both.len(), 4, "indexes 1, 2, 4 and 5");
    // Another ward's queue is its own.
    let other = store.find_unit(OTHER_WARD, jiff::civil::date(2026, 3, 9)).await.unwrap().unwrap().id;
    assert!(store.queue(&QueueQuery::new(other, Status::InProgress, 50)).await.unwrap().is_empty());
}

/// The board's totals per unit and per field equal the per-unit period sums.
pub async fn totals_by_unit_and_field(store: Arc<dyn Store>) {
    let service = seeded(store.clone()).await;
    let system = Actor::system("totals");
    let day = jiff::civil::date(2026, 3, 9);
    for (index, unit) in [WARD, WARD, OTHER_WARD, WARD, OTHER_WARD].into_iter().enumerate() {
        let at =
            instant("2026-03-09T08:00:00+07:00").checked_add(jiff::SignedDuration::from_mins(index as i64)).unwrap();
        let mut request = submit_request(SAME_DAY_PROCEDURE, Channel::Online, None);
        request.unit_code = unit.to_owned();
        let (dossier, _) = service.submit(request, &system, at).await.unwrap();
        let later = at.checked_add(jiff::SignedDuration::from_mins(30)).unwrap();
        service
            .transition(&dossier.state.code, None, Transition::Accept, &system, Channel::Online, later)
            .await
            .unwrap();
        if index < 3 {
            let decide = Transition::Decide { outcome: domain::dossier::Outcome::Approved, reason: None };
            let decided = later.checked_add(jiff::SignedDuration::from_mins(30)).unwrap();
            service.transition(&dossier.state.code, None, decide, &system, Channel::Online, decided).await.unwrap();
        }
    }
    let totals = store.unit_totals(day, day).await.unwrap();
    assert_eq!(totals.len(), 2);
    let mut all = [0_i64; 9];
    for (unit_id, counters) in &totals {
        let sums = store
            .period_sums(&StatsQuery { unit_id: *unit_id, field: None, procedure: None, from: day, to: day })
            .await
            .unwrap();
        assert_eq!(counters[..4], sums.received_by_channel);
        assert_eq!(
            [counters[4], counters[5], counters[6], counters[7], counters[8]],
            [sums.settled_early, sums.settled_on_time, sums.settled_late, sums.returned, sums.withdrawn]
        );
        for (total, counter) in all.iter_mut().zip(counters) {
            *total += counter;
        }
    }
    assert_eq!(all[2], 5, "five received online");
    assert_eq!(all[4] + all[5] + all[6], 3, "three settled");
    let fields = store.field_totals(day, day).await.unwrap();
    assert_eq!(fields.len(), 1);
    assert_eq!(fields[0].1, all);
    assert!(
        store.unit_totals(jiff::civil::date(2026, 3, 10), jiff::civil::date(2026, 3, 31)).await.unwrap().is_empty()
    );
}

const PDF_SHA256: &str = "42265d225ba77e7570b3d4bbd6a856d65768bc2686342514464f10b61484e9bf";

/// Files submitted online are stored with the dossier, in order, with their hash.
pub async fn documents_with_intake(store: Arc<dyn Store>) {
    use app::NewDocument;
    let service = seeded(store.clone()).await;
    let system = Actor::system("portal");
    let pdf = b"%PDF-1.4\n% motcua test\n".to_vec();
    let png = b"\x89PNG\r\n\x1a\nrest".to_vec();
    let documents = vec![
        NewDocument { name: "Tờ khai".to_owned(), content_type: "application/pdf".to_owned(), content: pdf.clone() },
        NewDocument {
            name: "Giấy tờ tùy thân".to_owned(), content_type: "image/png".to_owned(), content: png.clone()
        },
    ];
    let at = instant("2026-03-09T09:00:00+07:00");
    let request = submit_request(THREE_DAY_PROCEDURE, Channel::Online, None);
    let (dossier, _) = service.submit_with_documents(request, documents, &system, at).await.unwrap();
    let code = dossier.state.code;
    let listed = store.documents(&code).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!((listed[0].seq, listed[0].name.as_str(), listed[0].size), (1, "Tờ khai", pdf.len() as i64));
    assert_eq!(listed[1].content_type, "image/png");
    // The SHA-256 of "%PDF-1.4\n% motcua test\n", computed with `sha256sum`.
    assert_eq!(listed[0].sha256, PDF_SHA256);
    let (record, content) = store.document_content(&code, 2).await.unwrap().expect("second file");
    assert_eq!((record.name.as_str(), content), ("Giấy tờ tùy thân", png));
    assert_eq!(store.document_content(&code, 3).await.unwrap(), None);
    assert!(store.documents("26740-260309-9999").await.unwrap().is_empty());
    // A dossier without files has none.
    let (plain, _) =
        service.submit(submit_request(THREE_DAY_PROCEDURE, Channel::Counter, None), &system, at).await.unwrap();
    assert!(store.documents(&plain.state.code).await.unwrap().is_empty());
}

/// A form issuer for the store suite: "renders" a small text naming the form and the event, or
/// lies about its hash, or fails, as told. The real one (rendering and signing) is tested end to
/// end in `crates/web/tests/documents.rs`.
struct SuiteIssuer {
    behaviour: &'static str,
}

impl app::service::FormIssuer for SuiteIssuer {
    fn form_of(&self, transition: &Transition) -> Option<&'static str> {
        matches!(transition, Transition::Accept | Transition::RequestSupplement { .. }).then_some("receipt")
    }

    fn issue(&self, request: &app::service::IssueRequest) -> app::StoreResult<app::IssuedDocument> {
        use sha2::Digest;
        let content =
            format!("form for {} at event {}", request.record.dossier.state.code, request.event.seq).into_bytes();
        let mut sha256 = hex::encode(sha2::Sha256::digest(&content));
        match self.behaviour {
            "fail" => {
                return Err(StoreError::Issuing { code: "SIGNING_KEYS_MISSING", message: "no keys".to_owned() });
            }
            "lie" => sha256 = "0".repeat(64),
            _ => {}
        }
        Ok(app::IssuedDocument {
            form: "receipt".to_owned(),
            name: format!("{}.pdf", request.record.dossier.state.code),
            content,
            sha256,
            signatures: 1,
        })
    }
}

/// A transition that issues a form stores it with its event, in the same transaction: the event
/// names the form's hash, the form is found by dossier and by hash; a form whose bytes do not
/// hash to what it claims, or that cannot be made, refuses the transition and writes nothing.
pub async fn issued_documents_with_their_event(store: Arc<dyn Store>) {
    let plain = seeded(store.clone()).await;
    let issuing = |behaviour| plain.clone().with_issuer(Arc::new(SuiteIssuer { behaviour }));
    let desk = Actor::system("officer-1");
    let at = instant("2026-03-09T09:00:00+07:00");
    let (dossier, _) =
        plain.submit(submit_request(THREE_DAY_PROCEDURE, Channel::Counter, None), &desk, at).await.unwrap();
    let code = dossier.state.code;
    for behaviour in ["fail", "lie"] {
        let refused = issuing(behaviour).transition(&code, None, Transition::Accept, &desk, Channel::Counter, at).await;
        assert!(
            matches!(refused, Err(StoreError::Issuing { .. } | StoreError::Database(_))),
            "{behaviour}: {refused:?}"
        );
        let record = store.dossier(&code).await.unwrap().expect("dossier");
        assert_eq!(record.events.len(), 1, "{behaviour}: nothing written");
        assert!(store.issued_documents(&code).await.unwrap().is_empty(), "{behaviour}");
    }
    let accepted =
        issuing("honest").transition(&code, Some(1), Transition::Accept, &desk, Channel::Counter, at).await.unwrap();
    assert_eq!(accepted.state.version, 2);
    let record = store.dossier(&code).await.unwrap().expect("dossier");
    let document = &record.events[1].payload["document"];
    let listed = store.issued_documents(&code).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].seq, listed[0].form.as_str(), listed[0].signatures), (2, "receipt", 1));
    assert_eq!(document["sha256"], listed[0].sha256.as_str());
    assert_eq!(listed[0].issued_at, record.events[1].at);
    let (found, content) = store.issued_content(&code, 2).await.unwrap().expect("content");
    assert_eq!(found, listed[0]);
    assert_eq!(content, format!("form for {code} at event 2").into_bytes());
    assert_eq!(store.issued_by_hash(&listed[0].sha256).await.unwrap(), listed);
    assert!(store.issued_by_hash(&"f".repeat(64)).await.unwrap().is_empty());
    assert_eq!(store.issued_content(&code, 1).await.unwrap(), None);
    // A transition that issues nothing stores nothing; the events replay to the same state.
    issuing("honest").transition(&code, None, Transition::CompleteStep, &desk, Channel::Counter, at).await.unwrap();
    assert_eq!(store.issued_documents(&code).await.unwrap().len(), 1);
    assert_eq!(plain.check().await.unwrap().differences, Vec::<String>::new());
}

/// The board's totals over periods that cross months (read from the monthly roll-up plus the
/// days around it) equal the daily counters summed directly, and `check` agrees with the roll-up.
pub async fn totals_across_months(store: Arc<dyn Store>) {
    let service = seeded(store.clone()).await;
    let system = Actor::system("months");
    // Two dossiers a week from late January to mid April 2026, in two wards.
    let mut at = instant("2026-01-26T09:00:00+07:00");
    let end = instant("2026-04-15T09:00:00+07:00");
    let mut index = 0_u32;
    while at < end {
        for unit in [WARD, OTHER_WARD] {
            let mut request = submit_request(SAME_DAY_PROCEDURE, Channel::Counter, None);
            request.unit_code = unit.to_owned();
            let (dossier, _) = service.submit(request, &system, at).await.unwrap();
            let later = at.checked_add(jiff::SignedDuration::from_mins(10)).unwrap();
            service
                .transition(&dossier.state.code, None, Transition::Accept, &system, Channel::Counter, later)
                .await
                .unwrap();
            if !index.is_multiple_of(3) {
                let decide = Transition::Decide { outcome: domain::dossier::Outcome::Approved, reason: None };
                let decided =
                    later.checked_add(jiff::SignedDuration::from_hours(1 + i64::from(index % 5) * 30)).unwrap();
                service
                    .transition(&dossier.state.code, None, decide, &system, Channel::Counter, decided)
                    .await
                    .unwrap();
            }
            index += 1;
        }
        at = at.checked_add(jiff::SignedDuration::from_hours(24 * 3 + 7)).unwrap();
    }
    let report = service.check().await.unwrap();
    assert!(report.differences.is_empty(), "{:?}", report.differences);
    let aggregates = store.aggregates().await.unwrap();
    assert!(aggregates.monthly.len() >= 6, "months of two wards: {}", aggregates.monthly.len());
    let (january, april) = (2026 * 12, 2026 * 12 + 3);
    let ward_id = store.find_unit(WARD, jiff::civil::date(2026, 3, 9)).await.unwrap().unwrap().id;
    for units in [vec![], vec![ward_id]] {
        let months = store.month_totals(january, april, &units).await.unwrap();
        assert_eq!(months.iter().map(|(month, _)| *month).collect::<Vec<_>>(), (january..=april).collect::<Vec<_>>());
        for (month, counters) in &months {
            let mut expected = [0_i64; 9];
            for ((unit, _, key_month), monthly) in &aggregates.monthly {
                if key_month == month && (units.is_empty() || units.contains(unit)) {
                    for (total, counter) in expected.iter_mut().zip(monthly) {
                        *total += counter;
                    }
                }
            }
            assert_eq!(counters, &expected, "month {month}, units {units:?}");
        }
    }
    let date = |text: &str| text.parse::<jiff::civil::Date>().unwrap();
    for (from, to) in [
        ("2026-01-01", "2026-12-31"),
        ("2026-01-27", "2026-04-02"),
        ("2026-02-01", "2026-03-31"),
        ("2026-02-10", "2026-02-20"),
        ("2026-03-31", "2026-04-01"),
        // Mostly covered months: summed as the month minus the days outside.
        ("2026-01-05", "2026-03-25"),
        ("2026-03-03", "2026-03-28"),
        ("2026-02-02", "2026-04-14"),
    ] {
        let (from_day, to_day) = (app::day_number(date(from)), app::day_number(date(to)));
        let mut expected: std::collections::BTreeMap<i64, [i64; 9]> = std::collections::BTreeMap::new();
        for ((unit, _, _, day), counters) in &aggregates.daily {
            if (from_day..=to_day).contains(day) {
                let entry = expected.entry(*unit).or_insert([0; 9]);
                for (total, counter) in entry.iter_mut().zip(counters) {
                    *total += counter;
                }
            }
        }
        let expected: Vec<(i64, [i64; 9])> =
            expected.into_iter().filter(|(_, counters)| counters.iter().any(|n| *n != 0)).collect();
        let found: Vec<(i64, [i64; 9])> = store
            .unit_totals(date(from), date(to))
            .await
            .unwrap()
            .into_iter()
            .filter(|(_, counters)| counters.iter().any(|n| *n != 0))
            .collect();
        assert_eq!(found, expected, "{from}..{to}");
        let fields = store.field_totals(date(from), date(to)).await.unwrap();
        let field_sum: i64 = fields.iter().map(|(_, counters)| counters.iter().sum::<i64>()).sum();
        let unit_sum: i64 = found.iter().map(|(_, counters)| counters.iter().sum::<i64>()).sum();
        assert_eq!(field_sum, unit_sum, "{from}..{to}");
        let both = store.unit_field_totals(date(from), date(to)).await.unwrap();
        let mut per_unit: std::collections::BTreeMap<i64, [i64; 9]> = std::collections::BTreeMap::new();
        for ((unit, _), counters) in &both {
            for (total, counter) in per_unit.entry(*unit).or_insert([0; 9]).iter_mut().zip(counters) {
                *total += counter;
            }
        }
        let per_unit: Vec<(i64, [i64; 9])> = per_unit.into_iter().filter(|(_, c)| c.iter().any(|n| *n != 0)).collect();
        assert_eq!(per_unit, found, "{from}..{to}: per unit and field");
    }
}
