-- The audit's "Models Not Yet in PG Schema": disputes, chats, notifications,
-- shop_settings, config_settings, level_configs, addresses, reviews, telegram_links,
-- telegram_sessions, blog_posts, temp_verifications, and their child tables
-- (connectors/<collection>.yaml; each mapping's header says what was modelled how).
-- Applies after 0003 (users, purchase_requests, seller_offers; payments is 0002).
--
-- Every ref to a replicated collection is a physical FK (NO ACTION, not deferrable)
-- with an index idx_<table>_<column>; child tables reference their parent
-- ON DELETE CASCADE. Enums are text + CHECK of the target values.
--
-- Unique indexes across documents (config_settings.key, level_configs.level,
-- blog_posts.slug, telegram_links' two, addresses' one primary per user) mirror
-- MongoDB's own unique indexes, but two documents swapping a value (the primary
-- address moving, a link code reused after its link was cleared) are two changes on
-- different partitions: applied out of order the second waits for the first, so the
-- sink must retry a unique_violation (23505) like a parked change, not dead-letter it.

-- ---------------------------------------------------------------- chats (CR-20)
CREATE TABLE IF NOT EXISTS chats (
  id                  uuid        PRIMARY KEY,
  legacy_id           text        NOT NULL,
  chat_type           text        NOT NULL CONSTRAINT ck_chats_chat_type
                        CHECK (chat_type IN ('direct','purchase_request','dispute','support')),
  purchase_request_id uuid        CONSTRAINT fk_chats_purchase_request_id REFERENCES purchase_requests (id),
  seller_offer_id     uuid        CONSTRAINT fk_chats_seller_offer_id REFERENCES seller_offers (id),
  title               text,
  last_message_at     timestamptz,
  is_active           boolean,
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL,
  extra               jsonb       NOT NULL DEFAULT '{}'::jsonb,
  _tm_ts              bigint      NOT NULL,
  _tm_ord             integer     NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS chats_legacy_id_uq ON chats (legacy_id);
CREATE INDEX IF NOT EXISTS idx_chats_purchase_request_id ON chats (purchase_request_id);
CREATE INDEX IF NOT EXISTS idx_chats_seller_offer_id ON chats (seller_offer_id);

CREATE TABLE IF NOT EXISTS chat_participants (
  chat_id  uuid    NOT NULL,
  position integer NOT NULL,
  user_id  uuid    NOT NULL CONSTRAINT fk_chat_participants_user_id REFERENCES users (id),
  PRIMARY KEY (chat_id, position),
  CONSTRAINT fk_chat_participants_chat_id FOREIGN KEY (chat_id) REFERENCES chats (id) ON DELETE CASCADE
);
-- "my chats": the participant lookup the old JSONB column could not index.
CREATE INDEX IF NOT EXISTS idx_chat_participants_user_id ON chat_participants (user_id);

CREATE TABLE IF NOT EXISTS chat_messages (
  chat_id      uuid        NOT NULL,
  position     integer     NOT NULL,
  sender_id    uuid        CONSTRAINT fk_chat_messages_sender_id REFERENCES users (id),
  content      text,
  message_type text        CONSTRAINT ck_chat_messages_message_type
                 CHECK (message_type IN ('text','image','file','system')),
  is_edited    boolean,
  edited_at    timestamptz,
  created_at   timestamptz NOT NULL,
  extra        jsonb       NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (chat_id, position),
  CONSTRAINT fk_chat_messages_chat_id FOREIGN KEY (chat_id) REFERENCES chats (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_chat_messages_sender_id ON chat_messages (sender_id);

CREATE TABLE IF NOT EXISTS chat_message_reactions (
  chat_id          uuid        NOT NULL,
  message_position integer     NOT NULL,
  position         integer     NOT NULL,
  user_id          uuid        NOT NULL CONSTRAINT fk_chat_message_reactions_user_id REFERENCES users (id),
  emoji            text        NOT NULL,
  created_at       timestamptz,
  extra            jsonb       NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (chat_id, message_position, position),
  CONSTRAINT fk_chat_message_reactions_message FOREIGN KEY (chat_id, message_position)
    REFERENCES chat_messages (chat_id, position) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_chat_message_reactions_user_id ON chat_message_reactions (user_id);

-- unreadCounts[] is its own array in MongoDB, not kept in step with participants[]
-- (connectors/chats.yaml), hence its own table; join on (chat_id, user_id).
CREATE TABLE IF NOT EXISTS chat_unread_counts (
  chat_id      uuid    NOT NULL,
  position     integer NOT NULL,
  user_id      uuid    NOT NULL CONSTRAINT fk_chat_unread_counts_user_id REFERENCES users (id),
  unread_count integer NOT NULL CONSTRAINT ck_chat_unread_counts_nonneg CHECK (unread_count >= 0),
  extra        jsonb   NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (chat_id, position),
  CONSTRAINT fk_chat_unread_counts_chat_id FOREIGN KEY (chat_id) REFERENCES chats (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_chat_unread_counts_user_id ON chat_unread_counts (user_id);

-- ---------------------------------------------------------------- disputes
-- The old schema's text FK columns are uuid FKs here. chat_id → chats only: a chat's
-- own disputeId is not a column (a FK both ways would be an unappliable cycle).
CREATE TABLE IF NOT EXISTS disputes (
  id                       uuid           PRIMARY KEY,
  legacy_id                text           NOT NULL,
  purchase_request_id      uuid           NOT NULL CONSTRAINT fk_disputes_purchase_request_id REFERENCES purchase_requests (id),
  payment_id               uuid           CONSTRAINT fk_disputes_payment_id REFERENCES payments (id),
  raised_by_id             uuid           NOT NULL CONSTRAINT fk_disputes_raised_by_id REFERENCES users (id),
  against_id               uuid           CONSTRAINT fk_disputes_against_id REFERENCES users (id),
  chat_id                  uuid           CONSTRAINT fk_disputes_chat_id REFERENCES chats (id),
  reason                   text           NOT NULL CONSTRAINT ck_disputes_reason
                             CHECK (reason IN ('item_not_received','item_not_as_described','damaged_item','wrong_item',
                                               'seller_unresponsive','payment_issue','other')),
  description              text,
  status                   text           NOT NULL CONSTRAINT ck_disputes_status
                             CHECK (status IN ('open','under_review','awaiting_response','escalated','resolved','closed','cancelled')),
  priority                 text           CONSTRAINT ck_disputes_priority CHECK (priority IN ('low','medium','high','urgent')),
  amount                   numeric(38,18) CONSTRAINT ck_disputes_amount_pos CHECK (amount > 0),
  currency                 text,
  resolution_outcome       text           CONSTRAINT ck_disputes_resolution_outcome
                             CHECK (resolution_outcome IN ('refund_buyer','release_to_seller','partial_refund','no_action')),
  resolution_refund_amount numeric(38,18) CONSTRAINT ck_disputes_refund_nonneg CHECK (resolution_refund_amount >= 0),
  resolution_notes         text,
  resolved_by_id           uuid           CONSTRAINT fk_disputes_resolved_by_id REFERENCES users (id),
  resolved_at              timestamptz,
  created_at               timestamptz    NOT NULL,
  updated_at               timestamptz    NOT NULL,
  extra                    jsonb          NOT NULL DEFAULT '{}'::jsonb,
  _tm_ts                   bigint         NOT NULL,
  _tm_ord                  integer        NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS disputes_legacy_id_uq ON disputes (legacy_id);
CREATE INDEX IF NOT EXISTS idx_disputes_purchase_request_id ON disputes (purchase_request_id);
CREATE INDEX IF NOT EXISTS idx_disputes_payment_id ON disputes (payment_id);
CREATE INDEX IF NOT EXISTS idx_disputes_raised_by_id ON disputes (raised_by_id);
CREATE INDEX IF NOT EXISTS idx_disputes_against_id ON disputes (against_id);
CREATE INDEX IF NOT EXISTS idx_disputes_chat_id ON disputes (chat_id);
CREATE INDEX IF NOT EXISTS idx_disputes_resolved_by_id ON disputes (resolved_by_id);
-- The release gate (CR-14) asks "does this order have an open dispute?".
CREATE INDEX IF NOT EXISTS idx_disputes_pr_status ON disputes (purchase_request_id, status);

CREATE TABLE IF NOT EXISTS dispute_evidence (
  dispute_id     uuid        NOT NULL,
  position       integer     NOT NULL,
  evidence_type  text        NOT NULL CONSTRAINT ck_dispute_evidence_type
                   CHECK (evidence_type IN ('image','document','video','link','text')),
  url            text,
  description    text,
  uploaded_by_id uuid        CONSTRAINT fk_dispute_evidence_uploaded_by_id REFERENCES users (id),
  uploaded_at    timestamptz,
  extra          jsonb       NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (dispute_id, position),
  CONSTRAINT fk_dispute_evidence_dispute_id FOREIGN KEY (dispute_id) REFERENCES disputes (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_dispute_evidence_uploaded_by_id ON dispute_evidence (uploaded_by_id);

CREATE TABLE IF NOT EXISTS dispute_timeline (
  dispute_id      uuid        NOT NULL,
  position        integer     NOT NULL,
  action          text        NOT NULL,
  status          text,
  performed_by_id uuid        CONSTRAINT fk_dispute_timeline_performed_by_id REFERENCES users (id),
  note            text,
  occurred_at     timestamptz NOT NULL,
  extra           jsonb       NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (dispute_id, position),
  CONSTRAINT fk_dispute_timeline_dispute_id FOREIGN KEY (dispute_id) REFERENCES disputes (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_dispute_timeline_performed_by_id ON dispute_timeline (performed_by_id);

CREATE TABLE IF NOT EXISTS dispute_messages (
  dispute_id  uuid        NOT NULL,
  position    integer     NOT NULL,
  sender_id   uuid        NOT NULL CONSTRAINT fk_dispute_messages_sender_id REFERENCES users (id),
  message     text        NOT NULL,
  is_internal boolean,
  created_at  timestamptz NOT NULL,
  extra       jsonb       NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (dispute_id, position),
  CONSTRAINT fk_dispute_messages_dispute_id FOREIGN KEY (dispute_id) REFERENCES disputes (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_dispute_messages_sender_id ON dispute_messages (sender_id);

-- ---------------------------------------------------------------- notifications
CREATE TABLE IF NOT EXISTS notifications (
  id                uuid        PRIMARY KEY,
  legacy_id         text        NOT NULL,
  user_id           uuid        NOT NULL CONSTRAINT fk_notifications_user_id REFERENCES users (id),
  notification_type text        NOT NULL CONSTRAINT ck_notifications_type
                      CHECK (notification_type IN ('offer_received','offer_accepted','offer_rejected','payment_received',
                                                   'payment_released','dispute_opened','dispute_updated','dispute_resolved',
                                                   'message_received','order_status','points_earned','system')),
  title             text        NOT NULL,
  message           text        NOT NULL,
  data              jsonb,
  link              text,
  is_read           boolean,
  read_at           timestamptz,
  priority          text        CONSTRAINT ck_notifications_priority CHECK (priority IN ('low','normal','high')),
  expires_at        timestamptz,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  extra             jsonb       NOT NULL DEFAULT '{}'::jsonb,
  _tm_ts            bigint      NOT NULL,
  _tm_ord           integer     NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS notifications_legacy_id_uq ON notifications (legacy_id);
CREATE INDEX IF NOT EXISTS idx_notifications_user_id ON notifications (user_id);
CREATE INDEX IF NOT EXISTS idx_notifications_user_created ON notifications (user_id, created_at DESC);
-- The TTL index's successor: pg_cron deletes expired rows after cutover.
CREATE INDEX IF NOT EXISTS idx_notifications_expires_at ON notifications (expires_at) WHERE expires_at IS NOT NULL;

-- ---------------------------------------------------------------- shop_settings
CREATE TABLE IF NOT EXISTS shop_settings (
  id                 uuid        PRIMARY KEY,
  legacy_id          text        NOT NULL,
  user_id            uuid        NOT NULL CONSTRAINT fk_shop_settings_user_id REFERENCES users (id),
  shop_name          text        NOT NULL,
  slug               text,
  description        text,
  logo_url           text,
  banner_url         text,
  theme_color        text,
  is_active          boolean,
  preferred_currency text,
  payout_address     text,
  social_telegram    text,
  social_twitter     text,
  social_instagram   text,
  social_website     text,
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL,
  extra              jsonb       NOT NULL DEFAULT '{}'::jsonb,
  _tm_ts             bigint      NOT NULL,
  _tm_ord            integer     NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS shop_settings_legacy_id_uq ON shop_settings (legacy_id);
CREATE INDEX IF NOT EXISTS idx_shop_settings_user_id ON shop_settings (user_id);

CREATE TABLE IF NOT EXISTS shop_setting_allowed_chains (
  shop_setting_id uuid    NOT NULL,
  position        integer NOT NULL,
  chain_id        integer NOT NULL CONSTRAINT ck_shop_setting_allowed_chains_pos CHECK (chain_id > 0),
  PRIMARY KEY (shop_setting_id, position),
  CONSTRAINT fk_shop_setting_allowed_chains_shop_setting_id FOREIGN KEY (shop_setting_id)
    REFERENCES shop_settings (id) ON DELETE CASCADE
);

-- ---------------------------------------------------------------- config_settings
CREATE TABLE IF NOT EXISTS config_settings (
  id            uuid        PRIMARY KEY,
  legacy_id     text        NOT NULL,
  key           text        NOT NULL,
  value         jsonb,
  description   text,
  updated_by_id uuid        CONSTRAINT fk_config_settings_updated_by_id REFERENCES users (id),
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  extra         jsonb       NOT NULL DEFAULT '{}'::jsonb,
  _tm_ts        bigint      NOT NULL,
  _tm_ord       integer     NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS config_settings_legacy_id_uq ON config_settings (legacy_id);
CREATE UNIQUE INDEX IF NOT EXISTS config_settings_key_uq ON config_settings (key);
CREATE INDEX IF NOT EXISTS idx_config_settings_updated_by_id ON config_settings (updated_by_id);

CREATE TABLE IF NOT EXISTS config_setting_history (
  config_setting_id uuid        NOT NULL,
  position          integer     NOT NULL,
  value             jsonb,
  previous_value    jsonb,
  changed_by_id     uuid        CONSTRAINT fk_config_setting_history_changed_by_id REFERENCES users (id),
  changed_at        timestamptz NOT NULL,
  reason            text,
  extra             jsonb       NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (config_setting_id, position),
  CONSTRAINT fk_config_setting_history_config_setting_id FOREIGN KEY (config_setting_id)
    REFERENCES config_settings (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_config_setting_history_changed_by_id ON config_setting_history (changed_by_id);

-- ---------------------------------------------------------------- level_configs
CREATE TABLE IF NOT EXISTS level_configs (
  id                uuid         PRIMARY KEY,
  legacy_id         text         NOT NULL,
  level             integer      NOT NULL CONSTRAINT ck_level_configs_level_nonneg CHECK (level >= 0),
  name              text         NOT NULL,
  min_points        bigint       NOT NULL CONSTRAINT ck_level_configs_min_points_nonneg CHECK (min_points >= 0),
  max_points        bigint       CONSTRAINT ck_level_configs_max_points_nonneg CHECK (max_points >= 0),
  discount_percent  numeric(5,2) CONSTRAINT ck_level_configs_discount_nonneg CHECK (discount_percent >= 0),
  points_multiplier numeric(6,3) CONSTRAINT ck_level_configs_multiplier_pos CHECK (points_multiplier > 0),
  free_shipping     boolean,
  priority_support  boolean,
  color             text,
  icon              text,
  is_active         boolean,
  created_at        timestamptz  NOT NULL,
  updated_at        timestamptz  NOT NULL,
  extra             jsonb        NOT NULL DEFAULT '{}'::jsonb,
  _tm_ts            bigint       NOT NULL,
  _tm_ord           integer      NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS level_configs_legacy_id_uq ON level_configs (legacy_id);
CREATE UNIQUE INDEX IF NOT EXISTS level_configs_level_uq ON level_configs (level);

-- ---------------------------------------------------------------- addresses
CREATE TABLE IF NOT EXISTS addresses (
  id           uuid        PRIMARY KEY,
  legacy_id    text        NOT NULL,
  user_id      uuid        NOT NULL CONSTRAINT fk_addresses_user_id REFERENCES users (id),
  address_type text        NOT NULL CONSTRAINT ck_addresses_address_type
                 CHECK (address_type IN ('shipping','billing','home','work','other')),
  full_name    text,
  phone        text,
  street       text        NOT NULL,
  city         text        NOT NULL,
  state        text,
  postal_code  text,
  country      text        NOT NULL,
  is_primary   boolean,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  extra        jsonb       NOT NULL DEFAULT '{}'::jsonb,
  _tm_ts       bigint      NOT NULL,
  _tm_ord      integer     NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS addresses_legacy_id_uq ON addresses (legacy_id);
CREATE INDEX IF NOT EXISTS idx_addresses_user_id ON addresses (user_id);
-- At most one primary address per user (the audit's one-primary partial unique).
CREATE UNIQUE INDEX IF NOT EXISTS addresses_one_primary_uq ON addresses (user_id) WHERE is_primary;

-- ---------------------------------------------------------------- reviews
-- Polymorphic subject: ref_kind names the subject's table; no FK (one column cannot
-- reference several tables). subject_ref is the source subjectId as canonical
-- Extended JSON; subject_legacy_id its ObjectId hex (a legacy string id as is).
CREATE TABLE IF NOT EXISTS reviews (
  id                uuid        PRIMARY KEY,
  legacy_id         text        NOT NULL,
  reviewer_id       uuid        CONSTRAINT fk_reviews_reviewer_id REFERENCES users (id),
  ref_kind          text        NOT NULL CONSTRAINT ck_reviews_ref_kind
                      CHECK (ref_kind IN ('users','purchase_requests','seller_offers','blog_posts')),
  subject_ref       jsonb       NOT NULL,
  subject_legacy_id text        GENERATED ALWAYS AS (
                      CASE jsonb_typeof(subject_ref)
                        WHEN 'object' THEN subject_ref ->> '$oid'
                        WHEN 'string' THEN subject_ref #>> '{}'
                      END) STORED,
  rating            integer     NOT NULL CONSTRAINT ck_reviews_rating CHECK (rating BETWEEN 1 AND 5),
  title             text,
  comment           text,
  is_published      boolean,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  extra             jsonb       NOT NULL DEFAULT '{}'::jsonb,
  _tm_ts            bigint      NOT NULL,
  _tm_ord           integer     NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS reviews_legacy_id_uq ON reviews (legacy_id);
CREATE INDEX IF NOT EXISTS idx_reviews_reviewer_id ON reviews (reviewer_id);
CREATE INDEX IF NOT EXISTS idx_reviews_subject ON reviews (ref_kind, subject_legacy_id);

-- subject_id: the subject row's uuid, through id_map (written with every replicated
-- row); NULL while the subject has not been replicated. No FK by construction.
CREATE OR REPLACE VIEW review_subjects AS
SELECT r.id AS review_id,
       r.ref_kind,
       m.new_id AS subject_id
  FROM reviews r
  LEFT JOIN id_map m
    ON m.collection = CASE r.ref_kind
                        WHEN 'users' THEN 'users'
                        WHEN 'purchase_requests' THEN 'purchaseRequests'
                        WHEN 'seller_offers' THEN 'sellerOffers'
                        WHEN 'blog_posts' THEN 'blogPosts'
                      END
   AND m.legacy_object_id = r.subject_legacy_id;

-- ---------------------------------------------------------------- telegram_links
CREATE TABLE IF NOT EXISTS telegram_links (
  id                   uuid        PRIMARY KEY,
  legacy_id            text        NOT NULL,
  user_id              uuid        NOT NULL CONSTRAINT fk_telegram_links_user_id REFERENCES users (id),
  telegram_user_id     bigint      CONSTRAINT ck_telegram_links_telegram_user_id_pos CHECK (telegram_user_id > 0),
  link_code            text,
  link_code_expires_at timestamptz,
  telegram_username    text,
  first_name           text,
  last_name            text,
  telegram_chat_id     bigint,
  status               text        NOT NULL CONSTRAINT ck_telegram_links_status
                         CHECK (status IN ('pending','active','revoked','expired')),
  linked_at            timestamptz,
  notifications_enabled boolean,
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL,
  extra                jsonb       NOT NULL DEFAULT '{}'::jsonb,
  _tm_ts               bigint      NOT NULL,
  _tm_ord              integer     NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS telegram_links_legacy_id_uq ON telegram_links (legacy_id);
CREATE INDEX IF NOT EXISTS idx_telegram_links_user_id ON telegram_links (user_id);
-- The audit's two unique constraints (MongoDB sparse uniques: NULLs do not collide).
CREATE UNIQUE INDEX IF NOT EXISTS telegram_links_telegram_user_id_uq ON telegram_links (telegram_user_id);
CREATE UNIQUE INDEX IF NOT EXISTS telegram_links_link_code_uq ON telegram_links (link_code);
CREATE INDEX IF NOT EXISTS idx_telegram_links_user_status ON telegram_links (user_id, status);

-- ---------------------------------------------------------------- telegram_sessions
CREATE TABLE IF NOT EXISTS telegram_sessions (
  id               uuid        PRIMARY KEY,
  legacy_id        text        NOT NULL,
  user_id          uuid        NOT NULL CONSTRAINT fk_telegram_sessions_user_id REFERENCES users (id),
  telegram_link_id uuid        CONSTRAINT fk_telegram_sessions_telegram_link_id REFERENCES telegram_links (id),
  telegram_user_id bigint      NOT NULL CONSTRAINT ck_telegram_sessions_telegram_user_id_pos CHECK (telegram_user_id > 0),
  token_hash       text        NOT NULL,
  context          jsonb,
  is_active        boolean,
  last_activity_at timestamptz,
  ip_address       text,
  user_agent       text,
  expires_at       timestamptz NOT NULL,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  extra            jsonb       NOT NULL DEFAULT '{}'::jsonb,
  _tm_ts           bigint      NOT NULL,
  _tm_ord          integer     NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS telegram_sessions_legacy_id_uq ON telegram_sessions (legacy_id);
CREATE INDEX IF NOT EXISTS idx_telegram_sessions_user_id ON telegram_sessions (user_id);
CREATE INDEX IF NOT EXISTS idx_telegram_sessions_telegram_link_id ON telegram_sessions (telegram_link_id);
CREATE INDEX IF NOT EXISTS idx_telegram_sessions_token_hash ON telegram_sessions (token_hash);
CREATE INDEX IF NOT EXISTS idx_telegram_sessions_expires_at ON telegram_sessions (expires_at);

-- ---------------------------------------------------------------- blog_posts
CREATE TABLE IF NOT EXISTS blog_posts (
  id               uuid        PRIMARY KEY,
  legacy_id        text        NOT NULL,
  title            text        NOT NULL,
  slug             text        NOT NULL,
  excerpt          text,
  content          text,
  cover_image      text,
  author_id        uuid        CONSTRAINT fk_blog_posts_author_id REFERENCES users (id),
  author_name      text,
  status           text        NOT NULL CONSTRAINT ck_blog_posts_status CHECK (status IN ('draft','published','archived')),
  category         text,
  tags             jsonb,
  meta_title       text,
  meta_description text,
  language         text,
  published_at     timestamptz,
  view_count       integer     CONSTRAINT ck_blog_posts_view_count_nonneg CHECK (view_count >= 0),
  reading_time     integer     CONSTRAINT ck_blog_posts_reading_time_nonneg CHECK (reading_time >= 0),
  is_featured      boolean,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  extra            jsonb       NOT NULL DEFAULT '{}'::jsonb,
  _tm_ts           bigint      NOT NULL,
  _tm_ord          integer     NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS blog_posts_legacy_id_uq ON blog_posts (legacy_id);
CREATE UNIQUE INDEX IF NOT EXISTS blog_posts_slug_uq ON blog_posts (slug);
CREATE INDEX IF NOT EXISTS idx_blog_posts_author_id ON blog_posts (author_id);
CREATE INDEX IF NOT EXISTS idx_blog_posts_status_published ON blog_posts (status, published_at DESC);
CREATE INDEX IF NOT EXISTS idx_blog_posts_tags ON blog_posts USING gin (tags);

CREATE TABLE IF NOT EXISTS blog_post_videos (
  blog_post_id     uuid    NOT NULL,
  position         integer NOT NULL,
  url              text    NOT NULL,
  title            text,
  provider         text    CONSTRAINT ck_blog_post_videos_provider CHECK (provider IN ('youtube','vimeo','other')),
  thumbnail_url    text,
  duration_seconds integer CONSTRAINT ck_blog_post_videos_duration_nonneg CHECK (duration_seconds >= 0),
  extra            jsonb   NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (blog_post_id, position),
  CONSTRAINT fk_blog_post_videos_blog_post_id FOREIGN KEY (blog_post_id) REFERENCES blog_posts (id) ON DELETE CASCADE
);

-- ---------------------------------------------------------------- temp_verifications
CREATE TABLE IF NOT EXISTS temp_verifications (
  id         uuid        PRIMARY KEY,
  legacy_id  text        NOT NULL,
  email      text,
  phone      text,
  code_hash  text        NOT NULL,
  purpose    text        NOT NULL CONSTRAINT ck_temp_verifications_purpose CHECK (purpose IN ('email','phone','password_reset')),
  attempts   integer     CONSTRAINT ck_temp_verifications_attempts_nonneg CHECK (attempts >= 0),
  verified   boolean,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  extra      jsonb       NOT NULL DEFAULT '{}'::jsonb,
  _tm_ts     bigint      NOT NULL,
  _tm_ord    integer     NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS temp_verifications_legacy_id_uq ON temp_verifications (legacy_id);
CREATE INDEX IF NOT EXISTS idx_temp_verifications_expires_at ON temp_verifications (expires_at);
CREATE INDEX IF NOT EXISTS idx_temp_verifications_email ON temp_verifications (email);

-- release_holds.dispute_id (0003) could only get its FK once disputes exists.
ALTER TABLE release_holds ADD CONSTRAINT fk_release_holds_dispute_id FOREIGN KEY (dispute_id) REFERENCES disputes (id);
