-- Purchase orders and reroute proposals are looked up by number across all
-- orders (an 855 names only its PO; a pass walks every proposal). Without
-- these, each lookup scanned every stored payload, raw bodies and all. They
-- are partial, one per kind (SQLite uses a partial index only when the
-- query names its condition term for term), so the storefront, warehouse
-- and carrier payloads that make up every import pay nothing for them; the
-- queries name the kind as a literal for the same reason.
CREATE INDEX payloads_purchase_orders ON payloads (doc_id)
    WHERE source = 'vendor.purchase_order';
CREATE INDEX payloads_reroutes ON payloads (doc_id)
    WHERE source = 'vendor.reroute';
