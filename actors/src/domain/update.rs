//! What a user did, in the game's own words. The Telegram edge turns updates into these.

use serde::{Deserialize, Serialize};

/// Who sent an update, as Telegram describes them right now (names can change between updates).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub user_id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub language_code: Option<String>,
}

/// One thing a user asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    /// `/start`, optionally with a deep-link payload such as `ref_42`.
    Start {
        payload: Option<String>,
    },
    ShowMenu,
    ShowProfile,
    ShowHelp,
    /// `/regalo` (or `/diario`): today's gift.
    ClaimDaily,
    /// `/besitos`: balance and latest ledger entries.
    ShowBesitos,
    ShowShop,
    /// A buy button of the shop view numbered `offer`.
    Buy {
        item_id: String,
        offer: u32,
    },
    ShowBackpack,
    ShowAchievements,
    AskTrivia,
    /// `/historia` (no choice) or a choice button of the scene at `turn`.
    PlayStory {
        choice: Option<(i64, usize)>,
    },
    /// Start the story again after an ending.
    StartStoryAgain,
    /// `/pistas`: the clues found.
    ShowClues,
    /// `/vip`: what VIP gives.
    ShowVip,
    /// Buy a plan: the bot answers with an invoice.
    BuyPlan {
        plan: String,
    },
    /// Buy a plan outside Telegram: the bot answers with a Stripe Checkout page or a PayPal
    /// subscription to approve.
    BuyPlanByCard {
        plan: String,
        provider: crate::domain::plans::CardProvider,
    },
    /// The user asked to join a channel (`chat_join_request`).
    JoinRequest {
        channel_id: i64,
    },
    /// The user joined a channel (`chat_member`).
    JoinedChannel {
        channel_id: i64,
    },
    /// The user reacted to a channel post (`message_reaction`): the first new emoji, if any.
    Reacted {
        channel_id: i64,
        message_id: i64,
        emoji: Option<String>,
    },
    /// Telegram asks whether a payment may go ahead (answer within 10 s).
    PreCheckout {
        query_id: String,
        payload: String,
        currency: String,
        total: u32,
    },
    /// Telegram says a payment went through.
    PaymentReceived {
        charge_id: String,
        payload: String,
        currency: String,
        total: u32,
        recurring: bool,
        /// The first payment of a subscription.
        first: bool,
        raw: serde_json::Value,
    },
    ShowMissions,
    AnswerTrivia {
        round_id: i64,
        option: usize,
    },
    ShowRanking {
        board: super::leaderboard::Board,
        period: super::leaderboard::Period,
    },
    UseItem {
        item_id: String,
    },
    ShowPrivacy,
    /// Re-engagement reminders on or off.
    SetReminders {
        on: bool,
    },
    /// `/admin`: a one-time dashboard login link, for players with a dashboard role. Answered
    /// at the Telegram edge (the link is a secret and never enters the outbox table).
    AdminLogin,
    /// An admin put the player's story back to its beginning (from the dashboard).
    StoryResetByAdmin,
    ExportMyData,
    AskDeleteMyData,
    ConfirmDeleteMyData,
    CancelDeleteMyData,
    /// A command we don't know, or free text.
    Unrecognised,
    /// Words to Diana that are not a command: read for mood.
    Chat {
        text: String,
    },
    /// The onboarding quiz: start it, answer `question` (0-based) with `answer`, or skip it.
    QuizStart,
    QuizAnswer {
        question: u8,
        answer: u8,
    },
    QuizSkip,
    /// The player's answer to "¿te he entendido bien?" about reading `reading_id`.
    LabelMood {
        reading_id: i64,
        /// Index into `mood::MOODS`.
        mood: u8,
    },
    /// A button whose data we could not parse, or that belongs to a screen that no longer applies.
    StaleButton,
    /// The user blocked the bot (`my_chat_member` → kicked), or Telegram answered 403.
    BlockedBot,
    /// The user unblocked the bot (`my_chat_member` → member).
    UnblockedBot,
    /// Panics inside the actor: lets tests prove one user's crash never touches another.
    #[cfg(test)]
    Explode,
}

