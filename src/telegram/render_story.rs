//! The story in Telegram: each line with its speaker in bold, and a button per choice.

use super::callback::CallbackData;
use super::html::escape;
use super::render::button;
use super::texts::get;
use diana_actors::domain::Lang;
use diana_actors::story::play::SceneLine;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

fn speaker(id: &str) -> String {
    let (emoji, name) = match id {
        "diana" => ("💋", "Diana"),
        "lucien" => ("🐈‍⬛", "Lucien"),
        "mateo" => ("🍸", "Mateo"),
        other => ("👤", other),
    };
    format!("{emoji} <b>{}</b>", escape(name))
}

pub fn scene(lang: Lang, lines: &[SceneLine], ended: bool) -> String {
    let mut text = lines
        .iter()
        .map(|l| match &l.speaker {
            Some(who) => format!("{}: {}", speaker(who), escape(&l.text)),
            None => escape(&l.text),
        })
        .collect::<Vec<_>>()
        .join("\n\n");
    // Writers' text has no length limit; Telegram's is 4096 characters.
    if text.chars().count() > 3800 {
        text = text.chars().take(3800).collect::<String>();
        text = escape(&html_free(&text));
    }
    if ended {
        text.push_str("\n\n");
        text.push_str(get(lang, "story_end"));
    }
    text
}

/// Strip tags after a cut, so the cut never leaves a tag open.
fn html_free(text: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&")
}

pub fn choices(lang: Lang, choices: &[String], turn: i64, ended: bool) -> InlineKeyboardMarkup {
    let mut rows: Vec<Vec<InlineKeyboardButton>> = choices
        .iter()
        .enumerate()
        .take(10)
        .map(|(i, text)| {
            let data = CallbackData::Choose { turn, index: i as u8 };
            vec![InlineKeyboardButton::callback(text.clone(), data.encode())]
        })
        .collect();
    if ended || rows.is_empty() {
        rows.push(vec![button(lang, "btn_menu", CallbackData::Menu)]);
    }
    InlineKeyboardMarkup::new(rows)
}

pub fn resume(lang: Lang) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([vec![
        button(lang, "btn_story", CallbackData::Story),
        button(lang, "btn_menu", CallbackData::Menu),
    ]])
}

/// After a choice the player could not afford: the shop, or back to the scene.
pub fn to_shop(lang: Lang) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([vec![
        button(lang, "btn_shop", CallbackData::Shop),
        button(lang, "btn_story", CallbackData::Story),
    ]])
}
