-- Units of each PO line held against its vendor's ATP: soft from the PO's
-- creation, firm once the vendor acknowledges, the row deleted when they
-- are released. Kept so that a restart does not hand the same last units
-- to a later order; held_at keeps who held them first.
CREATE TABLE vendor_reservations (
    po_number TEXT NOT NULL,
    sku TEXT NOT NULL,
    order_ref TEXT NOT NULL,
    vendor_id TEXT NOT NULL,
    vendor_sku TEXT NOT NULL,
    units BIGINT NOT NULL,
    state TEXT NOT NULL,
    held_at BIGINT NOT NULL,
    PRIMARY KEY (po_number, sku)
);
CREATE INDEX vendor_reservations_order ON vendor_reservations (order_ref);
CREATE INDEX vendor_reservations_vendor ON vendor_reservations (vendor_id, vendor_sku);
