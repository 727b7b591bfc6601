//! A chat-completions server on loopback for tests: it speaks the wire
//! format of `POST /v1/chat/completions`, follows a script of replies, and
//! keeps the raw bytes of every request it received.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Step {
    /// A chat completion whose content is this text.
    Answer(String),
    /// A well-behaved model: one sentence citing every finding code in the
    /// facts it was sent, and naming nothing else.
    CiteFindings,
    /// This status, with an optional Retry-After, and this body.
    Fail(u16, Option<&'static str>, String),
    /// 200 with this body as it is.
    Raw(String),
    /// Answers only after this long.
    Stall(Duration),
}

#[derive(Debug, Clone)]
pub struct Received {
    pub at: Instant,
    pub path: String,
    pub authorization: Option<String>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

#[derive(Clone)]
struct Shared {
    script: Arc<Vec<Step>>,
    received: Arc<Mutex<Vec<Received>>>,
}

pub struct ChatServer {
    /// The origin, as `[ai] base_url` takes it.
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl ChatServer {
    /// Serves `script[n]` to the n-th request; the last step repeats.
    pub async fn start(script: Vec<Step>) -> ChatServer {
        assert!(!script.is_empty());
        let shared = Shared {
            script: Arc::new(script),
            received: Arc::new(Mutex::new(Vec::new())),
        };
        let received = shared.received.clone();
        let app = Router::new()
            .route("/v1/chat/completions", post(complete))
            .with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        ChatServer { url, received }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub fn hits(&self) -> usize {
        self.received.lock().unwrap().len()
    }

    /// An `[ai]` table pointing at this server, generous in time and rate
    /// (the machine may be slow), with `overrides` (key, TOML value) laid
    /// over it.
    pub fn config(&self, overrides: &[(&str, &str)]) -> String {
        let base_url = format!("{:?}", self.url);
        let mut keys = vec![
            ("provider", "\"openai\""),
            ("base_url", base_url.as_str()),
            ("model", "\"test-model\""),
            ("api_key_env", "\"\""),
            ("timeout", "\"60s\""),
            ("requests_per_minute", "6000"),
        ];
        for (key, value) in overrides {
            keys.retain(|(k, _)| k != key);
            keys.push((key, value));
        }
        let lines: Vec<String> = keys.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        format!("[ai]\n{}\n", lines.join("\n"))
    }
}

async fn complete(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let step = {
        let mut received = shared.received.lock().unwrap();
        received.push(Received {
            at: Instant::now(),
            path: "/v1/chat/completions".to_string(),
            authorization: headers
                .get("authorization")
                .map(|v| v.to_str().unwrap().to_string()),
            body: body.to_vec(),
        });
        let n = received.len() - 1;
        shared.script[n.min(shared.script.len() - 1)].clone()
    };
    match step {
        Step::Answer(text) => completion(&text),
        Step::CiteFindings => completion(&citing(&body)),
        Step::Fail(status, retry_after, body) => {
            let mut headers = HeaderMap::new();
            headers.insert("content-type", "application/json".parse().unwrap());
            if let Some(wait) = retry_after {
                headers.insert("retry-after", wait.parse().unwrap());
            }
            (StatusCode::from_u16(status).unwrap(), headers, body).into_response()
        }
        Step::Raw(body) => (StatusCode::OK, body).into_response(),
        Step::Stall(wait) => {
            tokio::time::sleep(wait).await;
            completion("Too late to matter.")
        }
    }
}

fn completion(text: &str) -> Response {
    axum::Json(json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_790_000_000,
        "model": "test-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                     "logprobs": null, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 321, "completion_tokens": 21, "total_tokens": 342}
    }))
    .into_response()
}

/// The finding codes in the facts a request carried.
pub fn codes_sent(body: &[u8]) -> Vec<String> {
    let request: Value = serde_json::from_slice(body).unwrap();
    let user = request["messages"][1]["content"].as_str().unwrap();
    let facts: Value = serde_json::from_str(user.split_once('\n').unwrap().1).unwrap();
    facts["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["verdict"] != "pass")
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

fn citing(body: &[u8]) -> String {
    let codes = codes_sent(body);
    if codes.is_empty() {
        "The systems agree.".to_string()
    } else {
        let cited: Vec<String> = codes.iter().map(|c| format!("({c})")).collect();
        format!("This order needs a look {}.", cited.join(" "))
    }
}
