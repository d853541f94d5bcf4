//! The outbox sender: the one place that sends messages to chats. It respects Telegram's
//! limits (a token bucket overall and one per chat), keeps each chat's messages in order,
//! waits out 429s, stops at 403, and deletes each outbox row once Telegram has accepted it.
//! A committed reply is never given up for a transient failure: rows left by a crash are sent
//! at the next start, and rows that never reached this sender are swept up while it runs.

use super::api::{Apis, CallFailure, TelegramApi};
use super::bucket::Bucket;
use super::media::StoryMedia;
use super::render::{Rendered, render};
use super::stripe_checkout::{SessionRequest, StripeCheckout};
use crate::paypal_api::PaypalApi;
use crate::telemetry::OUTBOX_QUEUED;
use diana_actors::domain::plans::CardProvider;
use diana_actors::domain::plans::STARS_SUBSCRIPTION_SECONDS;
use diana_actors::domain::{Action, Identity, Outgoing, Reply, UserUpdate};
use diana_actors::metrics::count_error;
use diana_actors::payments::paypal_reference;
use diana_actors::store::{self, Pool};
use diana_actors::story::StoryShelf;
use diana_actors::user::UserDirectory;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::time::Duration;
use teloxide::payloads::{
    AnswerPreCheckoutQuerySetters, CreateChatInviteLinkSetters, CreateInvoiceLinkSetters, SendDocumentSetters,
    SendMessageSetters, UnbanChatMemberSetters,
};
use teloxide::prelude::Requester;
use teloxide::types::{
    ChatId, InputFile, LabeledPrice, LinkPreviewOptions, ParseMode, PreCheckoutQueryId, Seconds, UserId,
};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;
use tokio::time::Instant;

/// Longest wait between two tries of a message that keeps failing transiently.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Rows older than this that the sender does not hold were committed by an update whose
/// outcome never reached us (a lost COMMIT reply, say): the sweep picks them up.
const ORPHAN_AGE: Duration = Duration::from_secs(30);
const SWEEP_EVERY: Duration = Duration::from_secs(15);
const PAGE: i64 = 5_000;

#[derive(Debug, Clone)]
pub struct OutboxLimits {
    pub global_per_sec: f64,
    pub per_chat_per_sec: f64,
    pub per_chat_burst: f64,
    pub max_in_flight: usize,
}

enum Command {
    Send(Vec<Outgoing>),
    /// The user wrote to us again (or unblocked us), so the chat is open.
    Reopened(i64),
    /// Answer `true` once nothing is queued or in flight, or `false` at the deadline.
    Drain(Instant, oneshot::Sender<bool>),
}

/// A handle to the sender task.
#[derive(Clone)]
pub struct Outbox {
    tx: mpsc::UnboundedSender<Command>,
}

impl Outbox {
    /// Start the sender. Rows an earlier run left unsent are queued first.
    pub async fn start(
        apis: Apis,
        pool: Pool,
        directory: UserDirectory,
        story: StoryShelf,
        checkouts: Checkouts,
        vip_channel: Option<i64>,
        limits: OutboxLimits,
    ) -> Result<Outbox, store::StoreError> {
        let (tx, rx) = mpsc::unbounded_channel();
        let media = Senders { media: StoryMedia::new(pool.clone(), story), checkouts, vip_channel, pool: pool.clone() };
        let mut sender = Sender::new(apis, pool, directory, media, limits);
        let leftover = sender.load_unsent(None).await?;
        if leftover > 0 {
            tracing::info!(count = leftover, "sending replies left unsent by an earlier run");
        }
        tokio::spawn(sender.run(rx));
        Ok(Outbox { tx })
    }

    pub fn send(&self, outgoing: Vec<Outgoing>) {
        if !outgoing.is_empty() {
            let _ = self.tx.send(Command::Send(outgoing));
        }
    }

    pub fn reopened(&self, chat_id: i64) {
        let _ = self.tx.send(Command::Reopened(chat_id));
    }

    /// Send what is queued until `timeout` passes; what is left stays in the outbox table for
    /// the next start. Returns whether everything went out.
    pub async fn drain(&self, timeout: Duration) -> bool {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Command::Drain(Instant::now() + timeout, done)).is_err() {
            return true;
        }
        // The sender answers at the deadline itself, after saving what it sent.
        tokio::time::timeout(timeout + Duration::from_secs(1), wait).await.is_ok_and(|r| r.unwrap_or(true))
    }
}

struct Lane {
    queue: VecDeque<Outgoing>,
    bucket: Bucket,
    busy: bool,
    not_before: Instant,
    attempts: u32,
}

