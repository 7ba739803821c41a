//! Dev-only stand-ins for the outside systems that have no local emulator.
//!
//! Used by the processor's tests, the end-to-end tests and the `sync-local` runner. Each fake
//! *enforces* the documented rules of the real system (HubSpot's CRM API,
//! <https://developers.hubspot.com/docs/guides/crm/using-object-apis>; the Partner Central API,
//! <https://docs.aws.amazon.com/partner-central/latest/APIReference/Welcome.html>; our deal
//! properties, README "HubSpot properties") so that mapping
//! bugs in our code fail a test instead of failing in production:
//!
//! - [`hubspot::HubSpotFake`]: the HubSpot CRM v3/v4 HTTP API (auth, 404/429 shapes, rate limit,
//!   property definitions, fault injection, request counters).
//! - [`partner_central::PartnerCentralFake`]: the AWS Partner Central Selling API over its real
//!   awsJson1_0 protocol, so the real `aws-sdk-partnercentralselling` client talks to it.
//! - [`lambda_runtime_api`]: a Lambda Runtime API stand-in to run built Lambda binaries.
//! - [`moto`]: access to the moto server (real SQS / STS / Secrets Manager protocol) that
//!   `scripts/test.sh` starts.
//!
//! Never deployed: nothing here is hardened beyond "does not panic on bad input".

pub mod hubspot;
pub mod lambda_runtime_api;
pub mod moto;
pub mod partner_central;

mod server;

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks a mutex, recovering the data if a panicking test thread poisoned it: a fake must keep
/// answering (and keep its records inspectable) even after one test assertion blew up.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
