//! The load tester's own Telegram Bot API, in process: it hands simulated players' updates to
//! the server (long polling, or webhook posts), takes the server's answers, checks each as
//! Telegram would, and tells the player what the bot said. Kept lean: one lock around plain
//! data, no per-call allocation beyond the JSON it must read and write.

use super::measure::Measure;
use super::players::{FIRST_ID, Input, Mix, Player};
use crate::telegram::standin::{self, ok, refuse};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use rand::Rng;
use serde_json::{Map, Value, json};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::Notify;

/// Telegram's limits, as it enforces them.
const MAX_TEXT: usize = 4096;
const MAX_CALLBACK_DATA: usize = 64;

#[derive(Debug)]
struct InFlight {
    player: u32,
    sent_at: Duration,
}

pub struct State {
    pub players: Vec<Player>,
    /// Updates for `getUpdates`, oldest first, until a later offset confirms them.
    queue: VecDeque<(i64, Value)>,
    next_update_id: i64,
    pub first_update_id: i64,
    next_message_id: i64,
    next_callback: u64,
    in_flight: HashMap<i64, InFlight>,
    /// Callback queries not answered yet, by id.
    callbacks: HashMap<u64, i64>,
    /// Update ids the server took: confirmed by a later `getUpdates` offset, or answered 200
    /// by the webhook. Telegram would deliver the others again.
    pub taken: Vec<bool>,
    pub sent: u64,
    /// Who sent each update and when (wall clock), by `update_id - first_update_id`. For the
    /// unsaved-state check: a player whose update the server took was seen then, and must
    /// have been saved. Not from the answers: a message cannot say which update it answers,
    /// and an update answered with two messages would credit the second to the player's next
    /// update, which the server may never have taken.
    origins: Vec<(u32, SystemTime)>,
    /// The highest update id handed to the server (served by `getUpdates` or posted): a
    /// message can answer only an update the server has.
    served_up_to: i64,
    /// Closed loop: players due to act, soonest first.
    due: BinaryHeap<Reverse<(Instant, u32)>>,
    pub measure: Measure,
}

impl State {
    pub fn unanswered_callbacks(&self) -> usize {
        self.callbacks.len()
    }

    pub fn awaiting(&self) -> usize {
        self.in_flight.len()
    }
}

/// The load: a fixed arrival rate, or each player waiting for the answer and thinking.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Load {
    Open { rate: f64 },
    Closed { think: Duration },
}

pub struct Sim {
    pub state: Mutex<State>,
    ready: Notify,
    /// When the load began (set as generation starts: the server may take a while to be ready).
    started: std::sync::OnceLock<Instant>,
    mix: Mix,
    load: Load,
    timeout: Duration,
    /// Webhook mode: updates go here to be posted.
    webhook: Option<tokio::sync::mpsc::UnboundedSender<(i64, Value)>>,
}

impl Sim {
    /// `first` is the first update id: Telegram's ids fit 32 bits, and a run against a database
    /// that has seen updates must start after them.
    pub fn new(users: usize, mix: Mix, load: Load, timeout: Duration, first: i64) -> Sim {
        let due = BinaryHeap::new();
        let state = State {
            players: vec![Player::default(); users],
            queue: VecDeque::new(),
            next_update_id: first,
            first_update_id: first,
            next_message_id: 1,
            next_callback: 1,
            in_flight: HashMap::new(),
            callbacks: HashMap::new(),
            taken: Vec::new(),
            sent: 0,
            origins: Vec::new(),
            served_up_to: first - 1,
            due,
            measure: Measure::default(),
        };
        let started = std::sync::OnceLock::new();
        Sim { state: Mutex::new(state), ready: Notify::new(), started, mix, load, timeout, webhook: None }
    }

    pub fn with_webhook(mut self, to: tokio::sync::mpsc::UnboundedSender<(i64, Value)>) -> Sim {
        self.webhook = Some(to);
        self
    }

