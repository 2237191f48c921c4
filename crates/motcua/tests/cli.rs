//! The CLI forms the acceptance checks use, run on the built binary.

use std::process::{Command, Output};

fn motcua(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_motcua")).args(args).env_remove("MOTCUA_CONFIG").output().expect("the binary runs")
}

fn stdout_of(args: &[&str]) -> String {
    let output = motcua(args);
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8")
}

fn check(args: &[&str], expected: &str) {
    assert_eq!(stdout_of(args).trim_end(), expected, "{args:?}");
}

#[test]
fn exact_forms() {
    check(&["calendar", "to-solar", "--lunar", "2031-03-10"], "2031-04-01");
    check(&["calendar", "to-solar", "--lunar", "2031-03-10", "--leap"], "2031-04-30");
    check(&["calendar", "to-lunar", "2026-02-17"], "2026-01-01");
    check(&["calendar", "to-lunar", "2025-07-25"], "2025-06-01 leap");
    check(&["calendar", "to-lunar", "2007-02-17"], "2007-01-01");
    check(&["deadline", "--received", "2026-02-13T10:00:00+07:00", "--working-days", "3"], "2026-02-25T10:00:00+07:00");
    check(&["deadline", "--received", "2026-03-06T15:20:00+07:00", "--working-days", "1"], "2026-03-09T15:20:00+07:00");
    check(
        &["deadline", "--received", "2026-04-15T09:00:00+07:00", "--calendar-days", "15"],
        "2026-05-04T17:00:00+07:00",
    );
    check(
        &["deadline", "--received", "2026-04-15T09:00:00+07:00", "--calendar-days", "15", "--keep-last-day"],
        "2026-04-30T17:00:00+07:00",
    );
    check(&["deadline", "--received", "2026-03-09T15:00:00+07:00", "--same-day"], "2026-03-09T17:00:00+07:00");
    check(&["deadline", "--received", "2026-03-09T15:00:01+07:00", "--same-day"], "2026-03-10T17:00:00+07:00");
    // UTC in, +07:00 out; a local time without offset is the unit's time.
    check(&["deadline", "--received", "2026-03-09T02:00:00Z", "--working-days", "1"], "2026-03-10T09:00:00+07:00");
    check(&["deadline", "--received", "2026-03-09T09:00:00", "--working-days", "1"], "2026-03-10T09:00:00+07:00");
    check(
        &["calendar", "elapsed", "--from", "2026-03-06T15:20:00+07:00", "--to", "2026-03-09T15:20:00+07:00"],
        "8:00:00 (1.00 ngày làm việc / working days)",
    );
}

#[test]
fn days_csv() {
    let csv = stdout_of(&["calendar", "days", "--year", "2026"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "date,kind,name");
    assert_eq!(lines.len(), 17, "{csv}");
    assert!(lines.contains(&"2026-01-10,makeup_workday,Làm bù cho ngày 2/1"));
    assert!(lines.contains(&"2026-04-27,compensatory,Nghỉ bù Giỗ Tổ Hùng Vương"));
    assert!(lines.contains(&"2026-08-31,swapped_off,Nghỉ hoán đổi (làm bù thứ Bảy 22/8)"));
    for line in &lines[1..] {
        let kind = line.split(',').nth(1).expect("kind");
        assert!(["holiday", "compensatory", "swapped_off", "makeup_workday"].contains(&kind), "{line}");
    }
    // A provisional year says so on stderr, and still prints the statutory days.
    let output = motcua(&["calendar", "days", "--year", "2027"]);
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("provisional"));
    assert!(String::from_utf8_lossy(&output.stdout).contains("2027-02-10,compensatory,Nghỉ bù Tết Nguyên đán"));
}

#[test]
fn show_grid() {
    let grid = stdout_of(&["calendar", "show", "2026"]);
    assert!(grid.contains("Tháng 2 / February 2026"));
    assert!(grid.contains("16L 17L 18L 19L 20L"), "{grid}");
    assert!(grid.contains("22W"), "make-up Saturday 22/8 marked");
    assert!(grid.contains("Số ngày làm việc / working days: 250"));
}

