-- Operator actions (DESIGN.md §6). A run is written, with its idempotency
-- key, before any request leaves; `open_slot` holds the order's key while the
-- run is unsettled, so the UNIQUE constraint lets one run per order be in
-- flight whichever process or database client races for it.
CREATE TABLE action_runs (
    id INTEGER PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    order_ref TEXT NOT NULL,
    order_name TEXT NOT NULL,
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason_code TEXT NOT NULL,
    note TEXT,
    status TEXT NOT NULL,
    open_slot TEXT UNIQUE,
    holder_host TEXT NOT NULL,
    holder_pid BIGINT NOT NULL,
    lease_until BIGINT NOT NULL,
    preview TEXT NOT NULL,
    result TEXT,
    audit_seq BIGINT,
    audit_hash TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX action_runs_order ON action_runs (order_ref, action, status);

-- The audit log: append-only, each entry chained to the one before by hash.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    order_ref TEXT NOT NULL,
    reason_code TEXT NOT NULL,
    note TEXT,
    preview TEXT NOT NULL,
    result TEXT NOT NULL,
    before_state TEXT NOT NULL,
    after_state TEXT NOT NULL,
    run_key TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_order ON audit_log (order_ref, seq);

-- Whoever can write the file can drop these; they stop accidents, and
-- `orderdeck audit verify` catches the rest.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused');
END;

-- Exceptions an operator marked resolved (the `resolve` action).
CREATE TABLE resolutions (
    order_ref TEXT NOT NULL,
    code TEXT NOT NULL,
    reason_code TEXT NOT NULL,
    resolved_by TEXT NOT NULL,
    resolved_at BIGINT NOT NULL,
    run_key TEXT NOT NULL,
    PRIMARY KEY (order_ref, code, run_key)
);
