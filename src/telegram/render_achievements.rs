//! `/logros` and the unlock message. Names come from the embedded definitions; secret
//! achievements still hidden show as a question mark.

use super::callback::CallbackData;
use super::render::button;
use super::texts::{fill, get};
use diana_actors::domain::achievements::Achievement;
use diana_actors::domain::level::bar;
use diana_actors::domain::{AchievementProgress, Lang};
use teloxide::types::InlineKeyboardMarkup;

/// The running definition (an admin may replace them while the server runs).
fn definition(id: &str) -> Option<Achievement> {
    diana_actors::content::shelf().achievements.get().get(id).cloned()
}

fn medal(tier: u32, tiers: u32) -> &'static str {
    match (tiers, tier) {
        (1, _) => "🏅",
        (_, 1) => "🥉",
        (_, 2) => "🥈",
        _ => "🥇",
    }
}

pub fn unlocked(lang: Lang, id: &str, tier: u32, reward: i64) -> String {
    let Some(a) = definition(id) else { return get(lang, "achievement_unknown").to_owned() };
    let level = if a.tiers.len() > 1 { get(lang, &format!("tier_{tier}")) } else { "" };
    fill(
        lang,
        "achievement_unlocked",
        &[
            ("medal", medal(tier, a.tiers.len() as u32)),
            ("name", a.wording.name(lang)),
            ("level", level),
            ("description", a.wording.description(lang)),
            ("reward", &reward.to_string()),
        ],
    )
}

pub fn nav(lang: Lang) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([vec![
        button(lang, "btn_achievements", CallbackData::Achievements),
        button(lang, "btn_menu", CallbackData::Menu),
    ]])
}

pub fn list(lang: Lang, entries: &[AchievementProgress]) -> String {
    let done = entries.iter().filter(|e| e.unlocked_tiers > 0).count();
    let mut text =
        fill(lang, "achievements_header", &[("done", &done.to_string()), ("total", &entries.len().to_string())]);
    for e in entries {
        text.push('\n');
        let Some(a) = e.achievement_id.as_deref().and_then(definition) else {
            text.push_str(get(lang, "achievement_secret"));
            continue;
        };
        let medals: String = (1..=e.unlocked_tiers).map(|t| medal(t, e.tiers)).collect();
        let progress = match e.next {
            Some(next) => fill(
                lang,
                "achievement_progress",
                &[
                    ("bar", &bar(e.value, next, 8)),
                    ("value", &e.value.min(next).to_string()),
                    ("next", &next.to_string()),
                ],
            ),
            None => get(lang, "achievement_complete").to_owned(),
        };
        let icon = if medals.is_empty() { "🔒".to_owned() } else { medals };
        text.push_str(&fill(
            lang,
            "achievement_line",
            &[("icon", &icon), ("name", a.wording.name(lang)), ("progress", &progress)],
        ));
    }
    text
}
