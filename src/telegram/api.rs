//! Every Bot API call goes through here: counted by method and result, and classified so
//! callers know whether to retry, wait, or give up.

use crate::telemetry::TELEGRAM_CALLS;
use std::future::IntoFuture;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;
use teloxide::{ApiError, Bot, RequestError};

/// How a failed call should be handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallFailure {
    /// 429: try again after this long.
    RetryAfter(Duration),
    /// 403: the user blocked the bot or is gone; stop sending to them.
    Blocked,
    /// Telegram refused the request itself (400 and the like): retrying won't help.
    Rejected(String),
    /// Network or server trouble: worth retrying.
    Transient(String),
}

/// Whether the Bot API answered lately, for `/ready`.
#[derive(Debug, Default)]
pub struct TelegramHealth(AtomicU8);

impl TelegramHealth {
    const UNKNOWN: u8 = 0;
    const OK: u8 = 1;
    const DOWN: u8 = 2;

    pub fn status(&self) -> &'static str {
        match self.0.load(Ordering::Relaxed) {
            Self::OK => "ok",
            Self::DOWN => "degraded",
            _ => "starting",
        }
    }

    fn set(&self, up: bool) {
        self.0.store(if up { Self::OK } else { Self::DOWN }, Ordering::Relaxed);
    }

    pub fn is_unknown(&self) -> bool {
        self.0.load(Ordering::Relaxed) == Self::UNKNOWN
    }
}

#[derive(Clone)]
pub struct TelegramApi {
    pub bot: Bot,
    pub health: Arc<TelegramHealth>,
    /// Kept only to scrub it from error messages: request URLs carry the token.
    token: Arc<str>,
}

impl TelegramApi {
    pub fn new(token: &str, api_url: url::Url) -> TelegramApi {
        // Long polls hold a request open for poll_timeout_secs; the client must wait longer.
        let client = teloxide::net::default_reqwest_settings()
            .timeout(Duration::from_secs(70))
            .build()
            .unwrap_or_else(|_| reqwest_fallback());
        TelegramApi {
            bot: Bot::with_client(token, client).set_api_url(api_url),
            health: Arc::default(),
            token: token.into(),
        }
    }

    /// Run one request, count it, and classify its failure.
    pub async fn call<R, T>(&self, method: &'static str, request: R) -> Result<T, CallFailure>
    where
        R: IntoFuture<Output = Result<T, RequestError>>,
    {
        let result = request.into_future().await;
        let (label, outcome) = match result {
            Ok(value) => ("ok", Ok(value)),
            Err(error) => {
                let failure = classify(error, &self.token);
                let label = match &failure {
                    CallFailure::RetryAfter(_) => "retry_after",
                    CallFailure::Blocked => "blocked",
                    CallFailure::Rejected(_) => "rejected",
                    CallFailure::Transient(_) => "network",
                };
                (label, Err(failure))
            }
        };
        self.health.set(!matches!(outcome, Err(CallFailure::Transient(_))));
        TELEGRAM_CALLS.with_label_values(&[method, label]).inc();
        outcome
    }
}

fn reqwest_fallback() -> reqwest::Client {
    reqwest::Client::new()
}

const SERVER_TROUBLE: &[&str] = &["Internal Server Error", "Bad Gateway", "Gateway Timeout", "Service Unavailable"];

fn classify(error: RequestError, token: &str) -> CallFailure {
    match error {
        RequestError::RetryAfter(secs) => CallFailure::RetryAfter(secs.duration()),
        RequestError::Api(
            ApiError::BotBlocked
            | ApiError::UserDeactivated
            | ApiError::BotKicked
            | ApiError::BotKickedFromSupergroup
            | ApiError::CantInitiateConversation
            | ApiError::CantTalkWithBots,
        ) => CallFailure::Blocked,
        RequestError::Api(ApiError::Unknown(text)) if text.starts_with("Forbidden") => CallFailure::Blocked,
        // teloxide reads only the description; these are Telegram's server-side troubles, and a
        // revoked token is an operator's problem: in both cases the message must wait, not vanish.
        RequestError::Api(ApiError::Unknown(text)) if SERVER_TROUBLE.iter().any(|t| text.contains(t)) => {
            CallFailure::Transient(text)
        }
        RequestError::Api(ApiError::InvalidToken) => CallFailure::Transient("invalid bot token".into()),
        RequestError::Api(api) => CallFailure::Rejected(api.to_string()),
        RequestError::MigrateToChatId(_) => CallFailure::Rejected(error.to_string()),
        RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. } => {
            CallFailure::Transient(error.to_string().replace(token, "***"))
        }
    }
}

/// Where a chat's Bot API calls go: Telegram, or the playground's own Bot API for the
/// playground's test players (ids from `PLAYGROUND_FIRST_ID`), who are not on Telegram.
#[derive(Clone)]
pub struct Apis {
    pub telegram: TelegramApi,
    pub playground: Option<TelegramApi>,
}

impl Apis {
    pub fn for_chat(&self, chat_id: i64) -> &TelegramApi {
        match &self.playground {
            Some(playground) if chat_id >= diana_actors::store::analytics::PLAYGROUND_FIRST_ID => playground,
            _ => &self.telegram,
        }
    }
}
