//! The civil-service calendar: official schedules reproduced exactly, statutory computation,
//! compensatory days, and data files with errors naming the line.

use calendar::{CalendarError, CivilCalendar, DayKind, HolidayRules, OfficialSchedule, YearSource};
use jiff::civil::Date;

fn date(text: &str) -> Date {
    text.parse().expect("valid test date")
}

/// The research file the shipped schedule was built from (kinds `holiday`, `swapped_off`,
/// `makeup_workday`, compensatory days marked in the note).
const RESEARCH_CSV: &str = include_str!("data/vn-official-days-2022-2026.csv");

#[test]
fn official_2022_2026_reproduced_exactly() {
    let calendar = CivilCalendar::builtin().expect("builtin calendar");
    let mut expected: Vec<(Date, &str)> = Vec::new();
    for line in RESEARCH_CSV.lines().skip(1) {
        let mut fields = line.splitn(3, ',');
        let day = date(fields.next().expect("date"));
        let kind = fields.next().expect("kind");
        let note = fields.next().expect("note");
        let kind = if kind == "holiday" && note.starts_with("compensatory") { "compensatory" } else { kind };
        expected.push((day, kind));
    }
    let mut actual: Vec<(Date, &str)> = Vec::new();
    for year in 2022..=2026 {
        assert_eq!(calendar.year_source(year).expect("year"), YearSource::Official);
        for special in calendar.special_days(year).expect("year") {
            actual.push((special.date, special.kind.as_str()));
        }
    }
    assert_eq!(actual, expected);
}

#[test]
fn working_days_per_year() {
    // vn-calendar.md §4.1: 2022 → 249, 2023 → 249, 2024 → 251, 2025 → 250, 2026 → 250.
    let calendar = CivilCalendar::builtin().expect("builtin calendar");
    for (year, days) in [(2022, 249), (2023, 249), (2024, 251), (2025, 250), (2026, 250)] {
        assert_eq!(calendar.working_days_in_year(year).expect("year"), days, "{year}");
    }
}

fn statutory_only() -> CivilCalendar {
    CivilCalendar::new(&HolidayRules::builtin(), &OfficialSchedule::default()).expect("calendar")
}

fn kinds(calendar: &CivilCalendar, year: i16) -> Vec<(String, &'static str)> {
    calendar
        .special_days(year)
        .expect("year")
        .into_iter()
        .map(|day| (day.date.to_string(), day.kind.as_str()))
        .collect()
}

#[test]
fn statutory_rules_agree_with_official_years_on_fixed_holidays() {
    // Without the official schedule the rules must still find every fixed-date holiday and its
    // compensatory day that the government listed (Tết splits and swaps are the PM's choice).
    let statutory = statutory_only();
    for (day, kind) in [
        ("2022-01-01", DayKind::Holiday),
        ("2022-01-03", DayKind::Compensatory),
        ("2022-04-10", DayKind::Holiday),
        ("2022-04-11", DayKind::Compensatory),
        ("2022-05-02", DayKind::Compensatory),
        ("2022-05-03", DayKind::Compensatory),
        ("2023-01-02", DayKind::Compensatory),
        // The chained case: 29/4 (Sat) and 30/4 (Sun) compensated on 2/5 and 3/5 after 1/5.
        ("2023-04-29", DayKind::Holiday),
        ("2023-04-30", DayKind::Holiday),
        ("2023-05-01", DayKind::Holiday),
        ("2023-05-02", DayKind::Compensatory),
        ("2023-05-03", DayKind::Compensatory),
        ("2023-09-04", DayKind::Compensatory),
        ("2026-02-16", DayKind::Holiday),
        ("2026-02-20", DayKind::Holiday),
        ("2026-04-26", DayKind::Holiday),
        ("2026-04-27", DayKind::Compensatory),
        ("2026-09-01", DayKind::Holiday),
        ("2026-09-02", DayKind::Holiday),
    ] {
        assert_eq!(statutory.day(date(day)).expect("in range").0, kind, "{day}");
    }
    assert_eq!(statutory.year_source(2026).expect("year"), YearSource::Statutory);
}

