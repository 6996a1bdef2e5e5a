-- Changes the sink cannot apply yet without breaking a physical foreign key
-- (DESIGN decision 9): an upsert whose referenced parent has not arrived, or a
-- delete whose row is still referenced. One entry per row (newest version wins);
-- applied in the transaction that brings the parent, or by the periodic retry,
-- and reported (or dead-lettered) once older than sink.parkedMaxAgeMs.
CREATE TABLE IF NOT EXISTS tidemark_parked (
  target_table     text        NOT NULL,
  id               uuid        NOT NULL,
  op               "char"      NOT NULL CHECK (op IN ('u', 'd')),
  _tm_ts           bigint      NOT NULL,
  _tm_ord          integer     NOT NULL,
  -- The transformed change (row and child rows as PostgreSQL text), so applying it
  -- later needs neither the topic nor the registry.
  change           jsonb       NOT NULL,
  -- Parents whose arrival may unblock it (empty: only the periodic retry will).
  waiting_on       uuid[]      NOT NULL,
  reason           text        NOT NULL,
  -- The original record, for the dead-letter topic if it expires.
  source_topic     text        NOT NULL,
  source_partition integer     NOT NULL,
  source_offset    bigint      NOT NULL,
  record_key       bytea,
  record_value     bytea,
  parked_at        timestamptz NOT NULL DEFAULT now(),
  retried_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (target_table, id)
);
-- fastupdate off: rows come and go constantly, and a long pending list would be
-- scanned by every wake-up lookup.
CREATE INDEX IF NOT EXISTS tidemark_parked_waiting_on ON tidemark_parked USING gin (waiting_on) WITH (fastupdate = off);
CREATE INDEX IF NOT EXISTS tidemark_parked_retried_at ON tidemark_parked (retried_at);
-- "Is this awaited parent itself parked?" (cycle members wait for each other).
CREATE INDEX IF NOT EXISTS tidemark_parked_id ON tidemark_parked (id);
