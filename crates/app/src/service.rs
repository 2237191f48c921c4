//! The application service: runs domain commands through a [`Store`] with an explicit actor and
//! instant. Handlers (HTTP, CLI, simulation) call these functions and nothing lower.

use std::collections::BTreeMap;
use std::sync::Arc;

use calendar::WorkingTime;
use domain::DomainError;
use domain::catalog::{Code, normalize_text};
use domain::dossier::{self, Channel, Context, DailyCounter, DossierState, Event, NewDossier, StatDelta, Transition};
use domain::stats::PeriodReport;
use jiff::Timestamp;

use crate::access::{Action, Actor, UnitTree};
use crate::{Aggregates, Applicant, StatsQuery, Store, StoreError, StoreResult, StoredDossier, day_number};

/// The access action of a transition, and whether it is judged against the receiving unit
/// (desk work) rather than the unit holding the dossier now (workflow work).
pub fn action_of(transition: &Transition) -> (Action, bool) {
    match transition {
        Transition::Accept
        | Transition::RequestIntakeSupplement { .. }
        | Transition::CompleteIntakeSupplement
        | Transition::RefuseIntake { .. } => (Action::Receive, true),
        Transition::Transfer { .. }
        | Transition::CompleteStep
        | Transition::RequestSupplement { .. }
        | Transition::ReceiveSupplement => (Action::Process, false),
        Transition::Apologize { .. } => (Action::Apologize, false),
        Transition::Decide { .. } => (Action::Decide, false),
        Transition::ReturnResult | Transition::Withdraw { .. } => (Action::Return, true),
    }
}

fn denied(actor: &Actor, action: Action, what: &str) -> StoreError {
    StoreError::Forbidden(format!(
        "tài khoản {} không có quyền {} đối với {what} / account {} may not {} on {what}",
        actor.name,
        action.as_str(),
        actor.name,
        action.as_str()
    ))
}

/// A submission as the handlers receive it.
#[derive(Debug, Clone)]
pub struct SubmitRequest {
    /// Receiving unit code (in the structure in force on the submission day).
    pub unit_code: String,
    /// Procedure code (the version in force on the submission day is used).
    pub procedure_code: String,
    /// Channel.
    pub channel: Channel,
    /// Idempotency key or external reference.
    pub idempotency_key: Option<String>,
    /// Personal data.
    pub applicant: Applicant,
}

/// One increment of a maintained aggregate, derived from a statistics delta.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Increment {
    /// A daily counter (index into [`crate::DAILY_COUNTERS`]).
    Daily {
        /// `(unit, procedure, field, day)`.
        key: (i64, String, String, i32),
        /// Counter index.
        column: usize,
    },
    /// A due instant opened.
    DueOpened {
        /// `(unit, procedure, field, due_day)`.
        key: (i64, String, String, i32),
    },
    /// A due instant closed.
    DueClosed {
        /// `(unit, procedure, field, close_day, due_day)`.
        key: (i64, String, String, i32, i32),
    },
    /// A step finished.
    Step {
        /// `(unit, procedure, step, day)`.
        key: (i64, String, u32, i32),
        /// Office seconds spent.
        spent_seconds: i64,
        /// Whether over budget.
        over_budget: bool,
    },
}

fn counter_index(counter: DailyCounter) -> usize {
    match counter {
        DailyCounter::Received(Channel::Counter) => 0,
        DailyCounter::Received(Channel::Post) => 1,
        DailyCounter::Received(Channel::Online) => 2,
        DailyCounter::Received(Channel::NationalPortal) => 3,
        DailyCounter::SettledEarly => 4,
        DailyCounter::SettledOnTime => 5,
        DailyCounter::SettledLate => 6,
        DailyCounter::Returned => 7,
        DailyCounter::Withdrawn => 8,
    }
}

