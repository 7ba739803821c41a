//! An invitation as GetEngagementInvitation and ListEngagementInvitations return it
//! (<https://docs.aws.amazon.com/partner-central/latest/APIReference/API_GetEngagementInvitation.html>,
//! <https://docs.aws.amazon.com/partner-central/latest/APIReference/API_EngagementInvitationSummary.html>).
//! Member names and union shapes follow the SDK's deserializers: `Payload` is a union with the
//! one member `OpportunityInvitation`, `Receiver` a union with the one member `Account`.

use aws_sdk_partnercentralselling::types::{
    CurrencyCode, EngagementInvitationPayloadType, InvitationStatus, ParticipantType,
    PaymentFrequency, ReceiverResponsibility,
};
use serde_json::{Map, Value, json};

use super::{Invitation, SENDER_ACCOUNT, SENDER_COMPANY, SenderContact};
use crate::partner_central::ACCOUNT_ID;
use crate::partner_central::store::timestamp;

fn sender_contact(contact: &SenderContact) -> Value {
    let mut out = Map::new();
    out.insert("Email".into(), json!(contact.email));
    for (key, value) in [
        ("FirstName", &contact.first_name),
        ("LastName", &contact.last_name),
        ("BusinessTitle", &contact.business_title),
        ("Phone", &contact.phone),
    ] {
        if !value.is_empty() {
            out.insert(key.into(), json!(value));
        }
    }
    Value::Object(out)
}

impl Invitation {
    /// The expected monthly spend in the shape of `ProjectDetails.ExpectedCustomerSpend`.
    pub(crate) fn expected_spend(&self) -> Vec<Value> {
        self.new
            .expected_monthly_spend
            .iter()
            .map(|amount| {
                json!({
                    "Amount": amount,
                    "CurrencyCode": CurrencyCode::Usd.as_str(),
                    "Frequency": PaymentFrequency::Monthly.as_str(),
                    "TargetCompany": "AWS",
                })
            })
            .collect()
    }

    fn payload(&self) -> Value {
        let new = &self.new;
        let contacts: Vec<Value> = new.sender_contacts.iter().map(sender_contact).collect();
        json!({
            "OpportunityInvitation": {
                "Customer": {
                    "CompanyName": new.customer_company_name,
                    "WebsiteUrl": new.customer_website,
                    "Industry": new.customer_industry,
                    "CountryCode": new.customer_country_code,
                },
                "Project": {
                    "Title": new.project_title,
                    "BusinessProblem": new.business_problem,
                    "TargetCompletionDate": new.target_completion_date,
                    "ExpectedCustomerSpend": self.expected_spend(),
                },
                "SenderContacts": contacts,
                "ReceiverResponsibilities": [ReceiverResponsibility::CoSellFacilitator.as_str()],
            }
        })
    }

    /// The members a summary and the full invitation share.
    fn common(&self) -> Value {
        json!({
            "Arn": self.arn,
            "PayloadType": EngagementInvitationPayloadType::OpportunityInvitation.as_str(),
            "Id": self.id,
            "EngagementId": self.engagement_id,
            "EngagementTitle": self.new.engagement_title,
            "Status": self.status.as_str(),
            "InvitationDate": timestamp(self.invited),
            "ExpirationDate": timestamp(self.expires),
            "SenderAwsAccountId": SENDER_ACCOUNT,
            "SenderCompanyName": SENDER_COMPANY,
            "Receiver": { "Account": { "AwsAccountId": ACCOUNT_ID } },
            "Catalog": self.new.catalog,
        })
    }

    /// One ListEngagementInvitations `EngagementInvitationSummaries` entry.
    pub(crate) fn to_summary(&self) -> Value {
        let mut out = self.common();
        out["ParticipantType"] = json!(ParticipantType::Receiver.as_str());
        out
    }

    /// GetEngagementInvitation's output. A rejected invitation keeps its status and reason but
    /// no longer shows AWS's data.
    pub(crate) fn to_get_output(&self) -> Value {
        let mut out = self.common();
        out["InvitationMessage"] = json!(self.new.message);
        out["EngagementDescription"] = json!(format!(
            "{} for {}",
            self.new.project_title, self.new.customer_company_name
        ));
        if self.status == InvitationStatus::Rejected {
            if let Some(reason) = &self.rejection_reason {
                out["RejectionReason"] = json!(reason);
            }
        } else {
            out["Payload"] = self.payload();
        }
        out
    }
}
