//! A small, realistic demo portal for the local runner and end-to-end tests.
//!
//! The data is deliberately *HubSpot-shaped*, not Partner-Central-shaped, so the mapping code
//! has real work to do: country and state are free text ("United States", "Washington"),
//! industries use HubSpot's enum (`COMPUTER_SOFTWARE`), phones are not E.164, one email has
//! upper-case letters, one deal has no company, one is closed lost with a past close date.

use chrono::{Duration, Utc};

use super::{HubSpotFake, ObjectType};

/// The ids `seed_demo` creates (fixed, so logs and docs can name them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoIds {
    /// `#AWS` deal, primary company (listed twice in v3), contact and a note.
    pub deal_acme: String,
    /// `#AWS` deal in Germany, company linked without the primary label.
    pub deal_nordwind: String,
    /// A deal without `#AWS` in its name (must be ignored by the sync).
    pub deal_untagged: String,
    /// `#AWS` deal with no associated company (cannot be mapped completely).
    pub deal_without_company: String,
    /// `#AWS` deal, closed lost, close date in the past.
    pub deal_closed_lost: String,
    pub company_acme: String,
    pub company_nordwind: String,
    pub company_bluefin: String,
    pub company_maple: String,
    pub contact_jane: String,
    pub contact_lukas: String,
    pub contact_priya: String,
    pub contact_tom: String,
    pub note_acme: String,
    pub note_nordwind: String,
}

impl Default for DemoIds {
    fn default() -> Self {
        let s = str::to_owned;
        Self {
            deal_acme: s("7"),
            deal_nordwind: s("8"),
            deal_untagged: s("9"),
            deal_without_company: s("10"),
            deal_closed_lost: s("11"),
            company_acme: s("101"),
            company_nordwind: s("102"),
            company_bluefin: s("103"),
            company_maple: s("104"),
            contact_jane: s("201"),
            contact_lukas: s("202"),
            contact_priya: s("203"),
            contact_tom: s("204"),
            note_acme: s("301"),
            note_nordwind: s("302"),
        }
    }
}

