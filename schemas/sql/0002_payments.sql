-- payments (connectors/payments.yaml). Money is numeric(38,18) everywhere; the
-- audit's CR-8 CHECK and its (purchase_request_id, status) index are here.
-- Foreign keys to purchase_requests / users arrive with those tables' mappings
-- (the sink parks children until their parents land, so FKs stay physical).
CREATE TABLE IF NOT EXISTS payments (
  id                   uuid           PRIMARY KEY,
  legacy_id            text           NOT NULL,
  amount               numeric(38,18) NOT NULL CONSTRAINT ck_payments_amount_pos CHECK (amount > 0),
  currency             text           NOT NULL,
  status               text           NOT NULL CONSTRAINT ck_payments_status
                         CHECK (status IN ('pending','processing','completed','failed','cancelled','refunded')),
  provider             text           NOT NULL CONSTRAINT ck_payments_provider CHECK (provider IN ('request_network')),
  purchase_request_id  uuid,
  buyer_id             uuid,
  seller_id            uuid,
  tx_hash              text,
  disputed             boolean,
  is_template_checkout boolean,
  rn_request_id        text,
  created_at           timestamptz    NOT NULL,
  updated_at           timestamptz    NOT NULL,
  extra                jsonb          NOT NULL DEFAULT '{}'::jsonb,
  _tm_ts               bigint         NOT NULL,
  _tm_ord              integer        NOT NULL
);

CREATE INDEX IF NOT EXISTS idx_payments_pr_status ON payments (purchase_request_id, status);
CREATE INDEX IF NOT EXISTS idx_payments_disputed ON payments (id) WHERE disputed = true;
CREATE UNIQUE INDEX IF NOT EXISTS payments_legacy_id_uq ON payments (legacy_id);
