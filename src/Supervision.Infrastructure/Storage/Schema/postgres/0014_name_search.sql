-- Partial-name search by newest first (docs/public-portal.md, "Search"; docs/benchmarks.md, "Public search").
--
-- The GIN index of 0010 finds every current result whose name holds the query's two-character substrings, but it
-- cannot give them in publication order: a search for a common brand fetched and sorted every match (hundreds of heap
-- rows) to show twenty. This table holds one row per (bigram, current result) with a B-tree on (gram, result_seq), so
-- the search walks one gram's results newest first and stops after a page; the platform drives the walk by the
-- query's rarest gram (counted, bounded, in the same statement) and checks the whole query with LIKE.
--
-- Triggers keep it in step with published_results whoever writes there (the publication transaction, bulk loads):
-- a new current row adds its grams, a row marked superseded loses them. The GIN index is dropped: the grams table
-- serves every sort order.

CREATE TABLE published_name_grams (
    gram        text   NOT NULL,                                -- two characters (code points) of the entity name
    result_seq  bigint NOT NULL,                                -- published_results.seq (kept by the triggers below)
    PRIMARY KEY (gram, result_seq)
);

CREATE FUNCTION supervision_add_name_grams() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO published_name_grams (gram, result_seq)
    SELECT DISTINCT g, a.seq FROM added a, unnest(supervision_bigrams(a.entity_name)) AS g
    WHERE a.superseded_by IS NULL;
    RETURN NULL;
END $$;

CREATE FUNCTION supervision_drop_name_grams() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM published_name_grams g USING changed c
    WHERE c.superseded_by IS NOT NULL AND g.result_seq = c.seq;
    RETURN NULL;
END $$;

CREATE TRIGGER published_results_add_grams AFTER INSERT ON published_results
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION supervision_add_name_grams();
CREATE TRIGGER published_results_drop_grams AFTER UPDATE ON published_results
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION supervision_drop_name_grams();

INSERT INTO published_name_grams (gram, result_seq)
SELECT DISTINCT g, r.seq FROM published_results r, unnest(supervision_bigrams(r.entity_name)) AS g
WHERE r.superseded_by IS NULL;

DROP INDEX published_results_name_bigrams;
