//! The synthetic shop's fixed vocabulary: goods, customers, places.

use chrono_tz::America::{Chicago, Denver, Los_Angeles, New_York, Phoenix};

use super::calendar::THIRD_PARTY_VENDOR;
use super::plan::Place;

/// (SKU, title, vendor, unit price in cents). The `acme-home` lines are the
/// third-party vendor's (drop-shipped).
pub const IN_HOUSE: [(&str, &str, &str, u64); 4] = [
    ("MUG-BLUE", "Stoneware mug, blue", "orderdeck-goods", 1800),
    ("TEE-M-BLK", "T-shirt M black", "orderdeck-goods", 2500),
    ("LAMP-OAK", "Oak desk lamp", "orderdeck-goods", 6400),
    ("CANDLE-3", "Candle set of 3", "orderdeck-goods", 2200),
];
pub const DROP_SHIPPED: [(&str, &str, &str, u64); 2] = [
    (
        "SOFA-3S-GRY",
        "Three-seat sofa, grey",
        THIRD_PARTY_VENDOR,
        89900,
    ),
    ("RUG-160", "Wool rug 160x230", THIRD_PARTY_VENDOR, 34900),
];

pub const FIRST_NAMES: [&str; 8] = [
    "Ada", "Bob", "Chen", "Dana", "Eve", "Farid", "Grace", "Hugo",
];
pub const LAST_NAMES: [&str; 8] = [
    "Lovelace",
    "Norman",
    "Wei",
    "Scully",
    "Moneypenny",
    "Khan",
    "Hopper",
    "Reyes",
];

const fn place(
    street: &'static str,
    city: &'static str,
    state: &'static str,
    zip: &'static str,
    zone: chrono_tz::Tz,
) -> Place {
    Place {
        street,
        city,
        state,
        zip,
        zone,
    }
}

/// Where customers live.
pub const ADDRESSES: [Place; 8] = [
    place("12 Elm St", "Burlington", "VT", "05401", New_York),
    place("480 Lake Shore Dr", "Chicago", "IL", "60611", Chicago),
    place("77 Pearl St", "Denver", "CO", "80203", Denver),
    place(
        "1500 Mission St",
        "San Francisco",
        "CA",
        "94103",
        Los_Angeles,
    ),
    place("9 Peachtree Ave", "Atlanta", "GA", "30305", New_York),
    place("301 Congress Ave", "Austin", "TX", "78701", Chicago),
    place("45 Camelback Rd", "Phoenix", "AZ", "85016", Phoenix),
    place("200 Pike St", "Seattle", "WA", "98101", Los_Angeles),
];

/// The warehouse every in-house parcel leaves from.
pub const WAREHOUSE: Place = place("600 Meadowlands Pkwy", "Secaucus", "NJ", "07094", New_York);
/// Where the drop-ship vendor's parcels leave from.
pub const VENDOR_DOCK: Place = place("3100 Industrial Blvd", "Memphis", "TN", "38118", Chicago);

/// Carrier hubs parcels pass through.
pub const HUBS: [Place; 6] = [
    place("", "Harrisburg", "PA", "17111", New_York),
    place("", "Columbus", "OH", "43217", New_York),
    place("", "Louisville", "KY", "40213", New_York),
    place("", "Indianapolis", "IN", "46241", New_York),
    place("", "Memphis", "TN", "38118", Chicago),
    place("", "Dallas", "TX", "75261", Chicago),
];

/// The Shopify ids one catalogue SKU goes by: its product, its (only)
/// variant, and the inventory item stock is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogIds {
    pub product_id: u64,
    pub variant_id: u64,
    pub inventory_item_id: u64,
}

/// Every SKU of the shop, in-house first.
pub fn skus() -> impl Iterator<Item = (&'static str, &'static str, &'static str, u64)> {
    IN_HOUSE.into_iter().chain(DROP_SHIPPED)
}

/// The ids of `sku`, fixed by its place in the catalogue so that every
/// order of it shares them.
pub fn ids_of(sku: &str) -> Option<CatalogIds> {
    let at = skus().position(|(s, ..)| s == sku)? as u64;
    Some(CatalogIds {
        product_id: 632_910_392 + at,
        variant_id: 808_950_810 + at,
        inventory_item_id: 39_072_856 + at,
    })
}

/// The catalogue entry whose variant is `variant_id`.
pub fn by_variant(variant_id: u64) -> Option<(&'static str, &'static str, &'static str, u64)> {
    skus().find(|(sku, ..)| ids_of(sku).is_some_and(|ids| ids.variant_id == variant_id))
}

/// The shop's locations: the warehouse every in-house parcel leaves from
/// (fulfilment orders are assigned to it), and the shop floor, which holds
/// a little stock the warehouse cannot ship.
pub const WAREHOUSE_LOCATION_ID: u64 = 24_826_418;
pub const SHOP_FLOOR_LOCATION_ID: u64 = 24_826_419;
/// The drop-ship vendor's location: its goods' fulfilment orders are
/// assigned to it, and no stock is counted there (the vendor holds it).
pub const VENDOR_LOCATION_ID: u64 = 24_826_420;

/// Drop-shipped goods the warehouse also keeps a few of, so that a reroute
/// can take them from our own stock: (SKU, units).
pub const WAREHOUSE_SAFETY_STOCK: [(&str, u32); 1] = [("RUG-160", 4)];

/// Whether `sku` is the drop-ship vendor's.
pub fn drop_shipped(sku: &str) -> bool {
    DROP_SHIPPED.iter().any(|(s, ..)| *s == sku)
}
