-- The story's world around the save-state: which version of the story a state belongs to, the
-- choices it was showing and a print of their knot's compiled content (to tell whether it
-- still fits a new version), the last scene's lines (shown again by /historia), which
-- playthrough this is (replays after an ending pay nothing again), chapters started
-- and finished (for unlocks and the funnel), relationship kinds, clues, and the Telegram
-- file_ids of story images (uploaded once, then sent by id).
ALTER TABLE user_story_state
    ADD COLUMN version TEXT,
    ADD COLUMN knot TEXT,
    ADD COLUMN knot_print TEXT,
    ADD COLUMN scene JSONB NOT NULL DEFAULT '[]',
    ADD COLUMN playthrough INTEGER NOT NULL DEFAULT 1,
    ADD COLUMN run TEXT NOT NULL DEFAULT md5(random()::TEXT),
    ADD COLUMN open_choices TEXT[] NOT NULL DEFAULT '{}';

-- Story effects (besitos, relationships, achievement events) already applied to a player, by
-- where in the story they were met: a chapter started again after a new version, or a replay,
-- never pays the same place twice.
CREATE TABLE story_effects (
    user_id     BIGINT NOT NULL REFERENCES users (id) ON UPDATE CASCADE ON DELETE CASCADE,
    effect_key  TEXT NOT NULL,
    applied_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, effect_key)
);

CREATE TABLE user_story_chapters (
    user_id     BIGINT NOT NULL REFERENCES users (id) ON UPDATE CASCADE ON DELETE CASCADE,
    chapter     INTEGER NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at TIMESTAMPTZ,
    PRIMARY KEY (user_id, chapter)
);

ALTER TABLE story_decisions ADD COLUMN knot TEXT;

-- Tallies of how the player treated each character; the relationship type is the largest.
ALTER TABLE user_character_relationships
    ADD COLUMN friendship INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN romance    INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN rivalry    INTEGER NOT NULL DEFAULT 0;

CREATE TABLE user_clues (
    user_id  BIGINT NOT NULL REFERENCES users (id) ON UPDATE CASCADE ON DELETE CASCADE,
    clue_id  TEXT NOT NULL,
    source   TEXT NOT NULL CHECK (source IN ('historia', 'regalo', 'tienda', 'combinacion')),
    found_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, clue_id)
);

CREATE TABLE media_files (
    asset      TEXT NOT NULL,
    digest     TEXT NOT NULL,
    file_id    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (asset, digest)
);