pub(crate) fn seed_demo(hubspot: &HubSpotFake) -> DemoIds {
    use ObjectType::{Company, Contact, Deal, Note};
    let ids = DemoIds::default();
    let now = Utc::now();
    let stamp = |days: i64| {
        (now + Duration::days(days))
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string()
    };

    let companies: [(&str, [(&str, &str); 9]); 4] = [
        (
            &ids.company_acme,
            [
                ("name", "Acme Analytics Inc."),
                ("domain", "acmeanalytics.com"),
                ("website", "https://www.acmeanalytics.com"),
                ("industry", "COMPUTER_SOFTWARE"),
                ("country", "United States"),
                ("city", "Seattle"),
                ("state", "Washington"),
                ("zip", "98101"),
                ("address", "400 Pine St"),
            ],
        ),
        (
            &ids.company_nordwind,
            [
                ("name", "Nordwind Logistik GmbH"),
                ("domain", "nordwind-logistik.de"),
                ("website", "nordwind-logistik.de"),
                ("industry", "LOGISTICS_AND_SUPPLY_CHAIN"),
                ("country", "Germany"),
                ("city", "Hamburg"),
                ("state", "Hamburg"),
                ("zip", "20457"),
                ("address", "Am Sandtorkai 50"),
            ],
        ),
        (
            &ids.company_bluefin,
            [
                ("name", "Bluefin Health Partners"),
                ("domain", "bluefinhealth.com"),
                ("website", "http://bluefinhealth.com"),
                ("industry", "HOSPITAL_HEALTH_CARE"),
                ("country", "United States"),
                ("city", "Boston"),
                ("state", "MA"),
                ("zip", "02110"),
                ("address", "1 Federal St"),
            ],
        ),
        (
            &ids.company_maple,
            [
                ("name", "Maple Retail Co."),
                ("domain", "mapleretail.ca"),
                ("website", "https://mapleretail.ca"),
                ("industry", "RETAIL"),
                ("country", "Canada"),
                ("city", "Toronto"),
                ("state", "Ontario"),
                ("zip", "M5V 2T6"),
                ("address", "55 Front St W"),
            ],
        ),
    ];
    for (id, props) in companies {
        hubspot.upsert(Company, id, props);
    }

    let contacts: [(&str, [(&str, &str); 5]); 4] = [
        (
            &ids.contact_jane,
            [
                ("firstname", "Jane"),
                ("lastname", "Doe"),
                ("email", "jane.doe@acmeanalytics.com"),
                ("phone", "+1 (206) 555-0142"),
                ("jobtitle", "Chief Technology Officer"),
            ],
        ),
        (
            &ids.contact_lukas,
            [
                ("firstname", "Lukas"),
                ("lastname", "Becker"),
                ("email", "lukas.becker@nordwind-logistik.de"),
                ("phone", "+49 40 1234567"),
                ("jobtitle", "Head of IT"),
            ],
        ),
        (
            &ids.contact_priya,
            [
                ("firstname", "Priya"),
                ("lastname", "Raman"),
                ("email", "Priya.Raman@BluefinHealth.com"),
                ("phone", "(617) 555-0199"),
                ("jobtitle", "VP Engineering"),
            ],
        ),
        (
            &ids.contact_tom,
            [
                ("firstname", "Tom"),
                ("lastname", "Nguyen"),
                ("email", "tom@mapleretail.ca"),
                ("phone", ""),
                ("jobtitle", "Director of E-commerce"),
            ],
        ),
    ];
    for (id, props) in contacts {
        hubspot.upsert(Contact, id, props);
    }
    // Tom has no phone: unset rather than "" so reads show `null`.
    hubspot.unset(Contact, &ids.contact_tom, "phone");

    let deal = |id: &str, name: &str, amount: &str, stage: &str, close: String, desc: &str| {
        hubspot.upsert(
            Deal,
            id,
            [
                ("dealname", name.to_owned()),
                ("amount", amount.to_owned()),
                ("dealstage", stage.to_owned()),
                ("pipeline", "default".to_owned()),
                ("closedate", close),
                ("description", desc.to_owned()),
                ("hubspot_owner_id", "5550001".to_owned()),
            ],
        );
    };
    deal(
        &ids.deal_acme,
        "Acme Analytics data lake migration #AWS",
        "240000",
        "qualifiedtobuy",
        stamp(90),
        "Move 40 TB of on-prem Hadoop data to an S3 data lake queried with Athena and QuickSight.",
    );
    deal(
        &ids.deal_nordwind,
        "Nordwind fleet telemetry platform #AWS",
        "96000.50",
        "presentationscheduled",
        stamp(45),
        "Real-time truck telemetry ingestion with IoT Core and Timestream, dashboards for dispatch.",
    );
    deal(
        &ids.deal_untagged,
        "Bluefin on-prem support renewal",
        "18000",
        "contractsent",
        stamp(30),
        "Annual renewal of on-prem support; no cloud component.",
    );
    deal(
        &ids.deal_without_company,
        "#AWS Maple Retail e-commerce replatform",
        "150000",
        "appointmentscheduled",
        stamp(120),
        "Replatform the storefront onto containers on ECS with Aurora PostgreSQL.",
    );
    deal(
        &ids.deal_closed_lost,
        "Bluefin HIPAA archive #AWS",
        "60000",
        "closedlost",
        stamp(-20),
        "Long-term archive of imaging data in S3 Glacier Deep Archive; lost on price.",
    );

    hubspot.associate_primary((Deal, &ids.deal_acme), (Company, &ids.company_acme));
    hubspot.associate((Deal, &ids.deal_acme), (Contact, &ids.contact_jane));
    hubspot.associate((Deal, &ids.deal_nordwind), (Company, &ids.company_nordwind));
    hubspot.associate((Deal, &ids.deal_nordwind), (Contact, &ids.contact_lukas));
    hubspot.associate_primary((Deal, &ids.deal_untagged), (Company, &ids.company_bluefin));
    hubspot.associate(
        (Deal, &ids.deal_without_company),
        (Contact, &ids.contact_tom),
    );
    hubspot.associate_primary(
        (Deal, &ids.deal_closed_lost),
        (Company, &ids.company_bluefin),
    );
    hubspot.associate((Deal, &ids.deal_closed_lost), (Contact, &ids.contact_priya));
    for (contact, company) in [
        (&ids.contact_jane, &ids.company_acme),
        (&ids.contact_lukas, &ids.company_nordwind),
        (&ids.contact_priya, &ids.company_bluefin),
        (&ids.contact_tom, &ids.company_maple),
    ] {
        hubspot.associate_primary((Contact, contact), (Company, company));
    }

    hubspot.upsert(
        Note,
        &ids.note_acme,
        [
            (
                "hs_note_body",
                "<p>Discovery call: customer wants Athena over the raw zone first.</p>".to_owned(),
            ),
            ("hs_timestamp", stamp(-3)),
        ],
    );
    hubspot.associate((Note, &ids.note_acme), (Deal, &ids.deal_acme));
    hubspot.upsert(
        Note,
        &ids.note_nordwind,
        [
            (
                "hs_note_body",
                "<p>Pilot with 50 trucks agreed for next quarter.</p>".to_owned(),
            ),
            ("hs_timestamp", stamp(-1)),
        ],
    );
    hubspot.associate((Note, &ids.note_nordwind), (Deal, &ids.deal_nordwind));
    ids
}
