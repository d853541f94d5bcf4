//! Group commit: many users' updates share one transaction on one connection, and one `COMMIT`
//! makes them all durable at once (design §7). Each update takes a [`Seat`] in the open batch
//! of its lane, writes through the seat's [`Transaction`], and then waits in [`Seat::commit`]
//! until the whole batch has committed: nobody is answered before their effects are durable.
//!
//! Why it is faster: the seats of a batch send their statements over one connection at the same
//! time, so they are pipelined (no round trip waits for another), one backend does the work
//! instead of one per update, and the batch pays for one `BEGIN`/`COMMIT` and one WAL flush.
//!
//! The price: a batch commits or fails as a whole. When one update in it fails, the database
//! aborts the shared transaction and every seat gets [`StoreError::GroupAborted`]; the caller
//! retries those updates alone ([`GroupCommit::solo`]), so an innocent update is never failed
//! for another's fault. Each user's updates are applied one at a time by their actor, so no two
//! seats of a batch belong to the same user.
//!
//! The replies of a batch's seats are written together, by one `outbox` statement just before
//! the `COMMIT` ([`Seat::commit_with`]): the most frequent statement of all, made once per batch
//! instead of once per update.
//!
//! A batch takes new seats until it holds `max_seats`, or it has been open for `MAX_OPEN`, or
//! every seat in it has finished; then it commits as soon as its last seat finishes. Under a
//! light load a batch holds one update, which commits at once, exactly as it would alone.

use super::outbox::{self, Pending};
use super::{Connection, Pool, StoreError, Transaction};
use crate::domain::Outgoing;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};
use tokio::sync::{OnceCell, watch};

/// A batch older than this takes no more seats, so the first seat's wait stays bounded.
const MAX_OPEN: Duration = Duration::from_millis(10);

pub struct GroupCommit {
    pool: Pool,
    /// The open batch of each lane (lanes run side by side, on connections of their own).
    /// Weak: an ended batch is dropped with its last seat, and its connection goes back to the
    /// pool at once instead of waiting for the lane's next update.
    lanes: Box<[Mutex<Weak<Batch>>]>,
    max_seats: usize,
    /// How long a batch takes new seats: `MAX_OPEN`, or longer in tests that must not depend
    /// on how fast a loaded machine hands out connections.
    max_open: Duration,
    /// Tests: the next batch handed a seat rolls back, as if another update in it had failed.
    #[cfg(test)]
    abort_next: Arc<std::sync::atomic::AtomicBool>,
}

struct Batch {
    pool: Pool,
    /// Set once the transaction has begun.
    conn: OnceCell<Connection>,
    state: Mutex<BatchState>,
    /// `Some(true)` once committed, `Some(false)` once rolled back.
    outcome: watch::Sender<Option<bool>>,
}

struct BatchState {
    opened: Instant,
    seats: usize,
    running: usize,
    /// Takes no more seats.
    sealed: bool,
    /// A seat left without finishing (an error or a panic): the batch must roll back.
    poisoned: bool,
    /// The seats' replies, in the order they finished; written just before the `COMMIT`.
    replies: Vec<Pending>,
    /// The same replies with their outbox ids, once written; each seat takes its own range.
    written: Vec<Option<Outgoing>>,
}

/// One update's place in a batch. Dropped without [`commit`](Seat::commit), it rolls the
/// whole batch back: its statements may have left the shared transaction half done.
pub struct Seat {
    batch: Arc<Batch>,
    outcome: watch::Receiver<Option<bool>>,
    finished: bool,
    /// Where this seat's replies are in the batch's (start, count).
    replies: (usize, usize),
}

impl GroupCommit {
    /// `lanes` batches may fill at once; each holds at most `max_seats` updates (1: every update
    /// commits alone, the way a typical bot commits).
    pub fn new(pool: Pool, lanes: usize, max_seats: usize) -> GroupCommit {
        let lanes = (0..lanes.max(1)).map(|_| Mutex::new(Weak::new())).collect();
        GroupCommit {
            pool,
            lanes,
            max_seats: max_seats.max(1),
            max_open: MAX_OPEN,
            #[cfg(test)]
            abort_next: Default::default(),
        }
    }

