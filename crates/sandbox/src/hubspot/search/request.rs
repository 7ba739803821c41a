//! The search request body, parsed and checked against HubSpot's documented limits
//! ("Limitations" in <https://developers.hubspot.com/docs/api/crm/search>).

use serde_json::{Map, Value};

/// At most five filter groups, six filters in a group and eighteen filters in all.
pub(crate) const MAX_FILTER_GROUPS: usize = 5;
pub(crate) const MAX_FILTERS_PER_GROUP: usize = 6;
pub(crate) const MAX_FILTERS: usize = 18;
/// Results per page: 200 at most, 10 without `limit`.
pub(crate) const MAX_LIMIT: usize = 200;
pub(crate) const DEFAULT_LIMIT: usize = 10;
/// No query reaches past its first 10 000 results by paging.
pub(crate) const MAX_RESULTS: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operator {
    Eq,
    Neq,
    Lt,
    Lte,
    Gt,
    Gte,
    Between,
    In,
    NotIn,
    HasProperty,
    NotHasProperty,
    ContainsToken,
    NotContainsToken,
}

impl Operator {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "EQ" => Self::Eq,
            "NEQ" => Self::Neq,
            "LT" => Self::Lt,
            "LTE" => Self::Lte,
            "GT" => Self::Gt,
            "GTE" => Self::Gte,
            "BETWEEN" => Self::Between,
            "IN" => Self::In,
            "NOT_IN" => Self::NotIn,
            "HAS_PROPERTY" => Self::HasProperty,
            "NOT_HAS_PROPERTY" => Self::NotHasProperty,
            "CONTAINS_TOKEN" => Self::ContainsToken,
            "NOT_CONTAINS_TOKEN" => Self::NotContainsToken,
            _ => return None,
        })
    }
}

/// One filter: `value` for comparisons, `value` + `highValue` for BETWEEN, `values` for
/// IN / NOT_IN, nothing for the HAS_PROPERTY pair.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Filter {
    pub property: String,
    pub operator: Operator,
    pub value: Option<String>,
    pub high_value: Option<String>,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sort {
    pub property: String,
    pub descending: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SearchRequest {
    /// OR'ed groups of AND'ed filters; no group = every object.
    pub groups: Vec<Vec<Filter>>,
    pub properties: Option<Vec<String>>,
    pub sort: Option<Sort>,
    pub limit: usize,
    pub after: usize,
}

/// Filter values may be sent as strings, numbers or booleans; HubSpot compares their text.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn filter(index: (usize, usize), raw: &Value) -> Result<Filter, String> {
    let at = format!("filterGroups[{}].filters[{}]", index.0, index.1);
    let Some(raw) = raw.as_object() else {
        return Err(format!("{at} must be an object"));
    };
    let property = raw
        .get("propertyName")
        .and_then(Value::as_str)
        .filter(|p| !p.is_empty())
        .ok_or_else(|| format!("{at}.propertyName is required"))?;
    let operator_name = raw
        .get("operator")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{at}.operator is required"))?;
    let operator = Operator::parse(operator_name)
        .ok_or_else(|| format!("{at}.operator {operator_name:?} is not a search operator"))?;
    let text = |key: &str| raw.get(key).filter(|v| !v.is_null()).map(scalar);
    let value = match text("value") {
        Some(None) => return Err(format!("{at}.value must be a string or a number")),
        Some(Some(v)) => Some(v),
        None => None,
    };
    let high_value = text("highValue").flatten();
    let values = match raw.get("values").filter(|v| !v.is_null()) {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| scalar(v).ok_or_else(|| format!("{at}.values must hold strings or numbers")))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(format!("{at}.values must be an array")),
    };
    let needs = |what: &str| format!("{at}: operator {operator_name} needs {what}");
    match operator {
        Operator::In | Operator::NotIn if values.is_empty() => return Err(needs("`values`")),
        Operator::Between if value.is_none() || high_value.is_none() => {
            return Err(needs("`value` and `highValue`"));
        }
        Operator::HasProperty
        | Operator::NotHasProperty
        | Operator::In
        | Operator::NotIn
        | Operator::Between => {}
        _ if value.is_none() => return Err(needs("`value`")),
        _ => {}
    }
    Ok(Filter {
        property: property.to_owned(),
        operator,
        value,
        high_value,
        values,
    })
}

