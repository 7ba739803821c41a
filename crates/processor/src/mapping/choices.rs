//! How HubSpot text picks Partner Central enum values. The value lists themselves are the
//! SDK enums' `values()` and `events::partner_central::CUSTOMER_USE_CASES`.

/// A value from `allowed`, matched case-insensitively, also without a `Co-Sell - ` prefix.
pub(super) fn pick_one(raw: Option<&str>, allowed: &[&'static str]) -> Option<&'static str> {
    let wanted = raw?.trim().to_lowercase();
    allowed.iter().copied().find(|a| {
        let a = a.to_lowercase();
        a == wanted || a.strip_prefix("co-sell - ") == Some(wanted.as_str())
    })
}

/// A HubSpot multi-select (`;`-separated) as a sorted, deduplicated list of allowed values;
/// `default` when nothing recognisable is set.
pub(super) fn pick_many(raw: Option<&str>, allowed: &[&'static str], default: &str) -> Vec<String> {
    let mut out: Vec<String> = raw
        .unwrap_or("")
        .split(';')
        .filter_map(|v| pick_one(Some(v), allowed))
        .map(str::to_owned)
        .collect();
    out.sort();
    out.dedup();
    if out.is_empty() {
        out.push(default.to_owned());
    }
    out
}
