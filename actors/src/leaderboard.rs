//! `Leaderboard`: weekly, monthly and all-time boards of besitos earned, and the streak board,
//! as Redis sorted sets. Postgres is the truth: a board whose Redis keys are gone is rebuilt
//! from it, and while Redis is down every answer comes from Postgres. Scores in Redis are set
//! to absolute values recomputed from Postgres, so a repeated or late update never drifts.

use crate::domain::economy::Economy;
use crate::domain::leaderboard::{Board, Period, Row, Span, Standings, previous_span, redis_score, score_of, span_at};
use crate::metrics::count_error;
use crate::redis::Redis;
use crate::store::leaderboards::{self as store_lb, Standing};
use crate::store::{Pool, StoreError};
use crate::user::wallet::{self, Credited, Earning};
use actix::prelude::*;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use fred::prelude::*;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The boards kept, each with its period.
pub const BOARDS: [(Board, Period); 5] = [
    (Board::Points, Period::Week),
    (Board::Points, Period::Month),
    (Board::Points, Period::AllTime),
    (Board::Streak, Period::AllTime),
    (Board::Trivia, Period::AllTime),
];

const CHUNK: usize = 1_000;

/// How long a player's name, title and badge are shown from memory. The same top ten are
/// shown to everyone who opens a board, and reading their names for each view was a
/// statement per view. A new title shows on others' boards within this long; the asking
/// player's own row is always read fresh.
const NAMES_FRESH: Duration = Duration::from_secs(10);

/// Names kept before the stale ones are dropped.
const NAMES_KEPT: usize = 10_000;

/// Names shown recently, with when they were read (shared by the views, which run in turn).
type ShownNames = Arc<std::sync::Mutex<HashMap<i64, (store_lb::Shown, Instant)>>>;

pub struct Leaderboard {
    pool: Pool,
    redis: Redis,
    tz: Tz,
    economy: Arc<Economy>,
    dirty: HashSet<i64>,
    /// Redis lost updates while it was away: rebuild every board when it returns.
    stale: bool,
    names: ShownNames,
}

impl Leaderboard {
    pub fn new(pool: Pool, redis: Redis, tz: Tz, economy: Arc<Economy>) -> Leaderboard {
        // Boards whose keys exist are trusted at start (their markers say they were built);
        // missing ones are rebuilt on first use. A full rebuild of every board at each start
        // would hold the leaderboard for seconds with a million players.
        Leaderboard { pool, redis, tz, economy, dirty: HashSet::new(), stale: false, names: ShownNames::default() }
    }

    fn board_ctx(&self) -> BoardCtx {
        BoardCtx { pool: self.pool.clone(), redis: self.redis.clone(), tz: self.tz, names: Arc::clone(&self.names) }
    }
}

impl Actor for Leaderboard {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(Duration::from_millis(250), |_, ctx| ctx.notify(SyncDirty));
        ctx.notify(ClosePeriods { now: None });
        ctx.run_interval(Duration::from_secs(3600), |_, ctx| ctx.notify(ClosePeriods { now: None }));
    }
}

impl Supervised for Leaderboard {}

/// A player's earnings or streak changed (sent after the change committed).
#[derive(Message)]
#[rtype(result = "()")]
pub struct PlayerScored {
    pub user_id: i64,
}

impl Handler<PlayerScored> for Leaderboard {
    type Result = ();

    fn handle(&mut self, msg: PlayerScored, _ctx: &mut Self::Context) {
        self.dirty.insert(msg.user_id);
    }
}

/// Copy the changed players' scores into Redis now.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SyncDirty;

impl Handler<SyncDirty> for Leaderboard {
    type Result = AtomicResponse<Self, ()>;

