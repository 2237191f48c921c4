//! Storage trait (in progress).
