//! Diana's answer in the tone a player's mood calls for, and her question when she is unsure.

use super::callback::CallbackData;
use super::render::button;
use super::texts::get;
use diana_actors::domain::Lang;
use diana_actors::mood::MOODS;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

/// Gentle when sad, playful when happy, calm when angry, engaging when bored, sweet when
/// flirty, reassuring when anxious, and full of answers when curious.
pub fn reply(lang: Lang, mood: &str, ask: Option<i64>) -> (String, InlineKeyboardMarkup) {
    let key = if MOODS.contains(&mood) { format!("mood_reply_{mood}") } else { "mood_reply_neutral".to_owned() };
    let mut text = get(lang, &key).to_owned();
    let mut rows: Vec<Vec<InlineKeyboardButton>> = Vec::new();
    if let Some(reading) = ask {
        text.push_str("\n\n");
        text.push_str(get(lang, "mood_ask"));
        let buttons: Vec<InlineKeyboardButton> = MOODS
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let label = get(lang, &format!("mood_name_{m}"));
                InlineKeyboardButton::callback(label, CallbackData::Mood { reading, mood: i as u8 }.encode())
            })
            .collect();
        rows.extend(buttons.chunks(3).map(<[InlineKeyboardButton]>::to_vec));
    }
    rows.push(vec![button(lang, "btn_menu", CallbackData::Menu)]);
    (text, InlineKeyboardMarkup::new(rows))
}

pub fn thanks(lang: Lang, mood: &str) -> String {
    let name = get(lang, &format!("mood_name_{mood}"));
    super::texts::fill(lang, "mood_thanks", &[("mood", name)])
}

/// The main menu's first line in the tone of the player's mood.
pub fn menu_greeting(lang: Lang, mood: &str) -> String {
    let key = if MOODS.contains(&mood) { format!("menu_mood_{mood}") } else { "main_menu".to_owned() };
    get(lang, &key).to_owned()
}