    fn handle(&mut self, _msg: SyncDirty, _ctx: &mut Self::Context) -> Self::Result {
        let Some(client) = self.redis.client().cloned() else {
            // Postgres keeps the truth; Redis is rebuilt when it returns.
            self.dirty.clear();
            self.stale = true;
            return AtomicResponse::new(Box::pin(actix::fut::ready(())));
        };
        let ids: Vec<i64> = self.dirty.drain().collect();
        let stale = std::mem::replace(&mut self.stale, false);
        let ctx = self.board_ctx();
        AtomicResponse::new(Box::pin(
            async move {
                let now = Utc::now();
                for (board, period) in BOARDS {
                    let span = span_at(period, now, ctx.tz);
                    // Rebuilding a board of a million players takes seconds, so it is never done
                    // here for every board at once: a board missing its marker (new, lost, or
                    // stale after an outage) is rebuilt when someone asks for it.
                    let synced = async {
                        let marker = format!("{}:built", ctx.key(board, &span));
                        if stale {
                            let _: () = client.del(&marker).await?;
                        } else if !ids.is_empty() && client.exists::<i64, _>(&marker).await? == 1 {
                            ctx.set_scores(&client, board, &span, &ids).await?;
                        }
                        Ok::<_, SyncError>(())
                    };
                    if let Err(error) = synced.await {
                        count_error("leaderboard_sync");
                        tracing::warn!(%error, "leaderboard sync failed; will rebuild");
                        return true;
                    }
                }
                false
            }
            .into_actor(self)
            .map(|failed, act, _| act.stale |= failed),
        ))
    }
}

/// The board as a player sees it.
#[derive(Message)]
#[rtype(result = "Result<Standings, StoreError>")]
pub struct GetStandings {
    pub board: Board,
    pub period: Period,
    pub user_id: i64,
}

impl Handler<GetStandings> for Leaderboard {
    type Result = AtomicResponse<Self, Result<Standings, StoreError>>;

    fn handle(&mut self, msg: GetStandings, _ctx: &mut Self::Context) -> Self::Result {
        let period = if msg.board == Board::Points { msg.period } else { Period::AllTime };
        let ctx = self.board_ctx();
        let client = self.redis.client().cloned().filter(|_| !self.stale);
        AtomicResponse::new(Box::pin(
            async move {
                let span = span_at(period, Utc::now(), ctx.tz);
                if let Some(client) = client {
                    match ctx.read_redis(&client, msg.board, &span, msg.user_id).await {
                        Ok(standings) => return ctx.named(&msg, period, standings).await,
                        Err(error) => tracing::warn!(%error, "leaderboard read from redis failed; using postgres"),
                    }
                }
                let standings = ctx.read_postgres(msg.board, &span, msg.user_id).await?;
                ctx.named(&msg, period, standings).await
            }
            .into_actor(self),
        ))
    }
}

/// Close the periods that ended before `now`: archive their final standings and pay the top
/// places, once (the archive and idempotency keys make a second run change nothing).
#[derive(Message)]
#[rtype(result = "Result<usize, StoreError>")]
pub struct ClosePeriods {
    pub now: Option<DateTime<Utc>>,
}

impl Handler<ClosePeriods> for Leaderboard {
    type Result = AtomicResponse<Self, Result<usize, StoreError>>;

    fn handle(&mut self, msg: ClosePeriods, _ctx: &mut Self::Context) -> Self::Result {
        let (pool, tz, economy) = (self.pool.clone(), self.tz, Arc::clone(&self.economy));
        AtomicResponse::new(Box::pin(
            async move {
                let now = msg.now.unwrap_or_else(Utc::now);
                let mut closed = 0;
                for (period, rewards) in [
                    (Period::Week, &economy.leaderboard.week_rewards),
                    (Period::Month, &economy.leaderboard.month_rewards),
                ] {
                    let Some(span) = previous_span(period, now, tz) else {
                        continue;
                    };
                    if close(&pool, &economy, tz, &span, rewards).await? {
                        closed += 1;
                    }
                }
                Ok(closed)
            }
            .into_actor(self)
            .map(|result: Result<usize, StoreError>, _, _| {
                if let Err(error) = &result {
                    count_error("leaderboard_close");
                    tracing::error!(%error, "closing leaderboard periods failed");
                }
                result
            }),
        ))
    }
}

