//! A deterministic workload of dossiers written through the domain rules (the same service the
//! API uses), for the demo. Arrivals by working day with month-end peaks and a quiet week before
//! Tết, a procedure mix by level, channels with an online majority, step durations around their
//! budgets with a late tail calibrated to HCMC's published figures (about 98–99% on time),
//! intake refusals and supplements, supplements after appraisal, apologies, withdrawals.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Result;
use app::service::{Service, SubmitRequest, add_increments, increments, stored_precision};
use app::{Applicant, BulkBatch, BulkDossier, UnitRecord, day_number};
use calendar::CivilCalendar;
use domain::catalog::{Code, Level, Procedure, StepUnit, UnitKind};
use domain::dossier::{self, Channel, Context, NewDossier, Outcome, Transition};
use jiff::Timestamp;
use jiff::civil::Date;

/// The actor name of simulated events (the name `Actor::system("simulation")` writes).
const SIMULATION_ACTOR: &str = "system:simulation";

/// Where simulated dossiers go: through the service one write at a time (as the API does), or
/// computed in memory with the same domain functions and written in large batches.
pub enum Writer<'a> {
    /// One transaction per event, through [`Service`].
    Service(&'a Service),
    /// In memory, flushed in batches.
    Bulk(Box<BulkWriter>),
}

/// The bulk path: the same `submit`, `decide_event`, `fold` and `increments` as the service, with
/// code sequences kept in memory (so it needs a database without dossiers).
pub struct BulkWriter {
    service: Service,
    batch: BulkBatch,
    sequences: HashMap<(i64, Date), u32>,
    current: Option<(BulkDossier, Arc<Procedure>)>,
    batch_size: usize,
    /// The batch being written while the next one is computed (domain work and the engine's
    /// writes then use both cores); batches are still written one after another, in order.
    writing: Option<tokio::task::JoinHandle<app::StoreResult<usize>>>,
    /// Dossiers written so far.
    pub written: u64,
}

impl BulkWriter {
    /// A bulk writer flushing every `batch_size` dossiers.
    pub fn new(service: Service, batch_size: usize) -> BulkWriter {
        BulkWriter {
            service,
            batch: BulkBatch::default(),
            sequences: HashMap::new(),
            current: None,
            batch_size,
            writing: None,
            written: 0,
        }
    }

    async fn close_current(&mut self) -> Result<()> {
        if let Some((dossier, _)) = self.current.take() {
            self.batch.dossiers.push(dossier);
            if self.batch.dossiers.len() >= self.batch_size {
                self.start_flush().await?;
            }
        }
        Ok(())
    }

    /// Waits for the batch being written, if any.
    async fn wait_for_writer(&mut self) -> Result<()> {
        if let Some(writing) = self.writing.take() {
            self.written += writing.await?? as u64;
        }
        Ok(())
    }

    /// Starts writing the pending batch once the previous one is written, and returns without
    /// waiting for it.
    async fn start_flush(&mut self) -> Result<()> {
        if let Some((dossier, _)) = self.current.take() {
            self.batch.dossiers.push(dossier);
        }
        self.wait_for_writer().await?;
        if self.batch.dossiers.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        let store = self.service.store().clone();
        self.writing = Some(tokio::spawn(async move {
            store.bulk_insert(&batch).await?;
            Ok(batch.dossiers.len())
        }));
        Ok(())
    }

    /// Writes everything pending, waits until it is written, and ends the load: the store's
    /// deferred work (secondary indexes, checkpoints) is done on return.
    pub async fn flush(&mut self) -> Result<()> {
        self.start_flush().await?;
        self.wait_for_writer().await?;
        self.service.store().bulk_finish().await?;
        Ok(())
    }

