//! The broadcaster: queues a broadcast's messages through the outbox in batches, waiting for
//! the outbox to drain between them, so it goes out within Telegram's limits and never floods
//! memory. Its place is saved with every batch: a restart resumes it, a cancel stops it.

use diana_actors::achievements::ReplySink;
use diana_actors::domain::{Lang, Reply};
use diana_actors::store::{self, Pool, StoreError, broadcasts};
use std::time::Duration;

/// Players per batch.
const BATCH: i64 = 200;
/// Queue the next batch only once the outbox holds fewer replies than this.
const BACKLOG: i64 = 400;

/// Broadcasts cancelled while this process runs: their messages already handed to the outbox
/// are dropped there instead of sent (those still in the table are deleted at the cancel).
static CANCELLED: std::sync::LazyLock<std::sync::RwLock<std::collections::HashSet<i64>>> =
    std::sync::LazyLock::new(Default::default);

pub fn is_cancelled(broadcast: i64) -> bool {
    CANCELLED.read().unwrap_or_else(|p| p.into_inner()).contains(&broadcast)
}

/// Stop a broadcast: no more batches, and what is queued and unsent is taken back. `false` if
/// it was not running.
pub async fn cancel(pool: &Pool, broadcast: i64) -> Result<bool, StoreError> {
    let conn = pool.get().await?;
    let stopped = broadcasts::finish(&conn, broadcast, "cancelled").await?;
    // Taken back whenever it is cancelled, not only the first time: a cancel whose retract
    // failed is finished by the next one.
    let cancelled = stopped || broadcasts::get(&conn, broadcast).await?.is_some_and(|b| b.status == "cancelled");
    if cancelled {
        CANCELLED.write().unwrap_or_else(|p| p.into_inner()).insert(broadcast);
        let taken = store::outbox::retract_broadcast(&conn, broadcast).await?;
        tracing::info!(broadcast, taken_back = taken, "broadcast cancelled");
    }
    Ok(stopped)
}

#[derive(Clone)]
pub struct Broadcaster {
    pool: Pool,
    sink: ReplySink,
    /// Broadcasts this process is sending, so a resume and a start never run one twice here.
    running: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<i64>>>,
}

impl Broadcaster {
    pub fn new(pool: Pool, sink: ReplySink) -> Broadcaster {
        Broadcaster { pool, sink, running: std::sync::Arc::default() }
    }

    /// Pick up broadcasts a previous run left running.
    pub fn resume(&self) {
        let me = self.clone();
        tokio::spawn(async move {
            match async { broadcasts::running(&me.pool.get().await?).await }.await {
                Ok(ids) => ids.into_iter().for_each(|id| me.run(id)),
                Err(error) => tracing::error!(%error, "could not look for broadcasts to resume"),
            }
        });
    }

    pub fn run(&self, id: i64) {
        if !self.running.lock().unwrap_or_else(|p| p.into_inner()).insert(id) {
            return;
        }
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                match me.next_batch(id).await {
                    Ok(true) => {}
                    Ok(false) => {
                        me.running.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
                        return;
                    }
                    Err(error) => {
                        diana_actors::metrics::count_error("broadcast");
                        tracing::error!(broadcast = id, %error, "a broadcast batch failed; retrying");
                        tokio::time::sleep(Duration::from_secs(5)).await;
                    }
                }
            }
        });
    }

    /// Queue one batch; `false` once the broadcast is done or no longer running.
    async fn next_batch(&self, id: i64) -> Result<bool, StoreError> {
        while crate::telemetry::OUTBOX_QUEUED.get() > BACKLOG {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let mut conn = self.pool.get().await?;
        let Some(b) = broadcasts::get(&conn, id).await? else { return Ok(false) };
        if b.status != "running" {
            return Ok(false);
        }
        let members = broadcasts::members_after(&conn, &b.segment, b.inactive_days, b.last_user_id, BATCH).await?;
        let Some(last) = members.last().map(|(user, _)| *user) else {
            broadcasts::finish(&conn, id, "done").await?;
            tracing::info!(broadcast = id, queued = b.queued, "broadcast queued to everyone");
            return Ok(false);
        };
        let tx = diana_actors::store::begin(&mut conn).await?;
        let pending = members
            .iter()
            .map(|(user, lang)| store::outbox::Pending {
                chat_id: *user,
                user_id: Some(*user),
                lang: Lang::from_language_code(lang.as_deref()),
                reply: Reply::MessageFromTeam { text: b.text.clone(), broadcast: Some(id) },
            })
            .collect();
        let outgoing = store::outbox::insert(&tx, pending).await?;
        if !broadcasts::advance(&tx, id, b.last_user_id, last, members.len() as i32).await? {
            // Cancelled meanwhile, or another runner (another process) queued this batch: not again.
            return Ok(false);
        }
        tx.commit().await?;
        (self.sink)(outgoing);
        Ok(true)
    }
}