/// The providers that open payment pages outside Telegram, each when configured.
#[derive(Clone, Default)]
pub struct Checkouts {
    pub stripe: Option<StripeCheckout>,
    pub paypal: Option<std::sync::Arc<PaypalApi>>,
}

impl Checkouts {
    /// A page where the player pays for our invoice, and the provider's id to ask about it later.
    async fn open(
        &self,
        provider: CardProvider,
        request: &SessionRequest<'_>,
    ) -> Option<Result<(url::Url, String), CallFailure>> {
        match provider {
            CardProvider::Stripe => Some(self.stripe.as_ref()?.create_session(request).await),
            CardProvider::Paypal => Some(
                self.paypal
                    .as_ref()?
                    .create_subscription(request.plan, request.payload)
                    .await
                    .map(|(page, id)| (page, paypal_reference(&id))),
            ),
        }
    }
}

/// What some messages need besides the Bot API: story pictures, payment pages, the VIP channel.
#[derive(Clone)]
struct Senders {
    media: StoryMedia,
    checkouts: Checkouts,
    vip_channel: Option<i64>,
    pool: Pool,
}

/// How long a VIP channel invite stays usable.
const INVITE_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::hours(1);

struct Sender {
    apis: Apis,
    media: Senders,
    pool: Pool,
    directory: UserDirectory,
    limits: OutboxLimits,
    lanes: HashMap<i64, Lane>,
    runnable: VecDeque<i64>,
    timers: BinaryHeap<Reverse<(Instant, i64)>>,
    global: Bucket,
    in_flight: JoinSet<Result<(), CallFailure>>,
    task_chats: HashMap<tokio::task::Id, i64>,
    blocked: HashSet<i64>,
    /// Row ids queued, in flight, or sent but not deleted yet.
    held: HashSet<i64>,
    done_ids: Vec<i64>,
    queued: usize,
    drains: Vec<(Instant, oneshot::Sender<bool>)>,
    pruned_at: Instant,
    swept_at: Instant,
}

impl Sender {
    fn new(apis: Apis, pool: Pool, directory: UserDirectory, media: Senders, limits: OutboxLimits) -> Sender {
        let now = Instant::now();
        // A small burst keeps the first second within the limit too.
        let global_burst = (limits.global_per_sec / 10.0).max(1.0);
        Sender {
            apis,
            media,
            pool,
            directory,
            global: Bucket::new(limits.global_per_sec, global_burst, now),
            limits,
            lanes: HashMap::new(),
            runnable: VecDeque::new(),
            timers: BinaryHeap::new(),
            in_flight: JoinSet::new(),
            task_chats: HashMap::new(),
            blocked: HashSet::new(),
            held: HashSet::new(),
            done_ids: Vec::new(),
            queued: 0,
            drains: Vec::new(),
            pruned_at: now,
            swept_at: now,
        }
    }