#[test]
fn invalid_input_is_one_line_and_exit_2() {
    let cases: &[&[&str]] = &[
        &["calendar", "to-lunar", "2026-02-30"],
        &["calendar", "to-lunar", "2026-2-3"],
        &["calendar", "to-lunar", "1899-12-31"],
        &["calendar", "to-solar", "--lunar", "2026-03-10", "--leap"],
        &["calendar", "to-solar", "--lunar", "2025-12-30"],
        &["calendar", "days", "--year", "1999"],
        &["calendar", "days", "--year", "2101"],
        &["calendar", "days", "--year", "twenty"],
        &["calendar", "show", "-5"],
        &["deadline", "--received", "2026-02-13T10:00:00+07:00", "--working-days", "-3"],
        &["deadline", "--received", "2026-02-13T10:00:00+07:00", "--working-days", "0"],
        &["deadline", "--received", "2026-02-13T10:00:00+07:00", "--calendar-days", "-1"],
        &["deadline", "--received", "2026-02-30T10:00:00+07:00", "--working-days", "1"],
        &["deadline", "--received", "2026-02-13T10:00:00+07:00"],
        &["deadline", "--received", "2026-02-13T10:00:00+07:00", "--working-days", "1", "--same-day"],
        &["deadline", "--received", "2026-02-13T10:00:00+07:00", "--working-days", "1", "--office-hours", "7h-11h"],
        &["deadline", "--received", "1990-01-01T10:00:00+07:00", "--working-days", "1"],
        &["calendar", "days", "--year", "2026", "--schedule", "/nonexistent/file.csv"],
        &["calendar", "frobnicate"],
        &["deadline", "--received", "2026-02-13T10:00:00+07:00", "--working-days", "2", "--end-of-day"],
        &["deadline", "--received", "2026-02-13T10:00:00+07:00", "--same-day", "--keep-last-day"],
    ];
    for args in cases {
        let output = motcua(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(output.stderr).expect("UTF-8");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("motcua: lỗi / error: "), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn an_administrator_adds_a_year_without_a_rebuild() {
    let directory = std::env::temp_dir().join(format!("motcua-cli-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("temp dir");
    let schedule = directory.join("2027.csv");
    std::fs::write(
        &schedule,
        "date,kind,name,note,source\n\
         2027-01-01,holiday,Tết Dương lịch,,Labour Code 2019 Art. 112\n\
         2027-02-04,holiday,Tết Nguyên đán,,notice\n\
         2027-02-05,holiday,Tết Nguyên đán,,notice\n\
         2027-02-08,holiday,Tết Nguyên đán,,notice\n\
         2027-02-09,holiday,Tết Nguyên đán,,notice\n\
         2027-02-10,holiday,Tết Nguyên đán,,notice\n",
    )
    .expect("write");
    let config = directory.join("motcua.toml");
    std::fs::write(&config, format!("[calendar]\nschedule_files = [{:?}]\n", schedule.display().to_string()))
        .expect("write");
    let config_arg = config.display().to_string();
    let output = stdout_of(&["--config", &config_arg, "calendar", "days", "--year", "2027"]);
    assert!(output.contains("2027-02-04,holiday,Tết Nguyên đán"), "{output}");
    assert!(!output.contains("compensatory"), "{output}");
    check(
        &["--config", &config_arg, "deadline", "--received", "2027-02-03T10:00:00+07:00", "--working-days", "1"],
        "2027-02-11T10:00:00+07:00",
    );
    // A malformed file names the file and the line.
    std::fs::write(&schedule, "date,kind,name,note,source\n2027-01-01,holiday,X,,src\n2027-02-31,holiday,X,,src\n")
        .expect("write");
    let output = motcua(&["--config", &config_arg, "calendar", "days", "--year", "2027"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("2027.csv:3:"), "{stderr}");
    // A malformed configuration is refused clearly.
    std::fs::write(&config, "[calendar]\nschedule_file = 3\n").expect("write");
    let output = motcua(&["--config", &config_arg, "calendar", "days", "--year", "2027"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("motcua.toml"));
    std::fs::remove_dir_all(&directory).expect("clean up");
}

#[test]
fn per_unit_office_hours() {
    let directory = std::env::temp_dir().join(format!("motcua-unit-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("temp dir");
    let config = directory.join("motcua.toml");
    std::fs::write(
        &config,
        "[units.\"000.00.31.H29\".office_hours]\nintervals = \"07:00-11:00,13:30-17:30\"\nweekdays = [\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\"]\n",
    )
    .expect("write");
    let config_arg = config.display().to_string();
    check(
        &[
            "--config",
            &config_arg,
            "deadline",
            "--unit",
            "000.00.31.H29",
            "--received",
            "2026-03-06T17:30:00+07:00",
            "--working-days",
            "1",
        ],
        "2026-03-07T17:30:00+07:00",
    );
    check(
        &["--config", &config_arg, "deadline", "--received", "2026-03-06T17:00:00+07:00", "--working-days", "1"],
        "2026-03-09T17:00:00+07:00",
    );
    let output = motcua(&[
        "--config",
        &config_arg,
        "deadline",
        "--unit",
        "nope",
        "--received",
        "2026-03-06T17:00:00+07:00",
        "--same-day",
    ]);
    assert_eq!(output.status.code(), Some(2));
    std::fs::remove_dir_all(&directory).expect("clean up");
}

#[test]
fn data_files_check_and_draft() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/calendar/");
    let output =
        stdout_of(&["calendar", "check", &format!("{root}official-days.csv"), &format!("{root}holiday-rules.csv")]);
    assert!(output.contains("2022, 2023, 2024, 2025, 2026"), "{output}");
    assert!(output.contains("8 quy tắc"), "{output}");
    let draft = stdout_of(&["calendar", "draft-schedule", "--year", "2027"]);
    assert!(draft.starts_with("date,kind,name,note,source"));
    assert!(draft.contains("2027-02-05,holiday,Tết Nguyên đán"));
}
