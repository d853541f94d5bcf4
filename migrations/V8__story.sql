-- Story progress: each player's ink save-state and the turn it is at (buttons carry the turn),
-- one row per decision, and relationships with the characters.
CREATE TABLE user_story_state (
    user_id     BIGINT PRIMARY KEY REFERENCES users (id) ON UPDATE CASCADE ON DELETE CASCADE,
    state       JSONB NOT NULL,
    turn        BIGINT NOT NULL DEFAULT 0,
    chapter     INTEGER,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE story_decisions (
    id           BIGSERIAL PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON UPDATE CASCADE ON DELETE CASCADE,
    chapter      INTEGER,
    turn         BIGINT NOT NULL,
    choice_text  TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX story_decisions_user_idx ON story_decisions (user_id, id);

CREATE TABLE user_character_relationships (
    user_id     BIGINT NOT NULL REFERENCES users (id) ON UPDATE CASCADE ON DELETE CASCADE,
    character   TEXT NOT NULL,
    score       INTEGER NOT NULL DEFAULT 0,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, character)
);
