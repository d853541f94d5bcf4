//! The playground page: chat with the bot as your test player. Works without JavaScript (forms
//! and redirects); the page's script only refreshes the chat when the bot answers later.

use super::auth::Admin;
use super::layout::{Html, csrf, shell};
use super::roles::Permission;
use super::texts::t;
use super::{Dashboard, Refusal};
use crate::playground::chats::{ChatMessage, Snapshot};
use crate::playground::{PlaygroundError, player_of};
use actix_web::{HttpResponse, web};
use maud::{Markup, PreEscaped, html};
use std::time::{Duration, Instant};

/// Telegram's formatting tags: everything else in a message is shown as text.
const ALLOWED: [&str; 14] =
    ["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "tg-spoiler", "blockquote", "a"];

/// A link the page may open: the web or Telegram, nothing that runs.
fn safe_url(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://") || url.starts_with("tg://")
}

/// Keep Telegram's formatting and escape anything else, so a message can only ever format;
/// tags are balanced, so one message cannot format (or link) the ones after it.
pub fn sanitize(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut open: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let Some(close) = rest[at..].find('>') else {
            out.push_str(&rest[at..].replace('<', "&lt;"));
            rest = "";
            break;
        };
        let tag = &rest[at + 1..at + close];
        let (closing, body) = match tag.strip_prefix('/') {
            Some(body) => (true, body),
            None => (false, tag),
        };
        let name: String = body.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
        let name = name.to_ascii_lowercase();
        if ALLOWED.contains(&name.as_str()) {
            match (closing, name.as_str()) {
                // Only the innermost open tag may close; a stray closing tag is dropped.
                (true, _) => {
                    if open.last() == Some(&name) {
                        open.pop();
                        out.push_str(&format!("</{name}>"));
                    }
                }
                (false, "a") => {
                    let href = body.split("href=\"").nth(1).and_then(|h| h.split('"').next()).unwrap_or_default();
                    match safe_url(href) {
                        true => {
                            out.push_str(&format!("<a href=\"{href}\" rel=\"noopener noreferrer\" target=\"_blank\">"))
                        }
                        false => out.push_str("<a>"),
                    }
                    open.push(name);
                }
                (false, _) => {
                    out.push_str(&format!("<{name}>"));
                    open.push(name);
                }
            }
        } else {
            out.push_str(&rest[at..at + close + 1].replace('<', "&lt;").replace('>', "&gt;"));
        }
        rest = &rest[at + close + 1..];
    }
    out.push_str(rest);
    while let Some(name) = open.pop() {
        out.push_str(&format!("</{name}>"));
    }
    out
}

