//! `UserDirectory`: the front door to user actors. Users are spread over one shard per core,
//! each shard on its own arbiter (thread), so different users run in parallel.

use super::apply::UpdateOutcome;
use super::shard::{CountLive, Deliver, PassivateAll, UserShard};
use super::{UserDeps, UserError};
use crate::domain::UserUpdate;
use crate::metrics::count_error;
use crate::store;
use actix::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Shards (and commit lanes) for the configured number: 0 means one per core.
pub fn shard_count(configured: usize) -> usize {
    match configured {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
}

/// Which of `n` shards (or commit lanes) a user belongs to.
pub(super) fn spread(user_id: i64, n: usize) -> usize {
    // Telegram ids are not uniformly spread in their low bits; mix them first.
    let mixed = (user_id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
    (mixed % n.max(1) as u64) as usize
}

#[derive(Clone)]
pub struct UserDirectory {
    shards: Arc<[Addr<UserShard>]>,
    arbiters: Arc<[ArbiterHandle]>,
    deps: Arc<UserDeps>,
    /// Database failures per update id, until the update succeeds or is abandoned.
    failures: Arc<Mutex<HashMap<i64, u32>>>,
    /// Updates delivered to each shard and not yet answered: its backlog.
    in_flight: Arc<[std::sync::atomic::AtomicUsize]>,
}

/// One shard (an arbiter's thread) as the dashboard shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ShardStats {
    pub live_actors: usize,
    /// Updates waiting or being applied in this shard.
    pub backlog: usize,
}

/// Counts an update in its shard's backlog until it is answered (or dropped).
struct InFlight<'a>(&'a std::sync::atomic::AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Database failures of one update before it is abandoned.
pub const MAX_STORE_FAILURES: u32 = 3;

impl UserDirectory {
    /// Start `shards` arbiters (0 means one per core), each with its shard actor.
    /// Must be called inside a running actix `System`.
    pub fn start(deps: UserDeps, shards: usize) -> UserDirectory {
        let n = shard_count(shards);
        let deps = Arc::new(deps);
        let mut addrs = Vec::with_capacity(n);
        let mut arbiters = Vec::with_capacity(n);
        for _ in 0..n {
            let arbiter = Arbiter::new().handle();
            let shard_deps = Arc::clone(&deps);
            addrs.push(UserShard::start_in_arbiter(&arbiter, move |_| UserShard::new(shard_deps)));
            arbiters.push(arbiter);
        }
        let in_flight = (0..n).map(|_| std::sync::atomic::AtomicUsize::new(0)).collect();
        UserDirectory { shards: addrs.into(), arbiters: arbiters.into(), deps, failures: Arc::default(), in_flight }
    }

    fn shard_index(&self, user_id: i64) -> usize {
        spread(user_id, self.shards.len())
    }

    /// Each shard's resident actors and backlog, right now.
    pub async fn shard_stats(&self) -> Vec<ShardStats> {
        let live = futures::future::join_all(self.shards.iter().map(|s| s.send(CountLive))).await;
        live.into_iter()
            .zip(self.in_flight.iter())
            .map(|(live, backlog)| ShardStats {
                live_actors: live.unwrap_or(0),
                backlog: backlog.load(std::sync::atomic::Ordering::Relaxed),
            })
            .collect()
    }

    /// Apply one update for its user and return the committed outcome.
    ///
    /// If the user's actor panics, the transaction rolled back and the actor restarts from
    /// Postgres, so the update is tried once more. An update that panics twice, or fails
    /// with a database error [`MAX_STORE_FAILURES`] times, is marked failed (processed, with
    /// no effect) and answered as [`UserError::Abandoned`]: otherwise one poisonous update
    /// would be redelivered forever and hold back every update behind it. While the database
    /// is down, marking fails too, and the error is returned for a later redelivery.
    pub async fn deliver(&self, update: UserUpdate) -> Result<UpdateOutcome, UserError> {
        let index = self.shard_index(update.identity.user_id);
        let shard = self.shards[index].clone();
        self.in_flight[index].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let _counted = InFlight(&self.in_flight[index]);
        let update_id = update.update_id;
        let is_payment = update.action.is_payment();
        // An update that failed before commits alone from then on, so it cannot take others
        // down with it again.
        let alone = update_id.is_some_and(|id| self.failed_before(id));
        let first = shard.send(Deliver { update: update.clone(), alone }).await.map_err(|_| UserError::Unavailable)?;
        // Its group failed for another update's fault (nothing of it was kept, and it is not to
        // blame), or its actor crashed: applied again at once, alone.
        let again = matches!(&first, Err(UserError::Crashed))
            || matches!(&first, Err(UserError::Store(e)) if e.is_group_abort());
        let result = if again {
            shard.send(Deliver { update, alone: true }).await.map_err(|_| UserError::Unavailable)?
        } else {
            first
        };
        let Some(update_id) = update_id else {
            return result;
        };
        // A payment is never abandoned: the money was taken. It is redelivered until it applies
        // (a database error is transient; the reconciler records a payment once).
        if is_payment && !matches!(result, Err(UserError::Crashed)) {
            if result.is_err() {
                count_error("payment_update_retry");
            }
            return result;
        }
        let failures = match &result {
            Err(UserError::Crashed) => MAX_STORE_FAILURES,
            Err(UserError::Store(_)) => self.note_failure(update_id),
            _ => {
                self.forget_failures(update_id);
                return result;
            }
        };
        if failures < MAX_STORE_FAILURES {
            return result;
        }
        let marked = async { store::updates::record_failure(&self.deps.pool.get().await?, update_id).await };
        match marked.await {
            Ok(()) => {
                self.forget_failures(update_id);
                count_error("abandoned_update");
                tracing::error!(update_id, error = ?result.err(), "update abandoned after repeated failures");
                Err(UserError::Abandoned)
            }
            Err(_) => result,
        }
    }

    fn failed_before(&self, update_id: i64) -> bool {
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        !failures.is_empty() && failures.contains_key(&update_id)
    }

    fn note_failure(&self, update_id: i64) -> u32 {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let n = failures.entry(update_id).or_insert(0);
        *n += 1;
        *n
    }

    fn forget_failures(&self, update_id: i64) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if !failures.is_empty() {
            failures.remove(&update_id);
        }
    }

    /// Save and stop every resident user actor (shutdown). Returns how many there were.
    pub async fn passivate_all(&self) -> usize {
        let all = self.shards.iter().map(|s| s.send(PassivateAll));
        futures::future::join_all(all).await.into_iter().map(|r| r.unwrap_or(0)).sum()
    }

    /// User actors resident right now.
    pub async fn live_actors(&self) -> usize {
        let all = self.shards.iter().map(|s| s.send(CountLive));
        futures::future::join_all(all).await.into_iter().map(|r| r.unwrap_or(0)).sum()
    }

    /// Stop the shard arbiters. Call after [`passivate_all`](Self::passivate_all).
    pub fn stop(&self) {
        for arbiter in self.arbiters.iter() {
            arbiter.stop();
        }
    }

    pub fn pool(&self) -> &store::Pool {
        &self.deps.pool
    }
}