    async fn submit(
        &mut self,
        unit: &UnitRecord,
        procedure: Arc<Procedure>,
        channel: Channel,
        applicant: Applicant,
        at: Timestamp,
    ) -> Result<String> {
        self.close_current().await?;
        let at = stored_precision(at);
        let day = dossier::local_day(at);
        let sequence = self.sequences.entry((unit.id, day)).or_insert(0);
        *sequence += 1;
        let unit_code = Code::parse(&unit.code).map_err(anyhow::Error::msg)?;
        let code = domain::code::dossier_code(&unit_code, day, *sequence);
        self.batch.sequences.insert((unit.id, day_number(day)), i64::from(*sequence));
        let new =
            NewDossier { receiving_unit: unit_code, procedure: procedure.code.clone(), channel, idempotency_key: None };
        let (state, event) = dossier::submit(&new, &code, &procedure, SIMULATION_ACTOR, at)?;
        add_increments(&mut self.batch.aggregates, &increments(unit.id, None, &state, &event));
        let dossier = BulkDossier { unit_id: unit.id, current_unit_id: unit.id, state, events: vec![event], applicant };
        self.current = Some((dossier, procedure));
        Ok(code)
    }

    fn transition(&mut self, transition: Transition, channel: Channel, at: Timestamp) -> Result<()> {
        let at = stored_precision(at);
        let Some((dossier, procedure)) = self.current.as_mut() else {
            anyhow::bail!("no dossier in progress");
        };
        let engine = self.service.engine_for(dossier.state.receiving_unit.as_str());
        let context = Context { engine, procedure, actor: SIMULATION_ACTOR, at, channel };
        let event = dossier::decide_event(&dossier.state, &transition, &context)?;
        let after = dossier::fold(Some(&dossier.state), &event)?;
        add_increments(&mut self.batch.aggregates, &increments(dossier.unit_id, Some(&dossier.state), &after, &event));
        dossier.state = after;
        dossier.events.push(event);
        Ok(())
    }
}

impl Writer<'_> {
    async fn submit(
        &mut self,
        service: &Service,
        unit: &UnitRecord,
        procedure: &Arc<Procedure>,
        channel: Channel,
        applicant: Applicant,
        at: Timestamp,
    ) -> Result<String> {
        match self {
            Writer::Service(_) => {
                let request = SubmitRequest {
                    unit_code: unit.code.clone(),
                    procedure_code: procedure.code.to_string(),
                    channel,
                    idempotency_key: None,
                    applicant,
                };
                Ok(service.submit(request, &app::access::Actor::system("simulation"), at).await?.0.state.code)
            }
            Writer::Bulk(bulk) => bulk.as_mut().submit(unit, procedure.clone(), channel, applicant, at).await,
        }
    }

    async fn transition(
        &mut self,
        service: &Service,
        code: &str,
        transition: Transition,
        channel: Channel,
        at: Timestamp,
    ) -> Result<()> {
        match self {
            Writer::Service(_) => {
                service
                    .transition(code, None, transition, &app::access::Actor::system("simulation"), channel, at)
                    .await?;
                Ok(())
            }
            Writer::Bulk(bulk) => bulk.transition(transition, channel, at),
        }
    }
}

/// What to simulate.
#[derive(Debug, Clone)]
pub struct Plan {
    /// First day.
    pub from: Date,
    /// Last day.
    pub to: Date,
    /// Average dossiers per working day, city-wide.
    pub per_working_day: usize,
    /// Seed: the same seed gives the same dossiers and events.
    pub seed: u64,
    /// Events after this instant are not applied (those dossiers stay open).
    pub now: Timestamp,
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Dossiers submitted.
    pub dossiers: u64,
    /// Transitions applied.
    pub transitions: u64,
}

const SURNAMES: [&str; 8] = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi"];
const GIVEN: [&str; 8] = ["Văn An", "Thị Bình", "Minh Châu", "Quốc Dũng", "Thu Hà", "Gia Huy", "Ngọc Lan", "Đức Minh"];

struct Pools {
    communes: Vec<UnitRecord>,
    departments: Vec<UnitRecord>,
    land_branches: Vec<UnitRecord>,
}

fn pick<'a, T>(random: &mut fastrand::Rng, items: &'a [T]) -> Option<&'a T> {
    if items.is_empty() { None } else { items.get(random.usize(..items.len())) }
}

