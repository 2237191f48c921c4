//! The catalogue and the organisation as versioned data (format: `docs/catalog-format.md`).
//!
//! Parsing checks everything (codes, references, dates, budgets) before returning, so a caller
//! that writes only a successfully parsed [`Catalog`] never half-imports a file.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use calendar::{TimeLimit, WorkingDays};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// A unit, procedure or structure code: ASCII letters, digits, `.` and `-`, 1..=40 characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Code(String);

impl Code {
    /// Parses a code.
    pub fn parse(text: &str) -> Result<Code, String> {
        let valid = !text.is_empty()
            && text.len() <= 40
            && text.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'.' || byte == b'-');
        if valid {
            Ok(Code(text.to_owned()))
        } else {
            Err(format!(
                "mã không hợp lệ / invalid code {text:?}: 1–40 ký tự chữ, số, '.', '-' / 1–40 letters, digits, '.', '-'"
            ))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Code {
    type Error = String;
    fn try_from(text: String) -> Result<Code, String> {
        Code::parse(&text)
    }
}

impl From<Code> for String {
    fn from(code: Code) -> String {
        code.0
    }
}

impl fmt::Display for Code {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// What kind of unit it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// The city (province-level).
    City,
    /// A department or specialised agency of the People's Committee.
    Department,
    /// A district-level unit (quận, huyện, thành phố thuộc thành phố); abolished 1 July 2025.
    District,
    /// A commune-level unit (phường, xã, thị trấn, đặc khu).
    Commune,
    /// The Land Registration Office.
    LandOffice,
    /// A land registration branch.
    LandBranch,
    /// A public administration service centre.
    ServiceCentre,
}

impl UnitKind {
    /// Every kind, in declaration order.
    pub const ALL: [UnitKind; 7] = [
        UnitKind::City,
        UnitKind::Department,
        UnitKind::District,
        UnitKind::Commune,
        UnitKind::LandOffice,
        UnitKind::LandBranch,
        UnitKind::ServiceCentre,
    ];

    /// The stored and serialised name (`snake_case`, as serde writes it).
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::City => "city",
            UnitKind::Department => "department",
            UnitKind::District => "district",
            UnitKind::Commune => "commune",
            UnitKind::LandOffice => "land_office",
            UnitKind::LandBranch => "land_branch",
            UnitKind::ServiceCentre => "service_centre",
        }
    }

    /// The kind of a stored name.
    pub fn parse(text: &str) -> Option<UnitKind> {
        UnitKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// A version of the organisation tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Structure {
    /// Identifier.
    pub id: Code,
    /// Name.
    pub name: String,
    /// First day it applies.
    pub effective_from: Date,
    /// Last day it applies.
    pub effective_to: Option<Date>,
    /// Source.
    pub source: String,
}

/// A unit of the organisation in one structure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    /// The structure it belongs to.
    pub structure: Code,
    /// Code, unique in the structure; printed in dossier codes.
    pub code: Code,
    /// Name (NFC).
    pub name: String,
    /// Kind.
    pub kind: UnitKind,
    /// Vietnamese sub-kind (ward, commune, urban_district, ...).
    pub local_kind: Option<String>,
    /// Parent unit code in the same structure; none for the city.
    pub parent: Option<Code>,
    /// Title of the head (never a person's name).
    pub head: String,
    /// Source.
    pub source: String,
    /// Note.
    pub note: Option<String>,
}

/// Where a procedure is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Commune level.
    Commune,
    /// Province (city) level.
    Province,
    /// Both.
    Both,
}

/// The legal time limit of a procedure as written in the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TimeLimitSpec {
    /// N working days.
    WorkingDays {
        /// N.
        value: u16,
    },
    /// N calendar days.
    CalendarDays {
        /// N.
        value: u16,
    },
    /// Same day with the 15:00 cut-off.
    SameDay,
}

impl TimeLimitSpec {
    /// The calendar engine's time limit.
    pub fn to_time_limit(self) -> Result<TimeLimit, calendar::CalendarError> {
        match self {
            TimeLimitSpec::WorkingDays { value } => Ok(TimeLimit::WorkingDays(WorkingDays::new(i64::from(value))?)),
            TimeLimitSpec::CalendarDays { value } => TimeLimit::calendar_days(i64::from(value)),
            TimeLimitSpec::SameDay => Ok(TimeLimit::SameDay),
        }
    }

    /// The most working hours the internal workflow may budget.
    pub fn budget_ceiling_hours(self) -> f64 {
        match self {
            TimeLimitSpec::WorkingDays { value } => f64::from(value) * 8.0,
            TimeLimitSpec::CalendarDays { value } => f64::from(value) * 8.0 * 5.0 / 7.0,
            TimeLimitSpec::SameDay => 8.0,
        }
    }
}

