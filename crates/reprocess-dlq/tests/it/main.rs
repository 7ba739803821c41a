//! The reprocessor against moto (a real SQS protocol server): the one integration-test binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod edges;
mod reprocess;