async fn close(pool: &Pool, economy: &Economy, tz: Tz, span: &Span, rewards: &[i64]) -> Result<bool, StoreError> {
    let mut conn = pool.get().await?;
    let top = store_lb::ordered(&conn, Board::Points, span, 0, rewards.len().max(10) as i64).await?;
    let tx = crate::store::begin(&mut conn).await?;
    // Serialise concurrent closers (several nodes, or a timer and a manual run).
    tx.execute("SELECT pg_advisory_xact_lock(hashtext('leaderboard_close'))", &[]).await?;
    if store_lb::is_archived(&tx, Board::Points, &span.key).await? {
        return Ok(false);
    }
    let mut paid = Vec::with_capacity(top.len());
    for (place, standing) in top.iter().enumerate() {
        let amount = rewards.get(place).copied().unwrap_or(0);
        if amount <= 0 {
            paid.push(0);
            continue;
        }
        let key = format!("leaderboard:{}:{}:{}", span.key, place + 1, standing.user_id);
        let earning = Earning {
            user_id: standing.user_id,
            action_type: "leaderboard_prize",
            base: amount,
            multiplied: false,
            key: &key,
            context: serde_json::json!({ "period": span.key, "rank": place + 1 }),
        };
        paid.push(match wallet::credit(&tx, economy, tz, earning).await? {
            Credited::Paid { amount, .. } => amount,
            _ => 0,
        });
    }
    let today = Utc::now().with_timezone(&tz).date_naive();
    for podium in top.iter().take(3) {
        crate::store::achievements::bump(&tx, podium.user_id, "podium_finishes", 1, today, false).await?;
    }
    store_lb::archive(&tx, Board::Points, &span.key, &top, &paid).await?;
    tx.commit().await?;
    tracing::info!(period = %span.key, places = top.len(), "leaderboard period closed");
    Ok(true)
}

#[derive(Debug, thiserror::Error)]
enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("redis: {0}")]
    Redis(#[from] fred::error::Error),
}

/// What the async parts of the handlers need.
struct BoardCtx {
    pool: Pool,
    redis: Redis,
    tz: Tz,
    names: ShownNames,
}

impl BoardCtx {
    fn key(&self, board: Board, span: &Span) -> String {
        self.redis.key(&["lb", store_lb::board_name(board), &span.key])
    }

    /// Rebuild the board if its keys are gone (a new or flushed Redis). Returns whether it did.
    async fn ensure_built(&self, client: &Client, board: Board, span: &Span) -> Result<bool, SyncError> {
        let marker = format!("{}:built", self.key(board, span));
        if client.exists::<i64, _>(&marker).await? == 1 {
            return Ok(false);
        }
        self.rebuild(client, board, span).await?;
        Ok(true)
    }

    async fn rebuild(&self, client: &Client, board: Board, span: &Span) -> Result<(), SyncError> {
        let key = self.key(board, span);
        let conn = self.pool.get().await.map_err(StoreError::from)?;
        let all = store_lb::ordered(&conn, board, span, 0, i64::MAX).await?;
        let building = format!("{key}:building");
        let _: () = client.del(&building).await?;
        for chunk in all.chunks(CHUNK) {
            let values: Vec<(f64, String)> =
                chunk.iter().map(|s| (self.encode(span, s), s.user_id.to_string())).collect();
            let _: () = client.zadd(&building, None, None, false, false, values).await?;
        }
        if all.is_empty() {
            let _: () = client.del(&key).await?;
        } else {
            let _: () = client.rename(&building, &key).await?;
        }
        let _: () = client.set(format!("{key}:built"), 1, None, None, false).await?;
        tracing::info!(board = %key, players = all.len(), "leaderboard rebuilt from postgres");
        Ok(())
    }

    fn encode(&self, span: &Span, s: &Standing) -> f64 {
        redis_score(span, s.score, s.minute)
    }

    async fn set_scores(&self, client: &Client, board: Board, span: &Span, ids: &[i64]) -> Result<(), SyncError> {
        let conn = self.pool.get().await.map_err(StoreError::from)?;
        let scores = store_lb::scores_of(&conn, board, span, ids).await?;
        let key = self.key(board, span);
        for chunk in scores.chunks(CHUNK) {
            let values: Vec<(f64, String)> =
                chunk.iter().map(|s| (self.encode(span, s), s.user_id.to_string())).collect();
            let _: () = client.zadd(&key, None, None, false, false, values).await?;
        }
        // A streak that fell to 0 leaves the streak board.
        let gone: Vec<String> =
            ids.iter().filter(|id| !scores.iter().any(|s| s.user_id == **id)).map(i64::to_string).collect();
        if !gone.is_empty() {
            let _: () = client.zrem(&key, gone).await?;
        }
        Ok(())
    }

