//! `CarrierClient`: tracking numbers in, shipments out, over each carrier's
//! real HTTP API (paths relative to the configured origin, as DESIGN.md §5
//! has it). Numbers are asked about in the batches each API allows — up to
//! 30 per FedEx request, one per request elsewhere — one request at a time,
//! which keeps well inside the carriers' per-second limits; an allowance
//! from the config is kept as well. Requests go through the plumbing every
//! backend shares (`connectors::http`): retries, `Retry-After`, timeouts.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::{StatusCode, Url};
use serde_json::json;
use tokio::sync::Mutex;

use super::auth::{self, Credentials, Token, TokenResponse, TokenStyle};
use super::http::{self, Call, CARRIER_RETRY};
use super::{decode, fedex, parse, Carrier, CarrierError};
use crate::connectors::http::{Backend, Fetched, RetryPolicy};
use crate::connectors::secret::Secret;
use crate::domain::CarrierShipment;

/// How long a request may take unless the client is told otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// UPS's `transactionSrc`: names the calling application in UPS's logs.
const TRANSACTION_SOURCE: &str = "orderdeck";

/// One tracking reply: the body as received, and the parcels it describes.
#[derive(Debug, Clone)]
pub struct TrackReply {
    pub body: Vec<u8>,
    pub shipments: Vec<CarrierShipment>,
}

/// Talks to one carrier's tracking API.
#[derive(Debug)]
pub struct CarrierClient {
    carrier: Carrier,
    base: Url,
    credentials: Credentials,
    backend: Backend,
    /// Held across a fetch, so that concurrent calls wait for one token
    /// instead of each fetching their own.
    token: Mutex<Option<Token>>,
    /// Makes UPS's per-request `transId` unique within this process.
    sequence: AtomicU64,
}

