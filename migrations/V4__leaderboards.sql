-- Final standings of closed leaderboard periods; one row per place, written once.
CREATE TABLE leaderboard_archive (
    board       TEXT NOT NULL,         -- 'points' or 'streak'
    period      TEXT NOT NULL,         -- '2026-W48', '2026-11'
    rank        INTEGER NOT NULL,
    user_id     BIGINT NOT NULL,
    score       BIGINT NOT NULL,
    rewarded    BIGINT NOT NULL DEFAULT 0,
    archived_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (board, period, rank)
);

-- Period boards aggregate earnings by time.
CREATE INDEX points_transactions_earned_time_idx ON points_transactions (created_at, user_id)
    WHERE points_change > 0;
