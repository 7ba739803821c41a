//! What the three Lambda functions share at their edge, so each `main.rs` is wiring only:
//! the secret document read once per cold start, and where metric lines go.

pub mod metrics;
pub mod secrets;

pub use metrics::{MetricSink, Stdout};
pub use secrets::{SecretError, load_secret_document};
