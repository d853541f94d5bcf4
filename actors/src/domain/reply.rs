//! What the game answers, as data. The Telegram edge renders each variant into text and buttons
//! in the user's language; nothing here knows how it will look.

use super::Lang;
use super::economy::GiftReward;
use super::gift::Gift;
use super::leaderboard::Standings;
use super::level::LevelStanding;
use super::plans::CheckoutRefusal;
use super::shop::Refusal;
use super::story_rules::{RelationshipType, Requirement, SceneLine, StoryChoice};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Reply {
    /// First message after `/start`.
    Welcome {
        first_name: String,
        returning: bool,
        /// Besitos for joining through a friend's link.
        #[serde(default)]
        referral_bonus: Option<i64>,
    },
    /// The main menu, with its buttons.
    MainMenu,
    Profile {
        first_name: String,
        besitos: i64,
        current_streak: i32,
        longest_streak: i32,
        member_since: DateTime<Utc>,
        level: LevelStanding,
        /// The title item shown, if the player bought one.
        #[serde(default)]
        title: Option<String>,
        /// The story's characters as this player knows them.
        #[serde(default)]
        relationships: Vec<RelationshipView>,
        /// The player's active VIP plan, shown as its badge.
        #[serde(default)]
        badge: Option<String>,
    },
    Help,
    PrivacyMenu {
        /// Whether the player gets re-engagement reminders (a button turns them off or on).
        #[serde(default = "yes")]
        reminders: bool,
    },
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
    /// An answer in the tone the player's mood calls for; with `ask`, Diana also asks whether
    /// she read them right (the reading's id, for the answer buttons).
    MoodReply {
        mood: String,
        ask: Option<i64>,
    },
    /// The main menu made for this player: greeted in the tone of the mood Diana read lately,
    /// and with what their archetype likes first.
    PersonalMenu {
        mood: Option<String>,
        archetype: Option<String>,
        /// `night`, `morning`, `afternoon` or `evening` where the player is.
        #[serde(default)]
        day_part: Option<String>,
        /// The streak breaks unless today's gift is claimed: the gift comes first.
        #[serde(default)]
        streak_at_risk: bool,
        #[serde(default)]
        suggestion: Option<super::interface::Suggestion>,
    },
    /// A re-engagement reminder: the streak breaks in `hours_left` hours.
    StreakReminder {
        streak: i32,
        #[serde(default)]
        hours_left: u32,
    },
    /// The player turned reminders on or off.
    RemindersSet {
        on: bool,
    },
    /// A question of the onboarding quiz (0-based).
    QuizQuestion {
        question: u8,
    },
    /// The quiz's verdict.
    QuizResult {
        archetype: String,
    },
    QuizSkipped,
    /// Thanks for telling her how they feel.
    MoodThanks {
        mood: String,
    },
    /// A command from someone who has not pressed `/start` yet.
    PleaseStart,
    /// The user is sending faster than the flood limit allows.
    SlowDown,
    /// We failed to handle the update (never a user's fault).
    SomethingWentWrong,
    /// Today's gift, and what it did to the streak.
    DailyGift(DailyGift),
    DailyAlreadyClaimed {
        next_at: DateTime<Utc>,
        streak: i32,
    },
    /// `/besitos`: the balance and the latest ledger entries, newest first.
    Besitos {
        balance: i64,
        total: i64,
        entries: Vec<LedgerLine>,
    },
    /// To a player whose invitation brought a new friend.
    ReferralRewarded {
        friend_name: String,
        amount: i64,
    },
    /// `/tienda`: what is on sale; `offer` numbers this view's buy buttons.
    Shop {
        balance: i64,
        offers: Vec<ShopOffer>,
        offer: u32,
    },
    Purchased {
        item_id: String,
        balance: i64,
        /// Names of the story clues the purchase gave.
        #[serde(default)]
        clues: Vec<String>,
    },
    PurchaseRefused {
        item_id: String,
        refusal: Refusal,
    },
    /// The same buy button again: the first press bought it.
    AlreadyBought {
        item_id: String,
    },
    /// `/mochila`: items held (id, quantity) and the title shown.
    Backpack {
        items: Vec<(String, i32)>,
        title: Option<String>,
        /// How many story clues the player holds (listed by `/pistas`).
        #[serde(default)]
        clues: usize,
    },
    ItemUsed {
        item_id: String,
        reward: GiftReward,
        paid: Option<i64>,
    },
    NothingToUse {
        item_id: String,
    },
    /// An achievement level was unlocked (and `reward` besitos paid).
    AchievementUnlocked {
        achievement_id: String,
        tier: u32,
        reward: i64,
    },
    /// `/logros`: every achievement with the player's progress.
    Achievements {
        entries: Vec<AchievementProgress>,
    },
    /// A trivia question; each option is a button carrying `round_id`.
    TriviaQuestion {
        round_id: i64,
        difficulty: super::trivia::Difficulty,
        text: String,
        options: Vec<String>,
        reward: i64,
        fast_seconds: i64,
        expires_at: DateTime<Utc>,
    },
    TriviaRight {
        paid: Option<i64>,
        fast: bool,
    },
    TriviaWrong {
        correct_option: String,
    },
    TriviaExpired,
    TriviaAlreadyAnswered,
    /// An answer to a question this player was not asked (forged or foreign button).
    TriviaNotAsked,
    /// Today's questions are used up.
    TriviaDone {
        next_at: DateTime<Utc>,
    },
    MissionCompleted {
        mission_id: String,
        reward: i64,
    },
    /// `/misiones`: active missions, daily ones first.
    Missions {
        entries: Vec<MissionProgress>,
    },
    /// A boost item kept unused: a stronger boost is running.
    StrongerBoostActive {
        item_id: String,
    },
    /// A scene of the story and the choices open; buttons carry `turn`. Speakers are shown
    /// as given (emoji and name).
    StoryScene {
        lines: Vec<SceneLine>,
        choices: Vec<StoryChoice>,
        turn: i64,
        ended: bool,
        /// Whether the player is VIP (VIP choices show a lock to everyone else).
        #[serde(default)]
        vip: bool,
        /// Names of the clues found in this step.
        #[serde(default)]
        found: Vec<String>,
        #[serde(default)]
        note: Option<StoryNote>,
        /// The kinds of relationship this step moved (what the choice meant, for the mood).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        felt: Vec<RelationshipType>,
        /// The chapter the player is in after this step.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        chapter: Option<i32>,
    },
    /// The first parts of a scene too long for one message.
    StoryText {
        lines: Vec<SceneLine>,
    },
    /// A picture of the story (`# imagen:<asset>`).
    StoryImage {
        asset: String,
    },
    /// A chapter the player may not enter yet: nothing changed.
    StoryChapterLocked {
        chapter: u32,
        requirement: Requirement,
    },
    /// `/pistas`: the clues the player holds (`held`, of `total` in the story); a long list
    /// comes as several messages, the later ones `continued`.
    Clues {
        entries: Vec<ClueEntry>,
        held: usize,
        total: usize,
        #[serde(default)]
        continued: bool,
    },
    /// What VIP gives, the plans on sale, and the player's subscription if any.
    VipInfo {
        vip: bool,
        #[serde(default)]
        plan: Option<String>,
        #[serde(default)]
        expires_at: Option<DateTime<Utc>>,
        /// Card payments (Stripe) are on.
        #[serde(default)]
        card: bool,
        /// PayPal payments are on.
        #[serde(default)]
        paypal: bool,
    },
    /// The team put the player's story back to its beginning.
    StoryReset,
    /// A one-time dashboard login link (never stored: sent straight from the router).
    AdminLoginLink {
        url: String,
    },
    /// A message the team wrote to the player from the dashboard (plain text, escaped when shown).
    MessageFromTeam {
        text: String,
        /// The broadcast it belongs to, if any: a cancelled broadcast's messages not yet sent
        /// are dropped.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        broadcast: Option<i64>,
    },
    /// A payment page to open for a plan at a provider (`payload` names our invoice).
    CardCheckout {
        plan: String,
        payload: String,
        #[serde(default = "stripe")]
        provider: crate::domain::plans::CardProvider,
    },
    /// An invoice in Telegram Stars for a plan (`payload` names our invoice).
    Invoice {
        plan: String,
        payload: String,
        stars: u32,
        recurring: bool,
    },
    /// The answer to Telegram's pre-checkout question: go ahead, or why not.
    PreCheckoutAnswer {
        query_id: String,
        refusal: Option<CheckoutRefusal>,
    },
    /// A payment turned into access until `expires_at`.
    VipActivated {
        plan: String,
        expires_at: DateTime<Utc>,
    },
    /// Right after asking to join the free channel: a welcome in private, and when to expect entry.
    ChannelWelcome {
        minutes: u32,
    },
    /// Let the player into a channel they asked to join (sends no message).
    ApproveJoin {
        channel_id: i64,
    },
    /// A one-time invite link to the VIP channel (made when sent).
    VipInvite,
    /// Take the player out of the VIP channel (their access ended). Sends no message.
    VipRemove,
    /// The one message a banned player gets.
    Banned,
    /// A payment we could not match to what we sold: no access yet, admins told.
    PaymentProblem,
    /// An admin's VIP token that gives nothing: unknown, used, or expired.
    TokenRefused {
        refusal: crate::payments::TokenRefusal,
    },
    /// The subscription ends in `days` days.
    VipEndingSoon {
        days: u32,
        expires_at: DateTime<Utc>,
        #[serde(default)]
        plan: String,
    },
    /// The subscription ended (or was refunded): perks are off.
    VipEnded {
        refunded: bool,
    },
    /// A button from an earlier scene.
    StaleScene,
    /// No story is loaded on this server.
    StoryUnavailable,
    /// A VIP-only choice pressed by a player who is not VIP: nothing changed.
    StoryNeedsVip,
    /// A choice that costs more besitos than the player has: nothing changed.
    StoryNeedsBesitos {
        missing: i64,
    },
    /// `/ranking`: a board as the player sees it.
    Ranking {
        standings: Standings,
    },
}

