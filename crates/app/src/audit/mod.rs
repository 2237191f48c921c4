//! The tamper-evident audit trail: every state change and every read of personal data is an
//! entry `(chain, seq, at, actor, action, target, client)`, and each entry carries the SHA-256 of
//! the previous entry of its chain together with its own fields. Chains are per unit (the
//! receiving unit of the dossier; 0 for the system), so they can be distributed by unit and
//! written without one global lock. Editing, deleting or inserting an entry breaks the chain at
//! that entry, which [`verify`] reports.

mod service;

use async_trait::async_trait;
use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::StoreResult;

/// The `prev_hash` of a chain's first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An entry to append (the store assigns `seq` and the hashes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditWrite {
    /// Chain: the unit id the target belongs to (0 for the system).
    pub chain: i64,
    /// When.
    pub at: Timestamp,
    /// Who (account id).
    pub actor: String,
    /// What: an event kind, or `read_personal_data`.
    pub action: String,
    /// On what: a dossier code.
    pub target: String,
    /// The client's address, when known.
    pub client: Option<String>,
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Chain.
    pub chain: i64,
    /// 1-based position in its chain.
    pub seq: i64,
    /// The entry's fields.
    pub write: AuditWrite,
    /// Hash of the previous entry of the chain ([`GENESIS`] for the first).
    pub prev_hash: String,
    /// SHA-256 over `prev_hash` and the entry's fields, hex.
    pub hash: String,
}

/// The hash of an entry: SHA-256 over the previous hash and every field, each length-prefixed so
/// that no two different entries serialise alike.
pub fn entry_hash(prev_hash: &str, seq: i64, write: &AuditWrite) -> String {
    let mut hasher = Sha256::new();
    let mut field = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    };
    field(prev_hash.as_bytes());
    field(&write.chain.to_be_bytes());
    field(&seq.to_be_bytes());
    field(&write.at.as_microsecond().to_be_bytes());
    field(write.actor.as_bytes());
    field(write.action.as_bytes());
    field(write.target.as_bytes());
    field(write.client.as_deref().unwrap_or("").as_bytes());
    field(&[u8::from(write.client.is_some())]);
    hex::encode(hasher.finalize())
}

/// Checks entries given in `(chain, seq)` order, continuing from `state` (the last good entry of
/// the current chain, if any). Returns the description of the first broken entry.
pub fn verify_next(state: &mut Option<(i64, i64, String)>, record: &AuditRecord) -> Result<(), String> {
    let (expected_seq, expected_prev) = match state {
        Some((chain, seq, hash)) if *chain == record.chain => (*seq + 1, hash.clone()),
        _ => (1, GENESIS.to_owned()),
    };
    let at = format!(
        "chain {} entry {} ({} {} by {})",
        record.chain, record.seq, record.write.action, record.write.target, record.write.actor
    );
    if record.seq != expected_seq {
        return Err(format!("{at}: expected entry {expected_seq} here; an entry was deleted or inserted"));
    }
    if record.prev_hash != expected_prev {
        return Err(format!(
            "{at}: does not follow the previous entry (prev_hash differs); an entry was deleted, inserted or edited"
        ));
    }
    if entry_hash(&record.prev_hash, record.seq, &record.write) != record.hash {
        return Err(format!("{at}: its content does not match its hash; the entry was edited"));
    }
    *state = Some((record.chain, record.seq, record.hash.clone()));
    Ok(())
}

/// Storage of the audit chains.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends an audit entry on its own (reads of personal data). Writes append theirs in their
    /// own transaction.
    async fn audit_append(&self, entry: crate::audit::AuditWrite) -> StoreResult<()>;
    /// The audit entries of one target (a dossier code) in its chain, in order.
    async fn audit_for_target(&self, chain: i64, target: &str) -> StoreResult<Vec<crate::audit::AuditRecord>>;
    /// A page of audit entries in `(chain, seq)` order after the given key.
    async fn audit_page(&self, after: Option<(i64, i64)>, limit: i64) -> StoreResult<Vec<crate::audit::AuditRecord>>;
}

/// What `audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    /// Entries read.
    pub entries: u64,
    /// Chains (units) seen.
    pub chains: u64,
    /// The first broken entry, if any.
    pub first_broken: Option<String>,
}
