//! The crate's one integration-test binary (each test binary links the AWS SDK, and linking
//! dominates build time): the fakes driven over their real wire protocols, HubSpot through
//! reqwest and Partner Central through the real SDK client.

mod common;
mod hubspot_account;
mod hubspot_creation;
mod hubspot_reads;
mod hubspot_search;
mod hubspot_unique;
mod hubspot_writes;
mod partner_central_api;
mod partner_central_aws_summary;
mod partner_central_events;
mod partner_central_lifecycle;
mod partner_central_list;
mod partner_central_referral_decisions;
mod partner_central_referrals;
mod partner_central_review;
mod partner_central_submission;
mod partner_central_validation;
