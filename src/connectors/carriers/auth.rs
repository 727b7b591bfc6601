//! Credentials, and the OAuth 2.0 client-credentials tokens FedEx, UPS and
//! USPS require. A token is fetched on first use and kept until shortly
//! before it expires; DHL takes its API key on every request instead.

use std::time::Duration;

use serde::Deserialize;
use tokio::time::Instant;

use super::decode;
use super::Carrier;
use crate::connectors::secret::Secret;

/// How a carrier's API knows us. Every part is a [`Secret`], which never
/// prints.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// FedEx, UPS, USPS: an OAuth client. FedEx calls the id its "API key",
    /// USPS its "consumer key"; both are kept as secrets all the same.
    OAuth {
        client_id: Secret,
        client_secret: Secret,
    },
    /// DHL: the `DHL-API-Key`.
    ApiKey(Secret),
}

impl Credentials {
    pub fn oauth(client_id: impl Into<String>, client_secret: impl Into<String>) -> Credentials {
        Credentials::OAuth {
            client_id: Secret::new(client_id.into()),
            client_secret: Secret::new(client_secret.into()),
        }
    }

    pub fn api_key(key: impl Into<String>) -> Credentials {
        Credentials::ApiKey(Secret::new(key.into()))
    }

    /// Every secret in these credentials as a carrier might echo it back:
    /// as given, and form-encoded as a token request sends it.
    pub(super) fn secrets(&self) -> Vec<String> {
        let given = match self {
            Credentials::OAuth {
                client_id,
                client_secret,
            } => vec![client_id.expose(), client_secret.expose()],
            Credentials::ApiKey(key) => vec![key.expose()],
        };
        let mut secrets: Vec<String> = Vec::new();
        for secret in given.into_iter().filter(|s| !s.is_empty()) {
            for form in [secret.to_owned(), form_encoded(secret)] {
                if !secrets.contains(&form) {
                    secrets.push(form);
                }
            }
        }
        secrets
    }
}

/// `application/x-www-form-urlencoded`, as reqwest's `form` writes it.
fn form_encoded(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                encoded.push(char::from(byte));
            }
            b' ' => encoded.push('+'),
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

/// How a carrier wants its client credentials presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TokenStyle {
    /// FedEx: id and secret as form fields.
    Form,
    /// UPS: HTTP Basic with id and secret, `grant_type` as the only field.
    Basic,
    /// USPS: a JSON body.
    Json,
}

/// Where a carrier issues OAuth tokens (relative to its API's origin), and
/// how; `None` for DHL, which takes an API key instead.
pub(super) fn token_endpoint(carrier: Carrier) -> Option<(&'static str, TokenStyle)> {
    match carrier {
        Carrier::Fedex => Some(("oauth/token", TokenStyle::Form)),
        Carrier::Ups => Some(("security/v1/oauth/token", TokenStyle::Basic)),
        Carrier::Usps => Some(("oauth2/v3/token", TokenStyle::Json)),
        Carrier::Dhl => None,
    }
}

/// An access token, and when to stop using it.
#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) value: Secret,
    pub(super) refresh_at: Instant,
}

impl Token {
    pub(super) fn is_fresh(&self) -> bool {
        Instant::now() < self.refresh_at
    }
}

/// The token endpoint's answer. UPS and USPS send `expires_in` as a string.
#[derive(Deserialize)]
pub(super) struct TokenResponse {
    access_token: Option<String>,
    #[serde(default, deserialize_with = "decode::loose_string")]
    expires_in: Option<String>,
}

/// Tokens are dropped a minute before they expire (a tenth of their life
/// for short ones), so that a request never starts with a token that
/// expires on its way.
pub(super) fn token(response: TokenResponse) -> Option<Token> {
    let value = response.access_token.filter(|t| !t.trim().is_empty())?;
    let lifetime = response
        .expires_in
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map_or(Duration::from_secs(3600), Duration::from_secs);
    let margin = (lifetime / 10).min(Duration::from_secs(60));
    Some(Token {
        value: Secret::new(value),
        refresh_at: Instant::now() + lifetime.saturating_sub(margin),
    })
}
