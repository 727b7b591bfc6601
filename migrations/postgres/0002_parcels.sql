-- Which order each parcel (tracking number) belongs to: a carrier's reply
-- names only the parcel. `carrier_hint` is what the storefront or warehouse
-- called the carrier; `settled` parcels (delivered, returned, cancelled) are
-- no longer polled.
CREATE TABLE order_tracking (
    tracking_number TEXT PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    carrier_hint TEXT,
    settled BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX order_tracking_order ON order_tracking (order_id);
CREATE INDEX order_tracking_open ON order_tracking (settled);

-- Where each incremental listing got to, in the backend's own terms.
CREATE TABLE sync_cursors (
    listing TEXT PRIMARY KEY,
    position TEXT NOT NULL,
    succeeded_at BIGINT NOT NULL
);
