-- Purchase orders orderdeck creates, each stored with its idempotency key
-- before it leaves: a pass that crashes between the store and the send
-- re-sends the same PO under the same key instead of creating a second one.
-- sent_at stays NULL until the vendor (or its outbox) has taken it.
CREATE TABLE vendor_po_sends (
    po_number TEXT PRIMARY KEY,
    vendor_id TEXT NOT NULL,
    order_ref TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    po TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    -- Set once the PO is cancelled or fully shipped: no more polling.
    settled_at BIGINT
);
CREATE INDEX vendor_po_sends_order ON vendor_po_sends (order_ref);
CREATE INDEX vendor_po_sends_open ON vendor_po_sends (settled_at, sent_at);

