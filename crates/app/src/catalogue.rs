//! The catalogue context as the application sees it: units and procedures as stored, and the
//! storage they are read from and imported into.

use std::collections::BTreeSet;

use async_trait::async_trait;
use domain::catalog::{Catalog, Procedure, UnitKind};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::StoreResult;

/// A unit as stored: the catalogue's unit with its surrogate id and structure dates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitRecord {
    /// Surrogate id (stable for a `(structure, code)` pair).
    pub id: i64,
    /// Structure id.
    pub structure: String,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: UnitKind,
    /// Parent unit id.
    pub parent_id: Option<i64>,
    /// Title of the head.
    pub head: String,
    /// First day of the structure.
    pub effective_from: Date,
    /// Last day of the structure.
    pub effective_to: Option<Date>,
}

/// What a catalogue import wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Structures inserted or updated.
    pub structures: usize,
    /// Units inserted or updated.
    pub units: usize,
    /// Procedure versions inserted or updated.
    pub procedures: usize,
}

/// Storage of the catalogue: units of each structure, procedures of each version.
#[async_trait]
pub trait CatalogueStore: Send + Sync {
    /// Structure ids already imported.
    async fn known_structures(&self) -> StoreResult<BTreeSet<String>>;
    /// Imports catalogue data in one transaction (upserting by structure/code/version).
    async fn import_catalog(&self, catalog: &Catalog) -> StoreResult<ImportReport>;
    /// The unit with this code in the structure in force on `on`.
    async fn find_unit(&self, code: &str, on: Date) -> StoreResult<Option<UnitRecord>>;
    /// A unit by id.
    async fn unit_by_id(&self, id: i64) -> StoreResult<Option<UnitRecord>>;
    /// Units of the structure in force on `on`.
    async fn list_units(&self, on: Date) -> StoreResult<Vec<UnitRecord>>;
    /// The procedure version in force on `on`.
    async fn procedure_on(&self, code: &str, on: Date) -> StoreResult<Option<Procedure>>;
    /// Procedures in force on `on`.
    async fn list_procedures(&self, on: Date) -> StoreResult<Vec<Procedure>>;
    /// One version of a procedure (the one a dossier was received under).
    async fn procedure_version(&self, code: &str, version: u32) -> StoreResult<Option<Procedure>>;

    /// `(id, parent_id)` of every unit of every structure (the access checks' tree).
    async fn unit_parents(&self) -> StoreResult<Vec<(i64, Option<i64>)>>;
}