    /// Queue the rows in the table that this sender does not hold, page by page (all of them,
    /// or those older than `older_than`). Rows that no longer decode are logged and removed.
    async fn load_unsent(&mut self, older_than: Option<Duration>) -> Result<usize, store::StoreError> {
        let conn = self.pool.get().await?;
        let mut after = 0;
        let mut loaded = 0;
        loop {
            let page = store::outbox::unsent(&conn, after, older_than, PAGE).await?;
            let Some(last) = page.last_id else { break };
            after = last;
            for id in page.undecodable {
                count_error("outbox_undecodable");
                tracing::error!(outbox_id = id, "an outbox row no longer decodes; dropping it");
                self.done_ids.push(id);
            }
            let fresh: Vec<Outgoing> = page.rows.into_iter().filter(|o| !self.held.contains(&o.id)).collect();
            loaded += fresh.len();
            self.enqueue(fresh);
        }
        Ok(loaded)
    }

    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Command>) {
        let mut tick = tokio::time::interval(Duration::from_millis(50));
        loop {
            let wake = self.dispatch();
            tokio::select! {
                command = rx.recv() => match command {
                    Some(Command::Send(batch)) => self.enqueue(batch),
                    Some(Command::Reopened(chat)) => { self.blocked.remove(&chat); }
                    Some(Command::Drain(deadline, done)) => self.drains.push((deadline, done)),
                    None => break,
                },
                Some(joined) = self.in_flight.join_next_with_id(), if !self.in_flight.is_empty() => {
                    let (id, result) = match joined {
                        Ok((id, result)) => (id, result),
                        Err(error) => {
                            count_error("outbox_task");
                            tracing::error!(%error, "an outbox send task failed");
                            (error.id(), Err(CallFailure::Transient(error.to_string())))
                        }
                    };
                    if let Some(chat) = self.task_chats.remove(&id) {
                        self.finished(chat, result);
                    }
                },
                _ = tokio::time::sleep_until(wake) => {}
                _ = tick.tick() => self.housekeeping().await,
            }
            self.answer_drains().await;
        }
        self.flush_done().await;
    }

    async fn housekeeping(&mut self) {
        self.flush_done().await;
        let now = Instant::now();
        if now.duration_since(self.pruned_at) >= Duration::from_secs(1) {
            self.pruned_at = now;
            // Forget idle chats whose bucket is full again: they would start full anyway.
            self.lanes.retain(|_, lane| lane.busy || !lane.queue.is_empty() || !lane.bucket.is_full(now));
        }
        if now.duration_since(self.swept_at) >= SWEEP_EVERY {
            self.swept_at = now;
            match self.load_unsent(Some(ORPHAN_AGE)).await {
                Ok(0) => {}
                Ok(found) => tracing::warn!(found, "queued committed replies that had not reached the sender"),
                Err(error) => tracing::warn!(%error, "could not sweep the outbox"),
            }
        }
    }

    async fn answer_drains(&mut self) {
        if self.drains.is_empty() {
            return;
        }
        let idle = self.queued == 0 && self.in_flight.is_empty();
        let now = Instant::now();
        if idle || self.drains.iter().any(|(deadline, _)| *deadline <= now) {
            self.flush_done().await;
            let (ready, waiting): (Vec<_>, Vec<_>) =
                self.drains.drain(..).partition(|(deadline, _)| idle || *deadline <= now);
            self.drains = waiting;
            for (_, done) in ready {
                let _ = done.send(idle);
            }
        }
    }

    fn enqueue(&mut self, batch: Vec<Outgoing>) {
        let now = Instant::now();
        for out in batch {
            if !self.held.insert(out.id) && out.id != 0 {
                continue; // already queued (the sweep met a row we hold)
            }
            // Channel calls (approvals, removals) are about the channel, not the private chat.
            let channel_call = matches!(out.reply, Reply::ApproveJoin { .. } | Reply::VipRemove);
            if self.blocked.contains(&out.chat_id) && !channel_call {
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
    fn dispatch(&mut self) -> Instant {
        let now = Instant::now();
        let later = now + Duration::from_secs(3600);
        while let Some(Reverse((at, chat))) = self.timers.peek().copied() {
            if at > now {
                break;
            }
            self.timers.pop();
            self.runnable.push_back(chat);
        }
        let mut wake = self.drains.iter().map(|(d, _)| *d).min().unwrap_or(later);
        while self.in_flight.len() < self.limits.max_in_flight {
            self.global.refill(now);
            if self.global.tokens < 1.0 {
                wake = wake.min(self.global.ready_at(now));
                break;
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
            if !lane.bucket.try_take(now) {
                self.timers.push(Reverse((lane.bucket.ready_at(now), chat)));
                continue;
            }
            self.global.tokens -= 1.0;
            lane.busy = true;
            let Some(out) = lane.queue.front().cloned() else {
                continue;
            };
            let api = self.apis.for_chat(chat).clone();
            let media = self.media.clone();
            let task = self.in_flight.spawn(async move { send_one(&api, &media, &out).await });
            self.task_chats.insert(task.id(), chat);
        }
        wake.min(self.timers.peek().map_or(later, |Reverse((at, _))| *at))
    }

    fn finished(&mut self, chat: i64, result: Result<(), CallFailure>) {
        let now = Instant::now();
        let Some(lane) = self.lanes.get_mut(&chat) else {
            return;
        };
        lane.busy = false;
        let mut done = Vec::new();
        match result {
            Ok(()) => {
                lane.attempts = 0;
                done.extend(lane.queue.pop_front());
            }
            Err(CallFailure::RetryAfter(wait)) => {
                tracing::info!(chat_id = chat, wait_ms = wait.as_millis() as u64, "telegram asked us to wait (429)");
                lane.not_before = now + wait;
            }
            Err(CallFailure::Blocked) => {
                // Nothing more goes to this chat until the user writes to us again.
                done.extend(lane.queue.drain(..));
                self.blocked.insert(chat);
                tracing::info!(chat_id = chat, dropped = done.len(), "user blocked the bot; marking inactive");
                mark_inactive(self.directory.clone(), chat);
            }
            Err(CallFailure::Rejected(reason)) => {
                // Telegram refuses this message itself: sending it again would fail again.
                count_error("telegram_rejected");
                if let Some(out) = lane.queue.pop_front() {
                    tracing::error!(chat_id = chat, reply = out.reply.kind(), %reason, "telegram rejected a message");
                    done.push(out);
                }
            }
            Err(CallFailure::Transient(reason)) => {
                lane.attempts += 1;
                let backoff = Duration::from_millis(250u64 << lane.attempts.min(10)).min(MAX_BACKOFF);
                if lane.attempts == 3 {
                    count_error("telegram_unreachable");
                }
                tracing::warn!(chat_id = chat, attempts = lane.attempts, %reason, "sending failed; will retry");
                lane.not_before = now + backoff;
            }
        }
        if !lane.queue.is_empty() {
            self.runnable.push_back(chat);
        }
        self.queued -= done.len();
        self.done_ids.extend(done.into_iter().map(|o| o.id));
        OUTBOX_QUEUED.set(self.queued as i64);
    }

    async fn flush_done(&mut self) {
        if self.done_ids.is_empty() {
            return;
        }
        let ids = std::mem::take(&mut self.done_ids);
        let deleted = async { store::outbox::delete(&self.pool.get().await?, &ids).await };
        match deleted.await {
            Ok(()) => {
                for id in &ids {
                    self.held.remove(id);
                }
            }
            Err(error) => {
                // Kept for the next flush; at worst a restart sends these once more.
                count_error("outbox_delete");
                tracing::warn!(%error, "could not delete sent outbox rows");
                self.done_ids.extend(ids);
            }
        }
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

async fn send_one(api: &TelegramApi, senders: &Senders, out: &Outgoing) -> Result<(), CallFailure> {
    let chat = ChatId(out.chat_id);
    // Already queued here when its broadcast was cancelled: done, unsent.
    if let Reply::MessageFromTeam { broadcast: Some(id), .. } = &out.reply
        && crate::broadcast::is_cancelled(*id)
    {
        return Ok(());
    }
    match render(out) {
        Rendered::Text { text, keyboard } => {
            let mut request =
                api.bot.send_message(chat, text).parse_mode(ParseMode::Html).link_preview_options(LinkPreviewOptions {
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
        Rendered::Document { file_name, bytes, caption } => {
            let request = api
                .bot
                .send_document(chat, InputFile::memory(bytes).file_name(file_name))
                .caption(caption)
                .parse_mode(ParseMode::Html);
            api.call("sendDocument", request).await.map(drop)
        }
        Rendered::Photo { asset } => senders.media.send_photo(api, chat, &asset).await,
        Rendered::CardCheckout { plan, payload, provider } => {
            let terms = super::render_vip::card_terms(out.lang, &plan);
            let opened = match &terms {
                Some((name, eur_cents, recurring)) => {
                    let user_id = out.user_id.unwrap_or(out.chat_id);
                    let (eur_cents, recurring) = (*eur_cents, *recurring);
                    let request =
                        SessionRequest { user_id, plan: &plan, name, eur_cents, recurring, payload: &payload };
                    senders.checkouts.open(provider, &request).await
                }
                None => None,
            };
            let page = match opened {
                Some(Ok((page, reference))) => {
                    // Kept so the reconciler can ask the provider about it if no webhook comes.
                    let nonce = payload.rsplit(':').next().unwrap_or_default();
                    let kept = async {
                        store::payments::add_provider_ref(
                            &store::Transaction::Client(&*senders.pool.get().await?),
                            nonce,
                            &reference,
                        )
                        .await
                    };
                    if let Err(error) = kept.await {
                        tracing::warn!(%error, "could not keep the payment page's id");
                    }
                    Some(page)
                }
                // Worth another try later: the outbox retries with backoff.
                Some(Err(CallFailure::Transient(reason))) => return Err(CallFailure::Transient(reason)),
                Some(Err(failure)) => {
                    count_error(match provider {
                        CardProvider::Stripe => "stripe_checkout",
                        CardProvider::Paypal => "paypal_checkout",
                    });
                    tracing::error!(
                        ?failure,
                        provider = provider.as_str(),
                        "a provider refused to open a payment page"
                    );
                    None
                }
                None => None,
            };
            let (text, keyboard) = match page {
                Some(page) => super::render_vip::card_link(out.lang, &plan, provider, page),
                None => {
                    (super::texts::get(out.lang, "card_unavailable").to_owned(), super::render_vip::renew(out.lang))
                }
            };
            let request = api.bot.send_message(chat, text).parse_mode(ParseMode::Html).reply_markup(keyboard);
            api.call("sendMessage", request).await.map(drop)
        }
        Rendered::Invoice { plan, title, description, label, payload, stars, recurring } => {
            let prices = [LabeledPrice::new(label, stars)];
            if recurring {
                // Stars subscriptions are sold by link; Telegram renews them every 30 days.
                let request = api
                    .bot
                    .create_invoice_link(title, description, payload, "XTR", prices)
                    .subscription_period(Seconds::from_seconds(STARS_SUBSCRIPTION_SECONDS));
                let link: String = api.call("createInvoiceLink", request).await?;
                let url = url::Url::parse(&link).map_err(|e| CallFailure::Rejected(format!("invoice link: {e}")))?;
                let (text, keyboard) = super::render_vip::invoice_link(out.lang, &plan, stars, url);
                let request = api.bot.send_message(chat, text).parse_mode(ParseMode::Html).reply_markup(keyboard);
                api.call("sendMessage", request).await.map(drop)
            } else {
                // Stars invoices carry no provider token and exactly one price.
                let request = api.bot.send_invoice(chat, title, description, payload, "XTR", prices);
                api.call("sendInvoice", request).await.map(drop)
            }
        }
        Rendered::VipInvite => {
            let Some(channel) = senders.vip_channel else { return Ok(()) };
            // One person, one hour: a link passed on is worth nothing.
            let request = api
                .bot
                .create_chat_invite_link(ChatId(channel))
                .member_limit(1)
                .expire_date(chrono::Utc::now() + INVITE_LIFETIME)
                .name(format!("VIP {}", out.user_id.unwrap_or(out.chat_id)));
            // A 403 here means the bot may not invite to the channel, not that the player blocked us.
            let link = api.call("createChatInviteLink", request).await.map_err(|failure| match failure {
                CallFailure::Blocked => CallFailure::Rejected("the bot may not invite to the VIP channel".into()),
                other => other,
            })?;
            let url =
                url::Url::parse(&link.invite_link).map_err(|e| CallFailure::Rejected(format!("invite link: {e}")))?;
            let (text, keyboard) = super::render_vip::vip_invite(out.lang, url);
            let request = api.bot.send_message(chat, text).parse_mode(ParseMode::Html).reply_markup(keyboard);
            api.call("sendMessage", request).await.map(drop)
        }
        Rendered::ApproveJoin { channel_id } => {
            let Some(user) = out.user_id.and_then(|u| u64::try_from(u).ok()) else { return Ok(()) };
            let request = api.bot.approve_chat_join_request(ChatId(channel_id), UserId(user));
            match api.call("approveChatJoinRequest", request).await {
                // Withdrawn, already a member, or the bot lost its rights (a 403 here is about the
                // channel, not the user blocking us): nothing to retry.
                Ok(_) | Err(CallFailure::Rejected(_) | CallFailure::Blocked) => Ok(()),
                Err(other) => Err(other),
            }
        }
        Rendered::VipRemove => {
            let (Some(channel), Some(user)) = (senders.vip_channel, out.user_id.and_then(|u| u64::try_from(u).ok()))
            else {
                return Ok(());
            };
            let ban = api.bot.ban_chat_member(ChatId(channel), UserId(user));
            match api.call("banChatMember", ban).await {
                // Not a member (never joined, or left), or the bot lost its rights: nothing to do.
                Ok(_) | Err(CallFailure::Rejected(_) | CallFailure::Blocked) => {}
                Err(other) => return Err(other),
            }
            let unban = api.bot.unban_chat_member(ChatId(channel), UserId(user)).only_if_banned(true);
            match api.call("unbanChatMember", unban).await {
                Ok(_) | Err(CallFailure::Rejected(_) | CallFailure::Blocked) => {}
                Err(other) => return Err(other),
            }
            let user_id = out.user_id.unwrap_or_default();
            let noted = async { store::channels::member_removed(&senders.pool.get().await?, channel, user_id).await };
            if let Err(error) = noted.await {
                tracing::warn!(%error, "could not note a removal from the VIP channel");
            }
            Ok(())
        }
        Rendered::PreCheckout { query_id, error } => {
            let mut request = api.bot.answer_pre_checkout_query(PreCheckoutQueryId(query_id), error.is_none());
            if let Some(message) = error {
                request = request.error_message(message);
            }
            api.call("answerPreCheckoutQuery", request).await.map(drop)
        }
    }
}