/// The aggregate increments of an event: the statistics are the receiving unit's.
pub fn increments(unit_id: i64, before: Option<&DossierState>, after: &DossierState, event: &Event) -> Vec<Increment> {
    let procedure = after.procedure.to_string();
    let field = after.field.clone();
    dossier::stat_deltas(before, after, event)
        .into_iter()
        .map(|delta| match delta {
            StatDelta::Daily { day, counter } => Increment::Daily {
                key: (unit_id, procedure.clone(), field.clone(), day_number(day)),
                column: counter_index(counter),
            },
            StatDelta::DueOpened { due_day } => {
                Increment::DueOpened { key: (unit_id, procedure.clone(), field.clone(), day_number(due_day)) }
            }
            StatDelta::DueClosed { close_day, due_day } => Increment::DueClosed {
                key: (unit_id, procedure.clone(), field.clone(), day_number(close_day), day_number(due_day)),
            },
            StatDelta::Step { day, step, spent_seconds, over_budget } => {
                Increment::Step { key: (unit_id, procedure.clone(), step, day_number(day)), spent_seconds, over_budget }
            }
        })
        .collect()
}

/// The per-unit daily roll-up of a write's daily increments (what backends add to
/// `stat_unit_daily`, and, through [`crate::months_of`], to `stat_monthly`).
pub fn unit_daily_increments(increments: &[Increment]) -> BTreeMap<crate::UnitDayKey, [i64; 9]> {
    let mut unit_daily: BTreeMap<crate::UnitDayKey, [i64; 9]> = BTreeMap::new();
    for increment in increments {
        if let Increment::Daily { key: (unit, _, field, day), column } = increment {
            unit_daily.entry((*unit, field.clone(), *day)).or_insert([0; 9])[*column] += 1;
        }
    }
    unit_daily
}

/// Adds increments to an in-memory aggregate set (the recount of `check`).
pub fn add_increments(aggregates: &mut Aggregates, increments: &[Increment]) {
    for increment in increments {
        match increment {
            Increment::Daily { key, column } => aggregates.daily.entry(key.clone()).or_insert([0; 9])[*column] += 1,
            Increment::DueOpened { key } => *aggregates.due_opened.entry(key.clone()).or_insert(0) += 1,
            Increment::DueClosed { key } => *aggregates.due_closed.entry(key.clone()).or_insert(0) += 1,
            Increment::Step { key, spent_seconds, over_budget } => {
                let entry = aggregates.steps.entry(key.clone()).or_insert((0, 0, 0));
                entry.0 += 1;
                entry.1 += spent_seconds;
                entry.2 += i64::from(*over_budget);
            }
        }
    }
}

/// Commands and queries over a store.
#[derive(Clone)]
pub struct Service {
    store: Arc<dyn Store>,
    /// Where public look-ups and statistics read (a streaming replica), else `store`.
    reads: Option<Arc<dyn Store>>,
    engine: Arc<WorkingTime>,
    /// Units with their own office hours, by unit code; others use `engine`.
    unit_engines: Arc<std::collections::HashMap<String, Arc<WorkingTime>>>,
    /// The key receipt secrets are derived from (kept in the database, loaded once).
    receipt_key: Arc<tokio::sync::OnceCell<Vec<u8>>>,
    /// Writes done through this service (a statistics cache knows it is stale when it moved).
    generation: Arc<std::sync::atomic::AtomicU64>,
    /// The unit tree access is checked against (loaded on first use, reloaded when a unit is
    /// missing from it: units are only ever added).
    tree: Arc<tokio::sync::RwLock<Arc<UnitTree>>>,
    /// Renders and signs the forms transitions issue; none issued when `None`.
    issuer: Option<Arc<dyn FormIssuer>>,
}

/// What a form is made from: the dossier before the transition, the transition's event as it
/// will be written (without the document), and who issues it. Owned, so that rendering runs on a
/// blocking thread.
#[derive(Debug, Clone)]
pub struct IssueRequest {
    /// The dossier before the transition, with its applicant and history.
    pub record: crate::DossierRecord,
    /// Its procedure version.
    pub procedure: domain::catalog::Procedure,
    /// The transition asked for.
    pub transition: Transition,
    /// Its event.
    pub event: Event,
    /// The officer's display name.
    pub officer: String,
    /// The receiving unit.
    pub receiving_unit: crate::UnitRecord,
    /// The unit acting (holding the dossier; the same as the receiving unit at the desk).
    pub acting_unit: crate::UnitRecord,
}