/// Runs the simulation.
pub async fn run(
    service: &Service,
    writer: &mut Writer<'_>,
    plan: &Plan,
    mut progress: impl FnMut(u64, u64, u64),
) -> Result<Summary> {
    let calendar = CivilCalendar::builtin()?;
    let store = service.store().clone();
    let units = store.list_units(plan.to).await?;
    // A period before the catalogue's procedures take effect would silently simulate nothing.
    if store.list_procedures(plan.from).await?.is_empty() || store.list_procedures(plan.to).await?.is_empty() {
        anyhow::bail!(
            "không có thủ tục nào có hiệu lực từ {} đến {} trong danh mục / no procedure of the catalogue is in force over {} to {}",
            plan.from,
            plan.to,
            plan.from,
            plan.to
        );
    }
    let by_kind =
        |kind: UnitKind| -> Vec<UnitRecord> { units.iter().filter(|unit| unit.kind == kind).cloned().collect() };
    let pools = Pools {
        communes: by_kind(UnitKind::Commune),
        departments: by_kind(UnitKind::Department),
        land_branches: by_kind(UnitKind::LandBranch),
    };
    let mut random = fastrand::Rng::with_seed(plan.seed);
    let mut summary = Summary::default();
    let total_days = (plan.to - plan.from).get_days().max(1) as u64;
    let mut day = plan.from;
    while day <= plan.to {
        if calendar.is_working_day(day)? {
            let procedures: Vec<Arc<Procedure>> = store.list_procedures(day).await?.into_iter().map(Arc::new).collect();
            let month_end = day.last_of_month().day() - day.day() < 5;
            let factor = if month_end { 1.3 } else { 1.0 };
            let arrivals = ((plan.per_working_day as f64) * factor * (0.8 + 0.4 * random.f64())).round() as usize;
            for _ in 0..arrivals {
                let Some(procedure) = pick(&mut random, &procedures).cloned() else { break };
                if let Some(transitions) =
                    simulate_dossier(service, writer, plan, &pools, &procedure, day, &mut random).await?
                {
                    summary.dossiers += 1;
                    summary.transitions += transitions;
                }
            }
        }
        progress((day - plan.from).get_days() as u64, total_days, summary.dossiers);
        day = day.tomorrow()?;
    }
    Ok(summary)
}

fn unit_for(pools: &Pools, procedure: &Procedure, random: &mut fastrand::Rng) -> Option<UnitRecord> {
    let land = procedure.steps.iter().any(|step| step.unit == StepUnit::LandBranch);
    let pool = match (procedure.level, land) {
        (_, true) if random.bool() => &pools.land_branches,
        (Level::Commune, _) => &pools.communes,
        (Level::Province, _) => &pools.departments,
        (Level::Both, _) => {
            if random.f64() < 0.7 {
                &pools.communes
            } else {
                &pools.departments
            }
        }
    };
    pick(random, pool).cloned()
}

