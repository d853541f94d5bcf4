-- The open-missions index, led by mission_id alone, let the generic plan of the mission
-- payer's `UPDATE … WHERE user_id = $1 AND mission_id = $2 AND period = $3 AND completed_at
-- IS NULL` scan every open mission with that id. Postgres chose it while the table's statistics
-- were still those of an empty table: a fresh database under load, 0.4 ms of CPU per call, with
-- the wallet lock held. With the player in the index too, even that plan finds the row at once,
-- and "who holds this mission" (content versions) is still answered from it.
DROP INDEX user_missions_open_idx;
CREATE INDEX user_missions_open_idx ON user_missions (mission_id, user_id) WHERE completed_at IS NULL;
