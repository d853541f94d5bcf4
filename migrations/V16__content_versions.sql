-- Content documents (trivia, missions, shop, achievements, plans) saved from the dashboard after
-- they checked: every version is kept, so any can go live again.
CREATE TABLE content_versions (
    id           BIGSERIAL PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('trivia', 'missions', 'shop', 'achievements', 'plans')),
    body         TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX content_versions_kind_idx ON content_versions (kind, id DESC);

-- Which version of each kind runs: the latest activation (a NULL version: the shipped file).
-- Kept as a history, and read at start so a change outlives restarts.
CREATE TABLE content_activations (
    id            BIGSERIAL PRIMARY KEY,
    kind          TEXT NOT NULL,
    version_id    BIGINT REFERENCES content_versions (id),
    activated_by  TEXT NOT NULL,
    activated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX content_activations_kind_idx ON content_activations (kind, id DESC);

-- A version that removes an item, an achievement, a mission or a question asks who holds it:
-- answered from these indexes, not by reading every backpack, unlock or round.
CREATE INDEX user_inventory_item_idx ON user_inventory (item_id) WHERE quantity > 0;
CREATE INDEX user_achievements_achievement_idx ON user_achievements (achievement_id);
CREATE INDEX user_missions_open_idx ON user_missions (mission_id) WHERE completed_at IS NULL;
CREATE INDEX trivia_rounds_open_idx ON trivia_rounds (question_id, day) WHERE answered_at IS NULL;