    /// Time since the load began (zero before it does).
    pub fn elapsed(&self) -> Duration {
        self.started.get().map_or(Duration::ZERO, Instant::elapsed)
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Player `p` acts now.
    fn act(&self, state: &mut State, p: u32, rng: &mut impl rand::Rng) {
        let at = self.elapsed();
        let Some(player) = state.players.get_mut(p as usize) else { return };
        let (activity, input) = player.next_input(&self.mix, rng);
        let id = state.next_update_id;
        state.next_update_id += 1;
        state.sent += 1;
        let user_id = FIRST_ID + i64::from(p);
        let from = json!({"id": user_id, "is_bot": false, "first_name": format!("Sim {p}"), "language_code": "es"});
        let chat = json!({"id": user_id, "type": "private", "first_name": format!("Sim {p}")});
        let date = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let (update, callback) = match input {
            Input::Text(text) => {
                state.next_message_id += 1;
                let message = json!({"message_id": state.next_message_id, "date": date, "chat": chat, "from": from, "text": text});
                (json!({"update_id": id, "message": message}), None)
            }
            Input::Press { message_id, data } => {
                let cq = state.next_callback;
                state.next_callback += 1;
                let message = json!({"message_id": message_id, "date": date, "chat": chat,
                                     "from": {"id": 1, "is_bot": true, "first_name": "Diana"}, "text": "…"});
                let query = json!({"id": cq.to_string(), "from": from, "chat_instance": "sim", "data": data, "message": message});
                (json!({"update_id": id, "callback_query": query}), Some(cq))
            }
        };
        player.awaiting.push_back(id);
        if let Some(cq) = callback {
            state.callbacks.insert(cq, id);
        }
        state.in_flight.insert(id, InFlight { player: p, sent_at: at });
        state.origins.push((p, SystemTime::now()));
        state.measure.sent(at, activity.name());
        match &self.webhook {
            Some(webhook) => {
                let _ = webhook.send((id, update));
            }
            None => state.queue.push_back((id, update)),
        }
    }

    /// Generate load until `until`; returns when the time is up.
    pub async fn generate(self: Arc<Self>, until: Duration) {
        // A seeded generator that can cross awaits (the thread-local one cannot).
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(rand::random());
        let mut tick = tokio::time::interval(Duration::from_millis(2));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let begin = *self.started.get_or_init(Instant::now);
        let users = self.lock().players.len() as u32;
        if let Load::Closed { think } = self.load {
            let mut state = self.lock();
            for p in 0..users {
                // Arrivals spread over the first think time, so the start is not one burst.
                let offset = think.mul_f64(f64::from(p) / f64::from(users.max(1)));
                state.due.push(Reverse((begin + offset, p)));
            }
        }
        let mut sent = 0u64;
        let mut last_sweep = Duration::ZERO;
        loop {
            tick.tick().await;
            let now = self.elapsed();
            if now >= until {
                break;
            }
            {
                let mut state = self.lock();
                match self.load {
                    Load::Open { rate } => {
                        let target = (rate * now.as_secs_f64()) as u64;
                        while sent < target {
                            let p = rng.random_range(0..users.max(1));
                            self.act(&mut state, p, &mut rng);
                            sent += 1;
                        }
                    }
                    Load::Closed { .. } => {
                        let instant = Instant::now();
                        while let Some(Reverse((at, p))) = state.due.peek().copied() {
                            if at > instant {
                                break;
                            }
                            state.due.pop();
                            self.act(&mut state, p, &mut rng);
                        }
                    }
                }
                if now - last_sweep >= Duration::from_millis(500) {
                    last_sweep = now;
                    self.sweep(&mut state, now);
                }
            }
            self.ready.notify_waiters();
        }
    }

    /// Updates unanswered for longer than the timeout count as timeouts (and, in a closed
    /// loop, their player tries again after thinking).
    fn sweep(&self, state: &mut State, now: Duration) {
        let late: Vec<i64> = state
            .in_flight
            .iter()
            .filter(|(_, f)| now.saturating_sub(f.sent_at) > self.timeout)
            .map(|(id, _)| *id)
            .collect();
        for id in late {
            if let Some(f) = state.in_flight.remove(&id) {
                state.measure.timeouts += 1;
                if let Some(p) = state.players.get_mut(f.player as usize) {
                    p.awaiting.retain(|a| *a != id);
                }
                self.think(state, f.player);
            }
        }
    }

    /// Wait for what is still unanswered, up to the timeout; then count the rest as timeouts.
    pub async fn drain(&self) {
        let deadline = Instant::now() + self.timeout;
        while Instant::now() < deadline && self.lock().awaiting() > 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut state = self.lock();
        let left = state.in_flight.len() as u64;
        state.measure.timeouts += left;
        state.in_flight.clear();
    }

    fn think(&self, state: &mut State, p: u32) {
        if let Load::Closed { think } = self.load {
            let jitter = 0.5 + rand::random::<f64>();
            state.due.push(Reverse((Instant::now() + think.mul_f64(jitter), p)));
        }
    }

    /// The server answered player `p`: a message (with its keyboard) or a callback answer.
    fn answered(&self, state: &mut State, update: Option<i64>) {
        let at = self.elapsed();
        let Some(id) = update else { return };
        if let Some(f) = state.in_flight.remove(&id) {
            state.measure.answered(f.sent_at, at);
            if let Some(p) = state.players.get_mut(f.player as usize) {
                p.awaiting.retain(|a| *a != id);
            }
            self.think(state, f.player);
        }
    }

    fn message_to(&self, state: &mut State, chat: i64, buttons: Vec<String>) -> i64 {
        state.next_message_id += 1;
        let message_id = state.next_message_id;
        let index = chat - FIRST_ID;
        let served_up_to = state.served_up_to;
        let Some(player) = usize::try_from(index).ok().and_then(|i| state.players.get_mut(i)) else {
            state.measure.rejected("unknown_chat");
            return message_id;
        };
        player.saw(message_id, buttons);
        // The oldest unanswered update of this player is the one this message answers, if the
        // server has it; if not, the message is a second one for an update already answered.
        let oldest = player.awaiting.front().copied().filter(|id| *id <= served_up_to);
        self.answered(state, oldest);
        message_id
    }
}

impl State {
    /// When each player sent the latest update the server took (`None`: none), by player.
    pub fn latest_taken(&self) -> Vec<Option<SystemTime>> {
        let mut latest = vec![None; self.players.len()];
        for ((player, at), _) in self.origins.iter().zip(&self.taken).filter(|(_, taken)| **taken) {
            let slot: &mut Option<SystemTime> = &mut latest[*player as usize];
            *slot = (*slot).max(Some(*at));
        }
        latest
    }
}

fn mark_taken(state: &mut State, id: i64) {
    let index = (id - state.first_update_id) as usize;
    if state.taken.len() <= index {
        state.taken.resize(index + 1, false);
    }
    state.taken[index] = true;
}

/// The callback data of a message's inline keyboard; `Err` names what Telegram would refuse.
fn buttons(params: &Map<String, Value>) -> Result<Vec<String>, &'static str> {
    let mut out = Vec::new();
    for b in standin::keyboard_rows(params).iter().flatten() {
        if let Some(data) = b["callback_data"].as_str() {
            if data.is_empty() || data.len() > MAX_CALLBACK_DATA {
                return Err("callback_data_invalid");
            }
            out.push(data.to_owned());
        }
    }
    Ok(out)
}