async fn simulate_dossier(
    service: &Service,
    writer: &mut Writer<'_>,
    plan: &Plan,
    pools: &Pools,
    procedure: &Procedure,
    day: Date,
    random: &mut fastrand::Rng,
) -> Result<Option<u64>> {
    let Some(unit) = unit_for(pools, procedure, random) else { return Ok(None) };
    let engine = service.engine_for(&unit.code);
    let channel = match random.f64() {
        share if share < 0.55 => Channel::Online,
        share if share < 0.93 => Channel::Counter,
        share if share < 0.96 => Channel::Post,
        _ => Channel::NationalPortal,
    };
    // Paper channels arrive in office hours; online ones at any time of the day.
    let submitted = match channel {
        Channel::Counter | Channel::Post => {
            let opening =
                engine.counting_start(day.at(0, 0, 0, 0).to_zoned(calendar::ho_chi_minh_time_zone())?.timestamp())?;
            engine.add_office_seconds(opening, random.i64(60..7 * 3600))?
        }
        Channel::Online | Channel::NationalPortal => {
            day.at(random.i8(6..23), random.i8(0..60), 0, 0).to_zoned(calendar::ho_chi_minh_time_zone())?.timestamp()
        }
    };
    if submitted > plan.now {
        return Ok(None);
    }
    let name = format!("{} {}", SURNAMES[random.usize(..SURNAMES.len())], GIVEN[random.usize(..GIVEN.len())]);
    let procedure = Arc::new(procedure.clone());
    let code = writer
        .submit(service, &unit, &procedure, channel, Applicant { name, ..Applicant::default() }, submitted)
        .await?;
    let mut applied = 0_u64;
    let mut at = submitted;
    macro_rules! step {
        ($transition:expr, $at:expr) => {{
            let instant: Timestamp = $at;
            if instant > plan.now {
                return Ok(Some(applied));
            }
            at = instant;
            writer.transition(service, &code, $transition, channel, at).await?;
            applied += 1;
        }};
    }
    // The desk's check.
    let check_delay = if channel == Channel::Counter { random.i64(120..900) } else { random.i64(600..5 * 3600) };
    let roll = random.f64();
    if roll < 0.02 {
        step!(
            Transition::RefuseIntake { reason: "Không thuộc thẩm quyền".to_owned() },
            engine.add_office_seconds(at, check_delay)?
        );
        return Ok(Some(applied));
    }
    if roll < 0.05 {
        step!(
            Transition::RequestIntakeSupplement { items: vec!["Bản sao giấy tờ tùy thân".to_owned()] },
            engine.add_office_seconds(at, check_delay)?
        );
        step!(Transition::CompleteIntakeSupplement, engine.add_office_seconds(at, random.i64(3600..3 * 8 * 3600))?);
    }
    if random.f64() < 0.01 {
        step!(
            Transition::Withdraw { reason: "Người nộp rút hồ sơ".to_owned() },
            engine.add_office_seconds(at, check_delay)?
        );
        return Ok(Some(applied));
    }
    step!(Transition::Accept, engine.add_office_seconds(at, check_delay)?);
    let limit = procedure.time_limit.to_time_limit()?;
    let mut due = engine.due(at, limit)?;
    // Calibrated to HCMC's published figures (about 98–99% of settled dossiers on time): most
    // dossiers use 15–95% of the office time left before the due instant, a 1.5% tail overruns.
    let late = random.f64() < 0.015;
    let supplement_at = (random.f64() < 0.04).then(|| 1.min(procedure.steps.len().saturating_sub(1)));
    let mut share_of_time = if late { 1.05 + random.f64() } else { 0.15 + 0.8 * random.f64() };
    let mut available = engine.office_seconds_between(at, due)?.max(60);
    let mut apologized = false;
    for (index, budget) in procedure.steps.iter().map(|step| step.budget_seconds()).enumerate() {
        if supplement_at == Some(index) {
            step!(
                Transition::RequestSupplement { items: vec!["Giấy tờ chứng minh bổ sung".to_owned()] },
                engine.add_office_seconds(at, random.i64(1800..8 * 3600))?
            );
            step!(Transition::ReceiveSupplement, engine.add_office_seconds(at, random.i64(8 * 3600..5 * 8 * 3600))?);
            due = engine.due(at, limit)?;
            available = engine.office_seconds_between(at, due)?.max(60);
            share_of_time = if late { 1.05 + random.f64() } else { 0.15 + 0.8 * random.f64() };
        }
        let remaining_budget: i64 =
            procedure.steps[index..].iter().map(|step| step.budget_seconds()).sum::<i64>().max(1);
        // Office time used since the clock (re)started, and what this step gets of the rest.
        let used = available - engine.office_seconds_between(at, due)?;
        let left = ((available as f64 * share_of_time) as i64 - used).max(60);
        let spent = ((left as f64) * (budget as f64 / remaining_budget as f64)).max(60.0) as i64;
        let finish = engine.add_office_seconds(at, spent)?;
        // Heading for lateness: most units apologise a working day ahead, as the decree asks.
        if finish > due && !apologized && random.f64() < 0.8 {
            let ahead = engine.office_seconds_between(at, due)? > engine.day_seconds();
            let apology_at = if ahead {
                engine.add_office_seconds(at, engine.office_seconds_between(at, due)? - engine.day_seconds())?
            } else {
                engine.add_office_seconds(at, 60)?
            };
            let new_appointment = engine.add_office_seconds(finish, 2 * engine.day_seconds())?;
            step!(
                Transition::Apologize { new_appointment, reason: "Cần thêm thời gian xác minh".to_owned() },
                apology_at
            );
            apologized = true;
        }
        step!(Transition::CompleteStep, finish);
    }
    let outcome = if random.f64() < 0.03 { Outcome::Refused } else { Outcome::Approved };
    let reason = (outcome == Outcome::Refused).then(|| "Không đủ điều kiện theo quy định".to_owned());
    step!(Transition::Decide { outcome, reason }, at);
    step!(Transition::ReturnResult, engine.add_office_seconds(at, random.i64(600..2 * 8 * 3600))?);
    Ok(Some(applied))
}