impl CarrierClient {
    /// A client for `carrier`'s API at `base_url` (its origin, e.g.
    /// `https://apis.fedex.com`). FedEx, UPS and USPS take
    /// [`Credentials::OAuth`], DHL takes [`Credentials::ApiKey`]. Requests
    /// time out after 30 s unless [`CarrierClient::with_timeout`] says
    /// otherwise.
    pub fn new(
        carrier: Carrier,
        base_url: &str,
        credentials: Credentials,
        http: reqwest::Client,
    ) -> Result<CarrierClient, CarrierError> {
        let config = |detail: String| CarrierError::Config { carrier, detail };
        let base = Url::parse(base_url.trim())
            .map_err(|err| config(format!("base URL {base_url:?} is not a URL: {err}")))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(config(format!(
                "base URL {base_url:?} is not an http(s) origin"
            )));
        }
        match (auth::token_endpoint(carrier), &credentials) {
            (Some(_), Credentials::OAuth { .. }) | (None, Credentials::ApiKey(_)) => {}
            (Some(_), Credentials::ApiKey(_)) => {
                return Err(config(format!(
                    "the {} takes an OAuth client id and secret, not an API key",
                    carrier.api()
                )))
            }
            (None, Credentials::OAuth { .. }) => {
                return Err(config(format!(
                    "the {} takes an API key, not an OAuth client",
                    carrier.api()
                )))
            }
        }
        let empty = match &credentials {
            Credentials::OAuth {
                client_id,
                client_secret,
            } => client_id.expose().trim().is_empty() || client_secret.expose().trim().is_empty(),
            Credentials::ApiKey(key) => key.expose().trim().is_empty(),
        };
        if empty {
            return Err(config("a credential is empty".to_owned()));
        }
        Ok(CarrierClient {
            carrier,
            base,
            credentials,
            backend: Backend::over(carrier.as_str(), http, CARRIER_RETRY)
                .with_timeout(DEFAULT_TIMEOUT),
            token: Mutex::new(None),
            sequence: AtomicU64::new(0),
        })
    }

    /// How long one request may take, body included, before it counts as failed.
    pub fn with_timeout(self, timeout: Duration) -> CarrierClient {
        CarrierClient {
            backend: self.backend.with_timeout(timeout),
            ..self
        }
    }

    pub fn with_retry_policy(self, policy: RetryPolicy) -> CarrierClient {
        CarrierClient {
            backend: self.backend.with_retry(policy),
            ..self
        }
    }

    /// At most `per_minute` requests a minute (the allowance the carrier
    /// gave the account), spread evenly.
    pub fn with_allowance(self, per_minute: u32) -> CarrierClient {
        CarrierClient {
            backend: self.backend.with_burst(per_minute, 1),
            ..self
        }
    }

    fn call<'a>(&self, endpoint: &'a str, secrets: &'a [String]) -> Call<'a> {
        Call {
            carrier: self.carrier,
            endpoint,
            timeout: self.backend.timeout().unwrap_or(DEFAULT_TIMEOUT),
            policy: self.backend.retry(),
            secrets,
        }
    }

    /// The carrier's word on each number, in the order asked (blank and
    /// repeated numbers are skipped). A number the carrier does not know is
    /// a shipment with status `Unknown`, no scans, the carrier's error code
    /// as `raw_status` and its message as `incident`; an error means no
    /// answer could be had.
    pub async fn track(
        &self,
        tracking_numbers: &[String],
    ) -> Result<Vec<CarrierShipment>, CarrierError> {
        Ok(self
            .track_replies(tracking_numbers)
            .await?
            .into_iter()
            .flat_map(|reply| reply.shipments)
            .collect())
    }

    /// As [`CarrierClient::track`], with each reply's body exactly as the
    /// carrier sent it beside the parcels read from it: the body is what is
    /// kept as the parcels' snapshot.
    pub async fn track_replies(
        &self,
        tracking_numbers: &[String],
    ) -> Result<Vec<TrackReply>, CarrierError> {
        let mut numbers: Vec<&str> = Vec::new();
        for number in tracking_numbers.iter().map(|n| n.trim()) {
            if !number.is_empty() && !numbers.contains(&number) {
                numbers.push(number);
            }
        }
        let secrets = self.credentials.secrets();
        let mut replies = Vec::new();
        let result = async {
            if self.carrier == Carrier::Fedex {
                for batch in numbers.chunks(fedex::BATCH) {
                    replies.extend(self.fedex(batch).await?);
                }
            } else {
                for number in &numbers {
                    replies.extend(self.one(number).await?);
                }
            }
            Ok(())
        }
        .await;
        result.map_err(|err| scrubbed(err, &secrets))?;
        Ok(replies)
    }

    /// One reply per number asked: FedEx answers a batch in one body, whose
    /// entry for each number is kept as that number's reply, so that a
    /// parcel's snapshot is its own and not thirty parcels'.
    async fn fedex(&self, batch: &[&str]) -> Result<Vec<TrackReply>, CarrierError> {
        let url = self.url(&["track", "v1", "trackingnumbers"], &[])?;
        let numbers: Vec<String> = batch.iter().map(|n| (*n).to_owned()).collect();
        let body = fedex::request_body(&numbers);
        let reply = self
            .request("POST", &url, None, |token| {
                self.backend
                    .client
                    .post(url.clone())
                    .bearer_auth(token.unwrap_or_default())
                    .header("X-locale", "en_US")
                    .json(&body)
            })
            .await?;
        match fedex::split(&reply.body) {
            Some(pieces) if pieces.len() == reply.shipments.len() && pieces.len() > 1 => Ok(pieces
                .into_iter()
                .zip(reply.shipments)
                .map(|(body, shipment)| TrackReply {
                    body,
                    shipments: vec![shipment],
                })
                .collect()),
            _ => Ok(vec![reply]),
        }
    }

    async fn one(&self, number: &str) -> Result<Vec<TrackReply>, CarrierError> {
        let reply = match self.carrier {
            Carrier::Ups => {
                let url = self.url(
                    &["api", "track", "v1", "details", number],
                    &[("locale", "en_US"), ("returnSignature", "false")],
                )?;
                let transaction = self.transaction_id();
                self.request("GET", &url, Some(number), |token| {
                    self.backend
                        .client
                        .get(url.clone())
                        .bearer_auth(token.unwrap_or_default())
                        .header("transId", transaction.as_str())
                        .header("transactionSrc", TRANSACTION_SOURCE)
                })
                .await
            }
            Carrier::Usps => {
                let url = self.url(
                    &["tracking", "v3", "tracking", number],
                    &[("expand", "DETAIL")],
                )?;
                self.request("GET", &url, Some(number), |token| {
                    self.backend
                        .client
                        .get(url.clone())
                        .bearer_auth(token.unwrap_or_default())
                        .header(reqwest::header::ACCEPT, "application/json")
                })
                .await
            }
            Carrier::Dhl => {
                let url = self.url(&["track", "shipments"], &[("trackingNumber", number)])?;
                let Credentials::ApiKey(key) = &self.credentials else {
                    return Err(CarrierError::Config {
                        carrier: self.carrier,
                        detail: "no API key to send".to_owned(),
                    });
                };
                let key = key.expose();
                self.request("GET", &url, Some(number), |_| {
                    self.backend
                        .client
                        .get(url.clone())
                        .header("DHL-API-Key", key)
                        .header(reqwest::header::ACCEPT, "application/json")
                })
                .await
            }
            Carrier::Fedex => return self.fedex(&[number]).await,
        };
        reply.map(|reply| vec![reply])
    }

    /// Sends a tracking request, with this carrier's token when it uses one;
    /// a 401 means the token went stale early (revoked, or the carrier
    /// restarted), so it is fetched again, once.
    async fn request(
        &self,
        method: &str,
        url: &Url,
        requested: Option<&str>,
        build: impl Fn(Option<&str>) -> reqwest::RequestBuilder,
    ) -> Result<TrackReply, CarrierError> {
        let endpoint = format!("{method} {url}");
        let mut refreshed = false;
        loop {
            let token = match auth::token_endpoint(self.carrier) {
                Some(_) => Some(self.token().await?),
                None => None,
            };
            // The access token is as much a secret as what it was issued for.
            let mut secrets = self.credentials.secrets();
            secrets.extend(token.iter().map(|t| t.expose().to_owned()));
            let call = self.call(&endpoint, &secrets);
            let reply = self
                .backend
                .exchange(|| build(token.as_ref().map(Secret::expose)))
                .await
                .map_err(|e| http::failed(&call, e))?;
            if reply.status == StatusCode::UNAUTHORIZED && !refreshed {
                if let Some(token) = &token {
                    self.forget(token).await;
                    refreshed = true;
                    continue;
                }
            }
            let shipments = self
                .read(&call, &reply, requested)
                .map_err(|err| scrubbed(err, &secrets))?;
            return Ok(TrackReply {
                body: reply.body,
                shipments,
            });
        }
    }

    fn read(
        &self,
        call: &Call<'_>,
        reply: &Fetched,
        requested: Option<&str>,
    ) -> Result<Vec<CarrierShipment>, CarrierError> {
        let status = reply.status;
        if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
            return Err(CarrierError::Unauthorized {
                carrier: self.carrier,
                endpoint: call.endpoint.to_owned(),
                status: status.as_u16(),
                detail: http::excerpt(&reply.body, call.secrets),
            });
        }
        match parse(self.carrier, &reply.body, requested) {
            Ok(mut shipments) => {
                if let Some(number) = requested {
                    for shipment in shipments
                        .iter_mut()
                        .filter(|s| s.tracking_number.is_empty())
                    {
                        shipment.tracking_number = number.to_owned();
                    }
                }
                Ok(shipments)
            }
            Err(CarrierError::Rejected { code, message, .. }) => Err(CarrierError::Rejected {
                carrier: self.carrier,
                status: Some(status.as_u16()),
                code,
                message,
            }),
            // An error status whose body is not the API's error shape (a
            // proxy's page, a wrong base URL): the status says more.
            Err(_) if !status.is_success() => Err(CarrierError::Status {
                carrier: self.carrier,
                endpoint: call.endpoint.to_owned(),
                status: status.as_u16(),
                attempts: reply.attempts,
                detail: http::excerpt(&reply.body, call.secrets),
            }),
            Err(err) => Err(err),
        }
    }

    async fn token(&self) -> Result<Secret, CarrierError> {
        let mut cached = self.token.lock().await;
        if let Some(token) = cached.as_ref().filter(|t| t.is_fresh()) {
            return Ok(token.value.clone());
        }
        let token = self.fetch_token().await?;
        let value = token.value.clone();
        *cached = Some(token);
        Ok(value)
    }

    /// Drops the cached token if it is still the one that was refused (a
    /// concurrent call may have replaced it already).
    async fn forget(&self, refused: &Secret) {
        let mut cached = self.token.lock().await;
        if cached.as_ref().is_some_and(|t| &t.value == refused) {
            *cached = None;
        }
    }

    async fn fetch_token(&self) -> Result<Token, CarrierError> {
        let carrier = self.carrier;
        let (
            Some((path, style)),
            Credentials::OAuth {
                client_id,
                client_secret,
            },
        ) = (auth::token_endpoint(carrier), &self.credentials)
        else {
            return Err(CarrierError::Config {
                carrier,
                detail: "no OAuth client to fetch a token with".to_owned(),
            });
        };
        let segments: Vec<&str> = path.split('/').collect();
        let url = self.url(&segments, &[])?;
        let endpoint = format!("POST {url}");
        let secrets = self.credentials.secrets();
        let call = self.call(&endpoint, &secrets);
        let (id, secret) = (client_id.expose(), client_secret.expose());
        let reply = self
            .backend
            .exchange(|| {
                let request = self.backend.client.post(url.clone());
                match style {
                    TokenStyle::Form => request.form(&[
                        ("grant_type", "client_credentials"),
                        ("client_id", id),
                        ("client_secret", secret),
                    ]),
                    TokenStyle::Basic => request
                        .basic_auth(id, Some(secret))
                        .form(&[("grant_type", "client_credentials")]),
                    TokenStyle::Json => request.json(&json!({
                        "grant_type": "client_credentials",
                        "client_id": id,
                        "client_secret": secret,
                    })),
                }
            })
            .await
            .map_err(|e| http::failed(&call, e))?;
        if !reply.status.is_success() {
            return Err(CarrierError::Unauthorized {
                carrier,
                endpoint,
                status: reply.status.as_u16(),
                detail: http::excerpt(&reply.body, &secrets),
            });
        }
        let response: TokenResponse = decode::json(carrier, &reply.body)?;
        auth::token(response).ok_or_else(|| CarrierError::Shape {
            carrier,
            path: "access_token".to_owned(),
            detail: format!("the token endpoint {endpoint} answered without a token"),
        })
    }

    fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Result<Url, CarrierError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| CarrierError::Config {
                carrier: self.carrier,
                detail: format!("base URL {} cannot take a path", self.base),
            })?
            .pop_if_empty()
            .extend(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    /// UPS asks for a unique id of at most 32 characters per request.
    fn transaction_id(&self) -> String {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let sequence = self.sequence.fetch_add(1, Ordering::Relaxed);
        // The clock's and the counter's low bits are what differ between
        // calls: 26 characters in all.
        format!("od{:016x}{:08x}", nanos as u64, sequence as u32)
    }
}