#[test]
fn statutory_years_follow_the_law_in_force() {
    let calendar = CivilCalendar::builtin().expect("calendar");
    // 2027: Tết Sat 6 Feb → block 5–9 Feb (last day of the year + 4), two weekend days
    // compensated on 10 and 11 Feb; Hùng Kings Fri 16 Apr; 2/9 Thu with 3/9 Fri (as chosen in 2021).
    assert_eq!(calendar.year_source(2027).expect("year"), YearSource::Statutory);
    assert_eq!(
        kinds(&calendar, 2027),
        [
            ("2027-01-01", "holiday"),
            ("2027-02-05", "holiday"),
            ("2027-02-06", "holiday"),
            ("2027-02-07", "holiday"),
            ("2027-02-08", "holiday"),
            ("2027-02-09", "holiday"),
            ("2027-02-10", "compensatory"),
            ("2027-02-11", "compensatory"),
            ("2027-04-16", "holiday"),
            ("2027-04-30", "holiday"),
            ("2027-05-01", "holiday"),
            ("2027-05-03", "compensatory"),
            ("2027-09-02", "holiday"),
            ("2027-09-03", "holiday"),
        ]
        .map(|(day, kind)| (day.to_owned(), kind))
    );
    // Before 2021 National Day had one day; before 2007 there was no Hùng Kings' day; before
    // May 2013 Tết had four days.
    let kinds_2006 = kinds(&calendar, 2006);
    assert!(!kinds_2006.iter().any(|(day, _)| day.starts_with("2006-04-07")), "no Hùng Kings' day in 2006");
    assert!(calendar.day(date("2007-04-26")).expect("in range").0 == DayKind::Holiday, "first Hùng Kings' day off");
    assert_eq!(calendar.day(date("2020-09-01")).expect("in range").0, DayKind::Workday);
    assert_eq!(calendar.day(date("2020-09-02")).expect("in range").0, DayKind::Holiday);
    // Tết 2013 (Sun 10 Feb, under the 1994 code): 9–12 Feb, then 2 compensatory days.
    let tet_2013: Vec<_> = kinds(&calendar, 2013).into_iter().filter(|(day, _)| day.starts_with("2013-02")).collect();
    assert_eq!(
        tet_2013,
        [
            ("2013-02-09", "holiday"),
            ("2013-02-10", "holiday"),
            ("2013-02-11", "holiday"),
            ("2013-02-12", "holiday"),
            ("2013-02-13", "compensatory"),
            ("2013-02-14", "compensatory")
        ]
        .map(|(day, kind)| (day.to_owned(), kind))
    );
    // 2021 (2/9 a Thursday): 2–3 September, the government's choice that year.
    assert_eq!(calendar.day(date("2021-09-03")).expect("in range").0, DayKind::Holiday);
    assert_eq!(calendar.day(date("2021-09-01")).expect("in range").0, DayKind::Workday);
    // National Day adjacent day moves to 3/9 when 2/9 is a Monday (2024's choice; 2030 too).
    assert_eq!(calendar.day(date("2030-09-03")).expect("in range").0, DayKind::Holiday);
    assert_eq!(calendar.day(date("2030-09-02")).expect("in range").0, DayKind::Holiday);
}

#[test]
fn a_new_statutory_holiday_is_a_data_change() {
    let mut rules = HolidayRules::builtin();
    let culture_day = "id,name_vi,name_en,calendar,month,day,offset,length,move_if,effective_from,effective_to,source\n\
        culture_day,Ngày Văn hóa Việt Nam,Vietnam Culture Day,solar,11,24,0,1,,2027-01-01,,hypothetical amendment for this test\n";
    rules.extend(HolidayRules::parse(culture_day, "test.csv").expect("valid rules"));
    let calendar = CivilCalendar::new(&rules, &OfficialSchedule::builtin()).expect("calendar");
    assert_eq!(calendar.day(date("2027-11-24")).expect("in range"), (DayKind::Holiday, Some("Ngày Văn hóa Việt Nam")));
    // 24/11/2029 is a Saturday: compensated on Monday 26/11.
    assert_eq!(
        calendar.day(date("2029-11-26")).expect("in range"),
        (DayKind::Compensatory, Some("Nghỉ bù Ngày Văn hóa Việt Nam"))
    );
    // Not before its effective date, and the official 2026 schedule is untouched.
    assert_eq!(calendar.day(date("2026-11-24")).expect("in range").0, DayKind::Workday);
}

