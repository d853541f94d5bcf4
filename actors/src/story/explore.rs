//! The explorer: plays every path of a story through the real engine (`play::step`, so every
//! state is saved and loaded again on the way), to a bounded depth, as a player would. The
//! player's facts follow their choices (relationships, clues, besitos), and the gates the game
//! enforces are enforced here too. `diana story check` and the tests read what it found.

use super::book::StoryBook;
use super::play::{self, Saved, Scene};
use crate::domain::story_rules::{PlayerFacts, StoryChoice, blocks_entry};
use crate::domain::story_tags::StoryTag;
use std::collections::{BTreeSet, HashSet, VecDeque};

/// A kind of player to explore as.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: &'static str,
    pub facts: PlayerFacts,
}

impl Profile {
    /// A free player with enough level for every chapter and a little money.
    pub fn free() -> Profile {
        Profile { name: "free", facts: PlayerFacts { level: 6, besitos: 100, ..PlayerFacts::default() } }
    }

    /// A VIP with plenty of besitos and every clue the gift and the shop can give.
    pub fn vip(book: &StoryBook) -> Profile {
        use crate::domain::story_world::ClueOrigin;
        let clues = book
            .world
            .clues
            .iter()
            .filter(|c| matches!(c.origen, ClueOrigin::Regalo | ClueOrigin::Tienda))
            .map(|c| c.id.clone())
            .collect();
        Profile {
            name: "vip",
            facts: PlayerFacts { vip: true, level: 6, besitos: 10_000, clues, ..PlayerFacts::default() },
        }
    }
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Exploration {
    /// Distinct states played from.
    pub states: usize,
    /// Steps taken (each one a load, a choice, a continue and a save).
    pub steps: usize,
    pub deepest: usize,
    /// The frontier was cut at the depth or state bound.
    pub truncated: bool,
    pub endings: BTreeSet<String>,
    /// Endings reached by the free profile.
    pub free_endings: BTreeSet<String>,
    /// Knots and stitches (`knot.stitch`) reached.
    pub knots: BTreeSet<String>,
    pub chapters: BTreeSet<u32>,
    #[serde(skip)]
    pub tags: Vec<StoryTag>,
    /// Steps the engine refused (a bug in the story or the engine).
    pub failures: Vec<String>,
    /// Distinct choice texts offered.
    pub choices: BTreeSet<String>,
    /// Choice points a player cannot use as written, by knot.
    pub problems: BTreeSet<String>,
}

/// Telegram shows a keyboard of this many choices at most (and buttons carry one digit).
pub const MAX_CHOICES: usize = 10;

struct Node {
    saved: Saved,
    facts: PlayerFacts,
    depth: usize,
}

/// Apply what the game would commit after a step to the explorer's facts.
fn commit(facts: &mut PlayerFacts, scene: &Scene, book: &StoryBook, chapter: &mut Option<i32>) {
    for tag in scene.all_tags() {
        match tag {
            StoryTag::Points(n) => facts.besitos += n,
            StoryTag::Cost(n) => facts.besitos -= n,
            StoryTag::Relationship { character, delta, .. } => {
                *facts.relationships.entry(character.clone()).or_default() += delta;
            }
            StoryTag::Clue(id) => {
                facts.clues.insert(id.clone());
            }
            StoryTag::Chapter(n) => {
                if let Some(previous) = chapter.and_then(|c| u32::try_from(c).ok()) {
                    facts.chapters_done.insert(previous);
                }
                *chapter = i32::try_from(*n).ok();
            }
            _ => {}
        }
    }
    for revealed in book.world.revealed_by(&facts.clues) {
        facts.clues.insert(revealed);
    }
}

fn signature(scene: &Scene, facts: &PlayerFacts) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    scene.signature.hash(&mut hasher);
    let mut relationships: Vec<_> = facts.relationships.iter().collect();
    relationships.sort();
    relationships.hash(&mut hasher);
    facts.clues.hash(&mut hasher);
    facts.chapters_done.hash(&mut hasher);
    (facts.besitos >= 0).hash(&mut hasher);
    hasher.finish()
}

