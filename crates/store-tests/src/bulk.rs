//! Bulk scenarios: dossiers computed in memory through the domain rules (as the simulation's
//! bulk writer does) and written in batches read back exactly as the one-by-one path writes them.

use std::collections::BTreeMap;
use std::sync::Arc;

use app::access::Actor;
use app::service::stored_precision;
use app::statistics::{add_increments, increments};
use app::{Aggregates, BulkBatch, BulkDossier, DossierRecord, Store, StoredDossier, day_number};
use domain::catalog::Code;
use domain::dossier::{self, Channel, Context, NewDossier, Outcome, Transition};
use jiff::Timestamp;

use crate::fixtures::{OTHER_WARD, THREE_DAY_PROCEDURE, WARD, applicant, instant, seeded, submit_request};

/// The bulk writer's actor and the one-by-one path's (`Actor::system("bulk")`) have one name.
const ACTOR: &str = "system:bulk";

/// What happens to each dossier after its submission: (minutes after the submission, change).
fn plans() -> Vec<(Channel, Vec<(i64, Transition)>)> {
    let decide = |outcome, reason: Option<&str>| Transition::Decide { outcome, reason: reason.map(str::to_owned) };
    vec![
        (Channel::Online, vec![]),
        (Channel::Counter, vec![(5, Transition::Accept)]),
        (
            Channel::Counter,
            vec![
                (5, Transition::Accept),
                (60, Transition::CompleteStep),
                (120, Transition::CompleteStep),
                (24 * 60, Transition::CompleteStep),
                (25 * 60, decide(Outcome::Approved, None)),
                (26 * 60, Transition::ReturnResult),
            ],
        ),
        (
            Channel::Online,
            vec![
                (30, Transition::Accept),
                (90, Transition::RequestSupplement { items: vec!["Bản sao CCCD".to_owned()] }),
                (2 * 24 * 60, Transition::ReceiveSupplement),
            ],
        ),
        (Channel::Counter, vec![(5, Transition::Accept), (7 * 24 * 60, decide(Outcome::Refused, Some("Thiếu hồ sơ")))]),
    ]
}

fn submitted_at(index: usize) -> Timestamp {
    let minutes = i64::try_from(index).expect("small") * 10;
    instant("2026-03-09T08:00:00+07:00").checked_add(jiff::SignedDuration::from_mins(minutes)).expect("instant")
}

fn after(at: Timestamp, minutes: i64) -> Timestamp {
    stored_precision(at.checked_add(jiff::SignedDuration::from_mins(minutes)).expect("instant"))
}

/// One unit's part of an aggregate map, with the unit taken out of the key.
fn part<K, Rest: Ord, V: Clone>(
    map: &BTreeMap<K, V>,
    split: impl Fn(&K) -> (i64, Rest),
    unit: i64,
) -> BTreeMap<Rest, V> {
    map.iter()
        .filter_map(|(key, value)| {
            let (owner, rest) = split(key);
            (owner == unit).then(|| (rest, value.clone()))
        })
        .collect()
}

/// Every aggregate of one unit, comparable between units.
fn aggregates_of(aggregates: &Aggregates, unit: i64) -> String {
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
        part(&aggregates.daily, |(u, p, f, d)| (*u, (p.clone(), f.clone(), *d)), unit),
        part(&aggregates.due_opened, |(u, p, f, d)| (*u, (p.clone(), f.clone(), *d)), unit),
        part(&aggregates.due_closed, |(u, p, f, c, d)| (*u, (p.clone(), f.clone(), *c, *d)), unit),
        part(&aggregates.steps, |(u, p, s, d)| (*u, (p.clone(), *s, *d)), unit),
        part(&aggregates.monthly, |(u, f, m)| (*u, (f.clone(), *m)), unit),
        part(&aggregates.unit_daily, |(u, f, d)| (*u, (f.clone(), *d)), unit),
    )
}

