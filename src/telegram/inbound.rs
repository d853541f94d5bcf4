//! Telegram updates in, game actions out. No game rules here: this only names what happened.

use super::callback::CallbackData;
use diana_actors::domain::leaderboard::{Board, Period};
use diana_actors::domain::{Action, Identity, UserUpdate};
use teloxide::types::{ChatMemberKind, Update, UpdateKind, User};

/// An update addressed to a user's actor, and what the edge must do around it.
#[derive(Debug, Clone)]
pub struct Inbound {
    pub update: UserUpdate,
    /// Set for button presses: every one is answered, whatever happens.
    pub callback_id: Option<String>,
}

/// Translate an update. `None` for updates that concern no user's game (group messages,
/// channel posts, edits, kinds we don't handle): they are confirmed and ignored.
pub fn translate(update: &Update) -> Option<Inbound> {
    let update_id = Some(i64::from(update.id.0));
    match &update.kind {
        UpdateKind::Message(msg) if msg.chat.is_private() => {
            let from = msg.from.as_ref()?;
            let action = match msg.successful_payment() {
                Some(p) => Action::PaymentReceived {
                    charge_id: p.telegram_payment_charge_id.0.clone(),
                    payload: p.invoice_payload.clone(),
                    currency: p.currency.clone(),
                    total: p.total_amount,
                    recurring: p.is_recurring,
                    first: p.is_first_recurring,
                    raw: serde_json::to_value(p).unwrap_or_default(),
                },
                None => msg.text().map_or(Action::Unrecognised, |text| match text.starts_with('/') {
                    true => command_action(text),
                    // Words to Diana, not a command: she reads them (at most a message's worth).
                    false if !text.trim().is_empty() => Action::Chat { text: text.chars().take(1000).collect() },
                    false => Action::Unrecognised,
                }),
            };
            let update = UserUpdate { update_id, identity: identity(from), chat_id: msg.chat.id.0, action };
            Some(Inbound { update, callback_id: None })
        }
        UpdateKind::CallbackQuery(q) => {
            let action =
                q.data.as_deref().and_then(CallbackData::parse).map_or(Action::StaleButton, CallbackData::action);
            let chat_id = q.message.as_ref().map_or(user_id(&q.from), |m| m.chat().id.0);
            let update = UserUpdate { update_id, identity: identity(&q.from), chat_id, action };
            Some(Inbound { update, callback_id: Some(q.id.0.clone()) })
        }
        UpdateKind::ChatJoinRequest(r) => {
            let action = Action::JoinRequest { channel_id: r.chat.id.0 };
            // The bot may write to whoever asked, in private, through `user_chat_id`.
            let update = UserUpdate { update_id, identity: identity(&r.from), chat_id: r.user_chat_id.0, action };
            Some(Inbound { update, callback_id: None })
        }
        // Someone joined a channel (not the bot's own membership, which is `my_chat_member`).
        UpdateKind::ChatMember(change) if !change.chat.is_private() => {
            let inside = |kind: &ChatMemberKind| match kind {
                ChatMemberKind::Member(_) | ChatMemberKind::Administrator(_) | ChatMemberKind::Owner(_) => true,
                ChatMemberKind::Restricted(r) => r.is_member,
                _ => false,
            };
            let who = &change.new_chat_member.user;
            let joined = inside(&change.new_chat_member.kind) && !inside(&change.old_chat_member.kind);
            if !joined || who.is_bot {
                return None;
            }
            let action = Action::JoinedChannel { channel_id: change.chat.id.0 };
            let update = UserUpdate { update_id, identity: identity(who), chat_id: user_id(who), action };
            Some(Inbound { update, callback_id: None })
        }
        UpdateKind::MessageReaction(r) => {
            // Anonymous reactions (a channel's default) name nobody to pay.
            let from = r.user()?;
            let emoji = r.new_reaction.iter().find_map(|t| match t {
                teloxide::types::ReactionType::Emoji { emoji } => Some(emoji.clone()),
                _ => None,
            });
            let action = Action::Reacted { channel_id: r.chat.id.0, message_id: i64::from(r.message_id.0), emoji };
            let update = UserUpdate { update_id, identity: identity(from), chat_id: user_id(from), action };
            Some(Inbound { update, callback_id: None })
        }
        UpdateKind::PreCheckoutQuery(q) => {
            let action = Action::PreCheckout {
                query_id: q.id.0.clone(),
                payload: q.invoice_payload.clone(),
                currency: q.currency.clone(),
                total: q.total_amount,
            };
            let update = UserUpdate { update_id, identity: identity(&q.from), chat_id: user_id(&q.from), action };
            Some(Inbound { update, callback_id: None })
        }
        UpdateKind::MyChatMember(change) if change.chat.is_private() => {
            let action = match change.new_chat_member.kind {
                ChatMemberKind::Banned(_) | ChatMemberKind::Left => Action::BlockedBot,
                _ => Action::UnblockedBot,
            };
            let update = UserUpdate { update_id, identity: identity(&change.from), chat_id: change.chat.id.0, action };
            Some(Inbound { update, callback_id: None })
        }
        _ => None,
    }
}

fn user_id(user: &User) -> i64 {
    // Telegram ids fit in 52 bits.
    user.id.0 as i64
}

fn identity(user: &User) -> Identity {
    Identity {
        user_id: user_id(user),
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        username: user.username.clone(),
        language_code: user.language_code.clone(),
    }
}

/// `/cmd`, `/cmd@bot` and `/start <payload>`; anything else is unrecognised.
fn command_action(text: &str) -> Action {
    let Some(rest) = text.strip_prefix('/') else {
        return Action::Unrecognised;
    };
    let (head, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let command = head.split_once('@').map_or(head, |(c, _)| c).to_ascii_lowercase();
    match command.as_str() {
        "start" => Action::Start { payload: Some(args.trim().to_owned()).filter(|p| !p.is_empty()) },
        "menu" => Action::ShowMenu,
        "regalo" | "diario" => Action::ClaimDaily,
        "besitos" => Action::ShowBesitos,
        "tienda" | "shop" => Action::ShowShop,
        "trivia" => Action::AskTrivia,
        "historia" | "story" => Action::PlayStory { choice: None },
        "pistas" | "clues" => Action::ShowClues,
        "vip" => Action::ShowVip,
        "misiones" | "missions" => Action::ShowMissions,
        "logros" | "achievements" => Action::ShowAchievements,
        "ranking" | "top" => Action::ShowRanking { board: Board::Points, period: Period::Week },
        "mochila" | "inventario" => Action::ShowBackpack,
        "perfil" | "profile" => Action::ShowProfile,
        "ayuda" | "help" => Action::ShowHelp,
        "privacidad" | "privacy" => Action::ShowPrivacy,
        "admin" => Action::AdminLogin,
        _ => Action::Unrecognised,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_recognised_with_bot_names_and_payloads() {
        assert_eq!(command_action("/start"), Action::Start { payload: None });
        assert_eq!(command_action("/start ref_42"), Action::Start { payload: Some("ref_42".into()) });
        assert_eq!(command_action("/perfil@DianaBot"), Action::ShowProfile);
        assert_eq!(command_action("/MENU"), Action::ShowMenu);
        assert_eq!(command_action("/regalo_inexistente"), Action::Unrecognised);
        assert_eq!(command_action("hola"), Action::Unrecognised);
        assert_eq!(command_action("/"), Action::Unrecognised);
    }
}
