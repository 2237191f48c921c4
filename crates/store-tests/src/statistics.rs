//! Statistics scenarios: the board's totals per unit, field and month against the counters.

use std::sync::Arc;

use app::access::Actor;
use app::{StatsQuery, Store};
use domain::dossier::{Channel, Transition};

use crate::fixtures::{OTHER_WARD, SAME_DAY_PROCEDURE, WARD, instant, seeded, submit_request};

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
