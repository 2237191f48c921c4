//! Who may do what: roles granted on a unit cover that unit's subtree, and the policy is one
//! table from (role, action, relation between the actor's unit and the target's unit) to allowed
//! or denied. The service checks it on every command and query that touches a dossier; the web
//! layer only finds out who the actor is.

use std::collections::HashMap;
use std::sync::Arc;

/// A role. Granted on a unit; covers the unit and everything under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Cán bộ một cửa: receives dossiers at the desk and returns results.
    DeskOfficer,
    /// Chuyên viên xử lý: handles the workflow steps.
    ProcessingOfficer,
    /// Thủ trưởng đơn vị: decides and signs for their own unit.
    UnitHead,
    /// Lãnh đạo thành phố: sees every statistic.
    CityLeader,
    /// Thanh tra: reads, never changes.
    Inspector,
    /// Quản trị: manages accounts; no access to dossiers.
    Administrator,
    /// Tích hợp: a system (the national portal adapter) submitting and following dossiers.
    Integrator,
}

impl Role {
    /// Every role, in the order of the access matrix.
    pub const ALL: [Role; 7] = [
        Role::DeskOfficer,
        Role::ProcessingOfficer,
        Role::UnitHead,
        Role::CityLeader,
        Role::Inspector,
        Role::Administrator,
        Role::Integrator,
    ];

    /// Its stable name (CLI, API, database).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::DeskOfficer => "desk_officer",
            Role::ProcessingOfficer => "processing_officer",
            Role::UnitHead => "unit_head",
            Role::CityLeader => "city_leader",
            Role::Inspector => "inspector",
            Role::Administrator => "administrator",
            Role::Integrator => "integrator",
        }
    }

    /// Its Vietnamese name.
    pub fn label_vi(self) -> &'static str {
        match self {
            Role::DeskOfficer => "Cán bộ tiếp nhận (một cửa)",
            Role::ProcessingOfficer => "Chuyên viên xử lý",
            Role::UnitHead => "Thủ trưởng đơn vị",
            Role::CityLeader => "Lãnh đạo thành phố",
            Role::Inspector => "Thanh tra",
            Role::Administrator => "Quản trị hệ thống",
            Role::Integrator => "Hệ thống tích hợp",
        }
    }

    /// Parses a stable name.
    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }
}

/// What an actor wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Submit a dossier on an applicant's behalf (counter, post, portal).
    Intake,
    /// Read a dossier with its applicant's personal data and its history.
    ReadDossier,
    /// Intake decisions: accept, ask for the intake supplement and complete it, refuse.
    Receive,
    /// Workflow work: finish a step, ask for and receive a supplement, transfer.
    Process,
    /// Decide (approve or refuse): the head signs.
    Decide,
    /// Send the apology letter with a new appointment: the head signs.
    Apologize,
    /// Hand the result back, record a withdrawal.
    Return,
    /// Internal statistics (time spent per workflow step).
    ReadInternalStats,
    /// Read the audit trail of a unit.
    ReadAudit,
    /// Create, disable and grant accounts.
    ManageAccounts,
}

impl Action {
    /// Every action, in the order of the access matrix.
    pub const ALL: [Action; 10] = [
        Action::Intake,
        Action::ReadDossier,
        Action::Receive,
        Action::Process,
        Action::Decide,
        Action::Apologize,
        Action::Return,
        Action::ReadInternalStats,
        Action::ReadAudit,
        Action::ManageAccounts,
    ];

    /// Its stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Intake => "intake",
            Action::ReadDossier => "read_dossier",
            Action::Receive => "receive",
            Action::Process => "process",
            Action::Decide => "decide",
            Action::Apologize => "apologize",
            Action::Return => "return",
            Action::ReadInternalStats => "read_internal_stats",
            Action::ReadAudit => "read_audit",
            Action::ManageAccounts => "manage_accounts",
        }
    }
}

/// Where the target's unit sits relative to the unit a role was granted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Relation {
    /// The same unit.
    Same,
    /// Below it (the grant's unit is an ancestor of the target's).
    Inside,
    /// Above it (the target's unit is an ancestor of the grant's).
    Above,
    /// Neither: a sibling, a cousin, another branch of the tree, another structure.
    Outside,
}

impl Relation {
    /// Every relation, in the order of the access matrix.
    pub const ALL: [Relation; 4] = [Relation::Same, Relation::Inside, Relation::Above, Relation::Outside];
}

