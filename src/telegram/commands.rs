//! The command list shown by Telegram's "/" menu, in Spanish (default) and English.

use super::api::TelegramApi;
use super::texts;
use diana_actors::domain::Lang;
use std::time::Duration;
use teloxide::payloads::SetMyCommandsSetters;
use teloxide::prelude::Requester;
use teloxide::types::BotCommand;

/// Commands that exist today; each feature adds its own.
const COMMANDS: &[&str] = &[
    "start",
    "menu",
    "regalo",
    "tienda",
    "mochila",
    "ranking",
    "logros",
    "trivia",
    "misiones",
    "historia",
    "pistas",
    "vip",
    "besitos",
    "perfil",
    "ayuda",
    "privacidad",
];

pub fn bot_commands(lang: Lang) -> Vec<BotCommand> {
    COMMANDS.iter().map(|c| BotCommand::new(*c, texts::get(lang, &format!("cmd_{c}")))).collect()
}

/// Register the commands, retrying in the background until Telegram accepts them.
pub fn register_in_background(api: TelegramApi) {
    tokio::spawn(async move {
        let mut wait = Duration::from_millis(500);
        loop {
            let es = api.call("setMyCommands", api.bot.set_my_commands(bot_commands(Lang::Es))).await;
            let en =
                api.call("setMyCommands", api.bot.set_my_commands(bot_commands(Lang::En)).language_code("en")).await;
            if es.is_ok() && en.is_ok() {
                tracing::info!("bot commands registered");
                return;
            }
            tracing::warn!("could not register bot commands yet; retrying");
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(60));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_a_description_in_both_languages() {
        for lang in [Lang::Es, Lang::En] {
            for c in bot_commands(lang) {
                assert!((3..=256).contains(&c.description.chars().count()), "{}", c.command);
            }
        }
    }
}
