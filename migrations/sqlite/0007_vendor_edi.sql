-- X12 interchanges applied from vendor inboxes: a file seen again (same
-- bytes, or the same ISA13 from the same sender) is not applied twice.
CREATE TABLE edi_interchanges (
    content_hash TEXT PRIMARY KEY,
    sender TEXT NOT NULL,
    control_number TEXT NOT NULL,
    vendor_id TEXT,
    origin TEXT NOT NULL,
    applied_at BIGINT NOT NULL,
    UNIQUE (sender, control_number)
);

-- 850s written to vendor outboxes; the row id is the interchange control
-- number, so each one is fresh.
CREATE TABLE edi_outbound (
    id INTEGER PRIMARY KEY,
    vendor_id TEXT NOT NULL,
    po_number TEXT NOT NULL,
    path TEXT,
    written_at BIGINT NOT NULL
);

-- What each vendor says it can ship, per vendor SKU (846 LIN/QTY): the
-- latest advice wins. quantities holds every QTY01 qualifier sent.
CREATE TABLE vendor_atp (
    vendor_id TEXT NOT NULL,
    vendor_sku TEXT NOT NULL,
    available BIGINT,
    unit TEXT,
    quantities TEXT NOT NULL,
    as_of BIGINT NOT NULL,
    origin TEXT NOT NULL,
    PRIMARY KEY (vendor_id, vendor_sku)
);
