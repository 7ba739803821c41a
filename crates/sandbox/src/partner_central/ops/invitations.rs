//! The partner's side of AWS referrals, reads and the decline: ListEngagementInvitations,
//! GetEngagementInvitation and RejectEngagementInvitation
//! (<https://docs.aws.amazon.com/partner-central/latest/APIReference/API_ListEngagementInvitations.html>,
//! <https://docs.aws.amazon.com/partner-central/latest/APIReference/API_GetEngagementInvitation.html>,
//! <https://docs.aws.amazon.com/partner-central/latest/APIReference/API_RejectEngagementInvitation.html>).
//!
//! - Identifiers are `engi-[0-9a-z]{13}` or the invitation's ARN, as the reference's pattern
//!   `(arn:.*|engi-[0-9a-z]{13})` allows.
//! - ListEngagementInvitations requires ParticipantType; the fake's partner has sent no
//!   invitations of its own, so `SENDER` lists nothing. MaxResults is 1–100.
//! - RejectEngagementInvitation: RejectionReason must match
//!   `[\u0020-\u007E\u00A0-\uD7FF\uE000-\uFFFD]{1,80}` (printable, 1–80 characters). The
//!   reference lists the "acceptable values" (`Customer problem unclear`, `Next steps
//!   unclear`, `Unable to support`, `Duplicate of partner referral`, `Other`) but constrains
//!   the member only by that pattern, so that is what the fake enforces. The developer guide
//!   calls the reason "required"
//!   (<https://docs.aws.amazon.com/partner-central/latest/APIReference/working-with-opportunities-from-aws.html>),
//!   and so does the fake. An invitation that is no longer PENDING, or whose acceptance task
//!   is running, cannot be rejected: ConflictException ("a conflict with the target
//!   resource's current state").

use aws_sdk_partnercentralselling::types::{
    EngagementInvitationPayloadType, InvitationStatus, OpportunityEngagementInvitationSortName,
    ParticipantType, TaskStatus,
};
use serde_json::{Map, Value, json};

use super::paging::{admits, descending, filter, page, page_bounds};
use super::{Outcome, internal};
use crate::partner_central::Shared;
use crate::partner_central::eventbridge::DetailType;
use crate::partner_central::protocol::{AwsError, Code};
use crate::partner_central::referrals::{Invitation, SENDER_ACCOUNT};
use crate::partner_central::store::Store;
use crate::partner_central::validation::{self, Report, list_of, one_of, string};

/// ListEngagementInvitations' MaxResults range (1–100).
const MAX_RESULTS: u64 = 100;
const TOKEN_PREFIX: &str = "sandbox-invitation-offset-";

/// `(arn:.*|engi-[0-9a-z]{13})`, 1–255 characters.
pub(super) fn is_invitation_identifier(s: &str) -> bool {
    let id_shaped = s.strip_prefix("engi-").is_some_and(|rest| {
        rest.len() == 13
            && rest
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    });
    (1..=255).contains(&s.len()) && (s.starts_with("arn:") || id_shaped)
}

/// Shape-checks `Catalog` and an invitation identifier member.
pub(super) fn catalog_and_invitation<'a>(
    r: &mut Report,
    body: &'a Map<String, Value>,
    key: &str,
) -> (Option<&'a str>, Option<&'a str>) {
    let catalog = validation::catalog(r, body);
    let id = match string(r, body, key, key) {
        Some(id) if is_invitation_identifier(id) => Some(id),
        Some(id) => {
            r.request(
                key,
                Code::InvalidStringFormat,
                format!("{key} \"{id}\" must match (arn:.*|engi-[0-9a-z]{{13}})"),
            );
            None
        }
        None => {
            if body.get(key).is_none_or(Value::is_null) {
                r.request(
                    key,
                    Code::RequiredFieldMissing,
                    format!("{key} is required"),
                );
            }
            None
        }
    };
    (catalog, id)
}

pub(super) fn invitation_not_found(identifier: &str, catalog: &str) -> AwsError {
    AwsError::NotFound(format!(
        "Engagement invitation {identifier} was not found in catalog {catalog}"
    ))
}

/// The invitation an identifier names, or ResourceNotFoundException.
pub(super) fn find<'a>(
    store: &'a Store,
    catalog: &str,
    identifier: &str,
) -> Result<&'a Invitation, AwsError> {
    store
        .invitation(catalog, identifier)
        .ok_or_else(|| invitation_not_found(identifier, catalog))
}

