-- Achievements: definitions synced from assets/achievements.toml at start, unlocks (each level
-- of each achievement once per player, by the primary key), and the counters they watch.
CREATE TABLE achievements (
    id          TEXT PRIMARY KEY,
    category    TEXT NOT NULL,
    secret      BOOLEAN NOT NULL DEFAULT FALSE,
    definition  JSONB NOT NULL,
    synced_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE user_achievements (
    user_id         BIGINT NOT NULL REFERENCES users (id) ON UPDATE CASCADE ON DELETE CASCADE,
    achievement_id  TEXT NOT NULL REFERENCES achievements (id),
    tier            INTEGER NOT NULL,          -- 1 = bronze (or the only level), 2 = silver, 3 = gold
    reward          BIGINT NOT NULL DEFAULT 0,
    unlocked_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, achievement_id, tier)
);

-- Counts of things players did, for achievements and missions.
CREATE TABLE user_counters (
    user_id     BIGINT NOT NULL REFERENCES users (id) ON UPDATE CASCADE ON DELETE CASCADE,
    counter     TEXT NOT NULL,
    value       BIGINT NOT NULL DEFAULT 0,
    updated_on  DATE NOT NULL DEFAULT CURRENT_DATE,
    PRIMARY KEY (user_id, counter)
);
