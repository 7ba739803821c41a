//! The DLQ reprocessor Lambda, invoked by hand after the cause of failures is fixed: moves
//! messages from the FIFO dead-letter queue back to the main FIFO queue with their original
//! group (so each object's order holds), a deduplication id that lets the re-drive through yet
//! makes a rerun after a crash harmless, and deletes each from the DLQ only once it is sent.
//! See [`reprocessor`] for how ordering and filtering interact with FIFO rules.

pub mod config;
pub mod handler;
pub mod reprocessor;
pub mod request;
pub mod summary;

pub use config::Config;
pub use handler::Function;
pub use reprocessor::{DEFAULT_SAFETY_MARGIN, Reprocessor, redrive_deduplication_id};
pub use request::{DEFAULT_MAX_MESSAGES, Filter, ReprocessRequest, RequestError};
pub use summary::{MessageSummary, Outcome, ReprocessSummary, StopReason};