/// One achievement in `/logros`. A secret one not unlocked yet is sent without its id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AchievementProgress {
    /// `None` for a secret achievement still hidden.
    pub achievement_id: Option<String>,
    pub unlocked_tiers: u32,
    pub tiers: u32,
    pub value: i64,
    /// The threshold of the next level, if any.
    pub next: Option<i64>,
}

/// One mission in `/misiones`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissionProgress {
    pub mission_id: String,
    pub daily: bool,
    pub progress: i64,
    pub target: i64,
    pub reward: i64,
    pub completed: bool,
}

/// One line of the shop, with the reason it can't be bought now, if any.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShopOffer {
    pub item_id: String,
    pub price: i64,
    pub refusal: Option<Refusal>,
}

/// A claimed daily gift and what it did to the streak.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DailyGift {
    pub gift: Gift,
    /// Besitos paid for the gift (after multipliers), if it was besitos.
    pub paid: Option<i64>,
    /// The gift was besitos but today's cap was reached.
    pub capped: bool,
    pub streak: i32,
    /// (streak length, bonus besitos) when this claim reached a milestone.
    pub milestone: Option<(i32, i64)>,
    pub freezes_used: i32,
    pub late_claim_forgiven: bool,
    pub streak_lost: bool,
    /// Names of the story clues the gift gave.
    #[serde(default)]
    pub clues: Vec<String>,
    /// Besitos added by the player's VIP plan.
    #[serde(default)]
    pub vip_bonus: Option<i64>,
}

