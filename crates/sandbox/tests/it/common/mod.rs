//! Helpers shared by the test modules.
#![allow(clippy::expect_used, clippy::unwrap_used)]

pub mod events;
pub mod hubspot;
pub mod listing;
pub mod partner_central;
pub mod referrals;
pub mod submission;
