-- Each document's facts (its canonical JSON) are stored LZ4-compressed like
-- its raw body (`store::body`): with the body packed they were the larger
-- part of a payload row, and a row small enough that two share a page
-- halves the pages an import writes. Facts stored before become their
-- UTF-8 bytes, which `store::unpack` reads as plain text.
UPDATE payloads SET facts = CAST(facts AS BLOB);
