//! Diana's face as Telegram shows it: the greeting in the tone of the mood (or the time of
//! day), the suggestion that fits the moment with its button, and the menu ordered by
//! archetype and streak risk. Also the streak reminder and the reminders switch.

use super::callback::CallbackData;
use super::render::button;
use super::texts::{fill, get};
use diana_actors::domain::Lang;
use diana_actors::domain::interface::Suggestion;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

pub struct MenuView<'a> {
    pub mood: Option<&'a str>,
    pub archetype: Option<&'a str>,
    pub day_part: Option<&'a str>,
    pub streak_at_risk: bool,
    pub suggestion: Option<&'a Suggestion>,
}

pub fn personal_menu(lang: Lang, view: &MenuView<'_>) -> (String, InlineKeyboardMarkup) {
    let mut text = match (view.mood, view.day_part) {
        (Some(mood), _) => super::render_mood::menu_greeting(lang, mood),
        (None, Some(part @ ("night" | "morning" | "afternoon" | "evening"))) => {
            format!("{}\n{}", get(lang, &format!("menu_hello_{part}")), get(lang, "main_menu"))
        }
        (None, _) => get(lang, "main_menu").to_owned(),
    };
    let suggested = view.suggestion.map(|s| suggestion(lang, s));
    if let Some((line, _)) = &suggested {
        text.push_str("\n\n");
        text.push_str(line);
    }
    let mut keyboard = super::render_quiz::menu_for(lang, view.archetype, view.streak_at_risk);
    // The suggestion's own button goes last, so the menu keeps its place for the thumb.
    if let Some((_, Some(extra))) = suggested {
        keyboard.inline_keyboard.push(vec![extra]);
    }
    (text, keyboard)
}

/// The suggestion's line and, where it leads somewhere, a button there.
fn suggestion(lang: Lang, s: &Suggestion) -> (String, Option<InlineKeyboardButton>) {
    match s {
        Suggestion::KeepStreak { streak } => {
            let line = fill(lang, "suggest_keep_streak", &[("streak", &streak.to_string())]);
            (line, Some(button(lang, "btn_suggest_daily", CallbackData::Daily)))
        }
        Suggestion::Comfort => {
            (get(lang, "suggest_comfort").to_owned(), Some(button(lang, "btn_suggest_story", CallbackData::Story)))
        }
        Suggestion::Challenge => {
            (get(lang, "suggest_challenge").to_owned(), Some(button(lang, "btn_suggest_trivia", CallbackData::Trivia)))
        }
        Suggestion::Recommended { item, name } => {
            let (name, target) = match item.split_once(':') {
                Some(("capitulo", n)) => (fill(lang, "chapter_name", &[("chapter", n)]), CallbackData::Story),
                Some(("logro", _)) => (name.clone(), CallbackData::Achievements),
                _ => (name.clone(), CallbackData::Shop),
            };
            let line = fill(lang, "suggest_recommended", &[("name", &name)]);
            (line, Some(button(lang, "btn_suggest_look", target)))
        }
        Suggestion::ContinueStory { chapter } => {
            let line = fill(lang, "suggest_continue_story", &[("chapter", &chapter.to_string())]);
            (line, Some(button(lang, "btn_suggest_story", CallbackData::Story)))
        }
    }
}

pub fn streak_reminder(lang: Lang, streak: i32, hours_left: u32) -> (String, InlineKeyboardMarkup) {
    let args = [("streak", streak.to_string()), ("hours", hours_left.max(1).to_string())];
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let text = fill(lang, "streak_reminder", &args);
    let keyboard = InlineKeyboardMarkup::new([
        vec![button(lang, "btn_suggest_daily", CallbackData::Daily)],
        vec![button(lang, "btn_reminders_off", CallbackData::RemindersOff)],
    ]);
    (text, keyboard)
}

pub fn privacy_menu(lang: Lang, reminders: bool) -> InlineKeyboardMarkup {
    let switch = if reminders {
        button(lang, "btn_reminders_off", CallbackData::RemindersOff)
    } else {
        button(lang, "btn_reminders_on", CallbackData::RemindersOn)
    };
    InlineKeyboardMarkup::new([
        vec![button(lang, "btn_export", CallbackData::ExportData)],
        vec![switch],
        vec![button(lang, "btn_delete", CallbackData::AskDelete)],
        vec![button(lang, "btn_menu", CallbackData::Menu)],
    ])
}

pub fn reminders_set(lang: Lang, on: bool) -> String {
    get(lang, if on { "reminders_on" } else { "reminders_off" }).to_owned()
}
