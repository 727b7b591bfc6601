//! Preflight: every reason an action may or may not go ahead, as pass, info
//! or blocked. One blocked check and the action cannot be confirmed.

use serde::Serialize;

use crate::domain::Verdict;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub verdict: Verdict,
    /// Stable, for scripts: `ORDER_CANCELLED`, `STOCK_SHORT`, …
    pub code: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Preflight {
    pub checks: Vec<Check>,
}

impl Preflight {
    pub fn pass(&mut self, code: &str, reason: impl Into<String>) {
        self.push(Verdict::Pass, code, reason);
    }

    pub fn info(&mut self, code: &str, reason: impl Into<String>) {
        self.push(Verdict::Info, code, reason);
    }

    pub fn block(&mut self, code: &str, reason: impl Into<String>) {
        self.push(Verdict::Blocked, code, reason);
    }

    fn push(&mut self, verdict: Verdict, code: &str, reason: impl Into<String>) {
        self.checks.push(Check {
            verdict,
            code: code.to_string(),
            reason: reason.into(),
        });
    }

    pub fn blocked(&self) -> bool {
        self.checks.iter().any(|c| c.verdict == Verdict::Blocked)
    }

    /// The first blocking check's reason, for the one line on stderr.
    pub fn first_block(&self) -> Option<&Check> {
        self.checks.iter().find(|c| c.verdict == Verdict::Blocked)
    }
}
