//! ListOpportunities helpers: a LastModifiedDate window and a paged, oldest-first sweep.

use aws_sdk_partnercentralselling::Client;
use aws_sdk_partnercentralselling::primitives::DateTime;
use aws_sdk_partnercentralselling::types::{
    LastModifiedDate, OpportunitySort, OpportunitySortName, SortOrder,
};

pub fn window(after: Option<DateTime>, before: Option<DateTime>) -> LastModifiedDate {
    LastModifiedDate::builder()
        .set_after_last_modified_date(after)
        .set_before_last_modified_date(before)
        .build()
}

pub fn oldest_first() -> OpportunitySort {
    OpportunitySort::builder()
        .sort_by(OpportunitySortName::LastModifieddate)
        .sort_order(SortOrder::Ascending)
        .build()
        .unwrap()
}

/// Every page of a windowed, oldest-first listing: the partner ids, and the number of calls.
pub async fn sweep(
    client: &Client,
    window: LastModifiedDate,
    page_size: i32,
) -> (Vec<String>, usize) {
    let mut ids = Vec::new();
    let mut calls = 0;
    let mut next = None;
    loop {
        let page = client
            .list_opportunities()
            .catalog("Sandbox")
            .last_modified_date(window.clone())
            .sort(oldest_first())
            .max_results(page_size)
            .set_next_token(next)
            .send()
            .await
            .unwrap();
        calls += 1;
        ids.extend(
            page.opportunity_summaries()
                .iter()
                .filter_map(|s| s.partner_opportunity_identifier())
                .map(str::to_owned),
        );
        next = page.next_token().map(str::to_owned);
        if next.is_none() {
            return (ids, calls);
        }
    }
}
