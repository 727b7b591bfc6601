-- Bodies and facts written from here on are packed against a dictionary
-- (`store::body`, tag 2) that builds before this one cannot unpack. This
-- migration changes nothing but its own record: a build that lacks it
-- refuses to open the database ("migration 14 was previously applied but is
-- missing") instead of misreading what a newer build wrote to a store
-- operators share.
SELECT 1;
