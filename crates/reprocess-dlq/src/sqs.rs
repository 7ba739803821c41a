//! [`DeadLetters`] over Amazon SQS (or anything speaking its protocol: moto, LocalStack).

use std::time::Duration;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{Message, MessageSystemAttributeName};
use aws_smithy_types::error::display::DisplayErrorContext;

use crate::dead_letters::{DeadLetter, DeadLetters, DeadLettersError, MAX_RECEIVE_BATCH, Redrive};

/// SQS caps a message's visibility timeout at 12 hours.
const MAX_VISIBILITY_SECS: u64 = 43_200;

/// Long polling for one second: a short poll samples only some SQS servers and can answer empty
/// while messages exist, which the reprocessor would take for "the DLQ is drained".
const RECEIVE_WAIT_SECS: i32 = 1;

#[derive(Debug, Clone)]
pub struct SqsDeadLetters {
    client: Client,
    queue_url: String,
    dlq_url: String,
}

impl SqsDeadLetters {
    pub fn new(client: Client, queue_url: impl Into<String>, dlq_url: impl Into<String>) -> Self {
        SqsDeadLetters {
            client,
            queue_url: queue_url.into(),
            dlq_url: dlq_url.into(),
        }
    }
}

fn visibility_secs(visibility: Duration) -> i32 {
    // Rounded up so a sub-second remainder never becomes 0 (= visible again at once).
    let secs = visibility.as_secs() + u64::from(visibility.subsec_nanos() > 0);
    i32::try_from(secs.clamp(1, MAX_VISIBILITY_SECS)).unwrap_or(1)
}

fn dead_letter(message: Message) -> Option<DeadLetter> {
    let attribute = |name: MessageSystemAttributeName| {
        message
            .attributes()
            .and_then(|attributes| attributes.get(&name))
            .cloned()
    };
    let group_id = attribute(MessageSystemAttributeName::MessageGroupId);
    let deduplication_id = attribute(MessageSystemAttributeName::MessageDeduplicationId);
    let receive_count = attribute(MessageSystemAttributeName::ApproximateReceiveCount)
        .and_then(|count| count.parse().ok());
    Some(DeadLetter {
        message_id: message.message_id?.to_owned(),
        receipt_handle: message.receipt_handle?.to_owned(),
        body: message.body.unwrap_or_default(),
        group_id,
        deduplication_id,
        receive_count,
    })
}

impl DeadLetters for SqsDeadLetters {
    async fn receive(
        &self,
        max: u32,
        visibility: Duration,
    ) -> Result<Vec<DeadLetter>, DeadLettersError> {
        let max = i32::try_from(max.clamp(1, MAX_RECEIVE_BATCH)).unwrap_or(1);
        let output = self
            .client
            .receive_message()
            .queue_url(&self.dlq_url)
            .max_number_of_messages(max)
            .visibility_timeout(visibility_secs(visibility))
            .wait_time_seconds(RECEIVE_WAIT_SECS)
            .message_system_attribute_names(MessageSystemAttributeName::MessageGroupId)
            .message_system_attribute_names(MessageSystemAttributeName::MessageDeduplicationId)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .map_err(|e| DeadLettersError::Receive(DisplayErrorContext(e).to_string()))?;
        let messages = output.messages.unwrap_or_default();
        let received = messages.len();
        let letters: Vec<DeadLetter> = messages.into_iter().filter_map(dead_letter).collect();
        if letters.len() != received {
            // SQS always sends both; a message without them could be neither deleted nor
            // released, and comes back after its visibility timeout.
            tracing::warn!(
                received,
                usable = letters.len(),
                "ignored DLQ messages without a message id or receipt handle"
            );
        }
        Ok(letters)
    }

    async fn send(&self, message: Redrive<'_>) -> Result<(), DeadLettersError> {
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(message.body)
            .message_group_id(message.group_id)
            .message_deduplication_id(message.deduplication_id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| DeadLettersError::Send(DisplayErrorContext(e).to_string()))
    }

    async fn delete(&self, receipt_handle: &str) -> Result<(), DeadLettersError> {
        self.client
            .delete_message()
            .queue_url(&self.dlq_url)
            .receipt_handle(receipt_handle)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| DeadLettersError::Delete(DisplayErrorContext(e).to_string()))
    }

    async fn release(&self, receipt_handle: &str) -> Result<(), DeadLettersError> {
        self.client
            .change_message_visibility()
            .queue_url(&self.dlq_url)
            .receipt_handle(receipt_handle)
            .visibility_timeout(0)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| DeadLettersError::Release(DisplayErrorContext(e).to_string()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn visibility_is_whole_seconds_within_the_sqs_range() {
        assert_eq!(visibility_secs(Duration::ZERO), 1);
        assert_eq!(visibility_secs(Duration::from_millis(1)), 1);
        assert_eq!(visibility_secs(Duration::from_millis(1_001)), 2);
        assert_eq!(visibility_secs(Duration::from_secs(900)), 900);
        assert_eq!(visibility_secs(Duration::from_secs(100_000)), 43_200);
    }

    #[test]
    fn messages_are_read_with_their_system_attributes() {
        let message = Message::builder()
            .message_id("m-1")
            .receipt_handle("rh-1")
            .body("{}")
            .attributes(MessageSystemAttributeName::MessageGroupId, "62515-deal-7")
            .attributes(MessageSystemAttributeName::MessageDeduplicationId, "abc")
            .attributes(MessageSystemAttributeName::ApproximateReceiveCount, "3")
            .build();
        assert_eq!(
            dead_letter(message),
            Some(DeadLetter {
                message_id: "m-1".into(),
                receipt_handle: "rh-1".into(),
                body: "{}".into(),
                group_id: Some("62515-deal-7".into()),
                deduplication_id: Some("abc".into()),
                receive_count: Some(3),
            })
        );
        let bare = Message::builder()
            .message_id("m-2")
            .receipt_handle("rh-2")
            .build();
        let letter = dead_letter(bare).unwrap();
        assert_eq!((letter.group_id, letter.receive_count), (None, None));
        assert_eq!(letter.body, "");
        assert_eq!(
            dead_letter(Message::builder().message_id("m").build()),
            None
        );
    }
}
