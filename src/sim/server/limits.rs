//! The rate limits, in real time: Shopify's leaky bucket and ShipStation's
//! requests-per-minute window.

use std::time::{Duration, Instant};

/// Shopify's REST limit: each request adds one to the bucket, which leaks
/// at a steady rate; a request that would overflow it is refused.
pub struct Bucket {
    capacity: u32,
    leak_per_second: f64,
    level: f64,
    at: Instant,
}

impl Bucket {
    pub fn new(capacity: u32, leak_per_second: f64) -> Self {
        Bucket {
            capacity,
            leak_per_second,
            level: 0.0,
            at: Instant::now(),
        }
    }

    /// Adds a request: `Ok(level)` with the bucket's fill afterwards, or
    /// `Err(seconds)` to wait before one fits.
    pub fn take(&mut self) -> Result<u32, f64> {
        let now = Instant::now();
        let leaked = now.duration_since(self.at).as_secs_f64() * self.leak_per_second;
        self.level = (self.level - leaked).max(0.0);
        self.at = now;
        if self.level + 1.0 > f64::from(self.capacity) {
            let wait =
                (self.level + 1.0 - f64::from(self.capacity)) / self.leak_per_second.max(0.001);
            return Err(wait.max(1.0 / self.leak_per_second.max(0.001)));
        }
        self.level += 1.0;
        Ok(self.level.ceil() as u32)
    }

    pub fn capacity(&self) -> u32 {
        self.capacity
    }
}

/// ShipStation's limit: so many requests per 60-second window, the window
/// starting with its first request.
pub struct Window {
    limit: u32,
    used: u32,
    started: Option<Instant>,
}

/// What a request learns about the window: allowed or not, how many are
/// left, and the seconds until it resets.
pub struct Allowance {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    pub reset_seconds: u64,
}

const WINDOW: Duration = Duration::from_secs(60);

impl Window {
    pub fn new(limit: u32) -> Self {
        Window {
            limit,
            used: 0,
            started: None,
        }
    }

    pub fn take(&mut self) -> Allowance {
        let now = Instant::now();
        let started = match self.started {
            Some(started) if now.duration_since(started) < WINDOW => started,
            _ => {
                self.used = 0;
                self.started = Some(now);
                now
            }
        };
        let allowed = self.used < self.limit;
        if allowed {
            self.used += 1;
        }
        let left = WINDOW.saturating_sub(now.duration_since(started));
        Allowance {
            allowed,
            limit: self.limit,
            remaining: self.limit - self.used,
            reset_seconds: left.as_secs() + u64::from(left.subsec_nanos() > 0),
        }
    }
}
