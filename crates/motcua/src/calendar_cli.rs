//! `motcua calendar ...` and `motcua deadline`: thin wrappers that parse input, call the
//! `calendar` crate and print.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Result;
use calendar::{
    CivilCalendar, DayEnd, DayKind, LastDayRule, LunarDate, TimeLimit, WorkingDays, WorkingTime, YearSource, lunar,
};
use clap::{Args, Subcommand};
use jiff::Timestamp;
use jiff::civil::{Date, DateTime};

use crate::config::Config;
use crate::input::{InputError, parse_iso_day};

/// `motcua calendar ...`.
#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Các ngày khác tuần làm việc thứ Hai–thứ Sáu, dạng CSV / days that differ from a plain
    /// Monday–Friday week, as CSV `date,kind,name`.
    Days {
        /// Năm / year (2000–2100).
        #[arg(long, allow_hyphen_values = true)]
        year: String,
        /// Thêm tệp lịch chính thức / an extra official schedule file.
        #[arg(long = "schedule")]
        schedules: Vec<PathBuf>,
    },
    /// Lịch tháng của một năm, để đọc / a readable month-by-month grid of a year.
    Show {
        /// Năm / year (2000–2100).
        #[arg(allow_hyphen_values = true)]
        year: String,
        /// Thêm tệp lịch chính thức / an extra official schedule file.
        #[arg(long = "schedule")]
        schedules: Vec<PathBuf>,
    },
    /// Âm lịch → dương lịch / lunar date to solar date.
    ToSolar {
        /// Ngày âm lịch YYYY-MM-DD / lunar date.
        #[arg(long, allow_hyphen_values = true)]
        lunar: String,
        /// Tháng nhuận / the month is the leap month.
        #[arg(long)]
        leap: bool,
    },
    /// Dương lịch → âm lịch / solar date to lunar date (` leap` appended in a leap month).
    ToLunar {
        /// Ngày dương lịch YYYY-MM-DD / solar date.
        #[arg(allow_hyphen_values = true)]
        date: String,
    },
    /// Thời gian làm việc giữa hai thời điểm / working time between two instants.
    Elapsed {
        /// Từ / from (RFC 3339).
        #[arg(long, allow_hyphen_values = true)]
        from: String,
        /// Đến / to (RFC 3339).
        #[arg(long, allow_hyphen_values = true)]
        to: String,
        #[command(flatten)]
        unit: UnitArgs,
    },
    /// Bản nháp lịch chính thức từ quy định của luật / the statutory days of a year in the
    /// official-schedule format, as a starting point for entering the year's notice.
    DraftSchedule {
        /// Năm / year (2000–2100).
        #[arg(long, allow_hyphen_values = true)]
        year: String,
    },
    /// Kiểm tra tệp dữ liệu lịch / validate calendar data files (schedules or holiday rules).
    Check {
        /// Các tệp / the files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

/// Which unit's office hours to use.
#[derive(Debug, Args)]
pub struct UnitArgs {
    /// Mã đơn vị trong cấu hình / unit code from the configuration's [units] table.
    #[arg(long)]
    unit: Option<String>,
    /// Giờ làm việc, ví dụ / office hours, e.g. "07:30-11:30,13:00-17:00".
    #[arg(long)]
    office_hours: Option<String>,
    /// Thêm tệp lịch chính thức / an extra official schedule file.
    #[arg(long = "schedule")]
    schedules: Vec<PathBuf>,
}

/// `motcua deadline`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("limit").required(true).args(["working_days", "calendar_days", "same_day"])))]
pub struct DeadlineArgs {
    /// Thời điểm tiếp nhận (RFC 3339; không có múi giờ thì theo giờ đơn vị) / receipt instant.
    #[arg(long, allow_hyphen_values = true)]
    received: String,
    /// Số ngày làm việc / working days.
    #[arg(long, allow_hyphen_values = true)]
    working_days: Option<String>,
    /// Số ngày theo lịch / calendar days (Civil Code 2015 Art. 147–148).
    #[arg(long, allow_hyphen_values = true)]
    calendar_days: Option<String>,
    /// Trong ngày, chốt 15:00 / same day with the 15:00 cut-off.
    #[arg(long)]
    same_day: bool,
    /// Ngày lịch: không lùi sang ngày làm việc kế tiếp / calendar days: keep a last day that is a day off.
    #[arg(long, requires = "calendar_days", conflicts_with_all = ["working_days", "same_day"])]
    keep_last_day: bool,
    /// Ngày lịch: hết hạn lúc 24:00 thay vì giờ đóng cửa / calendar days: end at 24:00, not closing time.
    #[arg(long, requires = "calendar_days", conflicts_with_all = ["working_days", "same_day"])]
    end_of_day: bool,
    #[command(flatten)]
    unit: UnitArgs,
}

/// Runs a `calendar` subcommand.
pub fn run(config: &Config, command: CalendarCommand) -> Result<()> {
    match command {
        CalendarCommand::Days { year, schedules } => days(config, &year, &schedules),
        CalendarCommand::Show { year, schedules } => show(config, &year, &schedules),
        CalendarCommand::ToSolar { lunar, leap } => to_solar(&lunar, leap),
        CalendarCommand::ToLunar { date } => to_lunar(&date),
        CalendarCommand::Elapsed { from, to, unit } => elapsed(config, &from, &to, &unit),
        CalendarCommand::DraftSchedule { year } => draft_schedule(config, &year),
        CalendarCommand::Check { files } => check(&files),
    }
}

fn parse_year(text: &str) -> Result<i16> {
    let year: i64 = text.trim().parse().map_err(|_| InputError(format!("năm không hợp lệ / invalid year {text:?}")))?;
    if !(i64::from(calendar::FIRST_YEAR)..=i64::from(calendar::LAST_YEAR)).contains(&year) {
        return Err(InputError(format!(
            "năm {year} ngoài phạm vi / year {year} is out of range ({}..={})",
            calendar::FIRST_YEAR,
            calendar::LAST_YEAR
        ))
        .into());
    }
    Ok(year as i16)
}

fn parse_date(text: &str) -> Result<Date> {
    Ok(parse_iso_day(text.trim()).ok_or_else(|| {
        InputError(format!("ngày không hợp lệ hoặc không tồn tại / invalid or non-existent date {text:?} (YYYY-MM-DD)"))
    })?)
}

fn parse_count(text: &str, what: &str) -> Result<i64> {
    Ok(text
        .trim()
        .parse::<i64>()
        .map_err(|_| InputError(format!("{what} phải là số nguyên / {what} must be an integer, not {text:?}")))?)
}

fn parse_instant(text: &str, engine: &WorkingTime) -> Result<Timestamp> {
    if let Ok(instant) = text.trim().parse::<Timestamp>() {
        return Ok(instant);
    }
    // Without an offset the time is the unit's local time.
    let local: DateTime = text.trim().parse().map_err(|_| {
        InputError(format!(
            "thời điểm không hợp lệ / invalid instant {text:?} (RFC 3339, e.g. 2026-02-13T10:00:00+07:00)"
        ))
    })?;
    Ok(local.to_zoned(engine.office_hours().time_zone().clone())?.timestamp())
}

fn format_instant(instant: Timestamp, engine: &WorkingTime) -> String {
    instant.to_zoned(engine.office_hours().time_zone().clone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

fn days(config: &Config, year: &str, schedules: &[PathBuf]) -> Result<()> {
    let year = parse_year(year)?;
    let calendar = config.civil_calendar(schedules)?;
    if calendar.year_source(year)? == YearSource::Statutory {
        eprintln!(
            "ghi chú: năm {year} chưa có lịch chính thức, tính theo quy định của luật (tạm tính) / \
             note: {year} has no official schedule; computed from the statutory rules (provisional)"
        );
    }
    let mut writer = csv::Writer::from_writer(std::io::stdout().lock());
    writer.write_record(["date", "kind", "name"])?;
    for day in calendar.special_days(year)? {
        writer.write_record([day.date.to_string().as_str(), day.kind.as_str(), day.name.as_str()])?;
    }
    writer.flush()?;
    Ok(())
}

fn to_solar(text: &str, leap: bool) -> Result<()> {
    let lunar_date = parse_lunar_date(text.trim(), leap)
        .ok_or_else(|| InputError(format!("ngày âm lịch không hợp lệ / invalid lunar date {text:?} (YYYY-MM-DD)")))?;
    println!("{}", lunar::to_solar(lunar_date)?);
    Ok(())
}

/// A lunar day written exactly `YYYY-MM-DD`. Not a solar [`Date`]: the 30th of a long lunar
/// month may fall on a day the solar month lacks (`2026-02-30`), so jiff's `strtime` reads the
/// numbers and `calendar::lunar` decides whether the day exists. Ten digits-or-dashes with the
/// pattern's widths (4, 2, 2) leave exactly the `YYYY-MM-DD` shape.
fn parse_lunar_date(text: &str, leap: bool) -> Option<LunarDate> {
    let shape = text.len() == 10 && text.bytes().all(|byte| byte.is_ascii_digit() || byte == b'-');
    let parsed = jiff::fmt::strtime::parse("%Y-%m-%d", text).ok().filter(|_| shape)?;
    Some(LunarDate {
        year: i32::from(parsed.year()?),
        month: u8::try_from(parsed.month()?).ok()?,
        leap,
        day: u8::try_from(parsed.day()?).ok()?,
    })
}

fn to_lunar(text: &str) -> Result<()> {
    println!("{}", lunar::to_lunar(parse_date(text)?)?);
    Ok(())
}

/// Runs `motcua deadline`.
pub fn deadline(config: &Config, args: DeadlineArgs) -> Result<()> {
    let engine =
        config.working_time(args.unit.unit.as_deref(), args.unit.office_hours.as_deref(), &args.unit.schedules)?;
    let received = parse_instant(&args.received, &engine)?;
    let limit = match (&args.working_days, &args.calendar_days) {
        (Some(days), _) => TimeLimit::WorkingDays(WorkingDays::new(parse_count(days, "--working-days")?)?),
        (None, Some(days)) => TimeLimit::CalendarDays {
            days: match TimeLimit::calendar_days(parse_count(days, "--calendar-days")?)? {
                TimeLimit::CalendarDays { days, .. } => days,
                _ => unreachable!("calendar_days builds CalendarDays"),
            },
            last_day: if args.keep_last_day { LastDayRule::KeepLastDay } else { LastDayRule::NextWorkingDay },
            ends_at: if args.end_of_day { DayEnd::Midnight } else { DayEnd::OfficeClose },
        },
        (None, None) => TimeLimit::SameDay,
    };
    println!("{}", format_instant(engine.due(received, limit)?, &engine));
    Ok(())
}

fn elapsed(config: &Config, from: &str, to: &str, unit: &UnitArgs) -> Result<()> {
    let engine = config.working_time(unit.unit.as_deref(), unit.office_hours.as_deref(), &unit.schedules)?;
    let seconds = engine.office_seconds_between(parse_instant(from, &engine)?, parse_instant(to, &engine)?)?;
    let sign = if seconds < 0 { "-" } else { "" };
    let magnitude = seconds.unsigned_abs();
    println!(
        "{sign}{}:{:02}:{:02} ({sign}{:.2} ngày làm việc / working days)",
        magnitude / 3600,
        magnitude % 3600 / 60,
        magnitude % 60,
        magnitude as f64 / engine.day_seconds() as f64
    );
    Ok(())
}

fn draft_schedule(config: &Config, year: &str) -> Result<()> {
    let year = parse_year(year)?;
    // The statutory computation alone, whatever official schedule exists.
    let rules = match &config.calendar.holiday_rules_file {
        Some(path) => calendar::HolidayRules::parse(
            &std::fs::read_to_string(path)
                .map_err(|error| InputError(format!("không đọc được / cannot read {}: {error}", path.display())))?,
            &path.display().to_string(),
        )?,
        None => calendar::HolidayRules::builtin(),
    };
    let statutory = CivilCalendar::new(&rules, &calendar::OfficialSchedule::default())?;
    let mut writer = csv::Writer::from_writer(std::io::stdout().lock());
    writer.write_record(["date", "kind", "name", "note", "source"])?;
    for day in statutory.special_days(year)? {
        writer.write_record([
            day.date.to_string().as_str(),
            day.kind.as_str(),
            day.name.as_str(),
            "draft from the statutory rules; check against the year's notice",
            "Labour Code 2019 Art. 111(3), 112",
        ])?;
    }
    writer.flush()?;
    Ok(())
}

fn check(files: &[PathBuf]) -> Result<()> {
    for path in files {
        let text = std::fs::read_to_string(path)
            .map_err(|error| InputError(format!("không đọc được / cannot read {}: {error}", path.display())))?;
        let label = path.display().to_string();
        let is_rules =
            text.lines().find(|line| !line.trim_start().starts_with('#')).is_some_and(|line| line.starts_with("id,"));
        if is_rules {
            let rules = calendar::HolidayRules::parse(&text, &label)?;
            println!("{label}: {} quy tắc ngày lễ hợp lệ / valid holiday rules", rules.rules().len());
        } else {
            let schedule = calendar::OfficialSchedule::parse(&text, &label)?;
            let years: Vec<String> = schedule.years().map(|year| year.to_string()).collect();
            println!("{label}: lịch chính thức hợp lệ cho năm / valid official schedule for {}", years.join(", "));
        }
    }
    Ok(())
}

const MONTH_NAMES_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// One-letter marks in the grid.
fn mark(kind: DayKind) -> char {
    match kind {
        DayKind::Holiday => 'L',
        DayKind::Compensatory => 'B',
        DayKind::SwappedOff => 'H',
        DayKind::MakeupWorkday => 'W',
        DayKind::Workday | DayKind::WeeklyRest => ' ',
    }
}

fn show(config: &Config, year: &str, schedules: &[PathBuf]) -> Result<()> {
    let year = parse_year(year)?;
    let calendar = config.civil_calendar(schedules)?;
    let mut out = String::new();
    let source = match calendar.year_source(year)? {
        YearSource::Official => "lịch chính thức của Chính phủ / official schedule",
        YearSource::Statutory => {
            "tính theo Bộ luật Lao động, chưa có thông báo chính thức (tạm tính) / statutory rules, provisional"
        }
    };
    writeln!(out, "LỊCH LÀM VIỆC NĂM {year} — CÁN BỘ, CÔNG CHỨC / {year} CIVIL-SERVICE WORKING CALENDAR")?;
    writeln!(out, "Nguồn / source: {source}")?;
    writeln!(out, "Số ngày làm việc / working days: {}", calendar.working_days_in_year(year)?)?;
    writeln!(
        out,
        "Ký hiệu / legend: L nghỉ lễ (holiday)  B nghỉ bù (compensatory)  H nghỉ hoán đổi (swapped off)  W làm bù (make-up working day)"
    )?;
    for quarter in 0..4 {
        let months: Vec<i8> = (1..=3).map(|index| (quarter * 3 + index) as i8).collect();
        let grids: Vec<Vec<String>> =
            months.iter().map(|&month| month_grid(&calendar, year, month)).collect::<Result<_>>()?;
        let height = grids.iter().map(Vec::len).max().unwrap_or(0);
        writeln!(out)?;
        for line in 0..height {
            let row: Vec<String> =
                grids.iter().map(|grid| format!("{:<30}", grid.get(line).map(String::as_str).unwrap_or(""))).collect();
            writeln!(out, "{}", row.join("  ").trim_end())?;
        }
        // The named days of these months, with their lunar dates.
        for special in calendar.special_days(year)?.iter().filter(|day| months.contains(&day.date.month())) {
            let lunar_date = lunar::to_lunar(special.date)?;
            writeln!(
                out,
                "  {:>2}/{:<2} {} {}  (âm lịch {}/{}{})",
                special.date.day(),
                special.date.month(),
                mark(special.kind),
                special.name,
                lunar_date.day,
                lunar_date.month,
                if lunar_date.leap { " nhuận" } else { "" }
            )?;
        }
    }
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(())
}

/// The lines of one month: title, weekday header, weeks (Monday first).
fn month_grid(calendar: &CivilCalendar, year: i16, month: i8) -> Result<Vec<String>> {
    let first = Date::new(year, month, 1)?;
    let mut lines = vec![
        format!("Tháng {month} / {} {year}", MONTH_NAMES_EN[(month - 1) as usize]),
        " T2  T3  T4  T5  T6  T7  CN".to_owned(),
    ];
    let mut line = "    ".repeat(usize::from(first.weekday().to_monday_zero_offset() as u8));
    let mut date = first;
    while date.month() == month {
        let (kind, _) = calendar.day(date)?;
        write!(line, "{:>3}{}", date.day(), mark(kind))?;
        if date.weekday() == jiff::civil::Weekday::Sunday {
            lines.push(std::mem::take(&mut line));
        }
        date = date.tomorrow()?;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    Ok(lines)
}
