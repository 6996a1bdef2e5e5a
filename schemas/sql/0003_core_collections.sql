-- Amanat Escrow's money and marketplace collections (connectors/users.yaml,
-- categories, requestTemplates, purchaseRequests, sellerOffers, paymentQuotes,
-- fundsLedger, derivedDestinations, trezorAccounts, pointTransactions, releaseHolds),
-- plus the foreign keys of payments (0002) now that its parents exist.
--
-- Conventions: /tmp/spec/ddl.md. Money is numeric(38,18); wei is numeric(78,0).
-- A column is NOT NULL iff its mapping says nullable: false. Every ref to a mapped
-- collection is a physical FK (plain NO ACTION, not deferrable: the sink parks a
-- child until its parent exists and a parent delete until its children are gone)
-- with an index on the column, or an index that leads with it.
--
-- FK cycles (a snapshot sees only the final state):
--   users.referred_by_id -> users, categories.parent_id -> categories (self): rows
--   of one batch may refer to each other, checked at the end of the statement;
--   purchase_requests.selected_offer_id -> seller_offers and
--   seller_offers.purchase_request_id -> purchase_requests (two tables, two topics):
--   both edges are DEFERRABLE INITIALLY DEFERRED, so the sink applies a parked
--   member of the cycle together with the other in one transaction.

-- users ----------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS users (
  id               uuid           PRIMARY KEY,
  legacy_id        text           NOT NULL,
  email            text,          -- OAuth-only users have none (audit: email NOT NULL risk)
  first_name       text,
  last_name        text,
  username         text,
  role             text           CONSTRAINT ck_users_role CHECK (role IN ('buyer','seller','admin')),
  auth_provider    text           CONSTRAINT ck_users_auth_provider CHECK (auth_provider IN ('local','google','telegram')),
  google_id        text,
  wallet_address   text,
  referral_code    text,
  referred_by_id   uuid,
  points_available numeric(38,18),
  points_used      numeric(38,18),
  points_total     numeric(38,18),
  level            integer,
  is_verified      boolean,
  is_active        boolean,
  last_login_at    timestamptz,
  created_at       timestamptz    NOT NULL,
  updated_at       timestamptz    NOT NULL,
  extra            jsonb          NOT NULL DEFAULT '{}'::jsonb,
  _tm_ts           bigint         NOT NULL,
  _tm_ord          integer        NOT NULL,
  -- The audit asks ON DELETE SET NULL; a replica must not change rows MongoDB did not
  -- change, so it is the plain FK (the sink parks the delete of a referrer instead).
  CONSTRAINT fk_users_referred_by_id FOREIGN KEY (referred_by_id) REFERENCES users (id),
  CONSTRAINT ck_users_points CHECK (points_available >= 0 AND points_used >= 0 AND points_total >= 0
                                    AND points_available <= points_total)
);
CREATE UNIQUE INDEX IF NOT EXISTS users_legacy_id_uq ON users (legacy_id);
CREATE INDEX IF NOT EXISTS idx_users_referred_by_id ON users (referred_by_id);

-- getUsersList searches name and email (audit: $regex -> pg_trgm GIN + ILIKE). pg_trgm
-- is database-wide while tidemark schemas are not, so the extension is pinned to
-- `public` (never to this schema: dropping a replica schema would drop it for all) and
-- its operator class is named with its schema. Where the extension cannot be created
-- (no privilege, not installed), a plain lower() btree index is made instead, with a
-- NOTICE; it serves prefix searches only.
DO $$
DECLARE
  ext_schema text;
