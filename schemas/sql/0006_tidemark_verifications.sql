-- One row per `tidemark verify` run (DESIGN decision 10): whether the replica was
-- found equal (clean), or the run could not tell (unreachable service, timeout,
-- documents still in flight), and the full JSON report with every difference's key.
-- `tidemark gate` and the status page read the newest row; nothing here is updated.
CREATE TABLE IF NOT EXISTS tidemark_verifications (
  id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  started_at       timestamptz NOT NULL,
  finished_at      timestamptz NOT NULL,
  clean            boolean     NOT NULL,
  could_not_verify boolean     NOT NULL,
  report           jsonb       NOT NULL,
  CONSTRAINT ck_tidemark_verifications_outcome CHECK (NOT (clean AND could_not_verify))
);
CREATE INDEX IF NOT EXISTS tidemark_verifications_finished_at ON tidemark_verifications (finished_at DESC);
