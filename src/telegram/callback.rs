//! The data carried by inline buttons: a typed, versioned enum, at most 64 bytes, parsed
//! without panics. Unknown versions and forged data parse to `None` and get a polite answer.

use diana_actors::domain::Action;
use diana_actors::domain::leaderboard::{Board, Period};
use diana_actors::domain::plans::CardProvider;

/// Ranking buttons: board and period in two letters.
const RANKINGS: [(Board, Period, &str); 5] = [
    (Board::Points, Period::Week, "pw"),
    (Board::Points, Period::Month, "pm"),
    (Board::Points, Period::AllTime, "pa"),
    (Board::Streak, Period::AllTime, "sa"),
    (Board::Trivia, Period::AllTime, "ta"),
];

/// Bump when the meaning of an encoding changes; older buttons then read as stale.
const VERSION: &str = "1";
/// Telegram's limit for `callback_data`.
pub const MAX_BYTES: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackData {
    Menu,
    Profile,
    Help,
    Privacy,
    ExportData,
    AskDelete,
    ConfirmDelete,
    CancelDelete,
    Daily,
    Besitos,
    Shop,
    Backpack,
    Achievements,
    Trivia,
    Missions,
    Story,
    Clues,
    Vip,
    StoryAgain,
    /// Buy `item` from the shop view numbered `offer`.
    Buy {
        item: String,
        offer: u32,
    },
    Use {
        item: String,
    },
    /// Buy a VIP plan (an invoice follows).
    Plan {
        plan: String,
    },
    /// Buy a VIP plan outside Telegram (a Stripe Checkout page or a PayPal approval follows).
    PlanCard {
        plan: String,
        provider: CardProvider,
    },
    Ranking {
        board: Board,
        period: Period,
    },
    /// A choice of the story scene at `turn`.
    Choose {
        turn: i64,
        index: u8,
    },
    /// An answer to the trivia round `round`.
    Answer {
        round: i64,
        option: u8,
    },
    /// The onboarding quiz.
    QuizStart,
    QuizSkip,
    QuizAnswer {
        question: u8,
        answer: u8,
    },
    /// Re-engagement reminders on or off (from `/privacidad`).
    RemindersOn,
    RemindersOff,
    /// The player's mood (an index into the moods) for the reading Diana asked about.
    Mood {
        reading: i64,
        mood: u8,
    },
}

const SIMPLE: [(CallbackData, &str); 21] = [
    (CallbackData::Menu, "m"),
    (CallbackData::Profile, "p"),
    (CallbackData::Help, "h"),
    (CallbackData::Privacy, "pv"),
    (CallbackData::ExportData, "ex"),
    (CallbackData::AskDelete, "dq"),
    (CallbackData::ConfirmDelete, "dy"),
    (CallbackData::CancelDelete, "dn"),
    (CallbackData::Daily, "g"),
    (CallbackData::Besitos, "b"),
    (CallbackData::Shop, "t"),
    (CallbackData::Backpack, "bp"),
    (CallbackData::Achievements, "a"),
    (CallbackData::Trivia, "q"),
    (CallbackData::Missions, "ms"),
    (CallbackData::Story, "st"),
    (CallbackData::Clues, "pi"),
    (CallbackData::Vip, "vp"),
    (CallbackData::StoryAgain, "sa"),
    (CallbackData::RemindersOn, "n1"),
    (CallbackData::RemindersOff, "n0"),
];

