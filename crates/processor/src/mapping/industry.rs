//! HubSpot's company `industry` (an enumeration of ~150 LinkedIn-style values such as
//! `COMPUTER_SOFTWARE`) to Partner Central's 28 `Industry` values (the SDK enum's `values()`).

use aws_sdk_partnercentralselling::types::Industry;

/// Exact HubSpot values whose keywords would mislead the fallback below.
const EXACT: [(&str, &str); 16] = [
    ("COMPUTER_GAMES", "Gaming"),
    ("GAMBLING_CASINOS", "Gaming"),
    ("OIL_ENERGY", "Energy - Oil and Gas"),
    ("RENEWABLES_ENVIRONMENT", "Energy - Power and Utilities"),
    ("UTILITIES", "Energy - Power and Utilities"),
    ("HOSPITAL_HEALTH_CARE", "Healthcare"),
    ("BIOTECHNOLOGY", "Life Sciences"),
    ("PHARMACEUTICALS", "Life Sciences"),
    ("COMPUTER_HARDWARE", "Computers and Electronics"),
    ("COMPUTER_NETWORKING", "Computers and Electronics"),
    ("SEMICONDUCTORS", "Computers and Electronics"),
    (
        "INFORMATION_TECHNOLOGY_AND_SERVICES",
        "Software and Internet",
    ),
    ("COMPUTER_NETWORK_SECURITY", "Software and Internet"),
    ("MARKET_RESEARCH", "Marketing and Advertising"),
    ("AIRLINES_AVIATION", "Transportation and Logistics"),
    ("LEISURE_TRAVEL_TOURISM", "Travel"),
];

/// Keyword → industry, first match wins; order matters (`FINANCIAL` before `SERVICES`).
const KEYWORDS: [(&str, &str); 50] = [
    ("AVIATION_AEROSPACE", "Aerospace"),
    ("AEROSPACE", "Aerospace"),
    ("DEFENSE_SPACE", "Aerospace"),
    ("FARMING", "Agriculture"),
    ("RANCHING", "Agriculture"),
    ("DAIRY", "Agriculture"),
    ("FISHERY", "Agriculture"),
    ("AUTOMOTIVE", "Automotive"),
    ("ELECTRONIC", "Computers and Electronics"),
    ("CONSUMER", "Consumer Goods"),
    ("COSMETICS", "Consumer Goods"),
    ("APPAREL", "Consumer Goods"),
    ("LUXURY", "Consumer Goods"),
    ("FOOD_BEVERAGES", "Consumer Goods"),
    ("EDUCATION", "Education"),
    ("E_LEARNING", "Education"),
    ("RESEARCH", "Education"),
    ("OIL", "Energy - Oil and Gas"),
    ("BANK", "Financial Services"),
    ("FINANCIAL", "Financial Services"),
    ("INSURANCE", "Financial Services"),
    ("INVESTMENT", "Financial Services"),
    ("CAPITAL_MARKETS", "Financial Services"),
    ("VENTURE_CAPITAL", "Financial Services"),
    ("ACCOUNTING", "Financial Services"),
    ("GOVERNMENT", "Government"),
    ("MILITARY", "Government"),
    ("PUBLIC_SAFETY", "Government"),
    ("JUDICIARY", "Government"),
    ("LEGISLATIVE", "Government"),
    ("MEDIC", "Healthcare"),
    ("HEALTH", "Healthcare"),
    ("HOSPITALITY", "Hospitality"),
    ("RESTAURANTS", "Hospitality"),
    ("MANUFACTURING", "Manufacturing"),
    ("MACHINERY", "Manufacturing"),
    ("MARKETING", "Marketing and Advertising"),
    ("PUBLIC_RELATIONS", "Marketing and Advertising"),
    ("MEDIA", "Media and Entertainment"),
    ("ENTERTAINMENT", "Media and Entertainment"),
    ("MINING", "Mining"),
    ("NON_PROFIT", "Non-Profit Organization"),
    ("PHILANTHROPY", "Non-Profit Organization"),
    ("REAL_ESTATE", "Real Estate and Construction"),
    ("CONSTRUCTION", "Real Estate and Construction"),
    ("RETAIL", "Retail"),
    ("SOFTWARE", "Software and Internet"),
    ("INTERNET", "Software and Internet"),
    ("TELECOMMUNICATIONS", "Telecommunications"),
    ("WHOLESALE", "Wholesale and Distribution"),
];

/// Later keywords that only apply when nothing above matched.
const LATE_KEYWORDS: [(&str, &str); 8] = [
    ("LOGISTICS", "Transportation and Logistics"),
    ("TRANSPORTATION", "Transportation and Logistics"),
    ("MARITIME", "Transportation and Logistics"),
    ("WIRELESS", "Telecommunications"),
    ("LEGAL", "Professional Services"),
    ("LAW_PRACTICE", "Professional Services"),
    ("CONSULTING", "Professional Services"),
    ("SERVICES", "Professional Services"),
];

