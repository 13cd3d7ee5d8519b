//! Unit tests of the pure install plan.
