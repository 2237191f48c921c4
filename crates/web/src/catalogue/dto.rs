//! The JSON shapes of the catalogue: units, procedures, their steps and time limits.

use app::UnitRecord;
use domain::catalog::{Procedure, TimeLimitSpec};
use serde::Serialize;
use utoipa::ToSchema;

use crate::wire::enum_text;

/// A unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitDto {
    /// Id.
    pub id: i64,
    /// Structure id.
    pub structure: String,
    /// Code (printed in dossier codes).
    pub code: String,
    /// Name.
    pub name: String,
    /// city, department, district, commune, land_office, land_branch, service_centre.
    pub kind: String,
    /// Parent unit id.
    pub parent_id: Option<i64>,
    /// Title of the head.
    pub head: String,
}

impl From<&UnitRecord> for UnitDto {
    fn from(unit: &UnitRecord) -> UnitDto {
        UnitDto {
            id: unit.id,
            structure: unit.structure.clone(),
            code: unit.code.clone(),
            name: unit.name.clone(),
            kind: enum_text(&unit.kind),
            parent_id: unit.parent_id,
            head: unit.head.clone(),
        }
    }
}

/// A legal time limit.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimeLimitDto {
    /// working_days, calendar_days or same_day.
    pub kind: String,
    /// N for working and calendar days.
    pub value: Option<u16>,
}

/// A workflow step.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepDto {
    /// Name.
    pub name: String,
    /// Role.
    pub role: String,
    /// Unit.
    pub unit: String,
    /// Budget in working hours.
    pub budget_hours: f64,
}

/// A procedure version.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProcedureDto {
    /// Code.
    pub code: String,
    /// Version.
    pub version: u32,
    /// Name.
    pub name: String,
    /// Field.
    pub field: String,
    /// commune, province or both.
    pub level: String,
    /// Legal time limit.
    pub time_limit: TimeLimitDto,
    /// Fee in VND when fixed centrally.
    pub fee_vnd: Option<i64>,
    /// Fee note.
    pub fee_note: Option<String>,
    /// full or partial.
    pub online: String,
    /// Required documents.
    pub documents: Vec<String>,
    /// Legal basis.
    pub legal_basis: String,
    /// Source.
    pub source: String,
    /// First day in force.
    pub effective_from: String,
    /// Last day in force.
    pub effective_to: Option<String>,
    /// Workflow.
    pub steps: Vec<StepDto>,
}

impl From<&Procedure> for ProcedureDto {
    fn from(procedure: &Procedure) -> ProcedureDto {
        let (kind, value) = match procedure.time_limit {
            TimeLimitSpec::WorkingDays { value } => ("working_days", Some(value)),
            TimeLimitSpec::CalendarDays { value } => ("calendar_days", Some(value)),
            TimeLimitSpec::SameDay => ("same_day", None),
        };
        ProcedureDto {
            code: procedure.code.to_string(),
            version: procedure.version,
            name: procedure.name.clone(),
            field: procedure.field.clone(),
            level: enum_text(&procedure.level),
            time_limit: TimeLimitDto { kind: kind.to_owned(), value },
            fee_vnd: procedure.fee_vnd,
            fee_note: procedure.fee_note.clone(),
            online: enum_text(&procedure.online),
            documents: procedure.documents.clone(),
            legal_basis: procedure.legal_basis.clone(),
            source: procedure.source.clone(),
            effective_from: procedure.effective_from.to_string(),
            effective_to: procedure.effective_to.map(|date| date.to_string()),
            steps: procedure
                .steps
                .iter()
                .map(|step| StepDto {
                    name: step.name.clone(),
                    role: enum_text(&step.role),
                    unit: enum_text(&step.unit),
                    budget_hours: step.budget_hours,
                })
                .collect(),
        }
    }
}
