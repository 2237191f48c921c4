//! The store test suite, one module per bounded context (as in `app`): [`catalogue`],
//! [`dossiers`], [`documents`], [`statistics`], [`audit`], [`accounts`] and the [`bulk`] path.
//! Every scenario takes a freshly migrated, empty store and panics on failure;
//! `tests/sqlite.rs`, `tests/postgres.rs` and `tests/pgbouncer.rs` run each one on their
//! backend, all from the one list in [`scenarios!`]. A new context adds its module here and its
//! scenarios to that list.
//! Also: the shared fixtures (the shipped catalogue, a ward, two procedures) and helpers to
//! create throwaway PostgreSQL databases for tests.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

pub mod accounts;
pub mod audit;
pub mod bulk;
pub mod catalogue;
pub mod documents;
pub mod dossiers;
pub mod fixtures;
pub mod statistics;

/// Calls `$suite!(...)` with every scenario of the suite as `context::scenario`, so that each
/// backend's test file runs the same list: `store_tests::scenarios!(suite);` after defining
/// `macro_rules! suite` over `$($context:ident::$name:ident),*` (calling
/// `store_tests::$context::$name(store)` in a test named `$name`).
#[macro_export]
macro_rules! scenarios {
    ($suite:ident) => {
        $suite!(
            catalogue::catalogue_import_and_lookup,
            dossiers::full_lifecycle_with_statistics,
            dossiers::supplement_restart_apology_and_late,
            dossiers::invalid_transitions_write_nothing,
            dossiers::idempotent_intake,
            dossiers::concurrent_clients,
            audit::audit_chain,
            dossiers::unit_office_hours,
            accounts::accounts_round_trip,
            dossiers::queue_pages,
            statistics::totals_by_unit_and_field,
            documents::documents_with_intake,
            statistics::totals_across_months,
            documents::issued_documents_with_their_event,
            bulk::bulk_load_reads_as_one_by_one,
        );
    };
}

pub use fixtures::*;
