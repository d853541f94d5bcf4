//! Leaderboards computed from the truth: earnings in `points_transactions`, streaks in
//! `user_gamification`; and `leaderboard_archive` for closed periods. Ordering matches the
//! Redis boards: score, then the minute it was reached, then the user id as text, descending.

use super::{StoreError, Transaction};
use crate::domain::leaderboard::{Board, Span};

use std::collections::HashMap;

/// One player's place on a board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub user_id: i64,
    pub score: i64,
    /// Minutes from the span's start to when the score was reached.
    pub minute: i64,
}

/// Earnings in [start, end), with the minute of the latest earning; or current streaks.
const POINTS: &str = "
    SELECT user_id, SUM(points_change)::BIGINT AS score,
           floor(extract(epoch FROM (max(created_at) - $1)) / 60)::BIGINT AS minute
    FROM points_transactions
    WHERE points_change > 0 AND user_id > 0 AND action_type NOT IN ('leaderboard_prize', 'admin_grant')
      AND created_at >= $1 AND ($2::TIMESTAMPTZ IS NULL OR created_at < $2)
      AND ($3::BIGINT[] IS NULL OR user_id = ANY($3))
    GROUP BY user_id";
const STREAK: &str = "
    SELECT user_id, current_streak::BIGINT AS score,
           (COALESCE(last_daily_claim - DATE '2020-01-01', 0) * 1440
             - floor(extract(epoch FROM ($1 - TIMESTAMPTZ '2020-01-01 00:00:00+00')) / 60))::BIGINT AS minute
    FROM user_gamification
    WHERE current_streak > 0 AND user_id > 0 AND ($2::TIMESTAMPTZ IS NULL OR TRUE)
      -- A streak not claimed yesterday or today is over (a day of slack for the timezone).
      AND last_daily_claim >= CURRENT_DATE - 2
      AND ($3::BIGINT[] IS NULL OR user_id = ANY($3))";
const TRIVIA: &str = "
    SELECT user_id, SUM(points_change)::BIGINT AS score,
           floor(extract(epoch FROM (max(created_at) - $1)) / 60)::BIGINT AS minute
    FROM points_transactions
    WHERE action_type = 'trivia' AND points_change > 0 AND user_id > 0 AND created_at >= $1
      AND ($2::TIMESTAMPTZ IS NULL OR created_at < $2)
      AND ($3::BIGINT[] IS NULL OR user_id = ANY($3))
    GROUP BY user_id";
const ORDER: &str = " ORDER BY score DESC, minute ASC, user_id::TEXT DESC";

fn base(board: Board) -> &'static str {
    match board {
        Board::Points => POINTS,
        Board::Streak => STREAK,
        Board::Trivia => TRIVIA,
    }
}

fn standing(row: &tokio_postgres::Row) -> Standing {
    Standing { user_id: row.get(0), score: row.get(1), minute: row.get(2) }
}

/// Scores of some players (absolute values, to set in Redis).
pub async fn scores_of(
    client: &deadpool_postgres::Client,
    board: Board,
    span: &Span,
    user_ids: &[i64],
) -> Result<Vec<Standing>, StoreError> {
    let stmt = client.prepare_cached(base(board)).await?;
    let rows = client.query(&stmt, &[&span.start, &span.end, &Some(user_ids)]).await?;
    Ok(rows.iter().map(standing).collect())
}

/// A slice of the board, best first.
pub async fn ordered(
    client: &deadpool_postgres::Client,
    board: Board,
    span: &Span,
    offset: i64,
    limit: i64,
) -> Result<Vec<Standing>, StoreError> {
    let sql = format!("SELECT * FROM ({}) s {ORDER} OFFSET $4 LIMIT $5", base(board));
    let stmt = client.prepare_cached(&sql).await?;
    let none: Option<Vec<i64>> = None;
    let rows = client.query(&stmt, &[&span.start, &span.end, &none, &offset, &limit]).await?;
    Ok(rows.iter().map(standing).collect())
}

/// A player's 1-based rank, their standing, and how many players the board has.
pub async fn rank_of(
    client: &deadpool_postgres::Client,
    board: Board,
    span: &Span,
    user_id: i64,
) -> Result<(Option<(i64, Standing)>, i64), StoreError> {
    let sql = format!(
        "WITH s AS ({}), me AS (SELECT * FROM s WHERE user_id = $4)
         SELECT me.user_id, me.score, me.minute,
                (SELECT count(*) FROM s WHERE s.score > me.score
                    OR (s.score = me.score AND (s.minute < me.minute
                        OR (s.minute = me.minute AND s.user_id::TEXT > me.user_id::TEXT)))) + 1,
                (SELECT count(*) FROM s)
         FROM me",
        base(board)
    );
    let stmt = client.prepare_cached(&sql).await?;
    let none: Option<Vec<i64>> = None;
    let row = client.query_opt(&stmt, &[&span.start, &span.end, &none, &user_id]).await?;
    match row {
        Some(r) => Ok((Some((r.get(3), standing(&r))), r.get(4))),
        None => {
            let sql = format!("SELECT count(*) FROM ({}) s", base(board));
            let stmt = client.prepare_cached(&sql).await?;
            let total: i64 = client.query_one(&stmt, &[&span.start, &span.end, &none]).await?.get(0);
            Ok((None, total))
        }
    }
}

/// How a player appears on a board: name, title item, active VIP plan.
pub type Shown = (String, Option<String>, Option<String>);

/// Display names, titles and VIP badges of some players.
pub async fn names(client: &deadpool_postgres::Client, user_ids: &[i64]) -> Result<HashMap<i64, Shown>, StoreError> {
    let stmt = client
        .prepare_cached(
            // Subqueries, not joins: the generic plan of a join chose to scan every profile
            // for the ten names of a board (0.8 ms a call under load).
            "SELECT u.id, u.first_name,
                    (SELECT p.title_item FROM user_profiles p WHERE p.user_id = u.id),
                    (SELECT s.plan FROM user_subscriptions s
                      WHERE s.user_id = u.id AND s.status = 'active' AND s.expires_at > now() LIMIT 1)
             FROM users u WHERE u.id = ANY($1)",
        )
        .await?;
    Ok(client.query(&stmt, &[&user_ids]).await?.iter().map(|r| (r.get(0), (r.get(1), r.get(2), r.get(3)))).collect())
}

/// Whether a closed period's standings were archived already.
pub async fn is_archived(tx: &Transaction<'_>, board: Board, period_key: &str) -> Result<bool, StoreError> {
    let stmt = tx.prepare_cached("SELECT 1 FROM leaderboard_archive WHERE board = $1 AND period = $2 LIMIT 1").await?;
    Ok(tx.query_opt(&stmt, &[&board_name(board), &period_key]).await?.is_some())
}

/// Archive the final standings; `rewards` holds what each place was paid.
pub async fn archive(
    tx: &Transaction<'_>,
    board: Board,
    period_key: &str,
    standings: &[Standing],
    rewards: &[i64],
) -> Result<(), StoreError> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO leaderboard_archive (board, period, rank, user_id, score, rewarded)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .await?;
    for (i, s) in standings.iter().enumerate() {
        let rank = i as i32 + 1;
        let rewarded = rewards.get(i).copied().unwrap_or(0);
        tx.execute(&stmt, &[&board_name(board), &period_key, &rank, &s.user_id, &s.score, &rewarded]).await?;
    }
    Ok(())
}

pub fn board_name(board: Board) -> &'static str {
    match board {
        Board::Points => "points",
        Board::Streak => "streak",
        Board::Trivia => "trivia",
    }
}
