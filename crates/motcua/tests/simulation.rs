//! The bulk path writes exactly what the one-by-one service path writes: same dossiers, same
//! events, same statistics, for the same seed.

use std::sync::Arc;

use app::Store;
use app::service::Service;
use motcua::simulation::{BulkWriter, Plan, Writer, run};

async fn fresh(name: &str) -> (Service, String) {
    let path = std::env::temp_dir().join(format!(
        "motcua-sim-{name}-{}-{}.db",
        std::process::id(),
        jiff::Timestamp::now().as_nanosecond()
    ));
    let store: Arc<dyn Store> =
        Arc::new(store_sqlite::SqliteStore::connect(&format!("sqlite:{}", path.display())).await.expect("open"));
    (store_tests::seeded(store).await, path.display().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_path_equals_service_path() {
    let plan = Plan {
        from: jiff::civil::date(2026, 2, 2),
        to: jiff::civil::date(2026, 3, 6),
        per_working_day: 12,
        seed: 42,
        now: "2026-03-04T12:00:00+07:00".parse().expect("instant"),
    };
    let (one_by_one, first_path) = fresh("service").await;
    let summary_service =
        run(&one_by_one, &mut Writer::Service(&one_by_one), &plan, |_, _, _| {}).await.expect("service path");
    let (bulk_service, second_path) = fresh("bulk").await;
    let mut bulk = Writer::Bulk(Box::new(BulkWriter::new(bulk_service.clone(), 37)));
    let summary_bulk = run(&bulk_service, &mut bulk, &plan, |_, _, _| {}).await.expect("bulk path");
    if let Writer::Bulk(writer) = &mut bulk {
        writer.flush().await.expect("flush");
    }
    assert!(summary_service.dossiers > 200, "{}", summary_service.dossiers);
    assert_eq!(summary_service.dossiers, summary_bulk.dossiers);
    assert_eq!(summary_service.transitions, summary_bulk.transitions);
    let page_a = one_by_one.store().dossier_page(None, 100_000).await.expect("page");
    let page_b = bulk_service.store().dossier_page(None, 100_000).await.expect("page");
    assert_eq!(page_a.len() as u64, summary_service.dossiers);
    assert_eq!(page_a, page_b, "same dossiers and events");
    assert_eq!(
        one_by_one.store().aggregates().await.expect("aggregates"),
        bulk_service.store().aggregates().await.expect("aggregates")
    );
    assert!(one_by_one.check().await.expect("check").differences.is_empty());
    assert!(bulk_service.check().await.expect("check").differences.is_empty());
    // Open dossiers remain: the plan's "now" is before the end of the period.
    assert!(page_a.iter().any(|(dossier, _)| dossier.state.status == domain::dossier::Status::InProgress));
    for path in [first_path, second_path] {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    }
}

/// A period before the catalogue takes effect is refused instead of silently simulating nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_period_without_procedures_is_refused() {
    let plan = Plan {
        from: jiff::civil::date(2001, 2, 1),
        to: jiff::civil::date(2001, 2, 28),
        per_working_day: 12,
        seed: 1,
        now: "2001-03-01T12:00:00+07:00".parse().expect("instant"),
    };
    let (service, path) = fresh("empty").await;
    let error = run(&service, &mut Writer::Service(&service), &plan, |_, _, _| {}).await.expect_err("refused");
    assert!(error.to_string().contains("no procedure of the catalogue is in force"), "{error}");
    assert_eq!(service.store().dossier_count().await.expect("count"), 0);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
}
