//! Reads of players for the dashboard: search with filters, and everything on a player's page.

use super::{Connection, StoreError};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

/// (plan, provider, status, started, expires)
pub type SubscriptionRow = (String, String, String, DateTime<Utc>, DateTime<Utc>);
/// (chapter, knot, turn, playthrough, updated)
pub type Position = (Option<i32>, Option<String>, i64, i32, DateTime<Utc>);
/// (chapter, knot, choice, when)
pub type Decision = (Option<i32>, Option<String>, String, DateTime<Utc>);
/// (id, action, change, balance after, context, when)
pub type LedgerRow = (i64, String, i64, i64, Value, DateTime<Utc>);
/// (id, provider, external id, plan, amount, currency, status, when)
pub type PaymentRow = (i64, String, String, String, i64, String, String, DateTime<Utc>);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Filter {
    #[default]
    All,
    Vip,
    Blocked,
    Banned,
    Admin,
    Test,
}

impl Filter {
    pub const ALL: [(Filter, &'static str); 6] = [
        (Filter::All, "all"),
        (Filter::Vip, "vip"),
        (Filter::Blocked, "blocked"),
        (Filter::Banned, "banned"),
        (Filter::Admin, "admin"),
        (Filter::Test, "test"),
    ];

    pub fn parse(text: &str) -> Filter {
        Filter::ALL.iter().find(|(_, name)| *name == text).map_or(Filter::All, |(f, _)| *f)
    }

    pub fn name(self) -> &'static str {
        Filter::ALL.iter().find(|(f, _)| *f == self).map_or("all", |(_, name)| name)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub id: i64,
    pub first_name: String,
    pub username: Option<String>,
    pub balance: i64,
    pub streak: i32,
    pub last_seen_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub blocked: bool,
    pub banned: bool,
    pub test: bool,
    pub vip_plan: Option<String>,
}

/// A player as a list shows them: what `row` reads.
const ROW_SELECT: &str = "SELECT u.id, u.first_name, u.username, coalesce(g.available_points, 0),
        coalesce(g.current_streak, 0), u.last_seen_at, u.created_at, NOT u.is_active, u.banned_at IS NOT NULL,
        u.is_test, s.plan
     FROM users u
     LEFT JOIN user_gamification g ON g.user_id = u.id
     LEFT JOIN user_subscriptions s ON s.user_id = u.id AND s.status = 'active' AND s.expires_at > now()";

fn row(r: &tokio_postgres::Row) -> Row {
    Row {
        id: r.get(0),
        first_name: r.get(1),
        username: r.get(2),
        balance: r.get(3),
        streak: r.get(4),
        last_seen_at: r.get(5),
        created_at: r.get(6),
        blocked: r.get(7),
        banned: r.get(8),
        test: r.get(9),
        vip_plan: r.get(10),
    }
}

/// `%`, `_` and `\` typed by an admin are literal in a search.
fn literal(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Players matching `query` (an exact id, a username prefix with or without `@`, or part of the
/// name), most recently seen first.
pub async fn search(
    conn: &Connection,
    query: &str,
    filter: Filter,
    superadmins: &[i64],
    limit: i64,
    offset: i64,
) -> Result<Vec<Row>, StoreError> {
    let query = query.trim();
    let id: Option<i64> = query.parse().ok();
    let text = (!query.is_empty()).then(|| literal(query.trim_start_matches('@')));
    // One statement per filter, each a plain condition the planner can use an index for
    // (a CASE over all of them would scan every player).
    let filtered = match filter {
        Filter::All => "TRUE",
        Filter::Vip => "s.plan IS NOT NULL",
        Filter::Blocked => "NOT u.is_active",
        Filter::Banned => "u.banned_at IS NOT NULL",
        Filter::Admin => "u.id IN (SELECT user_id FROM admin_roles UNION SELECT unnest($3::bigint[]))",
        Filter::Test => "u.is_test",
    };
    // With a search term, each way of matching is its own branch, so each can use its index
    // (an OR of them all made the planner scan every player); the newest 1,000 of each are
    // enough for 20 pages.
    let matching = match &text {
        None => "TRUE",
        // Fewer than three letters are too short for the trigram indexes: names match from
        // their start then, which an ordinary index finds.
        Some(t) if t.chars().count() < 3 => {
            "u.id IN (
                SELECT id FROM users WHERE id = $2::bigint
                UNION ALL (SELECT id FROM users WHERE lower(username) LIKE lower($1) || '%'
                           ORDER BY last_seen_at DESC LIMIT 1000)
                UNION ALL (SELECT id FROM users WHERE lower(first_name) LIKE lower($1) || '%'
                           ORDER BY last_seen_at DESC LIMIT 1000))"
        }
        Some(_) => {
            "u.id IN (
                SELECT id FROM users WHERE id = $2::bigint
                UNION ALL (SELECT id FROM users WHERE lower(username) LIKE lower($1) || '%'
                           ORDER BY last_seen_at DESC LIMIT 1000)
                UNION ALL (SELECT id FROM users WHERE first_name ILIKE '%' || $1 || '%'
                           ORDER BY last_seen_at DESC LIMIT 1000)
                UNION ALL (SELECT id FROM users WHERE last_name ILIKE '%' || $1 || '%'
                           ORDER BY last_seen_at DESC LIMIT 1000))"
        }
    };
    let sql = format!(
        "{ROW_SELECT}
         WHERE u.deleted_at IS NULL AND ($3::bigint[] IS NOT NULL) AND {filtered} AND {matching}
           -- Always true: names every parameter's type in the variants that do not use it.
           AND ($1::text IS NULL OR $1::text IS NOT NULL) AND ($2::bigint IS NULL OR $2::bigint IS NOT NULL)
         ORDER BY u.last_seen_at DESC, u.id LIMIT $4 OFFSET $5"
    );
    // Not a cached statement: a fresh one is planned for this term (a cached, generic plan
    // cannot tell a rare name from a common one).
    let rows = conn.query(&sql, &[&text, &id, &superadmins, &limit, &offset]).await?;
    Ok(rows.iter().map(row).collect())
}

#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    pub row: Row,
    pub last_name: Option<String>,
    pub language_code: Option<String>,
    pub total_points: i64,
    pub longest_streak: i32,
    pub vip_multiplier: f64,
    pub referred_by: Option<i64>,
    pub role: Option<String>,
    pub subscription: Option<SubscriptionRow>,
    pub play: PlayProfile,
}

