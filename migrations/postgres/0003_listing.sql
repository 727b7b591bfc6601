-- What a queue row shows beside the order's name, derived from its facts at
-- each evaluation, so the console pages a queue of a million orders without
-- reading any facts: the vendors or warehouse, one word per system, and the
-- lower-case text the `/` filter searches (order number, customer, SKUs,
-- vendors, finding codes).
ALTER TABLE orders ADD COLUMN source_label TEXT;
ALTER TABLE orders ADD COLUMN system_states TEXT;
ALTER TABLE orders ADD COLUMN search_text TEXT;
-- The console's three sorts page through an index each; the deadline
-- sort's expression puts orders with no deadline last on both engines,
-- and equal deadlines list by order number, whatever order they arrived in.
CREATE INDEX orders_queue_deadline ON orders (queue, (COALESCE(ship_by, 9223372036854775807)), name_key, id);
CREATE INDEX orders_queue_placed ON orders (queue, (COALESCE(placed_at, 0)), name_key, id);
CREATE INDEX orders_queue_name ON orders (queue, name_key, id);
-- Rows evaluated before these columns existed fill them at their next
-- evaluation; make that the next refresh.
UPDATE orders SET next_eval_at = 0;
