//! What the Lambda service hands a function besides its payload: the invocation context with
//! its request id and deadline.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lambda_runtime::{Context, LambdaEvent};

/// `payload` as an invocation with `budget` left before its deadline.
pub fn event<T>(payload: T, budget: Duration) -> LambdaEvent<T> {
    let mut context = Context::default();
    context.request_id = uuid::Uuid::new_v4().to_string();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    context.deadline = u64::try_from((now + budget).as_millis()).unwrap_or(u64::MAX);
    LambdaEvent::new(payload, context)
}
