-- Missions a player has, with the counter value they count from, and when they were paid.
-- `period` is the day for daily missions, 'once' for one-time ones, the round for repeatable.
CREATE TABLE user_missions (
    user_id       BIGINT NOT NULL REFERENCES users (id) ON UPDATE CASCADE ON DELETE CASCADE,
    mission_id    TEXT NOT NULL,
    period        TEXT NOT NULL,
    baseline      BIGINT NOT NULL,
    completed_at  TIMESTAMPTZ,
    reward        BIGINT NOT NULL DEFAULT 0,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, mission_id, period)
);
