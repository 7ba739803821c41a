//! Countries and US states as Partner Central wants them.

use aws_sdk_partnercentralselling::types::CountryCode;

use super::countries::{ALPHA3, COUNTRY_NAMES};

/// HubSpot's `country` is free text: an ISO alpha-2 or alpha-3 code, or an English name
/// (official or common, any case). Returns the API's `CountryCode` value.
pub fn country_code(input: &str) -> Option<&'static str> {
    let trimmed = input.trim().trim_end_matches('.');
    if trimmed.is_empty() {
        return None;
    }
    let upper = trimmed.to_ascii_uppercase();
    if upper.len() == 2
        && let Some(code) = CountryCode::values().iter().find(|c| **c == upper)
    {
        return Some(code);
    }
    if upper.len() == 3
        && let Some((_, code)) = ALPHA3.iter().find(|(a3, _)| *a3 == upper)
    {
        return Some(code);
    }
    let lower = trimmed.to_lowercase().replace('.', "");
    let lower = lower.strip_prefix("the ").unwrap_or(&lower);
    COUNTRY_NAMES
        .iter()
        .find(|(name, _)| *name == lower)
        .map(|(_, code)| *code)
}

/// The API's US `StateOrRegion` values (API reference, `Address.StateOrRegion`), with the USPS
/// codes HubSpot users commonly type instead.
const US_STATES: [(&str, &str); 59] = [
    ("AL", "Alabama"),
    ("AK", "Alaska"),
    ("AS", "American Samoa"),
    ("AZ", "Arizona"),
    ("AR", "Arkansas"),
    ("CA", "California"),
    ("CO", "Colorado"),
    ("CT", "Connecticut"),
    ("DE", "Delaware"),
    ("DC", "Dist. of Columbia"),
    ("FM", "Federated States of Micronesia"),
    ("FL", "Florida"),
    ("GA", "Georgia"),
    ("GU", "Guam"),
    ("HI", "Hawaii"),
    ("ID", "Idaho"),
    ("IL", "Illinois"),
    ("IN", "Indiana"),
    ("IA", "Iowa"),
    ("KS", "Kansas"),
    ("KY", "Kentucky"),
    ("LA", "Louisiana"),
    ("ME", "Maine"),
    ("MH", "Marshall Islands"),
    ("MD", "Maryland"),
    ("MA", "Massachusetts"),
    ("MI", "Michigan"),
    ("MN", "Minnesota"),
    ("MS", "Mississippi"),
    ("MO", "Missouri"),
    ("MT", "Montana"),
    ("NE", "Nebraska"),
    ("NV", "Nevada"),
    ("NH", "New Hampshire"),
    ("NJ", "New Jersey"),
    ("NM", "New Mexico"),
    ("NY", "New York"),
    ("NC", "North Carolina"),
    ("ND", "North Dakota"),
    ("MP", "Northern Mariana Islands"),
    ("OH", "Ohio"),
    ("OK", "Oklahoma"),
    ("OR", "Oregon"),
    ("PW", "Palau"),
    ("PA", "Pennsylvania"),
    ("PR", "Puerto Rico"),
    ("RI", "Rhode Island"),
    ("SC", "South Carolina"),
    ("SD", "South Dakota"),
    ("TN", "Tennessee"),
    ("TX", "Texas"),
    ("UT", "Utah"),
    ("VT", "Vermont"),
    ("VA", "Virginia"),
    ("VI", "Virgin Islands"),
    ("WA", "Washington"),
    ("WV", "West Virginia"),
    ("WI", "Wisconsin"),
    ("WY", "Wyoming"),
];

/// A US state as the API spells it, from a USPS code or a name in any case.
/// `District of Columbia` and `Washington DC` become `Dist. of Columbia`.
pub fn us_state(input: &str) -> Option<&'static str> {
    let trimmed = input.trim();
    let upper = trimmed.to_ascii_uppercase();
    if let Some((_, name)) = US_STATES.iter().find(|(code, _)| *code == upper) {
        return Some(name);
    }
    let normalized = trimmed.to_lowercase().replace(['.', ','], "");
    if matches!(
        normalized.as_str(),
        "district of columbia" | "dist of columbia" | "washington dc" | "d c"
    ) {
        return Some("Dist. of Columbia");
    }
    US_STATES
        .iter()
        .find(|(_, name)| name.to_lowercase() == normalized)
        .map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_by_code_name_and_alias() {
        assert_eq!(country_code("US"), Some("US"));
        assert_eq!(country_code("us"), Some("US"));
        assert_eq!(country_code("USA"), Some("US"));
        assert_eq!(country_code("United States"), Some("US"));
        assert_eq!(country_code("united states of america"), Some("US"));
        assert_eq!(country_code("U.S.A."), Some("US"));
        assert_eq!(country_code(" Germany "), Some("DE"));
        assert_eq!(country_code("DEU"), Some("DE"));
        assert_eq!(country_code("United Kingdom"), Some("GB"));
        assert_eq!(country_code("UK"), Some("GB"));
        assert_eq!(country_code("The Netherlands"), Some("NL"));
        assert_eq!(country_code("South Korea"), Some("KR"));
        assert_eq!(country_code("Côte d'Ivoire"), Some("CI"));
        assert_eq!(country_code("Brasil"), Some("BR"));
        assert_eq!(country_code("Atlantis"), None);
        assert_eq!(country_code("ZZ"), None);
        assert_eq!(country_code(""), None);
    }

    #[test]
    fn every_code_produced_is_a_known_sdk_value() {
        let known = CountryCode::values();
        for (name, code) in COUNTRY_NAMES.iter().chain(ALPHA3) {
            assert!(
                known.contains(code),
                "{name} → {code} is not an SDK CountryCode"
            );
        }
    }

    #[test]
    fn us_states_by_code_and_name() {
        assert_eq!(us_state("CA"), Some("California"));
        assert_eq!(us_state("ca"), Some("California"));
        assert_eq!(us_state("new york"), Some("New York"));
        assert_eq!(us_state("District of Columbia"), Some("Dist. of Columbia"));
        assert_eq!(us_state("Washington, D.C."), Some("Dist. of Columbia"));
        assert_eq!(us_state("DC"), Some("Dist. of Columbia"));
        assert_eq!(us_state("PR"), Some("Puerto Rico"));
        assert_eq!(us_state("Bavaria"), None);
        assert_eq!(us_state(""), None);
    }
}
