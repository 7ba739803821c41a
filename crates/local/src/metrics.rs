//! Where the functions' metric lines go in `sync-local`: in AWS they are EMF lines on stdout
//! that CloudWatch turns into metrics; here they are added up for `GET /status` and the demo's
//! summary, and printed raw only under `--log-format json`.

use std::sync::Arc;

use crate::status::Status;

pub struct LocalMetrics {
    pub status: Arc<Status>,
    /// Print each raw EMF line to stdout too, as Lambda would.
    pub raw: bool,
}

impl edge::MetricSink for LocalMetrics {
    fn emit(&self, line: String) {
        self.status.record_metric_line(&line);
        if self.raw {
            println!("{line}");
        }
    }
}

/// `name = total` lines of the non-zero totals, for a person to read.
pub fn summary(status: &Status) -> String {
    status
        .snapshot()
        .metrics
        .iter()
        .filter(|(_, total)| **total > 0)
        .map(|(name, total)| format!("  {name} = {total}"))
        .collect::<Vec<_>>()
        .join("\n")
}
