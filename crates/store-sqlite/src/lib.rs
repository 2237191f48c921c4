//! store-sqlite (in progress).
