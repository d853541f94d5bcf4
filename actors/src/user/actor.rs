//! `UserActor`: one user's cached state, handling that user's updates strictly one at a time.

use super::apply::{UpdateOutcome, apply_update};
use super::flood::LocalFlood;
use super::{UserDeps, UserError};
use crate::domain::{Player, UserUpdate};
use crate::metrics::{USER_ACTOR_RESTARTS, count_error};
use crate::store;
use actix::prelude::*;
use chrono::{DateTime, Utc};
use futures::FutureExt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

pub struct UserActor {
    user_id: i64,
    deps: Arc<UserDeps>,
    /// `None` until loaded from Postgres; `Some(None)` for a user who has not registered.
    player: Option<Option<Player>>,
    /// Flood limit used while Redis is unreachable.
    flood: LocalFlood,
    /// Time of the latest update, written to Postgres when the actor passivates.
    last_seen: Option<DateTime<Utc>>,
}

impl UserActor {
    pub fn new(user_id: i64, deps: Arc<UserDeps>) -> UserActor {
        let flood = LocalFlood::new(deps.settings.flood_per_minute);
        UserActor { user_id, deps, player: None, flood, last_seen: None }
    }
}

impl Actor for UserActor {
    type Context = Context<Self>;
}

impl Supervised for UserActor {
    /// After a panic, forget everything cached: the next update reloads the user from Postgres,
    /// where only committed state exists.
    fn restarting(&mut self, _ctx: &mut Self::Context) {
        self.player = None;
        USER_ACTOR_RESTARTS.inc();
        tracing::warn!(user_id = self.user_id, "user actor restarted after a panic");
    }
}

/// Apply one update of this user. Answers after the effects are committed.
#[derive(Message)]
#[rtype(result = "Result<UpdateOutcome, UserError>")]
pub struct HandleUpdate {
    pub update: UserUpdate,
    /// Commit alone rather than in the group commit (see `store::group_commit`).
    pub alone: bool,
}

impl Handler<HandleUpdate> for UserActor {
    type Result = AtomicResponse<Self, Result<UpdateOutcome, UserError>>;

    fn handle(&mut self, msg: HandleUpdate, _ctx: &mut Self::Context) -> Self::Result {
        let deps = Arc::clone(&self.deps);
        let cached = self.player.take();
        let user_id = self.user_id;
        // Judged here for every user-sent update, so the fallback is warm when Redis goes away.
        let local = if msg.update.action.is_user_initiated() && msg.update.update_id.is_some() {
            self.flood.verdict()
        } else {
            crate::domain::flood::FloodVerdict::Allowed
        };
        let work = async move {
            let player = match cached {
                Some(p) => p,
                None => {
                    let loaded = async { store::users::load_player(&deps.pool.get().await?, user_id).await };
                    loaded.await.map_err(|e: store::StoreError| (None, e))?
                }
            };
            // A shared batch may roll back for another update's fault. Then Postgres holds what
            // it held before this update, and so does this copy: keeping it keeps what play
            // taught of the player since the last save (habits), which a reload would lose.
            let before = (!msg.alone).then(|| player.clone());
            apply_update(&deps, player, msg.update, local, msg.alone).await.map_err(|e| (before, e))
        };
        let guarded = AssertUnwindSafe(work).catch_unwind();
        AtomicResponse::new(Box::pin(guarded.into_actor(self).map(|result, act, ctx| match result {
            Ok(Ok((player, outcome))) => {
                act.player = Some(player);
                act.last_seen = Some(Utc::now());
                Ok(outcome)
            }
            Ok(Err((before, error))) => {
                // The transaction rolled back; the cache may be ahead of Postgres, so drop it,
                // unless the whole batch rolled back: then the copy from before is exact.
                act.player = if error.is_group_abort() { before } else { None };
                Err(UserError::Store(error))
            }
            Err(_panic) => {
                count_error("user_actor_panic");
                ctx.stop();
                Err(UserError::Crashed)
            }
        })))
    }
}

/// What a passivating actor had not saved: the time of the latest update, and what play taught
/// of the player (habits, and the archetype they refine) if that changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Unsaved {
    pub user_id: i64,
    pub last_seen: DateTime<Utc>,
    pub learned: Option<(serde_json::Value, Option<String>)>,
}

/// Hand over what is unsaved (registered users only). The actor stops once its shard has
/// dropped its address; the shard saves for many at once.
#[derive(Message)]
#[rtype(result = "Option<Unsaved>")]
pub struct Passivate;

impl Handler<Passivate> for UserActor {
    type Result = Option<Unsaved>;

    fn handle(&mut self, _msg: Passivate, _ctx: &mut Self::Context) -> Self::Result {
        let Some(Some(player)) = self.player.as_mut() else { return None };
        let last_seen = self.last_seen.take()?;
        let learned = player.context.take_unsaved_habits().and_then(|h| serde_json::to_value(h).ok());
        let learned = learned.map(|habits| (habits, player.archetype.clone()));
        Some(Unsaved { user_id: self.user_id, last_seen, learned })
    }
}
