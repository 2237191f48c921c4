//! Dossier scenarios: the lifecycle, supplements and apologies, refused transitions, idempotent
//! intake, concurrent clients, per-unit office hours, and the queues.

use std::collections::BTreeSet;
use std::sync::Arc;

use app::access::Actor;
use app::service::{Service, SubmitRequest};
use app::{Applicant, QueueQuery, StatsQuery, Store, StoreError};
use calendar::WorkingTime;
use domain::dossier::{Channel, Outcome, Status, Transition};
use jiff::Timestamp;

use crate::fixtures::{
    OTHER_WARD, SAME_DAY_PROCEDURE, THREE_DAY_PROCEDURE, WARD, act, instant, seeded, show, submit_request,
};

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
