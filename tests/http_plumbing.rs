#![allow(clippy::expect_used, clippy::unwrap_used)]
//! The shared HTTP plumbing against a real server on loopback: retries that
//! honour Retry-After, backoff on 5xx, no retry on a client error.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::Router;
use orderdeck::connectors::http::{Backend, RetryPolicy};

type Script = Arc<Vec<(u16, Option<&'static str>)>>;

/// Serves `script[n]` to the n-th request (the last one repeats).
async fn serve(script: Vec<(u16, Option<&'static str>)>) -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let state = (Arc::new(script), hits.clone());
    let app = Router::new()
        .route(
            "/thing",
            get(
                |State((script, hits)): State<(Script, Arc<AtomicUsize>)>| async move {
                    let n = hits.fetch_add(1, Ordering::SeqCst);
                    let (status, retry_after) = script[n.min(script.len() - 1)];
                    let mut headers = HeaderMap::new();
                    if let Some(value) = retry_after {
                        headers.insert("Retry-After", value.parse().unwrap());
                    }
                    (
                        StatusCode::from_u16(status).unwrap(),
                        headers,
                        format!("reply {n}"),
                    )
                },
            ),
        )
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/thing", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, hits)
}

fn backend() -> Backend {
    Backend::new(
        "test-backend",
        6_000,
        Duration::from_secs(5),
        RetryPolicy {
            attempts: 4,
            min_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
            max_retry_after: Duration::from_secs(5),
        },
    )
    .unwrap()
}

#[tokio::test]
async fn a_429_waits_as_long_as_the_server_asks() {
    let (url, hits) = serve(vec![(429, Some("1")), (200, None)]).await;
    let backend = backend();
    let started = Instant::now();
    let fetched = backend
        .send(|| backend.client.get(&url))
        .await
        .expect("retried");
    assert_eq!(fetched.body, b"reply 1");
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff_then_given_up() {
    let (url, hits) = serve(vec![(503, None), (500, None), (200, None)]).await;
    let backend = backend();
    backend
        .send(|| backend.client.get(&url))
        .await
        .expect("third time lucky");
    assert_eq!(hits.load(Ordering::SeqCst), 3);

    let (url, hits) = serve(vec![(502, None)]).await;
    let error = backend
        .send(|| backend.client.get(&url))
        .await
        .expect_err("always failing");
    assert_eq!(hits.load(Ordering::SeqCst), 4, "bounded attempts");
    let text = error.to_string();
    assert!(
        text.contains("test-backend") && text.contains("502") && text.contains("/thing"),
        "{text}"
    );
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let (url, hits) = serve(vec![(401, None), (200, None)]).await;
    let backend = backend();
    let error = backend
        .send(|| backend.client.get(&url))
        .await
        .expect_err("unauthorised");
    assert_eq!(error.status(), Some(reqwest::StatusCode::UNAUTHORIZED));
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_server_asking_for_too_long_a_pause_is_not_waited_for() {
    let (url, hits) = serve(vec![(429, Some("3600")), (200, None)]).await;
    let backend = backend();
    let started = Instant::now();
    backend
        .send(|| backend.client.get(&url))
        .await
        .expect_err("gives up");
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn an_exchange_hands_back_a_client_error_whole_after_retrying_the_rest() {
    let (url, hits) = serve(vec![
        (503, None),
        (429, Some("0")),
        (404, None),
        (200, None),
    ])
    .await;
    let backend = backend();
    let fetched = backend
        .exchange(|| backend.client.get(&url))
        .await
        .expect("a 404 is an answer");
    assert_eq!(fetched.status, StatusCode::NOT_FOUND);
    assert_eq!(fetched.body, b"reply 2");
    assert_eq!(fetched.attempts, 3);
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_request_over_its_own_time_limit_is_retried_then_reported_with_its_tries() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/slow", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let app = Router::new().route(
        "/slow",
        get(move || {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_secs(5)).await;
                "too late"
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    // The client itself would wait 5 s; the backend's own limit is shorter.
    let backend = backend().with_timeout(Duration::from_millis(100));
    let started = Instant::now();
    let error = backend
        .send(|| backend.client.get(&url))
        .await
        .expect_err("too slow");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(hits.load(Ordering::SeqCst), 4);
    match error {
        orderdeck::connectors::http::HttpError::Transport {
            attempts, source, ..
        } => {
            assert_eq!(attempts, 4);
            assert!(source.is_timeout(), "{source}");
        }
        other => panic!("not a transport error: {other}"),
    }
}