/// Produces the documents the one-stop rules tie to transitions (rendered and signed).
pub trait FormIssuer: Send + Sync {
    /// The form `transition` issues, if any.
    fn form_of(&self, transition: &Transition) -> Option<&'static str>;
    /// Renders and signs it. CPU-bound (milliseconds): the service calls it on a blocking
    /// thread, before the transition's transaction.
    fn issue(&self, request: &IssueRequest) -> StoreResult<crate::IssuedDocument>;
}

/// Instants are stored to the microsecond; the state must hold exactly what replaying the stored
/// events gives, so finer parts are dropped before anything is decided.
pub fn stored_precision(at: Timestamp) -> Timestamp {
    Timestamp::from_microsecond(at.as_microsecond()).unwrap_or(at)
}

fn not_found(what: String) -> StoreError {
    StoreError::NotFound(what)
}

impl Service {
    /// A service over a store with one deadline engine (the city's office hours).
    pub fn new(store: Arc<dyn Store>, engine: Arc<WorkingTime>) -> Service {
        Service::with_unit_engines(store, engine, std::collections::HashMap::new())
    }

    /// The same, with units that keep their own office hours (by unit code): a dossier's deadlines
    /// are counted in its receiving unit's hours.
    pub fn with_unit_engines(
        store: Arc<dyn Store>,
        engine: Arc<WorkingTime>,
        unit_engines: std::collections::HashMap<String, Arc<WorkingTime>>,
    ) -> Service {
        Service {
            store,
            reads: None,
            engine,
            unit_engines: Arc::new(unit_engines),
            receipt_key: Arc::new(tokio::sync::OnceCell::new()),
            tree: Arc::new(tokio::sync::RwLock::new(Arc::new(UnitTree::default()))),
            generation: Arc::new(std::sync::atomic::AtomicU64::new(0)),
            issuer: None,
        }
    }

    /// The same service, issuing the forms transitions produce (receipt, supplement request,
    /// refusal, apology) through `issuer`, each stored with its transition's event.
    pub fn with_issuer(mut self, issuer: Arc<dyn FormIssuer>) -> Service {
        self.issuer = Some(issuer);
        self
    }

    /// Whether forms are issued.
    pub fn issues_forms(&self) -> bool {
        self.issuer.is_some()
    }

    /// The same service, reading public look-ups and statistics from `reads` (a read-only
    /// streaming replica of the store; it may lag by moments, which those readers tolerate).
    /// Staff reads, writes, sessions and the receipt key stay on the primary store.
    pub fn with_reads(mut self, reads: Arc<dyn Store>) -> Service {
        self.reads = Some(reads);
        self
    }

    /// Where public look-ups and statistics read: the replica if one was given, else the store.
    pub fn reads(&self) -> &Arc<dyn Store> {
        self.reads.as_ref().unwrap_or(&self.store)
    }

    /// How many writes this service (this process) has done: it moves after every submission
    /// and transition.
    pub fn write_generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    fn wrote<T>(&self, result: StoreResult<T>) -> StoreResult<T> {
        if result.is_ok() {
            self.generation.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        }
        result
    }

    /// The unit tree, reloaded from the store if any of `units` is missing from it.
    pub async fn unit_tree(&self, units: &[i64]) -> StoreResult<Arc<UnitTree>> {
        {
            let tree = self.tree.read().await;
            if units.iter().all(|unit| tree.contains(*unit)) {
                return Ok(tree.clone());
            }
        }
        let fresh = Arc::new(UnitTree::new(self.store.unit_parents().await?));
        *self.tree.write().await = fresh.clone();
        Ok(fresh)
    }

    /// Checks that `actor` may do `action` on something of one of `units` (any of them).
    pub async fn authorize(&self, actor: &Actor, action: Action, units: &[i64], what: &str) -> StoreResult<()> {
        if actor.is_system() {
            return Ok(());
        }
        let tree = self.unit_tree(units).await?;
        if units.iter().any(|unit| actor.may(&tree, action, *unit)) { Ok(()) } else { Err(denied(actor, action, what)) }
    }

