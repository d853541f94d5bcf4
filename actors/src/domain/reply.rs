//! What the game answers, as data. The Telegram edge renders each variant into text and buttons
//! in the user's language; nothing here knows how it will look.

use super::Lang;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Reply {
    /// First message after `/start`.
    Welcome {
        first_name: String,
        returning: bool,
    },
    /// The main menu, with its buttons.
    MainMenu,
    Profile {
        first_name: String,
        besitos: i64,
        current_streak: i32,
        longest_streak: i32,
        member_since: DateTime<Utc>,
    },
    Help,
    PrivacyMenu,
    /// The user's data as a JSON document.
    DataExport {
        file_name: String,
        json: String,
    },
    ConfirmDelete,
    DataDeleted,
    DeleteCancelled,
    /// Free text or an unknown command.
    Unrecognised,
    /// A command from someone who has not pressed `/start` yet.
    PleaseStart,
    /// The user is sending faster than the flood limit allows.
    SlowDown,
    /// We failed to handle the update (never a user's fault).
    SomethingWentWrong,
}

impl Reply {
    pub fn kind(&self) -> &'static str {
        match self {
            Reply::Welcome { .. } => "welcome",
            Reply::MainMenu => "main_menu",
            Reply::Profile { .. } => "profile",
            Reply::Help => "help",
            Reply::PrivacyMenu => "privacy_menu",
            Reply::DataExport { .. } => "data_export",
            Reply::ConfirmDelete => "confirm_delete",
            Reply::DataDeleted => "data_deleted",
            Reply::DeleteCancelled => "delete_cancelled",
            Reply::Unrecognised => "unrecognised",
            Reply::PleaseStart => "please_start",
            Reply::SlowDown => "slow_down",
            Reply::SomethingWentWrong => "something_went_wrong",
        }
    }
}

/// A short answer to a pressed button (a toast), chosen by the game.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Notice {
    StaleButton,
    SlowDown,
    SomethingWentWrong,
}

/// A reply committed to the outbox, ready to be sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outgoing {
    /// The outbox row id; the sender deletes the row once Telegram accepted the message.
    pub id: i64,
    pub chat_id: i64,
    pub user_id: Option<i64>,
    pub lang: Lang,
    pub reply: Reply,
}
