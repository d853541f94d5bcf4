//! Playing one step of the story for a player: load their save-state into this thread's
//! engine, take the choice, continue to the next choice point, and save the state again.
//! `bladeink::Story` is not `Send`, so each arbiter thread keeps its own engine.

use super::StoryError;
use crate::domain::story_tags::{self, StoryTag};
use bladeink::story::Story;
use std::cell::RefCell;

/// A line of the scene and who says it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SceneLine {
    pub speaker: Option<String>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    pub lines: Vec<SceneLine>,
    /// The choices now open, by index.
    pub choices: Vec<String>,
    /// Tags met in this step: the chosen choice's, then the lines'.
    pub tags: Vec<StoryTag>,
    /// The text of the choice taken, if any.
    pub chosen: Option<String>,
    pub state: String,
    pub ended: bool,
}

thread_local! {
    static ENGINE: RefCell<Option<(String, Story)>> = const { RefCell::new(None) };
}

fn runtime(e: impl std::fmt::Display) -> StoryError {
    StoryError::Runtime(e.to_string())
}

/// The tags of an open choice, read without taking it (to check its cost or VIP gate first).
pub fn choice_tags(
    json: &str,
    source_hash: &str,
    state: Option<&str>,
    index: usize,
) -> Result<Vec<StoryTag>, StoryError> {
    with_engine(json, source_hash, state, |story| {
        let choices = story.get_current_choices();
        let picked = choices.get(index).ok_or_else(|| StoryError::Runtime("no such choice".into()))?;
        Ok(picked.tags.iter().map(|t| story_tags::parse(t)).collect())
    })
}

/// Run `f` on this thread's engine, loaded with `state`.
fn with_engine<T>(
    json: &str,
    source_hash: &str,
    state: Option<&str>,
    f: impl FnOnce(&mut Story) -> Result<T, StoryError>,
) -> Result<T, StoryError> {
    ENGINE.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.as_ref().is_none_or(|(hash, _)| hash != source_hash) {
            *slot = Some((source_hash.to_owned(), Story::new(json).map_err(runtime)?));
        }
        let Some((_, story)) = slot.as_mut() else { return Err(StoryError::Runtime("no engine".into())) };
        story.reset_state().map_err(runtime)?;
        if let Some(state) = state {
            story.load_state(state).map_err(runtime)?;
        }
        f(story)
    })
}

/// One step. `state` is the player's saved state (`None`: the beginning); `choice` the index
/// of an open choice. The story is identified by `source_hash`; its engine is built once per
/// thread.
pub fn step(json: &str, source_hash: &str, state: Option<&str>, choice: Option<usize>) -> Result<Scene, StoryError> {
    with_engine(json, source_hash, state, |story| {
        let mut tags = Vec::new();
        let mut chosen = None;
        if let Some(index) = choice {
            let choices = story.get_current_choices();
            let Some(picked) = choices.get(index) else { return Err(StoryError::Runtime("no such choice".into())) };
            tags.extend(picked.tags.iter().map(|t| story_tags::parse(t)));
            chosen = Some(picked.text.clone());
            story.choose_choice_index(index).map_err(runtime)?;
        }
        let mut lines = Vec::new();
        while story.can_continue() {
            let text = story.cont().map_err(runtime)?;
            let line_tags: Vec<StoryTag> =
                story.get_current_tags().map_err(runtime)?.iter().map(|t| story_tags::parse(t)).collect();
            let speaker = line_tags.iter().find_map(|t| match t {
                StoryTag::Speaker(s) => Some(s.clone()),
                _ => None,
            });
            tags.extend(line_tags);
            let text = text.trim().to_owned();
            if !text.is_empty() {
                lines.push(SceneLine { speaker, text });
            }
        }
        let choices: Vec<String> = story.get_current_choices().iter().map(|c| c.text.clone()).collect();
        let state = story.save_state().map_err(runtime)?;
        Ok(Scene { ended: choices.is_empty(), lines, choices, tags, chosen, state })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_resumes_from_the_saved_state_and_collects_choice_tags() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/story");
        let story = super::super::compile_dir(&dir, None).unwrap();
        let first = step(&story.json, &story.source_hash, None, None).unwrap();
        assert_eq!(first.choices.len(), 4);
        assert_eq!(
            choice_tags(&story.json, &story.source_hash, Some(&first.state), 2).unwrap(),
            vec![StoryTag::Cost(20)]
        );
        assert_eq!(
            choice_tags(&story.json, &story.source_hash, Some(&first.state), 3).unwrap(),
            vec![StoryTag::VipOnly]
        );
        assert!(first.lines.iter().any(|l| l.speaker.as_deref() == Some("diana")), "{:?}", first.lines);
        let second = step(&story.json, &story.source_hash, Some(&first.state), Some(1)).unwrap();
        assert!(second.ended);
        assert_eq!(second.chosen.as_deref(), Some("A alguien con quien hablar"));
        assert!(second.tags.contains(&StoryTag::Relationship { character: "diana".into(), delta: 2 }));
        assert!(second.tags.iter().any(|t| matches!(t, StoryTag::Ending(_))));
        assert!(step(&story.json, &story.source_hash, Some(&first.state), Some(7)).is_err());
    }
}
