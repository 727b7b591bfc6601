-- Each document's facts (its canonical JSON) are stored LZ4-compressed like
-- its raw body (`store::body`): with the body packed they were the larger
-- part of a payload row. Facts stored before become their UTF-8 bytes,
-- which `store::unpack` reads as plain text.
ALTER TABLE payloads ALTER COLUMN facts TYPE BYTEA USING convert_to(facts, 'UTF8');
