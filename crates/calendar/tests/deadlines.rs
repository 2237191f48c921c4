//! Deadline arithmetic: a data-driven table of cases, then properties against a naive oracle.

use calendar::naive::NaiveDeadlines;
use calendar::{
    Appointment, CivilCalendar, Completion, DayEnd, LastDayRule, OfficeHours, Progress, TimeLimit, WorkingDays,
    WorkingTime,
};
use jiff::{Timestamp, Zoned};
use proptest::prelude::*;
use std::sync::OnceLock;

fn engine() -> &'static WorkingTime {
    static ENGINE: OnceLock<WorkingTime> = OnceLock::new();
    ENGINE.get_or_init(|| WorkingTime::hcmc_builtin().expect("engine"))
}

fn instant(text: &str) -> Timestamp {
    text.parse::<Zoned>().map(|zoned| zoned.timestamp()).or_else(|_| text.parse()).expect("valid instant")
}

fn show(instant: Timestamp) -> String {
    instant.to_zoned(calendar::ho_chi_minh_time_zone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

fn working(days: i64) -> TimeLimit {
    TimeLimit::WorkingDays(WorkingDays::new(days).expect("valid count"))
}

fn check(received: &str, limit: TimeLimit, expected: &str) {
    let due = engine().due(instant(received), limit).expect("in range");
    assert_eq!(show(due), expected, "received {received}, {limit:?}");
}

#[test]
fn working_day_cases() {
    let cases: &[(&str, i64, &str)] = &[
        // The example form: Friday before the 2026 Tết break (14–22 Feb).
        ("2026-02-13T10:00:00+07:00", 3, "2026-02-25T10:00:00+07:00"),
        // Received 15:20 on a Friday, 1 working day → 15:20 on the next working day.
        ("2026-03-06T15:20:00+07:00", 1, "2026-03-09T15:20:00+07:00"),
        // Outside office hours: counting starts at the next opening.
        ("2026-03-07T10:00:00+07:00", 1, "2026-03-09T17:00:00+07:00"), // Saturday
        ("2026-03-09T06:00:00+07:00", 1, "2026-03-09T17:00:00+07:00"), // before opening
        ("2026-03-09T17:30:00+07:00", 1, "2026-03-10T17:00:00+07:00"), // after closing
        ("2026-03-09T12:00:00+07:00", 1, "2026-03-10T11:30:00+07:00"), // lunch: ends at 11:30 next day
        ("2026-03-09T07:30:00+07:00", 1, "2026-03-09T17:00:00+07:00"),
        ("2026-03-09T11:00:00+07:00", 1, "2026-03-10T11:00:00+07:00"),
        ("2026-03-09T11:00:00+07:00", 5, "2026-03-16T11:00:00+07:00"),
        // Seconds are kept.
        ("2026-03-09T09:15:42+07:00", 2, "2026-03-11T09:15:42+07:00"),
        // Another offset in, +07:00 out.
        ("2026-03-09T02:00:00Z", 1, "2026-03-10T09:00:00+07:00"),
        // vn-calendar.md §4.1 checks: make-up Saturdays count, swapped days do not.
        ("2025-01-24T10:00:00+07:00", 1, "2025-02-03T10:00:00+07:00"),
        ("2025-01-24T10:00:00+07:00", 5, "2025-02-07T10:00:00+07:00"),
        ("2025-04-25T10:00:00+07:00", 1, "2025-04-26T10:00:00+07:00"),
        ("2024-04-26T10:00:00+07:00", 3, "2024-05-04T10:00:00+07:00"),
        ("2026-08-21T10:00:00+07:00", 1, "2026-08-22T10:00:00+07:00"),
        ("2026-02-13T10:00:00+07:00", 1, "2026-02-23T10:00:00+07:00"),
        ("2023-04-28T10:00:00+07:00", 1, "2023-05-04T10:00:00+07:00"),
        // New Year 2026: 1/1 holiday, 2/1 swapped off, Saturday 10/1 worked.
        ("2025-12-31T16:00:00+07:00", 1, "2026-01-05T16:00:00+07:00"),
        ("2026-01-09T16:00:00+07:00", 1, "2026-01-10T16:00:00+07:00"),
        // A provisional (statutory) year: Tết 2027 block 5–11 Feb.
        ("2027-02-04T10:00:00+07:00", 1, "2027-02-12T10:00:00+07:00"),
        // Long limits cross years.
        ("2026-12-01T08:00:00+07:00", 60, "2027-03-03T08:00:00+07:00"),
    ];
    for (received, days, expected) in cases {
        check(received, working(*days), expected);
    }
}

#[test]
fn calendar_day_cases() {
    let keep = TimeLimit::CalendarDays { days: 15, last_day: LastDayRule::KeepLastDay, ends_at: DayEnd::OfficeClose };
    let midnight =
        TimeLimit::CalendarDays { days: 15, last_day: LastDayRule::NextWorkingDay, ends_at: DayEnd::Midnight };
    let fifteen = TimeLimit::calendar_days(15).expect("valid");
    // Construction permit for a house, 15 days: the receipt day is not counted.
    check("2026-03-02T09:00:00+07:00", fifteen, "2026-03-17T17:00:00+07:00");
    // Day 15 is 30/4 (holiday), then 1/5, a weekend: the period ends on Monday 4/5.
    check("2026-04-15T09:00:00+07:00", fifteen, "2026-05-04T17:00:00+07:00");
    check("2026-04-15T09:00:00+07:00", keep, "2026-04-30T17:00:00+07:00");
    check("2026-04-15T09:00:00+07:00", midnight, "2026-05-04T23:59:59+07:00");
    // Received on a Sunday evening: still counted from the next calendar day.
    check("2026-03-01T20:00:00+07:00", TimeLimit::calendar_days(30).expect("valid"), "2026-03-31T17:00:00+07:00");
    // Complaint, 45 days.
    check("2026-06-01T10:00:00+07:00", TimeLimit::calendar_days(45).expect("valid"), "2026-07-16T17:00:00+07:00");
}

#[test]
fn same_day_cases() {
    let cases: &[(&str, &str)] = &[
        ("2026-03-09T14:59:00+07:00", "2026-03-09T17:00:00+07:00"),
        ("2026-03-09T15:00:00+07:00", "2026-03-09T17:00:00+07:00"), // "at or before 15:00"
        ("2026-03-09T15:00:01+07:00", "2026-03-10T17:00:00+07:00"),
        ("2026-03-09T06:45:00+07:00", "2026-03-09T17:00:00+07:00"),
        ("2026-03-06T16:00:00+07:00", "2026-03-09T17:00:00+07:00"), // Friday after 15:00
        ("2026-03-07T09:00:00+07:00", "2026-03-09T17:00:00+07:00"), // Saturday
        ("2026-04-29T16:00:00+07:00", "2026-05-04T17:00:00+07:00"), // before 30/4–1/5
        ("2026-08-21T15:30:00+07:00", "2026-08-22T17:00:00+07:00"), // to a make-up Saturday
        ("2026-03-09T15:00:00.5+07:00", "2026-03-10T17:00:00+07:00"), // half a second late
    ];
    for (received, expected) in cases {
        check(received, TimeLimit::SameDay, expected);
    }
}

#[test]
fn elapsed_office_time() {
    let between = |from: &str, to: &str| engine().office_seconds_between(instant(from), instant(to)).expect("in range");
    assert_eq!(between("2026-03-06T15:20:00+07:00", "2026-03-09T15:20:00+07:00"), 8 * 3600);
    assert_eq!(between("2026-03-09T12:00:00+07:00", "2026-03-09T13:30:00+07:00"), 30 * 60);
    assert_eq!(between("2026-03-09T13:30:00+07:00", "2026-03-09T12:00:00+07:00"), -30 * 60);
    assert_eq!(between("2026-02-13T17:00:00+07:00", "2026-02-23T07:30:00+07:00"), 0);
    // The whole Tết week of 2026 counts for one day: Fri 13/2 to Mon 23/2.
    assert_eq!(between("2026-02-13T07:30:00+07:00", "2026-02-23T17:00:00+07:00"), 16 * 3600);
}

#[test]
fn classification() {
    let engine = engine();
    let due = instant("2026-03-10T15:20:00+07:00");
    let finished = |text: &str| engine.classify_finished(due, instant(text));
    assert_eq!(finished("2026-03-09T16:59:00+07:00"), Completion::Early);
    assert_eq!(finished("2026-03-10T07:31:00+07:00"), Completion::OnTime);
    assert_eq!(finished("2026-03-10T15:20:00+07:00"), Completion::OnTime);
    assert_eq!(finished("2026-03-10T15:20:01+07:00"), Completion::Late);
    assert_eq!(finished("2026-03-11T08:00:00+07:00"), Completion::Late);
    assert_eq!(engine.classify_open(due, instant("2026-03-10T15:20:00+07:00")), Progress::WithinTime);
    assert_eq!(engine.classify_open(due, instant("2026-03-10T15:21:00+07:00")), Progress::Overdue);
    // A period that ends at 24:00: a filing at any time on the last day is on time, not early.
    let midnight =
        TimeLimit::CalendarDays { days: 30, last_day: LastDayRule::NextWorkingDay, ends_at: DayEnd::Midnight };
    let due = engine.due(instant("2026-03-02T09:00:00+07:00"), midnight).expect("in range");
    assert_eq!(show(due), "2026-04-01T23:59:59+07:00");
    assert_eq!(engine.classify_finished(due, instant("2026-04-01T20:00:00+07:00")), Completion::OnTime);
    assert_eq!(engine.classify_finished(due, instant("2026-04-02T00:00:00+07:00")), Completion::Late);
}

#[test]
fn appointment_life() {
    let engine = engine();
    let mut appointment = Appointment::new(engine, instant("2026-03-02T09:00:00+07:00"), working(5)).expect("in range");
    assert_eq!(show(appointment.legal_due()), "2026-03-09T09:00:00+07:00");
    // Supplement completed on 5/3 at 14:00: the full limit restarts.
    appointment.restart_after_supplement(engine, instant("2026-03-05T14:00:00+07:00")).expect("in range");
    assert_eq!(show(appointment.legal_due()), "2026-03-12T14:00:00+07:00");
    // Apology two working days ahead: no breach; the legal due instant is kept for statistics.
    let outcome = appointment
        .reschedule(engine, instant("2026-03-10T14:00:00+07:00"), instant("2026-03-16T17:00:00+07:00"))
        .expect("first reschedule");
    assert!(!outcome.breach);
    assert_eq!(show(appointment.appointment()), "2026-03-16T17:00:00+07:00");
    assert_eq!(appointment.classify(engine, instant("2026-03-16T10:00:00+07:00")), Completion::Late);
    // Only once.
    let error = appointment
        .reschedule(engine, instant("2026-03-13T08:00:00+07:00"), instant("2026-03-20T17:00:00+07:00"))
        .expect_err("second reschedule");
    assert_eq!(error.code(), "CALENDAR_RESCHEDULE_REFUSED");

    // An apology less than one working day before the due instant is a breach.
    let mut late = Appointment::new(engine, instant("2026-03-02T09:00:00+07:00"), working(5)).expect("in range");
    let outcome = late
        .reschedule(engine, instant("2026-03-06T10:00:00+07:00"), instant("2026-03-13T17:00:00+07:00"))
        .expect("first reschedule");
    assert!(outcome.breach);
    // A new appointment must be later.
    let mut earlier = Appointment::new(engine, instant("2026-03-02T09:00:00+07:00"), working(5)).expect("in range");
    refused(
        earlier.reschedule(engine, instant("2026-03-03T10:00:00+07:00"), instant("2026-03-05T17:00:00+07:00")),
        "CALENDAR_RESCHEDULE_REFUSED",
    );

    // A construction permit's extension of 10 days, counted in days from the old due day.
    let mut permit =
        Appointment::new(engine, instant("2026-03-02T09:00:00+07:00"), TimeLimit::calendar_days(15).expect("valid"))
            .expect("in range");
    assert_eq!(show(permit.legal_due()), "2026-03-17T17:00:00+07:00");
    permit.extend(engine, TimeLimit::calendar_days(10).expect("valid")).expect("in range");
    assert_eq!(show(permit.legal_due()), "2026-03-27T17:00:00+07:00");
    // An extension by working days counts office time from the old due instant.
    let mut working_extension =
        Appointment::new(engine, instant("2026-03-02T09:00:00+07:00"), working(5)).expect("in range");
    working_extension.extend(engine, working(2)).expect("in range");
    assert_eq!(show(working_extension.legal_due()), "2026-03-11T09:00:00+07:00");
    refused(working_extension.extend(engine, TimeLimit::SameDay), "CALENDAR_INVALID_TIME_LIMIT");

    // A restart after a supplement keeps a used reschedule used (at most once per dossier).
    let mut restarted = Appointment::new(engine, instant("2026-03-02T09:00:00+07:00"), working(5)).expect("in range");
    restarted
        .reschedule(engine, instant("2026-03-04T09:00:00+07:00"), instant("2026-03-12T17:00:00+07:00"))
        .expect("first reschedule");
    restarted.restart_after_supplement(engine, instant("2026-03-05T14:00:00+07:00")).expect("in range");
    assert!(restarted.is_rescheduled());
    refused(
        restarted.reschedule(engine, instant("2026-03-06T09:00:00+07:00"), instant("2026-03-20T17:00:00+07:00")),
        "CALENDAR_RESCHEDULE_REFUSED",
    );
}

/// The result is the error with this stable code.
#[track_caller]
fn refused<T: std::fmt::Debug>(result: Result<T, calendar::CalendarError>, code: &str) {
    match result {
        Err(error) => assert_eq!(error.code(), code, "{error}"),
        Ok(value) => panic!("expected {code}, got {value:?}"),
    }
}

#[test]
fn invalid_inputs() {
    refused(WorkingDays::new(0), "CALENDAR_INVALID_TIME_LIMIT");
    refused(WorkingDays::new(-3), "CALENDAR_INVALID_TIME_LIMIT");
    refused(WorkingDays::new(1001), "CALENDAR_INVALID_TIME_LIMIT");
    refused(TimeLimit::calendar_days(0), "CALENDAR_INVALID_TIME_LIMIT");
    let engine = engine();
    assert_eq!(
        engine.due(instant("1999-12-31T10:00:00+07:00"), working(1)).expect_err("range").code(),
        "CALENDAR_OUT_OF_RANGE"
    );
    assert_eq!(
        engine.due(instant("2100-12-31T10:00:00+07:00"), working(5)).expect_err("range").code(),
        "CALENDAR_OUT_OF_RANGE"
    );
    refused(OfficeHours::parse_intervals("07:30-11:30,13:00"), "CALENDAR_INVALID_OFFICE_HOURS");
    refused(OfficeHours::parse_intervals("25:00-26:00"), "CALENDAR_INVALID_OFFICE_HOURS");
    let overlapping = OfficeHours::parse_intervals("07:30-12:00,11:00-17:00").expect("parses");
    let cutoff = jiff::civil::time(15, 0, 0, 0);
    refused(
        OfficeHours::new(&overlapping, &[jiff::civil::Weekday::Monday], cutoff, "Asia/Ho_Chi_Minh"),
        "CALENDAR_INVALID_OFFICE_HOURS",
    );
    let fine = OfficeHours::parse_intervals("07:00-11:00,13:30-17:30").expect("parses");
    refused(
        OfficeHours::new(&fine, &[jiff::civil::Weekday::Monday], cutoff, "Mars/Olympus"),
        "CALENDAR_INVALID_OFFICE_HOURS",
    );
}

#[test]
fn other_office_hours() {
    // A unit working 07:00–11:00 and 13:30–17:30, Monday to Saturday.
    use jiff::civil::Weekday::*;
    let intervals = OfficeHours::parse_intervals("07:00-11:00,13:30-17:30").expect("parses");
    let hours = OfficeHours::new(
        &intervals,
        &[Monday, Tuesday, Wednesday, Thursday, Friday, Saturday],
        jiff::civil::time(15, 0, 0, 0),
        "Asia/Ho_Chi_Minh",
    )
    .expect("valid");
    let engine = WorkingTime::new(&CivilCalendar::builtin().expect("calendar"), hours).expect("engine");
    let due = engine.due(instant("2026-03-06T16:00:00+07:00"), working(1)).expect("in range");
    assert_eq!(show(due), "2026-03-07T16:00:00+07:00");
    // Holidays still apply: Saturday 2/5/2026 is a day off? No: 30/4 and 1/5 are; 2/5 is worked.
    let due = engine.due(instant("2026-04-29T16:00:00+07:00"), working(1)).expect("in range");
    assert_eq!(show(due), "2026-05-02T16:00:00+07:00");
}

const DAY: i64 = 8 * 3600;

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

/// Receipt instants anywhere in 2020–2030, to the second.
fn receipt() -> impl Strategy<Value = Timestamp> {
    let start = instant("2020-01-01T00:00:00+07:00").as_second();
    let end = instant("2030-12-31T23:59:59+07:00").as_second();
    (start..end).prop_map(|second| Timestamp::from_second(second).expect("valid"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn agrees_with_the_day_by_day_oracle(received in receipt(), days in 1_i64..=60) {
        let fast = engine().due(received, working(days)).expect("in range");
        let slow = naive().add_working_days(received, days as u32);
        prop_assert_eq!(fast, slow);
    }

    #[test]
    fn adding_then_measuring_round_trips(received in receipt(), days in 1_i64..=60) {
        let due = engine().due(received, working(days)).expect("in range");
        prop_assert_eq!(engine().office_seconds_between(received, due).expect("in range"), days * DAY);
    }

    #[test]
    fn a_due_instant_is_never_outside_office_time(received in receipt(), days in 1_i64..=60) {
        let due = engine().due(received, working(days)).expect("in range");
        // The due instant ends office time: the second before it is office time.
        let before = due.checked_sub(jiff::SignedDuration::from_secs(1)).expect("valid");
        prop_assert!(engine().is_office_time(before).expect("in range"), "{}", show(due));
        for limit in [TimeLimit::SameDay, TimeLimit::calendar_days(days).expect("valid")] {
            let due = engine().due(received, limit).expect("in range");
            let before = due.checked_sub(jiff::SignedDuration::from_secs(1)).expect("valid");
            prop_assert!(engine().is_office_time(before).expect("in range"), "{:?} {}", limit, show(due));
        }
    }

    #[test]
    fn monotonic_in_days_and_in_receipt(received in receipt(), later_by in 0_i64..200_000, days in 1_i64..=59) {
        let engine = engine();
        let due = engine.due(received, working(days)).expect("in range");
        prop_assert!(engine.due(received, working(days + 1)).expect("in range") > due);
        let later = Timestamp::from_second(received.as_second() + later_by).expect("valid");
        prop_assert!(engine.due(later, working(days)).expect("in range") >= due);
        for limit in [TimeLimit::SameDay, TimeLimit::calendar_days(days).expect("valid")] {
            prop_assert!(engine.due(later, limit).expect("in range") >= engine.due(received, limit).expect("in range"));
        }
    }

    #[test]
    fn elapsed_is_additive(a in receipt(), b in receipt(), c in receipt()) {
        let engine = engine();
        let ab = engine.office_seconds_between(a, b).expect("in range");
        let bc = engine.office_seconds_between(b, c).expect("in range");
        prop_assert_eq!(ab + bc, engine.office_seconds_between(a, c).expect("in range"));
    }
}
