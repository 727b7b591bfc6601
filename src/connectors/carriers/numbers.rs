//! Which carrier a tracking number's shape points to. Only well-known shapes
//! are recognised; where shapes overlap the choice is the carrier most such
//! numbers belong to, and `None` is better than a guess:
//!
//! - `1Z` + 16 letters or digits: UPS.
//! - `JJD` + digits, or `JD` + 18 digits (piece numbers): DHL.
//! - 10 digits: a DHL Express waybill.
//! - 12 or 15 digits: FedEx (Express, Ground).
//! - 20 to 22 digits starting with `9`: USPS (IMpb). FedEx Ground Economy
//!   also issues `92…` numbers, but USPS delivers those parcels and tracks
//!   them under the same number, so USPS it is — except `96…` with 22
//!   digits, FedEx Ground's own barcode.
//! - Other 20 or 22 digits: FedEx (Ground SSCC, Ground Economy).
//! - A scanned USPS barcode still carrying its `420` + ZIP routing prefix is
//!   read without it.

use super::Carrier;

pub(super) fn carrier_of(number: &str) -> Option<Carrier> {
    let number: String = number
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if let Some(rest) = number.strip_prefix("1Z") {
        return (rest.len() == 16 && rest.chars().all(|c| c.is_ascii_alphanumeric()))
            .then_some(Carrier::Ups);
    }
    if let Some(rest) = number.strip_prefix("JJD") {
        return (!rest.is_empty() && all_digits(rest)).then_some(Carrier::Dhl);
    }
    if let Some(rest) = number.strip_prefix("JD") {
        return (rest.len() == 18 && all_digits(rest)).then_some(Carrier::Dhl);
    }
    if !all_digits(&number) {
        return None;
    }
    let digits = without_routing(&number);
    match digits.len() {
        10 => Some(Carrier::Dhl),
        12 | 15 => Some(Carrier::Fedex),
        22 if digits.starts_with("96") => Some(Carrier::Fedex),
        20..=22 if digits.starts_with('9') => Some(Carrier::Usps),
        20 | 22 => Some(Carrier::Fedex),
        _ => None,
    }
}

fn all_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// A USPS label's barcode prefixes the tracking number with `420` and the
/// destination ZIP (5 or 9 digits).
fn without_routing(digits: &str) -> &str {
    match digits.len() {
        30 | 34 if digits.starts_with("420") => &digits[digits.len() - 22..],
        _ => digits,
    }
}
