//! Simulated players: cheap state machines that follow what the bot sends them. Each keeps the
//! buttons of the last keyboard it got and, when its turn comes, does what the mix picks:
//! presses a matching button when the bot offered one, or types the command.

use crate::telegram::callback::CallbackData;
use rand::Rng;
use rand::seq::IndexedRandom;

/// Simulated players' Telegram ids start here: the server takes them for test players, and
/// keeps them out of analytics and mood training.
pub const FIRST_ID: i64 = diana_actors::store::analytics::LOADTEST_FIRST_ID + 1;

/// What a simulated player may do, weighted by the mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    Onboarding,
    Daily,
    Story,
    Ranking,
    Shop,
    Menu,
    Trivia,
    Chat,
    Profile,
}

impl Activity {
    pub const ALL: [Activity; 9] = [
        Activity::Onboarding,
        Activity::Daily,
        Activity::Story,
        Activity::Ranking,
        Activity::Shop,
        Activity::Menu,
        Activity::Trivia,
        Activity::Chat,
        Activity::Profile,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Activity::Onboarding => "onboarding",
            Activity::Daily => "daily",
            Activity::Story => "story",
            Activity::Ranking => "ranking",
            Activity::Shop => "shop",
            Activity::Menu => "menu",
            Activity::Trivia => "trivia",
            Activity::Chat => "chat",
            Activity::Profile => "profile",
        }
    }
}

/// Weights of the activities.
#[derive(Debug, Clone, PartialEq)]
pub struct Mix(Vec<(Activity, u32)>);

impl Mix {
    /// `default`, or `story=40,daily=20,…` (activities left out weigh nothing).
    pub fn parse(text: &str) -> Result<Mix, String> {
        if text == "default" {
            return Ok(Mix::default());
        }
        let mut weights = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, weight) = part.split_once('=').ok_or_else(|| format!("`{part}`: expected activity=weight"))?;
            let activity = Activity::ALL
                .into_iter()
                .find(|a| a.name() == name.trim())
                .ok_or_else(|| format!("`{name}` is not an activity (one of: {})", names()))?;
            let weight = weight.trim().parse().map_err(|_| format!("`{weight}` is not a whole number"))?;
            weights.push((activity, weight));
        }
        if weights.iter().all(|(_, w)| *w == 0) {
            return Err("the mix weighs nothing".into());
        }
        Ok(Mix(weights))
    }

    fn pick(&self, rng: &mut impl Rng) -> Activity {
        let total: u32 = self.0.iter().map(|(_, w)| w).sum();
        let mut draw = rng.random_range(0..total.max(1));
        for (activity, weight) in &self.0 {
            if draw < *weight {
                return *activity;
            }
            draw -= weight;
        }
        Activity::Menu
    }
}

fn names() -> String {
    Activity::ALL.map(Activity::name).join(", ")
}

impl Default for Mix {
    /// Mostly the story and the daily loop, as players of the earlier bots did.
    fn default() -> Mix {
        Mix(vec![
            (Activity::Onboarding, 5),
            (Activity::Daily, 15),
            (Activity::Story, 30),
            (Activity::Ranking, 10),
            (Activity::Shop, 10),
            (Activity::Menu, 10),
            (Activity::Trivia, 10),
            (Activity::Chat, 5),
            (Activity::Profile, 5),
        ])
    }
}

/// What a player sends next.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Text(String),
    Press { message_id: i64, data: String },
}

/// One simulated player.
#[derive(Debug, Clone, Default)]
pub struct Player {
    pub started: bool,
    /// The last message that carried a keyboard, and that keyboard's callback data.
    pub keyboard_message: i64,
    pub keyboard: Vec<String>,
    /// Updates sent and not answered yet, oldest first.
    pub awaiting: std::collections::VecDeque<i64>,
}

const CHAT: [&str; 6] = [
    "hoy estoy contentísima 🎉",
    "qué aburrimiento de tarde 🥱",
    "me siento un poco sola hoy 😢",
    "eres preciosa 😍",
    "¿qué pasa en el café?",
    "estoy hasta las narices 😡",
];

