//! CloudWatch Embedded Metric Format: metrics as one JSON log line, no API call, no latency.

use serde_json::{Map, Value, json};

/// Default CloudWatch namespace; the `METRICS_NAMESPACE` variable overrides it.
pub const DEFAULT_NAMESPACE: &str = "HubSpotPartnerCentralSync";

/// Builds one EMF line. `dimensions` are name/value pairs that form the single dimension set;
/// every metric is a count. Print the result to stdout as a line of its own.
pub fn count_line(
    namespace: &str,
    timestamp_ms: i64,
    dimensions: &[(&str, &str)],
    counts: &[(&str, u64)],
) -> String {
    let mut root = Map::new();
    for (name, value) in dimensions {
        root.insert((*name).to_owned(), Value::from(*value));
    }
    for (name, value) in counts {
        root.insert((*name).to_owned(), Value::from(*value));
    }
    let dimension_names: Vec<&str> = dimensions.iter().map(|(n, _)| *n).collect();
    let metrics: Vec<Value> = counts
        .iter()
        .map(|(name, _)| json!({"Name": name, "Unit": "Count"}))
        .collect();
    root.insert(
        "_aws".to_owned(),
        json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": [dimension_names],
                "Metrics": metrics,
            }]
        }),
    );
    Value::Object(root).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_follows_the_emf_specification() {
        let line = count_line(
            "NS",
            42,
            &[("Function", "receipt"), ("Reason", "stale_signature")],
            &[("RequestsRejected", 1)],
        );
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["Function"], "receipt");
        assert_eq!(v["Reason"], "stale_signature");
        assert_eq!(v["RequestsRejected"], 1);
        let directive = &v["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(v["_aws"]["Timestamp"], 42);
        assert_eq!(directive["Namespace"], "NS");
        assert_eq!(directive["Dimensions"], json!([["Function", "Reason"]]));
        assert_eq!(
            directive["Metrics"],
            json!([{"Name": "RequestsRejected", "Unit": "Count"}])
        );
        assert!(!line.contains('\n'));
    }
}