    /// Whether `actor` may make `transition` on `dossier`: the rule the write itself checks
    /// inside its transaction, asked beforehand so that pages offer only what would be accepted.
    pub async fn may_transition(
        &self,
        actor: &Actor,
        dossier: &StoredDossier,
        transition: &Transition,
    ) -> StoreResult<bool> {
        let (action, at_receiving_unit) = action_of(transition);
        let unit = if at_receiving_unit { dossier.unit_id } else { dossier.current_unit_id };
        let tree = self.unit_tree(&[unit]).await?;
        Ok(actor.may(&tree, action, unit))
    }

    /// The deadline engine of a receiving unit.
    pub fn engine_for(&self, unit_code: &str) -> &WorkingTime {
        self.unit_engines.get(unit_code).map(Arc::as_ref).unwrap_or(&self.engine)
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The deadline engine.
    pub fn engine(&self) -> &WorkingTime {
        &self.engine
    }

    /// Submits a dossier (intake through any channel). Idempotent on the key.
    pub async fn submit(
        &self,
        request: SubmitRequest,
        actor: &Actor,
        at: Timestamp,
    ) -> StoreResult<(StoredDossier, bool)> {
        self.submit_with_documents(request, Vec::new(), actor, at).await
    }

    /// Submits a dossier with its files (online intake), all in one transaction.
    pub async fn submit_with_documents(
        &self,
        request: SubmitRequest,
        documents: Vec<crate::NewDocument>,
        actor: &Actor,
        at: Timestamp,
    ) -> StoreResult<(StoredDossier, bool)> {
        let at = stored_precision(at);
        let day = dossier::local_day(at);
        let unit = self
            .store
            .find_unit(&request.unit_code, day)
            .await?
            .ok_or_else(|| not_found(format!("đơn vị / unit {}", request.unit_code)))?;
        self.authorize(actor, Action::Intake, &[unit.id], &format!("đơn vị / unit {}", unit.code)).await?;
        let procedure = self.store.procedure_on(&request.procedure_code, day).await?.ok_or_else(|| {
            not_found(format!("thủ tục đang áp dụng / procedure in force {} on {day}", request.procedure_code))
        })?;
        let applicant = Applicant {
            name: normalize_text(&request.applicant.name),
            id_number: request.applicant.id_number.as_deref().map(normalize_text).filter(|text| !text.is_empty()),
            phone: request.applicant.phone.as_deref().map(normalize_text).filter(|text| !text.is_empty()),
            email: request.applicant.email.as_deref().map(normalize_text).filter(|text| !text.is_empty()),
            address: request.applicant.address.as_deref().map(normalize_text).filter(|text| !text.is_empty()),
        };
        if applicant.name.is_empty() || applicant.name.chars().count() > 200 {
            return Err(DomainError::new(
                "APPLICANT_NAME_REQUIRED",
                "cần họ tên người nộp (tối đa 200 ký tự) / the applicant's name is required (at most 200 characters)"
                    .to_owned(),
            )
            .into());
        }
        let key = request.idempotency_key.as_deref().map(normalize_text).filter(|key| !key.is_empty());
        if key.as_ref().is_some_and(|key| key.len() > 200) {
            return Err(DomainError::new(
                "IDEMPOTENCY_KEY_TOO_LONG",
                "khóa tối đa 200 byte / the idempotency key is at most 200 bytes".to_owned(),
            )
            .into());
        }
        let unit_code = Code::parse(&unit.code).map_err(|message| DomainError::new("UNIT_INVALID_CODE", message))?;
        let new = NewDossier {
            receiving_unit: unit_code,
            procedure: procedure.code.clone(),
            channel: request.channel,
            idempotency_key: key.clone(),
        };
        let client = actor.client.clone();
        let actor = actor.name.clone();
        let build = move |code: &str| dossier::submit(&new, code, &procedure, &actor, at);
        let result = self
            .store
            .create_dossier(crate::NewDossierWrite {
                unit_id: unit.id,
                unit_code: unit.code.clone(),
                day,
                idempotency_key: key,
                applicant,
                client,
                documents,
                build: Box::new(build),
            })
            .await;
        self.wrote(result)
    }

    /// Applies a transition.
    pub async fn transition(
        &self,
        code: &str,
        expected_version: Option<i64>,
        transition: Transition,
        actor: &Actor,
        channel: Channel,
        at: Timestamp,
    ) -> StoreResult<StoredDossier> {
        let at = stored_precision(at);
        if let Some(issuer) = &self.issuer
            && let Some(form) = issuer.form_of(&transition)
        {
            let issuer = issuer.clone();
            return self.transition_issuing(issuer, form, code, expected_version, transition, actor, channel, at).await;
        }
        let to_unit_id = match &transition {
            Transition::Transfer { to_unit } => Some(
                self.store
                    .find_unit(to_unit, dossier::local_day(at))
                    .await?
                    .ok_or_else(|| not_found(format!("đơn vị / unit {to_unit}")))?
                    .id,
            ),
            _ => None,
        };
        let decide = self.decider(actor, transition, channel, at).await?;
        let result = self
            .store
            .apply(crate::ApplyWrite {
                code: code.to_owned(),
                expected_version,
                current_unit_id: to_unit_id,
                client: actor.client.clone(),
                decide: Box::new(move |stored, procedure| decide(stored, procedure)),
                issued: None,
            })
            .await;
        self.wrote(result)
    }

    /// What a transition's write runs inside its transaction, against the locked dossier: the
    /// access check (so a concurrent transfer cannot slip an action past it; the unit tree is
    /// loaded beforehand) and the domain's decision.
    async fn decider(
        &self,
        actor: &Actor,
        transition: Transition,
        channel: Channel,
        at: Timestamp,
    ) -> StoreResult<impl Fn(&StoredDossier, &domain::catalog::Procedure) -> StoreResult<Event> + Send + Sync + 'static>
    {
        let (engine, unit_engines) = (self.engine.clone(), self.unit_engines.clone());
        let tree = self.unit_tree(&[]).await?;
        let (action, at_receiving_unit) = action_of(&transition);
        let actor = actor.clone();
        Ok(move |stored: &StoredDossier, procedure: &domain::catalog::Procedure| {
            let unit = if at_receiving_unit { stored.unit_id } else { stored.current_unit_id };
            if !actor.may(&tree, action, unit) {
                return Err(denied(&actor, action, &format!("hồ sơ / dossier {}", stored.state.code)));
            }
            let state = &stored.state;
            let engine = unit_engines.get(state.receiving_unit.as_str()).unwrap_or(&engine);
            let context = Context { engine, procedure, actor: &actor.name, at, channel };
            Ok(dossier::decide_event(state, &transition, &context)?)
        })
    }

    /// A transition that issues a form: the event is decided once outside the transaction from
    /// the dossier as read, the form rendered and signed from it (milliseconds of CPU, kept out of
    /// the write lock), then the write decides the event again against the locked dossier and
    /// stores event and form together only if the event is the same (else it was changed
    /// meanwhile: with no version given by the caller it is tried again, up to three times).
    #[allow(clippy::too_many_arguments)]
    async fn transition_issuing(
        &self,
        issuer: Arc<dyn FormIssuer>,
        form: &'static str,
        code: &str,
        expected_version: Option<i64>,
        transition: Transition,
        actor: &Actor,
        channel: Channel,
        at: Timestamp,
    ) -> StoreResult<StoredDossier> {
        let (action, at_receiving_unit) = action_of(&transition);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let record = self.store.dossier(code).await?.ok_or_else(|| not_found(format!("hồ sơ / dossier {code}")))?;
            let stored = &record.dossier;
            let version = stored.state.version;
            if let Some(expected) = expected_version
                && expected != version
            {
                return Err(StoreError::Conflict { expected, actual: version });
            }
            let unit_id = if at_receiving_unit { stored.unit_id } else { stored.current_unit_id };
            self.authorize(actor, action, &[unit_id], &format!("hồ sơ / dossier {code}")).await?;
            let state = &stored.state;
            // The version the dossier was received under, as the write inside the transaction uses.
            let procedure =
                self.store.procedure_version(state.procedure.as_str(), state.procedure_version).await?.ok_or_else(
                    || not_found(format!("thủ tục / procedure {} v{}", state.procedure, state.procedure_version)),
                )?;
            let engine = self.engine_for(state.receiving_unit.as_str());
            let context = Context { engine, procedure: &procedure, actor: &actor.name, at, channel };
            let event = dossier::decide_event(state, &transition, &context)?;
            let officer = match self.store.user_by_login(&actor.name).await? {
                Some(user) if !user.display_name.trim().is_empty() => user.display_name,
                _ => actor.name.clone(),
            };
            let unit = |id: i64| async move {
                self.store.unit_by_id(id).await?.ok_or_else(|| not_found(format!("đơn vị / unit #{id}")))
            };
            let request = IssueRequest {
                receiving_unit: unit(stored.unit_id).await?,
                acting_unit: unit(stored.current_unit_id).await?,
                procedure,
                transition: transition.clone(),
                event: event.clone(),
                officer,
                record: record.clone(),
            };
            let issuing = issuer.clone();
            let issued = tokio::task::spawn_blocking(move || issuing.issue(&request))
                .await
                .map_err(|error| StoreError::Database(format!("issuing {form}: {error}")))??;
            let mut written = event.clone();
            if let Some(payload) = written.payload.as_object_mut() {
                payload.insert(
                    "document".to_owned(),
                    serde_json::json!({
                        "form": issued.form,
                        "name": issued.name,
                        "sha256": issued.sha256,
                        "signatures": issued.signatures,
                    }),
                );
            }
            let decider = self.decider(actor, transition.clone(), channel, at).await?;
            let decide = move |stored: &StoredDossier, procedure: &domain::catalog::Procedure| {
                if decider(stored, procedure)? != event {
                    // The form was made from another state or procedure version than the locked one.
                    return Err(StoreError::Conflict { expected: version, actual: stored.state.version });
                }
                Ok(written.clone())
            };
            let result = self
                .store
                .apply(crate::ApplyWrite {
                    code: code.to_owned(),
                    expected_version: Some(version),
                    current_unit_id: None,
                    client: actor.client.clone(),
                    decide: Box::new(decide),
                    issued: Some(issued),
                })
                .await;
            match result {
                Err(StoreError::Conflict { .. }) if expected_version.is_none() && attempt < 3 => continue,
                result => return self.wrote(result),
            }
        }
    }

