-- Economy: daily gift and streak state, temporary boosts, and the inventory.

ALTER TABLE user_gamification
    ADD COLUMN last_daily_claim  DATE,              -- the game-calendar day of the latest gift claim
    ADD COLUMN boost_multiplier  DOUBLE PRECISION NOT NULL DEFAULT 1.0 CHECK (boost_multiplier >= 1.0),
    ADD COLUMN boost_until       TIMESTAMPTZ;

-- Items and clues a player holds. Consumables are used from here.
CREATE TABLE user_inventory (
    user_id     BIGINT NOT NULL REFERENCES users (id) ON UPDATE CASCADE ON DELETE CASCADE,
    item_id     TEXT NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity >= 0),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, item_id)
);

-- Daily caps sum today's earnings per action type.
CREATE INDEX points_transactions_user_action_time_idx ON points_transactions (user_id, action_type, created_at);
