-- A banned player gets one polite message and nothing else; payments still answer (refused).
ALTER TABLE users
    ADD COLUMN banned_at TIMESTAMPTZ,
    ADD COLUMN ban_notified BOOLEAN NOT NULL DEFAULT FALSE;
