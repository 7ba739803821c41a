//! String formats and value lists from the Partner Central API reference
//! (<https://docs.aws.amazon.com/partner-central/latest/APIReference/Welcome.html>) that the SDK's
//! enums do not carry. Patterns are full-match (Smithy semantics) and case-sensitive, as written
//! in the API reference.

use chrono::NaiveDate;

/// `(0|[1-9]\d{0,30})(\.\d{0,2})?` — no sign, no thousands separators, at most 2 decimals.
pub(crate) fn is_amount(s: &str) -> bool {
    let (int, frac) = match s.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (s, None),
    };
    let int_ok = int == "0"
        || (matches!(int.as_bytes().first(), Some(b'1'..=b'9'))
            && int.len() <= 31
            && int.bytes().all(|b| b.is_ascii_digit()));
    let frac_ok = frac.is_none_or(|f| f.len() <= 2 && f.bytes().all(|b| b.is_ascii_digit()));
    int_ok && frac_ok
}

/// `\+[1-9]\d{1,14}` — E.164, no spaces or punctuation.
pub(crate) fn is_e164(s: &str) -> bool {
    let Some(digits) = s.strip_prefix('+') else {
        return false;
    };
    matches!(digits.as_bytes().first(), Some(b'1'..=b'9'))
        && (2..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The Contact.Email pattern. Note it only admits lower-case letters.
pub(crate) fn is_email(s: &str) -> bool {
    const LOCAL_SPECIALS: &str = "!#$%&'*+/=?^_`{|}~-";
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let local_ok = local.split('.').all(|atom| {
        !atom.is_empty()
            && atom
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || LOCAL_SPECIALS.contains(c))
    });
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        });
    local_ok && domain_ok
}

/// Account.WebsiteUrl: `((http|https)://)??(www[.])??([a-zA-Z0-9]|-)+?([.][a-zA-Z0-9(-|/|=|?)??]+?)+?`
/// with length 4–255: an optional scheme, a host label, then at least one `.` followed by
/// printable characters (the `(-|` in the class is a range covering most punctuation).
pub(crate) fn is_website(s: &str) -> bool {
    if !(4..=255).contains(&s.chars().count()) {
        return false;
    }
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .unwrap_or(s);
    let Some(dot) = rest.find('.') else {
        return false;
    };
    let (label, tail) = rest.split_at(dot);
    let label_ok =
        !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    let tail_ok = tail.len() >= 2
        && tail
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ('('..='|').contains(&c));
    label_ok && tail_ok
}

/// `\d{4}-\d{2}-\d{2}` and a real calendar date.
pub(crate) fn iso_date(s: &str) -> Option<NaiveDate> {
    let shaped = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shaped {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// `O[0-9]{1,19}`
pub(crate) fn is_opportunity_id(s: &str) -> bool {
    s.strip_prefix('O')
        .is_some_and(|d| (1..=19).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

/// Solutions are `S-` + digits, or the literal `Other` (then Project.OtherSolutionDescription).
pub(crate) fn is_solution_id(s: &str) -> bool {
    s == "Other"
        || s.strip_prefix("S-")
            .is_some_and(|d| (1..=19).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

pub(crate) fn is_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

/// `ExpectedCustomerSpend.CurrencyCode`: "Accepted values are USD (US Dollars) and EUR (Euros)"
/// (<https://docs.aws.amazon.com/partner-central/latest/APIReference/API_ExpectedCustomerSpend.html>),
/// although the SDK's `CurrencyCode` enum lists every ISO currency.
pub(crate) const SPEND_CURRENCIES: [&str; 2] = ["USD", "EUR"];

/// `Catalog` is a string in the SDK; the API reference names its two values.
pub(crate) const CATALOGS: [&str; 2] = ["AWS", "Sandbox"];

/// Address.StateOrRegion valid values when CountryCode is US: full names, not abbreviations
/// (<https://docs.aws.amazon.com/partner-central/latest/APIReference/API_Address.html>).
pub(crate) const US_STATES: &[&str] = &[
    "Alabama",
    "Alaska",
    "American Samoa",
    "Arizona",
    "Arkansas",
    "California",
    "Colorado",
    "Connecticut",
    "Delaware",
    "Dist. of Columbia",
    "Federated States of Micronesia",
    "Florida",
    "Georgia",
    "Guam",
    "Hawaii",
    "Idaho",
    "Illinois",
    "Indiana",
    "Iowa",
    "Kansas",
    "Kentucky",
    "Louisiana",
    "Maine",
    "Marshall Islands",
    "Maryland",
    "Massachusetts",
    "Michigan",
    "Minnesota",
    "Mississippi",
    "Missouri",
    "Montana",
    "Nebraska",
    "Nevada",
    "New Hampshire",
    "New Jersey",
    "New Mexico",
    "New York",
    "North Carolina",
    "North Dakota",
    "Northern Mariana Islands",
    "Ohio",
    "Oklahoma",
    "Oregon",
    "Palau",
    "Pennsylvania",
    "Puerto Rico",
    "Rhode Island",
    "South Carolina",
    "South Dakota",
    "Tennessee",
    "Texas",
    "Utah",
    "Vermont",
    "Virginia",
    "Virgin Islands",
    "Washington",
    "West Virginia",
    "Wisconsin",
    "Wyoming",
    "APO/AE",
    "AFO/FPO",
    "FPO, AP",
];

pub(crate) use events::partner_central::NO_POSTAL_CODE_COUNTRIES;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amount_pattern() {
        for ok in ["0", "1", "1000", "1000.5", "1000.55", "1000.", "0.99"] {
            assert!(is_amount(ok), "{ok}");
        }
        for bad in [
            "", "01", "-5", "1,000", "1000.555", "1e3", " 10", ".5", "USD 10",
        ] {
            assert!(!is_amount(bad), "{bad}");
        }
    }

    #[test]
    fn e164_pattern() {
        assert!(is_e164("+12065550142"));
        assert!(!is_e164("+1 206 555 0142"));
        assert!(!is_e164("2065550142"));
        assert!(!is_e164("+0206555"));
        assert!(!is_e164("+1234567890123456"));
    }

    #[test]
    fn email_pattern_is_lower_case_only() {
        assert!(is_email("jane.doe@acmeanalytics.com"));
        assert!(is_email("o'brien+sales@sub.example.co.uk"));
        assert!(!is_email("Priya.Raman@BluefinHealth.com"));
        assert!(!is_email("jane@localhost"));
        assert!(!is_email("jane..doe@example.com"));
        assert!(!is_email("jane@-example.com"));
    }

    #[test]
    fn website_pattern() {
        for ok in [
            "https://www.acmeanalytics.com",
            "acme.io",
            "http://a-b.example.org/path?x=1",
        ] {
            assert!(is_website(ok), "{ok}");
        }
        for bad in [
            "acme",
            "https://",
            "https://acme",
            "acme .com",
            "ftp://acme.com",
        ] {
            assert!(!is_website(bad), "{bad}");
        }
    }

    #[test]
    fn dates_and_ids() {
        assert!(iso_date("2030-02-28").is_some());
        assert!(iso_date("2030-02-30").is_none());
        assert!(iso_date("2030-2-28").is_none());
        assert!(iso_date("2030-02-28T00:00:00Z").is_none());
        assert!(is_opportunity_id("O1234567890"));
        assert!(!is_opportunity_id("o1234"));
        assert!(is_solution_id("S-0000123"));
        assert!(is_solution_id("Other"));
        assert!(!is_solution_id("S-"));
    }
}
