-- The dashboard: admin roles, one-time login links, server-side sessions, API tokens; test
-- users of the playground; and an audit log that is append-only and hash-chained.

ALTER TABLE users ADD COLUMN is_test BOOLEAN NOT NULL DEFAULT FALSE;

-- Roles granted in the dashboard. DIANA_ADMIN_IDS are superadmins by configuration and need no row.
CREATE TABLE admin_roles (
    user_id     BIGINT PRIMARY KEY,
    role        TEXT NOT NULL CHECK (role IN ('viewer', 'moderator', 'admin', 'superadmin')),
    granted_by  TEXT NOT NULL,
    granted_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Only digests of secrets are kept: a copy of the database logs nobody in.
CREATE TABLE admin_login_links (
    token_hash  BYTEA PRIMARY KEY,
    user_id     BIGINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);
CREATE INDEX admin_login_links_user_idx ON admin_login_links (user_id, created_at);

CREATE TABLE admin_sessions (
    token_hash   BYTEA PRIMARY KEY,
    user_id      BIGINT NOT NULL,
    csrf         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX admin_sessions_user_idx ON admin_sessions (user_id);

CREATE TABLE admin_api_tokens (
    id           BIGSERIAL PRIMARY KEY,
    token_hash   BYTEA NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL,
    name         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);

-- The audit chain. Each row's hash covers the previous row's hash and the row itself; actor and
-- target enter as digests, so erasing a player (which renames them to an anonymous id) keeps
-- the chain whole while any other change breaks it.
ALTER TABLE audit_log
    ADD COLUMN actor_digest  BYTEA,
    ADD COLUMN target_digest BYTEA,
    ADD COLUMN prev_hash     BYTEA,
    ADD COLUMN row_hash      BYTEA;

CREATE FUNCTION audit_field(value TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT length(value)::text || ':' || value
$$;

CREATE FUNCTION audit_row_hash(prev BYTEA, id BIGINT, at TIMESTAMPTZ, action TEXT, actor_digest BYTEA,
                               target_digest BYTEA, before JSONB, after JSONB) RETURNS BYTEA
LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(coalesce(prev, '\x'::bytea) || actor_digest || target_digest || convert_to(
        audit_field(id::text) || audit_field((extract(epoch FROM at) * 1000000)::bigint::text)
        || audit_field(action) || audit_field(coalesce(before::text, 'null'))
        || audit_field(coalesce(after::text, 'null')), 'UTF8'))
$$;

CREATE FUNCTION audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- One writer at a time, until commit: ids follow the chain's order.
    PERFORM pg_advisory_xact_lock(7146011);
    NEW.id := nextval(pg_get_serial_sequence('audit_log', 'id'));
    NEW.actor_digest := sha256(convert_to(NEW.actor, 'UTF8'));
    NEW.target_digest := sha256(convert_to(coalesce(NEW.target, ''), 'UTF8'));
    NEW.prev_hash := (SELECT row_hash FROM audit_log ORDER BY id DESC LIMIT 1);
    NEW.row_hash := audit_row_hash(NEW.prev_hash, NEW.id, NEW.created_at, NEW.action, NEW.actor_digest,
                                   NEW.target_digest, NEW.before, NEW.after);
    RETURN NEW;
END $$;

-- An erased player's anonymous name: `user:-N` for a player row -N that is erased.
CREATE FUNCTION audit_erased_name(name TEXT) RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
    SELECT name ~ '^user:-[0-9]+$'
       AND EXISTS (SELECT 1 FROM users WHERE id = substring(name FROM 6)::BIGINT AND deleted_at IS NOT NULL)
$$;

CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND NEW.id = OLD.id AND NEW.action = OLD.action AND NEW.created_at = OLD.created_at
       AND NEW.before IS NOT DISTINCT FROM OLD.before AND NEW.after IS NOT DISTINCT FROM OLD.after
       AND NEW.row_hash = OLD.row_hash AND NEW.prev_hash IS NOT DISTINCT FROM OLD.prev_hash
       AND NEW.actor_digest = OLD.actor_digest AND NEW.target_digest = OLD.target_digest
       AND (NEW.actor = OLD.actor OR (OLD.actor ~ '^user:[0-9]+$' AND audit_erased_name(NEW.actor)))
       AND (NEW.target IS NOT DISTINCT FROM OLD.target
            OR (OLD.target ~ '^user:[0-9]+$' AND audit_erased_name(NEW.target))) THEN
        -- Erasure: a player's id becomes their anonymous id; nothing else may change.
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END $$;

-- Rows written before the chain existed join it, in order.
DO $$
DECLARE r RECORD; prev BYTEA := NULL; h BYTEA;
BEGIN
    FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
        h := audit_row_hash(prev, r.id, r.created_at, r.action, sha256(convert_to(r.actor, 'UTF8')),
                            sha256(convert_to(coalesce(r.target, ''), 'UTF8')), r.before, r.after);
        UPDATE audit_log SET actor_digest = sha256(convert_to(r.actor, 'UTF8')),
               target_digest = sha256(convert_to(coalesce(r.target, ''), 'UTF8')), prev_hash = prev, row_hash = h
         WHERE id = r.id;
        prev := h;
    END LOOP;
END $$;

-- The trigger numbers rows under its lock; a default would only waste numbers.
ALTER TABLE audit_log ALTER COLUMN id DROP DEFAULT;
ALTER TABLE audit_log ALTER COLUMN actor_digest SET NOT NULL, ALTER COLUMN target_digest SET NOT NULL,
                      ALTER COLUMN row_hash SET NOT NULL;
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_chain();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE INDEX audit_log_action_idx ON audit_log (action, id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, id);
CREATE INDEX audit_log_target_idx ON audit_log (target, id);

-- One row per player and day they did something: daily, weekly and monthly actives and
-- retention, written once a day per player (when the day's first action moves their counters).
CREATE TABLE user_active_days (
    day      DATE NOT NULL,
    user_id  BIGINT NOT NULL,
    PRIMARY KEY (day, user_id)
);
CREATE INDEX users_created_idx ON users (created_at);
CREATE INDEX points_transactions_time_idx ON points_transactions (created_at);
CREATE INDEX payments_time_idx ON payments (created_at);
CREATE INDEX users_last_seen_idx ON users (last_seen_at DESC, id);

-- Updates the playground makes: numbered above any Telegram update id, never reused.
CREATE SEQUENCE playground_update_seq START 3000000000 MAXVALUE 4294967295;

-- Stories uploaded from the dashboard: each a folder of its own, checked, kept for rollback.
CREATE TABLE story_versions (
    id           BIGSERIAL PRIMARY KEY,
    dir          TEXT NOT NULL,
    files        TEXT[] NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    checked      BOOLEAN NOT NULL DEFAULT FALSE,
    errors       JSONB NOT NULL DEFAULT '[]',
    warnings     JSONB NOT NULL DEFAULT '[]',
    stats        JSONB
);

-- Which story runs: the newest activation wins at start-up (no version: the shipped folder).
CREATE TABLE story_activations (
    id            BIGSERIAL PRIMARY KEY,
    version_id    BIGINT REFERENCES story_versions (id),
    compiled      TEXT NOT NULL,
    activated_by  TEXT NOT NULL,
    activated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- VIP days an admin gives from the dashboard are recorded as a payment of nothing.
ALTER TABLE payments DROP CONSTRAINT payments_provider_check;
ALTER TABLE payments ADD CONSTRAINT payments_provider_check
    CHECK (provider IN ('telegram_stars', 'stripe', 'paypal', 'admin_token', 'admin_grant'));

-- Messages to a segment of players, queued through the outbox in batches (so within
-- Telegram's limits), resumable after a restart, cancellable.
CREATE TABLE broadcasts (
    id             BIGSERIAL PRIMARY KEY,
    segment        TEXT NOT NULL CHECK (segment IN ('all', 'vip', 'inactive')),
    inactive_days  INTEGER,
    text           TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    total          INTEGER NOT NULL,
    queued         INTEGER NOT NULL DEFAULT 0,
    last_user_id   BIGINT NOT NULL DEFAULT 0,
    status         TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'cancelled')),
    finished_at    TIMESTAMPTZ
);

-- Finding players by part of a name or username with 100,000 of them (pg_trgm is a trusted
-- extension: the database's owner may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX users_first_name_trgm_idx ON users USING gin (first_name gin_trgm_ops);
CREATE INDEX users_last_name_trgm_idx ON users USING gin (last_name gin_trgm_ops);
CREATE INDEX users_username_trgm_idx ON users USING gin (lower(username) gin_trgm_ops);
CREATE INDEX users_banned_idx ON users (last_seen_at DESC) WHERE banned_at IS NOT NULL;
CREATE INDEX users_blocked_idx ON users (last_seen_at DESC) WHERE NOT is_active;
CREATE INDEX users_test_idx ON users (last_seen_at DESC) WHERE is_test;
CREATE INDEX users_username_prefix_idx ON users (lower(username) text_pattern_ops);

-- Who is in the VIP channel, as the bot saw them join and as it removed them: the dashboard
-- sets it against active subscriptions.
CREATE TABLE channel_members (
    chat_id    BIGINT NOT NULL,
    user_id    BIGINT NOT NULL,
    joined_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    left_at    TIMESTAMPTZ,
    PRIMARY KEY (chat_id, user_id)
);
CREATE INDEX users_first_name_prefix_idx ON users (lower(first_name) text_pattern_ops);
