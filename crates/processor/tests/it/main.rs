//! The processor's integration tests, in one binary: every test binary links the AWS SDK, and
//! linking dominates the build on small machines. One module per area; `common` holds the
//! fixtures (sandbox fakes, real clients pointed at them, SQS batches as Lambda delivers them).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod credentials;
mod deal_sync;
mod errors_and_batches;
mod function;
mod lambda_binary;
mod lifecycle;
mod partner_events;
mod referrals;