/// Telegram's HTML rules (`telegram::html::visible_len`), and the length of the visible text.
fn check_text(text: &str) -> Result<(), &'static str> {
    match crate::telegram::html::visible_len(text) {
        Err(_) => Err("html_invalid"),
        Ok(0) => Err("text_empty"),
        Ok(visible) if visible > MAX_TEXT => Err("text_too_long"),
        Ok(_) => Ok(()),
    }
}

async fn handle(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
    sim: web::Data<Sim>,
) -> HttpResponse {
    let (_token, method) = path.into_inner();
    let method = method.to_ascii_lowercase();
    *sim.lock().measure.calls.entry(method.clone()).or_default() += 1;
    // Documents and photos come as forms; only who they go to matters here.
    let (fields, _upload) = standin::parameters(&req, &body);
    let chat = standin::number(&fields, "chat_id").unwrap_or(0);
    let keyboard = buttons(&fields);
    let params = Value::Object(fields);
    match method.as_str() {
        "getupdates" => get_updates(&sim, &params).await,
        "getme" => ok(json!({"id": 1, "is_bot": true, "first_name": "Diana", "username": "diana_bot",
            "can_join_groups": false, "can_read_all_group_messages": false, "supports_inline_queries": false})),
        "setmycommands"
        | "deletewebhook"
        | "setwebhook"
        | "answerprecheckoutquery"
        | "approvechatjoinrequest"
        | "banchatmember"
        | "unbanchatmember"
        | "refundstarpayment"
        | "edituserstarsubscription" => ok(json!(true)),
        "createinvoicelink" => ok(json!("https://t.me/$invoice-loadtest")),
        "createchatinvitelink" => ok(json!({"invite_link": "https://t.me/+loadtest",
            "creator": {"id": 1, "is_bot": true, "first_name": "Diana"}, "creates_join_request": false,
            "is_primary": false, "is_revoked": false})),
        "answercallbackquery" => {
            let id = params["callback_query_id"].as_str().and_then(|i| i.parse::<u64>().ok());
            let mut state = sim.lock();
            if params["text"].as_str().is_some_and(|t| t.chars().count() > 200) {
                state.measure.rejected("callback_answer_too_long");
                return refuse("Bad Request: MESSAGE_TOO_LONG");
            }
            let update = id.and_then(|id| state.callbacks.remove(&id));
            sim.answered(&mut state, update);
            ok(json!(true))
        }
        "sendmessage" | "editmessagetext" | "sendphoto" | "senddocument" => {
            let mut state = sim.lock();
            let keyboard = match keyboard {
                Ok(k) => k,
                Err(reason) => {
                    state.measure.rejected(reason);
                    return refuse(&format!("Bad Request: {reason}"));
                }
            };
            if let Some(text) = params["text"].as_str().or(params["caption"].as_str())
                && let Err(reason) = check_text(text)
            {
                state.measure.rejected(reason);
                return refuse(&format!("Bad Request: {reason}"));
            }
            let message_id = sim.message_to(&mut state, chat, keyboard);
            let mut message = standin::message(chat, "Sim", message_id, json!({}));
            if method == "sendphoto" {
                message["photo"] = json!([{"file_id": format!("photo-{message_id}"), "file_unique_id": "u", "width": 800, "height": 500}]);
            } else if method == "senddocument" {
                message["document"] = json!({"file_id": "doc", "file_unique_id": "d"});
            } else {
                message["text"] = params["text"].clone();
            }
            ok(message)
        }
        _ => {
            sim.lock().measure.rejected("unknown_method");
            HttpResponse::NotFound().json(json!({"ok": false, "error_code": 404, "description": "Not Found"}))
        }
    }
}

