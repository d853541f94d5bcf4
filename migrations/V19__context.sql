-- What play teaches about a player (hours they come, in their time zone, and which kind of play
-- they reach for; saved when their actor passivates), and re-engagement reminders: whether
-- they want them and the game day of the last one (at most one a day).
ALTER TABLE user_profiles
    ADD COLUMN habits JSONB NOT NULL DEFAULT '{}',
    ADD COLUMN reminders BOOLEAN NOT NULL DEFAULT TRUE,
    ADD COLUMN reminded_on DATE;

-- Engagement for recommendations is read by time: purchases from the ledger.
CREATE INDEX points_transactions_purchases_idx ON points_transactions (created_at)
    WHERE action_type = 'shop_purchase';

-- The reminder sweep looks for streaks that break today.
CREATE INDEX user_gamification_streak_day_idx ON user_gamification (last_daily_claim) WHERE current_streak > 0;
