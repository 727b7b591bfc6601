//! Secrets read from the environment: never printed, never logged.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(value)
    }

    /// The value itself, for the one header that carries it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Reads the variable named by a config `*_env` key.
    pub fn from_env(variable: &str) -> Result<Secret, String> {
        match std::env::var(variable) {
            Ok(value) if !value.trim().is_empty() => Ok(Secret(value.trim().to_string())),
            Ok(_) => Err(format!("environment variable {variable} is empty")),
            Err(_) => Err(format!("environment variable {variable} is not set")),
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}
