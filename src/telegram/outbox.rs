//! The outbox sender: the one place that sends messages to chats. It respects Telegram's
//! limits (a token bucket overall and one per chat), keeps each chat's messages in order,
//! waits out 429s, stops at 403, and deletes each outbox row once Telegram has accepted it.
//! Rows left by a crash are sent at the next start, so a committed reply is never lost.

use super::api::{CallFailure, TelegramApi};
use super::render::{Rendered, render};
use crate::telemetry::OUTBOX_QUEUED;
use diana_actors::domain::{Action, Identity, Outgoing, UserUpdate};
use diana_actors::metrics::count_error;
use diana_actors::store::{self, Pool};
use diana_actors::user::UserDirectory;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::time::Duration;
use teloxide::payloads::{SendDocumentSetters, SendMessageSetters};
use teloxide::prelude::Requester;
use teloxide::types::{ChatId, InputFile, LinkPreviewOptions, ParseMode};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;
use tokio::time::Instant;

/// Transient failures of one message tried this many times are given up (and logged).
const MAX_ATTEMPTS: u32 = 6;

#[derive(Debug, Clone)]
pub struct OutboxLimits {
    pub global_per_sec: f64,
    pub per_chat_per_sec: f64,
    pub per_chat_burst: f64,
    pub max_in_flight: usize,
}

enum Command {
    Send(Vec<Outgoing>),
    /// The user wrote to us again, so the chat is open.
    Reopened(i64),
    /// Answer once nothing is queued or in flight.
    Drain(oneshot::Sender<()>),
}

/// A handle to the sender task.
#[derive(Clone)]
pub struct Outbox {
    tx: mpsc::UnboundedSender<Command>,
}

impl Outbox {
    /// Start the sender. Rows an earlier run left unsent are queued first.
    pub async fn start(
        api: TelegramApi,
        pool: Pool,
        directory: UserDirectory,
        limits: OutboxLimits,
    ) -> Result<Outbox, store::StoreError> {
        let leftover = store::outbox::unsent(&pool.get().await?, i64::MAX).await?;
        if !leftover.is_empty() {
            tracing::info!(
                count = leftover.len(),
                "sending replies left unsent by an earlier run"
            );
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let sender = Sender::new(api, pool, directory, limits);
        tokio::spawn(sender.run(rx));
        let outbox = Outbox { tx };
        outbox.send(leftover);
        Ok(outbox)
    }

    pub fn send(&self, outgoing: Vec<Outgoing>) {
        if !outgoing.is_empty() {
            let _ = self.tx.send(Command::Send(outgoing));
        }
    }

    pub fn reopened(&self, chat_id: i64) {
        let _ = self.tx.send(Command::Reopened(chat_id));
    }

    /// Wait until everything queued is sent, or `timeout` passes (what is left stays in the
    /// outbox table for the next start). Returns whether it drained.
    pub async fn drain(&self, timeout: Duration) -> bool {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Command::Drain(done)).is_err() {
            return true;
        }
        tokio::time::timeout(timeout, wait).await.is_ok()
    }
}

struct Bucket {
    tokens: f64,
    rate: f64,
    burst: f64,
    at: Instant,
}

