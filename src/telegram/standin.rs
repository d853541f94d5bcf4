//! What an in-process Telegram Bot API stand-in reads and answers, the way Telegram does:
//! shared by the dashboard playground's (`playground/bot_api.rs`) and the load tester's
//! (`loadtest/bot_api.rs`).

use actix_web::{HttpRequest, HttpResponse};
use serde_json::{Map, Value, json};

pub fn ok(result: Value) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "ok": true, "result": result }))
}

pub fn refuse(description: &str) -> HttpResponse {
    HttpResponse::BadRequest().json(json!({ "ok": false, "error_code": 400, "description": description }))
}

/// A request's parameters, and an uploaded file if there was one.
pub fn parameters(req: &HttpRequest, body: &[u8]) -> (Map<String, Value>, Option<Vec<u8>>) {
    let content_type = req.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if let Some(boundary) = crate::http::multipart::boundary(content_type) {
        let mut params = Map::new();
        let mut upload = None;
        for part in crate::http::multipart::parts(body, boundary) {
            if part.file_name.is_some() {
                upload = Some(part.body);
                continue;
            }
            let text = String::from_utf8_lossy(&part.body).into_owned();
            // Fields holding JSON (keyboards) travel as JSON text.
            let value = match text.starts_with(['{', '[']) {
                true => serde_json::from_str(&text).unwrap_or(Value::String(text)),
                false => Value::String(text),
            };
            params.insert(part.name, value);
        }
        return (params, upload);
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(params)) => (params, None),
        _ => (Map::new(), None),
    }
}

pub fn number(params: &Map<String, Value>, key: &str) -> Option<i64> {
    match params.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

pub fn text<'a>(params: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    params.get(key).and_then(Value::as_str)
}

/// The rows of a request's inline keyboard, each button as Telegram's JSON. `reply_markup`
/// comes as an object in JSON bodies and as JSON text in forms.
pub fn keyboard_rows(params: &Map<String, Value>) -> Vec<Vec<Value>> {
    let markup = match params.get("reply_markup") {
        Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::Null),
        Some(v) => v.clone(),
        None => Value::Null,
    };
    let rows = markup.get("inline_keyboard").and_then(Value::as_array).cloned().unwrap_or_default();
    rows.iter().map(|row| row.as_array().cloned().unwrap_or_default()).collect()
}

/// A `Message` as Telegram returns it, in a private chat with `chat_name`.
pub fn message(chat_id: i64, chat_name: &str, id: i64, extra: Value) -> Value {
    let mut m = json!({
        "message_id": id,
        "date": chrono::Utc::now().timestamp(),
        "chat": { "id": chat_id, "type": "private", "first_name": chat_name },
        "from": { "id": 1, "is_bot": true, "first_name": "Diana", "username": "diana_bot" },
    });
    if let (Some(m), Value::Object(extra)) = (m.as_object_mut(), extra) {
        m.extend(extra);
    }
    m
}
