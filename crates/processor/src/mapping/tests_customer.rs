//! Mapping tests of the customer side: company, address, contacts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::tests::{BASE, map, settings, snapshot, today};
use super::*;

#[test]
fn company_is_required() {
    let mut s = snapshot(&BASE);
    s.company = None;
    let err = desired_opportunity(&s, &settings(), today()).unwrap_err();
    assert!(err.to_string().contains("CompanyName"), "{err}");
    let mut s = snapshot(&BASE);
    s.company = Some(CrmRecord::new("201").with("domain", "x.example"));
    assert!(desired_opportunity(&s, &settings(), today()).is_err());
}

#[test]
fn account_edges() {
    let mut s = snapshot(&BASE);
    s.company = Some(
        CrmRecord::new("201")
            .with("name", &"N".repeat(150))
            .with("website", "http://WWW.ACME.example/")
            .with("industry", "ANIMATION")
            .with("country", "Deutschland")
            .with("state", "Bayern"),
    );
    let d = map(&s);
    let a = &d.fields.account;
    assert_eq!(a.company_name.chars().count(), COMPANY_NAME_MAX);
    assert_eq!(a.website_url.as_deref(), Some("https://www.acme.example"));
    assert_eq!(a.industry.as_deref(), Some("Other"));
    assert_eq!(a.other_industry.as_deref(), Some("Animation"));
    assert_eq!(a.address.country_code.as_deref(), Some("DE"));
    assert_eq!(
        a.address.state_or_region.as_deref(),
        Some("Bayern"),
        "non-US regions pass through"
    );
    s.company = Some(
        CrmRecord::new("201")
            .with("name", "X")
            .with("country", "Narnia"),
    );
    let d = map(&s);
    assert_eq!(d.fields.account.address.country_code, None);
    assert!(d.adjustments.iter().any(|a| a.contains("Narnia")));
}

#[test]
fn contacts_are_limited_and_phones_normalised() {
    let mut s = snapshot(&BASE);
    s.contacts = (0..7)
        .map(|i| {
            CrmRecord::new(format!("c{i}"))
                .with("email", &format!("p{i}@acme.example"))
                .with("firstname", "Pat")
                .with("lastname", &format!("Lee{i}"))
                .with("jobtitle", "CTO")
                .with("phone", "(206) 555-0100")
        })
        .collect();
    s.contacts.push(CrmRecord::new("nobody"));
    let d = map(&s);
    assert_eq!(d.fields.contacts.len(), MAX_CUSTOMER_CONTACTS);
    assert_eq!(
        d.fields.contacts[0].phone.as_deref(),
        Some("+12065550100"),
        "company country gives +1"
    );
    assert_eq!(
        d.fields.contacts[0].email.as_deref(),
        Some("p0@acme.example")
    );
    assert_eq!(d.fields.contacts[4].last_name.as_deref(), Some("Lee4"));
    assert!(d.adjustments.iter().any(|a| a.contains("contacts")));
    s.contacts = vec![
        CrmRecord::new("c")
            .with("email", &format!("{}@x.example", "e".repeat(80)))
            .with("lastname", &"L".repeat(100))
            .with("mobilephone", "+44 20 7946 0958"),
    ];
    let p = &map(&s).fields.contacts[0];
    assert_eq!(p.email, None, "an email over 80 characters is dropped");
    assert_eq!(
        p.last_name.as_ref().map(|n| n.chars().count()),
        Some(CONTACT_FIELD_MAX)
    );
    assert_eq!(p.phone.as_deref(), Some("+442079460958"));
}
