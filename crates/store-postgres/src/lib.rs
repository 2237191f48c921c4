//! store-postgres (in progress).
