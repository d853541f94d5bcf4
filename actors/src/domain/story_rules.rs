//! The rules around the story: what a player must have to open a chapter, how a character's
//! relationship type follows from the way the player treated them, and how a long scene is cut
//! into messages. The ink engine decides what happens; these decide what it costs and unlocks.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// A line of the scene and who says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SceneLine {
    pub speaker: Option<String>,
    pub text: String,
}

/// A choice as the player sees it: its gates are shown on the button (🔒, 💋).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoryChoice {
    pub text: String,
    pub vip: bool,
    pub cost: Option<i64>,
}

/// What the story may ask about the player (its EXTERNAL functions) and what chapter unlocks
/// check. Read in the step's transaction, so it is the state at the start of the step.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlayerFacts {
    pub vip: bool,
    pub besitos: i64,
    pub level: u32,
    pub relationships: HashMap<String, i32>,
    pub clues: BTreeSet<String>,
    pub chapters_done: BTreeSet<u32>,
}

/// A chapter's condition, declared in ink at the top of the chapter's knot:
/// `# requiere:capitulo:1`, `# requiere:nivel:2`, `# requiere:besitos:100`, `# requiere:vip`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Requirement {
    Chapter(u32),
    Level(u32),
    Besitos(i64),
    Vip,
}

impl Requirement {
    pub fn parse(value: &str) -> Option<Requirement> {
        let (name, arg) = value.trim().split_once(':').unwrap_or((value.trim(), ""));
        let number = || arg.trim().parse::<u32>().ok().filter(|n| *n > 0);
        match name {
            "capitulo" => number().map(Requirement::Chapter),
            "nivel" => number().map(Requirement::Level),
            "besitos" => number().map(|n| Requirement::Besitos(n.into())),
            "vip" if arg.is_empty() => Some(Requirement::Vip),
            _ => None,
        }
    }

    pub fn met_by(&self, facts: &PlayerFacts) -> bool {
        match self {
            Requirement::Chapter(n) => facts.chapters_done.contains(n),
            Requirement::Level(n) => facts.level >= *n,
            Requirement::Besitos(n) => facts.besitos >= *n,
            Requirement::Vip => facts.vip,
        }
    }
}

/// The first requirement of a chapter the player does not meet.
pub fn first_unmet<'a>(requirements: &'a [Requirement], facts: &PlayerFacts) -> Option<&'a Requirement> {
    requirements.iter().find(|r| !r.met_by(facts))
}

/// What keeps a player out of a chapter they are stepping into, if anything. The chapter they
/// are leaving counts as finished: finishing it is what leads here.
pub fn blocks_entry<'a>(
    requirements: &'a [Requirement],
    facts: &PlayerFacts,
    leaving: Option<u32>,
) -> Option<&'a Requirement> {
    requirements.iter().find(|r| match r {
        Requirement::Chapter(n) if Some(*n) == leaving => false,
        r => !r.met_by(facts),
    })
}

/// How a relationship change was earned (`# relacion:diana:+2:romance`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    Friendship,
    Romance,
    Rivalry,
}

impl RelationKind {
    pub fn parse(word: &str) -> Option<RelationKind> {
        match word.trim() {
            "amistad" => Some(RelationKind::Friendship),
            "romance" => Some(RelationKind::Romance),
            "rivalidad" => Some(RelationKind::Rivalry),
            _ => None,
        }
    }

