-- What the mood model read in players' messages, and what players said when asked
-- "¿te he entendido bien?": their answers are training data (with the behaviour seen then).
CREATE TABLE mood_readings (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON UPDATE CASCADE ON DELETE CASCADE,
    text        TEXT NOT NULL,
    behaviour   JSONB NOT NULL,
    mood        TEXT NOT NULL,
    confidence  DOUBLE PRECISION NOT NULL,
    -- Diana asked about this one (at most one a day per player).
    asked       BOOLEAN NOT NULL DEFAULT FALSE,
    -- The player's own answer, once.
    label       TEXT,
    labelled_at TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX mood_readings_user_idx ON mood_readings (user_id, id DESC);
CREATE INDEX mood_readings_labelled_idx ON mood_readings (id) WHERE label IS NOT NULL;

-- Mood models the retraining supervisor made: each scored on eval.tsv against the one running;
-- kept (and loaded at the next start) only when it scored at least as well.
CREATE TABLE mood_models (
    id              BIGSERIAL PRIMARY KEY,
    trained_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    labels_used     INTEGER NOT NULL,
    eval_macro_f1   DOUBLE PRECISION NOT NULL,
    running_macro_f1 DOUBLE PRECISION NOT NULL,
    accepted        BOOLEAN NOT NULL,
    model           JSONB NOT NULL
);