async fn get_updates(sim: &Sim, params: &Value) -> HttpResponse {
    let offset = params["offset"].as_i64().unwrap_or(0);
    let limit = params["limit"].as_u64().unwrap_or(100).clamp(1, 100) as usize;
    let timeout = Duration::from_secs(params["timeout"].as_u64().unwrap_or(0).min(10));
    let deadline = Instant::now() + timeout;
    loop {
        let waiter = sim.ready.notified();
        {
            let mut state = sim.lock();
            // Telegram's rule: asking from `offset` confirms every update below it.
            while let Some(id) = state.queue.front().map(|(id, _)| *id).filter(|id| *id < offset) {
                state.queue.pop_front();
                mark_taken(&mut state, id);
            }
            if !state.queue.is_empty() || Instant::now() >= deadline {
                let served: Vec<(i64, Value)> = state.queue.iter().take(limit).cloned().collect();
                if let Some((last, _)) = served.last() {
                    state.served_up_to = state.served_up_to.max(*last);
                }
                return ok(Value::Array(served.into_iter().map(|(_, u)| u).collect()));
            }
        }
        let _ = tokio::time::timeout(deadline.saturating_duration_since(Instant::now()), waiter).await;
    }
}

/// Serve the Bot API on `addr`; returns its URL and a handle to stop it.
pub fn serve(sim: Arc<Sim>, addr: std::net::SocketAddr) -> std::io::Result<(String, actix_web::dev::ServerHandle)> {
    let data = web::Data::from(sim);
    let listener = std::net::TcpListener::bind(addr)?;
    let url = format!("http://{}", listener.local_addr()?);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(20 * 1024 * 1024))
            .route("/bot{token}/{method}", web::post().to(handle))
            .route("/bot{token}/{method}", web::get().to(handle))
    })
    .workers(1)
    .backlog(4096)
    .max_connection_rate(4096)
    .disable_signals()
    .listen(listener)?
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    Ok((url, handle))
}

