//! Single-value normalisations: money, phone numbers, URLs, dates and text limits.

use chrono::{Days, NaiveDate};

/// `(0|[1-9]\d{0,30})(\.\d{0,2})?`: HubSpot stores `amount` as a decimal string that may carry
/// more decimals, a sign, thousands separators or exponent notation from imports. Rounds half
/// up to cents; negative or unreadable amounts are `None`.
pub fn amount(raw: &str) -> Option<String> {
    let cleaned: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | '_' | ' ' | '$'))
        .collect();
    if cleaned.is_empty() || cleaned.starts_with('-') {
        return None;
    }
    let cleaned = cleaned.trim_start_matches('+');
    if cleaned.contains(['e', 'E']) {
        let value: f64 = cleaned.parse().ok()?;
        if !value.is_finite() || !(0.0..1e31).contains(&value) {
            return None;
        }
        return amount(&format!("{value:.2}"));
    }
    let (int_part, frac_part) = cleaned.split_once('.').unwrap_or((cleaned, ""));
    if !int_part.chars().all(|c| c.is_ascii_digit())
        || !frac_part.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    // Cents, rounding on the third decimal, carrying into the integer part when needed.
    let mut digits: Vec<u8> = int_part.bytes().map(|b| b - b'0').collect();
    let frac: Vec<u8> = frac_part.bytes().map(|b| b - b'0').collect();
    digits.push(frac.first().copied().unwrap_or(0));
    digits.push(frac.get(1).copied().unwrap_or(0));
    if frac.get(2).copied().unwrap_or(0) >= 5 {
        let mut i = digits.len();
        loop {
            if i == 0 {
                digits.insert(0, 1);
                break;
            }
            i -= 1;
            if digits[i] == 9 {
                digits[i] = 0;
            } else {
                digits[i] += 1;
                break;
            }
        }
    }
    let split = digits.len() - 2;
    let int: String = digits[..split]
        .iter()
        .map(|d| char::from(b'0' + d))
        .collect::<String>()
        .trim_start_matches('0')
        .to_owned();
    let int = if int.is_empty() { "0".to_owned() } else { int };
    if int.len() > 31 {
        return None;
    }
    let cents: String = digits[split..]
        .iter()
        .map(|d| char::from(b'0' + d))
        .collect();
    Some(match cents.as_str() {
        "00" => int,
        c if c.ends_with('0') => format!("{int}.{}", &c[..1]),
        c => format!("{int}.{c}"),
    })
}

/// An ISO 4217 code the API knows, or `None`.
pub fn currency(raw: &str) -> Option<String> {
    let code = raw.trim().to_ascii_uppercase();
    aws_sdk_partnercentralselling::types::CurrencyCode::values()
        .contains(&code.as_str())
        .then_some(code)
}

/// E.164 (`+` and 8–15 digits). Numbers written without a country code are read with the
/// calling code of the contact's country, when known; otherwise they are dropped rather
/// than guessed.
pub fn phone_e164(raw: &str, country_calling_code: Option<&str>) -> Option<String> {
    let raw = raw.trim();
    let main = raw
        .split(|c: char| c.is_ascii_alphabetic() || c == '#')
        .next()
        .unwrap_or("");
    let digits: String = main.chars().filter(char::is_ascii_digit).collect();
    let full = if main.trim_start().starts_with('+') {
        digits
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_owned()
    } else {
        let code = country_calling_code?;
        let national = digits.trim_start_matches('0');
        if code == "1" && national.len() == 11 && national.starts_with('1') {
            national.to_owned()
        } else {
            format!("{code}{national}")
        }
    };
    // E.164 country codes never start with 0 (the API's pattern is `\+[1-9]\d{1,14}`).
    ((8..=15).contains(&full.len()) && !full.starts_with('0')).then(|| format!("+{full}"))
}

/// International calling codes of the countries whose numbers are commonly written without one.
pub fn calling_code(country_code: &str) -> Option<&'static str> {
    const CODES: [(&str, &str); 20] = [
        ("US", "1"),
        ("CA", "1"),
        ("PR", "1"),
        ("GB", "44"),
        ("IE", "353"),
        ("DE", "49"),
        ("FR", "33"),
        ("ES", "34"),
        ("IT", "39"),
        ("NL", "31"),
        ("BE", "32"),
        ("CH", "41"),
        ("AT", "43"),
        ("SE", "46"),
        ("AU", "61"),
        ("NZ", "64"),
        ("IN", "91"),
        ("JP", "81"),
        ("SG", "65"),
        ("BR", "55"),
    ];
    CODES
        .iter()
        .find(|(c, _)| *c == country_code)
        .map(|(_, d)| *d)
}