    /// Tests: set it, and the next batch that hands out a seat rolls back (its seats get
    /// `GroupAborted`); it is cleared when used.
    #[cfg(test)]
    pub fn abort_switch(&self) -> Arc<std::sync::atomic::AtomicBool> {
        Arc::clone(&self.abort_next)
    }

    /// The same, with batches that take seats for `max_open` (tests).
    #[cfg(test)]
    pub fn with_max_open(self, max_open: Duration) -> GroupCommit {
        GroupCommit { max_open, ..self }
    }

    /// Batches that may fill at once.
    pub fn lanes(&self) -> usize {
        self.lanes.len()
    }

    /// A seat in `lane`'s open batch, or in a new batch when it has none that takes seats.
    pub async fn seat(&self, lane: usize) -> Result<Seat, StoreError> {
        if self.max_seats == 1 {
            return self.solo().await;
        }
        let seat = {
            let mut open = self.lanes[lane % self.lanes.len()].lock().unwrap_or_else(|p| p.into_inner());
            match open.upgrade().filter(|b| b.take_seat(self.max_seats, self.max_open)) {
                Some(batch) => Seat::new(batch),
                None => {
                    // Installed before its connection is ready, so updates arriving meanwhile
                    // join it instead of each opening a batch of their own.
                    let batch = Batch::new(self.pool.clone());
                    *open = Arc::downgrade(&batch);
                    Seat::new(batch)
                }
            }
        };
        #[cfg(test)]
        if self.abort_next.swap(false, std::sync::atomic::Ordering::SeqCst) {
            seat.batch.state.lock().unwrap_or_else(|p| p.into_inner()).poisoned = true;
        }
        seat.batch.connection().await?;
        Ok(seat)
    }

    /// A batch of one: for an update that failed in a batch and is tried again alone, or one
    /// that must never share (a payment).
    pub async fn solo(&self) -> Result<Seat, StoreError> {
        let seat = Seat::new(Batch::new(self.pool.clone()));
        seat.batch.connection().await?;
        Ok(seat)
    }
}

impl Batch {
    /// A new batch with its first seat taken; its connection comes with [`connection`].
    fn new(pool: Pool) -> Arc<Batch> {
        let state = BatchState {
            opened: Instant::now(),
            seats: 1,
            running: 1,
            sealed: false,
            poisoned: false,
            replies: Vec::new(),
            written: Vec::new(),
        };
        Arc::new(Batch { pool, conn: OnceCell::new(), state: Mutex::new(state), outcome: watch::channel(None).0 })
    }

    /// The batch's connection, inside its transaction: the first seat to ask begins it, and
    /// the others wait for it.
    async fn connection(&self) -> Result<&Connection, StoreError> {
        self.conn
            .get_or_try_init(|| async {
                let conn = self.pool.get().await?;
                conn.batch_execute("BEGIN").await?;
                Ok::<_, StoreError>(conn)
            })
            .await
    }

