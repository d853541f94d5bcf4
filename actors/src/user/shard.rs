//! `UserShard`: owns the user actors of one arbiter, starts them on demand and reaps idle ones.

use super::actor::{HandleUpdate, Passivate, UserActor};
use super::apply::UpdateOutcome;
use super::{UserDeps, UserError};
use crate::domain::UserUpdate;
use crate::metrics::LIVE_USER_ACTORS;
use actix::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Child {
    addr: Addr<UserActor>,
    last_active: Instant,
}

pub(super) struct UserShard {
    deps: Arc<UserDeps>,
    children: HashMap<i64, Child>,
}

impl UserShard {
    pub(super) fn new(deps: Arc<UserDeps>) -> UserShard {
        UserShard {
            deps,
            children: HashMap::new(),
        }
    }

    fn child(&mut self, user_id: i64) -> Addr<UserActor> {
        let child = self.children.entry(user_id).or_insert_with(|| {
            LIVE_USER_ACTORS.inc();
            let deps = Arc::clone(&self.deps);
            Child {
                addr: Supervisor::start(move |ctx: &mut Context<UserActor>| {
                    ctx.set_mailbox_capacity(super::MAILBOX_CAPACITY);
                    UserActor::new(user_id, deps)
                }),
                last_active: Instant::now(),
            }
        });
        child.last_active = Instant::now();
        child.addr.clone()
    }

    /// Remove children idle for longer than the timeout and tell them to save and stop.
    fn reap_idle(&mut self) {
        let timeout = self.deps.settings.idle_timeout;
        let now = Instant::now();
        let idle: Vec<i64> = self
            .children
            .iter()
            .filter(|(_, c)| now.duration_since(c.last_active) >= timeout)
            .map(|(id, _)| *id)
            .collect();
        for user_id in idle {
            if let Some(child) = self.children.remove(&user_id) {
                LIVE_USER_ACTORS.dec();
                // do_send leaves no address behind, so the actor stops after saving.
                child.addr.do_send(Passivate);
            }
        }
    }
}

impl Actor for UserShard {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let every = (self.deps.settings.idle_timeout / 2)
            .clamp(Duration::from_millis(10), Duration::from_secs(30));
        ctx.run_interval(every, |shard, _| shard.reap_idle());
    }
}

/// Route an update to its user's actor, starting it if needed.
#[derive(Message)]
#[rtype(result = "Result<UpdateOutcome, UserError>")]
pub(super) struct Deliver {
    pub update: UserUpdate,
}

impl Handler<Deliver> for UserShard {
    type Result = ResponseFuture<Result<UpdateOutcome, UserError>>;

    fn handle(&mut self, msg: Deliver, _ctx: &mut Self::Context) -> Self::Result {
        let addr = self.child(msg.update.identity.user_id);
        // Sending here, not inside the future, keeps this user's updates in arrival order.
        let reply = addr.send(HandleUpdate { update: msg.update });
        Box::pin(async move { reply.await.map_err(|_| UserError::Unavailable)? })
    }
}

/// Passivate every child now (shutdown), and answer once all have saved.
#[derive(Message)]
#[rtype(result = "usize")]
pub(super) struct PassivateAll;

impl Handler<PassivateAll> for UserShard {
    type Result = ResponseFuture<usize>;

    fn handle(&mut self, _msg: PassivateAll, _ctx: &mut Self::Context) -> Self::Result {
        let children: Vec<Child> = self.children.drain().map(|(_, c)| c).collect();
        LIVE_USER_ACTORS.sub(children.len() as i64);
        let saving: Vec<_> = children.iter().map(|c| c.addr.send(Passivate)).collect();
        let count = saving.len();
        Box::pin(async move {
            futures::future::join_all(saving).await;
            count
        })
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