/// `example.com`, `http://example.com/`, `WWW.Example.com` → `https://www.example.com`
/// (scheme forced to https, host lowercased, a bare trailing slash dropped). Values with
/// spaces or without a dot in the host are not URLs and give `None`.
pub fn website(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let rest = raw
        .strip_prefix("https://")
        .or_else(|| raw.strip_prefix("http://"))
        .or_else(|| raw.strip_prefix("HTTPS://"))
        .or_else(|| raw.strip_prefix("HTTP://"))
        .unwrap_or(raw)
        .trim_start_matches('/');
    if rest.is_empty() || rest.contains(char::is_whitespace) {
        return None;
    }
    let (host, path) = match rest.find(['/', '?', '#']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let host = host.to_ascii_lowercase();
    if !host.contains('.') || host.starts_with('.') || host.ends_with('.') {
        return None;
    }
    let path = if path == "/" { "" } else { path };
    let url = format!("https://{host}{path}");
    (url.chars().count() <= 255).then_some(url)
}

/// TargetCloseDate: the deal's `closedate` (ISO date-time, a date, or epoch milliseconds as
/// older HubSpot APIs return), but never before `today + min_days` — Partner Central refuses
/// past dates, and a date that is only just in the future would turn past again while a
/// retry waits. Returns the date and whether it was clamped.
pub fn target_close_date(raw: Option<&str>, today: NaiveDate, min_days: u64) -> (NaiveDate, bool) {
    let floor = today.checked_add_days(Days::new(min_days)).unwrap_or(today);
    match raw.and_then(parse_date) {
        Some(date) if date >= floor => (date, false),
        _ => (floor, true),
    }
}

pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let raw = raw.trim();
    if let Ok(ms) = raw.parse::<i64>() {
        return chrono::DateTime::from_timestamp_millis(ms).map(|d| d.date_naive());
    }
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(raw) {
        return Some(dt.naive_utc().date());
    }
    NaiveDate::parse_from_str(raw.get(..10)?, "%Y-%m-%d").ok()
}

/// At most `max` characters, cut at a word boundary when one is reasonably close, with an
/// ellipsis marking the cut. Shorter text is returned unchanged.
pub fn truncate_clean(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let budget = max.saturating_sub(1);
    let cut: String = text.chars().take(budget).collect();
    let at_word = cut
        .rfind(char::is_whitespace)
        .filter(|&i| cut[..i].chars().count() >= budget * 3 / 4)
        .map_or(cut.as_str(), |i| &cut[..i]);
    format!(
        "{}…",
        at_word.trim_end_matches(|c: char| c.is_whitespace() || c == ',' || c == ';')
    )
}

