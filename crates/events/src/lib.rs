//! Every wire format of the HubSpot → Partner Central sync, as pure functions: HubSpot webhook
//! events and their signatures, the `SyncEvent` queue envelope with its SQS id rules, the secret
//! document and CloudWatch EMF lines. No AWS client and no I/O live here.

pub mod clock;
pub mod config;
pub mod emf;
pub mod envelope;
pub mod eventbridge;
pub mod hubspot;
pub mod partner_central;
pub mod secret;
pub mod signature;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{ConfigError, Env};
pub use envelope::{EventSource, SCHEMA_VERSION, SyncEvent};
pub use eventbridge::{EventBridgeEvent, QueueMessage};
pub use hubspot::{
    BodyError, Delivery, ObjectType, RejectedEvent, WebhookEvent, parse_body, parse_delivery,
};
pub use secrecy::{ExposeSecret, SecretString};
pub use secret::SecretDocument;
pub use signature::{
    AcceptedVersions, ClientSecrets, SignatureError, SignatureVersion, SignedRequest,
};

/// The SQS message attribute that marks a HubSpot event the receipt kept (in the DLQ) because
/// it could not become a sync event; its value is the reason. The DLQ reprocessor reports such
/// messages and never moves them back: they would fail the same way again.
pub const REJECTED_REASON_ATTRIBUTE: &str = "RejectedReason";

/// HubSpot deal properties owned by the sync (README, "Properties the sync writes"). Changes to
/// these are our own write-back echoing through webhooks and never need a Partner Central write.
/// The sync also writes `aws_submit` (cleared after a failed submission) and
/// `aws_involvement_type` (AWS's value mirrored after submission) but does not own them: a person
/// sets them, so their changes must reach the processor.
pub const SYNC_OWNED_PROPERTIES: [&str; 14] = [
    "aws_opportunity_id",
    "aws_opportunity_title",
    "aws_sync_status",
    "aws_sync_error",
    "aws_review_status",
    "aws_review_comments",
    "aws_last_synced_at",
    "aws_seller_stage",
    "aws_seller_next_steps",
    "aws_engagement_score",
    "aws_team",
    "aws_invitation_id",
    "aws_invitation_status",
    "aws_invitation_expires_at",
];
