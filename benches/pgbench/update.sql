-- One player's update as the server commits it today (a gift claim, the most common paid
-- action): claim the update id with the ban check, lock the wallet, count the streak freezes,
-- save the streak, the action's counter, then the ledger under the same lock (the idempotency
-- and daily-cap reads in one statement, the wallet and ledger writes in another). The
-- statements are the server's own (store/*.rs).
-- The reply's outbox row is the last line: run.sh writes it once per group, as group commit
-- does; the naive script keeps it per update. `days_active` and the day's missions are not
-- here: the actor remembers it has done them today.
\set uid random(1, :players)
\set upd random(1, 1000000000000)
WITH claimed AS (INSERT INTO processed_updates (update_id, user_id, outcome) VALUES (:upd, :uid, 'applied') ON CONFLICT (update_id) DO NOTHING RETURNING 1) SELECT EXISTS (SELECT 1 FROM claimed), (SELECT ban_notified FROM users WHERE id = :uid AND banned_at IS NOT NULL);
SELECT g.available_points, g.total_points, g.current_streak, g.longest_streak, g.last_daily_claim, g.vip_multiplier, g.boost_multiplier, g.boost_until FROM user_gamification g WHERE g.user_id = :uid FOR UPDATE;
SELECT quantity FROM user_inventory WHERE user_id = :uid AND item_id = 'streak_freeze';
UPDATE user_gamification SET current_streak = 1, longest_streak = 1, last_daily_claim = current_date WHERE user_id = :uid;
INSERT INTO user_counters (user_id, counter, value, updated_on) VALUES (:uid, 'daily_claims', 1, current_date) ON CONFLICT (user_id, counter) DO UPDATE SET value = user_counters.value + EXCLUDED.value, updated_on = EXCLUDED.updated_on WHERE NOT false OR user_counters.updated_on < EXCLUDED.updated_on;
SELECT EXISTS (SELECT 1 FROM points_transactions WHERE idempotency_key = 'pgbench:' || :upd), (SELECT COALESCE(SUM(points_change), 0)::BIGINT FROM points_transactions WHERE user_id = :uid AND action_type = 'daily' AND created_at >= current_date AND points_change > 0);
WITH wallet AS (UPDATE user_gamification SET available_points = available_points + 5, total_points = total_points + GREATEST(5, 0), last_activity = now() WHERE user_id = :uid RETURNING available_points, total_points) INSERT INTO points_transactions (user_id, action_type, points_change, balance_after, context, idempotency_key) SELECT :uid, 'daily', 5, available_points, '{}', 'pgbench:' || :upd FROM wallet RETURNING balance_after, (SELECT total_points FROM wallet);
INSERT INTO outbox (chat_id, user_id, lang, reply) VALUES (:uid, :uid, 'es', '{"DailyClaimed": {"points": 5}}');
