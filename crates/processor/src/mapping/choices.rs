//! The Partner Central enum values the mapping chooses from, and how HubSpot text picks them.

pub const DELIVERY_MODELS: [&str; 6] = [
    "SaaS or PaaS",
    "BYOL or AMI",
    "Managed Services",
    "Professional Services",
    "Resell",
    "Other",
];
pub const OPPORTUNITY_TYPES: [&str; 3] = ["Net New Business", "Flat Renewal", "Expansion"];
pub const PRIMARY_NEEDS: [&str; 8] = [
    "Co-Sell - Architectural Validation",
    "Co-Sell - Business Presentation",
    "Co-Sell - Competitive Information",
    "Co-Sell - Pricing Assistance",
    "Co-Sell - Technical Consultation",
    "Co-Sell - Total Cost of Ownership Evaluation",
    "Co-Sell - Deal Support",
    "Co-Sell - Support for Public Tender / RFx",
];
/// `Project.CustomerUseCase` values (API reference).
pub const USE_CASES: [&str; 39] = [
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

/// `LifeCycle.ClosedLostReason` values a HubSpot user can pick (`aws_closed_lost_reason`).
pub const CLOSED_LOST_REASONS: [&str; 14] = [
    "Customer Deficiency",
    "Delay / Cancellation of Project",
    "Financial/Commercial",
    "Legal / Tax / Regulatory",
    "Lost to Competitor - Google",
    "Lost to Competitor - Microsoft",
    "Lost to Competitor - Other",
    "No Opportunity",
    "Other",
    "Partner Gap",
    "Price",
    "Product/Technology",
    "Security / Compliance",
    "Technical Limitations",
];

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