    async fn read_redis(
        &self,
        client: &Client,
        board: Board,
        span: &Span,
        user_id: i64,
    ) -> Result<Vec<(Slot, Standing)>, SyncError> {
        self.ensure_built(client, board, span).await?;
        let key = self.key(board, span);
        // Sent together: one round trip instead of three.
        let (top, rank, players): (Vec<(String, f64)>, Option<i64>, i64) = tokio::try_join!(
            client.zrevrange(&key, 0, 9, true),
            client.zrevrank(&key, user_id.to_string(), false),
            client.zcard(&key),
        )?;
        let to_standing = |(member, raw): (String, f64)| Standing {
            user_id: member.parse().unwrap_or_default(),
            score: score_of(span, raw),
            minute: 0,
        };
        let mut rows: Vec<(Slot, Standing)> =
            top.into_iter().enumerate().map(|(i, m)| (Slot::Top(i as i64 + 1), to_standing(m))).collect();
        if let Some(rank) = rank {
            let first = (rank - 2).max(0);
            let around: Vec<(String, f64)> = client.zrevrange(&key, first, rank + 2, true).await?;
            rows.extend(
                around.into_iter().enumerate().map(|(i, m)| (Slot::Around(first + i as i64 + 1), to_standing(m))),
            );
        }
        rows.push((Slot::Players(players), Standing { user_id: 0, score: 0, minute: 0 }));
        Ok(rows)
    }

    async fn read_postgres(
        &self,
        board: Board,
        span: &Span,
        user_id: i64,
    ) -> Result<Vec<(Slot, Standing)>, StoreError> {
        let conn = self.pool.get().await?;
        let top = store_lb::ordered(&conn, board, span, 0, 10).await?;
        let mut rows: Vec<(Slot, Standing)> =
            top.into_iter().enumerate().map(|(i, s)| (Slot::Top(i as i64 + 1), s)).collect();
        let (me, players) = store_lb::rank_of(&conn, board, span, user_id).await?;
        if let Some((rank, _)) = me {
            // The same window as Redis: two places above and two below (0-based `place`).
            let place = rank - 1;
            let first = (place - 2).max(0);
            let around = store_lb::ordered(&conn, board, span, first, place + 3 - first).await?;
            rows.extend(around.into_iter().enumerate().map(|(i, s)| (Slot::Around(first + i as i64 + 1), s)));
        }
        rows.push((Slot::Players(players), Standing { user_id: 0, score: 0, minute: 0 }));
        Ok(rows)
    }

    async fn named(
        &self,
        asked: &GetStandings,
        period: Period,
        rows: Vec<(Slot, Standing)>,
    ) -> Result<Standings, StoreError> {
        let names = self.names_of(asked.user_id, &rows).await?;
        let row = |rank: i64, s: &Standing| {
            let (name, title, badge) = names.get(&s.user_id).cloned().unwrap_or_default();
            Row { rank, user_id: s.user_id, name, title, badge, score: s.score }
        };
        let mut out = Standings { board: asked.board, period, top: vec![], around: vec![], me: None, players: 0 };
        for (slot, s) in &rows {
            match slot {
                Slot::Top(rank) => out.top.push(row(*rank, s)),
                Slot::Around(rank) => out.around.push(row(*rank, s)),
                Slot::Players(n) => out.players = *n,
            }
        }
        out.me = out.around.iter().find(|r| r.user_id == asked.user_id).cloned();
        Ok(out)
    }

    /// Names, titles and badges of the players in `rows`: from memory when read within
    /// `NAMES_FRESH`, except the asking player's, and the rest in one statement.
    async fn names_of(
        &self,
        asking: i64,
        rows: &[(Slot, Standing)],
    ) -> Result<HashMap<i64, store_lb::Shown>, StoreError> {
        let mut names = HashMap::new();
        let missing: Vec<i64> = {
            let kept = self.names.lock().unwrap_or_else(|p| p.into_inner());
            rows.iter()
                .map(|(_, s)| s.user_id)
                .filter(|id| *id != 0)
                .filter(|id| match kept.get(id) {
                    Some((shown, at)) if *id != asking && at.elapsed() < NAMES_FRESH => {
                        names.insert(*id, shown.clone());
                        false
                    }
                    _ => true,
                })
                .collect()
        };
        if missing.is_empty() {
            return Ok(names);
        }
        let read = store_lb::names(&self.pool.get().await?, &missing).await?;
        let mut kept = self.names.lock().unwrap_or_else(|p| p.into_inner());
        if kept.len() > NAMES_KEPT {
            kept.retain(|_, (_, at)| at.elapsed() < NAMES_FRESH);
        }
        let now = Instant::now();
        for (id, shown) in &read {
            kept.insert(*id, (shown.clone(), now));
        }
        names.extend(read);
        Ok(names)
    }
}

/// Where a standing goes in the answer.
enum Slot {
    Top(i64),
    Around(i64),
    Players(i64),
}

#[cfg(test)]
#[path = "leaderboard_tests.rs"]
mod tests;