/// What the game learned of how someone plays (the dashboard's "how they play").
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PlayProfile {
    pub archetype: Option<String>,
    /// The quiz's shares, in `archetype::ARCHETYPES` order.
    pub personality: Option<[f64; 4]>,
    pub habits: crate::domain::habits::Habits,
    pub timezone: Option<String>,
    pub reminders: bool,
    pub reminded_on: Option<chrono::NaiveDate>,
    /// The latest mood read in their words: (mood, confidence, when).
    pub last_mood: Option<(String, f64, chrono::DateTime<chrono::Utc>)>,
}

pub async fn profile(conn: &Connection, user_id: i64) -> Result<Option<Profile>, StoreError> {
    let rows = search_one(conn, user_id).await?;
    let Some(row) = rows else { return Ok(None) };
    let r = conn
        .query_one(
            "SELECT u.last_name, u.language_code, coalesce(g.total_points, 0), coalesce(g.longest_streak, 0),
                    coalesce(g.vip_multiplier, 1.0), u.referred_by, (SELECT role FROM admin_roles WHERE user_id = u.id)
             FROM users u LEFT JOIN user_gamification g ON g.user_id = u.id WHERE u.id = $1",
            &[&user_id],
        )
        .await?;
    let subscription = conn
        .query_opt(
            "SELECT plan, provider, status, started_at, expires_at FROM user_subscriptions WHERE user_id = $1",
            &[&user_id],
        )
        .await?
        .map(|s| (s.get(0), s.get(1), s.get(2), s.get(3), s.get(4)));
    let play = conn
        .query_opt(
            "SELECT p.archetype, p.personality, p.habits, p.timezone, p.reminders, p.reminded_on,
                    (SELECT json_build_array(m.mood, m.confidence, m.created_at) FROM mood_readings m
                      WHERE m.user_id = p.user_id ORDER BY m.id DESC LIMIT 1)
             FROM user_profiles p WHERE p.user_id = $1",
            &[&user_id],
        )
        .await?
        .map(|p| {
            let personality: Option<serde_json::Value> = p.get(1);
            let last: Option<serde_json::Value> = p.get(6);
            PlayProfile {
                archetype: p.get(0),
                personality: personality.and_then(|v| crate::domain::archetype::shares(&v)),
                habits: serde_json::from_value(p.get(2)).unwrap_or_default(),
                timezone: p.get(3),
                reminders: p.get(4),
                reminded_on: p.get(5),
                last_mood: last.and_then(|l| serde_json::from_value(l).ok()),
            }
        })
        .unwrap_or_default();
    Ok(Some(Profile {
        row,
        last_name: r.get(0),
        language_code: r.get(1),
        total_points: r.get(2),
        longest_streak: r.get(3),
        vip_multiplier: r.get(4),
        referred_by: r.get(5),
        role: r.get(6),
        subscription,
        play,
    }))
}