/// The policy: whether `role` granted on a unit allows `action` on a target at `relation`.
pub fn permits(role: Role, action: Action, relation: Relation) -> bool {
    let within = matches!(relation, Relation::Same | Relation::Inside);
    match (role, action) {
        (Role::DeskOfficer, Action::Intake | Action::ReadDossier | Action::Receive | Action::Return) => within,
        (Role::ProcessingOfficer, Action::ReadDossier | Action::Process) => within,
        (Role::UnitHead, Action::ReadDossier | Action::ReadInternalStats | Action::ReadAudit) => within,
        // A head signs only for their own unit, not for the units under it.
        (Role::UnitHead, Action::Decide | Action::Apologize) => relation == Relation::Same,
        (Role::CityLeader, Action::ReadInternalStats) => true,
        (Role::CityLeader, Action::ReadDossier) => within,
        (Role::Inspector, Action::ReadDossier | Action::ReadInternalStats | Action::ReadAudit) => within,
        (Role::Administrator, Action::ManageAccounts) => within,
        (Role::Integrator, Action::Intake | Action::ReadDossier) => within,
        _ => false,
    }
}

/// The unit tree (every structure): parent of each unit id.
#[derive(Debug, Clone, Default)]
pub struct UnitTree {
    parents: HashMap<i64, Option<i64>>,
}

impl UnitTree {
    /// From `(id, parent_id)` pairs.
    pub fn new(pairs: impl IntoIterator<Item = (i64, Option<i64>)>) -> UnitTree {
        UnitTree { parents: pairs.into_iter().collect() }
    }

    /// Whether the unit is known.
    pub fn contains(&self, unit: i64) -> bool {
        self.parents.contains_key(&unit)
    }

    /// Whether `ancestor` is a strict ancestor of `unit`.
    fn is_ancestor(&self, ancestor: i64, unit: i64) -> bool {
        let mut current = self.parents.get(&unit).copied().flatten();
        // A malformed tree with a cycle must not hang a request: the depth is bounded.
        for _ in 0..64 {
            match current {
                Some(parent) if parent == ancestor => return true,
                Some(parent) => current = self.parents.get(&parent).copied().flatten(),
                None => return false,
            }
        }
        false
    }

    /// Where `target` sits relative to `granted`.
    pub fn relation(&self, granted: i64, target: i64) -> Relation {
        if granted == target {
            Relation::Same
        } else if self.is_ancestor(granted, target) {
            Relation::Inside
        } else if self.is_ancestor(target, granted) {
            Relation::Above
        } else {
            Relation::Outside
        }
    }
}

/// A role granted on a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Grant {
    /// The role.
    pub role: Role,
    /// The unit it is granted on (its subtree).
    pub unit_id: i64,
}

/// Who acts: an account with its grants, or the system itself (CLI, simulation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The name written into events and the audit trail (an account's login; `system:...`).
    pub name: String,
    /// Grants (ignored for the system).
    pub grants: Vec<Grant>,
    /// The client's address, when the actor came over the network.
    pub client: Option<String>,
    system: bool,
}

impl Actor {
    /// An account with its grants.
    pub fn account(name: &str, grants: Vec<Grant>, client: Option<String>) -> Actor {
        Actor { name: name.to_owned(), grants, client, system: false }
    }

    /// The system acting on its own (operators at the command line, the simulation): every
    /// action is allowed. Never built from a network request.
    pub fn system(name: &str) -> Actor {
        Actor { name: format!("system:{name}"), grants: Vec::new(), client: None, system: true }
    }

    /// Whether this is the system.
    pub fn is_system(&self) -> bool {
        self.system
    }

    /// Whether the actor may do `action` on something of unit `target`.
    pub fn may(&self, tree: &UnitTree, action: Action, target: i64) -> bool {
        self.system || self.grants.iter().any(|grant| permits(grant.role, action, tree.relation(grant.unit_id, target)))
    }

    /// Whether any of the actor's grants allows `action` somewhere (to decide what to show).
    pub fn may_somewhere(&self, action: Action) -> bool {
        self.system
            || self
                .grants
                .iter()
                .any(|grant| Relation::ALL.iter().any(|relation| permits(grant.role, action, *relation)))
    }
}

/// A shared, replaceable unit tree (reloaded after a catalogue import).
pub type SharedTree = Arc<UnitTree>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relations_in_a_small_tree() {
        // city 1 → district 2 → wards 3, 4; city 1 → district 5.
        let tree = UnitTree::new([(1, None), (2, Some(1)), (3, Some(2)), (4, Some(2)), (5, Some(1))]);
        assert_eq!(tree.relation(3, 3), Relation::Same);
        assert_eq!(tree.relation(1, 3), Relation::Inside);
        assert_eq!(tree.relation(3, 1), Relation::Above);
        assert_eq!(tree.relation(3, 4), Relation::Outside);
        assert_eq!(tree.relation(5, 3), Relation::Outside);
        assert_eq!(tree.relation(3, 99), Relation::Outside);
    }

    #[test]
    fn a_cycle_does_not_hang() {
        let tree = UnitTree::new([(1, Some(2)), (2, Some(1)), (3, None)]);
        assert_eq!(tree.relation(3, 1), Relation::Outside);
    }

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