impl Bucket {
    fn new(rate: f64, burst: f64, now: Instant) -> Bucket {
        Bucket {
            tokens: burst,
            rate,
            burst,
            at: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        self.tokens =
            (self.tokens + now.duration_since(self.at).as_secs_f64() * self.rate).min(self.burst);
        self.at = now;
    }

    /// When a token will be available (now if one is).
    fn ready_at(&self, now: Instant) -> Instant {
        if self.tokens >= 1.0 {
            now
        } else {
            now + Duration::from_secs_f64((1.0 - self.tokens) / self.rate)
        }
    }
}

struct Lane {
    queue: VecDeque<Outgoing>,
    bucket: Bucket,
    busy: bool,
    not_before: Instant,
    attempts: u32,
}

struct Sender {
    api: TelegramApi,
    pool: Pool,
    directory: UserDirectory,
    limits: OutboxLimits,
    lanes: HashMap<i64, Lane>,
    runnable: VecDeque<i64>,
    timers: BinaryHeap<Reverse<(Instant, i64)>>,
    global: Bucket,
    in_flight: JoinSet<(i64, Result<(), CallFailure>)>,
    blocked: HashSet<i64>,
    done_ids: Vec<i64>,
    queued: usize,
    drain_waiters: Vec<oneshot::Sender<()>>,
}

impl Sender {
    fn new(api: TelegramApi, pool: Pool, directory: UserDirectory, limits: OutboxLimits) -> Sender {
        let now = Instant::now();
        Sender {
            api,
            pool,
            directory,
            global: Bucket::new(limits.global_per_sec, limits.global_per_sec.max(1.0), now),
            limits,
            lanes: HashMap::new(),
            runnable: VecDeque::new(),
            timers: BinaryHeap::new(),
            in_flight: JoinSet::new(),
            blocked: HashSet::new(),
            done_ids: Vec::new(),
            queued: 0,
            drain_waiters: Vec::new(),
        }
    }

    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Command>) {
        let mut flush = tokio::time::interval(Duration::from_millis(50));
        loop {
            let wake = self.dispatch();
            tokio::select! {
                command = rx.recv() => match command {
                    Some(Command::Send(batch)) => self.enqueue(batch),
                    Some(Command::Reopened(chat)) => { self.blocked.remove(&chat); }
                    Some(Command::Drain(done)) => self.drain_waiters.push(done),
                    None => break,
                },
                Some(joined) = self.in_flight.join_next(), if !self.in_flight.is_empty() => match joined {
                    Ok((chat, result)) => self.finished(chat, result),
                    Err(error) => {
                        count_error("outbox_task");
                        tracing::error!(%error, "outbox send task failed");
                    }
                },
                _ = tokio::time::sleep_until(wake.unwrap_or_else(|| Instant::now() + Duration::from_secs(3600))) => {}
                _ = flush.tick() => self.flush_done().await,
            }
            if self.queued == 0 && self.in_flight.is_empty() && !self.drain_waiters.is_empty() {
                self.flush_done().await;
                for waiter in self.drain_waiters.drain(..) {
                    let _ = waiter.send(());
                }
            }
        }
        self.flush_done().await;
    }

    fn enqueue(&mut self, batch: Vec<Outgoing>) {
        let now = Instant::now();
        for out in batch {
            if self.blocked.contains(&out.chat_id) {
                self.done_ids.push(out.id);
                continue;
            }
            let (rate, burst) = (self.limits.per_chat_per_sec, self.limits.per_chat_burst);
            let lane = self.lanes.entry(out.chat_id).or_insert_with(|| Lane {
                queue: VecDeque::new(),
                bucket: Bucket::new(rate, burst, now),
                busy: false,
                not_before: now,
                attempts: 0,
            });
            if lane.queue.is_empty() {
                self.runnable.push_back(out.chat_id);
            }
            lane.queue.push_back(out);
            self.queued += 1;
        }
        OUTBOX_QUEUED.set(self.queued as i64);
    }

    /// Start every send the limits allow now; return when to look again.
    fn dispatch(&mut self) -> Option<Instant> {
        let now = Instant::now();
        while let Some(Reverse((at, chat))) = self.timers.peek().copied() {
            if at > now {
                break;
            }
            self.timers.pop();
            self.runnable.push_back(chat);
        }
        self.global.refill(now);
        while self.in_flight.len() < self.limits.max_in_flight {
            if self.global.tokens < 1.0 {
                return Some(self.global.ready_at(now).min(self.next_timer()));
            }
            let Some(chat) = self.runnable.pop_front() else {
                break;
            };
            let Some(lane) = self.lanes.get_mut(&chat) else {
                continue;
            };
            if lane.busy || lane.queue.is_empty() {
                continue;
            }
            if lane.not_before > now {
                self.timers.push(Reverse((lane.not_before, chat)));
                continue;
            }
            lane.bucket.refill(now);
            if lane.bucket.tokens < 1.0 {
                self.timers.push(Reverse((lane.bucket.ready_at(now), chat)));
                continue;
            }
            lane.bucket.tokens -= 1.0;
            self.global.tokens -= 1.0;
            lane.busy = true;
            let Some(out) = lane.queue.front().cloned() else {
                continue;
            };
            let api = self.api.clone();
            self.in_flight
                .spawn(async move { (chat, send_one(&api, &out).await) });
        }
        let next = self.next_timer();
        (next < now + Duration::from_secs(3600)).then_some(next)
    }

    fn next_timer(&self) -> Instant {
        self.timers.peek().map_or_else(
            || Instant::now() + Duration::from_secs(3600),
            |Reverse((at, _))| *at,
        )
    }

