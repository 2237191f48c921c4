//! Catalogue scenarios: units by structure and date, procedure versions, re-import.

use std::sync::Arc;

use app::Store;
use domain::catalog::parse_catalog;

use crate::fixtures::{SAME_DAY_PROCEDURE, UNITS_2025, seeded};

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