/// The error with every secret scrubbed from the text a carrier or a
/// library put into it.
fn scrubbed(err: CarrierError, secrets: &[String]) -> CarrierError {
    let clean = |text: String| http::scrub(&text, secrets);
    match err {
        CarrierError::Shape {
            carrier,
            path,
            detail,
        } => CarrierError::Shape {
            carrier,
            path,
            detail: clean(detail),
        },
        CarrierError::Invalid {
            carrier,
            tracking_number,
            detail,
        } => CarrierError::Invalid {
            carrier,
            tracking_number,
            detail: clean(detail),
        },
        CarrierError::Rejected {
            carrier,
            status,
            code,
            message,
        } => CarrierError::Rejected {
            carrier,
            status,
            code: clean(code),
            message: clean(message),
        },
        CarrierError::Unauthorized {
            carrier,
            endpoint,
            status,
            detail,
        } => CarrierError::Unauthorized {
            carrier,
            endpoint,
            status,
            detail: clean(detail),
        },
        CarrierError::Status {
            carrier,
            endpoint,
            status,
            attempts,
            detail,
        } => CarrierError::Status {
            carrier,
            endpoint,
            status,
            attempts,
            detail: clean(detail),
        },
        CarrierError::Transport {
            carrier,
            endpoint,
            attempts,
            detail,
        } => CarrierError::Transport {
            carrier,
            endpoint,
            attempts,
            detail: clean(detail),
        },
        CarrierError::Config { carrier, detail } => CarrierError::Config {
            carrier,
            detail: clean(detail),
        },
        other @ (CarrierError::NotJson { .. }
        | CarrierError::Truncated { .. }
        | CarrierError::RetryTooLate { .. }) => other,
    }
}
