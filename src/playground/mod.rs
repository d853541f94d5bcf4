//! The playground: chat with the bot as a test player from the dashboard, through the same
//! update pipeline as Telegram. What the page sends becomes a Telegram `Update` handed to the
//! `UpdateRouter`; what the bot answers goes through the outbox to the playground's own Bot API
//! (`bot_api.rs`) and lands in `Chats`. Test players have ids from `PLAYGROUND_FIRST_ID`, are
//! flagged `is_test`, and are left out of analytics. Works with or without a Telegram token.

pub mod bot_api;
pub mod chats;

use crate::telegram::api::TelegramApi;
use crate::telegram::router::UpdateRouter;
use chats::Chats;
use diana_actors::store::Pool;
use diana_actors::store::analytics::PLAYGROUND_FIRST_ID;
use serde_json::json;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

pub struct Playground {
    pub chats: Chats,
    /// In the Bot API's URL, so nobody else can post into the playground's chats.
    pub secret: String,
    router: OnceLock<UpdateRouter>,
    pool: Pool,
    next_button: AtomicU64,
}

#[derive(Debug, thiserror::Error)]
pub enum PlaygroundError {
    #[error("the playground is not running")]
    NotRunning,
    #[error("that button is no longer there")]
    NoSuchButton,
    #[error("write something first")]
    Empty,
    #[error("{0}")]
    Failed(String),
}

/// An update as Telegram would send it. From text, as it arrives from Telegram: teloxide reads
/// an update's kind only from text, and from a `Value` it yields an unknown kind.
fn parse(update: &serde_json::Value) -> Result<teloxide::types::Update, PlaygroundError> {
    serde_json::from_str(&update.to_string()).map_err(|e| PlaygroundError::Failed(e.to_string()))
}

/// The test player an admin plays as.
pub fn player_of(admin_id: i64) -> i64 {
    PLAYGROUND_FIRST_ID + admin_id
}

impl Playground {
    pub fn new(pool: Pool) -> Playground {
        Playground {
            chats: Chats::default(),
            secret: crate::dashboard::auth::secret(),
            router: OnceLock::new(),
            pool,
            next_button: AtomicU64::new(0),
        }
    }

    /// A Bot API client for the playground's chats, served by this process at `base`.
    pub fn api(&self, base: &url::Url) -> TelegramApi {
        // No trailing slash: teloxide appends `bot<token>/<method>` as path segments.
        let url = base.join("playground").expect("a path joins a base URL");
        // Hex only: a `:` would travel percent-encoded and never match.
        TelegramApi::new(&self.secret, url)
    }

    pub fn attach(&self, router: UpdateRouter) {
        let _ = self.router.set(router);
    }

    async fn update_id(&self) -> Result<i64, PlaygroundError> {
        let failed = |e: String| PlaygroundError::Failed(e);
        let conn = self.pool.get().await.map_err(|e| failed(e.to_string()))?;
        diana_actors::store::updates::next_playground_update_id(&conn).await.map_err(|e| failed(e.to_string()))
    }

    fn from(player: i64, name: &str, lang: &str) -> serde_json::Value {
        json!({ "id": player, "is_bot": false, "first_name": name, "language_code": lang })
    }

    async fn route(&self, update: serde_json::Value) -> Result<(), PlaygroundError> {
        let router = self.router.get().ok_or(PlaygroundError::NotRunning)?;
        router.route(parse(&update)?).await.map_err(|e| PlaygroundError::Failed(e.to_string()))
    }

    /// The test player writes `text`.
    pub async fn say(&self, player: i64, name: &str, lang: &str, text: &str) -> Result<(), PlaygroundError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(PlaygroundError::Empty);
        }
        let text: String = text.chars().take(4096).collect();
        let update_id = self.update_id().await?;
        let message_id = self.chats.add(player, true, crate::telegram::html::escape(&text), Vec::new(), None);
        self.route(json!({ "update_id": update_id, "message": {
            "message_id": message_id, "date": chrono::Utc::now().timestamp(),
            "chat": { "id": player, "type": "private", "first_name": name },
            "from": Playground::from(player, name, lang), "text": text,
        } }))
        .await
    }

    /// The test player presses a button of the bot's message `message_id`.
    pub async fn press(
        &self,
        player: i64,
        name: &str,
        lang: &str,
        message_id: i64,
        data: &str,
    ) -> Result<(), PlaygroundError> {
        if !self.chats.button(player, message_id, data) {
            return Err(PlaygroundError::NoSuchButton);
        }
        let update_id = self.update_id().await?;
        let n = self.next_button.fetch_add(1, Ordering::Relaxed);
        self.route(json!({ "update_id": update_id, "callback_query": {
            "id": format!("pg{player}:{n}"), "from": Playground::from(player, name, lang),
            "chat_instance": "playground", "data": data,
            "message": { "message_id": message_id, "date": chrono::Utc::now().timestamp(),
                "chat": { "id": player, "type": "private", "first_name": name },
                "from": { "id": 1, "is_bot": true, "first_name": "Diana" }, "text": "" },
        } }))
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn playground_updates_are_telegram_updates_the_bot_understands() {
        let player = player_of(42);
        let update = json!({ "update_id": 3_000_000_001_u32, "message": {
            "message_id": 1, "date": 1_700_000_000,
            "chat": { "id": player, "type": "private", "first_name": "Prueba" },
            "from": Playground::from(player, "Prueba", "es"), "text": "/start",
        } });
        let update = parse(&update).unwrap();
        let inbound = crate::telegram::inbound::translate(&update).unwrap_or_else(|| panic!("{update:?}"));
        assert_eq!(inbound.update.identity.user_id, player);
    }
}
