-- Each listing's health as of its last pass: when it last succeeded, and
-- its last error with its time, so that `orderdeck health` and the console
-- can say how fresh every source is and why one is not.
CREATE TABLE sync_health (
    listing TEXT PRIMARY KEY,
    last_success BIGINT,
    last_error TEXT,
    last_error_at BIGINT,
    documents BIGINT NOT NULL DEFAULT 0
);