/// Dossiers built in memory and written in two batches read back event for event as they were
/// built, and as the same changes made one by one through the service in another ward: the same
/// states, events and statistics. The code sequences carry on after the load, and `check` finds
/// the aggregates equal to a recount from the events.
pub async fn bulk_load_reads_as_one_by_one(store: Arc<dyn Store>) {
    let service = seeded(store.clone()).await;
    let day = jiff::civil::date(2026, 3, 9);
    let ward = store.find_unit(WARD, day).await.unwrap().expect("ward");
    let other_ward = store.find_unit(OTHER_WARD, day).await.unwrap().expect("other ward");
    let procedure = store.procedure_on(THREE_DAY_PROCEDURE, day).await.unwrap().expect("procedure");
    let unit_code = Code::parse(WARD).expect("code");

    // In memory, as the simulation's bulk writer computes them.
    let mut built = Vec::new();
    for (index, (channel, steps)) in plans().into_iter().enumerate() {
        let at = stored_precision(submitted_at(index));
        let sequence = u32::try_from(index + 1).expect("small");
        let code = domain::code::dossier_code(&unit_code, day, sequence);
        let new = NewDossier {
            receiving_unit: unit_code.clone(),
            procedure: procedure.code.clone(),
            channel,
            idempotency_key: None,
        };
        let mut aggregates = Aggregates::default();
        let (mut state, event) = dossier::submit(&new, &code, &procedure, ACTOR, at).expect("submit");
        add_increments(&mut aggregates, &increments(ward.id, None, &state, &event));
        let mut events = vec![event];
        for (minutes, transition) in steps {
            let context = Context {
                engine: service.engine_for(WARD),
                procedure: &procedure,
                actor: ACTOR,
                at: after(at, minutes),
                channel: Channel::Counter,
            };
            let event = dossier::decide_event(&state, &transition, &context).expect("event");
            let next = dossier::fold(Some(&state), &event).expect("fold");
            add_increments(&mut aggregates, &increments(ward.id, Some(&state), &next, &event));
            state = next;
            events.push(event);
        }
        let dossier = BulkDossier { unit_id: ward.id, current_unit_id: ward.id, state, events, applicant: applicant() };
        built.push((dossier, aggregates, sequence));
    }
    let mut expected_aggregates = Aggregates::default();
    for chunk in built.chunks(3) {
        let mut batch = BulkBatch::default();
        for (dossier, aggregates, sequence) in chunk {
            batch.dossiers.push(dossier.clone());
            for (key, counters) in &aggregates.daily {
                app::add_counters(batch.aggregates.daily.entry(key.clone()).or_insert([0; 9]), counters);
            }
            for (key, count) in &aggregates.due_opened {
                *batch.aggregates.due_opened.entry(key.clone()).or_insert(0) += count;
            }
            for (key, count) in &aggregates.due_closed {
                *batch.aggregates.due_closed.entry(key.clone()).or_insert(0) += count;
            }
            for (key, (count, spent, over)) in &aggregates.steps {
                let entry = batch.aggregates.steps.entry(key.clone()).or_insert((0, 0, 0));
                *entry = (entry.0 + count, entry.1 + spent, entry.2 + over);
            }
            batch.sequences.insert((ward.id, day_number(day)), i64::from(*sequence));
        }
        store.bulk_insert(&batch).await.expect("bulk insert");
        for (key, counters) in &batch.aggregates.daily {
            app::add_counters(expected_aggregates.daily.entry(key.clone()).or_insert([0; 9]), counters);
        }
    }
    store.bulk_insert(&BulkBatch::default()).await.expect("an empty batch");
    store.bulk_finish().await.expect("finish");

    // Read back exactly as built.
    for (dossier, _, _) in &built {
        let record = store.dossier(&dossier.state.code).await.unwrap().expect("stored");
        let expected = DossierRecord {
            dossier: StoredDossier {
                unit_id: dossier.unit_id,
                current_unit_id: dossier.current_unit_id,
                state: dossier.state.clone(),
            },
            events: dossier.events.clone(),
            applicant: dossier.applicant.clone(),
        };
        assert_eq!(record, expected, "{}", dossier.state.code);
    }
    let stored = store.aggregates().await.unwrap();
    assert_eq!(part(&stored.daily, |key| (key.0, key.clone()), ward.id), expected_aggregates.daily);

    // The same changes one by one in the other ward.
    let actor = Actor::system("bulk");
    for (index, (channel, steps)) in plans().into_iter().enumerate() {
        let at = submitted_at(index);
        let mut request = submit_request(THREE_DAY_PROCEDURE, channel, None);
        request.unit_code = OTHER_WARD.to_owned();
        let (created, _) = service.submit(request, &actor, at).await.expect("submit");
        let code = created.state.code;
        for (minutes, transition) in steps {
            service.transition(&code, None, transition, &actor, Channel::Counter, after(at, minutes)).await.unwrap();
        }
        let one_by_one = store.dossier(&code).await.unwrap().expect("stored");
        let (bulk, _, _) = &built[index];
        let mut relabelled = bulk.state.clone();
        relabelled.code.clone_from(&code);
        relabelled.receiving_unit = Code::parse(OTHER_WARD).expect("code");
        relabelled.current_unit = relabelled.receiving_unit.clone();
        assert_eq!(one_by_one.dossier.state, relabelled, "{code}");
        assert_eq!(one_by_one.events.len(), bulk.events.len(), "{code}");
        for (made, loaded) in one_by_one.events.iter().zip(&bulk.events).skip(1) {
            assert_eq!(made, loaded, "{code}: events after the submission are the same");
        }
        let (made, loaded) = (&one_by_one.events[0], &bulk.events[0]);
        assert_eq!(
            (&made.kind, &made.actor, made.at, made.channel),
            (&loaded.kind, &loaded.actor, loaded.at, loaded.channel)
        );
        assert_eq!(made.payload["code"], code.as_str());
        assert_eq!(loaded.payload["code"], bulk.state.code.as_str());
    }
    let stored = store.aggregates().await.unwrap();
    assert_eq!(aggregates_of(&stored, ward.id), aggregates_of(&stored, other_ward.id), "the same statistics");
    assert!(!stored.monthly.is_empty() && !stored.unit_daily.is_empty(), "the roll-ups are written by the load too");

    // The sequences carry on, and the events recount to what is stored.
    let (next, _) = service
        .submit(submit_request(THREE_DAY_PROCEDURE, Channel::Counter, None), &actor, submitted_at(9))
        .await
        .expect("submit after the load");
    assert_eq!(next.state.code, "26740-260309-0006");
    let report = service.check().await.unwrap();
    assert_eq!((report.dossiers, report.differences), (11, Vec::<String>::new()));
}
