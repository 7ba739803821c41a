//! Partner Central facts that both the processor and the sandbox fake rely on and that the SDK
//! does not carry as an enum. Value lists that are SDK enums are read from the SDK (`values()`).

/// `Project.CustomerUseCase` accepted values. The API types the field as a string; the list is
/// the "Valid values" of `Project` in the Partner Central Selling API reference
/// (<https://docs.aws.amazon.com/partner-central/latest/APIReference/API_Project.html>).
pub const CUSTOMER_USE_CASES: [&str; 39] = [
    "AI Machine Learning and Analytics",
    "Archiving",
    "Big Data: Data Warehouse/Data Integration/ETL/Data Lake/BI",
    "Blockchain",
    "Business Applications: Mainframe Modernization",
    "Business Applications & Contact Center",
    "Business Applications & SAP Production",
    "Centralized Operations Management",
    "Cloud Management Tools",
    "Cloud Management Tools & DevOps with Continuous Integration & Continuous Delivery (CICD)",
    "Configuration, Compliance & Auditing",
    "Connected Services",
    "Containers & Serverless",
    "Content Delivery & Edge Services",
    "Database",
    "Edge Computing/End User Computing",
    "Energy",
    "Enterprise Governance & Controls",
    "Enterprise Resource Planning",
    "Financial Services",
    "Healthcare and Life Sciences",
    "High Performance Computing",
    "Hybrid Application Platform",
    "Industrial Software",
    "IOT",
    "Manufacturing, Supply Chain and Operations",
    "Media & High performance computing (HPC)",
    "Migration/Database Migration",
    "Monitoring, logging and performance",
    "Monitoring & Observability",
    "Networking",
    "Outpost",
    "SAP",
    "Security & Compliance",
    "Storage & Backup",
    "Training",
    "VMC",
    "VMWare",
    "Web development & DevOps",
];

/// Countries without a postal-code system, where PostalCode is not demanded for submission. AWS
/// publishes no such list; this is the common list of countries that have no postal codes.
pub const NO_POSTAL_CODE_COUNTRIES: &[&str] = &[
    "AE", "AG", "AN", "AO", "AW", "BF", "BI", "BJ", "BO", "BS", "BW", "BZ", "CD", "CF", "CG", "CI",
    "CK", "CM", "DJ", "DM", "ER", "FJ", "GA", "GD", "GH", "GM", "GN", "GQ", "GY", "HK", "JM", "KI",
    "KM", "KN", "KP", "LC", "ML", "MO", "MR", "MS", "MU", "MW", "NR", "NU", "QA", "RW", "SB", "SC",
    "SL", "SO", "SR", "ST", "SY", "TD", "TF", "TG", "TK", "TL", "TO", "TT", "TV", "UG", "VU", "YE",
    "ZW",
];
