//! The access matrix: every role × every action × every relation between the unit a role is
//! granted on and the unit of the target, run through the service on a real store. Each cell
//! prepares its own target (a dossier in the state the action needs, a unit, an account), acts as
//! an account holding only that one grant, and checks the outcome against the table below,
//! written out by hand (not computed from the policy it tests). A denied cell must be
//! `ACCESS_DENIED` and must have written nothing.
//!
//! Units (Ho Chi Minh City, structure of July 2025): the grant is on the city's Land Registration
//! Office; the target is that office (same), its branch no. 1 (inside), the Department of
//! Agriculture and Environment above it (above), or a ward (outside).

use std::sync::Arc;

use app::access::{Action, Actor, Grant, Relation, Role};
use app::service::{Service, SubmitRequest};
use app::{Applicant, Store, StoreError};
use domain::dossier::{Channel, Outcome, Transition};
use jiff::Timestamp;

/// Columns: same, inside, above, outside. `Y` allowed, `-` denied.
const EXPECTED: [(Role, [(Action, &str); 10]); 7] = [
    (
        Role::DeskOfficer,
        [
            (Action::Intake, "YY--"),
            (Action::ReadDossier, "YY--"),
            (Action::Receive, "YY--"),
            (Action::Process, "----"),
            (Action::Decide, "----"),
            (Action::Apologize, "----"),
            (Action::Return, "YY--"),
            (Action::ReadInternalStats, "----"),
            (Action::ReadAudit, "----"),
            (Action::ManageAccounts, "----"),
        ],
    ),
    (
        Role::ProcessingOfficer,
        [
            (Action::Intake, "----"),
            (Action::ReadDossier, "YY--"),
            (Action::Receive, "----"),
            (Action::Process, "YY--"),
            (Action::Decide, "----"),
            (Action::Apologize, "----"),
            (Action::Return, "----"),
            (Action::ReadInternalStats, "----"),
            (Action::ReadAudit, "----"),
            (Action::ManageAccounts, "----"),
        ],
    ),
    (
        Role::UnitHead,
        [
            (Action::Intake, "----"),
            (Action::ReadDossier, "YY--"),
            (Action::Receive, "----"),
            (Action::Process, "----"),
            (Action::Decide, "Y---"),
            (Action::Apologize, "Y---"),
            (Action::Return, "----"),
            (Action::ReadInternalStats, "YY--"),
            (Action::ReadAudit, "YY--"),
            (Action::ManageAccounts, "----"),
        ],
    ),
    (
        Role::CityLeader,
        [
            (Action::Intake, "----"),
            (Action::ReadDossier, "YY--"),
            (Action::Receive, "----"),
            (Action::Process, "----"),
            (Action::Decide, "----"),
            (Action::Apologize, "----"),
            (Action::Return, "----"),
            (Action::ReadInternalStats, "YYYY"),
            (Action::ReadAudit, "----"),
            (Action::ManageAccounts, "----"),
        ],
    ),
    (
        Role::Inspector,
        [
            (Action::Intake, "----"),
            (Action::ReadDossier, "YY--"),
            (Action::Receive, "----"),
            (Action::Process, "----"),
            (Action::Decide, "----"),
            (Action::Apologize, "----"),
            (Action::Return, "----"),
            (Action::ReadInternalStats, "YY--"),
            (Action::ReadAudit, "YY--"),
            (Action::ManageAccounts, "----"),
        ],
    ),
    (
        Role::Administrator,
        [
            (Action::Intake, "----"),
            (Action::ReadDossier, "----"),
            (Action::Receive, "----"),
            (Action::Process, "----"),
            (Action::Decide, "----"),
            (Action::Apologize, "----"),
            (Action::Return, "----"),
            (Action::ReadInternalStats, "----"),
            (Action::ReadAudit, "----"),
            (Action::ManageAccounts, "YY--"),
        ],
    ),
    (
        Role::Integrator,
        [
            (Action::Intake, "YY--"),
            (Action::ReadDossier, "YY--"),
            (Action::Receive, "----"),
            (Action::Process, "----"),
            (Action::Decide, "----"),
            (Action::Apologize, "----"),
            (Action::Return, "----"),
            (Action::ReadInternalStats, "----"),
            (Action::ReadAudit, "----"),
            (Action::ManageAccounts, "----"),
        ],
    ),
];

