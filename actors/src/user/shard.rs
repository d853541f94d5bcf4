//! `UserShard`: owns the user actors of one arbiter, starts them on demand and reaps idle ones.

use super::actor::{HandleUpdate, Passivate, Unsaved, UserActor};
use super::apply::UpdateOutcome;
use super::{UserDeps, UserError};
use crate::domain::UserUpdate;
use crate::metrics::{LIVE_USER_ACTORS, count_error};
use crate::store;
use actix::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Child {
    addr: Addr<UserActor>,
    /// Distinguishes a user's successive actors, so a late `Settled` finds the right one.
    generation: u64,
    last_active: Instant,
    /// Updates routed to the child and not answered yet: a busy child is never reaped.
    in_flight: u32,
}

pub(super) struct UserShard {
    deps: Arc<UserDeps>,
    children: HashMap<i64, Child>,
    generations: u64,
}

impl UserShard {
    pub(super) fn new(deps: Arc<UserDeps>) -> UserShard {
        UserShard { deps, children: HashMap::new(), generations: 0 }
    }

    fn child(&mut self, user_id: i64) -> &mut Child {
        let generation = self.generations + 1;
        let deps = &self.deps;
        let child = self.children.entry(user_id).or_insert_with(|| {
            LIVE_USER_ACTORS.inc();
            let deps = Arc::clone(deps);
            let addr = Supervisor::start(move |ctx: &mut Context<UserActor>| {
                ctx.set_mailbox_capacity(super::MAILBOX_CAPACITY);
                UserActor::new(user_id, deps)
            });
            Child { addr, generation, last_active: Instant::now(), in_flight: 0 }
        });
        if child.generation == generation {
            self.generations = generation;
        }
        child
    }

    /// Remove children idle for longer than the timeout; they hand over what is unsaved.
    fn reap_idle(&mut self) {
        let timeout = self.deps.settings.idle_timeout;
        let now = Instant::now();
        let idle: Vec<i64> = self
            .children
            .iter()
            .filter(|(_, c)| c.in_flight == 0 && now.duration_since(c.last_active) >= timeout)
            .map(|(id, _)| *id)
            .collect();
        if idle.is_empty() {
            return;
        }
        let reaped: Vec<Child> = idle.iter().filter_map(|id| self.children.remove(id)).collect();
        LIVE_USER_ACTORS.sub(reaped.len() as i64);
        let pool = self.deps.pool.clone();
        actix::spawn(async move {
            passivate(reaped, pool).await;
        });
    }
}

/// Passivate children and save what they held in one statement. Their addresses are dropped
/// here, so each actor stops once it has answered.
async fn passivate(children: Vec<Child>, pool: store::Pool) -> usize {
    let count = children.len();
    let answers = children.into_iter().map(|c| c.addr.send(Passivate));
    let unsaved: Vec<Unsaved> =
        futures::future::join_all(answers).await.into_iter().filter_map(|r| r.ok().flatten()).collect();
    let seen: Vec<_> = unsaved.iter().map(|u| (u.user_id, u.last_seen)).collect();
    let learned: Vec<_> = unsaved
        .into_iter()
        .filter_map(|u| u.learned.map(|(habits, archetype)| (u.user_id, habits, archetype)))
        .collect();
    let saved = async {
        let client = pool.get().await?;
        store::users::save_last_seen(&client, &seen).await?;
        store::users::save_habits(&client, &learned).await
    };
    if let Err(error) = saved.await {
        count_error("save_last_seen");
        tracing::warn!(%error, users = seen.len(), "could not save last_seen and habits on passivation");
    }
    count
}

impl Actor for UserShard {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let every = (self.deps.settings.idle_timeout / 2).clamp(Duration::from_millis(10), Duration::from_secs(30));
        ctx.run_interval(every, |shard, _| shard.reap_idle());
    }
}

/// Route an update to its user's actor, starting it if needed.
#[derive(Message)]
#[rtype(result = "Result<UpdateOutcome, UserError>")]
pub(super) struct Deliver {
    pub update: UserUpdate,
    /// Commit this update alone, not in a group (it failed in one, or must not share).
    pub alone: bool,
}

impl Handler<Deliver> for UserShard {
    type Result = ResponseFuture<Result<UpdateOutcome, UserError>>;

    fn handle(&mut self, msg: Deliver, ctx: &mut Self::Context) -> Self::Result {
        let user_id = msg.update.identity.user_id;
        let child = self.child(user_id);
        child.in_flight += 1;
        let generation = child.generation;
        // Sending here, not inside the future, keeps this user's updates in arrival order.
        let reply = child.addr.send(HandleUpdate { update: msg.update, alone: msg.alone });
        let shard = ctx.address();
        Box::pin(async move {
            let result = reply.await;
            shard.do_send(Settled { user_id, generation });
            result.map_err(|_| UserError::Unavailable)?
        })
    }
}

/// An update routed to a child was answered.
#[derive(Message)]
#[rtype(result = "()")]
struct Settled {
    user_id: i64,
    generation: u64,
}

impl Handler<Settled> for UserShard {
    type Result = ();

    fn handle(&mut self, msg: Settled, _ctx: &mut Self::Context) {
        if let Some(child) = self.children.get_mut(&msg.user_id).filter(|c| c.generation == msg.generation) {
            child.in_flight = child.in_flight.saturating_sub(1);
            child.last_active = Instant::now();
        }
    }
}

/// Passivate every child now (shutdown), and answer once all have been saved.
#[derive(Message)]
#[rtype(result = "usize")]
pub(super) struct PassivateAll;

impl Handler<PassivateAll> for UserShard {
    type Result = ResponseFuture<usize>;

    fn handle(&mut self, _msg: PassivateAll, _ctx: &mut Self::Context) -> Self::Result {
        let children: Vec<Child> = self.children.drain().map(|(_, c)| c).collect();
        LIVE_USER_ACTORS.sub(children.len() as i64);
        Box::pin(passivate(children, self.deps.pool.clone()))
    }
}

/// How many users this shard holds in memory.
#[derive(Message)]
#[rtype(result = "usize")]
pub(super) struct CountLive;

impl Handler<CountLive> for UserShard {
    type Result = usize;

    fn handle(&mut self, _msg: CountLive, _ctx: &mut Self::Context) -> usize {
        self.children.len()
    }
}
