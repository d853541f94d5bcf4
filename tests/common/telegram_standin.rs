//! A Telegram Bot API stand-in: a small HTTP server that teloxide talks to through
//! `TELEGRAM_API_URL`. It serves `getUpdates` long polling, records every call, refuses what
//! Telegram refuses (bad HTML, text over 4096 characters, callback data over 64 bytes), and can
//! answer 429 or 403 on demand.

use super::html_check::visible_len;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// One Bot API call as the stand-in saw it.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub params: Value,
    /// `None` if accepted, else the error code returned.
    pub refused: Option<u16>,
    pub at: Instant,
}

impl Call {
    pub fn chat_id(&self) -> Option<i64> {
        match &self.params["chat_id"] {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }
    pub fn text(&self) -> &str {
        self.params["text"].as_str().unwrap_or("")
    }
    /// The callback data of every inline button of the message.
    /// Each inline button's text and callback data (a URL button gives its URL instead).
    pub fn buttons(&self) -> Vec<(String, String)> {
        let markup = match &self.params["reply_markup"] {
            Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
            v => v.clone(),
        };
        markup["inline_keyboard"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|row| row.as_array().into_iter().flatten())
            .map(|b| {
                let data = b["callback_data"].as_str().or(b["url"].as_str()).unwrap_or("");
                (b["text"].as_str().unwrap_or("").to_owned(), data.to_owned())
            })
            .collect()
    }
}

#[derive(Debug, Clone)]
pub enum Failure {
    RetryAfter(u32),
    Blocked,
}

#[derive(Default)]
pub struct Inner {
    pending: VecDeque<Value>,
    /// Updates served again regardless of the offset (a lost confirmation, simulated).
    redeliveries: VecDeque<Value>,
    served: HashMap<i64, Value>,
    next_update_id: i64,
    /// The highest offset the bot has confirmed (every update below it is confirmed).
    pub confirmed_offset: i64,
    pub calls: Vec<Call>,
    one_shot: HashMap<i64, VecDeque<Failure>>,
    blocked: HashSet<i64>,
    next_message_id: i64,
    next_callback_id: i64,
}

pub struct Standin {
    pub url: String,
    state: Arc<(Mutex<Inner>, Notify)>,
    server: actix_web::dev::ServerHandle,
}

/// A Telegram user as updates describe them.
#[derive(Debug, Clone)]
pub struct TgUser {
    pub id: i64,
    pub first_name: String,
    pub language_code: String,
}

impl TgUser {
    pub fn new(id: i64, first_name: &str) -> TgUser {
        TgUser { id, first_name: first_name.into(), language_code: "es".into() }
    }
    pub fn english(mut self) -> TgUser {
        self.language_code = "en".into();
        self
    }
    fn json(&self) -> Value {
        json!({"id": self.id, "is_bot": false, "first_name": self.first_name, "language_code": self.language_code})
    }
    fn chat(&self) -> Value {
        json!({"id": self.id, "type": "private", "first_name": self.first_name})
    }
}

impl Standin {
    pub async fn start() -> Standin {
        let state: Arc<(Mutex<Inner>, Notify)> = Arc::new(Default::default());
        state.0.lock().unwrap().next_update_id = 1000;
        let data = web::Data::from(state.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(50 * 1024 * 1024))
                .route("/bot{token}/{method}", web::post().to(handle))
                .route("/bot{token}/{method}", web::get().to(handle))
        })
        .workers(2)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Standin { url, state, server: handle }
    }

    fn push(&self, make: impl FnOnce(i64, &mut Inner) -> Value) -> i64 {
        let mut inner = self.state.0.lock().unwrap();
        inner.next_update_id += 1;
        let id = inner.next_update_id;
        let update = make(id, &mut inner);
        inner.pending.push_back(update);
        drop(inner);
        self.state.1.notify_waiters();
        id
    }

    /// The user writes `text` (a command or free text). Returns the update id.
    pub fn send_text(&self, user: &TgUser, text: &str) -> i64 {
        self.push(|id, inner| {
            inner.next_message_id += 1;
            json!({"update_id": id, "message": {
                "message_id": inner.next_message_id, "date": now(), "chat": user.chat(), "from": user.json(), "text": text
            }})
        })
    }

    /// The user presses an inline button carrying `data`.
    pub fn press(&self, user: &TgUser, data: &str) -> i64 {
        self.push(|id, inner| {
            inner.next_callback_id += 1;
            json!({"update_id": id, "callback_query": {
                "id": format!("cq{}", inner.next_callback_id), "from": user.json(), "chat_instance": "ci", "data": data,
                "message": {"message_id": 1, "date": now(), "chat": user.chat(), "text": "menu",
                            "from": {"id": 1, "is_bot": true, "first_name": "Diana"}}
            }})
        })
    }

    /// The user asks to join a channel.
    pub fn join_request(&self, user: &TgUser, channel_id: i64) -> i64 {
        self.push(|id, _| {
            json!({"update_id": id, "chat_join_request": {
                "chat": {"id": channel_id, "type": "channel", "title": "Los Kinkys"},
                "from": user.json(), "user_chat_id": user.id, "date": now()
            }})
        })
    }

    /// The user joins a channel.
    pub fn joins(&self, user: &TgUser, channel_id: i64) -> i64 {
        self.push(|id, _| {
            json!({"update_id": id, "chat_member": {
                "chat": {"id": channel_id, "type": "channel", "title": "El Diván"},
                "from": user.json(), "date": now(),
                "old_chat_member": {"user": user.json(), "status": "left"},
                "new_chat_member": {"user": user.json(), "status": "member"}
            }})
        })
    }

    /// The user reacts to a channel post with `emoji`.
    pub fn react(&self, user: &TgUser, channel_id: i64, message_id: i64, emoji: &str) -> i64 {
        self.push(|id, _| {
            json!({"update_id": id, "message_reaction": {
                "chat": {"id": channel_id, "type": "channel", "title": "Los Kinkys"},
                "message_id": message_id, "user": user.json(), "date": now(),
                "old_reaction": [], "new_reaction": [{"type": "emoji", "emoji": emoji}]
            }})
        })
    }

    /// The user is about to pay an invoice: Telegram asks the bot first.
    pub fn pre_checkout(&self, user: &TgUser, payload: &str, currency: &str, total: u32) -> i64 {
        self.push(|id, _| {
            json!({"update_id": id, "pre_checkout_query": {
                "id": format!("pcq{id}"), "from": user.json(), "currency": currency, "total_amount": total,
                "invoice_payload": payload
            }})
        })
    }

    /// The payment went through: Telegram sends a service message with `successful_payment`.
    pub fn successful_payment(
        &self,
        user: &TgUser,
        payload: &str,
        total: u32,
        charge_id: &str,
        recurring: bool,
    ) -> i64 {
        self.push(|id, inner| {
            inner.next_message_id += 1;
            let mut payment = json!({"currency": "XTR", "total_amount": total, "invoice_payload": payload,
                "telegram_payment_charge_id": charge_id, "provider_payment_charge_id": ""});
            // Every payment of a subscription is recurring; the first one says so too.
            payment["is_recurring"] = json!(true);
            payment["subscription_expiration_date"] = json!(now() + 2_592_000);
            if !recurring {
                payment["is_first_recurring"] = json!(true);
            }
            json!({"update_id": id, "message": {
                "message_id": inner.next_message_id, "date": now(), "chat": user.chat(), "from": user.json(),
                "successful_payment": payment
            }})
        })
    }

    /// The user blocks (`kicked`) or unblocks (`member`) the bot.
    pub fn chat_member(&self, user: &TgUser, status: &str) -> i64 {
        self.push(|id, _| {
            let bot = json!({"id": 1, "is_bot": true, "first_name": "Diana"});
            let new = if status == "kicked" {
                json!({"user": bot, "status": "kicked", "until_date": 0})
            } else {
                json!({"user": bot, "status": status})
            };
            json!({"update_id": id, "my_chat_member": {
                "chat": user.chat(), "from": user.json(), "date": now(),
                "old_chat_member": {"user": bot, "status": "member"}, "new_chat_member": new
            }})
        })
    }

    /// Deliver an update again with the same id, as Telegram does after a lost confirmation.
    pub fn redeliver(&self, update_id: i64) {
        let mut inner = self.state.0.lock().unwrap();
        let original = inner.served.get(&update_id).cloned().expect("update was served before");
        inner.redeliveries.push_back(original);
        drop(inner);
        self.state.1.notify_waiters();
    }

    /// The next message to this chat is answered 429 with `retry_after` seconds.
    pub fn fail_next(&self, chat_id: i64, failure: Failure) {
        self.state.0.lock().unwrap().one_shot.entry(chat_id).or_default().push_back(failure);
    }

    /// Every message to this chat is refused with 403, as if the user blocked the bot.
    pub fn block(&self, chat_id: i64) {
        self.state.0.lock().unwrap().blocked.insert(chat_id);
    }

    pub fn unblock(&self, chat_id: i64) {
        self.state.0.lock().unwrap().blocked.remove(&chat_id);
    }

    pub fn calls(&self) -> Vec<Call> {
        self.state.0.lock().unwrap().calls.clone()
    }

    /// Accepted messages (sendMessage, sendDocument, sendPhoto) to a chat, in order.
    pub fn messages_to(&self, chat_id: i64) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| matches!(c.method.as_str(), "sendMessage" | "sendDocument" | "sendPhoto"))
            .filter(|c| c.refused.is_none() && c.chat_id() == Some(chat_id))
            .collect()
    }

    /// Every call refused with a 400, which Diana should never cause.
    pub fn bad_requests(&self) -> Vec<Call> {
        self.calls().into_iter().filter(|c| c.refused == Some(400)).collect()
    }

    pub fn confirmed_offset(&self) -> i64 {
        self.state.0.lock().unwrap().confirmed_offset
    }

    /// Wait until `check` returns `Some`, or panic with `what` after `timeout`.
    pub async fn wait_for<T>(&self, what: &str, timeout: Duration, check: impl Fn(&Standin) -> Option<T>) -> T {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(found) = check(self) {
                return found;
            }
            if Instant::now() > deadline {
                panic!("timed out after {timeout:?} waiting for {what}; calls: {:#?}", self.calls());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Wait until `n` messages to `chat_id` were accepted; returns them.
    pub async fn wait_messages(&self, chat_id: i64, n: usize) -> Vec<Call> {
        self.wait_for(&format!("{n} messages to {chat_id}"), Duration::from_secs(15), |s| {
            let m = s.messages_to(chat_id);
            (m.len() >= n).then_some(m)
        })
        .await
    }

    /// Messages to a chat that answer the player, without the achievement notices that
    /// arrive on their own schedule (they are tested separately).
    pub fn replies_to(&self, chat_id: i64) -> Vec<Call> {
        let notice = |c: &Call| {
            ["Logro desbloqueado", "Achievement unlocked", "Misión cumplida", "Mission accomplished"]
                .iter()
                .any(|n| c.text().contains(n))
        };
        self.messages_to(chat_id).into_iter().filter(|c| !notice(c)).collect()
    }

    /// Wait until `n` replies (see [`replies_to`](Self::replies_to)) reached `chat_id`.
    pub async fn wait_replies(&self, chat_id: i64, n: usize) -> Vec<Call> {
        self.wait_for(&format!("{n} replies to {chat_id}"), Duration::from_secs(15), |s| {
            let m = s.replies_to(chat_id);
            (m.len() >= n).then_some(m)
        })
        .await
    }

    /// Wait until the button press of `callback_id` was answered; returns the answer's params.
    pub async fn wait_callback_answer(&self, nth_callback: i64) -> Value {
        let id = format!("cq{nth_callback}");
        self.wait_for(&format!("answer to {id}"), Duration::from_secs(5), |s| {
            s.calls()
                .into_iter()
                .find(|c| c.method == "answerCallbackQuery" && c.params["callback_query_id"] == id.as_str())
                .map(|c| c.params)
        })
        .await
    }

    pub fn callbacks_pushed(&self) -> i64 {
        self.state.0.lock().unwrap().next_callback_id
    }

    pub async fn stop(&self) {
        self.server.stop(false).await;
    }
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn ok(result: Value) -> HttpResponse {
    HttpResponse::Ok().json(json!({"ok": true, "result": result}))
}

fn refuse(code: u16, description: &str, extra: Option<Value>) -> HttpResponse {
    let mut body = json!({"ok": false, "error_code": code, "description": description});
    if let Some(extra) = extra {
        body["parameters"] = extra;
    }
    HttpResponse::build(actix_web::http::StatusCode::from_u16(code).unwrap()).json(body)
}

/// Parse a Bot API request body: JSON, or multipart form data (files).
fn parse_params(req: &HttpRequest, body: &[u8]) -> Value {
    let content_type = req.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    if let Some(boundary) = content_type.split("boundary=").nth(1) {
        let boundary = format!("--{}", boundary.trim_matches('"'));
        let text = String::from_utf8_lossy(body);
        let mut params = serde_json::Map::new();
        for part in text.split(&boundary) {
            let Some((head, value)) = part.split_once("\r\n\r\n") else {
                continue;
            };
            let Some(name) = head.split("name=\"").nth(1).and_then(|s| s.split('"').next()) else {
                continue;
            };
            let value = value.strip_suffix("\r\n").unwrap_or(value);
            if let Some(file_name) = head.split("filename=\"").nth(1).and_then(|s| s.split('"').next()) {
                params.insert("_file_name".into(), json!(file_name));
            }
            params.insert(name.into(), json!(value));
        }
        // Files travel as their own parts, referenced as `attach://<part name>`.
        let attached: Vec<(String, String)> = params
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.strip_prefix("attach://")?.to_owned())))
            .collect();
        for (key, part) in attached {
            if let Some(content) = params.remove(&part) {
                params.insert(key, content);
            }
        }
        return Value::Object(params);
    }
    if body.is_empty() { json!({}) } else { serde_json::from_slice(body).unwrap_or(json!({"_unparsed": true})) }
}

