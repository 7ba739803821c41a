//! How a filter compares a stored property value. Date-time properties (`createdate`,
//! `hs_lastmodifieddate`, `closedate`, …) compare as instants, the filter value given in epoch
//! milliseconds (string or number) or ISO 8601; number properties compare numerically; text
//! compares case-insensitively. An empty value is no value (HAS_PROPERTY is false for it), and
//! NEQ / NOT_IN / NOT_CONTAINS_TOKEN match objects without the property.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate};

use super::request::{Filter, Operator};
use crate::hubspot::model::{ObjectType, PropertyKind};
use crate::hubspot::store::{CrmObject, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueKind {
    Time,
    Number,
    Text,
}

/// How `property` compares; `None` if the object type has no such property.
pub(crate) fn value_kind(store: &Store, kind: ObjectType, property: &str) -> Option<ValueKind> {
    let definition = store.definition(kind, property)?;
    if property == kind.created_property() || property == kind.modified_property() {
        return Some(ValueKind::Time);
    }
    if property == "hs_object_id" {
        return Some(ValueKind::Number);
    }
    Some(match definition.kind() {
        PropertyKind::DateTime => ValueKind::Time,
        PropertyKind::Number => ValueKind::Number,
        _ => ValueKind::Text,
    })
}

/// Epoch milliseconds of a date-time written as epoch milliseconds, ISO 8601 or a date.
pub(crate) fn millis(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(number) = text.parse::<f64>() {
        // Whole milliseconds; a float form such as "1.7e12" is accepted too.
        #[allow(clippy::cast_possible_truncation)]
        return number.is_finite().then_some(number as i64);
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.timestamp_millis());
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis())
}

/// Orders two values of one kind; `None` when either does not parse as that kind.
pub(crate) fn compare(kind: ValueKind, a: &str, b: &str) -> Option<Ordering> {
    match kind {
        ValueKind::Time => Some(millis(a)?.cmp(&millis(b)?)),
        ValueKind::Number => a
            .trim()
            .parse::<f64>()
            .ok()?
            .partial_cmp(&b.trim().parse::<f64>().ok()?),
        ValueKind::Text => Some(a.to_lowercase().cmp(&b.to_lowercase())),
    }
}

/// Words of a text value, lower-cased, as CONTAINS_TOKEN sees them.
fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
}

/// A token pattern with `*` wildcards (`acme*`, `*data*`): wildcard matching with
/// backtracking to the last `*`.
fn token_matches(pattern: &str, token: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = token.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if p.get(pi) == Some(&'*') {
            star = Some((pi, ti));
            pi += 1;
        } else if p.get(pi) == t.get(ti) {
            pi += 1;
            ti += 1;
        } else if let Some((star_p, star_t)) = star {
            pi = star_p + 1;
            ti = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    p.get(pi..)
        .is_none_or(|rest| rest.iter().all(|c| *c == '*'))
}

fn contains_token(stored: &str, pattern: &str) -> bool {
    let words: Vec<String> = tokens(pattern).collect();
    let single = pattern.trim();
    if words.len() <= 1 || single.contains('*') {
        return tokens(stored).any(|t| token_matches(single, &t));
    }
    // Several words: each must be present.
    words.iter().all(|w| tokens(stored).any(|t| t == *w))
}

/// Whether `object` passes `filter` (`kind` being how the filter's property compares).
pub(crate) fn matches(object: &CrmObject, filter: &Filter, kind: ValueKind) -> bool {
    let stored = object
        .properties
        .get(&filter.property)
        .cloned()
        .flatten()
        .filter(|v| !v.is_empty());
    let value = filter.value.as_deref().unwrap_or_default();
    let ordering = |other: &str| stored.as_deref().and_then(|s| compare(kind, s, other));
    let equal = |other: &str| ordering(other) == Some(Ordering::Equal);
    match filter.operator {
        Operator::HasProperty => stored.is_some(),
        Operator::NotHasProperty => stored.is_none(),
        Operator::Eq => equal(value),
        Operator::Neq => !equal(value),
        Operator::Lt => ordering(value) == Some(Ordering::Less),
        Operator::Lte => matches!(ordering(value), Some(Ordering::Less | Ordering::Equal)),
        Operator::Gt => ordering(value) == Some(Ordering::Greater),
        Operator::Gte => matches!(ordering(value), Some(Ordering::Greater | Ordering::Equal)),
        Operator::Between => {
            let high = filter.high_value.as_deref().unwrap_or_default();
            matches!(ordering(value), Some(Ordering::Greater | Ordering::Equal))
                && matches!(ordering(high), Some(Ordering::Less | Ordering::Equal))
        }
        Operator::In => filter.values.iter().any(|v| equal(v)),
        Operator::NotIn => !filter.values.iter().any(|v| equal(v)),
        Operator::ContainsToken => stored.as_deref().is_some_and(|s| contains_token(s, value)),
        Operator::NotContainsToken => !stored.as_deref().is_some_and(|s| contains_token(s, value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times_compare_as_instants_whatever_their_form() {
        let iso = "2030-06-15T09:00:00.000Z";
        let ms = "1907744400000";
        assert_eq!(millis(iso), millis(ms));
        assert_eq!(compare(ValueKind::Time, iso, ms), Some(Ordering::Equal));
        assert_eq!(
            compare(ValueKind::Time, "2030-06-15", iso),
            Some(Ordering::Less)
        );
        assert_eq!(compare(ValueKind::Time, "soon", iso), None);
    }

    #[test]
    fn numbers_compare_numerically_and_text_ignores_case() {
        assert_eq!(compare(ValueKind::Number, "9", "10"), Some(Ordering::Less));
        assert_eq!(
            compare(ValueKind::Text, "Acme", "acme"),
            Some(Ordering::Equal)
        );
    }

    #[test]
    fn tokens_match_words_and_wildcards() {
        assert!(contains_token("Acme data lake #AWS", "aws"));
        assert!(contains_token("Acme data lake #AWS", "Data*"));
        assert!(contains_token("Acme data lake #AWS", "*ak*"));
        assert!(!contains_token("Acme data lake #AWS", "dat"));
        assert!(contains_token("wsws", "*ws"));
        assert!(contains_token("Acme data lake", "data lake"));
        assert!(!contains_token("Acme data lake", "data warehouse"));
    }
}
