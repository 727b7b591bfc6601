-- Which order each parcel (tracking number) belongs to: a carrier's reply
-- names only the parcel.
CREATE TABLE order_tracking (
    tracking_number TEXT PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id)
);
CREATE INDEX order_tracking_order ON order_tracking (order_id);
