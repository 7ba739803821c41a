//! The events crate's one integration-test binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod properties;
mod v3_openssl;
