-- Trivia rounds: each question asked, when, and how it was answered. A question is asked at
-- most once a day per player; the history keeps it from repeating until the bank runs out.
CREATE TABLE trivia_rounds (
    id           BIGSERIAL PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON UPDATE CASCADE ON DELETE CASCADE,
    question_id  TEXT NOT NULL,
    day          DATE NOT NULL,
    asked_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    answered_at  TIMESTAMPTZ,
    chosen       INTEGER,
    correct      BOOLEAN,
    reward       BIGINT NOT NULL DEFAULT 0,
    UNIQUE (user_id, question_id, day)
);
CREATE INDEX trivia_rounds_user_day_idx ON trivia_rounds (user_id, day);