const GRANTED_ON: &str = "79-vpdkdd";
const PROCEDURE: &str = "1.004873";

fn target_code(relation: Relation) -> &'static str {
    match relation {
        Relation::Same => "79-vpdkdd",
        Relation::Inside => "79-vpdkdd-cn-01",
        Relation::Above => "79-so-nnmt",
        Relation::Outside => "26740",
    }
}

fn at(minute: u32) -> Timestamp {
    // Monday 9 March 2026, from 07:30 in Ho Chi Minh City; one minute per step keeps every
    // instant in order (the matrix needs about 1,100 steps; instants outside office hours are
    // fine: deadlines count from the next working moment).
    let base: Timestamp = "2026-03-09T07:30:00+07:00".parse().expect("instant");
    base.checked_add(jiff::SignedDuration::from_mins(i64::from(minute))).expect("instant")
}

struct Matrix {
    service: Service,
    store: Arc<dyn Store>,
    system: Actor,
    clock: std::sync::atomic::AtomicU32,
}

impl Matrix {
    fn now(&self) -> Timestamp {
        at(self.clock.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }

    async fn unit_id(&self, code: &str) -> i64 {
        let day = domain::dossier::local_day(at(0));
        self.store.find_unit(code, day).await.expect("unit").expect("unit exists").id
    }

    fn request(unit: &str) -> SubmitRequest {
        SubmitRequest {
            unit_code: unit.to_owned(),
            procedure_code: PROCEDURE.to_owned(),
            channel: Channel::Counter,
            idempotency_key: None,
            applicant: Applicant { name: "Lê Thị Ma Trận".to_owned(), ..Applicant::default() },
        }
    }

    async fn act(&self, code: &str, transition: Transition, actor: &Actor) -> Result<i64, StoreError> {
        let now = self.now();
        self.service.transition(code, None, transition, actor, Channel::Counter, now).await.map(|d| d.state.version)
    }

    /// A dossier received at `unit` and taken by the system up to just before `action`.
    async fn dossier_for(&self, unit: &str, action: Action) -> String {
        let now = self.now();
        let (dossier, _) = self.service.submit(Matrix::request(unit), &self.system, now).await.expect("submit");
        let code = dossier.state.code;
        let mut steps = Vec::new();
        match action {
            Action::Process | Action::Decide | Action::Apologize => steps.push(Transition::Accept),
            Action::Return => {
                steps.push(Transition::Accept);
                steps.push(Transition::Decide { outcome: Outcome::Approved, reason: None });
            }
            _ => {}
        }
        for step in steps {
            self.act(&code, step, &self.system).await.expect("prepare");
        }
        code
    }

    async fn version(&self, code: &str) -> i64 {
        self.store.dossier(code).await.expect("read").expect("dossier").dossier.state.version
    }

    /// Performs `action` on a target of `unit` as `actor`: Ok when allowed and done, the error
    /// otherwise; checks that a refusal wrote nothing.
    async fn perform(&self, action: Action, unit: &str, actor: &Actor) -> Result<(), StoreError> {
        match action {
            Action::Intake => {
                let before = self.store.dossier_count().await.expect("count");
                let now = self.now();
                let result = self.service.submit(Matrix::request(unit), actor, now).await.map(|_| ());
                if result.is_err() {
                    assert_eq!(self.store.dossier_count().await.expect("count"), before);
                }
                result
            }
            Action::ReadDossier => {
                let code = self.dossier_for(unit, action).await;
                let unit_id = self.unit_id(unit).await;
                let reads = || async {
                    let entries = self.store.audit_for_target(unit_id, &code).await.expect("audit");
                    entries.iter().filter(|entry| entry.write.action == "read_personal_data").count()
                };
                let before = reads().await;
                let now = self.now();
                let result = self.service.dossier_for_staff(&code, actor, now).await;
                match &result {
                    Ok(record) => {
                        assert_eq!(record.applicant.name, "Lê Thị Ma Trận");
                        assert_eq!(reads().await, before + 1, "an allowed read is recorded");
                    }
                    Err(_) => assert_eq!(reads().await, before, "a refused read records nothing"),
                }
                result.map(|_| ())
            }
            Action::Receive | Action::Process | Action::Decide | Action::Apologize | Action::Return => {
                let code = self.dossier_for(unit, action).await;
                let before = self.version(&code).await;
                let transition = match action {
                    Action::Receive => Transition::Accept,
                    Action::Process => Transition::CompleteStep,
                    Action::Decide => Transition::Decide { outcome: Outcome::Approved, reason: None },
                    Action::Apologize => {
                        let record = self.store.dossier(&code).await.expect("read").expect("dossier");
                        let appointment = record.dossier.state.appointment.expect("appointment");
                        let later = appointment.checked_add(jiff::SignedDuration::from_hours(24 * 7)).expect("later");
                        Transition::Apologize { new_appointment: later, reason: "cần xác minh thêm".to_owned() }
                    }
                    _ => Transition::ReturnResult,
                };
                let result = self.act(&code, transition, actor).await;
                match &result {
                    Ok(version) => assert_eq!(*version, before + 1),
                    Err(_) => assert_eq!(self.version(&code).await, before, "a refused transition writes nothing"),
                }
                result.map(|_| ())
            }
            Action::ReadInternalStats => {
                let unit_id = self.unit_id(unit).await;
                let day = domain::dossier::local_day(at(0));
                self.service.step_stats(unit_id, day, day, actor).await.map(|_| ())
            }
            Action::ReadAudit => {
                let unit_id = self.unit_id(unit).await;
                self.service.audit_trail(unit_id, 0, 10, actor).await.map(|_| ())
            }
            Action::ManageAccounts => {
                let login = format!("target.{}", self.clock.load(std::sync::atomic::Ordering::Relaxed));
                let now = self.now();
                self.service
                    .add_user(&login, "Người được cấp quyền", "mật khẩu đủ dài", &self.system, now)
                    .await
                    .expect("user");
                let result = self.service.grant(&login, Role::DeskOfficer, unit, actor, now).await;
                let grants = self.service.grants_of(&login).await.expect("grants");
                match &result {
                    Ok(added) => assert!(*added && grants.len() == 1),
                    Err(_) => assert!(grants.is_empty(), "a refused grant writes nothing"),
                }
                result.map(|_| ())
            }
        }
    }
}

async fn every_cell(store: Arc<dyn Store>) {
    let service = store_tests::seeded(store.clone()).await;
    let matrix =
        Matrix { service, store, system: Actor::system("matrix"), clock: std::sync::atomic::AtomicU32::new(0) };
    let granted = matrix.unit_id(GRANTED_ON).await;
    let mut cells = 0;
    let mut mismatches = Vec::new();
    for (role, actions) in EXPECTED {
        for (action, expected) in actions {
            for (column, relation) in Relation::ALL.into_iter().enumerate() {
                let allowed = expected.as_bytes()[column] == b'Y';
                let actor = Actor::account(
                    &format!("{}.{}", role.as_str(), action.as_str()),
                    vec![Grant { role, unit_id: granted }],
                    Some("192.0.2.7".to_owned()),
                );
                let result = matrix.perform(action, target_code(relation), &actor).await;
                cells += 1;
                match (&result, allowed) {
                    (Ok(()), true) => {}
                    (Err(StoreError::Forbidden(_)), false) => {}
                    (other, _) => mismatches.push(format!(
                        "{} × {} × {relation:?}: expected {}, got {other:?}",
                        role.as_str(),
                        action.as_str(),
                        if allowed { "allowed" } else { "ACCESS_DENIED" }
                    )),
                }
            }
        }
    }
    assert_eq!(cells, Role::ALL.len() * Action::ALL.len() * Relation::ALL.len());
    assert!(mismatches.is_empty(), "{} of {cells} cells differ:\n{}", mismatches.len(), mismatches.join("\n"));
    // Every refused attempt left the audit chains intact; every allowed one is in them.
    let report = matrix.service.audit_verify().await.expect("verify");
    assert_eq!(report.first_broken, None);
}

/// After a transfer, workflow actions follow the dossier to the unit holding it; desk actions
/// (returning the result) stay with the receiving unit; both may read it.
async fn transfer_moves_the_work(store: Arc<dyn Store>) {
    let service = store_tests::seeded(store.clone()).await;
    let matrix =
        Matrix { service, store, system: Actor::system("matrix"), clock: std::sync::atomic::AtomicU32::new(0) };
    let (ward, office) = (matrix.unit_id("26740").await, matrix.unit_id("79-vpdkdd").await);
    let officer = |role, unit_id| Actor::account("officer", vec![Grant { role, unit_id }], None);
    let code = matrix.dossier_for("26740", Action::Process).await;
    let to_office = Transition::Transfer { to_unit: "79-vpdkdd".to_owned() };
    matrix.act(&code, to_office, &officer(Role::ProcessingOfficer, ward)).await.expect("the ward hands it over");
    let denied = matrix.act(&code, Transition::CompleteStep, &officer(Role::ProcessingOfficer, ward)).await;
    assert!(matches!(denied, Err(StoreError::Forbidden(_))), "{denied:?}");
    matrix.act(&code, Transition::CompleteStep, &officer(Role::ProcessingOfficer, office)).await.expect("office works");
    let decide = Transition::Decide { outcome: Outcome::Approved, reason: None };
    let denied = matrix.act(&code, decide.clone(), &officer(Role::UnitHead, ward)).await;
    assert!(matches!(denied, Err(StoreError::Forbidden(_))), "{denied:?}");
    matrix.act(&code, decide, &officer(Role::UnitHead, office)).await.expect("the office's head decides");
    let denied = matrix.act(&code, Transition::ReturnResult, &officer(Role::DeskOfficer, office)).await;
    assert!(matches!(denied, Err(StoreError::Forbidden(_))), "{denied:?}");
    matrix
        .act(&code, Transition::ReturnResult, &officer(Role::DeskOfficer, ward))
        .await
        .expect("the ward's desk returns");
    for (role, unit) in [(Role::Inspector, ward), (Role::Inspector, office)] {
        matrix.service.dossier_for_staff(&code, &officer(role, unit), at(900)).await.expect("both units read it");
    }
}

#[test]
fn the_table_covers_every_role_and_action_once() {
    let roles: Vec<Role> = EXPECTED.iter().map(|(role, _)| *role).collect();
    assert_eq!(roles, Role::ALL);
    for (_, actions) in EXPECTED {
        let listed: Vec<Action> = actions.iter().map(|(action, _)| *action).collect();
        assert_eq!(listed, Action::ALL);
        assert!(
            actions.iter().all(|(_, cells)| cells.len() == 4 && cells.bytes().all(|cell| cell == b'Y' || cell == b'-'))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_matrix_sqlite() {
    let path = std::env::temp_dir().join(format!(
        "motcua-matrix-{}-{}.db",
        std::process::id(),
        Timestamp::now().as_nanosecond()
    ));
    let store = store_sqlite::SqliteStore::connect(&format!("sqlite:{}", path.display())).await.expect("open");
    every_cell(Arc::new(store)).await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_moves_the_work_sqlite() {
    let path = std::env::temp_dir().join(format!(
        "motcua-transfer-{}-{}.db",
        std::process::id(),
        Timestamp::now().as_nanosecond()
    ));
    let store = store_sqlite::SqliteStore::connect(&format!("sqlite:{}", path.display())).await.expect("open");
    transfer_moves_the_work(Arc::new(store)).await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_moves_the_work_postgres() {
    let (url, name) = store_tests::fresh_postgres_database("transfer").await;
    let store = store_postgres::PostgresStore::connect(&url).await.expect("connect");
    transfer_moves_the_work(Arc::new(store)).await;
    store_tests::drop_postgres_database(&name).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_matrix_postgres() {
    let (url, name) = store_tests::fresh_postgres_database("matrix").await;
    let store = store_postgres::PostgresStore::connect(&url).await.expect("connect");
    every_cell(Arc::new(store)).await;
    store_tests::drop_postgres_database(&name).await;
}
