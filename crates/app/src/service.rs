//! The application service: runs domain commands through a [`Store`] with an explicit actor and
//! instant. Handlers (HTTP, CLI, simulation) call these functions and nothing lower. This module
//! holds the service value and what every context shares (access checks, the deadline engines);
//! each context adds its commands and queries in its own module (`impl Service` there).

use std::sync::Arc;

use calendar::WorkingTime;

use crate::access::{Action, Actor, UnitTree};
use crate::prelude::*;
use crate::{StoreError, StoreResult};

pub use crate::stored::stored_precision;

pub use crate::audit::AuditReport;
pub use crate::documents::issuer::{FormIssuer, IssueRequest};
pub use crate::dossiers::{SubmitRequest, action_of};
pub use crate::statistics::{Increment, add_increments, increments, unit_daily_increments};

pub(crate) fn denied(actor: &Actor, action: Action, what: &str) -> StoreError {
    StoreError::Forbidden(format!(
        "tài khoản {} không có quyền {} đối với {what} / account {} may not {} on {what}",
        actor.name,
        action.as_str(),
        actor.name,
        action.as_str()
    ))
}

/// Commands and queries over a store.
#[derive(Clone)]
pub struct Service {
    pub(crate) store: Arc<dyn Store>,
    /// Where public look-ups and statistics read (a streaming replica), else `store`.
    pub(crate) reads: Option<Arc<dyn Store>>,
    pub(crate) engine: Arc<WorkingTime>,
    /// Units with their own office hours, by unit code; others use `engine`.
    pub(crate) unit_engines: Arc<std::collections::HashMap<String, Arc<WorkingTime>>>,
    /// The key receipt secrets are derived from (kept in the database, loaded once).
    pub(crate) receipt_key: Arc<tokio::sync::OnceCell<Vec<u8>>>,
    /// Writes done through this service (a statistics cache knows it is stale when it moved).
    pub(crate) generation: Arc<std::sync::atomic::AtomicU64>,
    /// The unit tree access is checked against (loaded on first use, reloaded when a unit is
    /// missing from it: units are only ever added).
    pub(crate) tree: Arc<tokio::sync::RwLock<Arc<UnitTree>>>,
    /// Renders and signs the forms transitions issue; none issued when `None`.
    pub(crate) issuer: Option<Arc<dyn FormIssuer>>,
}

pub(crate) fn not_found(what: String) -> StoreError {
    StoreError::NotFound(what)
}

impl Service {
    /// A service over a store with one deadline engine (the city's office hours).
    pub fn new(store: Arc<dyn Store>, engine: Arc<WorkingTime>) -> Service {
        Service::with_unit_engines(store, engine, std::collections::HashMap::new())
    }

    /// The same, with units that keep their own office hours (by unit code): a dossier's deadlines
    /// are counted in its receiving unit's hours.
    pub fn with_unit_engines(
        store: Arc<dyn Store>,
        engine: Arc<WorkingTime>,
        unit_engines: std::collections::HashMap<String, Arc<WorkingTime>>,
    ) -> Service {
        Service {
            store,
            reads: None,
            engine,
            unit_engines: Arc::new(unit_engines),
            receipt_key: Arc::new(tokio::sync::OnceCell::new()),
            tree: Arc::new(tokio::sync::RwLock::new(Arc::new(UnitTree::default()))),
            generation: Arc::new(std::sync::atomic::AtomicU64::new(0)),
            issuer: None,
        }
    }

    /// The same service, issuing the forms transitions produce (receipt, supplement request,
    /// refusal, apology) through `issuer`, each stored with its transition's event.
    pub fn with_issuer(mut self, issuer: Arc<dyn FormIssuer>) -> Service {
        self.issuer = Some(issuer);
        self
    }

    /// Whether forms are issued.
    pub fn issues_forms(&self) -> bool {
        self.issuer.is_some()
    }

    /// The same service, reading public look-ups and statistics from `reads` (a read-only
    /// streaming replica of the store; it may lag by moments, which those readers tolerate).
    /// Staff reads, writes, sessions and the receipt key stay on the primary store.
    pub fn with_reads(mut self, reads: Arc<dyn Store>) -> Service {
        self.reads = Some(reads);
        self
    }

    /// Where public look-ups and statistics read: the replica if one was given, else the store.
    pub fn reads(&self) -> &Arc<dyn Store> {
        self.reads.as_ref().unwrap_or(&self.store)
    }

    /// How many writes this service (this process) has done: it moves after every submission
    /// and transition.
    pub fn write_generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    pub(crate) fn wrote<T>(&self, result: StoreResult<T>) -> StoreResult<T> {
        if result.is_ok() {
            self.generation.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        }
        result
    }

    /// The unit tree, reloaded from the store if any of `units` is missing from it.
    pub async fn unit_tree(&self, units: &[i64]) -> StoreResult<Arc<UnitTree>> {
        {
            let tree = self.tree.read().await;
            if units.iter().all(|unit| tree.contains(*unit)) {
                return Ok(tree.clone());
            }
        }
        let fresh = Arc::new(UnitTree::new(self.store.unit_parents().await?));
        *self.tree.write().await = fresh.clone();
        Ok(fresh)
    }

    /// Checks that `actor` may do `action` on something of one of `units` (any of them).
    pub async fn authorize(&self, actor: &Actor, action: Action, units: &[i64], what: &str) -> StoreResult<()> {
        if actor.is_system() {
            return Ok(());
        }
        let tree = self.unit_tree(units).await?;
        if units.iter().any(|unit| actor.may(&tree, action, *unit)) { Ok(()) } else { Err(denied(actor, action, what)) }
    }

    /// The deadline engine of a receiving unit.
    pub fn engine_for(&self, unit_code: &str) -> &WorkingTime {
        self.unit_engines.get(unit_code).map(Arc::as_ref).unwrap_or(&self.engine)
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The deadline engine.
    pub fn engine(&self) -> &WorkingTime {
        &self.engine
    }
}