/// Online service level (Decree 42/2022 as summarised in vn-admin-rules.md rule 40).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnlineLevel {
    /// Submission, payment and result all online.
    Full,
    /// Otherwise.
    Partial,
}

/// Who performs a workflow step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// One-stop desk officer.
    DeskOfficer,
    /// Processing officer (chuyên viên).
    ProcessingOfficer,
    /// Head of the unit.
    UnitHead,
    /// City leader.
    CityLeader,
}

/// Which unit performs a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepUnit {
    /// The unit that received the dossier.
    Receiving,
    /// The unit competent to decide.
    Competent,
    /// A land registration branch.
    LandBranch,
    /// A department.
    Department,
}

/// One step of a procedure's internal workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Name.
    pub name: String,
    /// Role that performs it.
    pub role: Role,
    /// Unit that performs it.
    pub unit: StepUnit,
    /// Time budget in working hours.
    pub budget_hours: f64,
}

impl Step {
    /// The budget in office seconds.
    pub fn budget_seconds(&self) -> i64 {
        (self.budget_hours * 3600.0).round() as i64
    }
}

/// How sure the time limit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceStatus {
    /// Read in the legal text.
    Confirmed,
    /// Read in the national portal's record.
    Portal,
    /// Not confirmed.
    Unconfirmed,
}

/// A version of an administrative procedure.
///
/// Invariants (checked by [`parse_catalog`]): at least one step; budgets sum to no more than the
/// legal limit; at least one required document; `effective_from <= effective_to`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Procedure {
    /// National TTHC code or a local `HCM-...` code.
    pub code: Code,
    /// Version; dossiers keep the version they were received under.
    pub version: u32,
    /// Name.
    pub name: String,
    /// Field (lĩnh vực).
    pub field: String,
    /// Level.
    pub level: Level,
    /// Legal time limit.
    pub time_limit: TimeLimitSpec,
    /// Fee in VND, when fixed centrally.
    pub fee_vnd: Option<i64>,
    /// Fee note.
    pub fee_note: Option<String>,
    /// Online level.
    pub online: OnlineLevel,
    /// Required documents.
    pub documents: Vec<String>,
    /// Legal basis.
    pub legal_basis: String,
    /// Source.
    pub source: String,
    /// First day it applies.
    pub effective_from: Date,
    /// Last day it applies.
    pub effective_to: Option<Date>,
    /// How sure the time limit is.
    pub status: SourceStatus,
    /// Note.
    pub note: Option<String>,
    /// Internal workflow.
    pub steps: Vec<Step>,
}

impl Procedure {
    /// Whether this version applies on a date.
    pub fn applies_on(&self, date: Date) -> bool {
        date >= self.effective_from && self.effective_to.is_none_or(|to| date <= to)
    }
}

/// A parsed, validated catalogue file (or several merged).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// Structures.
    pub structures: Vec<Structure>,
    /// Units.
    pub units: Vec<Unit>,
    /// Procedures.
    pub procedures: Vec<Procedure>,
}