    /// A dossier with its applicant's personal data and history, for staff: the actor must be
    /// allowed to read dossiers of its receiving or current unit, and the read is recorded in the
    /// audit trail with the actor and client address.
    pub async fn dossier_for_staff(
        &self,
        code: &str,
        actor: &Actor,
        at: Timestamp,
    ) -> StoreResult<crate::DossierRecord> {
        let record = self.store.dossier(code).await?.ok_or_else(|| not_found(format!("hồ sơ / dossier {code}")))?;
        let units = [record.dossier.unit_id, record.dossier.current_unit_id];
        self.authorize(actor, Action::ReadDossier, &units, &format!("hồ sơ / dossier {code}")).await?;
        self.record_read(record.dossier.unit_id, code, &actor.name, actor.client.clone(), at).await?;
        Ok(record)
    }

    /// Step timings of a unit (internal statistics).
    pub async fn step_stats(
        &self,
        unit_id: i64,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
        actor: &Actor,
    ) -> StoreResult<Vec<crate::StepStat>> {
        self.authorize(actor, Action::ReadInternalStats, &[unit_id], "thống kê nội bộ / internal statistics").await?;
        self.store.step_stats(unit_id, from, to).await
    }

    /// The period report for a unit (optionally one field or procedure).
    pub async fn report(&self, query: &StatsQuery) -> StoreResult<PeriodReport> {
        if query.from > query.to {
            return Err(DomainError::new(
                "STATS_INVALID_PERIOD",
                "ngày bắt đầu sau ngày kết thúc / the period starts after it ends".to_owned(),
            )
            .into());
        }
        Ok(PeriodReport::from_sums(&self.reads().period_sums(query).await?))
    }

