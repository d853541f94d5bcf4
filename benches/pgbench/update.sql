-- One player's update as the server commits it (a gift claim, the most common paid action):
-- claim the update id, the ban check, today's activity counter, today's missions, the wallet
-- lock, the ledger's idempotency and cap reads, the wallet and ledger writes, the action's
-- counter, and the reply in the outbox. The statements are the server's own (store/*.rs).
\set uid random(1, :players)
\set upd random(1, 1000000000000)
INSERT INTO processed_updates (update_id, user_id, outcome) VALUES (:upd, :uid, 'applied') ON CONFLICT (update_id) DO NOTHING;
SELECT ban_notified FROM users WHERE id = :uid AND banned_at IS NOT NULL;
INSERT INTO user_counters (user_id, counter, value, updated_on) VALUES (:uid, 'days_active', 1, current_date) ON CONFLICT (user_id, counter) DO UPDATE SET value = user_counters.value + EXCLUDED.value, updated_on = EXCLUDED.updated_on WHERE NOT true OR user_counters.updated_on < EXCLUDED.updated_on;
SELECT DISTINCT ON (mission_id) mission_id, period, baseline, completed_at IS NOT NULL FROM user_missions WHERE user_id = :uid AND (period = current_date::text OR period = 'once' OR period LIKE 'round:%') ORDER BY mission_id, created_at DESC;
SELECT available_points, total_points, current_streak, longest_streak, last_daily_claim, vip_multiplier, boost_multiplier, boost_until FROM user_gamification WHERE user_id = :uid FOR UPDATE;
SELECT 1 FROM points_transactions WHERE idempotency_key = 'pgbench:' || :upd;
SELECT COALESCE(SUM(points_change), 0)::BIGINT FROM points_transactions WHERE user_id = :uid AND action_type = 'daily' AND created_at >= current_date AND points_change > 0;
UPDATE user_gamification SET available_points = available_points + 5, total_points = total_points + 5, last_activity = now() WHERE user_id = :uid RETURNING available_points, total_points;
INSERT INTO points_transactions (user_id, action_type, points_change, balance_after, context, idempotency_key) VALUES (:uid, 'daily', 5, 0, '{}', 'pgbench:' || :upd);
INSERT INTO user_counters (user_id, counter, value, updated_on) VALUES (:uid, 'daily_claims', 1, current_date) ON CONFLICT (user_id, counter) DO UPDATE SET value = user_counters.value + EXCLUDED.value, updated_on = EXCLUDED.updated_on;
INSERT INTO outbox (chat_id, user_id, lang, reply) VALUES (:uid, :uid, 'es', '{"DailyClaimed": {"points": 5}}');
