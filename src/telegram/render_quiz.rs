//! The onboarding quiz (four questions, skippable) and the menu ordered by the archetype it gives.

use super::callback::CallbackData;
use super::render::button;
use super::texts::get;
use diana_actors::domain::Lang;
use diana_actors::domain::archetype::{ARCHETYPES, QUESTIONS};
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

pub fn invitation(lang: Lang) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([vec![
        button(lang, "btn_quiz_start", CallbackData::QuizStart),
        button(lang, "btn_quiz_skip", CallbackData::QuizSkip),
    ]])
}

/// Question `question` with its four answers, one per archetype, and a way out.
pub fn question(lang: Lang, question: u8) -> (String, Option<InlineKeyboardMarkup>) {
    let q = question.min(QUESTIONS - 1);
    let text = format!("{} {}/{}\n\n{}", get(lang, "quiz_title"), q + 1, QUESTIONS, get(lang, &format!("quiz_q{q}")));
    let mut rows: Vec<Vec<InlineKeyboardButton>> = (0..ARCHETYPES.len() as u8)
        .map(|a| vec![button(lang, &format!("quiz_q{q}_a{a}"), CallbackData::QuizAnswer { question: q, answer: a })])
        .collect();
    rows.push(vec![button(lang, "btn_quiz_skip", CallbackData::QuizSkip)]);
    (text, Some(InlineKeyboardMarkup::new(rows)))
}

pub fn result(lang: Lang, archetype: &str) -> String {
    get(lang, &format!("quiz_result_{archetype}")).to_owned()
}

/// The main menu, two buttons to a row, with what this archetype reaches for first; a streak
/// that breaks today puts the gift before everything.
pub fn menu_for(lang: Lang, archetype: Option<&str>, streak_at_risk: bool) -> InlineKeyboardMarkup {
    let favourites: &[&str] = match archetype {
        Some("explorador") => &["btn_story", "btn_trivia"],
        Some("triunfador") => &["btn_missions", "btn_achievements"],
        Some("social") => &["btn_profile", "btn_story"],
        Some("competidor") => &["btn_ranking", "btn_trivia"],
        _ => &[],
    };
    let daily: &[&str] = if streak_at_risk { &["btn_daily"] } else { &[] };
    let first: Vec<&str> = daily.iter().chain(favourites).copied().collect();
    let mut buttons = super::render::main_menu_buttons().to_vec();
    // A stable sort: the favourites move up in their own order, the rest keep theirs.
    buttons.sort_by_key(|(key, _)| first.iter().position(|f| f == key).unwrap_or(first.len()));
    let buttons: Vec<InlineKeyboardButton> = buttons.into_iter().map(|(key, data)| button(lang, key, data)).collect();
    InlineKeyboardMarkup::new(buttons.chunks(2).map(<[InlineKeyboardButton]>::to_vec))
}