/// The Partner Central industry and, for `Other`, the `OtherIndustry` text. Accepts HubSpot's
/// enum names or a Partner Central value typed as-is; anything else is `Other` with the
/// HubSpot value humanised (`ANIMATION` → `Animation`).
pub fn industry(hubspot: &str) -> (&'static str, Option<String>) {
    let value = hubspot.trim();
    if let Some(pc) = Industry::values()
        .iter()
        .find(|i| i.eq_ignore_ascii_case(value))
    {
        return (pc, None);
    }
    let key = value
        .to_ascii_uppercase()
        .replace([' ', '-', '&', '/'], "_");
    let found = EXACT
        .iter()
        .find(|(k, _)| *k == key)
        .or_else(|| KEYWORDS.iter().find(|(k, _)| key.contains(k)))
        .or_else(|| LATE_KEYWORDS.iter().find(|(k, _)| key.contains(k)));
    match found {
        Some((_, pc)) => (pc, None),
        None => ("Other", Some(humanise(value))),
    }
}

fn humanise(value: &str) -> String {
    let words: Vec<String> = value
        .split(['_', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect();
    let mut text = words.join(" ");
    if let Some(first) = text.get(..1) {
        text = first.to_uppercase() + text.get(1..).unwrap_or("");
    }
    text.chars().take(255).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_industry_the_tables_produce_is_an_sdk_value() {
        for (hubspot, pc) in EXACT.iter().chain(&KEYWORDS).chain(&LATE_KEYWORDS) {
            assert!(Industry::values().contains(pc), "{hubspot} → {pc}");
        }
    }

    #[test]
    fn hubspot_values_map_to_partner_central() {
        for (hubspot, expected) in [
            ("COMPUTER_SOFTWARE", "Software and Internet"),
            ("INTERNET", "Software and Internet"),
            (
                "INFORMATION_TECHNOLOGY_AND_SERVICES",
                "Software and Internet",
            ),
            ("HOSPITAL_HEALTH_CARE", "Healthcare"),
            ("MEDICAL_DEVICES", "Healthcare"),
            ("FINANCIAL_SERVICES", "Financial Services"),
            ("BANKING", "Financial Services"),
            ("INSURANCE", "Financial Services"),
            ("COMPUTER_GAMES", "Gaming"),
            ("OIL_ENERGY", "Energy - Oil and Gas"),
            ("UTILITIES", "Energy - Power and Utilities"),
            ("AVIATION_AEROSPACE", "Aerospace"),
            ("AIRLINES_AVIATION", "Transportation and Logistics"),
            ("LOGISTICS_AND_SUPPLY_CHAIN", "Transportation and Logistics"),
            ("HIGHER_EDUCATION", "Education"),
            ("GOVERNMENT_ADMINISTRATION", "Government"),
            ("BIOTECHNOLOGY", "Life Sciences"),
            ("PHARMACEUTICALS", "Life Sciences"),
            ("RETAIL", "Retail"),
            ("REAL_ESTATE", "Real Estate and Construction"),
            ("CONSTRUCTION", "Real Estate and Construction"),
            ("TELECOMMUNICATIONS", "Telecommunications"),
            ("WIRELESS", "Telecommunications"),
            ("MANAGEMENT_CONSULTING", "Professional Services"),
            ("LEGAL_SERVICES", "Professional Services"),
            (
                "NON_PROFIT_ORGANIZATION_MANAGEMENT",
                "Non-Profit Organization",
            ),
            ("ENTERTAINMENT", "Media and Entertainment"),
            ("MARKETING_AND_ADVERTISING", "Marketing and Advertising"),
            ("FOOD_BEVERAGES", "Consumer Goods"),
            ("LEISURE_TRAVEL_TOURISM", "Travel"),
            ("WHOLESALE", "Wholesale and Distribution"),
            ("MINING_METALS", "Mining"),
            ("AUTOMOTIVE", "Automotive"),
            ("FARMING", "Agriculture"),
            ("SEMICONDUCTORS", "Computers and Electronics"),
            ("HOSPITALITY", "Hospitality"),
            ("software and internet", "Software and Internet"),
        ] {
            assert_eq!(industry(hubspot), (expected, None), "{hubspot}");
        }
    }

    #[test]
    fn unknown_values_become_other_with_text() {
        assert_eq!(
            industry("ANIMATION"),
            ("Other", Some("Animation".to_owned()))
        );
        assert_eq!(industry("FINE_ART"), ("Other", Some("Fine art".to_owned())));
    }
}
