//! The playground's own Bot API: the calls the outbox and the router make for a playground
//! chat land here instead of at Telegram, and become messages in `Chats`. It answers the way
//! Telegram does (a `Message` for sends and edits, `true` for the rest), so the bot cannot
//! tell the difference. Its URL carries a secret made at start.

use super::chats::{Button, Chats};
use crate::telegram::standin::{keyboard_rows, number, ok, parameters, refuse, text};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value, json};

/// The inline keyboard of a request, as buttons.
fn keyboard(params: &Map<String, Value>) -> Vec<Vec<Button>> {
    keyboard_rows(params)
        .iter()
        .map(|row| {
            row.iter()
                .map(|b| Button {
                    text: b["text"].as_str().unwrap_or_default().to_owned(),
                    data: b["callback_data"].as_str().map(str::to_owned),
                    url: b["url"].as_str().map(str::to_owned),
                })
                .collect()
        })
        .collect()
}

/// A `Message` as Telegram returns it.
fn message(chat_id: i64, id: i64, extra: Value) -> Value {
    crate::telegram::standin::message(chat_id, "Playground", id, extra)
}

pub struct BotApiState {
    pub chats: Chats,
    pub secret: String,
}

/// `POST /playground/bot{secret}/{method}`.
pub async fn call(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
    state: web::Data<BotApiState>,
) -> HttpResponse {
    let (token, method) = path.into_inner();
    if !bool::from(subtle::ConstantTimeEq::ct_eq(token.as_bytes(), state.secret.as_bytes())) {
        return HttpResponse::NotFound().finish();
    }
    // Telegram matches method names case-insensitively; teloxide sends `SendMessage`.
    let method = method.to_ascii_lowercase();
    let (params, upload) = parameters(&req, &body);
    let chats = &state.chats;
    let chat_id = number(&params, "chat_id");
    match (method.as_str(), chat_id) {
        ("sendmessage", Some(chat)) => {
            let html = text(&params, "text").unwrap_or_default().to_owned();
            let id = chats.add(chat, false, html.clone(), keyboard(&params), None);
            ok(message(chat, id, json!({ "text": html })))
        }
        ("editmessagetext" | "editmessagereplymarkup" | "editmessagecaption", Some(chat)) => {
            let id = number(&params, "message_id").unwrap_or_default();
            let html = text(&params, "text").or_else(|| text(&params, "caption")).map(str::to_owned);
            if !chats.edit(chat, id, html.clone(), keyboard(&params)) {
                return refuse("Bad Request: message to edit not found");
            }
            ok(message(chat, id, json!({ "text": html.unwrap_or_default() })))
        }
        ("deletemessage", Some(chat)) => {
            chats.delete(chat, number(&params, "message_id").unwrap_or_default());
            ok(json!(true))
        }
        ("sendphoto", Some(chat)) => {
            let file_id = match (upload, text(&params, "photo")) {
                (Some(bytes), _) => chats.keep_picture(bytes),
                (None, Some(id)) if chats.picture(id).is_some() => id.to_owned(),
                // A file id from Telegram: the outbox uploads the picture again.
                _ => return refuse("Bad Request: wrong file identifier/HTTP URL specified"),
            };
            let caption = text(&params, "caption").unwrap_or_default().to_owned();
            let id = chats.add(chat, false, caption, keyboard(&params), Some(file_id.clone()));
            let photo = json!([{ "file_id": file_id, "file_unique_id": file_id, "width": 800, "height": 500 }]);
            ok(message(chat, id, json!({ "photo": photo })))
        }
        ("senddocument", Some(chat)) => {
            let caption = text(&params, "caption").unwrap_or_default();
            let id = chats.add(chat, false, format!("📄 {caption}"), Vec::new(), None);
            let document = json!({ "file_id": format!("doc-{id}"), "file_unique_id": format!("doc-{id}") });
            ok(message(chat, id, json!({ "document": document })))
        }
        ("sendinvoice", Some(chat)) => {
            let title = text(&params, "title").unwrap_or_default();
            let html = format!("🧾 <b>{}</b>\n(no payments in the playground)", crate::telegram::html::escape(title));
            let id = chats.add(chat, false, html, Vec::new(), None);
            ok(message(
                chat,
                id,
                json!({ "invoice": { "title": title, "description": "", "start_parameter": "",
                "currency": "XTR", "total_amount": 0 } }),
            ))
        }
        ("createinvoicelink", _) => ok(json!("https://t.me/$playground-invoice")),
        ("createchatinvitelink", _) => ok(json!({
            "invite_link": "https://t.me/+playground",
            "creator": { "id": 1, "is_bot": true, "first_name": "Diana" },
            "creates_join_request": false, "is_primary": false, "is_revoked": false,
        })),
        ("answercallbackquery", _) => {
            // Button ids are `pg<chat>:<n>`: the toast goes to that chat.
            let chat = text(&params, "callback_query_id")
                .and_then(|id| id.strip_prefix("pg"))
                .and_then(|id| id.split(':').next())
                .and_then(|chat| chat.parse().ok());
            if let Some(chat) = chat {
                chats.toast(chat, text(&params, "text").map(str::to_owned));
            }
            ok(json!(true))
        }
        (
            "answerprecheckoutquery"
            | "refundstarpayment"
            | "edituserstarsubscription"
            | "approvechatjoinrequest"
            | "banchatmember"
            | "unbanchatmember"
            | "sendchataction"
            | "setmycommands",
            _,
        ) => ok(json!(true)),
        _ => refuse("Bad Request: not available in the playground"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyboards_are_read_from_json_or_from_text() {
        let markup = json!({ "inline_keyboard": [[{ "text": "A", "callback_data": "1:m" }, { "text": "B", "url": "https://x" }]] });
        let mut params = Map::new();
        params.insert("reply_markup".into(), markup.clone());
        let buttons = keyboard(&params);
        assert_eq!(buttons[0][0].data.as_deref(), Some("1:m"));
        assert_eq!(buttons[0][1].url.as_deref(), Some("https://x"));
        params.insert("reply_markup".into(), Value::String(markup.to_string()));
        assert_eq!(keyboard(&params), buttons);
    }
}
