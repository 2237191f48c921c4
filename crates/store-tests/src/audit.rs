//! Audit scenarios: every change and read leaves an entry, the chains verify, and tampering
//! (through each backend's raw SQL, see `tests/sqlite.rs` and `tests/postgres.rs`) is found.

use std::sync::Arc;

use app::Store;
use app::access::Actor;
use app::service::{Service, SubmitRequest};
use domain::dossier::{Channel, Outcome, Transition};

use crate::fixtures::{OTHER_WARD, THREE_DAY_PROCEDURE, WARD, act, instant, seeded, submit_request};

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
