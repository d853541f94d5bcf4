//! The story in Telegram: each line with its speaker in bold, a button per choice (🔒 for a VIP
//! choice the player cannot take, 💋 with the price for one that costs), locked chapters,
//! clues, and relationships on the profile. The actor already cut long scenes to size.

use super::callback::CallbackData;
use super::html::escape;
use super::render::button;
use super::texts::{fill, get};
use diana_actors::domain::Lang;
use diana_actors::domain::reply::{ClueEntry, RelationshipView, StoryNote};
use diana_actors::domain::story_rules::{RelationshipType, Requirement, SceneLine, StoryChoice};
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

/// Longest button text we send; Telegram shows little more on a phone anyway.
const BUTTON_CHARS: usize = 64;

pub fn scene(lang: Lang, lines: &[SceneLine], ended: bool, found: &[String], note: Option<StoryNote>) -> String {
    let mut parts = Vec::new();
    if let Some(StoryNote::Resumed { chapter }) = note {
        parts.push(match chapter {
            Some(n) => fill(lang, "story_resumed", &[("chapter", &n.to_string())]),
            None => get(lang, "story_resumed_start").to_owned(),
        });
    }
    parts.extend(lines.iter().map(|l| match &l.speaker {
        Some(who) => format!("<b>{}</b>: {}", escape(who), escape(&l.text)),
        None => escape(&l.text),
    }));
    parts.extend(found.iter().map(|name| fill(lang, "story_found", &[("name", name)])));
    if ended {
        parts.push(get(lang, "story_end").to_owned());
    }
    if parts.is_empty() {
        // A choice that leads straight to more choices: Telegram refuses an empty message.
        parts.push(get(lang, "story_go_on").to_owned());
    }
    parts.join("\n\n")
}

fn choice_label(choice: &StoryChoice, vip: bool) -> String {
    let mut label: String = choice.text.chars().take(BUTTON_CHARS).collect();
    if choice.vip {
        label = format!("{} {label}", if vip { "💎" } else { "🔒" });
    }
    if let Some(cost) = choice.cost {
        label = format!("{label} · 💋 {cost}");
    }
    label
}

pub fn choices(lang: Lang, choices: &[StoryChoice], turn: i64, ended: bool, vip: bool) -> InlineKeyboardMarkup {
    let mut rows: Vec<Vec<InlineKeyboardButton>> = choices
        .iter()
        .enumerate()
        .take(10)
        .map(|(i, choice)| {
            let data = CallbackData::Choose { turn, index: i as u8 };
            vec![InlineKeyboardButton::callback(choice_label(choice, vip), data.encode())]
        })
        .collect();
    if ended || rows.is_empty() {
        rows.push(vec![button(lang, "btn_story_again", CallbackData::StoryAgain)]);
        rows.push(vec![button(lang, "btn_clues", CallbackData::Clues), button(lang, "btn_menu", CallbackData::Menu)]);
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

/// After a VIP choice by a player who is not VIP: what VIP is, or back to the scene.
pub fn to_vip(lang: Lang) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([vec![
        button(lang, "btn_vip", CallbackData::Vip),
        button(lang, "btn_story", CallbackData::Story),
    ]])
}

pub fn locked(lang: Lang, chapter: u32, requirement: &Requirement) -> (String, InlineKeyboardMarkup) {
    let why = match requirement {
        Requirement::Level(n) => fill(lang, "story_locked_level", &[("level", &n.to_string())]),
        Requirement::Besitos(n) => fill(lang, "story_locked_besitos", &[("amount", &n.to_string())]),
        Requirement::Vip => get(lang, "story_locked_vip").to_owned(),
        Requirement::Chapter(n) => fill(lang, "story_locked_previous", &[("previous", &n.to_string())]),
    };
    let text = fill(lang, "story_locked", &[("chapter", &chapter.to_string()), ("why", &why)]);
    let keyboard = match requirement {
        Requirement::Vip => to_vip(lang),
        Requirement::Besitos(_) | Requirement::Level(_) => InlineKeyboardMarkup::new([vec![
            button(lang, "btn_daily", CallbackData::Daily),
            button(lang, "btn_story", CallbackData::Story),
        ]]),
        Requirement::Chapter(_) => resume(lang),
    };
    (text, keyboard)
}

pub fn clues(lang: Lang, entries: &[ClueEntry], held: usize, total: usize, continued: bool) -> String {
    if held == 0 {
        return get(lang, "clues_empty").to_owned();
    }
    let mut parts = Vec::new();
    if !continued {
        let (held, total) = (held.to_string(), total.to_string());
        parts.push(fill(lang, "clues_title", &[("count", &held), ("total", &total)]));
        parts.push(get(lang, "clues_hint").to_owned());
    }
    parts.extend(entries.iter().map(|c| format!("<b>{}</b>\n{}", escape(&c.name), escape(&c.text))));
    parts.join("\n\n")
}

/// The characters block of `/perfil` (empty before the player met anyone).
pub fn relationships(lang: Lang, relationships: &[RelationshipView]) -> String {
    if relationships.is_empty() {
        return String::new();
    }
    let mut text = format!("\n{}", get(lang, "profile_characters"));
    for r in relationships {
        let kind = get(
            lang,
            match r.kind {
                RelationshipType::Friend => "rel_friend",
                RelationshipType::Romantic => "rel_romantic",
                RelationshipType::Rival => "rel_rival",
            },
        );
        let score = format!("{:+}", r.score);
        text.push('\n');
        text.push_str(&fill(lang, "relationship_line", &[("name", &r.character), ("kind", kind), ("score", &score)]));
    }
    text
}
