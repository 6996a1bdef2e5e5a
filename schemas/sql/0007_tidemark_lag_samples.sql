-- Lag by stage per collection, sampled every lag.sampleIntervalMs by `tidemark status`
-- (the status page's process). The cutover gate reads the window it is asked about:
-- "stayed under the bound" needs a record, not one look. Times are milliseconds;
-- NULL means unknown at that moment (no source position yet, or records waiting
-- where nothing was ever applied). Samples older than lag.retentionMs are pruned.
CREATE TABLE IF NOT EXISTS tidemark_lag_samples (
  group_id          text        NOT NULL,
  collection        text        NOT NULL,
  sampled_at        timestamptz NOT NULL,
  source_lag_ms     bigint,
  kafka_records     bigint      NOT NULL,
  apply_lag_ms      bigint,
  end_to_end_lag_ms bigint,
  PRIMARY KEY (group_id, collection, sampled_at)
);
CREATE INDEX IF NOT EXISTS tidemark_lag_samples_sampled_at ON tidemark_lag_samples (sampled_at);