#[test]
fn an_administrator_adds_next_year() {
    let mut schedule = OfficialSchedule::builtin();
    let notice = "date,kind,name,note,source\n\
        2027-01-01,holiday,Tết Dương lịch,,Labour Code 2019 Art. 112\n\
        2027-02-04,swapped_off,Nghỉ hoán đổi,,hypothetical notice\n\
        2027-02-05,holiday,Tết Nguyên đán,,hypothetical notice\n\
        2027-01-30,makeup_workday,Làm bù,,hypothetical notice\n";
    schedule.merge(OfficialSchedule::parse(notice, "/etc/motcua/2027.csv").expect("valid"));
    let calendar = CivilCalendar::new(&HolidayRules::builtin(), &schedule).expect("calendar");
    assert_eq!(calendar.year_source(2027).expect("year"), YearSource::Official);
    assert!(calendar.is_working_day(date("2027-01-30")).expect("in range"), "make-up Saturday");
    assert!(!calendar.is_working_day(date("2027-02-04")).expect("in range"));
    // Official years replace the statutory computation entirely.
    assert!(calendar.is_working_day(date("2027-04-16")).expect("in range"));
    assert_eq!(calendar.year_source(2026).expect("year"), YearSource::Official);
}

fn data_error(result: Result<impl std::fmt::Debug, CalendarError>) -> (String, u64, String) {
    match result {
        Err(CalendarError::Data { file, line, message }) => (file, line, message),
        other => panic!("expected a data error, got {other:?}"),
    }
}

#[test]
fn malformed_schedules_name_the_line() {
    let header = "# comment\ndate,kind,name,note,source\n";
    let cases: &[(&str, u64, &str)] = &[
        ("2027-02-30,holiday,X,,src\n", 3, "YYYY-MM-DD"),
        ("2027-01-01,holiday,X,,src\n2027-13-01,holiday,X,,src\n", 4, "YYYY-MM-DD"),
        ("2027-01-01,holday,X,,src\n", 3, "kind"),
        ("2027-01-01,holiday,,,src\n", 3, "name"),
        ("2027-01-01,holiday,X,,\n", 3, "source"),
        ("2027-01-01,holiday,X,src\n", 3, "expected 5 fields"),
        ("2027-01-04,makeup_workday,X,,src\n", 3, "Saturday"),
        ("2027-01-02,swapped_off,X,,src\n", 3, "weekend"),
        ("2027-01-01,holiday,X,,src\n2027-01-01,holiday,Y,,src\n", 4, "line 3"),
        ("2027-01-04,swapped_off,X,,src\n", 3, "make-up"),
    ];
    for (body, line, fragment) in cases {
        let (file, found_line, message) = data_error(OfficialSchedule::parse(&format!("{header}{body}"), "days.csv"));
        assert_eq!(file, "days.csv");
        assert_eq!(found_line, *line, "{body}: {message}");
        assert!(message.contains(fragment), "{body}: {message}");
    }
    let (_, line, message) = data_error(OfficialSchedule::parse("day,kind\n", "x.csv"));
    assert_eq!(line, 1);
    assert!(message.contains("header"), "{message}");
}

#[test]
fn malformed_rules_name_the_line() {
    let header = "id,name_vi,name_en,calendar,month,day,offset,length,move_if,effective_from,effective_to,source\n";
    let cases: &[(&str, &str)] = &[
        ("x,X,X,moon,1,1,0,1,,2000-01-01,,src\n", "solar or lunar"),
        ("x,X,X,lunar,1,30,0,1,,2000-01-01,,src\n", "1..=29"),
        ("x,X,X,solar,2,30,0,1,,2000-01-01,,src\n", "invalid solar"),
        ("x,X,X,solar,1,1,0,0,,2000-01-01,,src\n", "length"),
        ("x,X,X,solar,1,1,0,1,sun+2,2000-01-01,,src\n", "move_if"),
        ("x,X,X,solar,1,1,0,1,,2000-01-01,1999-01-01,src\n", "before"),
        ("x,X,X,solar,1,1,0,1,,2000-01-01,,\n", "source"),
        ("x,X,X,solar,one,1,0,1,,2000-01-01,,src\n", "month"),
    ];
    for (body, fragment) in cases {
        let (_, line, message) = data_error(HolidayRules::parse(&format!("{header}{body}"), "rules.csv"));
        assert_eq!(line, 2, "{body}");
        assert!(message.contains(fragment), "{body}: {message}");
    }
}

#[test]
fn years_outside_the_range_are_refused() {
    let calendar = CivilCalendar::builtin().expect("calendar");
    for year in [1999, 2101] {
        let error = calendar.special_days(year).expect_err("out of range");
        assert_eq!(error.code(), "CALENDAR_OUT_OF_RANGE");
    }
}
