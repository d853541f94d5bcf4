-- Foundation schema. Never edit this file once it has landed: add V2__… instead.

CREATE TABLE users (
    id             BIGINT PRIMARY KEY,            -- Telegram user id; negative ids are anonymised former users
    first_name     TEXT NOT NULL DEFAULT '',
    last_name      TEXT,
    username       TEXT,
    language_code  TEXT,
    referred_by    BIGINT REFERENCES users (id) ON UPDATE CASCADE ON DELETE SET NULL,
    is_active      BOOLEAN NOT NULL DEFAULT TRUE, -- false once the user blocked the bot
    blocked_at     TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at     TIMESTAMPTZ                    -- set when the user erased their data
);
CREATE INDEX users_username_idx ON users (lower(username));

-- Anonymised former users get ids from this sequence, negated, so they never collide with Telegram ids.
CREATE SEQUENCE anonymous_user_seq;

CREATE TABLE user_profiles (
    user_id       BIGINT PRIMARY KEY REFERENCES users (id) ON UPDATE CASCADE ON DELETE CASCADE,
    display_name  TEXT,
    timezone      TEXT,
    onboarded_at  TIMESTAMPTZ,
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE user_gamification (
    user_id           BIGINT PRIMARY KEY REFERENCES users (id) ON UPDATE CASCADE ON DELETE CASCADE,
    total_points      BIGINT NOT NULL DEFAULT 0 CHECK (total_points >= 0),
    available_points  BIGINT NOT NULL DEFAULT 0 CHECK (available_points >= 0),
    current_streak    INTEGER NOT NULL DEFAULT 0 CHECK (current_streak >= 0),
    longest_streak    INTEGER NOT NULL DEFAULT 0 CHECK (longest_streak >= 0),
    last_activity     TIMESTAMPTZ,
    vip_multiplier    DOUBLE PRECISION NOT NULL DEFAULT 1.0 CHECK (vip_multiplier > 0)
);

-- The besitos ledger: every change of available_points is one row here (design §6).
CREATE TABLE points_transactions (
    id               BIGSERIAL PRIMARY KEY,
    user_id          BIGINT NOT NULL REFERENCES users (id) ON UPDATE CASCADE ON DELETE CASCADE,
    action_type      TEXT NOT NULL,
    points_change    BIGINT NOT NULL,
    balance_after    BIGINT NOT NULL CHECK (balance_after >= 0),
    context          JSONB NOT NULL DEFAULT '{}'::jsonb,
    idempotency_key  TEXT UNIQUE,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX points_transactions_user_idx ON points_transactions (user_id, id);

-- Exactly-once: an update's id is written in the same transaction as its effects.
CREATE TABLE processed_updates (
    update_id     BIGINT PRIMARY KEY,
    user_id       BIGINT,
    outcome       TEXT NOT NULL DEFAULT 'applied',
    processed_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX processed_updates_time_idx ON processed_updates (processed_at);

-- Replies committed with their update's effects, deleted once Telegram has accepted them.
-- A crash between commit and send loses nothing: rows left here are sent at the next start.
CREATE TABLE outbox (
    id          BIGSERIAL PRIMARY KEY,
    chat_id     BIGINT NOT NULL,
    user_id     BIGINT,
    lang        TEXT NOT NULL,
    reply       JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX outbox_user_idx ON outbox (user_id);

CREATE TABLE audit_log (
    id          BIGSERIAL PRIMARY KEY,
    actor       TEXT NOT NULL,        -- 'user:<id>', 'admin:<id>', 'system'
    action      TEXT NOT NULL,
    target      TEXT,
    before      JSONB,
    after       JSONB,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