/// Item ids in button data: the catalogue keeps them to 1-24 characters of `a-z_`.
fn valid_item(item: &str) -> bool {
    !item.is_empty() && item.len() <= 24 && item.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

impl CallbackData {
    pub fn encode(&self) -> String {
        match self {
            CallbackData::Buy { item, offer } => format!("{VERSION}:k:{item}:{offer:x}"),
            CallbackData::Use { item } => format!("{VERSION}:u:{item}"),
            CallbackData::Plan { plan } => format!("{VERSION}:pl:{plan}"),
            CallbackData::PlanCard { plan, provider: CardProvider::Stripe } => format!("{VERSION}:pc:{plan}"),
            CallbackData::PlanCard { plan, provider: CardProvider::Paypal } => format!("{VERSION}:pp:{plan}"),
            CallbackData::Answer { round, option } => format!("{VERSION}:q:{round:x}:{option}"),
            CallbackData::Mood { reading, mood } => format!("{VERSION}:md:{reading:x}:{mood}"),
            CallbackData::QuizStart => format!("{VERSION}:oz:s"),
            CallbackData::QuizSkip => format!("{VERSION}:oz:x"),
            CallbackData::QuizAnswer { question, answer } => format!("{VERSION}:oa:{question}:{answer}"),
            CallbackData::Choose { turn, index } => format!("{VERSION}:c:{turn:x}:{index}"),
            CallbackData::Ranking { board, period } => {
                let code = RANKINGS.iter().find(|(b, p, _)| b == board && p == period).map_or("pw", |(_, _, c)| c);
                format!("{VERSION}:r:{code}")
            }
            simple => {
                let code = SIMPLE.iter().find(|(d, _)| d == simple).map_or("m", |(_, c)| c);
                format!("{VERSION}:{code}")
            }
        }
    }

    pub fn parse(data: &str) -> Option<CallbackData> {
        if data.len() > MAX_BYTES {
            return None;
        }
        let (version, rest) = data.split_once(':')?;
        if version != VERSION {
            return None;
        }
        let mut parts = rest.split(':');
        let parsed = match (parts.next()?, parts.next(), parts.next()) {
            ("k", Some(item), Some(offer)) if valid_item(item) => {
                CallbackData::Buy { item: item.to_owned(), offer: u32::from_str_radix(offer, 16).ok()? }
            }
            ("u", Some(item), None) if valid_item(item) => CallbackData::Use { item: item.to_owned() },
            ("pl", Some(plan), None) if valid_item(plan) => CallbackData::Plan { plan: plan.to_owned() },
            ("pc", Some(plan), None) if valid_item(plan) => {
                CallbackData::PlanCard { plan: plan.to_owned(), provider: CardProvider::Stripe }
            }
            ("pp", Some(plan), None) if valid_item(plan) => {
                CallbackData::PlanCard { plan: plan.to_owned(), provider: CardProvider::Paypal }
            }
            ("c", Some(turn), Some(index)) => CallbackData::Choose {
                turn: i64::from_str_radix(turn, 16).ok().filter(|t| *t > 0)?,
                index: index.parse().ok().filter(|i| *i < 10)?,
            },
            ("q", Some(round), Some(option)) => CallbackData::Answer {
                round: i64::from_str_radix(round, 16).ok().filter(|r| *r > 0)?,
                option: option.parse().ok().filter(|o| *o < 4)?,
            },
            ("oz", Some("s"), None) => CallbackData::QuizStart,
            ("oz", Some("x"), None) => CallbackData::QuizSkip,
            ("oa", Some(question), Some(answer)) => CallbackData::QuizAnswer {
                question: question.parse().ok().filter(|q| *q < diana_actors::domain::archetype::QUESTIONS)?,
                answer: answer
                    .parse()
                    .ok()
                    .filter(|a| usize::from(*a) < diana_actors::domain::archetype::ARCHETYPES.len())?,
            },
            ("md", Some(reading), Some(mood)) => CallbackData::Mood {
                reading: i64::from_str_radix(reading, 16).ok().filter(|r| *r > 0)?,
                mood: mood.parse().ok().filter(|m| usize::from(*m) < diana_actors::mood::MOODS.len())?,
            },
            ("r", Some(code), None) => {
                let (board, period, _) = RANKINGS.iter().find(|(_, _, c)| *c == code)?;
                CallbackData::Ranking { board: *board, period: *period }
            }
            (code, None, None) => SIMPLE.iter().find(|(_, c)| *c == code)?.0.clone(),
            _ => return None,
        };
        parts.next().is_none().then_some(parsed)
    }

    pub fn action(self) -> Action {
        match self {
            CallbackData::Menu => Action::ShowMenu,
            CallbackData::Profile => Action::ShowProfile,
            CallbackData::Help => Action::ShowHelp,
            CallbackData::Privacy => Action::ShowPrivacy,
            CallbackData::ExportData => Action::ExportMyData,
            CallbackData::AskDelete => Action::AskDeleteMyData,
            CallbackData::ConfirmDelete => Action::ConfirmDeleteMyData,
            CallbackData::CancelDelete => Action::CancelDeleteMyData,
            CallbackData::Daily => Action::ClaimDaily,
            CallbackData::Besitos => Action::ShowBesitos,
            CallbackData::Shop => Action::ShowShop,
            CallbackData::Backpack => Action::ShowBackpack,
            CallbackData::Achievements => Action::ShowAchievements,
            CallbackData::Trivia => Action::AskTrivia,
            CallbackData::Missions => Action::ShowMissions,
            CallbackData::Story => Action::PlayStory { choice: None },
            CallbackData::Clues => Action::ShowClues,
            CallbackData::Vip => Action::ShowVip,
            CallbackData::StoryAgain => Action::StartStoryAgain,
            CallbackData::RemindersOn => Action::SetReminders { on: true },
            CallbackData::RemindersOff => Action::SetReminders { on: false },
            CallbackData::Choose { turn, index } => Action::PlayStory { choice: Some((turn, index.into())) },
            CallbackData::Answer { round, option } => Action::AnswerTrivia { round_id: round, option: option.into() },
            CallbackData::Mood { reading, mood } => Action::LabelMood { reading_id: reading, mood },
            CallbackData::QuizStart => Action::QuizStart,
            CallbackData::QuizSkip => Action::QuizSkip,
            CallbackData::QuizAnswer { question, answer } => Action::QuizAnswer { question, answer },
            CallbackData::Buy { item, offer } => Action::Buy { item_id: item, offer },
            CallbackData::Use { item } => Action::UseItem { item_id: item },
            CallbackData::Plan { plan } => Action::BuyPlan { plan },
            CallbackData::PlanCard { plan, provider } => Action::BuyPlanByCard { plan, provider },
            CallbackData::Ranking { board, period } => Action::ShowRanking { board, period },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn samples() -> Vec<CallbackData> {
        let mut all: Vec<CallbackData> = SIMPLE.iter().map(|(d, _)| d.clone()).collect();
        all.push(CallbackData::Buy { item: "x".repeat(24), offer: u32::MAX });
        all.push(CallbackData::Buy { item: "streak_freeze".into(), offer: 0 });
        all.push(CallbackData::Use { item: "mystery_box".into() });
        all.push(CallbackData::Plan { plan: "premium".into() });
        all.push(CallbackData::PlanCard { plan: "vip".into(), provider: CardProvider::Stripe });
        all.push(CallbackData::PlanCard { plan: "premium".into(), provider: CardProvider::Paypal });
        all.push(CallbackData::Answer { round: i64::MAX, option: 3 });
        all.push(CallbackData::Choose { turn: i64::MAX, index: 9 });
        all.extend(RANKINGS.iter().map(|(board, period, _)| CallbackData::Ranking { board: *board, period: *period }));
        all
    }

    #[test]
    fn every_button_round_trips_within_telegram_limit() {
        for data in samples() {
            let encoded = data.encode();
            assert!(!encoded.is_empty() && encoded.len() <= MAX_BYTES, "{encoded}");
            assert_eq!(CallbackData::parse(&encoded), Some(data));
        }
    }

    #[test]
    fn old_versions_and_forgeries_are_rejected() {
        for forged in [
            "0:m",
            "2:m",
            "1:",
            "1:zz",
            "m",
            "",
            "1:m:extra",
            "💋:m",
            "1:k:streak_freeze",
            "1:k:Streak:1",
            "1:k:a:zz",
            "1:u:",
            "1:u:a:b",
            "1:k:a:1:2",
        ] {
            assert_eq!(CallbackData::parse(forged), None, "{forged}");
        }
    }

    proptest! {
        #[test]
        fn parsing_arbitrary_data_never_panics(s in ".{0,80}") {
            if let Some(d) = CallbackData::parse(&s) {
                prop_assert!(d.encode().len() <= MAX_BYTES);
            }
        }

        #[test]
        fn buy_buttons_round_trip(item in "[a-z_]{1,24}", offer in any::<u32>()) {
            let data = CallbackData::Buy { item, offer };
            prop_assert_eq!(CallbackData::parse(&data.encode()), Some(data));
        }
    }
}
