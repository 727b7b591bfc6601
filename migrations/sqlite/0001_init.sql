-- One row per order entity, matched across systems (DESIGN.md §2), with the
-- latest evaluation's summary so the console can page a queue without
-- touching findings.
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    storefront_id TEXT UNIQUE,
    name TEXT,
    name_key TEXT UNIQUE,
    warehouse_key TEXT,
    customer TEXT,
    placed_at BIGINT,
    queue TEXT NOT NULL DEFAULT 'ok',
    top_code TEXT,
    top_reason TEXT,
    ship_by BIGINT,
    evaluated_at BIGINT,
    next_eval_at BIGINT,
    facts_changed_at BIGINT NOT NULL
);
CREATE INDEX orders_queue ON orders (queue, ship_by, id);
CREATE INDEX orders_next_eval ON orders (next_eval_at);
CREATE INDEX orders_evaluated ON orders (evaluated_at);
CREATE INDEX orders_warehouse_key ON orders (warehouse_key);

-- The raw payload per (order, source, document), kept with its fetch time,
-- beside the canonical facts it was read into.
CREATE TABLE payloads (
    order_id BIGINT NOT NULL REFERENCES orders (id),
    source TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    fetched_at BIGINT NOT NULL,
    origin TEXT NOT NULL,
    raw TEXT NOT NULL,
    facts TEXT NOT NULL,
    PRIMARY KEY (order_id, source, doc_id)
);

CREATE TABLE findings (
    order_id BIGINT NOT NULL REFERENCES orders (id),
    position BIGINT NOT NULL,
    code TEXT NOT NULL,
    verdict TEXT NOT NULL,
    reason TEXT NOT NULL,
    evidence TEXT NOT NULL,
    PRIMARY KEY (order_id, position)
);
CREATE INDEX findings_code ON findings (code);

-- Storefront orders tagged `replacement-of:NAME`, by the original's name key,
-- so the original learns of its replacement whichever arrives first.
CREATE TABLE replacement_links (
    original_key TEXT NOT NULL,
    replacement_order_id BIGINT NOT NULL REFERENCES orders (id),
    replacement_name TEXT NOT NULL,
    replacement_storefront_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (original_key, replacement_order_id)
);

-- Payloads that could not be read, kept aside with the reason.
CREATE TABLE rejects (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    origin TEXT NOT NULL,
    order_ref TEXT,
    reason TEXT NOT NULL,
    raw TEXT NOT NULL,
    rejected_at BIGINT NOT NULL
);

-- Work for background workers: claimed by lease, retried with a bounded
-- number of attempts, deduplicated by idempotency key.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued',
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    run_after BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX jobs_ready ON jobs (status, run_after);
