//! Dev-only stand-ins for the outside systems that have no local emulator.
//!
//! Used by the processor's tests, the end-to-end tests and the `sync-local` runner. Each fake
//! serves what the product calls and *enforces* the real system's documented rules (each module
//! names its sources) so that mapping bugs in our code fail a test instead of failing in
//! production:
//!
//! - [`hubspot::HubSpotFake`]: the HubSpot CRM v3 objects API over HTTP (auth, 404/429 shapes,
//!   rate limits, property schema with unique-value properties, object creation with
//!   associations, tasks, the deal pipeline, CRM search, account details, fault injection,
//!   request counters).
//! - [`partner_central::PartnerCentralFake`]: the AWS Partner Central Selling API over its real
//!   awsJson1_0 protocol, so the real `aws-sdk-partnercentralselling` client talks to it, plus
//!   the EventBridge events Partner Central emits, AWS's side of each opportunity and AWS
//!   referrals (engagement invitations and their acceptance task).
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
