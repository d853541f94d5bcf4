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