fn groups(body: &Map<String, Value>) -> Result<Vec<Vec<Filter>>, String> {
    let raw_groups = match body.get("filterGroups").filter(|v| !v.is_null()) {
        None => return Ok(Vec::new()),
        Some(Value::Array(groups)) => groups,
        Some(_) => return Err("filterGroups must be an array".to_owned()),
    };
    if raw_groups.len() > MAX_FILTER_GROUPS {
        return Err(format!(
            "Too many filter groups: {} (a search takes at most {MAX_FILTER_GROUPS})",
            raw_groups.len()
        ));
    }
    let mut out = Vec::with_capacity(raw_groups.len());
    for (g, group) in raw_groups.iter().enumerate() {
        let Some(Value::Array(filters)) = group.get("filters") else {
            return Err(format!("filterGroups[{g}].filters must be an array"));
        };
        if filters.is_empty() {
            return Err(format!("filterGroups[{g}] has no filters"));
        }
        if filters.len() > MAX_FILTERS_PER_GROUP {
            return Err(format!(
                "Too many filters in filterGroups[{g}]: {} (a group takes at most {MAX_FILTERS_PER_GROUP})",
                filters.len()
            ));
        }
        let parsed = filters
            .iter()
            .enumerate()
            .map(|(f, raw)| filter((g, f), raw))
            .collect::<Result<Vec<_>, _>>()?;
        out.push(parsed);
    }
    let total: usize = out.iter().map(Vec::len).sum();
    if total > MAX_FILTERS {
        return Err(format!(
            "Too many filters: {total} (a search takes at most {MAX_FILTERS} across all groups)"
        ));
    }
    Ok(out)
}

/// One sort rule at most ("Only one sorting rule can be applied to any search").
fn sort(body: &Map<String, Value>) -> Result<Option<Sort>, String> {
    let rules = match body.get("sorts").filter(|v| !v.is_null()) {
        None => return Ok(None),
        Some(Value::Array(rules)) => rules,
        Some(_) => return Err("sorts must be an array".to_owned()),
    };
    match rules.as_slice() {
        [] => Ok(None),
        [rule] => {
            let property = rule
                .get("propertyName")
                .and_then(Value::as_str)
                .ok_or("sorts[0].propertyName is required")?;
            let descending = match rule.get("direction").and_then(Value::as_str) {
                None | Some("ASCENDING") => false,
                Some("DESCENDING") => true,
                Some(other) => {
                    return Err(format!(
                        "sorts[0].direction {other:?} must be ASCENDING or DESCENDING"
                    ));
                }
            };
            Ok(Some(Sort {
                property: property.to_owned(),
                descending,
            }))
        }
        _ => Err(format!(
            "Too many sorts: {} (a search takes one sort rule)",
            rules.len()
        )),
    }
}

/// A non-negative count sent as a number or a numeric string (`after` is a string in
/// HubSpot's paging answers).
fn count(body: &Map<String, Value>, key: &str) -> Result<Option<usize>, String> {
    let parsed = match body.get(key).filter(|v| !v.is_null()) {
        None => return Ok(None),
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse::<u64>().ok(),
        Some(_) => None,
    };
    parsed
        .and_then(|n| usize::try_from(n).ok())
        .map(Some)
        .ok_or_else(|| format!("{key} must be a non-negative integer"))
}

pub(crate) fn parse(body: &Map<String, Value>) -> Result<SearchRequest, String> {
    if body.get("query").is_some_and(|q| !q.is_null()) {
        return Err(
            "The sandbox HubSpot fake does not implement free-text `query`; use filterGroups"
                .to_owned(),
        );
    }
    let properties = match body.get("properties").filter(|v| !v.is_null()) {
        None => None,
        Some(Value::Array(names)) => Some(
            names
                .iter()
                .map(|n| {
                    n.as_str()
                        .map(str::to_owned)
                        .ok_or("properties must hold strings")
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => return Err("properties must be an array of property names".to_owned()),
    };
    let limit = count(body, "limit")?.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(format!(
            "limit must be between 1 and {MAX_LIMIT} (got {limit})"
        ));
    }
    let after = count(body, "after")?.unwrap_or(0);
    if after >= MAX_RESULTS {
        return Err(format!(
            "after {after} is past the {MAX_RESULTS} results a search can page through; narrow the filters"
        ));
    }
    Ok(SearchRequest {
        groups: groups(body)?,
        properties,
        sort: sort(body)?,
        limit,
        after,
    })
}
