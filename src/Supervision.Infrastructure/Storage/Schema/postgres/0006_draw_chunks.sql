-- Faster freeze and draw (docs/draw-service.md): the frozen snapshot is kept as the canonical CSV itself, cut into
-- chunks of whole lines (their concatenation in chunk_no order is the published population.csv, byte for byte),
-- the census of the entity draw is computed during the freeze, and the exclusions are their own small table.
-- draw_population (0005) is no longer written; it stays so that nothing already frozen is destroyed.

CREATE TABLE draw_snapshot_chunks (
    task_id        text    NOT NULL,
    chunk_no       integer NOT NULL,
    first_member   text    COLLATE "C" NOT NULL,
    member_count   integer NOT NULL,
    data           bytea   NOT NULL,                           -- consecutive lines of the canonical snapshot (chunk 0 with the header)
    PRIMARY KEY (task_id, chunk_no)
);
-- The bytes are hashed and published as they are; compressing them would cost the freeze CPU time for little gain.
ALTER TABLE draw_snapshot_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- Members excluded before drawing (burden caps), fixed at freeze; listed in the pack's parameters.
CREATE TABLE draw_exclusions (
    task_id        text    NOT NULL,
    member_id      text    COLLATE "C" NOT NULL,
    reason         text    NOT NULL,
    PRIMARY KEY (task_id, member_id)
);

-- Pass 1 of the entity draw (counts, weight sums, excluded per reason, Pareto top weights), a pure function of the
-- snapshot and the task's parameters, computed while the snapshot is written.
CREATE TABLE draw_censuses (
    task_id        text    PRIMARY KEY,
    census_json    text    NOT NULL
);

-- The short answer of POST /draw/entities (counts, hashes, revealed secret), written with the record.
ALTER TABLE draw_records ADD COLUMN summary_json text NULL;
