//! `/trivia`: the question with an answer button per option, and the verdicts.

use super::callback::CallbackData;
use super::render::button;
use super::texts::{fill, get};
use chrono::{DateTime, Utc};
use diana_actors::domain::Lang;
use diana_actors::domain::trivia::Difficulty;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

const LETTERS: [&str; 4] = ["A", "B", "C", "D"];

pub fn question(lang: Lang, difficulty: Difficulty, text: &str, reward: i64, fast_seconds: i64) -> String {
    fill(
        lang,
        "trivia_question",
        &[
            ("difficulty", get(lang, &format!("difficulty_{}", difficulty.key()))),
            ("question", text),
            ("reward", &reward.to_string()),
            ("seconds", &fast_seconds.to_string()),
        ],
    )
}

/// One button per option. Labels are plain text, so options need no escaping there.
pub fn answers(round: i64, options: &[String]) -> InlineKeyboardMarkup {
    let rows = options.iter().enumerate().take(4).map(|(i, option)| {
        let data = CallbackData::Answer { round, option: i as u8 };
        vec![InlineKeyboardButton::callback(format!("{}. {option}", LETTERS[i]), data.encode())]
    });
    InlineKeyboardMarkup::new(rows)
}

pub fn right(lang: Lang, paid: Option<i64>, fast: bool) -> String {
    let Some(paid) = paid else { return get(lang, "trivia_right_capped").to_owned() };
    let mut text = fill(lang, "trivia_right", &[("amount", &paid.to_string())]);
    if fast {
        text.push('\n');
        text.push_str(get(lang, "trivia_fast"));
    }
    text
}

pub fn wrong(lang: Lang, correct: &str) -> String {
    fill(lang, "trivia_wrong", &[("answer", correct)])
}

pub fn done(lang: Lang, next_at: DateTime<Utc>) -> String {
    let left = (next_at - Utc::now()).num_minutes().max(0);
    fill(lang, "trivia_done", &[("hours", &(left / 60).to_string()), ("minutes", &(left % 60).to_string())])
}

pub fn nav(lang: Lang) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([vec![
        button(lang, "btn_trivia", CallbackData::Trivia),
        button(lang, "btn_menu", CallbackData::Menu),
    ]])
}
