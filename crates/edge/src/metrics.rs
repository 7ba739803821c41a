//! Where a function's CloudWatch EMF lines go. In Lambda, stdout: CloudWatch Logs turns each line
//! into metrics, no API call. `sync-local` passes its own sink and decides what a person sees.

pub trait MetricSink: Send + Sync {
    /// One EMF JSON document (see `events::emf::count_line`).
    fn emit(&self, line: String);
}

/// Prints each line to stdout, as Lambda needs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stdout;

impl MetricSink for Stdout {
    fn emit(&self, line: String) {
        println!("{line}");
    }
}
