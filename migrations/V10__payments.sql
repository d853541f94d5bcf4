-- Payments and the subscriptions they buy. `PaymentReconciler` is the only writer of
-- `user_subscriptions` and of the VIP multiplier in `user_gamification`.

-- Invoices we sent: a payload is ours only if its nonce is here, and it is paid once.
CREATE TABLE invoices (
    nonce       TEXT PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON UPDATE CASCADE ON DELETE CASCADE,
    plan        TEXT NOT NULL,
    currency    TEXT NOT NULL,
    amount      BIGINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    paid_at     TIMESTAMPTZ,
    -- The provider's ids for it (Stripe Checkout Sessions; a retried send makes another), to ask
    -- about them if no webhook comes.
    provider_refs TEXT[] NOT NULL DEFAULT '{}',
    checked_at   TIMESTAMPTZ
);

CREATE TABLE payments (
    id           BIGSERIAL PRIMARY KEY,
    provider     TEXT NOT NULL CHECK (provider IN ('telegram_stars', 'stripe', 'paypal', 'admin_token')),
    external_id  TEXT NOT NULL,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON UPDATE CASCADE ON DELETE CASCADE,
    plan         TEXT NOT NULL,
    amount       BIGINT NOT NULL,
    currency     TEXT NOT NULL,
    -- 'disputed': money arrived that does not match what we sold; no access, for an admin.
    status       TEXT NOT NULL CHECK (status IN ('paid', 'refunded', 'disputed')),
    recurring    BOOLEAN NOT NULL DEFAULT FALSE,
    raw_event    JSONB NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    refunded_at  TIMESTAMPTZ,
    UNIQUE (provider, external_id)
);
CREATE INDEX payments_user_idx ON payments (user_id, id);
CREATE INDEX payments_day_idx ON payments (created_at);

-- One row per player: their current (or last) subscription.
CREATE TABLE user_subscriptions (
    user_id       BIGINT PRIMARY KEY REFERENCES users (id) ON UPDATE CASCADE ON DELETE CASCADE,
    plan          TEXT NOT NULL,
    provider      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('active', 'expired', 'refunded')),
    started_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    reminded_3d   BOOLEAN NOT NULL DEFAULT FALSE,
    reminded_1d   BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX user_subscriptions_expiry_idx ON user_subscriptions (expires_at) WHERE status = 'active';

-- Sales made outside Telegram's payments: an admin defines a tariff and hands a buyer a
-- one-time token, redeemed as `/start tok_<token>`.
CREATE TABLE tariffs (
    name         TEXT PRIMARY KEY,
    plan         TEXT NOT NULL,
    days         INTEGER NOT NULL CHECK (days > 0),
    price_cents  BIGINT NOT NULL CHECK (price_cents >= 0),
    currency     TEXT NOT NULL DEFAULT 'EUR',
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE subscription_tokens (
    token       TEXT PRIMARY KEY,
    tariff      TEXT NOT NULL REFERENCES tariffs (name) ON UPDATE CASCADE,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at  TIMESTAMPTZ NOT NULL,
    used_by     BIGINT REFERENCES users (id) ON UPDATE CASCADE ON DELETE SET NULL,
    used_at     TIMESTAMPTZ
);

-- Webhook events from card providers, by their id: each is applied once, whatever order or
-- how many times it arrives.
CREATE TABLE provider_events (
    provider     TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    event_type   TEXT NOT NULL,
    -- What the event is about (a Stripe payment_intent for refunds), to match events that
    -- arrive before the payment they refer to.
    ref          TEXT,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, event_id)
);
CREATE INDEX provider_events_ref_idx ON provider_events (provider, event_type, ref);