/// Plain text from HubSpot's HTML note bodies: tags dropped, common entities decoded,
/// whitespace collapsed.
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn amounts_match_the_api_pattern() {
        for (raw, expected) in [
            ("1000", Some("1000")),
            ("1000.5", Some("1000.5")),
            ("1000.50", Some("1000.5")),
            ("1000.00", Some("1000")),
            ("1,234.567", Some("1234.57")),
            ("0.005", Some("0.01")),
            ("0.004", Some("0")),
            ("99.995", Some("100")),
            ("007", Some("7")),
            (".5", Some("0.5")),
            ("0", Some("0")),
            ("1.5e3", Some("1500")),
            ("$ 12", Some("12")),
            ("-5", None),
            ("abc", None),
            ("", None),
            (".", None),
            ("1.2.3", None),
        ] {
            assert_eq!(amount(raw).as_deref(), expected, "{raw}");
        }
        let max = "9".repeat(31);
        assert_eq!(amount(&max).as_deref(), Some(max.as_str()));
        assert_eq!(
            amount(&format!("{max}.994")).as_deref(),
            Some(format!("{max}.99").as_str())
        );
        assert_eq!(amount(&format!("{max}.995")), None, "rounds to 32 digits");
        assert_eq!(amount(&"1".repeat(32)), None);
    }

    #[test]
    fn currencies_are_checked_against_the_sdk() {
        assert_eq!(currency(" eur ").as_deref(), Some("EUR"));
        assert_eq!(currency("USD").as_deref(), Some("USD"));
        assert_eq!(currency("XYZ"), None);
        assert_eq!(currency("dollars"), None);
    }

    #[test]
    fn phones_become_e164() {
        assert_eq!(
            phone_e164("+1 (415) 555-0100", None).as_deref(),
            Some("+14155550100")
        );
        assert_eq!(
            phone_e164("(415) 555-0100", Some("1")).as_deref(),
            Some("+14155550100")
        );
        assert_eq!(
            phone_e164("1-415-555-0100", Some("1")).as_deref(),
            Some("+14155550100")
        );
        assert_eq!(
            phone_e164("0044 20 7946 0958", None).as_deref(),
            Some("+442079460958")
        );
        assert_eq!(
            phone_e164("020 7946 0958", Some("44")).as_deref(),
            Some("+442079460958")
        );
        assert_eq!(
            phone_e164("+49 30 1234567 ext. 12", None).as_deref(),
            Some("+49301234567")
        );
        assert_eq!(
            phone_e164("555-0100", None),
            None,
            "no country: not guessed"
        );
        assert_eq!(phone_e164("+1234", None), None, "too short");
        assert_eq!(
            phone_e164("+0 20 7946 0958", None),
            None,
            "no country code starts with 0"
        );
        assert_eq!(
            phone_e164("000 20 7946 0958", None),
            None,
            "00 prefix followed by 0"
        );
        assert_eq!(
            phone_e164("+1234567890123456", None),
            None,
            "16 digits is too long"
        );
        assert_eq!(
            phone_e164("+123456789012345", None).as_deref(),
            Some("+123456789012345")
        );
        assert_eq!(calling_code("GB"), Some("44"));
        assert_eq!(calling_code("ZZ"), None);
    }

    #[test]
    fn websites_are_https() {
        for (raw, expected) in [
            ("example.com", Some("https://example.com")),
            ("http://example.com/", Some("https://example.com")),
            (
                "HTTP://WWW.Example.COM/Path?q=1",
                Some("https://www.example.com/Path?q=1"),
            ),
            ("https://example.com/a/", Some("https://example.com/a/")),
            ("//example.com", Some("https://example.com")),
            ("not a url", None),
            ("localhost", None),
            ("", None),
        ] {
            assert_eq!(website(raw).as_deref(), expected, "{raw}");
        }
        let long = format!("example.com/{}", "a".repeat(300));
        assert_eq!(website(&long), None);
    }

    #[test]
    fn close_dates_are_never_in_the_past() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            target_close_date(Some("2027-03-01"), today, 30),
            (d("2027-03-01"), false)
        );
        assert_eq!(
            target_close_date(Some("2027-03-01T10:00:00.000Z"), today, 30),
            (d("2027-03-01"), false)
        );
        assert_eq!(
            target_close_date(Some("2026-12-23"), today, 30),
            (d("2026-12-23"), false),
            "exactly the floor"
        );
        assert_eq!(
            target_close_date(Some("2026-12-22"), today, 30),
            (d("2026-12-23"), true),
            "one day short"
        );
        assert_eq!(
            target_close_date(Some("2020-01-01"), today, 30),
            (d("2026-12-23"), true)
        );
        assert_eq!(target_close_date(None, today, 30), (d("2026-12-23"), true));
        assert_eq!(
            target_close_date(Some("garbage"), today, 30),
            (d("2026-12-23"), true)
        );
        assert_eq!(
            target_close_date(Some("1800000000000"), today, 30),
            (d("2027-01-15"), false),
            "epoch milliseconds"
        );
    }

    #[test]
    fn truncation_is_clean_and_exact() {
        assert_eq!(truncate_clean("short", 10), "short");
        assert_eq!(truncate_clean("exactly10c", 10), "exactly10c");
        let t = truncate_clean("alpha beta gamma delta", 15);
        assert_eq!(t, "alpha beta…");
        assert!(t.chars().count() <= 15);
        let t = truncate_clean(&"x".repeat(300), 255);
        assert_eq!(t.chars().count(), 255);
        assert!(t.ends_with('…'));
        let t = truncate_clean(&"é".repeat(300), 255);
        assert_eq!(t.chars().count(), 255, "counts characters, not bytes");
    }

    #[test]
    fn html_notes_become_plain_text() {
        assert_eq!(
            plain_text("<p>Call <b>Jane</b>&nbsp;on&nbsp;Friday &amp; send SOW</p>\n<p>ok</p>"),
            "Call Jane on Friday & send SOW ok"
        );
    }
}
