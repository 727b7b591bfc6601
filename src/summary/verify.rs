//! A model's reply held against the facts it was given: which findings it
//! cites, and which order numbers, tracking numbers, statuses or finding
//! codes it names that the facts do not contain.

use std::collections::HashSet;

use serde_json::Value;

use crate::domain::{Finding, FindingCode};

/// Statuses as the systems and the offline summary word them; a reply using
/// one that no fact uses has made it up.
const STATUS_WORDS: &[&str] = &[
    "delivered",
    "in transit",
    "out for delivery",
    "picked up",
    "ready for pickup",
    "delivery failed",
    "failed delivery",
    "delayed",
    "on hold",
    "returned to sender",
    "returned",
    "cancelled",
    "shipped",
    "awaiting shipment",
    "awaiting payment",
    "fulfilled",
    "unfulfilled",
    "partially fulfilled",
    "restocked",
    "refunded",
    "partially refunded",
    "voided",
    "paid",
    "lost",
    "damaged",
];

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Checked {
    /// The order's findings the reply names, in the findings' order.
    pub cites: Vec<FindingCode>,
    /// What the reply names that the facts do not hold.
    pub unverified: Vec<String>,
}

/// Words in one spelling, so a reply's "canceled" meets the facts'
/// "cancelled".
fn normalise(text: &str) -> String {
    text.to_lowercase()
        .replace('_', " ")
        .replace("canceled", "cancelled")
        .replace("authorised", "authorized")
}

fn has_phrase(haystack: &str, phrase: &str) -> bool {
    haystack.match_indices(phrase).any(|(at, _)| {
        let before = haystack[..at].chars().next_back();
        let after = haystack[at + phrase.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// Every string and number in the facts, joined: what a reply may quote.
fn flatten(value: &Value, out: &mut String) {
    match value {
        Value::String(text) => {
            out.push_str(text);
            out.push('\n');
        }
        Value::Number(number) => {
            out.push_str(&number.to_string());
            out.push('\n');
        }
        Value::Array(items) => items.iter().for_each(|item| flatten(item, out)),
        Value::Object(fields) => fields.values().for_each(|field| flatten(field, out)),
        Value::Null | Value::Bool(_) => {}
    }
}

/// The identifiers a text holds: runs of letters, digits and dashes.
fn identifiers(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .map(|word| word.trim_matches('-'))
        .filter(|word| !word.is_empty())
}

/// Whether a word in a reply is the kind of number a model could invent:
/// an order number (`#1001`), or a long run with digits in it (a tracking
/// number, an id). Dates, times and quantities have separators or are short.
fn claimed_number(word: &str) -> Option<(&'static str, &str)> {
    if let Some(name) = word.strip_prefix('#') {
        let name = name.trim_end_matches('-');
        return (!name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '-'))
            .then_some(("order", name));
    }
    (word.chars().count() >= 6
        && word.chars().all(char::is_alphanumeric)
        && word.chars().any(|c| c.is_ascii_digit()))
    .then_some(("number", word))
}

pub fn check(reply: &str, facts: &Value, findings: &[Finding]) -> Checked {
    let mut haystack = String::new();
    flatten(facts, &mut haystack);
    let known: HashSet<String> = identifiers(&haystack).map(str::to_lowercase).collect();
    let haystack = normalise(&haystack);

    let mut unverified = Vec::new();
    let mut note = |term: String| {
        if !unverified.contains(&term) {
            unverified.push(term);
        }
    };
    let mut named_codes = HashSet::new();
    for word in reply.split_whitespace() {
        let word = word.trim_matches(|c: char| !(c.is_alphanumeric() || c == '#' || c == '_'));
        if let Some(code) = FindingCode::parse(word) {
            named_codes.insert(code);
            if !findings.iter().any(|f| f.code == code) {
                note(format!("finding {code}"));
            }
            continue;
        }
        if let Some((kind, number)) = claimed_number(word) {
            if !known.contains(&number.to_lowercase()) {
                note(format!("{kind} {word}"));
            }
        }
    }
    let reply_words = normalise(reply);
    for status in STATUS_WORDS {
        if has_phrase(&reply_words, status) && !has_phrase(&haystack, status) {
            note(format!("status \"{status}\""));
        }
    }
    let mut cites: Vec<FindingCode> = Vec::new();
    for finding in findings {
        if named_codes.contains(&finding.code) && !cites.contains(&finding.code) {
            cites.push(finding.code);
        }
    }
    Checked { cites, unverified }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Verdict;

    fn finding(code: FindingCode) -> Finding {
        Finding {
            code,
            verdict: Verdict::Blocked,
            reason: "Shipped at the warehouse; the storefront still shows it unfulfilled".into(),
            evidence: Vec::new(),
        }
    }

    fn facts() -> Value {
        serde_json::json!({
            "order": "#1007",
            "systems": {"warehouse_shipments": [{"tracking_number": "9400111000000003277005",
                        "order_number": "1007"}],
                        "replacements": [{"replacement_name": "#1007-R1"}],
                        "storefront": {"financial_status": "paid", "fulfillment_status": "unfulfilled"}},
            "timeline": [{"event": "shipped, tracking 9400111000000003277005"}]
        })
    }

    #[test]
    fn a_grounded_reply_cites_the_findings_it_names() {
        let findings = [
            finding(FindingCode::SlaBreach),
            finding(FindingCode::FulfilmentNotSynced),
        ];
        let checked = check(
            "Order #1007 shipped on 2026-11-18 with tracking 9400111000000003277005 (FULFILMENT_NOT_SYNCED), \
             replacement #1007-R1; the storefront still says unfulfilled and paid.",
            &facts(),
            &findings,
        );
        assert_eq!(checked.cites, [FindingCode::FulfilmentNotSynced]);
        assert!(checked.unverified.is_empty(), "{:?}", checked.unverified);
    }

    #[test]
    fn invented_numbers_statuses_and_codes_are_named() {
        let checked = check(
            "Order #1008 was delivered under 1Z999AA10123456784 (CARRIER_EXCEPTION). It was canceled.",
            &facts(),
            &[finding(FindingCode::SlaBreach)],
        );
        assert_eq!(
            checked.unverified,
            [
                "order #1008",
                "number 1Z999AA10123456784",
                "finding CARRIER_EXCEPTION",
                "status \"delivered\"",
                "status \"cancelled\"",
            ]
        );
        assert!(checked.cites.is_empty());
    }
}
