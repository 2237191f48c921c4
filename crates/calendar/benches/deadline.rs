//! Deadline throughput: the O(1) engine against the naive day-by-day implementation, on the
//! same inputs (random receipt instants in 2020–2030 to the second, 1–60 working days).
//!
//! Run: `cargo bench -p calendar --bench deadline`. Results go in BENCHMARKS.md.

use std::hint::black_box;
use std::sync::OnceLock;

use calendar::naive::NaiveDeadlines;
use calendar::{CivilCalendar, OfficeHours, TimeLimit, WorkingDays, WorkingTime};
use divan::Bencher;
use divan::counter::ItemsCount;
use jiff::Timestamp;

const BATCH: usize = 10_000;

fn engine() -> &'static WorkingTime {
    static ENGINE: OnceLock<WorkingTime> = OnceLock::new();
    ENGINE.get_or_init(|| WorkingTime::hcmc_builtin().expect("engine"))
}

fn naive() -> &'static NaiveDeadlines {
    static NAIVE: OnceLock<NaiveDeadlines> = OnceLock::new();
    NAIVE.get_or_init(|| {
        NaiveDeadlines::new(
            &CivilCalendar::builtin().expect("calendar"),
            vec![((7, 30), (11, 30)), ((13, 0), (17, 0))],
            calendar::ho_chi_minh_time_zone(),
        )
    })
}

/// Fixed-seed inputs: the same for every run and both implementations.
fn inputs() -> &'static [(Timestamp, WorkingDays)] {
    static INPUTS: OnceLock<Vec<(Timestamp, WorkingDays)>> = OnceLock::new();
    INPUTS.get_or_init(|| {
        let mut random = fastrand::Rng::with_seed(20_261_129);
        let start: Timestamp = "2020-01-01T00:00:00+07:00".parse().expect("valid");
        let end: Timestamp = "2030-12-31T23:59:59+07:00".parse().expect("valid");
        (0..BATCH)
            .map(|_| {
                let second = random.i64(start.as_second()..end.as_second());
                let days = WorkingDays::new(random.i64(1..=60)).expect("valid");
                (Timestamp::from_second(second).expect("valid"), days)
            })
            .collect()
    })
}

fn main() {
    let engine = engine();
    eprintln!(
        "table sizes: working-time engine {} bytes, lunar table {} bytes",
        engine.table_size_bytes(),
        calendar::lunar::table_size_bytes()
    );
    divan::main();
}

#[divan::bench]
fn working_days_engine(bencher: Bencher) {
    let (engine, inputs) = (engine(), inputs());
    bencher.counter(ItemsCount::new(inputs.len())).bench(|| {
        for &(received, days) in inputs {
            black_box(engine.due(black_box(received), TimeLimit::WorkingDays(days)).ok());
        }
    });
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn working_days_naive(bencher: Bencher) {
    let (naive, inputs) = (naive(), inputs());
    bencher.counter(ItemsCount::new(inputs.len())).bench(|| {
        for &(received, days) in inputs {
            black_box(naive.add_working_days(black_box(received), u32::from(days.get())));
        }
    });
}

#[divan::bench]
fn same_day_engine(bencher: Bencher) {
    let (engine, inputs) = (engine(), inputs());
    bencher.counter(ItemsCount::new(inputs.len())).bench(|| {
        for &(received, _) in inputs {
            black_box(engine.due(black_box(received), TimeLimit::SameDay).ok());
        }
    });
}

#[divan::bench]
fn calendar_days_engine(bencher: Bencher) {
    let (engine, inputs) = (engine(), inputs());
    bencher.counter(ItemsCount::new(inputs.len())).bench(|| {
        for &(received, days) in inputs {
            let limit = TimeLimit::calendar_days(i64::from(days.get())).expect("valid");
            black_box(engine.due(black_box(received), limit).ok());
        }
    });
}

#[divan::bench]
fn elapsed_engine(bencher: Bencher) {
    let (engine, inputs) = (engine(), inputs());
    bencher.counter(ItemsCount::new(inputs.len())).bench(|| {
        for pair in inputs.windows(2) {
            black_box(engine.office_seconds_between(black_box(pair[0].0), black_box(pair[1].0)).ok());
        }
    });
}

#[divan::bench(sample_count = 20)]
fn build_engine_for_a_unit(bencher: Bencher) {
    let calendar = CivilCalendar::builtin().expect("calendar");
    bencher.bench(|| WorkingTime::new(black_box(&calendar), OfficeHours::hcmc()).expect("engine"));
}

#[divan::bench(sample_count = 20)]
fn build_civil_calendar(bencher: Bencher) {
    bencher.bench(|| CivilCalendar::builtin().expect("calendar"));
}

#[divan::bench]
fn solar_to_lunar(bencher: Bencher) {
    let inputs = inputs();
    let tz = calendar::ho_chi_minh_time_zone();
    let dates: Vec<jiff::civil::Date> = inputs.iter().map(|(instant, _)| instant.to_zoned(tz.clone()).date()).collect();
    bencher.counter(ItemsCount::new(dates.len())).bench(|| {
        for &date in &dates {
            black_box(calendar::lunar::to_lunar(black_box(date)).ok());
        }
    });
}