/// Posts of one update before the stand-in gives up on it, as Telegram does after a while.
const WEBHOOK_ATTEMPTS: u32 = 5;

/// Webhook mode: post each update to the server, many at once; a 200 means it took it. A
/// refused post (an error status, or no answer) is counted as an error and posted again after
/// a pause, as Telegram does, so the server also sees redeliveries of updates it may have
/// applied already; after `WEBHOOK_ATTEMPTS` the update is given up (and counted again).
pub async fn post_updates(
    sim: Arc<Sim>,
    updates: tokio::sync::mpsc::UnboundedReceiver<(i64, Value)>,
    url: String,
    secret: String,
) {
    post_updates_pausing(sim, updates, url, secret, Duration::from_millis(500)).await
}

async fn post_updates_pausing(
    sim: Arc<Sim>,
    mut updates: tokio::sync::mpsc::UnboundedReceiver<(i64, Value)>,
    url: String,
    secret: String,
    pause: Duration,
) {
    let client = reqwest::Client::builder().pool_max_idle_per_host(512).build().unwrap_or_default();
    let slots = Arc::new(tokio::sync::Semaphore::new(512));
    while let Some((id, update)) = updates.recv().await {
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else { break };
        let (client, url, secret, sim) = (client.clone(), url.clone(), secret.clone(), Arc::clone(&sim));
        {
            let mut state = sim.lock();
            state.served_up_to = state.served_up_to.max(id);
        }
        tokio::spawn(async move {
            for attempt in 1..=WEBHOOK_ATTEMPTS {
                let post = client.post(&url).header("X-Telegram-Bot-Api-Secret-Token", &secret).json(&update);
                let taken = post.send().await.is_ok_and(|r| r.status().is_success());
                let done = {
                    let mut state = sim.lock();
                    if taken {
                        mark_taken(&mut state, id);
                    } else {
                        state.measure.rejected("webhook_refused_by_server");
                        if attempt == WEBHOOK_ATTEMPTS {
                            state.measure.rejected("webhook_given_up");
                        }
                    }
                    taken || attempt == WEBHOOK_ATTEMPTS
                };
                if done {
                    break;
                }
                tokio::time::sleep(pause * attempt).await;
            }
            drop(slot);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telegram_would_refuse_bad_html_long_text_and_long_button_data() {
        assert_eq!(check_text("<b>Hola</b> &amp; <i>adiós</i>"), Ok(()));
        assert_eq!(check_text("<b>Hola"), Err("html_invalid"), "unbalanced");
        assert_eq!(check_text("<div>x</div>"), Err("html_invalid"), "not Telegram's tag");
        assert_eq!(check_text(&"a".repeat(4097)), Err("text_too_long"));
        assert_eq!(check_text(&format!("<b>{}</b>", "a".repeat(4096))), Ok(()), "tags do not count");
        let keyboard = json!({"reply_markup": {"inline_keyboard": [[{"text": "x", "callback_data": "1:g"}]]}});
        assert_eq!(buttons(keyboard.as_object().unwrap()), Ok(vec!["1:g".to_owned()]));
        let long = json!({"reply_markup": {"inline_keyboard": [[{"text": "x", "callback_data": "x".repeat(65)}]]}});
        assert_eq!(buttons(long.as_object().unwrap()), Err("callback_data_invalid"));
    }

    #[test]
    fn a_second_message_for_one_update_does_not_answer_the_next_and_only_taken_updates_were_seen() {
        let sim = Sim::new(1, Mix::default(), Load::Open { rate: 1.0 }, Duration::from_secs(10), 1);
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(7);
        let mut state = sim.lock();
        sim.act(&mut state, 0, &mut rng);
        sim.act(&mut state, 0, &mut rng);
        // The server has fetched update 1 only, and answers it with two messages.
        state.served_up_to = 1;
        sim.message_to(&mut state, FIRST_ID, Vec::new());
        sim.message_to(&mut state, FIRST_ID, Vec::new());
        assert!(!state.in_flight.contains_key(&1), "the first message answers update 1");
        assert!(state.in_flight.contains_key(&2), "the second does not answer update 2, which the server lacks");
        assert_eq!(state.latest_taken(), vec![None], "nothing taken yet");
        mark_taken(&mut state, 1);
        assert_eq!(state.latest_taken(), vec![Some(state.origins[0].1)], "seen when update 1 was sent, not 2");
        mark_taken(&mut state, 2);
        assert_eq!(state.latest_taken(), vec![Some(state.origins[1].1)]);
    }

    #[actix_web::test]
    async fn a_refused_webhook_post_is_counted_and_posted_again_until_taken() {
        use std::sync::atomic::{AtomicU32, Ordering};
        // A server that refuses each update's first two posts, as a busy one would.
        let posts = Arc::new(AtomicU32::new(0));
        let counted = Arc::clone(&posts);
        let server = actix_web::HttpServer::new(move || {
            let counted = Arc::clone(&counted);
            actix_web::App::new().default_service(actix_web::web::to(move || {
                let n = counted.fetch_add(1, Ordering::SeqCst);
                async move {
                    if n < 2 {
                        actix_web::HttpResponse::ServiceUnavailable().finish()
                    } else {
                        actix_web::HttpResponse::Ok().finish()
                    }
                }
            }))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let url = format!("http://{}/telegram/webhook", server.addrs()[0]);
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);

        let sim = Arc::new(Sim::new(1, Mix::default(), Load::Open { rate: 1.0 }, Duration::from_secs(10), 1));
        let (to_post, posted) = tokio::sync::mpsc::unbounded_channel();
        to_post.send((1, serde_json::json!({ "update_id": 1 }))).unwrap();
        drop(to_post);
        post_updates_pausing(Arc::clone(&sim), posted, url, "s".into(), Duration::from_millis(10)).await;
        for _ in 0..200 {
            if sim.lock().taken.first() == Some(&true) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        {
            let state = sim.lock();
            assert_eq!(state.taken.first(), Some(&true), "taken on the third post");
            assert_eq!(posts.load(Ordering::SeqCst), 3);
            assert_eq!(state.measure.rejected.get("webhook_refused_by_server"), Some(&2), "each refusal counted");
            assert_eq!(state.measure.rejected.get("webhook_given_up"), None);
        }
        handle.stop(true).await;
    }
}
