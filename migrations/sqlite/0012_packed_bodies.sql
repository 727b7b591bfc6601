-- Raw payload bodies are stored LZ4-compressed (`store::body`): they were
-- most of the bytes an import wrote. The column keeps its name and its
-- declared type: SQLite keeps a BLOB in a TEXT column as a BLOB. Bodies
-- stored before become their UTF-8 bytes, so every body compares as bytes,
-- and `raw_chars` keeps each body's length in characters for the rule that
-- the fuller of two snapshots with the same version wins.
ALTER TABLE payloads ADD COLUMN raw_chars BIGINT NOT NULL DEFAULT 0;
UPDATE payloads SET raw_chars = length(raw), raw = CAST(raw AS BLOB);