/// A catalogue error with its place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct CatalogError {
    /// File label.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// What is wrong (Vietnamese / English).
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    format: String,
    #[serde(default)]
    structures: Vec<toml::Spanned<RawStructure>>,
    #[serde(default)]
    units: Vec<toml::Spanned<RawUnit>>,
    #[serde(default)]
    procedures: Vec<toml::Spanned<RawProcedure>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStructure {
    id: String,
    name: String,
    effective_from: String,
    effective_to: Option<String>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnit {
    structure: String,
    code: String,
    name: String,
    kind: UnitKind,
    local_kind: Option<String>,
    parent: Option<String>,
    head: String,
    source: String,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProcedure {
    code: String,
    version: u32,
    name: String,
    field: String,
    level: Level,
    time_limit: TimeLimitSpec,
    fee_vnd: Option<i64>,
    fee_note: Option<String>,
    online: OnlineLevel,
    documents: Vec<String>,
    legal_basis: String,
    source: String,
    effective_from: String,
    effective_to: Option<String>,
    status: SourceStatus,
    note: Option<String>,
    #[serde(default)]
    steps: Vec<Step>,
}

/// Unicode NFC, trimmed.
pub fn normalize_text(text: &str) -> String {
    text.trim().nfc().collect()
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&byte| byte == b'\n').count() + 1
}

fn parse_date(text: &str, name: &str) -> Result<Date, String> {
    let valid = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
    text.parse::<Date>()
        .ok()
        .filter(|_| valid)
        .ok_or_else(|| format!("{name} không phải ngày YYYY-MM-DD / {name} is not a YYYY-MM-DD date: {text:?}"))
}

fn required(text: &str, name: &str) -> Result<String, String> {
    let text = normalize_text(text);
    if text.is_empty() {
        return Err(format!("thiếu {name} / {name} is required"));
    }
    Ok(text)
}

fn optional(text: Option<&str>) -> Option<String> {
    text.map(normalize_text).filter(|text| !text.is_empty())
}

/// Parses and validates one catalogue file. `known_structures` are structure ids already in the
/// database (a units file may refer to them).
pub fn parse_catalog(text: &str, file: &str, known_structures: &BTreeSet<String>) -> Result<Catalog, CatalogError> {
    let error = |line: usize, message: String| CatalogError { file: file.to_owned(), line, message };
    let raw: RawCatalog = toml::from_str(text).map_err(|parse_error| {
        let line = parse_error.span().map(|span| line_of(text, span.start)).unwrap_or(1);
        let message = parse_error.message().to_owned();
        error(line, format!("TOML không hợp lệ / invalid TOML: {message}"))
    })?;
    if raw.format != "motcua-catalog/1" {
        return Err(error(
            1,
            format!("format phải là \"motcua-catalog/1\" / format must be \"motcua-catalog/1\", not {:?}", raw.format),
        ));
    }
    let mut catalog = Catalog::default();
    let mut structure_ids: BTreeSet<String> = known_structures.clone();
    for spanned in &raw.structures {
        let line = line_of(text, spanned.span().start);
        let structure = build_structure(spanned.get_ref()).map_err(|message| error(line, message))?;
        if !structure_ids.insert(structure.id.to_string()) && !known_structures.contains(structure.id.as_str()) {
            return Err(error(
                line,
                format!("cơ cấu {} bị trùng / duplicate structure {}", structure.id, structure.id),
            ));
        }
        catalog.structures.push(structure);
    }
    let mut unit_codes: BTreeMap<(String, String), usize> = BTreeMap::new();
    for spanned in &raw.units {
        let line = line_of(text, spanned.span().start);
        let unit = build_unit(spanned.get_ref()).map_err(|message| error(line, message))?;
        if !structure_ids.contains(unit.structure.as_str()) {
            return Err(error(
                line,
                format!("cơ cấu {} chưa khai báo / unknown structure {}", unit.structure, unit.structure),
            ));
        }
        if let Some(first) = unit_codes.insert((unit.structure.to_string(), unit.code.to_string()), line) {
            return Err(error(
                line,
                format!("đơn vị {} trùng với dòng {first} / unit {} duplicates line {first}", unit.code, unit.code),
            ));
        }
        catalog.units.push(unit);
    }
    // Parents must exist in the same structure (within this file) and the tree must be acyclic.
    for (spanned, unit) in raw.units.iter().zip(&catalog.units) {
        let line = line_of(text, spanned.span().start);
        match (&unit.parent, unit.kind) {
            (None, UnitKind::City) => {}
            (None, _) => {
                return Err(error(
                    line,
                    format!("đơn vị {} thiếu đơn vị cấp trên / unit {} needs a parent", unit.code, unit.code),
                ));
            }
            (Some(parent), _) => {
                if !unit_codes.contains_key(&(unit.structure.to_string(), parent.to_string())) {
                    return Err(error(
                        line,
                        format!(
                            "không có đơn vị cấp trên {parent} trong cơ cấu {} / parent {parent} not found in structure {}",
                            unit.structure, unit.structure
                        ),
                    ));
                }
            }
        }
    }
    check_acyclic(&catalog.units).map_err(|code| {
        let line = raw
            .units
            .iter()
            .zip(&catalog.units)
            .find(|(_, unit)| unit.code.as_str() == code)
            .map(|(spanned, _)| line_of(text, spanned.span().start))
            .unwrap_or(1);
        error(line, format!("cây đơn vị có vòng lặp tại {code} / the unit tree has a cycle at {code}"))
    })?;
    let mut procedure_keys: BTreeMap<(String, u32), usize> = BTreeMap::new();
    for spanned in &raw.procedures {
        let line = line_of(text, spanned.span().start);
        let procedure = build_procedure(spanned.get_ref()).map_err(|message| error(line, message))?;
        if let Some(first) = procedure_keys.insert((procedure.code.to_string(), procedure.version), line) {
            return Err(error(
                line,
                format!(
                    "thủ tục {} phiên bản {} trùng với dòng {first} / procedure {} version {} duplicates line {first}",
                    procedure.code, procedure.version, procedure.code, procedure.version
                ),
            ));
        }
        catalog.procedures.push(procedure);
    }
    Ok(catalog)
}

fn check_acyclic(units: &[Unit]) -> Result<(), String> {
    let parents: BTreeMap<(&str, &str), &str> = units
        .iter()
        .filter_map(|unit| {
            unit.parent.as_ref().map(|parent| ((unit.structure.as_str(), unit.code.as_str()), parent.as_str()))
        })
        .collect();
    for unit in units {
        let mut current = unit.code.as_str();
        for _ in 0..=units.len() {
            match parents.get(&(unit.structure.as_str(), current)) {
                Some(parent) => current = parent,
                None => break,
            }
            if current == unit.code.as_str() {
                return Err(unit.code.to_string());
            }
        }
    }
    Ok(())
}

fn build_structure(raw: &RawStructure) -> Result<Structure, String> {
    let effective_from = parse_date(&raw.effective_from, "effective_from")?;
    let effective_to = raw.effective_to.as_deref().map(|text| parse_date(text, "effective_to")).transpose()?;
    if effective_to.is_some_and(|to| to < effective_from) {
        return Err("effective_to trước effective_from / effective_to is before effective_from".to_owned());
    }
    Ok(Structure {
        id: Code::parse(&raw.id)?,
        name: required(&raw.name, "name")?,
        effective_from,
        effective_to,
        source: required(&raw.source, "source")?,
    })
}

fn build_unit(raw: &RawUnit) -> Result<Unit, String> {
    Ok(Unit {
        structure: Code::parse(&raw.structure)?,
        code: Code::parse(&raw.code)?,
        name: required(&raw.name, "name")?,
        kind: raw.kind,
        local_kind: optional(raw.local_kind.as_deref()),
        parent: raw.parent.as_deref().map(Code::parse).transpose()?,
        head: required(&raw.head, "head")?,
        source: required(&raw.source, "source")?,
        note: optional(raw.note.as_deref()),
    })
}

fn build_procedure(raw: &RawProcedure) -> Result<Procedure, String> {
    let code = Code::parse(&raw.code)?;
    if raw.version == 0 {
        return Err("version phải từ 1 / version must be at least 1".to_owned());
    }
    raw.time_limit.to_time_limit().map_err(|error| error.to_string())?;
    let documents: Vec<String> =
        raw.documents.iter().map(|document| normalize_text(document)).filter(|document| !document.is_empty()).collect();
    if documents.is_empty() {
        return Err(format!(
            "thủ tục {code} cần ít nhất một thành phần hồ sơ / procedure {code} needs at least one required document"
        ));
    }
    if raw.steps.is_empty() {
        return Err(format!("thủ tục {code} cần quy trình nội bộ / procedure {code} needs workflow steps"));
    }
    let mut steps = Vec::with_capacity(raw.steps.len());
    for step in &raw.steps {
        if step.budget_hours.is_nan() || step.budget_hours <= 0.0 || !step.budget_hours.is_finite() {
            return Err(format!("bước {:?}: budget_hours phải dương / budget_hours must be positive", step.name));
        }
        steps.push(Step { name: required(&step.name, "steps.name")?, ..step.clone() });
    }
    let total: f64 = steps.iter().map(|step| step.budget_hours).sum();
    let ceiling = raw.time_limit.budget_ceiling_hours();
    if total > ceiling + 1e-9 {
        return Err(format!(
            "thủ tục {code}: tổng thời gian các bước {total} giờ vượt thời hạn {ceiling} giờ / the steps' budgets ({total} h) exceed the legal limit ({ceiling} h)"
        ));
    }
    if let Some(fee) = raw.fee_vnd
        && fee < 0
    {
        return Err(format!("fee_vnd âm / negative fee_vnd {fee}"));
    }
    let effective_from = parse_date(&raw.effective_from, "effective_from")?;
    let effective_to = raw.effective_to.as_deref().map(|text| parse_date(text, "effective_to")).transpose()?;
    if effective_to.is_some_and(|to| to < effective_from) {
        return Err("effective_to trước effective_from / effective_to is before effective_from".to_owned());
    }
    Ok(Procedure {
        code,
        version: raw.version,
        name: required(&raw.name, "name")?,
        field: required(&raw.field, "field")?,
        level: raw.level,
        time_limit: raw.time_limit,
        fee_vnd: raw.fee_vnd,
        fee_note: optional(raw.fee_note.as_deref()),
        online: raw.online,
        documents,
        legal_basis: required(&raw.legal_basis, "legal_basis")?,
        source: required(&raw.source, "source")?,
        effective_from,
        effective_to,
        status: raw.status,
        note: optional(raw.note.as_deref()),
        steps,
    })
}
