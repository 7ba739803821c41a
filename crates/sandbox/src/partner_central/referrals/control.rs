//! AWS's side of referrals and the Partner Central console, played by the test through the
//! fake's handle (none of this is a partner API operation).

use aws_sdk_partnercentralselling::types::InvitationStatus;
use serde_json::Value;

use super::{CustomerAddress, Invitation, NewInvitation};
use crate::partner_central::eventbridge::DetailType;
use crate::partner_central::store::{self, truncate_millis};
use crate::partner_central::submission::random_id;
use crate::partner_central::{PartnerCentralFake, SandboxError};

/// The reason the console records when the partner declines there.
const CONSOLE_REJECTION_REASON: &str = "Other";

impl PartnerCentralFake {
    /// AWS refers an opportunity to the partner: a PENDING invitation dated now on the fake's
    /// clock, expiring `expires_in` later, announced as `Engagement Invitation Created`.
    /// Returns its id (`engi-` + 13 lowercase alphanumerics). The customer's address on AWS's
    /// opportunity is [`CustomerAddress::default`] (a US one); see
    /// [`PartnerCentralFake::invite_with_address`].
    pub fn invite(&self, invitation: NewInvitation) -> String {
        self.invite_with_address(invitation, CustomerAddress::default())
    }

    /// [`PartnerCentralFake::invite`] for a customer at `address`, which the invitation hides
    /// and an accepted referral's opportunity shows.
    pub fn invite_with_address(
        &self,
        invitation: NewInvitation,
        address: CustomerAddress,
    ) -> String {
        let now = truncate_millis(self.shared.clock.now());
        let expires_in =
            chrono::Duration::from_std(invitation.expires_in).unwrap_or(chrono::Duration::MAX);
        let id = random_id("engi-", 13);
        let mut store = self.shared.settled();
        store.invitations.push(Invitation {
            arn: store::arn(&invitation.catalog, "engagement-invitation", &id),
            id: id.clone(),
            engagement_id: random_id("eng-", 14),
            invited: now,
            expires: now.checked_add_signed(expires_in).unwrap_or(now),
            new: invitation,
            address,
            status: InvitationStatus::Pending,
            rejection_reason: None,
        });
        store.emit_invitation(DetailType::InvitationCreated, &id, now);
        id
    }

    /// AWS's clock moves past the invitation's ExpirationDate now: it becomes EXPIRED and
    /// `Engagement Invitation Expired` goes out. Refused for an invitation that is no longer
    /// PENDING (it can only expire unanswered).
    pub fn expire_invitation(&self, id: &str) -> Result<(), SandboxError> {
        let now = self.shared.clock.now();
        let mut store = self.shared.settled();
        let invitation = pending(store.invitation_mut(id), id)?;
        invitation.expires = truncate_millis(now);
        // The settling pass expires it and announces it, as the background tick would.
        super::settle(&mut store, now, self.shared.submission_delay);
        Ok(())
    }

    /// The partner answers a PENDING invitation in the Partner Central console instead of
    /// through the API. Accepting creates the opportunity at once (no task) and returns its
    /// id; rejecting records the reason `Other`. Both emit the events the API path emits.
    pub fn answer_in_console(
        &self,
        id: &str,
        accept: bool,
    ) -> Result<Option<String>, SandboxError> {
        let now = self.shared.clock.now();
        let mut store = self.shared.settled();
        let invitation = pending(store.invitation_mut(id), id)?;
        if accept {
            let created = super::accept(&mut store, id, now);
            return created
                .map(Some)
                .ok_or_else(|| SandboxError::UnknownInvitation(id.to_owned()));
        }
        invitation.status = InvitationStatus::Rejected;
        invitation.rejection_reason = Some(CONSOLE_REJECTION_REASON.to_owned());
        store.emit_invitation(DetailType::InvitationRejected, id, now);
        Ok(None)
    }

    /// The invitation as GetEngagementInvitation returns it (any catalog).
    pub fn invitation(&self, id: &str) -> Option<Value> {
        self.shared
            .settled()
            .invitations
            .iter()
            .find(|i| i.id == id)
            .map(Invitation::to_get_output)
    }

    /// Every invitation's id, in the order AWS sent them.
    pub fn invitation_ids(&self) -> Vec<String> {
        self.shared
            .settled()
            .invitations
            .iter()
            .map(|i| i.id.clone())
            .collect()
    }
}

/// The invitation if it exists and is still PENDING.
fn pending<'a>(
    invitation: Option<&'a mut Invitation>,
    id: &str,
) -> Result<&'a mut Invitation, SandboxError> {
    let invitation = invitation.ok_or_else(|| SandboxError::UnknownInvitation(id.to_owned()))?;
    if invitation.is_pending() {
        Ok(invitation)
    } else {
        Err(SandboxError::InvitationNotPending {
            id: id.to_owned(),
            status: invitation.status.as_str().to_owned(),
        })
    }
}
