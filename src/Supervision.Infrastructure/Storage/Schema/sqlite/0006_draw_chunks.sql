-- SQLite flavour of postgres/0006_draw_chunks.sql: the frozen snapshot as canonical CSV chunks (their concatenation
-- in chunk_no order is the published population.csv), the census computed at freeze, exclusions in their own table.
-- draw_population (0005) is no longer written; it stays so that nothing already frozen is destroyed.

CREATE TABLE draw_snapshot_chunks (
    task_id        text    NOT NULL,
    chunk_no       INTEGER NOT NULL,
    first_member   text    NOT NULL,
    member_count   INTEGER NOT NULL,
    data           BLOB    NOT NULL,
    PRIMARY KEY (task_id, chunk_no)
);

CREATE TABLE draw_exclusions (
    task_id        text    NOT NULL,
    member_id      text    NOT NULL,
    reason         text    NOT NULL,
    PRIMARY KEY (task_id, member_id)
);

CREATE TABLE draw_censuses (
    task_id        text    PRIMARY KEY,
    census_json    text    NOT NULL
);

ALTER TABLE draw_records ADD COLUMN summary_json text NULL;
