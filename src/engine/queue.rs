use crate::domain::{Finding, FindingCode, Queue, Verdict};

/// The queue an order is listed in, by the precedence of DESIGN.md §3: a
/// blocked finding needs a human whatever else is true, a breach outranks
/// explanations, and pass-only orders are counted but not listed.
pub fn classify(findings: &[Finding]) -> Queue {
    if findings.iter().any(|f| f.verdict == Verdict::Blocked) {
        Queue::Blocked
    } else if findings
        .iter()
        .any(|f| f.verdict == Verdict::Overdue || f.code == FindingCode::SlaBreach)
    {
        Queue::Overdue
    } else if findings.iter().any(|f| f.verdict == Verdict::Info) {
        Queue::Informational
    } else {
        Queue::Ok
    }
}
