//! Helpers shared by the test binaries (each binary uses only part of them).
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

pub mod hubspot;
pub mod partner_central;
