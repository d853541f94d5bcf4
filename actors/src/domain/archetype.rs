//! The onboarding quiz: four questions whose answers each lean toward one of Bartle's player
//! types, giving the player's archetype and their personality as shares of the four.

/// Bartle's four, in the order each question's answers are listed.
pub const ARCHETYPES: [&str; 4] = ["explorador", "triunfador", "social", "competidor"];
/// How many questions the quiz asks.
pub const QUESTIONS: u8 = 4;

/// The archetype and the personality (each type's share of the answers) of a finished quiz;
/// `None` until every question is answered. A tie goes to the type answered first.
pub fn from_answers(answers: &[u8]) -> Option<(&'static str, [f64; 4])> {
    if answers.len() < usize::from(QUESTIONS) || answers.iter().any(|&a| usize::from(a) >= ARCHETYPES.len()) {
        return None;
    }
    let mut counts = [0usize; 4];
    for &a in answers {
        counts[usize::from(a)] += 1;
    }
    let best = counts.iter().copied().max().unwrap_or(0);
    let first_best = answers.iter().map(|&a| usize::from(a)).find(|&a| counts[a] == best)?;
    let total = answers.len() as f64;
    let personality = counts.map(|c| c as f64 / total);
    Some((ARCHETYPES[first_best], personality))
}

/// The personality as stored (`{"explorador": 0.5, …}`) back into shares in `ARCHETYPES` order.
pub fn shares(stored: &serde_json::Value) -> Option<[f64; 4]> {
    let mut out = [0.0; 4];
    for (i, name) in ARCHETYPES.iter().enumerate() {
        out[i] = stored.get(name)?.as_f64()?;
    }
    Some(out)
}

/// Which archetype an action leans toward, by the action's stable name: the story for
/// explorers; gifts, missions and achievements for achievers; talking to Diana and the
/// channels for socialisers; the ranking and trivia for competitors.
pub fn signal_of(kind: &str) -> Option<usize> {
    match kind {
        "story" | "clues" | "story_again" => Some(0),
        "daily" | "missions" | "achievements" => Some(1),
        "chat" | "reaction" | "joined_channel" | "profile" => Some(2),
        "ranking" | "trivia" | "trivia_answer" => Some(3),
        _ => None,
    }
}

/// The quiz speaks for this many actions: a player's play outweighs their answers after a
/// few sessions, not after one.
const QUIZ_WEIGHT: f64 = 12.0;
/// Without a quiz, a player is typed only after this many telling actions.
const MIN_SIGNALS: f64 = 20.0;

/// The archetype that the quiz (as a prior: its shares, weighted) and the play since
/// (`signals`, actions per type) together point to: the largest posterior share under a
/// Dirichlet prior. The `current` archetype keeps a tie, so a player does not flip back and
/// forth on one action.
pub fn refine(personality: Option<[f64; 4]>, signals: [f64; 4], current: Option<&str>) -> Option<&'static str> {
    let seen: f64 = signals.iter().sum();
    if personality.is_none() && seen < MIN_SIGNALS {
        return current.and_then(|c| ARCHETYPES.iter().copied().find(|a| *a == c));
    }
    let prior = personality.unwrap_or([0.25; 4]);
    let posterior: Vec<f64> = (0..4).map(|i| 1.0 + QUIZ_WEIGHT * prior[i] + signals[i]).collect();
    let best = posterior.iter().copied().fold(f64::MIN, f64::max);
    let kept = current.and_then(|c| ARCHETYPES.iter().position(|a| *a == c)).filter(|&i| posterior[i] >= best);
    kept.or_else(|| posterior.iter().position(|&p| p >= best)).map(|i| ARCHETYPES[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn play_refines_what_the_quiz_said() {
        let quiz_explorer = Some([1.0, 0.0, 0.0, 0.0]);
        // A few ranking checks do not undo the quiz…
        assert_eq!(refine(quiz_explorer, [0.0, 0.0, 0.0, 8.0], Some("explorador")), Some("explorador"));
        // …a habit of them does.
        assert_eq!(refine(quiz_explorer, [2.0, 0.0, 0.0, 20.0], Some("explorador")), Some("competidor"));
        // Without a quiz, play alone types a player once it has said enough.
        assert_eq!(refine(None, [3.0, 0.0, 10.0, 1.0], None), None);
        assert_eq!(refine(None, [3.0, 0.0, 16.0, 1.0], None), Some("social"));
        // A tie keeps the current archetype.
        assert_eq!(refine(None, [10.0, 0.0, 0.0, 10.0], Some("competidor")), Some("competidor"));
        assert_eq!(refine(None, [10.0, 0.0, 0.0, 10.0], None), Some("explorador"));
    }

    #[test]
    fn actions_lean_toward_their_type() {
        assert_eq!(signal_of("story").map(|i| ARCHETYPES[i]), Some("explorador"));
        assert_eq!(signal_of("ranking").map(|i| ARCHETYPES[i]), Some("competidor"));
        assert_eq!(signal_of("chat").map(|i| ARCHETYPES[i]), Some("social"));
        assert_eq!(signal_of("missions").map(|i| ARCHETYPES[i]), Some("triunfador"));
        assert_eq!(signal_of("menu"), None);
    }

    #[test]
    fn the_most_chosen_type_wins_and_a_tie_goes_to_the_first_answered() {
        assert_eq!(from_answers(&[3, 3, 0, 3]).map(|a| a.0), Some("competidor"));
        assert_eq!(from_answers(&[1, 2, 2, 1]).map(|a| a.0), Some("triunfador"));
        let (archetype, personality) = from_answers(&[0, 1, 2, 3]).unwrap();
        assert_eq!((archetype, personality), ("explorador", [0.25; 4]));
        assert_eq!(from_answers(&[0, 1, 2]), None, "unfinished");
        assert_eq!(from_answers(&[0, 1, 2, 9]), None, "not an answer");
    }
}