    /// The secret printed on a dossier's receipt: the second factor of the public look-up. Derived
    /// (HMAC-SHA-256 with the server's receipt key, 40 bits in Crockford base32, 8 characters), so
    /// it is the same for every answer about the same dossier and is stored nowhere.
    pub async fn receipt_secret(&self, code: &str) -> StoreResult<String> {
        use hmac::Mac;
        let key = self
            .receipt_key
            .get_or_try_init(|| async {
                let mut fresh = [0_u8; 32];
                getrandom::fill(&mut fresh)
                    .map_err(|error| crate::StoreError::Database(format!("no randomness: {error}")))?;
                let stored = self.store.setting_or_insert("receipt_key", &hex::encode(fresh)).await?;
                hex::decode(stored)
                    .map_err(|_| crate::StoreError::Database("the stored receipt key is not hex".to_owned()))
            })
            .await?;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key)
            .map_err(|_| crate::StoreError::Database("bad receipt key".to_owned()))?;
        mac.update(code.as_bytes());
        let digest = mac.finalize().into_bytes();
        const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        let bits = digest[..5].iter().fold(0_u64, |bits, byte| (bits << 8) | u64::from(*byte));
        Ok((0..8).rev().map(|index| char::from(ALPHABET[((bits >> (index * 5)) & 31) as usize])).collect())
    }

    /// Whether `given` is the receipt secret of `code` (case and spaces ignored; compared in
    /// constant time).
    pub async fn receipt_secret_matches(&self, code: &str, given: &str) -> StoreResult<bool> {
        let expected = self.receipt_secret(code).await?;
        let given: Vec<u8> =
            given.bytes().filter(|byte| !byte.is_ascii_whitespace()).map(|byte| byte.to_ascii_uppercase()).collect();
        if given.len() != expected.len() {
            return Ok(false);
        }
        Ok(given.iter().zip(expected.bytes()).fold(0_u8, |difference, (a, b)| difference | (a ^ b)) == 0)
    }

    /// The public look-up: the dossier when `code` exists and `secret` is its receipt's secret;
    /// `None` otherwise (an unknown code and a wrong secret are not told apart).
    pub async fn public_dossier(&self, code: &str, secret: &str) -> StoreResult<Option<crate::DossierRecord>> {
        if !domain::code::looks_like_dossier_code(code) || secret.is_empty() {
            return Ok(None);
        }
        let Some(record) = self.reads().dossier(code).await? else { return Ok(None) };
        if !self.receipt_secret_matches(code, secret).await? {
            return Ok(None);
        }
        Ok(Some(record))
    }

    /// Records a read of a dossier's personal data in the audit trail.
    pub async fn record_read(
        &self,
        unit_id: i64,
        code: &str,
        actor: &str,
        client: Option<String>,
        at: Timestamp,
    ) -> StoreResult<()> {
        let entry = crate::audit::AuditWrite {
            chain: unit_id,
            at: stored_precision(at),
            actor: actor.to_owned(),
            action: "read_personal_data".to_owned(),
            target: code.to_owned(),
            client,
        };
        self.store.audit_append(entry).await
    }

    /// A page of a unit's audit chain: up to `limit` entries after sequence number `after_seq`,
    /// for an actor allowed to read that unit's audit trail.
    pub async fn audit_trail(
        &self,
        unit_id: i64,
        after_seq: i64,
        limit: i64,
        actor: &Actor,
    ) -> StoreResult<Vec<crate::audit::AuditRecord>> {
        self.authorize(actor, Action::ReadAudit, &[unit_id], "nhật ký kiểm toán / the audit trail").await?;
        let page = self.store.audit_page(Some((unit_id, after_seq)), limit.clamp(1, 5_000)).await?;
        Ok(page.into_iter().take_while(|record| record.chain == unit_id).collect())
    }

    /// Walks every audit chain and recomputes every hash; reports the first broken entry.
    pub async fn audit_verify(&self) -> StoreResult<AuditReport> {
        let mut report = AuditReport { entries: 0, chains: 0, first_broken: None };
        let mut state: Option<(i64, i64, String)> = None;
        let mut after: Option<(i64, i64)> = None;
        loop {
            let page = self.store.audit_page(after, 5_000).await?;
            let Some(last) = page.last() else { break };
            after = Some((last.chain, last.seq));
            for record in &page {
                if state.as_ref().is_none_or(|(chain, _, _)| *chain != record.chain) {
                    report.chains += 1;
                }
                report.entries += 1;
                if let Err(broken) = crate::audit::verify_next(&mut state, record) {
                    report.first_broken = Some(broken);
                    return Ok(report);
                }
            }
        }
        Ok(report)
    }

    /// Recomputes every dossier's state and every statistic from the event log and lists the
    /// differences with what is stored (empty when consistent).
    pub async fn check(&self) -> StoreResult<CheckReport> {
        let mut differences = Vec::new();
        let mut recount = Aggregates::default();
        let mut after: Option<(i64, String)> = None;
        let mut dossiers = 0_u64;
        loop {
            let page = self.store.dossier_page(after.clone(), 2_000).await?;
            let Some((last, _)) = page.last() else { break };
            after = Some((last.unit_id, last.state.code.clone()));
            for (stored, events) in &page {
                dossiers += 1;
                let mut state: Option<DossierState> = None;
                for event in events {
                    match dossier::fold(state.as_ref(), event) {
                        Ok(next) => {
                            add_increments(&mut recount, &increments(stored.unit_id, state.as_ref(), &next, event));
                            state = Some(next);
                        }
                        Err(error) => {
                            differences.push(format!(
                                "{}: event #{} cannot be applied: {}",
                                stored.state.code, event.seq, error.message
                            ));
                            break;
                        }
                    }
                }
                match state {
                    Some(state) if state == stored.state => {}
                    Some(state) => differences.push(format!(
                        "{}: stored state differs from the event log in {}",
                        stored.state.code,
                        differing_fields(&stored.state, &state)
                    )),
                    None => differences.push(format!("{}: no events", stored.state.code)),
                }
            }
        }
        let stored = self.store.aggregates().await?;
        diff_maps("daily", &stored.daily, &recount.daily, &mut differences);
        diff_maps("due_opened", &stored.due_opened, &recount.due_opened, &mut differences);
        diff_maps("due_closed", &stored.due_closed, &recount.due_closed, &mut differences);
        diff_maps("steps", &stored.steps, &recount.steps, &mut differences);
        diff_maps("monthly", &stored.monthly, &crate::monthly_of(&recount.daily), &mut differences);
        diff_maps("unit_daily", &stored.unit_daily, &crate::unit_daily_of(&recount.daily), &mut differences);
        Ok(CheckReport { dossiers, differences })
    }
}

