//! Personal data out before anything leaves the machine (DESIGN.md §6):
//! structurally, by field name and by the order's own known values, and by
//! pattern over every string, for what free text (notes, hold reasons, tags)
//! carries without a field of its own.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

pub const CUSTOMER: &str = "[customer]";
pub const EMAIL: &str = "[email]";
pub const PHONE: &str = "[phone]";
pub const ADDRESS: &str = "[address]";

// Compiled once from literals, each exercised by the tests below, which
// fail if one stops compiling.
fn pattern(source: &str) -> Option<Regex> {
    Regex::new(source).ok()
}

fn replace(pattern: &Option<Regex>, text: String, placeholder: &str) -> String {
    match pattern {
        Some(pattern) => pattern.replace_all(&text, placeholder).into_owned(),
        None => text,
    }
}

static EMAIL_PATTERN: LazyLock<Option<Regex>> =
    LazyLock::new(|| pattern(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"));

/// Written with separators, as people write them: a bare run of digits is
/// as likely a tracking number or an id, which must reach the model intact.
static PHONE_PATTERN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(
        r"(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?|\b\d{2,4}[\s.-])\d{3,4}[\s.-]\d{3,4}\b|\+\d{1,3}(?:[\s.-]\d{2,4}){2,4}\b",
    )
});

/// Capitalised, as addresses are written; lower-case prose ("1 item on its
/// way") is left alone.
static ADDRESS_PATTERN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    const SUFFIX: &str = "Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Parkway|Pkwy|Highway|Hwy|Square|Sq|Circle|Cir";
    pattern(&format!(
        r"\b\d{{1,6}}[A-Za-z]?(?:\s+[A-Z][A-Za-z'.-]*){{1,4}}\s+(?:{SUFFIX})\b\.?|\b(?:[A-Z][A-Za-z'.-]*\s+){{1,3}}(?:{SUFFIX})\s+\d{{1,6}}[A-Za-z]?\b|\b[A-Z][a-zäöüß]*(?:straße|strasse|weg|gasse|platz)\s+\d{{1,6}}[a-z]?\b|\b[Pp]\.?\s?[Oo]\.?\s+[Bb]ox\s+\d+"
    ))
});

/// Replaces one order's personal data wherever it appears.
pub struct Redactor {
    /// The customer's name and each part of it, whole words, any case.
    names: Option<Regex>,
    emails: Vec<String>,
}

impl Redactor {
    /// `names` and `emails` are the order's own (the storefront's customer,
    /// the stored row's customer).
    pub fn new<'a>(
        names: impl IntoIterator<Item = &'a str>,
        emails: impl IntoIterator<Item = &'a str>,
    ) -> Redactor {
        let mut words: Vec<String> = Vec::new();
        for name in names {
            let name = name.trim();
            if name.is_empty() {
                continue;
            }
            words.push(name.to_string());
            words.extend(
                name.split_whitespace()
                    .filter(|part| part.chars().filter(|c| c.is_alphabetic()).count() >= 2)
                    .map(str::to_string),
            );
        }
        // Longest first: the full name goes before its parts.
        words.sort_by_key(|w| std::cmp::Reverse(w.len()));
        words.dedup();
        let names = (!words.is_empty())
            .then(|| {
                let alternatives: Vec<String> = words.iter().map(|w| regex::escape(w)).collect();
                Regex::new(&format!(r"(?i)\b(?:{})\b", alternatives.join("|"))).ok()
            })
            .flatten();
        Redactor {
            names,
            emails: emails
                .into_iter()
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(str::to_string)
                .collect(),
        }
    }

    /// Free text with every recognisable piece of personal data replaced.
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for email in &self.emails {
            out = out.replace(email.as_str(), EMAIL);
        }
        // E-mail addresses first: a name inside one must not split it.
        out = replace(&EMAIL_PATTERN, out, EMAIL);
        out = replace(&PHONE_PATTERN, out, PHONE);
        out = replace(&ADDRESS_PATTERN, out, ADDRESS);
        replace(&self.names, out, CUSTOMER)
    }

    /// Every field that holds personal data by its name is replaced whole;
    /// every other string is redacted as free text.
    pub fn value(&self, value: &mut Value) {
        match value {
            Value::String(text) => *text = self.text(text),
            Value::Array(items) => items.iter_mut().for_each(|item| self.value(item)),
            Value::Object(fields) => {
                for (key, field) in fields.iter_mut() {
                    match placeholder_for(key) {
                        Some(placeholder) if !field.is_null() => {
                            *field = Value::String(placeholder.to_string())
                        }
                        _ => self.value(field),
                    }
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

/// Fields named for personal data, whatever connector adds them.
fn placeholder_for(key: &str) -> Option<&'static str> {
    let key = key.to_ascii_lowercase();
    if key == "customer"
        || key == "customer_name"
        || key.ends_with("_name") && key.contains("customer")
    {
        Some(CUSTOMER)
    } else if key.contains("email") {
        Some(EMAIL)
    } else if key.contains("phone") {
        Some(PHONE)
    } else if key.contains("address")
        || ["street", "zip", "postcode", "ship_to", "bill_to"].contains(&key.as_str())
    {
        Some(ADDRESS)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn redactor() -> Redactor {
        Redactor::new(["Bob Norman"], ["bob.norman@hostmail.com"])
    }

    #[test]
    fn every_pattern_compiles() {
        for compiled in [&*EMAIL_PATTERN, &*PHONE_PATTERN, &*ADDRESS_PATTERN] {
            assert!(compiled.is_some());
        }
    }

    #[test]
    fn free_text_loses_names_emails_phones_and_streets() {
        let text = "Call Bob on 555-625-1199 or +44 20 7946 0958, mail BOB.NORMAN@hostmail.com \
                    or norman@example.org; deliver to 92 Chestnut Street, or Chestnut Street 92, \
                    or Hauptstraße 5, or P.O. Box 77.";
        assert_eq!(
            redactor().text(text),
            "Call [customer] on [phone] or [phone], mail [email] \
             or [email]; deliver to [address], or [address], \
             or [address], or [address]."
        );
    }

    #[test]
    fn facts_that_only_look_like_personal_data_stay() {
        let text = "tracking 1Z4Y6W800303276900 and 9400111000000003277005, order #1002-R1, \
                    shipped 2026-11-23T20:00:00Z, 3 items on their way, 19.99 paid, Norma's lamp";
        assert_eq!(redactor().text(text), text);
    }

    #[test]
    fn fields_named_for_personal_data_are_replaced_whole() {
        let mut value = serde_json::json!({
            "name": "#1001",
            "customer_name": "Bob Norman",
            "email": "bob.norman@hostmail.com",
            "shipping_address": {"address1": "Chestnut Street 92", "city": "Louisville"},
            "phone": null,
            "note": "Bob asked for a call",
            "lines": [{"title": "Lamp"}]
        });
        redactor().value(&mut value);
        assert_eq!(
            value,
            serde_json::json!({
                "name": "#1001",
                "customer_name": "[customer]",
                "email": "[email]",
                "shipping_address": "[address]",
                "phone": null,
                "note": "[customer] asked for a call",
                "lines": [{"title": "Lamp"}]
            })
        );
    }
}