fn bubble(admin: &Admin, m: &ChatMessage) -> Markup {
    html! {
        div.bubble.me[m.mine] data-id=(m.id) {
            @if let Some(picture) = &m.picture {
                img src={ "/admin/playground/picture/" (picture) } alt="" width="400";
            }
            div.text { (PreEscaped(sanitize(&m.html))) }
            @if !m.keyboard.is_empty() {
                div.keyboard {
                    @for row in &m.keyboard {
                        div.row {
                            @for button in row {
                                @if let Some(data) = &button.data {
                                    form method="post" action="/admin/playground/press" {
                                        (csrf(admin))
                                        input type="hidden" name="message" value=(m.id);
                                        input type="hidden" name="data" value=(data);
                                        button type="submit" { (button.text) }
                                    }
                                } @else if let Some(url) = button.url.as_ref().filter(|u| safe_url(u)) {
                                    a href=(url) rel="noopener noreferrer" target="_blank" { (button.text) " ↗" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn chat(admin: &Admin, snapshot: &Snapshot) -> Markup {
    html! {
        div.chat #chat data-version=(snapshot.version) {
            @for m in &snapshot.messages { (bubble(admin, m)) }
        }
        @if let Some(toast) = &snapshot.toast { p.notice #toast role="status" { (toast) } }
    }
}

#[derive(serde::Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    problem: String,
}

pub async fn page(admin: Admin, dash: web::Data<Dashboard>, query: web::Query<PageQuery>) -> Result<Html, Refusal> {
    if !admin.may(Permission::UsePlayground) {
        return Err(Refusal::Forbidden(Permission::UsePlayground));
    }
    let lang = admin.lang;
    let player = player_of(admin.user_id);
    let snapshot = dash.playground.chats.snapshot(player);
    let body = html! {
        p.muted { (t(lang, "playground_explain")) " (id " (player) ")" }
        @if !query.problem.is_empty() { p.error role="alert" { (query.problem) } }
        div #chat-box data-poll="/admin/playground/chat" { (chat(&admin, &snapshot)) }
        form.say #say method="post" action="/admin/playground/say" {
            (csrf(&admin))
            input type="text" name="text" placeholder=(t(lang, "playground_placeholder")) autocomplete="off" autofocus required;
            button type="submit" { (t(lang, "send")) }
        }
        @if snapshot.messages.is_empty() { p.muted { (t(lang, "playground_start")) } }
    };
    Ok(shell(&admin, "playground", "/admin/playground", t(lang, "nav_playground"), body))
}

#[derive(serde::Deserialize)]
pub struct ChatQuery {
    since: Option<u64>,
}

/// The chat alone, for the page's script: 204 when nothing changed since `since`.
pub async fn fragment(admin: Admin, dash: web::Data<Dashboard>, query: web::Query<ChatQuery>) -> HttpResponse {
    let player = player_of(admin.user_id);
    let snapshot = dash.playground.chats.snapshot(player);
    if query.since == Some(snapshot.version) && snapshot.toast.is_none() {
        return HttpResponse::NoContent().finish();
    }
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(chat(&admin, &snapshot).into_string())
}

/// Wait a little for the bot's answer, so the page after the redirect already shows it.
async fn await_answer(dash: &Dashboard, player: i64, before: u64) {
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        let snapshot = dash.playground.chats.snapshot(player);
        if snapshot.version > before && snapshot.messages.last().is_some_and(|m| !m.mine) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
}

fn back(problem: Option<PlaygroundError>) -> HttpResponse {
    let location = match problem {
        None => "/admin/playground".to_owned(),
        Some(problem) => {
            let mut url = url::Url::parse("http://x/admin/playground").expect("a fixed URL parses");
            url.query_pairs_mut().append_pair("problem", &problem.to_string());
            format!("/admin/playground?{}", url.query().unwrap_or_default())
        }
    };
    HttpResponse::SeeOther().insert_header(("Location", location)).finish()
}

#[derive(serde::Deserialize)]
pub struct SayForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    text: String,
}

pub async fn say(admin: Admin, dash: web::Data<Dashboard>, form: web::Form<SayForm>) -> HttpResponse {
    if let Err(refusal) = admin.check(Permission::UsePlayground, &form.csrf) {
        return refusal.into();
    }
    let player = player_of(admin.user_id);
    let before = dash.playground.chats.snapshot(player).version;
    let name = t(admin.lang, "playground_name");
    match dash.playground.say(player, name, admin.lang.code(), &form.text).await {
        Ok(()) => {
            await_answer(&dash, player, before).await;
            back(None)
        }
        Err(problem) => back(Some(problem)),
    }
}

#[derive(serde::Deserialize)]
pub struct PressForm {
    #[serde(default)]
    csrf: String,
    message: i64,
    data: String,
}

pub async fn press(admin: Admin, dash: web::Data<Dashboard>, form: web::Form<PressForm>) -> HttpResponse {
    if let Err(refusal) = admin.check(Permission::UsePlayground, &form.csrf) {
        return refusal.into();
    }
    let player = player_of(admin.user_id);
    let before = dash.playground.chats.snapshot(player).version;
    let name = t(admin.lang, "playground_name");
    match dash.playground.press(player, name, admin.lang.code(), form.message, &form.data).await {
        Ok(()) => {
            await_answer(&dash, player, before).await;
            back(None)
        }
        Err(problem) => back(Some(problem)),
    }
}

/// A story picture the bot sent in the playground.
pub async fn picture(_admin: Admin, dash: web::Data<Dashboard>, id: web::Path<String>) -> HttpResponse {
    let Some(bytes) = dash.playground.chats.picture(&id) else { return HttpResponse::NotFound().finish() };
    let kind = match bytes.get(..4) {
        Some([0x89, b'P', b'N', b'G']) => "image/png",
        Some([b'R', b'I', b'F', b'F']) => "image/webp",
        _ => "image/jpeg",
    };
    HttpResponse::Ok().content_type(kind).body(bytes.to_vec())
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn only_telegram_formatting_survives() {
        assert_eq!(sanitize("<b>Hola</b> <i>tú</i> &amp; yo"), "<b>Hola</b> <i>tú</i> &amp; yo");
        assert_eq!(sanitize("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
        assert_eq!(sanitize("<img src=x onerror=alert(1)>"), "&lt;img src=x onerror=alert(1)&gt;");
        assert_eq!(
            sanitize("<a href=\"https://t.me/x\" onclick=\"y\">t</a>"),
            "<a href=\"https://t.me/x\" rel=\"noopener noreferrer\" target=\"_blank\">t</a>"
        );
        assert_eq!(sanitize("<a href=\"javascript:alert(1)\">t</a>"), "<a>t</a>");
        assert_eq!(sanitize("<b onmouseover=\"x\">b</b>"), "<b>b</b>");
        assert_eq!(sanitize("3 < 4"), "3 &lt; 4");
        // Balanced: what one message opens it closes, and a stray closing tag is dropped.
        assert_eq!(sanitize("<b>sin cerrar"), "<b>sin cerrar</b>");
        assert_eq!(
            sanitize("<a href=\"https://x.example\">a <i>b"),
            "<a href=\"https://x.example\" rel=\"noopener noreferrer\" target=\"_blank\">a <i>b</i></a>"
        );
        assert_eq!(sanitize("</b>texto</i>"), "texto");
        assert_eq!(sanitize("<b><i>x</b></i>"), "<b><i>x</i></b>");
    }
}
