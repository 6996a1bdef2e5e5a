-- tidemark's own state lives beside the replicated tables, in the configured
-- schema (search_path), so one database can hold isolated replicas.

-- Consumed offsets, committed in the same transaction as the rows they cover
-- (DESIGN decision 5). applied_cluster_time feeds apply lag.
CREATE TABLE IF NOT EXISTS tidemark_sink_offsets (
  group_id             text        NOT NULL,
  topic                text        NOT NULL,
  partition            integer     NOT NULL,
  next_offset          bigint      NOT NULL,
  applied_cluster_time timestamptz,
  updated_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, topic, partition)
);

-- Versioned tombstones: a late, older upsert cannot resurrect a deleted row
-- (DESIGN decision 4).
CREATE TABLE IF NOT EXISTS tidemark_tombstones (
  target_table text        NOT NULL,
  id           uuid        NOT NULL,
  _tm_ts       bigint      NOT NULL,
  _tm_ord      integer     NOT NULL,
  deleted_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (target_table, id)
);

-- Legacy ObjectId -> UUID map, written with each data row (the audit's CR-6),
-- with the primary key and unique new_id the audit's punch list asks for.
CREATE TABLE IF NOT EXISTS id_map (
  collection       text NOT NULL,
  legacy_object_id text NOT NULL,
  new_id           uuid NOT NULL,
  PRIMARY KEY (collection, legacy_object_id),
  CONSTRAINT id_map_new_id_uq UNIQUE (new_id)
);
