//! `users`, `user_profiles` and `user_gamification`: who a player is and their counters.

use super::{StoreError, Transaction};
use crate::domain::context::{Known, PlayerContext};
use crate::domain::{Identity, Player};
use serde_json::{Value, json};
use tokio_postgres::Row;

const SELECT_PLAYER: &str = concat!(
    "SELECT u.id, u.first_name, u.last_name, u.username, u.language_code, u.is_active, u.created_at,
            g.total_points, g.available_points, g.current_streak, g.longest_streak, p.archetype,
            p.timezone, p.habits, p.personality, p.reminders, g.last_daily_claim,
            (SELECT s.expires_at FROM user_subscriptions s WHERE s.user_id = u.id AND s.status = 'active'),
            (SELECT st.chapter FROM user_story_state st WHERE st.user_id = u.id),
            ARRAY(SELECT DISTINCT e.item FROM (",
    super::engagement::engagement_events!(),
    ") e WHERE e.user_id = u.id),
            u.last_seen_at
     FROM users u JOIN user_gamification g ON g.user_id = u.id LEFT JOIN user_profiles p ON p.user_id = u.id
     WHERE u.id = $1"
);

fn player_from_row(row: &Row) -> Player {
    let timezone: Option<String> = row.get(12);
    let habits: Option<Value> = row.get(13);
    let personality: Option<Value> = row.get(14);
    let known = Known {
        tz: timezone.and_then(|tz| tz.parse().ok()),
        game_tz: None,
        habits: habits.and_then(|h| serde_json::from_value(h).ok()).unwrap_or_default(),
        personality: personality.and_then(|p| crate::domain::archetype::shares(&p)),
        current_streak: row.get(9),
        last_claim: row.get(16),
        vip_until: row.get(17),
        chapter: row.get(18),
        engaged: row.get::<_, Vec<String>>(19).into_iter().collect(),
        reminders: row.get::<_, Option<bool>>(15).unwrap_or(true),
        last_seen: row.get(20),
    };
    Player {
        user_id: row.get(0),
        first_name: row.get(1),
        last_name: row.get(2),
        username: row.get(3),
        language_code: row.get(4),
        is_active: row.get(5),
        created_at: row.get(6),
        total_points: row.get(7),
        available_points: row.get(8),
        current_streak: row.get(9),
        longest_streak: row.get(10),
        missions_assigned_on: None,
        counted_active_on: None,
        context: PlayerContext::from_known(known),
        archetype: row.get(11),
    }
}

/// The registered player with this Telegram id, if any.
pub async fn load_player(client: &deadpool_postgres::Client, user_id: i64) -> Result<Option<Player>, StoreError> {
    let stmt = client.prepare_cached(SELECT_PLAYER).await?;
    Ok(client.query_opt(&stmt, &[&user_id]).await?.as_ref().map(player_from_row))
}

/// The same, read inside a transaction.
pub async fn load_player_tx(tx: &Transaction<'_>, user_id: i64) -> Result<Option<Player>, StoreError> {
    let stmt = tx.prepare_cached(SELECT_PLAYER).await?;
    Ok(tx.query_opt(&stmt, &[&user_id]).await?.as_ref().map(player_from_row))
}

/// A player's besitos and streaks as stored now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counters {
    pub total_points: i64,
    pub available_points: i64,
    pub current_streak: i32,
    pub longest_streak: i32,
}

/// Only the counters, which others' actions (a referral, an achievement's reward) may move
/// while the actor holds the player: cheaper than reading the whole player again.
pub async fn counters(tx: &Transaction<'_>, user_id: i64) -> Result<Option<Counters>, StoreError> {
    let stmt = tx
        .prepare_cached(
            "SELECT total_points, available_points, current_streak, longest_streak
             FROM user_gamification WHERE user_id = $1",
        )
        .await?;
    Ok(tx.query_opt(&stmt, &[&user_id]).await?.map(|r| Counters {
        total_points: r.get(0),
        available_points: r.get(1),
        current_streak: r.get(2),
        longest_streak: r.get(3),
    }))
}

/// Register a new player with empty counters. Returns `None` if they already exist
/// (another update registered them first), in which case nothing was written.
pub async fn register(
    tx: &Transaction<'_>,
    identity: &Identity,
    referrer_id: Option<i64>,
) -> Result<Option<Player>, StoreError> {
    let insert = tx
        .prepare_cached(
            "INSERT INTO users (id, first_name, last_name, username, language_code, referred_by, is_test)
             VALUES ($1, $2, $3, $4, $5, (SELECT id FROM users WHERE id = $6 AND deleted_at IS NULL),
                     $1 >= $7::BIGINT)
             ON CONFLICT (id) DO NOTHING",
        )
        .await?;
    let inserted = tx
        .execute(
            &insert,
            &[
                &identity.user_id,
                &identity.first_name,
                &identity.last_name,
                &identity.username,
                &identity.language_code,
                &referrer_id,
                // Ids from here on are the load tester's players.
                &super::analytics::LOADTEST_FIRST_ID,
            ],
        )
        .await?;
    if inserted == 0 {
        return Ok(None);
    }
    let profile = tx.prepare_cached("INSERT INTO user_profiles (user_id, onboarded_at) VALUES ($1, now())").await?;
    tx.execute(&profile, &[&identity.user_id]).await?;
    let game = tx.prepare_cached("INSERT INTO user_gamification (user_id) VALUES ($1)").await?;
    tx.execute(&game, &[&identity.user_id]).await?;
    let stmt = tx.prepare_cached(SELECT_PLAYER).await?;
    Ok(Some(player_from_row(&tx.query_one(&stmt, &[&identity.user_id]).await?)))
}

/// A user's Telegram language code.
pub async fn language_of(tx: &Transaction<'_>, user_id: i64) -> Result<Option<String>, StoreError> {
    let stmt = tx.prepare_cached("SELECT language_code FROM users WHERE id = $1").await?;
    Ok(tx.query_opt(&stmt, &[&user_id]).await?.and_then(|r| r.get(0)))
}

/// Who invited this user, if anyone.
pub async fn referrer_of(tx: &Transaction<'_>, user_id: i64) -> Result<Option<i64>, StoreError> {
    let stmt = tx.prepare_cached("SELECT referred_by FROM users WHERE id = $1").await?;
    Ok(tx.query_opt(&stmt, &[&user_id]).await?.and_then(|r| r.get(0)))
}

/// Store the names and language Telegram sent with the latest update.
pub async fn update_identity(tx: &Transaction<'_>, identity: &Identity) -> Result<(), StoreError> {
    let stmt = tx
        .prepare_cached(
            "UPDATE users SET first_name = $2, last_name = $3, username = $4, language_code = $5 WHERE id = $1",
        )
        .await?;
    tx.execute(
        &stmt,
        &[&identity.user_id, &identity.first_name, &identity.last_name, &identity.username, &identity.language_code],
    )
    .await?;
    Ok(())
}

/// Record that the user blocked (`active = false`) or reopened (`true`) the chat.
pub async fn set_active(tx: &Transaction<'_>, user_id: i64, active: bool) -> Result<(), StoreError> {
    let stmt = tx
        .prepare_cached(
            "UPDATE users SET is_active = $2,
                    blocked_at = CASE WHEN $2 THEN NULL ELSE COALESCE(blocked_at, now()) END
             WHERE id = $1",
        )
        .await?;
    tx.execute(&stmt, &[&user_id, &active]).await?;
    Ok(())
}

/// Write the time of each user's latest update, in one statement. Kept in memory by the
/// actors and saved when they passivate: losing it in a crash costs only an older "last seen".
pub async fn save_last_seen(
    client: &deadpool_postgres::Client,
    seen: &[(i64, chrono::DateTime<chrono::Utc>)],
) -> Result<(), StoreError> {
    if seen.is_empty() {
        return Ok(());
    }
    let (ids, times): (Vec<i64>, Vec<chrono::DateTime<chrono::Utc>>) = seen.iter().copied().unzip();
    let stmt = client
        .prepare_cached(
            "UPDATE users u SET last_seen_at = GREATEST(u.last_seen_at, t.at)
             FROM UNNEST($1::BIGINT[], $2::TIMESTAMPTZ[]) AS t(id, at)
             WHERE u.id = t.id",
        )
        .await?;
    client.execute(&stmt, &[&ids, &times]).await?;
    Ok(())
}

/// What passivating actors learned of their players: habits, and the archetype they refine.
pub async fn save_habits(
    client: &deadpool_postgres::Client,
    learned: &[(i64, Value, Option<String>)],
) -> Result<(), StoreError> {
    if learned.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = learned.iter().map(|l| l.0).collect();
    let habits: Vec<&Value> = learned.iter().map(|l| &l.1).collect();
    let archetypes: Vec<Option<&str>> = learned.iter().map(|l| l.2.as_deref()).collect();
    let stmt = client
        .prepare_cached(
            "UPDATE user_profiles p SET habits = t.h, archetype = t.a, updated_at = now()
             FROM UNNEST($1::BIGINT[], $2::JSONB[], $3::TEXT[]) AS t(id, h, a)
             WHERE p.user_id = t.id",
        )
        .await?;
    client.execute(&stmt, &[&ids, &habits, &archetypes]).await?;
    Ok(())
}

/// Everything we hold about a user, as one JSON document (the `/privacidad` export).
pub async fn export(tx: &Transaction<'_>, user_id: i64) -> Result<Value, StoreError> {
    let user = tx
        .query_one(
            "SELECT json_build_object(
                 'id', u.id, 'first_name', u.first_name, 'last_name', u.last_name, 'username', u.username,
                 'language_code', u.language_code, 'referred_by', u.referred_by, 'is_active', u.is_active,
                 'created_at', u.created_at, 'last_seen_at', u.last_seen_at)
             FROM users u WHERE u.id = $1",
            &[&user_id],
        )
        .await?;
    let profile = tx.query_opt("SELECT row_to_json(p) FROM user_profiles p WHERE p.user_id = $1", &[&user_id]).await?;
    let game = tx.query_opt("SELECT row_to_json(g) FROM user_gamification g WHERE g.user_id = $1", &[&user_id]).await?;
    let ledger = tx
        .query_one(
            "SELECT COALESCE(json_agg(json_build_object(
                 'action_type', t.action_type, 'points_change', t.points_change,
                 'balance_after', t.balance_after, 'context', t.context, 'created_at', t.created_at)
                 ORDER BY t.id), '[]'::json)
             FROM points_transactions t WHERE t.user_id = $1",
            &[&user_id],
        )
        .await?;
    let story = tx
        .query_one(
            "SELECT json_build_object(
                 'decisions', (SELECT COALESCE(json_agg(json_build_object('chapter', d.chapter, 'knot', d.knot,
                     'choice', d.choice_text, 'at', d.created_at) ORDER BY d.id), '[]'::json)
                     FROM story_decisions d WHERE d.user_id = $1),
                 'chapters', (SELECT COALESCE(json_agg(row_to_json(c) ORDER BY c.chapter), '[]'::json)
                     FROM user_story_chapters c WHERE c.user_id = $1),
                 'relationships', (SELECT COALESCE(json_agg(json_build_object('character', r.character,
                     'score', r.score, 'friendship', r.friendship, 'romance', r.romance, 'rivalry', r.rivalry)
                     ORDER BY r.character), '[]'::json) FROM user_character_relationships r WHERE r.user_id = $1),
                 'clues', (SELECT COALESCE(json_agg(json_build_object('clue', k.clue_id, 'source', k.source,
                     'found_at', k.found_at) ORDER BY k.found_at), '[]'::json) FROM user_clues k WHERE k.user_id = $1))",
            &[&user_id],
        )
        .await?;
    Ok(json!({
        "user": user.get::<_, Value>(0),
        "profile": profile.map(|r| r.get::<_, Value>(0)),
        "gamification": game.map(|r| r.get::<_, Value>(0)),
        "points_transactions": ledger.get::<_, Value>(0),
        "story": story.get::<_, Value>(0),
        "messages_to_diana": super::moods::export(tx, user_id).await?,
    }))
}

