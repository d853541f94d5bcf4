-- The open-missions index is for one rare question: does anyone still hold mission X (content
-- versions). As `(mission_id) WHERE completed_at IS NULL` it also matched the players' own
-- statements, and on a fresh table, before its first ANALYZE, Postgres chose it for them: the
-- mission payer's `UPDATE … WHERE user_id = $1 AND mission_id = $2 AND period = $3 AND
-- completed_at IS NULL` scanned every open mission with that id (0.4 ms of CPU a call, with
-- the wallet lock held), and with the player added to the index the evaluator's read of many
-- players' open missions scanned all of it (18 ms). The predicate now also says
-- `period <> ''`, true of every row: the content check states it, no player statement does,
-- so only the content check can use this index, and the players' go by the primary key.
DROP INDEX user_missions_open_idx;
CREATE INDEX user_missions_open_idx ON user_missions (mission_id) WHERE completed_at IS NULL AND period <> '';