    fn finished(&mut self, chat: i64, result: Result<(), CallFailure>) {
        let now = Instant::now();
        let Some(lane) = self.lanes.get_mut(&chat) else {
            return;
        };
        lane.busy = false;
        match result {
            Ok(()) => {
                lane.attempts = 0;
                if let Some(out) = lane.queue.pop_front() {
                    self.done_ids.push(out.id);
                    self.queued -= 1;
                }
            }
            Err(CallFailure::RetryAfter(wait)) => {
                tracing::info!(
                    chat_id = chat,
                    wait_ms = wait.as_millis() as u64,
                    "telegram asked us to wait (429)"
                );
                lane.not_before = now + wait;
            }
            Err(CallFailure::Blocked) => {
                // Nothing more goes to this chat until the user writes to us again.
                let dropped = lane.queue.len();
                self.done_ids.extend(lane.queue.drain(..).map(|o| o.id));
                self.queued -= dropped;
                self.blocked.insert(chat);
                tracing::info!(
                    chat_id = chat,
                    dropped,
                    "user blocked the bot; marking inactive"
                );
                mark_inactive(self.directory.clone(), chat);
            }
            Err(CallFailure::Rejected(reason)) => {
                count_error("telegram_rejected");
                if let Some(out) = lane.queue.pop_front() {
                    tracing::error!(chat_id = chat, reply = out.reply.kind(), %reason, "telegram rejected a message");
                    self.done_ids.push(out.id);
                    self.queued -= 1;
                }
            }
            Err(CallFailure::Transient(reason)) => {
                lane.attempts += 1;
                if lane.attempts >= MAX_ATTEMPTS {
                    count_error("telegram_gave_up");
                    lane.attempts = 0;
                    if let Some(out) = lane.queue.pop_front() {
                        tracing::error!(chat_id = chat, reply = out.reply.kind(), %reason, "giving up on a message");
                        self.done_ids.push(out.id);
                        self.queued -= 1;
                    }
                } else {
                    lane.not_before = now + Duration::from_millis(250 << lane.attempts);
                }
            }
        }
        if !lane.queue.is_empty() {
            self.runnable.push_back(chat);
        }
        OUTBOX_QUEUED.set(self.queued as i64);
    }
}

/// A 403 is a user event: the user's actor records it, like a `my_chat_member` update.
fn mark_inactive(directory: UserDirectory, chat: i64) {
    tokio::spawn(async move {
        let update = UserUpdate {
            update_id: None,
            identity: Identity {
                user_id: chat,
                first_name: String::new(),
                last_name: None,
                username: None,
                language_code: None,
            },
            chat_id: chat,
            action: Action::BlockedBot,
        };
        if let Err(error) = directory.deliver(update).await {
            count_error("mark_inactive");
            tracing::error!(chat_id = chat, %error, "could not mark user inactive");
        }
    });
}

impl Sender {
    /// Forget idle chats whose bucket is full again: they would start full anyway.
    fn prune_lanes(&mut self) {
        let now = Instant::now();
        self.lanes.retain(|_, lane| {
            lane.bucket.refill(now);
            lane.busy || !lane.queue.is_empty() || lane.bucket.tokens < lane.bucket.burst
        });
    }

    async fn flush_done(&mut self) {
        self.prune_lanes();
        if self.done_ids.is_empty() {
            return;
        }
        let ids = std::mem::take(&mut self.done_ids);
        let deleted = async { store::outbox::delete(&self.pool.get().await?, &ids).await };
        if let Err(error) = deleted.await {
            // Kept for the next flush; at worst a restart sends these once more.
            count_error("outbox_delete");
            tracing::warn!(%error, "could not delete sent outbox rows");
            self.done_ids.extend(ids);
        }
    }
}

async fn send_one(api: &TelegramApi, out: &Outgoing) -> Result<(), CallFailure> {
    let chat = ChatId(out.chat_id);
    match render(out) {
        Rendered::Text { text, keyboard } => {
            let mut request = api
                .bot
                .send_message(chat, text)
                .parse_mode(ParseMode::Html)
                .link_preview_options(LinkPreviewOptions {
                    is_disabled: true,
                    url: None,
                    prefer_small_media: false,
                    prefer_large_media: false,
                    show_above_text: false,
                });
            if let Some(k) = keyboard {
                request = request.reply_markup(k);
            }
            api.call("sendMessage", request).await.map(drop)
        }
        Rendered::Document {
            file_name,
            bytes,
            caption,
        } => {
            let request = api
                .bot
                .send_document(chat, InputFile::memory(bytes).file_name(file_name))
                .caption(caption)
                .parse_mode(ParseMode::Html);
            api.call("sendDocument", request).await.map(drop)
        }
    }
}