/// What `audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    /// Entries read.
    pub entries: u64,
    /// Chains (units) seen.
    pub chains: u64,
    /// The first broken entry, if any.
    pub first_broken: Option<String>,
}

/// What `check` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// Dossiers whose events were replayed.
    pub dossiers: u64,
    /// Differences between the stored projections/statistics and the recount (empty when
    /// consistent).
    pub differences: Vec<String>,
}

/// The names and values of the fields in which two states differ.
fn differing_fields(stored: &DossierState, recomputed: &DossierState) -> String {
    let (Ok(serde_json::Value::Object(stored)), Ok(serde_json::Value::Object(recomputed))) =
        (serde_json::to_value(stored), serde_json::to_value(recomputed))
    else {
        return "an unreadable state".to_owned();
    };
    stored
        .iter()
        .filter(|(key, value)| recomputed.get(*key) != Some(*value))
        .map(|(key, value)| {
            format!("{key} (stored {value}, recomputed {})", recomputed.get(key).unwrap_or(&serde_json::Value::Null))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn diff_maps<K: Ord + std::fmt::Debug, V: PartialEq + std::fmt::Debug + Default>(
    name: &str,
    stored: &BTreeMap<K, V>,
    recount: &BTreeMap<K, V>,
    differences: &mut Vec<String>,
) {
    let zero = V::default();
    for (key, value) in stored {
        let expected = recount.get(key).unwrap_or(&zero);
        if value != expected {
            differences.push(format!("{name} {key:?}: stored {value:?}, recount {expected:?}"));
        }
    }
    for (key, value) in recount {
        if !stored.contains_key(key) && *value != zero {
            differences.push(format!("{name} {key:?}: missing, recount {value:?}"));
        }
    }
}