/// A clue as `/pistas` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClueEntry {
    pub name: String,
    pub text: String,
}

/// A character on the player's profile: emoji and name, relationship score and type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationshipView {
    pub character: String,
    pub score: i32,
    pub kind: RelationshipType,
}

/// Said before a scene.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StoryNote {
    /// The story changed and the saved place no longer fits: the player starts their chapter
    /// again (from the beginning if it is not known).
    Resumed { chapter: Option<i32> },
}

/// One ledger row as a player reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerLine {
    pub action_type: String,
    pub points_change: i64,
    pub balance_after: i64,
    pub at: DateTime<Utc>,
}

fn yes() -> bool {
    true
}

impl Reply {
    pub fn kind(&self) -> &'static str {
        match self {
            Reply::Welcome { .. } => "welcome",
            Reply::MainMenu => "main_menu",
            Reply::Profile { .. } => "profile",
            Reply::Help => "help",
            Reply::PrivacyMenu { .. } => "privacy_menu",
            Reply::StreakReminder { .. } => "streak_reminder",
            Reply::RemindersSet { .. } => "reminders_set",
            Reply::DataExport { .. } => "data_export",
            Reply::ConfirmDelete => "confirm_delete",
            Reply::DataDeleted => "data_deleted",
            Reply::DeleteCancelled => "delete_cancelled",
            Reply::Unrecognised => "unrecognised",
            Reply::MoodReply { .. } => "mood_reply",
            Reply::MoodThanks { .. } => "mood_thanks",
            Reply::PersonalMenu { .. } => "personal_menu",
            Reply::QuizQuestion { .. } => "quiz_question",
            Reply::QuizResult { .. } => "quiz_result",
            Reply::QuizSkipped => "quiz_skipped",
            Reply::PleaseStart => "please_start",
            Reply::SlowDown => "slow_down",
            Reply::SomethingWentWrong => "something_went_wrong",
            Reply::DailyGift(_) => "daily_gift",
            Reply::DailyAlreadyClaimed { .. } => "daily_already_claimed",
            Reply::Besitos { .. } => "besitos",
            Reply::ReferralRewarded { .. } => "referral_rewarded",
            Reply::Shop { .. } => "shop",
            Reply::Purchased { .. } => "purchased",
            Reply::PurchaseRefused { .. } => "purchase_refused",
            Reply::AlreadyBought { .. } => "already_bought",
            Reply::Backpack { .. } => "backpack",
            Reply::ItemUsed { .. } => "item_used",
            Reply::NothingToUse { .. } => "nothing_to_use",
            Reply::Ranking { .. } => "ranking",
            Reply::StoryScene { .. } => "story_scene",
            Reply::StaleScene => "stale_scene",
            Reply::MessageFromTeam { .. } => "message_from_team",
            Reply::AdminLoginLink { .. } => "admin_login_link",
            Reply::StoryReset => "story_reset",
            Reply::StoryText { .. } => "story_text",
            Reply::StoryImage { .. } => "story_image",
            Reply::StoryChapterLocked { .. } => "story_chapter_locked",
            Reply::Clues { .. } => "clues",
            Reply::VipInfo { .. } => "vip_info",
            Reply::Invoice { .. } => "invoice",
            Reply::CardCheckout { .. } => "card_checkout",
            Reply::PreCheckoutAnswer { .. } => "pre_checkout_answer",
            Reply::VipActivated { .. } => "vip_activated",
            Reply::PaymentProblem => "payment_problem",
            Reply::Banned => "banned",
            Reply::ChannelWelcome { .. } => "channel_welcome",
            Reply::VipInvite => "vip_invite",
            Reply::ApproveJoin { .. } => "approve_join",
            Reply::VipRemove => "vip_remove",
            Reply::TokenRefused { .. } => "token_refused",
            Reply::VipEndingSoon { .. } => "vip_ending_soon",
            Reply::VipEnded { .. } => "vip_ended",
            Reply::StoryUnavailable => "story_unavailable",
            Reply::StoryNeedsVip => "story_needs_vip",
            Reply::StoryNeedsBesitos { .. } => "story_needs_besitos",
            Reply::StrongerBoostActive { .. } => "stronger_boost_active",
            Reply::MissionCompleted { .. } => "mission_completed",
            Reply::Missions { .. } => "missions",
            Reply::TriviaQuestion { .. } => "trivia_question",
            Reply::TriviaRight { .. } => "trivia_right",
            Reply::TriviaWrong { .. } => "trivia_wrong",
            Reply::TriviaExpired => "trivia_expired",
            Reply::TriviaAlreadyAnswered => "trivia_already_answered",
            Reply::TriviaNotAsked => "trivia_not_asked",
            Reply::TriviaDone { .. } => "trivia_done",
            Reply::AchievementUnlocked { .. } => "achievement_unlocked",
            Reply::Achievements { .. } => "achievements",
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

/// Card checkouts queued before PayPal existed were Stripe's.
fn stripe() -> crate::domain::plans::CardProvider {
    crate::domain::plans::CardProvider::Stripe
}