fn message(inner: &mut Inner, chat_id: i64, extra: Value) -> Value {
    inner.next_message_id += 1;
    let mut m = json!({
        "message_id": inner.next_message_id, "date": now(),
        "chat": {"id": chat_id, "type": "private", "first_name": "User"},
        "from": {"id": 1, "is_bot": true, "first_name": "Diana", "username": "diana_bot"}
    });
    if let (Some(m), Some(extra)) = (m.as_object_mut(), extra.as_object()) {
        m.extend(extra.clone());
    }
    m
}

fn check_message(params: &Value) -> Result<(), (u16, String)> {
    let text = params["text"].as_str().or(params["caption"].as_str());
    if let Some(text) = text {
        let len = visible_len(text).map_err(|e| (400, format!("Bad Request: can't parse entities: {e}")))?;
        let limit = if params["text"].is_string() { 4096 } else { 1024 };
        if len > limit || (params["text"].is_string() && len == 0) {
            return Err((400, "Bad Request: message is too long".into()));
        }
    } else if params.get("document").is_none() && params.get("photo").is_none() {
        return Err((400, "Bad Request: message text is empty".into()));
    }
    let call = Call { method: String::new(), params: params.clone(), refused: None, at: Instant::now() };
    for (_, data) in call.buttons() {
        if data.is_empty() || (data.len() > 64 && !data.starts_with("https://")) {
            return Err((400, "Bad Request: BUTTON_DATA_INVALID".into()));
        }
    }
    Ok(())
}

