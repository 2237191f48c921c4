//! The typed configuration, read from a TOML file (`--config FILE` or `MOTCUA_CONFIG`).
//!
//! ```toml
//! [calendar]
//! # Added after the built-in 2022–2026 schedule; a year in these files replaces that year.
//! schedule_files = ["/etc/motcua/official-days-2027.csv"]
//! # Replaces the built-in statutory holiday rules (copy data/calendar/holiday-rules.csv).
//! holiday_rules_file = "/etc/motcua/holiday-rules.csv"
//!
//! [office_hours]               # the default for every unit
//! intervals = "07:30-11:30,13:00-17:00"
//! weekdays = ["mon", "tue", "wed", "thu", "fri"]
//! same_day_cutoff = "15:00"
//! time_zone = "Asia/Ho_Chi_Minh"
//!
//! [units."000.00.31.H29".office_hours]   # a unit with its own hours (any field may be left out)
//! intervals = "07:00-11:00,13:30-17:30"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use calendar::{CivilCalendar, HolidayRules, OfficeHours, OfficialSchedule, WorkingTime};
use serde::Deserialize;

use crate::input::InputError;

/// The whole configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the calendar data comes from.
    #[serde(default)]
    pub calendar: CalendarConfig,
    /// Default office hours.
    #[serde(default)]
    pub office_hours: OfficeHoursConfig,
    /// Per-unit settings, keyed by unit code.
    #[serde(default)]
    pub units: BTreeMap<String, UnitConfig>,
    /// The forms transitions issue and the keys they are signed with.
    #[serde(default)]
    pub documents: DocumentsConfig,
}

/// `[documents]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentsConfig {
    /// The signing keys: `DIR/<unit code>/` or, for units without their own, `DIR/` itself, each
    /// with `person.p12`, `agency.p12` and `password.txt` (what `motcua pki init` writes). When
    /// set, `serve` issues the one-stop forms; `DIR/ca.pem`, if present, is trusted.
    pub keys_dir: Option<PathBuf>,
    /// More trust anchors (PEM files) for `/xac-thuc` and `/api/v1/public/verify`.
    #[serde(default)]
    pub trust_anchors: Vec<PathBuf>,
    /// The phone printed on supplement requests (default the city's 1022 switchboard).
    pub contact_phone: Option<String>,
}

/// `[calendar]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarConfig {
    /// Official schedule files added after the built-in one.
    #[serde(default)]
    pub schedule_files: Vec<PathBuf>,
    /// A rules file replacing the built-in statutory rules.
    pub holiday_rules_file: Option<PathBuf>,
}

/// `[office_hours]` or `[units.X.office_hours]`; missing fields fall back to the default.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficeHoursConfig {
    /// `HH:MM-HH:MM` intervals separated by commas.
    pub intervals: Option<String>,
    /// Weekdays the unit works: `mon`..`sun`.
    pub weekdays: Option<Vec<String>>,
    /// Same-day cut-off, `HH:MM`.
    pub same_day_cutoff: Option<String>,
    /// IANA time zone.
    pub time_zone: Option<String>,
}

/// `[units.X]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitConfig {
    /// The unit's office hours.
    #[serde(default)]
    pub office_hours: OfficeHoursConfig,
}

