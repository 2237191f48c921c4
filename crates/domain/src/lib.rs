//! motcua's domain: the catalogue and organisation, the dossier lifecycle state machine, its
//! events and the statistics rules. No I/O: storage and HTTP live in other crates.

pub mod catalog;
pub mod code;
pub mod dossier;
mod error;
pub mod search;
pub mod stats;

pub use error::DomainError;