/// Explore as each profile, up to `max_depth` choices deep and `max_states` states each.
pub fn explore(book: &StoryBook, profiles: &[Profile], max_depth: usize, max_states: usize) -> Exploration {
    let mut found = Exploration::default();
    for profile in profiles {
        explore_as(book, profile, max_depth, max_states, &mut found);
    }
    found
}

struct Walk<'a> {
    book: &'a StoryBook,
    profile: &'a Profile,
    max_depth: usize,
    max_states: usize,
    seen: HashSet<u64>,
    queue: VecDeque<(Node, Vec<StoryChoice>)>,
}

impl Walk<'_> {
    /// Record a step's outcome and queue its choices, unless this state was played already.
    fn visit(
        &mut self,
        scene: Scene,
        mut facts: PlayerFacts,
        mut chapter: Option<i32>,
        depth: usize,
        found: &mut Exploration,
    ) {
        commit(&mut facts, &scene, self.book, &mut chapter);
        found.knots.extend(scene.knots.iter().cloned());
        found.knots.extend(play::visited(&scene.state));
        found.chapters.extend(scene.chapters_entered());
        found.tags.extend(scene.all_tags().cloned());
        found.deepest = found.deepest.max(depth);
        for tag in scene.all_tags() {
            if let StoryTag::Ending(id) = tag {
                found.endings.insert(id.clone());
                if !self.profile.facts.vip {
                    found.free_endings.insert(id.clone());
                }
            }
        }
        found.choices.extend(scene.choices.iter().map(|c| c.text.clone()));
        let at = scene.knot.as_deref().unwrap_or("the start");
        if scene.choices.len() > MAX_CHOICES {
            found
                .problems
                .insert(format!("{at}: {} choices at once; a keyboard shows {MAX_CHOICES}", scene.choices.len()));
        }
        if scene.choices.iter().any(|c| c.text.trim().is_empty()) {
            found.problems.insert(format!("{at}: a choice without text (it would be an empty button)"));
        }
        if !scene.choices.is_empty() && scene.choices.iter().all(|c| c.vip || c.cost.is_some()) {
            found.problems.insert(format!("{at}: every choice is VIP or costs besitos; add a free one"));
        }
        if scene.ended || !self.seen.insert(signature(&scene, &facts)) {
            return;
        }
        if depth >= self.max_depth || self.seen.len() > self.max_states {
            found.truncated = true;
            return;
        }
        let saved = scene.saved(self.book, chapter);
        self.queue.push_back((Node { saved, facts, depth }, scene.choices));
    }
}

fn explore_as(book: &StoryBook, profile: &Profile, max_depth: usize, max_states: usize, found: &mut Exploration) {
    let mut walk = Walk { book, profile, max_depth, max_states, seen: HashSet::new(), queue: VecDeque::new() };
    match play::step(book, None, None, &profile.facts) {
        Ok(scene) => walk.visit(scene, profile.facts.clone(), None, 0, found),
        Err(e) => found.failures.push(format!("start: {e}")),
    }
    while let Some((node, choices)) = walk.queue.pop_front() {
        found.states += 1;
        for (index, choice) in choices.iter().enumerate() {
            // The gates the game enforces before a choice is taken.
            if (choice.vip && !node.facts.vip) || choice.cost.is_some_and(|c| c > node.facts.besitos) {
                continue;
            }
            found.steps += 1;
            let scene = match play::step(book, Some(&node.saved), Some(index), &node.facts) {
                Ok(scene) => scene,
                Err(e) => {
                    found.failures.push(format!("{:?} choice '{}': {e}", node.saved.knot, choice.text));
                    continue;
                }
            };
            let leaving = node.saved.chapter.and_then(|c| u32::try_from(c).ok());
            let locked =
                scene.chapters_entered().any(|n| blocks_entry(book.requirements(n), &node.facts, leaving).is_some());
            if locked {
                continue;
            }
            walk.visit(scene, node.facts.clone(), node.saved.chapter, node.depth + 1, found);
        }
    }
}
