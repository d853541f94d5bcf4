//! `/misiones` and the mission-complete message.

use super::callback::CallbackData;
use super::render::button;
use super::texts::{fill, get};
use diana_actors::domain::level::bar;
use diana_actors::domain::missions::Mission;
use diana_actors::domain::{Lang, MissionProgress};
use teloxide::types::InlineKeyboardMarkup;

/// The running mission (an admin may replace them while the server runs).
fn mission(id: &str) -> Option<Mission> {
    diana_actors::content::shelf().missions.get().get(id).cloned()
}

pub fn completed(lang: Lang, id: &str, reward: i64) -> String {
    let Some(m) = mission(id) else { return get(lang, "mission_done_unknown").to_owned() };
    fill(lang, "mission_done", &[("name", m.wording.name(lang)), ("reward", &reward.to_string())])
}

pub fn nav(lang: Lang) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([vec![
        button(lang, "btn_missions", CallbackData::Missions),
        button(lang, "btn_menu", CallbackData::Menu),
    ]])
}

pub fn list(lang: Lang, entries: &[MissionProgress]) -> String {
    let mut text = get(lang, "missions_header").to_owned();
    if entries.is_empty() {
        text.push_str("\n\n");
        text.push_str(get(lang, "missions_empty"));
        return text;
    }
    let mut section = None;
    for e in entries {
        let Some(m) = mission(&e.mission_id) else { continue };
        if section != Some(e.daily) {
            section = Some(e.daily);
            text.push_str("\n\n");
            text.push_str(get(lang, if e.daily { "missions_today" } else { "missions_ongoing" }));
        }
        let status = if e.completed {
            get(lang, "mission_status_done").to_owned()
        } else {
            fill(
                lang,
                "mission_status",
                &[
                    ("bar", &bar(e.progress, e.target, 8)),
                    ("progress", &e.progress.to_string()),
                    ("target", &e.target.to_string()),
                ],
            )
        };
        text.push('\n');
        text.push_str(&fill(
            lang,
            "mission_line",
            &[
                ("icon", if e.completed { "✅" } else { "▫️" }),
                ("name", m.wording.name(lang)),
                ("reward", &e.reward.to_string()),
                ("description", m.wording.description(lang)),
                ("status", &status),
            ],
        ));
    }
    text
}