/// Erase a user's personal data. Their rows move to a fresh negative id with every personal
/// field blanked, so aggregates (counts, besitos issued per day) stay true while nothing
/// points back to the person. Returns the anonymous id.
pub async fn anonymise(tx: &Transaction<'_>, user_id: i64) -> Result<i64, StoreError> {
    let row = tx
        .query_one(
            "UPDATE users SET id = -nextval('anonymous_user_seq'), first_name = '', last_name = NULL,
                    username = NULL, language_code = NULL, referred_by = NULL, is_active = FALSE,
                    deleted_at = now()
             WHERE id = $1 RETURNING id",
            &[&user_id],
        )
        .await?;
    let anonymous_id: i64 = row.get(0);
    // What play taught about the person (habits, quiz, types) goes with them.
    tx.execute(
        "UPDATE user_profiles SET display_name = NULL, timezone = NULL, habits = '{}', reminded_on = NULL,
                quiz_answers = '{}', personality = NULL, archetype = NULL
          WHERE user_id = $1",
        &[&anonymous_id],
    )
    .await?;
    tx.execute("UPDATE points_transactions SET context = '{}'::jsonb WHERE user_id = $1", &[&anonymous_id]).await?;
    tx.execute("UPDATE processed_updates SET user_id = NULL WHERE user_id = $1", &[&user_id]).await?;
    // The audit trail keeps what happened, but no longer points back to the person.
    tx.execute(
        "UPDATE audit_log SET actor = CASE WHEN actor = $1 THEN $2 ELSE actor END,
                              target = CASE WHEN target = $1 THEN $2 ELSE target END
         WHERE actor = $1 OR target = $1",
        &[&format!("user:{user_id}"), &format!("user:{anonymous_id}")],
    )
    .await?;
    tx.execute("DELETE FROM outbox WHERE user_id = $1", &[&user_id]).await?;
    super::moods::erase(tx, anonymous_id).await?;
    Ok(anonymous_id)
}