impl Player {
    /// Take the keyboard of a message the bot sent.
    pub fn saw(&mut self, message_id: i64, buttons: Vec<String>) {
        if !buttons.is_empty() {
            self.keyboard_message = message_id;
            self.keyboard = buttons;
        }
    }

    /// Press one of the last keyboard's buttons that `wanted` picks, decoded as the server
    /// decodes them.
    fn press(&self, rng: &mut impl Rng, wanted: impl Fn(&CallbackData) -> bool) -> Option<Input> {
        let matching: Vec<&String> =
            self.keyboard.iter().filter(|d| CallbackData::parse(d).is_some_and(|c| wanted(&c))).collect();
        matching.choose(rng).map(|data| Input::Press { message_id: self.keyboard_message, data: (*data).clone() })
    }

    /// The next thing this player does.
    pub fn next_input(&mut self, mix: &Mix, rng: &mut impl Rng) -> (Activity, Input) {
        if !self.started {
            self.started = true;
            return (Activity::Onboarding, Input::Text("/start".into()));
        }
        let activity = mix.pick(rng);
        let text = |t: &str| Input::Text(t.to_owned());
        let input = match activity {
            Activity::Onboarding => self
                .press(rng, |c| matches!(c, CallbackData::QuizStart | CallbackData::QuizAnswer { .. }))
                .unwrap_or_else(|| text("/menu")),
            Activity::Daily => self.press(rng, |c| *c == CallbackData::Daily).unwrap_or_else(|| text("/regalo")),
            Activity::Story => self
                .press(rng, |c| {
                    matches!(c, CallbackData::Choose { .. } | CallbackData::Story | CallbackData::StoryAgain)
                })
                .unwrap_or_else(|| text("/historia")),
            Activity::Ranking => {
                self.press(rng, |c| matches!(c, CallbackData::Ranking { .. })).unwrap_or_else(|| text("/ranking"))
            }
            Activity::Shop => {
                self.press(rng, |c| matches!(c, CallbackData::Buy { .. })).unwrap_or_else(|| text("/tienda"))
            }
            Activity::Menu => text("/menu"),
            Activity::Trivia => {
                self.press(rng, |c| matches!(c, CallbackData::Answer { .. })).unwrap_or_else(|| text("/trivia"))
            }
            Activity::Chat => text(CHAT.choose(rng).copied().unwrap_or("hola")),
            Activity::Profile => self.press(rng, |c| *c == CallbackData::Profile).unwrap_or_else(|| text("/perfil")),
        };
        (activity, input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn mixes_parse_and_players_follow_the_keyboard() {
        assert!(Mix::parse("story=3,daily=1").is_ok());
        assert!(Mix::parse("story=0").is_err());
        assert!(Mix::parse("dance=1").unwrap_err().contains("not an activity"));
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let mut p = Player::default();
        assert_eq!(p.next_input(&Mix::default(), &mut rng).1, Input::Text("/start".into()));
        p.saw(7, vec!["1:c:a:0".into(), "1:c:a:1".into(), "1:m".into()]);
        let story = Mix::parse("story=1").unwrap();
        match p.next_input(&story, &mut rng) {
            (Activity::Story, Input::Press { message_id: 7, data }) => assert!(data.starts_with("1:c:a:")),
            other => panic!("a story choice from the keyboard, not {other:?}"),
        }
        p.saw(8, vec!["1:m".into()]);
        assert_eq!(p.next_input(&story, &mut rng).1, Input::Text("/historia".into()), "no choice offered: the command");
        // Buttons are decoded as the server decodes them: privacy and clues are not the profile.
        p.saw(9, vec!["1:pv".into(), "1:pi".into(), "1:p".into()]);
        let profile = Mix::parse("profile=1").unwrap();
        for _ in 0..10 {
            assert_eq!(p.next_input(&profile, &mut rng).1, Input::Press { message_id: 9, data: "1:p".into() });
        }
    }
}
