//! The receipt's one integration-test binary: the router against a recording queue, against moto,
//! and the built binary under a Lambda Runtime API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod handler;
mod lambda_binary;
mod moto;
mod support;
