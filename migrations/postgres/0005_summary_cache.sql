-- Model-written order summaries, keyed by the SHA-256 of the exact request
-- that produced them (the redacted facts, the instruction and the model), so
-- an unchanged order never costs a second call. One row per order: a new
-- summary of an order replaces its older ones.
CREATE TABLE summary_cache (
    prompt_hash TEXT PRIMARY KEY,
    order_id BIGINT NOT NULL,
    model TEXT NOT NULL,
    reply TEXT NOT NULL,
    finish_reason TEXT,
    prompt_tokens BIGINT,
    completion_tokens BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX summary_cache_order ON summary_cache (order_id);
