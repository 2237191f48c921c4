//! The shared fixtures (the shipped catalogue, a ward, two procedures) and the helpers that
//! create throwaway PostgreSQL databases for tests.

use std::sync::Arc;

use app::Applicant;
use app::Store;
use app::access::Actor;
use app::service::{Service, SubmitRequest};
use calendar::WorkingTime;
use domain::catalog::parse_catalog;
use domain::dossier::{Channel, Transition};
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

pub(crate) fn show(instant: Timestamp) -> String {
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

pub(crate) fn applicant() -> Applicant {
    Applicant {
        name: "Nguyễn Văn An".to_owned(), id_number: Some("079090000001".to_owned()), ..Applicant::default()
    }
}

pub(crate) fn submit_request(procedure: &str, channel: Channel, key: Option<&str>) -> SubmitRequest {
    SubmitRequest {
        unit_code: WARD.to_owned(),
        procedure_code: procedure.to_owned(),
        channel,
        idempotency_key: key.map(str::to_owned),
        applicant: applicant(),
    }
}

pub(crate) async fn act(service: &Service, code: &str, transition: Transition, at: &str) -> app::StoredDossier {
    service
        .transition(code, None, transition, &Actor::system("officer-1"), Channel::Counter, instant(at))
        .await
        .expect("transition")
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
