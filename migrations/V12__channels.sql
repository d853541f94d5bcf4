-- The free and VIP channels around the game: join requests waiting for their automatic approval
-- (kept in the database, so a restart loses none), and reactions to channel posts already paid.
CREATE TABLE channel_join_requests (
    user_id      BIGINT NOT NULL REFERENCES users (id) ON UPDATE CASCADE ON DELETE CASCADE,
    chat_id      BIGINT NOT NULL,
    requested_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    approve_at   TIMESTAMPTZ NOT NULL,
    approved_at  TIMESTAMPTZ,
    PRIMARY KEY (user_id, chat_id)
);
CREATE INDEX channel_join_requests_due_idx ON channel_join_requests (approve_at) WHERE approved_at IS NULL;

CREATE TABLE channel_reactions (
    user_id     BIGINT NOT NULL REFERENCES users (id) ON UPDATE CASCADE ON DELETE CASCADE,
    chat_id     BIGINT NOT NULL,
    message_id  BIGINT NOT NULL,
    reacted_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    paid        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, chat_id, message_id)
);