impl Action {
    /// Whether the user themself did this by writing or pressing something. Such an update
    /// proves the chat is open again, even if we had marked the user inactive.
    /// Payment updates are never held back by the flood limit: money must always be handled.
    pub fn is_payment(&self) -> bool {
        matches!(self, Action::PreCheckout { .. } | Action::PaymentReceived { .. })
    }

    /// Must commit in a transaction of its own, never in a group commit. A payment: the
    /// reconciler has already recorded it on its own connection. A `/start` with a payload:
    /// it writes to another player (a referrer's wallet and daily cap) or a one-time token,
    /// and two updates sharing a transaction do not wait for each other's row locks, so two
    /// such updates in one batch could both pass a check.
    pub fn commits_alone(&self) -> bool {
        self.is_payment() || matches!(self, Action::Start { payload: Some(_) })
    }

    /// An event from the channels around the game (joining, reacting).
    pub fn is_channel_event(&self) -> bool {
        matches!(self, Action::JoinRequest { .. } | Action::JoinedChannel { .. } | Action::Reacted { .. })
    }

    /// The player wrote to the bot (or pressed its button, or paid). Channel events (joining,
    /// reacting) are not: they neither reopen a blocked chat nor count toward the flood limit.
    pub fn is_user_initiated(&self) -> bool {
        !matches!(self, Action::BlockedBot | Action::UnblockedBot | Action::StoryResetByAdmin)
            && !self.is_channel_event()
    }

    /// A short stable name, used as a metrics label and in logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Start { .. } => "start",
            Action::ShowMenu => "menu",
            Action::ShowProfile => "profile",
            Action::ShowHelp => "help",
            Action::ClaimDaily => "daily",
            Action::ShowBesitos => "besitos",
            Action::ShowShop => "shop",
            Action::Buy { .. } => "buy",
            Action::ShowBackpack => "backpack",
            Action::ShowAchievements => "achievements",
            Action::AskTrivia => "trivia",
            Action::PlayStory { .. } => "story",
            Action::ShowClues => "clues",
            Action::StartStoryAgain => "story_again",
            Action::ShowVip => "vip",
            Action::BuyPlan { .. } => "buy_plan",
            Action::JoinRequest { .. } => "join_request",
            Action::JoinedChannel { .. } => "joined_channel",
            Action::Reacted { .. } => "reaction",
            Action::BuyPlanByCard { .. } => "buy_plan_card",
            Action::PreCheckout { .. } => "pre_checkout",
            Action::PaymentReceived { .. } => "payment",
            Action::ShowMissions => "missions",
            Action::AnswerTrivia { .. } => "trivia_answer",
            Action::ShowRanking { .. } => "ranking",
            Action::UseItem { .. } => "use_item",
            Action::ShowPrivacy => "privacy",
            Action::SetReminders { .. } => "reminders",
            Action::AdminLogin => "admin_login",
            Action::StoryResetByAdmin => "story_reset",
            Action::ExportMyData => "privacy_export",
            Action::AskDeleteMyData => "privacy_delete_ask",
            Action::ConfirmDeleteMyData => "privacy_delete",
            Action::CancelDeleteMyData => "privacy_delete_cancel",
            Action::Unrecognised => "unrecognised",
            Action::Chat { .. } => "chat",
            Action::QuizStart => "quiz_start",
            Action::QuizAnswer { .. } => "quiz_answer",
            Action::QuizSkip => "quiz_skip",
            Action::LabelMood { .. } => "mood_label",
            Action::StaleButton => "stale_button",
            Action::BlockedBot => "blocked",
            Action::UnblockedBot => "unblocked",
            #[cfg(test)]
            Action::Explode => "explode",
        }
    }
}

/// An update addressed to one user's actor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserUpdate {
    /// Telegram's `update_id`: the exactly-once key. `None` for events we raise ourselves
    /// (a 403 from Telegram), which have no update to deduplicate.
    pub update_id: Option<i64>,
    pub identity: Identity,
    pub chat_id: i64,
    pub action: Action,
}