async fn handle(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
    state: web::Data<(Mutex<Inner>, Notify)>,
) -> HttpResponse {
    let (_token, method) = path.into_inner();
    // Telegram matches method names case-insensitively; teloxide sends `SendMessage`.
    let mut method = method;
    if let Some(first) = method.get(..1).map(str::to_ascii_lowercase) {
        method.replace_range(..1, &first);
    }
    let params = parse_params(&req, &body);
    let (inner_lock, notify) = &**state;

    if method == "getUpdates" {
        let offset = params["offset"].as_i64().unwrap_or(0);
        let timeout = params["timeout"].as_u64().unwrap_or(0).min(5);
        let limit = params["limit"].as_u64().unwrap_or(100) as usize;
        let deadline = Instant::now() + Duration::from_secs(timeout);
        loop {
            let waiter = notify.notified();
            {
                let mut inner = inner_lock.lock().unwrap();
                if offset > 0 {
                    // Telegram's rule: asking from `offset` confirms every update below it.
                    inner.confirmed_offset = inner.confirmed_offset.max(offset);
                    inner.pending.retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
                }
                let mut served: Vec<Value> = inner.redeliveries.drain(..).collect();
                served.extend(inner.pending.iter().take(limit).cloned());
                if !served.is_empty() || Instant::now() >= deadline {
                    for u in &served {
                        inner.served.insert(u["update_id"].as_i64().unwrap_or(0), u.clone());
                    }
                    inner.calls.push(Call { method, params, refused: None, at: Instant::now() });
                    return ok(json!(served));
                }
            }
            let _ = tokio::time::timeout(deadline.saturating_duration_since(Instant::now()), waiter).await;
        }
    }

    let mut inner = inner_lock.lock().unwrap();
    let chat_id = Call { method: String::new(), params: params.clone(), refused: None, at: Instant::now() }.chat_id();
    let record = |inner: &mut Inner, refused: Option<u16>, params: Value, method: String| {
        inner.calls.push(Call { method, params, refused, at: Instant::now() });
    };
    let response = match method.as_str() {
        "getMe" => ok(json!({"id": 1, "is_bot": true, "first_name": "Diana", "username": "diana_bot",
            "can_join_groups": false, "can_read_all_group_messages": false, "supports_inline_queries": false,
            "has_main_web_app": false})),
        "createInvoiceLink" => {
            // Telegram's rules for Stars: XTR, no provider token, exactly one price, a payload of 1-128 bytes.
            let prices: Value = match &params["prices"] {
                Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
                v => v.clone(),
            };
            let payload_len = params["payload"].as_str().map_or(0, str::len);
            let valid = params["currency"] == "XTR"
                && params["provider_token"].as_str().is_none_or(str::is_empty)
                && prices.as_array().is_some_and(|p| p.len() == 1)
                && (1..=128).contains(&payload_len);
            if !valid {
                record(&mut inner, Some(400), params, method);
                return refuse(400, "Bad Request: invalid invoice", None);
            }
            ok(json!("https://t.me/$invoice-standin"))
        }
        "answerPreCheckoutQuery"
        | "refundStarPayment"
        | "editUserStarSubscription"
        | "approveChatJoinRequest"
        | "banChatMember"
        | "unbanChatMember" => ok(json!(true)),
        "createChatInviteLink" => ok(json!({
            "invite_link": format!("https://t.me/+standin{}", inner.calls.len()),
            "creator": {"id": 1, "is_bot": true, "first_name": "Diana"},
            "creates_join_request": false, "is_primary": false, "is_revoked": false,
            "member_limit": params["member_limit"], "expire_date": params["expire_date"]
        })),
        "setMyCommands" | "deleteWebhook" | "setWebhook" | "answerCallbackQuery" => {
            if method == "answerCallbackQuery" && params["text"].as_str().is_some_and(|t| t.chars().count() > 200) {
                record(&mut inner, Some(400), params, method);
                return refuse(400, "Bad Request: MESSAGE_TOO_LONG", None);
            }
            ok(json!(true))
        }
        "sendMessage" | "sendDocument" | "sendPhoto" | "editMessageText" => {
            let chat = chat_id.unwrap_or(0);
            if inner.blocked.contains(&chat) {
                record(&mut inner, Some(403), params, method);
                return refuse(403, "Forbidden: bot was blocked by the user", None);
            }
            if let Some(failure) = inner.one_shot.get_mut(&chat).and_then(VecDeque::pop_front) {
                let (code, response) = match failure {
                    Failure::RetryAfter(secs) => (
                        429,
                        refuse(
                            429,
                            &format!("Too Many Requests: retry after {secs}"),
                            Some(json!({"retry_after": secs})),
                        ),
                    ),
                    Failure::Blocked => (403, refuse(403, "Forbidden: bot was blocked by the user", None)),
                };
                record(&mut inner, Some(code), params, method);
                return response;
            }
            if let Err((code, description)) = check_message(&params) {
                record(&mut inner, Some(code), params, method);
                return refuse(code, &description, None);
            }
            let extra = if method == "sendPhoto" {
                // An upload gets a new file_id; a send by file_id must name one we gave out.
                let file_id = match params["_file_name"].as_str() {
                    Some(_) => {
                        inner.next_message_id += 1;
                        format!("photo-{}", inner.next_message_id)
                    }
                    None => params["photo"].as_str().unwrap_or_default().to_owned(),
                };
                if !file_id.starts_with("photo-") {
                    record(&mut inner, Some(400), params, method);
                    return refuse(400, "Bad Request: wrong file identifier/HTTP URL specified", None);
                }
                json!({"photo": [{"file_id": file_id, "file_unique_id": "u", "width": 800, "height": 500}]})
            } else if method == "sendDocument" {
                json!({"document": {"file_id": "doc1", "file_unique_id": "u1", "file_name": params["_file_name"]},
                       "caption": params["caption"]})
            } else {
                json!({"text": params["text"]})
            };
            ok(message(&mut inner, chat, extra))
        }
        _ => {
            record(&mut inner, Some(404), params, method);
            return refuse(404, "Not Found: method not found", None);
        }
    };
    record(&mut inner, None, params, method);
    drop(inner);
    response
}
