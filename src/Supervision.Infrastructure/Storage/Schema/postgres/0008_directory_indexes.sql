-- Two indexes of 0002 that no query uses, each rebuilt on every large import:
-- * market_entities_name: searches match names anywhere ("contains"), which a prefix index cannot serve;
--   the public portal's name search gets its own (trigram) index when it is built.
-- * market_entities_status_class: nearly every entity is open and four classes split the rest, so the planner
--   scans anyway; listing filters combine them with the credit-code order, which the primary key serves.
DROP INDEX IF EXISTS market_entities_name;
DROP INDEX IF EXISTS market_entities_status_class;
