//! The Telegram edge: updates in (long polling or webhook) → actor messages; replies out
//! through the outbox. It holds no game rules.

pub mod api;
pub mod bucket;
pub mod callback;
pub mod channels;
pub mod commands;
pub mod html;
pub mod inbound;
pub mod media;
pub mod outbox;
pub mod polling;
pub mod render;
pub mod render_achievements;
pub mod render_economy;
pub mod render_menu;
pub mod render_missions;
pub mod render_mood;
pub mod render_quiz;
pub mod render_ranking;
pub mod render_shop;
pub mod render_story;
pub mod render_trivia;
pub mod render_vip;
pub mod router;
pub mod standin;
pub mod stripe_checkout;
pub mod texts;

use teloxide::types::AllowedUpdate;

/// The update kinds Diana asks Telegram for.
pub const ALLOWED_UPDATES: &[AllowedUpdate] = &[
    AllowedUpdate::Message,
    AllowedUpdate::CallbackQuery,
    AllowedUpdate::MyChatMember,
    AllowedUpdate::PreCheckoutQuery,
    AllowedUpdate::ChatJoinRequest,
    AllowedUpdate::MessageReaction,
    AllowedUpdate::ChatMember,
];