impl Config {
    /// Reads the configuration file, if one is given.
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let Some(path) = path else {
            return Ok(Config::default());
        };
        let text = std::fs::read_to_string(path).map_err(|error| {
            InputError(format!(
                "không đọc được tệp cấu hình / cannot read the configuration file {}: {error}",
                path.display()
            ))
        })?;
        let config = toml::from_str(&text).map_err(|error| {
            InputError(format!(
                "{}: cấu hình không hợp lệ / invalid configuration: {}",
                path.display(),
                error.to_string().lines().map(str::trim).filter(|line| !line.is_empty()).collect::<Vec<_>>().join(" ")
            ))
        })?;
        Ok(config)
    }

    /// The civil-service calendar: built-in data plus the configured files and `extra_schedules`.
    pub fn civil_calendar(&self, extra_schedules: &[PathBuf]) -> Result<CivilCalendar> {
        let rules = match &self.calendar.holiday_rules_file {
            Some(path) => HolidayRules::parse(&read_data_file(path)?, &path.display().to_string())?,
            None => HolidayRules::builtin(),
        };
        let mut schedule = OfficialSchedule::builtin();
        for path in self.calendar.schedule_files.iter().chain(extra_schedules) {
            schedule.merge(OfficialSchedule::parse(&read_data_file(path)?, &path.display().to_string())?);
        }
        Ok(CivilCalendar::new(&rules, &schedule)?)
    }

    /// The form issuer the configuration asks for: keys from `[documents] keys_dir`, or the
    /// demo's in-memory CA when `demo` and none is configured; `None` when forms are not issued.
    pub fn issuer(&self, demo: bool) -> Result<Option<issuance::Issuer>> {
        let settings = &self.documents;
        let mut issuer = match (&settings.keys_dir, demo) {
            (Some(directory), _) => issuance::Issuer::from_directory(directory).map_err(|error| InputError(error.0))?,
            (None, true) => issuance::Issuer::demo(jiff::Timestamp::now()).map_err(|error| InputError(error.0))?,
            (None, false) => return Ok(None),
        };
        for path in &settings.trust_anchors {
            issuer.add_trust_anchors(&read_data_file(path)?.into_bytes()).map_err(|error| {
                InputError(format!(
                    "{}: chứng thư tin cậy không đọc được / unusable trust anchor: {}",
                    path.display(),
                    error.0
                ))
            })?;
        }
        if let Some(phone) = &settings.contact_phone {
            issuer.set_contact_phone(phone);
        }
        Ok(Some(issuer))
    }

    /// What `/xac-thuc` trusts without an issuer: the configured trust anchors.
    pub fn verify_options(&self) -> Result<signing::VerifyOptions> {
        let mut options = signing::VerifyOptions::new();
        for path in &self.documents.trust_anchors {
            options.add_trust_anchors(&read_data_file(path)?.into_bytes()).map_err(|error| {
                InputError(format!(
                    "{}: chứng thư tin cậy không đọc được / unusable trust anchor: {error}",
                    path.display()
                ))
            })?;
        }
        Ok(options)
    }

    /// The office hours of a unit (or the default), with `intervals_override` from the command line.
    pub fn office_hours(&self, unit: Option<&str>, intervals_override: Option<&str>) -> Result<OfficeHours> {
        let mut merged = self.office_hours.clone();
        if let Some(code) = unit {
            let Some(unit_config) = self.units.get(code) else {
                return Err(InputError(format!(
                    "không có cấu hình cho đơn vị {code:?} / no configuration for unit {code:?}"
                ))
                .into());
            };
            let own = &unit_config.office_hours;
            merged.intervals = own.intervals.clone().or(merged.intervals);
            merged.weekdays = own.weekdays.clone().or(merged.weekdays);
            merged.same_day_cutoff = own.same_day_cutoff.clone().or(merged.same_day_cutoff);
            merged.time_zone = own.time_zone.clone().or(merged.time_zone);
        }
        if let Some(intervals) = intervals_override {
            merged.intervals = Some(intervals.to_owned());
        }
        build_office_hours(&merged)
    }

    /// The deadline engine for a unit.
    pub fn working_time(
        &self,
        unit: Option<&str>,
        intervals_override: Option<&str>,
        extra_schedules: &[PathBuf],
    ) -> Result<WorkingTime> {
        let calendar = self.civil_calendar(extra_schedules)?;
        Ok(WorkingTime::new(&calendar, self.office_hours(unit, intervals_override)?)?)
    }
}

fn build_office_hours(config: &OfficeHoursConfig) -> Result<OfficeHours> {
    let defaults = OfficeHours::hcmc();
    if config.intervals.is_none()
        && config.weekdays.is_none()
        && config.same_day_cutoff.is_none()
        && config.time_zone.is_none()
    {
        return Ok(defaults);
    }
    let intervals = OfficeHours::parse_intervals(config.intervals.as_deref().unwrap_or("07:30-11:30,13:00-17:00"))?;
    let weekday_names: Vec<String> =
        config.weekdays.clone().unwrap_or_else(|| ["mon", "tue", "wed", "thu", "fri"].map(str::to_owned).to_vec());
    let mut weekdays = Vec::with_capacity(weekday_names.len());
    for name in &weekday_names {
        let weekday = calendar::parse_weekday(name)
            .ok_or_else(|| InputError(format!("thứ không hợp lệ / unknown weekday {name:?} (mon..sun)")))?;
        weekdays.push(weekday);
    }
    let cutoff_text = config.same_day_cutoff.as_deref().unwrap_or("15:00");
    let cutoff = cutoff_text
        .parse::<jiff::civil::Time>()
        .map_err(|_| InputError(format!("giờ chốt không hợp lệ / invalid same_day_cutoff {cutoff_text:?} (HH:MM)")))?;
    Ok(OfficeHours::new(&intervals, &weekdays, cutoff, config.time_zone.as_deref().unwrap_or("Asia/Ho_Chi_Minh"))?)
}

fn read_data_file(path: &Path) -> Result<String> {
    std::fs::read_to_string(path)
        .map_err(|error| InputError(format!("không đọc được tệp / cannot read {}: {error}", path.display())).into())
}