pub(super) fn list_invitations(
    shared: &Shared,
    body: &Map<String, Value>,
) -> Result<Outcome, AwsError> {
    let mut r = Report::default();
    let catalog = validation::catalog(&mut r, body);
    let participant = one_of(
        &mut r,
        body,
        "ParticipantType",
        "ParticipantType",
        ParticipantType::values(),
    );
    if body.get("ParticipantType").is_none_or(Value::is_null) {
        r.request(
            "ParticipantType",
            Code::RequiredFieldMissing,
            "ParticipantType is required",
        );
    }
    let payload_types = EngagementInvitationPayloadType::values();
    list_of(&mut r, body, "PayloadType", "PayloadType", payload_types);
    list_of(&mut r, body, "Status", "Status", InvitationStatus::values());
    let payloads = filter(&mut r, body, "PayloadType");
    let statuses = filter(&mut r, body, "Status");
    let engagements = filter(&mut r, body, "EngagementIdentifier");
    let senders = filter(&mut r, body, "SenderAwsAccountId");
    let sort_names = OpportunityEngagementInvitationSortName::values();
    let descending = descending(&mut r, body, sort_names);
    let bounds = page_bounds(&mut r, body, MAX_RESULTS, TOKEN_PREFIX);
    r.request_result()?;
    let catalog = catalog.ok_or_else(|| internal("catalog validated"))?;
    let receiver = participant == Some(ParticipantType::Receiver.as_str());

    // Every invitation the fake holds is an OpportunityInvitation AWS sent to the partner.
    let payload_type = EngagementInvitationPayloadType::OpportunityInvitation.as_str();
    let listed = receiver
        && admits(payloads.as_ref(), Some(payload_type))
        && admits(senders.as_ref(), Some(SENDER_ACCOUNT));
    let store = shared.settled();
    // Creation order is InvitationDate order, so sorting is a reversal.
    let mut matches: Vec<Value> = store
        .invitations
        .iter()
        .filter(|i| listed && i.new.catalog == catalog)
        .filter(|i| admits(statuses.as_ref(), Some(i.status.as_str())))
        .filter(|i| admits(engagements.as_ref(), Some(&i.engagement_id)))
        .map(Invitation::to_summary)
        .collect();
    if descending {
        matches.reverse();
    }
    let out = page(
        "EngagementInvitationSummaries",
        &matches,
        bounds,
        TOKEN_PREFIX,
    );
    Ok(Outcome::read(out, None))
}

pub(super) fn get_invitation(
    shared: &Shared,
    body: &Map<String, Value>,
) -> Result<Outcome, AwsError> {
    let mut r = Report::default();
    let (catalog, identifier) = catalog_and_invitation(&mut r, body, "Identifier");
    r.request_result()?;
    let (catalog, identifier) = catalog
        .zip(identifier)
        .ok_or_else(|| internal("identifier validated"))?;
    let store = shared.settled();
    let invitation = find(&store, catalog, identifier)?;
    Ok(Outcome::read(invitation.to_get_output(), None))
}

/// `[\u0020-\u007E\u00A0-\uD7FF\uE000-\uFFFD]{1,80}`
fn is_rejection_reason(s: &str) -> bool {
    let printable = |c: char| matches!(c, '\u{20}'..='\u{7E}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}');
    (1..=80).contains(&s.chars().count()) && s.chars().all(printable)
}

pub(super) fn reject(shared: &Shared, body: &Map<String, Value>) -> Result<Outcome, AwsError> {
    let mut r = Report::default();
    let (catalog, identifier) = catalog_and_invitation(&mut r, body, "Identifier");
    let reason = string(&mut r, body, "RejectionReason", "RejectionReason");
    match reason {
        Some(reason) if !is_rejection_reason(reason) => r.request(
            "RejectionReason",
            Code::InvalidStringFormat,
            format!(
                "RejectionReason must be 1-80 printable characters (got {})",
                reason.chars().count()
            ),
        ),
        Some(_) => {}
        None if body.get("RejectionReason").is_none_or(Value::is_null) => r.request(
            "RejectionReason",
            Code::RequiredFieldMissing,
            "RejectionReason is required",
        ),
        None => {}
    }
    r.request_result()?;
    let (catalog, identifier, reason) = match (catalog, identifier, reason) {
        (Some(c), Some(i), Some(reason)) => (c, i, reason),
        _ => return Err(internal("rejection validated")),
    };

    let mut store = shared.settled();
    let invitation = find(&store, catalog, identifier)?;
    let id = invitation.id.clone();
    if !invitation.is_pending() {
        return Err(AwsError::Conflict(format!(
            "Engagement invitation {id} is {}; only a PENDING invitation can be rejected",
            invitation.status
        )));
    }
    if let Some(task) = store
        .accept_tasks
        .iter()
        .find(|t| t.invitation_id == id && t.status == TaskStatus::InProgress)
    {
        return Err(AwsError::Conflict(format!(
            "Engagement invitation {id} is being accepted by task {}",
            task.id
        )));
    }
    if let Some(invitation) = store.invitation_mut(&id) {
        invitation.status = InvitationStatus::Rejected;
        invitation.rejection_reason = Some(reason.to_owned());
    }
    store.emit_invitation(DetailType::InvitationRejected, &id, shared.clock.now());
    Ok(Outcome::wrote(json!({})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_and_reasons() {
        assert!(is_invitation_identifier("engi-0123456789abc"));
        assert!(is_invitation_identifier(
            "arn:aws:partnercentral:us-east-1:111122223333:catalog/Sandbox/engagement-invitation/engi-0123456789abc"
        ));
        assert!(!is_invitation_identifier("engi-0123456789ABC"));
        assert!(!is_invitation_identifier("engi-0123"));
        assert!(!is_invitation_identifier("O1234567890"));
        assert!(is_rejection_reason("Customer problem unclear"));
        assert!(is_rejection_reason("Wir können das nicht unterstützen"));
        assert!(!is_rejection_reason(""));
        assert!(!is_rejection_reason("line\nbreak"));
        assert!(!is_rejection_reason(&"x".repeat(81)));
    }
}
