//! sync-local's one integration-test binary: the whole pipeline on one machine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod e2e;
mod faults;
mod hubspot_setup;
mod load;
mod poller;
mod referrals;
mod server;
mod support;
