//! Trivia: the question bank (`assets/trivia.toml`), which question a player gets, and how an
//! answer is judged. Timing is the server's: the clock starts when the question is sent.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

pub const EMBEDDED: &str = include_str!("../../../assets/trivia.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Difficulty {
    Facil,
    Media,
    Dificil,
    Experta,
}

impl Difficulty {
    /// The hardest questions a player of this level gets.
    pub fn for_level(level: u32) -> Difficulty {
        match level {
            0 | 1 => Difficulty::Facil,
            2 => Difficulty::Media,
            3 => Difficulty::Dificil,
            _ => Difficulty::Experta,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Difficulty::Facil => "facil",
            Difficulty::Media => "media",
            Difficulty::Dificil => "dificil",
            Difficulty::Experta => "experta",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Question {
    pub id: String,
    pub difficulty: Difficulty,
    pub text: String,
    pub options: Vec<String>,
    pub answer: usize,
    #[serde(default)]
    pub vip: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Bank {
    #[serde(rename = "question")]
    pub questions: Vec<Question>,
}

/// The trivia numbers from `assets/economy.toml`.
#[derive(Debug, Clone, Deserialize)]
pub struct TriviaRules {
    pub rewards: HashMap<Difficulty, i64>,
    pub questions_per_day: u32,
    pub vip_extra_questions: u32,
    pub fast_seconds: i64,
    pub fast_multiplier: f64,
    pub answer_window_minutes: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum BankError {
    #[error("trivia bank does not parse: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("trivia question {0}: {1}")]
    Invalid(String, String),
}

impl Bank {
    pub fn embedded() -> Result<Bank, BankError> {
        Bank::parse(EMBEDDED)
    }

    pub fn parse(text: &str) -> Result<Bank, BankError> {
        let bank: Bank = toml::from_str(text)?;
        let mut ids = HashSet::new();
        for q in &bank.questions {
            let bad = |m: &str| Err(BankError::Invalid(q.id.clone(), m.to_owned()));
            if !ids.insert(q.id.as_str()) {
                return bad("listed twice");
            }
            if q.id.is_empty() || q.id.len() > 16 || !q.id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return bad("ids are 1-16 characters of a-z, 0-9 and _");
            }
            if q.options.len() < 2 || q.options.len() > 4 || q.answer >= q.options.len() {
                return bad("needs 2-4 options and an answer among them");
            }
            if q.text.chars().count() > 300 || q.options.iter().any(|o| o.is_empty() || o.chars().count() > 60) {
                return bad("text or an option is too long");
            }
        }
        Ok(bank)
    }

    pub fn get(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }
}

/// The next question for a player: within their level and VIP status, among those asked the
/// fewest times (so none repeats until every one has been asked, cycle after cycle), and never
/// one already asked today.
pub fn pick<'a>(
    bank: &'a Bank,
    level: u32,
    vip: bool,
    asked: &HashMap<String, u32>,
    today: &HashSet<String>,
    roll: u64,
) -> Option<&'a Question> {
    let hardest = Difficulty::for_level(level);
    let eligible: Vec<&Question> = bank
        .questions
        .iter()
        .filter(|q| q.difficulty <= hardest && (vip || !q.vip) && !today.contains(&q.id))
        .collect();
    let times = |q: &Question| asked.get(&q.id).copied().unwrap_or(0);
    let fewest = eligible.iter().map(|q| times(q)).min()?;
    let pool: Vec<&Question> = eligible.into_iter().filter(|q| times(q) == fewest).collect();
    Some(pool[(roll % pool.len() as u64) as usize])
}

/// How many questions a player gets per day.
pub fn daily_allowance(rules: &TriviaRules, vip: bool) -> u32 {
    rules.questions_per_day + if vip { rules.vip_extra_questions } else { 0 }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// Right: pays `base` besitos (before the player's multipliers); `fast` when within the window.
    Correct {
        base: i64,
        fast: bool,
    },
    Wrong {
        correct: usize,
    },
    Expired,
}

/// Judge an answer to a question asked at `asked_at`.
pub fn judge(
    question: &Question,
    chosen: usize,
    asked_at: DateTime<Utc>,
    now: DateTime<Utc>,
    rules: &TriviaRules,
) -> Verdict {
    if now - asked_at > chrono::Duration::minutes(rules.answer_window_minutes) {
        return Verdict::Expired;
    }
    if chosen != question.answer {
        return Verdict::Wrong { correct: question.answer };
    }
    let base = rules.rewards.get(&question.difficulty).copied().unwrap_or(0);
    let fast = now - asked_at <= chrono::Duration::seconds(rules.fast_seconds);
    let base = if fast { (base as f64 * rules.fast_multiplier).round() as i64 } else { base };
    Verdict::Correct { base, fast }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::economy::Economy;

    fn rules() -> TriviaRules {
        Economy::embedded().unwrap().trivia
    }

    #[test]
    fn the_bank_is_big_enough_and_spread_over_difficulties() {
        let bank = Bank::embedded().unwrap();
        assert!(bank.questions.len() >= 80);
        for d in [Difficulty::Facil, Difficulty::Media, Difficulty::Dificil, Difficulty::Experta] {
            assert!(bank.questions.iter().filter(|q| q.difficulty == d).count() >= 10, "{d:?}");
        }
        assert!(bank.questions.iter().any(|q| q.vip));
        let r = rules();
        assert_eq!(
            [Difficulty::Facil, Difficulty::Media, Difficulty::Dificil, Difficulty::Experta].map(|d| r.rewards[&d]),
            [10, 25, 50, 100]
        );
    }

    #[test]
    fn questions_never_repeat_until_the_bank_runs_out() {
        let bank = Bank::embedded().unwrap();
        let mut asked: HashMap<String, u32> = HashMap::new();
        let none = HashSet::new();
        let eligible = bank.questions.iter().filter(|q| q.difficulty == Difficulty::Facil && !q.vip).count();
        // Three full cycles: within each, every question exactly once.
        for cycle in 1..=3u32 {
            for roll in 0..eligible as u64 {
                let q = pick(&bank, 1, false, &asked, &none, roll * 7919).unwrap();
                assert_eq!(q.difficulty, Difficulty::Facil);
                assert!(!q.vip);
                let n = asked.entry(q.id.clone()).or_default();
                *n += 1;
                assert_eq!(*n, cycle, "{} repeated before the bank ran out", q.id);
            }
        }
        let today: HashSet<String> = bank.questions.iter().map(|q| q.id.clone()).collect();
        assert!(pick(&bank, 1, false, &asked, &today, 3).is_none(), "never one asked today");
    }

    #[test]
    fn answers_are_judged_on_the_servers_clock() {
        let bank = Bank::embedded().unwrap();
        let q = bank.questions.iter().find(|q| q.difficulty == Difficulty::Media).unwrap();
        let asked = Utc::now();
        let r = rules();
        assert_eq!(
            judge(q, q.answer, asked, asked + chrono::Duration::seconds(10), &r),
            Verdict::Correct { base: 38, fast: true }
        );
        assert_eq!(
            judge(q, q.answer, asked, asked + chrono::Duration::seconds(31), &r),
            Verdict::Correct { base: 25, fast: false }
        );
        let wrong = (q.answer + 1) % q.options.len();
        assert_eq!(judge(q, wrong, asked, asked, &r), Verdict::Wrong { correct: q.answer });
        assert_eq!(judge(q, q.answer, asked, asked + chrono::Duration::minutes(11), &r), Verdict::Expired);
    }
}
