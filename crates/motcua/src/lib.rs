//! The parts of the `motcua` program that tests and benchmarks use too.

pub mod simulation;