BEGIN
  SELECT n.nspname INTO ext_schema
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
   WHERE e.extname = 'pg_trgm';
  IF ext_schema IS NULL THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
      ext_schema := 'public';
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE 'pg_trgm unavailable (%): users search gets a plain lower() index', SQLERRM;
    END;
  END IF;
  IF ext_schema IS NOT NULL THEN
    EXECUTE format(
      'CREATE INDEX IF NOT EXISTS idx_users_search_trgm ON users USING gin '
      '((lower(coalesce(first_name, '''') || '' '' || coalesce(last_name, '''') || '' '' || coalesce(email, ''''))) %I.gin_trgm_ops)',
      ext_schema);
  ELSE
    CREATE INDEX IF NOT EXISTS idx_users_search_lower ON users
      ((lower(coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(email, ''))));
  END IF;
END
$$;

-- categories -----------------------------------------------------------------
CREATE TABLE IF NOT EXISTS categories (
  id          uuid        PRIMARY KEY,
  legacy_id   text        NOT NULL,
  name        text        NOT NULL,
  slug        text,
  description text,
  icon        text,
  parent_id   uuid        CONSTRAINT fk_categories_parent_id REFERENCES categories (id),
  is_active   boolean,
  sort_order  integer,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  extra       jsonb       NOT NULL DEFAULT '{}'::jsonb,
  _tm_ts      bigint      NOT NULL,
  _tm_ord     integer     NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS categories_legacy_id_uq ON categories (legacy_id);
CREATE INDEX IF NOT EXISTS idx_categories_parent_id ON categories (parent_id);
-- The audit keeps only the partial unique index on name (the raw one is dropped).
CREATE UNIQUE INDEX IF NOT EXISTS categories_name_active_uq ON categories (name) WHERE is_active;

-- request_templates ----------------------------------------------------------
CREATE TABLE IF NOT EXISTS request_templates (
  id                     uuid           PRIMARY KEY,
  legacy_id              text           NOT NULL,
  title                  text           NOT NULL,
  description            text,
  seller_id              uuid           NOT NULL CONSTRAINT fk_request_templates_seller_id REFERENCES users (id),
  category_id            uuid           CONSTRAINT fk_request_templates_category_id REFERENCES categories (id),
  budget                 numeric(38,18),
  budget_currency        text,
  proposal_price         numeric(38,18),
  proposal_currency      text,
  proposal_delivery_days integer,
  proposal_message       text,
  usage_count            integer        CONSTRAINT ck_request_templates_usage_count_nonneg CHECK (usage_count >= 0),
  max_usage              integer        CONSTRAINT ck_request_templates_max_usage_nonneg CHECK (max_usage >= 0),
  is_active              boolean,
  created_at             timestamptz    NOT NULL,
  updated_at             timestamptz    NOT NULL,
  extra                  jsonb          NOT NULL DEFAULT '{}'::jsonb,
  _tm_ts                 bigint         NOT NULL,
  _tm_ord                integer        NOT NULL,
  CONSTRAINT ck_request_templates_usage CHECK (usage_count <= max_usage)
);
CREATE UNIQUE INDEX IF NOT EXISTS request_templates_legacy_id_uq ON request_templates (legacy_id);
CREATE INDEX IF NOT EXISTS idx_request_templates_seller_id ON request_templates (seller_id);
CREATE INDEX IF NOT EXISTS idx_request_templates_category_id ON request_templates (category_id);

-- purchase_requests (selected_offer_id's FK follows seller_offers below) ---------
CREATE TABLE IF NOT EXISTS purchase_requests (
  id                uuid           PRIMARY KEY,
  legacy_id         text           NOT NULL,
  title             text           NOT NULL,
  description       text,
  buyer_id          uuid           NOT NULL CONSTRAINT fk_purchase_requests_buyer_id REFERENCES users (id),
  category_id       uuid           CONSTRAINT fk_purchase_requests_category_id REFERENCES categories (id),
  selected_offer_id uuid,
  template_id       uuid           CONSTRAINT fk_purchase_requests_template_id REFERENCES request_templates (id),
  request_type      text           CONSTRAINT ck_purchase_requests_request_type CHECK (request_type IN ('product','service')),
  status            text           NOT NULL CONSTRAINT ck_purchase_requests_status CHECK (status IN
                      ('draft','open','offer_accepted','paid','in_progress','shipped','delivered',
                       'completed','disputed','cancelled','expired')),
  budget            numeric(38,18),
  budget_currency   text,
  quantity          integer,
  deadline          timestamptz,
  escrow_state      text,
  created_at        timestamptz    NOT NULL,
  updated_at        timestamptz    NOT NULL,
  extra             jsonb          NOT NULL DEFAULT '{}'::jsonb,
  _tm_ts            bigint         NOT NULL,
  _tm_ord           integer        NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS purchase_requests_legacy_id_uq ON purchase_requests (legacy_id);
CREATE INDEX IF NOT EXISTS idx_purchase_requests_buyer_id ON purchase_requests (buyer_id);
CREATE INDEX IF NOT EXISTS idx_purchase_requests_category_id ON purchase_requests (category_id);
CREATE INDEX IF NOT EXISTS idx_purchase_requests_selected_offer_id ON purchase_requests (selected_offer_id);
CREATE INDEX IF NOT EXISTS idx_purchase_requests_template_id ON purchase_requests (template_id);
CREATE INDEX IF NOT EXISTS idx_pr_status_created ON purchase_requests (status, created_at DESC);

-- seller_offers ---------------------------------------------------------------
CREATE TABLE IF NOT EXISTS seller_offers (
  id                  uuid           PRIMARY KEY,
  legacy_id           text           NOT NULL,
  purchase_request_id uuid           NOT NULL CONSTRAINT fk_seller_offers_purchase_request_id REFERENCES purchase_requests (id)
                                       DEFERRABLE INITIALLY DEFERRED,
  seller_id           uuid           NOT NULL CONSTRAINT fk_seller_offers_seller_id REFERENCES users (id),
  price_amount        numeric(38,18) NOT NULL,   -- was numeric(18,8) (audit: precision gap)
  price_currency      text           NOT NULL,
  status              text           NOT NULL CONSTRAINT ck_seller_offers_status CHECK (status IN
                        ('pending','accepted','rejected','withdrawn','expired','cancelled')),
  message             text,
  delivery_days       integer,
  valid_until         timestamptz,
  created_at          timestamptz    NOT NULL,
  updated_at          timestamptz    NOT NULL,
  extra               jsonb          NOT NULL DEFAULT '{}'::jsonb,
  _tm_ts              bigint         NOT NULL,
  _tm_ord             integer        NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS seller_offers_legacy_id_uq ON seller_offers (legacy_id);
-- Both FK columns are served by these (leading column).
CREATE INDEX IF NOT EXISTS idx_so_seller_status ON seller_offers (seller_id, status);
CREATE INDEX IF NOT EXISTS idx_so_pr_status ON seller_offers (purchase_request_id, status);

ALTER TABLE purchase_requests ADD CONSTRAINT fk_purchase_requests_selected_offer_id
  FOREIGN KEY (selected_offer_id) REFERENCES seller_offers (id) DEFERRABLE INITIALLY DEFERRED;

-- purchase request child tables (connectors/purchaseRequests.yaml `children`) -----
CREATE TABLE IF NOT EXISTS purchase_request_delivery_info (
  purchase_request_id   uuid PRIMARY KEY
                        CONSTRAINT fk_purchase_request_delivery_info_purchase_request_id
                        REFERENCES purchase_requests (id) ON DELETE CASCADE,
  method                text,
  carrier               text,
  tracking_number       text,
  status                text CONSTRAINT ck_purchase_request_delivery_info_status CHECK (status IN
                          ('pending','shipped','in_transit','delivered','failed','returned')),
  estimated_delivery_at timestamptz,
  delivered_at          timestamptz,
  extra                 jsonb NOT NULL DEFAULT '{}'::jsonb
);

-- deliveryInfo.deliveryAttempts[]: the audit's delivery_info_id is the delivery-info
-- row's key, i.e. purchase_request_id.
CREATE TABLE IF NOT EXISTS delivery_attempts (
  purchase_request_id uuid        NOT NULL,
  position            integer     NOT NULL,
  attempted_at        timestamptz NOT NULL,
  seller_id           uuid        CONSTRAINT fk_delivery_attempts_seller_id REFERENCES users (id),
  outcome             text        CONSTRAINT ck_delivery_attempts_outcome CHECK (outcome IN
                        ('delivered','failed','rescheduled','refused')),
  notes               text,
  extra               jsonb       NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (purchase_request_id, position),
  CONSTRAINT fk_delivery_attempts_purchase_request_id FOREIGN KEY (purchase_request_id)
    REFERENCES purchase_request_delivery_info (purchase_request_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_delivery_attempts_seller_id ON delivery_attempts (seller_id);

CREATE TABLE IF NOT EXISTS purchase_request_delivery_address (
  purchase_request_id uuid PRIMARY KEY
                      CONSTRAINT fk_purchase_request_delivery_address_purchase_request_id
                      REFERENCES purchase_requests (id) ON DELETE CASCADE,
  full_name           text,
  phone               text,
  street              text,
  city                text,
  state               text,
  postal_code         text,
  country             text,
  extra               jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE TABLE IF NOT EXISTS purchase_request_seller_delivery_info (
  purchase_request_id uuid PRIMARY KEY
                      CONSTRAINT fk_purchase_request_seller_delivery_info_purchase_request_id
                      REFERENCES purchase_requests (id) ON DELETE CASCADE,
  carrier             text,
  tracking_number     text,
  shipped_at          timestamptz,
  proof_url           text,
  notes               text,
  extra               jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE TABLE IF NOT EXISTS purchase_request_service_info (
  purchase_request_id uuid PRIMARY KEY
                      CONSTRAINT fk_purchase_request_service_info_purchase_request_id
                      REFERENCES purchase_requests (id) ON DELETE CASCADE,
  service_type        text,
  location            text,
  is_remote           boolean,
  scheduled_at        timestamptz,
  duration_hours      integer,
  extra               jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE TABLE IF NOT EXISTS purchase_request_specifications (
  purchase_request_id uuid    NOT NULL
                      CONSTRAINT fk_purchase_request_specifications_purchase_request_id
                      REFERENCES purchase_requests (id) ON DELETE CASCADE,
  position            integer NOT NULL,
  name                text    NOT NULL,
  value               text,
  unit                text,
  extra               jsonb   NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (purchase_request_id, position)
);

-- Composite primary key (audit: "no composite PK, only uniqueIndex"). A seller listed
-- twice in one document violates it: that document cannot be applied as is.
CREATE TABLE IF NOT EXISTS purchase_request_preferred_sellers (
  purchase_request_id uuid    NOT NULL
                      CONSTRAINT fk_purchase_request_preferred_sellers_purchase_request_id
                      REFERENCES purchase_requests (id) ON DELETE CASCADE,
  position            integer NOT NULL,
  seller_id           uuid    NOT NULL CONSTRAINT fk_purchase_request_preferred_sellers_seller_id REFERENCES users (id),
  PRIMARY KEY (purchase_request_id, seller_id)
);
CREATE INDEX IF NOT EXISTS idx_purchase_request_preferred_sellers_seller_id
  ON purchase_request_preferred_sellers (seller_id);

-- tags[]: a child table instead of text[] (the mapping format has no array column);
-- the btree on tag does what the audit's GIN (tags) was for.
CREATE TABLE IF NOT EXISTS purchase_request_tags (
  purchase_request_id uuid    NOT NULL
                      CONSTRAINT fk_purchase_request_tags_purchase_request_id
                      REFERENCES purchase_requests (id) ON DELETE CASCADE,
  position            integer NOT NULL,
  tag                 text    NOT NULL,
  PRIMARY KEY (purchase_request_id, position)
);
CREATE INDEX IF NOT EXISTS idx_purchase_request_tags_tag ON purchase_request_tags (tag);

-- payments (0002): its parents exist now ----------------------------------------
ALTER TABLE payments ADD CONSTRAINT fk_payments_purchase_request_id
  FOREIGN KEY (purchase_request_id) REFERENCES purchase_requests (id);
ALTER TABLE payments ADD CONSTRAINT fk_payments_buyer_id
  FOREIGN KEY (buyer_id) REFERENCES users (id);
ALTER TABLE payments ADD CONSTRAINT fk_payments_seller_id
  FOREIGN KEY (seller_id) REFERENCES users (id);
-- purchase_request_id is served by idx_payments_pr_status (0002, leading column).
CREATE INDEX IF NOT EXISTS idx_payments_buyer_id ON payments (buyer_id);
CREATE INDEX IF NOT EXISTS idx_payments_seller_id ON payments (seller_id);

-- payment_quotes (modelled as MongoDB collection paymentQuotes) ---------------------
CREATE TABLE IF NOT EXISTS payment_quotes (
  id                  uuid           PRIMARY KEY,
  legacy_id           text           NOT NULL,
  purchase_request_id uuid           NOT NULL CONSTRAINT fk_payment_quotes_purchase_request_id REFERENCES purchase_requests (id),
  seller_offer_id     uuid           CONSTRAINT fk_payment_quotes_seller_offer_id REFERENCES seller_offers (id),
  payment_id          uuid           CONSTRAINT fk_payment_quotes_payment_id REFERENCES payments (id),
  buyer_id            uuid           CONSTRAINT fk_payment_quotes_buyer_id REFERENCES users (id),
  offer_amount        numeric(38,18) NOT NULL CONSTRAINT ck_payment_quotes_offer_amount_pos CHECK (offer_amount > 0),
  offer_currency      text           NOT NULL,
  settle_token        text           NOT NULL,
  chain_id            integer        NOT NULL,
  fx_rate             numeric(38,18) NOT NULL CONSTRAINT ck_payment_quotes_fx_rate_pos CHECK (fx_rate > 0),
  token_price_usd     numeric(38,18) NOT NULL CONSTRAINT ck_payment_quotes_token_price_usd_pos CHECK (token_price_usd > 0),
  raw_settle_amount   numeric(38,18) NOT NULL,
  settle_amount       numeric(38,18) NOT NULL,
  token_decimals      integer,
  status              text           NOT NULL CONSTRAINT ck_payment_quotes_status CHECK (status IN ('active','consumed','expired')),
  expires_at          timestamptz    NOT NULL,
  created_at          timestamptz    NOT NULL,
  updated_at          timestamptz,
  extra               jsonb          NOT NULL DEFAULT '{}'::jsonb,
  _tm_ts              bigint         NOT NULL,
  _tm_ord             integer        NOT NULL,
  -- snap-up: the settled amount is the raw amount rounded UP to the token's decimals
  CONSTRAINT ck_payment_quotes_settle CHECK (settle_amount >= raw_settle_amount)
);
CREATE UNIQUE INDEX IF NOT EXISTS payment_quotes_legacy_id_uq ON payment_quotes (legacy_id);
CREATE INDEX IF NOT EXISTS idx_payment_quotes_purchase_request_id ON payment_quotes (purchase_request_id);
CREATE INDEX IF NOT EXISTS idx_payment_quotes_seller_offer_id ON payment_quotes (seller_offer_id);
CREATE INDEX IF NOT EXISTS idx_payment_quotes_payment_id ON payment_quotes (payment_id);
CREATE INDEX IF NOT EXISTS idx_payment_quotes_buyer_id ON payment_quotes (buyer_id);

-- funds_ledger_entries: append-only ---------------------------------------------
CREATE TABLE IF NOT EXISTS funds_ledger_entries (
  id                  uuid           PRIMARY KEY,
  legacy_id           text           NOT NULL,
  entry_type          text           NOT NULL CONSTRAINT ck_funds_ledger_entries_entry_type CHECK (entry_type IN
                        ('escrow_deposit','escrow_release','refund','platform_fee','seller_payout','adjustment')),
  amount              numeric(38,18) NOT NULL,
  currency            text           NOT NULL,
  purchase_request_id uuid           NOT NULL CONSTRAINT fk_funds_ledger_entries_purchase_request_id REFERENCES purchase_requests (id),
  payment_id          uuid           CONSTRAINT fk_funds_ledger_entries_payment_id REFERENCES payments (id),
  escrow_state        text,
  tx_hash             text,
  note                text,
  created_by_id       uuid           CONSTRAINT fk_funds_ledger_entries_created_by_id REFERENCES users (id),
  created_at          timestamptz    NOT NULL,
  extra               jsonb          NOT NULL DEFAULT '{}'::jsonb,
  _tm_ts              bigint         NOT NULL,
  _tm_ord             integer        NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS funds_ledger_entries_legacy_id_uq ON funds_ledger_entries (legacy_id);
CREATE INDEX IF NOT EXISTS idx_funds_ledger_entries_purchase_request_id ON funds_ledger_entries (purchase_request_id, created_at);
CREATE INDEX IF NOT EXISTS idx_funds_ledger_entries_payment_id ON funds_ledger_entries (payment_id);
CREATE INDEX IF NOT EXISTS idx_funds_ledger_entries_created_by_id ON funds_ledger_entries (created_by_id);

-- Immutability (audit: pre-save hook -> trigger; TRUNCATE bypassed the row trigger).
-- One exception: an UPDATE that changes nothing but the replication version
-- (_tm_ts, _tm_ord) passes, because the sink re-applies an unchanged entry with a
-- newer version when the snapshot and the change stream overlap (DESIGN decision 2).
CREATE OR REPLACE FUNCTION funds_ledger_immutable_fn() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_LEVEL = 'STATEMENT' THEN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
      USING ERRCODE = 'restrict_violation';
  END IF;
  IF TG_OP = 'UPDATE'
     AND (to_jsonb(NEW) - '_tm_ts' - '_tm_ord') = (to_jsonb(OLD) - '_tm_ts' - '_tm_ord') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '% is append-only: % of row % refused', TG_TABLE_NAME, TG_OP, OLD.id
    USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER funds_ledger_immutable
  BEFORE UPDATE OR DELETE ON funds_ledger_entries
  FOR EACH ROW EXECUTE FUNCTION funds_ledger_immutable_fn();
CREATE TRIGGER funds_ledger_no_truncate
  BEFORE TRUNCATE ON funds_ledger_entries
  FOR EACH STATEMENT EXECUTE FUNCTION funds_ledger_immutable_fn();

-- derived_destinations + sweeps ---------------------------------------------------
CREATE TABLE IF NOT EXISTS derived_destinations (
  id                 uuid          PRIMARY KEY,
  legacy_id          text          NOT NULL,
  address            text          NOT NULL,
  chain_id           integer       NOT NULL,
  token              text,
  derivation_path    text,
  derivation_index   integer,
  buyer_id           uuid          CONSTRAINT fk_derived_destinations_buyer_id REFERENCES users (id),
  seller_id          uuid          CONSTRAINT fk_derived_destinations_seller_id REFERENCES users (id),
  seller_offer_id    uuid          CONSTRAINT fk_derived_destinations_seller_offer_id REFERENCES seller_offers (id),
  status             text          CONSTRAINT ck_derived_destinations_status CHECK (status IN ('active','funded','swept','expired')),
  last_known_balance numeric(78,0) CONSTRAINT ck_derived_destinations_balance_nonneg CHECK (last_known_balance >= 0), -- wei, uint256
  last_checked_at    timestamptz,
  created_at         timestamptz   NOT NULL,
  updated_at         timestamptz   NOT NULL,
  extra              jsonb         NOT NULL DEFAULT '{}'::jsonb,
  _tm_ts             bigint        NOT NULL,
  _tm_ord            integer       NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS derived_destinations_legacy_id_uq ON derived_destinations (legacy_id);
CREATE INDEX IF NOT EXISTS idx_dd_addr_chain ON derived_destinations (address, chain_id);
CREATE INDEX IF NOT EXISTS idx_derived_destinations_buyer_id ON derived_destinations (buyer_id);
CREATE INDEX IF NOT EXISTS idx_derived_destinations_seller_id ON derived_destinations (seller_id);
CREATE INDEX IF NOT EXISTS idx_derived_destinations_seller_offer_id ON derived_destinations (seller_offer_id);

CREATE TABLE IF NOT EXISTS derived_destination_sweeps (
  destination_id uuid          NOT NULL
                 CONSTRAINT fk_derived_destination_sweeps_destination_id
                 REFERENCES derived_destinations (id) ON DELETE CASCADE,
  position       integer       NOT NULL,
  tx_hash        text,
  amount         numeric(78,0) NOT NULL CONSTRAINT ck_derived_destination_sweeps_amount_nonneg CHECK (amount >= 0), -- wei
  to_address     text,
  status         text          CONSTRAINT ck_derived_destination_sweeps_status CHECK (status IN ('pending','confirmed','failed')),
  swept_at       timestamptz,
  extra          jsonb         NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (destination_id, position)
);

-- trezor_accounts + derived addresses -----------------------------------------------
CREATE TABLE IF NOT EXISTS trezor_accounts (
  id                 uuid        PRIMARY KEY,
  legacy_id          text        NOT NULL,
  user_id            uuid        NOT NULL CONSTRAINT fk_trezor_accounts_user_id REFERENCES users (id),
  xpub               text        NOT NULL,
  label              text,
  coin               text,
  chain_id           integer,
  account_index      integer,
  derivation_path    text,
  next_address_index integer,
  is_active          boolean,
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL,
  extra              jsonb       NOT NULL DEFAULT '{}'::jsonb,
  _tm_ts             bigint      NOT NULL,
  _tm_ord            integer     NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS trezor_accounts_legacy_id_uq ON trezor_accounts (legacy_id);
CREATE INDEX IF NOT EXISTS idx_trezor_accounts_user_id ON trezor_accounts (user_id);

CREATE TABLE IF NOT EXISTS trezor_derived_addresses (
  trezor_account_id uuid        NOT NULL
                    CONSTRAINT fk_trezor_derived_addresses_trezor_account_id
                    REFERENCES trezor_accounts (id) ON DELETE CASCADE,
  position          integer     NOT NULL,
  address           text        NOT NULL,
  address_index     integer     NOT NULL,
  path              text,
  used              boolean,
  created_at        timestamptz,
  extra             jsonb       NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (trezor_account_id, position)
);
CREATE INDEX IF NOT EXISTS idx_trezor_derived_addresses_address ON trezor_derived_addresses (address);

-- point_transactions ----------------------------------------------------------------
CREATE TABLE IF NOT EXISTS point_transactions (
  id                  uuid           PRIMARY KEY,
  legacy_id           text           NOT NULL,
  user_id             uuid           NOT NULL CONSTRAINT fk_point_transactions_user_id REFERENCES users (id),
  type                text           NOT NULL CONSTRAINT ck_point_transactions_type CHECK (type IN
                        ('earn','redeem','referral_bonus','adjustment','expire')),
  points              numeric(38,18) NOT NULL,
  balance             numeric(38,18) CONSTRAINT ck_point_transactions_balance CHECK (balance >= 0),
  referred_user_id    uuid           CONSTRAINT fk_point_transactions_referred_user_id REFERENCES users (id),
  purchase_request_id uuid           CONSTRAINT fk_point_transactions_purchase_request_id REFERENCES purchase_requests (id),
  description         text,
  created_at          timestamptz    NOT NULL,
  updated_at          timestamptz,
  extra               jsonb          NOT NULL DEFAULT '{}'::jsonb,
  _tm_ts              bigint         NOT NULL,
  _tm_ord             integer        NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS point_transactions_legacy_id_uq ON point_transactions (legacy_id);
CREATE INDEX IF NOT EXISTS idx_point_transactions_user_id ON point_transactions (user_id, created_at);
CREATE INDEX IF NOT EXISTS idx_point_transactions_referred_user_id ON point_transactions (referred_user_id);
CREATE INDEX IF NOT EXISTS idx_point_transactions_purchase_request_id ON point_transactions (purchase_request_id);

-- release_holds (ReleaseHoldRepo, modelled) ----------------------------------------
-- dispute_id has no FK here: the disputes table comes with a later migration, which
-- adds fk_release_holds_dispute_id.
CREATE TABLE IF NOT EXISTS release_holds (
  id                  uuid        PRIMARY KEY,
  legacy_id           text        NOT NULL,
  purchase_request_id uuid        NOT NULL CONSTRAINT fk_release_holds_purchase_request_id REFERENCES purchase_requests (id),
  payment_id          uuid        CONSTRAINT fk_release_holds_payment_id REFERENCES payments (id),
  dispute_id          uuid,
  reason              text,
  status              text        NOT NULL CONSTRAINT ck_release_holds_status CHECK (status IN ('active','released','cancelled')),
  placed_by_id        uuid        CONSTRAINT fk_release_holds_placed_by_id REFERENCES users (id),
  released_by_id      uuid        CONSTRAINT fk_release_holds_released_by_id REFERENCES users (id),
  released_at         timestamptz,
  expires_at          timestamptz,
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL,
  extra               jsonb       NOT NULL DEFAULT '{}'::jsonb,
  _tm_ts              bigint      NOT NULL,
  _tm_ord             integer     NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS release_holds_legacy_id_uq ON release_holds (legacy_id);
-- (purchase_request_id, status) serves the FK and the dispute gate's "active hold?" lookup.
CREATE INDEX IF NOT EXISTS idx_release_holds_purchase_request_id ON release_holds (purchase_request_id, status);
CREATE INDEX IF NOT EXISTS idx_release_holds_payment_id ON release_holds (payment_id);
CREATE INDEX IF NOT EXISTS idx_release_holds_dispute_id ON release_holds (dispute_id);
CREATE INDEX IF NOT EXISTS idx_release_holds_placed_by_id ON release_holds (placed_by_id);
CREATE INDEX IF NOT EXISTS idx_release_holds_released_by_id ON release_holds (released_by_id);