async fn search_one(conn: &Connection, user_id: i64) -> Result<Option<Row>, StoreError> {
    let stmt = conn.prepare_cached(&format!("{ROW_SELECT} WHERE u.id = $1 AND u.deleted_at IS NULL")).await?;
    Ok(conn.query_opt(&stmt, &[&user_id]).await?.as_ref().map(row))
}

/// Ledger rows, newest first: (id, action, change, balance after, context, when).
pub async fn ledger(conn: &Connection, user_id: i64, limit: i64, offset: i64) -> Result<Vec<LedgerRow>, StoreError> {
    let stmt = conn
        .prepare_cached(
            "SELECT id, action_type, points_change, balance_after, context, created_at FROM points_transactions
             WHERE user_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
        )
        .await?;
    let rows = conn.query(&stmt, &[&user_id, &limit, &offset]).await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5))).collect())
}

/// (achievement, tier, reward, when).
pub async fn achievements(
    conn: &Connection,
    user_id: i64,
) -> Result<Vec<(String, i32, i64, DateTime<Utc>)>, StoreError> {
    let rows = conn
        .query(
            "SELECT achievement_id, tier, reward, unlocked_at FROM user_achievements WHERE user_id = $1
             ORDER BY unlocked_at DESC",
            &[&user_id],
        )
        .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect())
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct StoryView {
    /// (chapter, knot, turn, playthrough, updated)
    pub position: Option<Position>,
    /// (chapter, started, finished)
    pub chapters: Vec<(i32, DateTime<Utc>, Option<DateTime<Utc>>)>,
    /// (chapter, knot, choice, when), newest first
    pub decisions: Vec<Decision>,
    /// (character, score, friendship, romance, rivalry)
    pub relationships: Vec<(String, i32, i32, i32, i32)>,
}

pub async fn story(conn: &Connection, user_id: i64) -> Result<StoryView, StoreError> {
    let position = conn
        .query_opt(
            "SELECT chapter, knot, turn, playthrough, updated_at FROM user_story_state WHERE user_id = $1",
            &[&user_id],
        )
        .await?
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)));
    let chapters = conn
        .query(
            "SELECT chapter, started_at, finished_at FROM user_story_chapters WHERE user_id = $1 ORDER BY chapter",
            &[&user_id],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let decisions = conn
        .query(
            "SELECT chapter, knot, choice_text, created_at FROM story_decisions WHERE user_id = $1
             ORDER BY id DESC LIMIT 30",
            &[&user_id],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    let relationships = conn
        .query(
            "SELECT character, score, friendship, romance, rivalry FROM user_character_relationships
             WHERE user_id = $1 ORDER BY character",
            &[&user_id],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect();
    Ok(StoryView { position, chapters, decisions, relationships })
}

/// (id, provider, external id, plan, amount, currency, status, when), newest first.
pub async fn payments(conn: &Connection, user_id: i64) -> Result<Vec<PaymentRow>, StoreError> {
    let rows = conn
        .query(
            "SELECT id, provider, external_id, plan, amount, currency, status, created_at FROM payments
             WHERE user_id = $1 ORDER BY id DESC LIMIT 50",
            &[&user_id],
        )
        .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), r.get(6), r.get(7))).collect())
}