/// `Some(told)` if the player is banned (`told`: they already got the one message about it).
pub async fn ban_state(tx: &Transaction<'_>, user_id: i64) -> Result<Option<bool>, StoreError> {
    let stmt = tx.prepare_cached("SELECT ban_notified FROM users WHERE id = $1 AND banned_at IS NOT NULL").await?;
    Ok(tx.query_opt(&stmt, &[&user_id]).await?.map(|r| r.get(0)))
}

pub async fn ban_told(tx: &Transaction<'_>, user_id: i64) -> Result<(), StoreError> {
    let stmt = tx.prepare_cached("UPDATE users SET ban_notified = TRUE WHERE id = $1").await?;
    tx.execute(&stmt, &[&user_id]).await?;
    Ok(())
}

/// Ban (or lift the ban on) a player; `false` if there is no such player.
pub async fn set_banned(tx: &Transaction<'_>, user_id: i64, banned: bool) -> Result<bool, StoreError> {
    let stmt = tx
        .prepare_cached(
            "UPDATE users SET banned_at = CASE WHEN $2 THEN COALESCE(banned_at, now()) END, ban_notified = FALSE
             WHERE id = $1",
        )
        .await?;
    Ok(tx.execute(&stmt, &[&user_id, &banned]).await? == 1)
}

/// Whether a player is registered (and not erased).
pub async fn exists(tx: &Transaction<'_>, user_id: i64) -> Result<bool, StoreError> {
    let stmt = tx.prepare_cached("SELECT 1 FROM users WHERE id = $1 AND deleted_at IS NULL").await?;
    Ok(tx.query_opt(&stmt, &[&user_id]).await?.is_some())
}

/// A registered player's language (`Some(None)`: registered, no language known).
pub async fn language_of_registered(tx: &Transaction<'_>, user_id: i64) -> Result<Option<Option<String>>, StoreError> {
    let stmt = tx.prepare_cached("SELECT language_code FROM users WHERE id = $1 AND deleted_at IS NULL").await?;
    Ok(tx.query_opt(&stmt, &[&user_id]).await?.map(|r| r.get(0)))
}
