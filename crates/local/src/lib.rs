//! `sync-local`: the HubSpot → Partner Central pipeline on one machine, running the same
//! handler code as the Lambdas. See `docs/local.md`.

pub mod cli;
pub mod demo;
pub mod eventbridge;
pub mod faults;
pub mod hubspot_properties;
pub mod hubspot_setup;
pub mod invocation;
pub mod load;
pub mod metrics;
pub mod pipeline;
pub mod poller;
pub mod server;
pub mod status;
pub mod sweep_bench;
pub mod webhook;
