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

#[cfg(test)]
mod tests {
    use super::*;

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
