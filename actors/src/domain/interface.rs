//! Diana's face: the greeting and the main menu chosen from what the context knows. The tone
//! follows the mood (gentle when sad, playful when happy, calm when angry, engaging when
//! bored), the time of day where the player is sets the salutation, the archetype and a
//! streak at risk order the buttons, and one suggestion fits the moment.

use super::context::PlayerContext;
use super::reply::Reply;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The one thing Diana proposes in the menu.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Suggestion {
    /// The streak breaks tonight unless today's gift is claimed.
    KeepStreak { streak: i32 },
    /// Sad or anxious: something gentle, the story, with no push to spend or compete.
    Comfort,
    /// Bored: a quick challenge.
    Challenge,
    /// "Te puede gustar": a recommended item (`tienda:…`, `logro:…`, `capitulo:…`) and its
    /// name in the player's language (empty for chapters, which the renderer names).
    Recommended { item: String, name: String },
    /// Back to the chapter they are in.
    ContinueStory { chapter: i32 },
}

/// What to propose: a streak at risk comes first, then what the mood calls for, then a
/// recommendation, then the story where they left it. An angry player is proposed nothing.
/// `recommended` is asked only when nothing before it applies.
pub fn suggest(
    context: &PlayerContext,
    mood: Option<&str>,
    recommended: impl FnOnce() -> Option<(String, String)>,
    now: DateTime<Utc>,
) -> Option<Suggestion> {
    if context.streak_at_risk(now) {
        return Some(Suggestion::KeepStreak { streak: context.current_streak() });
    }
    match mood {
        Some("triste" | "ansioso") => return Some(Suggestion::Comfort),
        Some("aburrido") => return Some(Suggestion::Challenge),
        Some("enojado") => return None,
        _ => {}
    }
    if let Some((item, name)) = recommended() {
        return Some(Suggestion::Recommended { item, name });
    }
    context.chapter().map(|chapter| Suggestion::ContinueStory { chapter })
}

/// The main menu for this player now. `recommended` gives the recommender's pick for them.
pub fn main_menu(
    context: &PlayerContext,
    archetype: Option<&str>,
    recommended: impl FnOnce() -> Option<(String, String)>,
    now: DateTime<Utc>,
) -> Reply {
    let mood = context.mood(now).map(|(mood, _)| mood);
    Reply::PersonalMenu {
        mood: mood.map(str::to_owned),
        archetype: archetype.map(str::to_owned),
        day_part: Some(context.day_part(now).as_str().to_owned()),
        streak_at_risk: context.streak_at_risk(now),
        suggestion: suggest(context, mood, recommended, now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::context::Known;
    use chrono::Duration;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::minutes(minutes)
    }

    fn context(streak_at_risk: bool) -> PlayerContext {
        let tz = Some(chrono_tz::Europe::Madrid);
        let today = at(0).with_timezone(&chrono_tz::Europe::Madrid).date_naive();
        let last_claim = if streak_at_risk { today.pred_opt() } else { Some(today) };
        let known = Known { tz, game_tz: tz, current_streak: 6, last_claim, chapter: Some(2), ..Known::default() };
        PlayerContext::from_known(known)
    }

    #[test]
    fn the_moment_decides_what_diana_proposes() {
        let rose = Some(("tienda:rosa".to_owned(), "Rosa".to_owned()));
        let c = context(true);
        assert_eq!(suggest(&c, Some("feliz"), || rose.clone(), at(0)), Some(Suggestion::KeepStreak { streak: 6 }));
        let c = context(false);
        assert_eq!(suggest(&c, Some("triste"), || rose.clone(), at(0)), Some(Suggestion::Comfort));
        assert_eq!(suggest(&c, Some("aburrido"), || rose.clone(), at(0)), Some(Suggestion::Challenge));
        assert_eq!(suggest(&c, Some("enojado"), || rose.clone(), at(0)), None, "calm: nothing pushed");
        let recommended = Suggestion::Recommended { item: "tienda:rosa".into(), name: "Rosa".into() };
        assert_eq!(suggest(&c, Some("feliz"), || rose, at(0)), Some(recommended));
        assert_eq!(suggest(&c, None, || None, at(0)), Some(Suggestion::ContinueStory { chapter: 2 }));
    }

    #[test]
    fn the_menu_carries_mood_time_of_day_and_risk() {
        let mut c = context(true);
        c.read_mood("triste", 0.9, at(0));
        let Reply::PersonalMenu { mood, day_part, streak_at_risk, .. } = main_menu(&c, Some("social"), || None, at(0))
        else {
            panic!("a personal menu")
        };
        assert_eq!((mood.as_deref(), day_part.as_deref(), streak_at_risk), (Some("triste"), Some("morning"), true));
        let Reply::PersonalMenu { mood, day_part, .. } = main_menu(&c, None, || None, at(12 * 60)) else { panic!() };
        assert_eq!((mood, day_part.as_deref()), (None, Some("evening")), "the mood faded by the evening");
    }
}