    /// Without a kind, kindness builds friendship and unkindness rivalry.
    pub fn implied(delta: i32) -> RelationKind {
        if delta < 0 { RelationKind::Rivalry } else { RelationKind::Friendship }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RelationshipType {
    Friend,
    Romantic,
    Rival,
}

impl RelationshipType {
    pub fn as_str(self) -> &'static str {
        match self {
            RelationshipType::Friend => "friend",
            RelationshipType::Romantic => "romantic",
            RelationshipType::Rival => "rival",
        }
    }
}

/// The type is the kind the player built most; friendship wins ties, since it is where every
/// relationship starts.
pub fn relationship_type(friendship: i32, romance: i32, rivalry: i32) -> RelationshipType {
    if romance > friendship && romance >= rivalry {
        RelationshipType::Romantic
    } else if rivalry > friendship && rivalry > romance {
        RelationshipType::Rival
    } else {
        RelationshipType::Friend
    }
}

/// Telegram measures text in UTF-16 code units (an emoji counts two).
fn units(text: &str) -> usize {
    text.encode_utf16().count()
}

/// Cut a scene into messages of at most `budget` UTF-16 units each, counting each line's
/// speaker and separators, in order. A line longer than the budget is cut at a space, so no
/// word is split unless it alone is too long.
pub fn split_scene(lines: Vec<SceneLine>, budget: usize) -> Vec<Vec<SceneLine>> {
    let budget = budget.max(64);
    let mut parts: Vec<Vec<SceneLine>> = Vec::new();
    let mut current: Vec<SceneLine> = Vec::new();
    let mut used = 0;
    for line in lines {
        // "Speaker: " before the text and a blank line after it.
        let overhead = line.speaker.as_deref().map_or(0, |s| units(s) + 2) + 2;
        for piece in cut_text(&line.text, budget - overhead.min(budget / 2)) {
            let size = units(&piece) + overhead;
            if used + size > budget && !current.is_empty() {
                parts.push(std::mem::take(&mut current));
                used = 0;
            }
            used += size;
            current.push(SceneLine { speaker: line.speaker.clone(), text: piece });
        }
    }
    if !current.is_empty() || parts.is_empty() {
        parts.push(current);
    }
    parts
}

/// Pieces of at most `budget` UTF-16 units.
fn cut_text(text: &str, budget: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut rest = text.trim();
    while units(rest) > budget {
        let mut taken = 0;
        let limit = rest
            .char_indices()
            .find(|(_, c)| {
                taken += c.len_utf16();
                taken > budget
            })
            .map_or(rest.len(), |(i, _)| i);
        let cut = rest[..limit].rfind(char::is_whitespace).filter(|i| *i > 0).unwrap_or(limit);
        pieces.push(rest[..cut].trim_end().to_owned());
        rest = rest[cut..].trim_start();
    }
    if !rest.is_empty() || pieces.is_empty() {
        pieces.push(rest.to_owned());
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(text: &str) -> SceneLine {
        SceneLine { speaker: Some("diana".into()), text: text.into() }
    }

    #[test]
    fn requirements_parse_and_are_checked_against_the_player() {
        assert_eq!(Requirement::parse("capitulo:1"), Some(Requirement::Chapter(1)));
        assert_eq!(Requirement::parse("nivel:3"), Some(Requirement::Level(3)));
        assert_eq!(Requirement::parse("besitos:100"), Some(Requirement::Besitos(100)));
        assert_eq!(Requirement::parse("vip"), Some(Requirement::Vip));
        for bad in ["nivel", "nivel:0", "vip:1", "edad:18", "besitos:-5"] {
            assert_eq!(Requirement::parse(bad), None, "{bad}");
        }
        let needs = [Requirement::Chapter(1), Requirement::Level(2), Requirement::Besitos(50), Requirement::Vip];
        let mut facts = PlayerFacts::default();
        assert_eq!(first_unmet(&needs, &facts), Some(&Requirement::Chapter(1)));
        facts.chapters_done.insert(1);
        facts.level = 2;
        assert_eq!(first_unmet(&needs, &facts), Some(&Requirement::Besitos(50)));
        facts.besitos = 50;
        assert_eq!(first_unmet(&needs, &facts), Some(&Requirement::Vip));
        facts.vip = true;
        assert_eq!(first_unmet(&needs, &facts), None);
        let fresh = PlayerFacts { level: 2, ..PlayerFacts::default() };
        let needs = [Requirement::Chapter(1), Requirement::Level(2)];
        assert_eq!(blocks_entry(&needs, &fresh, Some(1)), None, "leaving chapter 1 finishes it");
        assert_eq!(blocks_entry(&needs, &fresh, None), Some(&Requirement::Chapter(1)));
    }

    #[test]
    fn the_relationship_type_is_the_kind_built_most() {
        assert_eq!(relationship_type(0, 0, 0), RelationshipType::Friend);
        assert_eq!(relationship_type(2, 3, 0), RelationshipType::Romantic);
        assert_eq!(relationship_type(3, 3, 0), RelationshipType::Friend);
        assert_eq!(relationship_type(1, 0, 4), RelationshipType::Rival);
        assert_eq!(relationship_type(0, 2, 2), RelationshipType::Romantic);
        assert_eq!(RelationKind::implied(-1), RelationKind::Rivalry);
        assert_eq!(RelationKind::implied(2), RelationKind::Friendship);
        assert_eq!(RelationKind::parse("romance"), Some(RelationKind::Romance));
        assert_eq!(RelationKind::parse("amor"), None);
    }

    #[test]
    fn a_long_scene_is_cut_between_lines_and_at_spaces() {
        // Each line costs its text, "diana: " and a blank line: 30 + 7 + 2.
        let parts = split_scene(vec![line(&"a".repeat(30)), line(&"b".repeat(30)), line("corto")], 80);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].len(), 2);
        let long = "palabra ".repeat(100);
        let parts = split_scene(vec![line(&long)], 100);
        assert!(parts.len() >= 8);
        for part in &parts {
            for l in part {
                assert!(l.text.chars().count() <= 91);
                assert!(!l.text.starts_with(' ') && !l.text.ends_with(' '));
                assert_eq!(l.speaker.as_deref(), Some("diana"));
            }
        }
        let joined: Vec<String> = parts.iter().flatten().map(|l| l.text.clone()).collect();
        assert_eq!(joined.join(" "), long.trim());
        assert_eq!(split_scene(Vec::new(), 100), vec![Vec::new()]);
    }

    proptest! {
        #[test]
        fn cutting_keeps_every_character_and_the_budget(words in prop::collection::vec("[a-zñ💋]{1,30}", 0..200), budget in 64usize..400) {
            let text = words.join(" ");
            let parts = split_scene(vec![line(&text), line("otra")], budget);
            let mut total = 0;
            for part in &parts {
                let size: usize = part.iter().map(|l| units(&l.text) + units("diana") + 4).sum();
                prop_assert!(size <= budget);
                total += part.iter().map(|l| l.text.split_whitespace().count()).sum::<usize>();
            }
            prop_assert!(total > words.len());
        }
    }
}
