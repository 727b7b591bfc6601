-- The console's filter looks for words anywhere in an order's search text;
-- a LIKE '%word%' over a million rows is a full scan. A trigram full-text
-- index answers it from the index, kept in step with `orders` by triggers.
CREATE VIRTUAL TABLE orders_search USING fts5(
    search_text,
    content = 'orders',
    content_rowid = 'id',
    tokenize = 'trigram'
);
INSERT INTO orders_search (orders_search) VALUES ('rebuild');
CREATE TRIGGER orders_search_insert AFTER INSERT ON orders
WHEN new.search_text IS NOT NULL BEGIN
    INSERT INTO orders_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER orders_search_delete AFTER DELETE ON orders
WHEN old.search_text IS NOT NULL BEGIN
    INSERT INTO orders_search (orders_search, rowid, search_text)
    VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER orders_search_update AFTER UPDATE OF search_text ON orders
WHEN old.search_text IS NOT new.search_text BEGIN
    INSERT INTO orders_search (orders_search, rowid, search_text)
    SELECT 'delete', old.id, old.search_text WHERE old.search_text IS NOT NULL;
    INSERT INTO orders_search (rowid, search_text)
    SELECT new.id, new.search_text WHERE new.search_text IS NOT NULL;
END;