    fn take_seat(&self, max_seats: usize, max_open: Duration) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        // A poisoned batch will roll back: a new seat would only be applied again alone.
        if state.sealed || state.poisoned || state.seats >= max_seats || state.opened.elapsed() >= max_open {
            state.sealed = true;
            return false;
        }
        state.seats += 1;
        state.running += 1;
        true
    }

    /// A seat is done writing (`poison`: it failed), leaving `replies` to be written with the
    /// batch's; returns where they are among them. The last one out ends the batch.
    fn leave(self: &Arc<Batch>, poison: bool, replies: Vec<Pending>) -> (usize, usize) {
        let (mine, end) = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let mine = (state.replies.len(), replies.len());
            state.replies.extend(replies);
            state.running -= 1;
            state.poisoned |= poison;
            let end = if state.running == 0 {
                state.sealed = true;
                Some(!state.poisoned)
            } else {
                None
            };
            (mine, end)
        };
        if let Some(commit) = end {
            // On a task of its own, so the batch ends even if the seat's caller goes away.
            let batch = Arc::clone(self);
            tokio::spawn(async move { batch.end(commit).await });
        }
        mine
    }

    async fn end(&self, commit: bool) {
        let (seats, replies) = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            (state.seats, std::mem::take(&mut state.replies))
        };
        let Some(conn) = self.conn.get() else {
            // No transaction ever began (no connection could be had): nothing to end.
            self.outcome.send_replace(Some(false));
            return;
        };
        let committed = if commit {
            match self.write_replies(conn, replies).await {
                Ok(()) => true,
                Err(error) => {
                    crate::metrics::count_error("group_commit_failed");
                    tracing::error!(%error, seats, "a group commit failed; its updates are tried again alone");
                    // A failed outbox insert leaves the transaction open (a failed COMMIT ends
                    // it, and this is then a harmless warning): the connection must not go
                    // back to the pool inside it, holding the locks the retries need.
                    if let Err(error) = conn.batch_execute("ROLLBACK").await {
                        tracing::warn!(%error, "rolling back a failed group commit");
                    }
                    false
                }
            }
        } else {
            if let Err(error) = conn.batch_execute("ROLLBACK").await {
                tracing::warn!(%error, "rolling back a failed batch");
            }
            if seats > 1 {
                crate::metrics::count_error("group_commit_rolled_back");
            }
            false
        };
        crate::metrics::GROUP_COMMIT_SEATS.observe(seats as f64);
        self.outcome.send_replace(Some(committed));
    }

    /// The seats' replies in one statement, then `COMMIT`; the ids are kept for the seats.
    async fn write_replies(&self, conn: &Connection, replies: Vec<Pending>) -> Result<(), StoreError> {
        let written = outbox::insert(&Transaction::Client(conn), replies).await?;
        conn.batch_execute("COMMIT").await?;
        self.state.lock().unwrap_or_else(|p| p.into_inner()).written = written.into_iter().map(Some).collect();
        Ok(())
    }
}

impl Seat {
    fn new(batch: Arc<Batch>) -> Seat {
        let outcome = batch.outcome.subscribe();
        Seat { batch, outcome, finished: false, replies: (0, 0) }
    }

    /// Where this update writes.
    pub fn transaction(&self) -> Transaction<'_> {
        let conn = self.batch.conn.get().expect("a seat is handed out once its batch has begun");
        Transaction::Client(conn)
    }

    /// This update is done and has nothing to say: wait until its batch has committed.
    /// `GroupAborted` when the batch rolled back (another update in it failed): nothing of
    /// this update was kept.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.commit_with(Vec::new()).await.map(drop)
    }

    /// This update is done, and these replies are to be committed with its effects: wait until
    /// its batch has committed, and get them back with their outbox ids, in order.
    pub async fn commit_with(mut self, replies: Vec<Pending>) -> Result<Vec<Outgoing>, StoreError> {
        self.finished = true;
        self.replies = self.batch.leave(false, replies);
        let outcome = self.outcome.wait_for(Option::is_some).await.map(|o| *o);
        if !matches!(outcome, Ok(Some(true))) {
            return Err(StoreError::GroupAborted);
        }
        let (start, count) = self.replies;
        let mut state = self.batch.state.lock().unwrap_or_else(|p| p.into_inner());
        // Always there: one id per reply. Were it not, the rows are committed all the same, and
        // the outbox's sweep sends what nobody took.
        let mine = state.written.get_mut(start..start + count).unwrap_or_default();
        Ok(mine.iter_mut().filter_map(Option::take).collect())
    }
}

impl Drop for Seat {
    fn drop(&mut self) {
        if !self.finished {
            self.batch.leave(true, Vec::new());
        }
    }
}

#[cfg(test)]
#[path = "group_commit_tests.rs"]
mod tests;
