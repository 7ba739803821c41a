//! A stand-in for the AWS Lambda Runtime API, so a test can run a built Lambda binary exactly as
//! Lambda does (the `lambda_runtime` crate polls `/invocation/next` and posts the result) and hand
//! it events — without Docker, `sam local` or cargo-lambda.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tokio::sync::{Mutex as AsyncMutex, mpsc, oneshot};

use crate::lock;
use crate::server::RunningServer;

/// What the function answered for one invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum Invocation {
    Response(serde_json::Value),
    /// The function reported an error (`/invocation/{id}/error`).
    Error(serde_json::Value),
}

struct Queued {
    request_id: String,
    payload: serde_json::Value,
    deadline_ms: u64,
}

#[derive(Clone)]
struct Shared {
    next: Arc<AsyncMutex<mpsc::UnboundedReceiver<Queued>>>,
    waiting: Arc<Mutex<HashMap<String, oneshot::Sender<Invocation>>>>,
    init_errors: Arc<Mutex<Vec<serde_json::Value>>>,
}

/// A running Runtime API on 127.0.0.1.
pub struct RuntimeApi {
    server: RunningServer,
    shared: Shared,
    queue: mpsc::UnboundedSender<Queued>,
    counter: Mutex<u64>,
}

impl RuntimeApi {
    pub async fn start() -> std::io::Result<Self> {
        let (queue, next) = mpsc::unbounded_channel();
        let shared = Shared {
            next: Arc::new(AsyncMutex::new(next)),
            waiting: Arc::new(Mutex::new(HashMap::new())),
            init_errors: Arc::new(Mutex::new(Vec::new())),
        };
        let router = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next_invocation))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(shared.clone());
        let server = RunningServer::spawn(router, "lambda-runtime-api").await?;
        Ok(Self {
            server,
            shared,
            queue,
            counter: Mutex::new(0),
        })
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.server
            .base_url()
            .trim_start_matches("http://")
            .to_owned()
    }

    /// The variables Lambda sets for a function process (the runtime crate refuses to start
    /// without them).
    pub fn lambda_env(&self, function_name: &str) -> Vec<(String, String)> {
        [
            ("AWS_LAMBDA_RUNTIME_API", self.address()),
            ("AWS_LAMBDA_FUNCTION_NAME", function_name.to_owned()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256".to_owned()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
            ("AWS_LAMBDA_LOG_STREAM_NAME", "local".to_owned()),
            (
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/{function_name}"),
            ),
            ("AWS_LAMBDA_LOG_FORMAT", "JSON".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// Queues an event, waits for the function's answer (at most `timeout`). The function gets
    /// `timeout` as its remaining time, as Lambda's deadline header.
    pub async fn invoke(
        &self,
        payload: serde_json::Value,
        timeout: Duration,
    ) -> Result<Invocation, String> {
        let request_id = {
            let mut n = lock(&self.counter);
            *n += 1;
            format!("00000000-0000-4000-8000-{:012}", *n)
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let (tx, rx) = oneshot::channel();
        lock(&self.shared.waiting).insert(request_id.clone(), tx);
        self.queue
            .send(Queued {
                request_id,
                payload,
                deadline_ms: now + timeout.as_millis() as u64,
            })
            .map_err(|_| "runtime API stopped".to_owned())?;
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(_)) => Err("runtime API stopped".into()),
            // A function that failed to start never polls; say why instead of only "timed out".
            Err(_) => Err(format!(
                "no answer within {timeout:?}; errors the function reported at start: {:?}",
                lock(&self.shared.init_errors)
            )),
        }
    }

    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

async fn next_invocation(State(shared): State<Shared>) -> impl IntoResponse {
    // One function process polls at a time, as in Lambda; it waits here until an event comes.
    let queued = shared.next.lock().await.recv().await;
    let Some(q) = queued else {
        return (StatusCode::GONE, HeaderMap::new(), String::new());
    };
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    };
    set("lambda-runtime-aws-request-id", q.request_id);
    set("lambda-runtime-deadline-ms", q.deadline_ms.to_string());
    set(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:000000000000:function:local".into(),
    );
    set(
        "lambda-runtime-trace-id",
        "Root=1-00000000-000000000000000000000000;Sampled=0".into(),
    );
    (StatusCode::OK, headers, q.payload.to_string())
}

fn answer(shared: &Shared, id: &str, invocation: Invocation) -> StatusCode {
    match lock(&shared.waiting).remove(id) {
        Some(tx) => {
            let _ = tx.send(invocation);
            StatusCode::ACCEPTED
        }
        None => StatusCode::BAD_REQUEST,
    }
}

fn json_or_text(body: &Bytes) -> serde_json::Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(body).into_owned()))
}

async fn response(State(shared): State<Shared>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    answer(&shared, &id, Invocation::Response(json_or_text(&body)))
}

async fn error(State(shared): State<Shared>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    answer(&shared, &id, Invocation::Error(json_or_text(&body)))
}

async fn init_error(State(shared): State<Shared>, body: Bytes) -> StatusCode {
    lock(&shared.init_errors).push(json_or_text(&body));
    StatusCode::ACCEPTED
}
