//! Playing one step of the story for a player: load their save-state into this thread's
//! engine, take the choice, continue to the next choice point, and save the state again.
//! `bladeink::Story` is not `Send`, so each arbiter thread keeps its own engine, built once per
//! story version. A step only computes: the caller checks the gates and commits the effects, so
//! a refused step leaves nothing behind.

use super::StoryError;
use super::book::{StoryBook, chapter_knot};
use crate::domain::story_rules::{PlayerFacts, StoryChoice};
use crate::domain::story_tags::{self, StoryTag};
use bladeink::story::Story;
use bladeink::story::external_functions::ExternalFunctionResult;
use bladeink::value_type::ValueType;
use std::cell::RefCell;
use std::rc::Rc;

pub use crate::domain::story_rules::SceneLine;

/// Where a player is, as saved in `user_story_state`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Saved {
    /// ink's save-state JSON.
    pub state: String,
    /// The story version (source hash) the state was saved with.
    pub version: Option<String>,
    /// The texts of the choices the player was shown.
    pub open_choices: Vec<String>,
    /// The knot those choices belong to, and the print of its content when saved.
    pub knot: Option<String>,
    pub knot_print: Option<String>,
    pub chapter: Option<i32>,
}

/// The choice taken in this step.
#[derive(Debug, Clone, PartialEq)]
pub struct Chosen {
    pub text: String,
    pub tags: Vec<StoryTag>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    pub lines: Vec<SceneLine>,
    /// The choices now open, by index.
    pub choices: Vec<StoryChoice>,
    /// Tags of the lines shown in this step (the chosen choice's are in `chosen`).
    pub tags: Vec<StoryTag>,
    pub chosen: Option<Chosen>,
    pub state: String,
    /// The knot the open choices belong to.
    pub knot: Option<String>,
    /// Knots passed through in this step, in order.
    pub knots: Vec<String>,
    pub ended: bool,
    /// Identifies where the player stands: the open choices and the ink variables. Two states
    /// with the same signature play the same from here (visit counts aside).
    pub signature: u64,
    /// The saved state did not fit this story version: the player starts their chapter again
    /// (this chapter; `None`: the story's beginning) and the pressed choice was not taken.
    pub resumed_chapter: Option<Option<i32>>,
}

impl Scene {
    /// Chapters whose start was passed in this step.
    pub fn chapters_entered(&self) -> impl Iterator<Item = u32> + '_ {
        self.tags.iter().filter_map(|t| match t {
            StoryTag::Chapter(n) => Some(*n),
            _ => None,
        })
    }

    /// Where the player stands after this step, to save.
    pub fn saved(&self, book: &StoryBook, chapter: Option<i32>) -> Saved {
        Saved {
            state: self.state.clone(),
            version: Some(book.hash().to_owned()),
            open_choices: self.choices.iter().map(|c| c.text.clone()).collect(),
            knot_print: self.knot.as_deref().and_then(|k| book.knot_print(k)).map(str::to_owned),
            knot: self.knot.clone(),
            chapter,
        }
    }

    /// Every tag of the step with where it was met, the choice's first. A place is the choice
    /// that led there (its knot and text), or the opening of a chapter for what follows a
    /// `# capitulo` tag: the same content gets the same place on every pass, including a
    /// chapter started again after a new version.
    pub fn placed_tags(&self, choice_knot: Option<&str>) -> Vec<(String, &StoryTag)> {
        let mut place = match &self.chosen {
            Some(c) => format!("{}>{}", choice_knot.unwrap_or_default(), c.text),
            None => "start".to_owned(),
        };
        let mut placed: Vec<(String, &StoryTag)> =
            self.chosen.iter().flat_map(|c| c.tags.iter()).map(|t| (place.clone(), t)).collect();
        for tag in &self.tags {
            if let StoryTag::Chapter(n) = tag {
                place = chapter_knot(*n);
            }
            placed.push((place.clone(), tag));
        }
        placed
    }

    /// Every tag of the step, the choice's first.
    pub fn all_tags(&self) -> impl Iterator<Item = &StoryTag> {
        self.chosen.iter().flat_map(|c| c.tags.iter()).chain(self.tags.iter())
    }
}

struct Engine {
    version: String,
    story: Story,
}

thread_local! {
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
    /// What the EXTERNAL functions answer; set before each step.
    static FACTS: Rc<RefCell<PlayerFacts>> = Rc::new(RefCell::new(PlayerFacts::default()));
}

fn runtime(e: impl std::fmt::Display) -> StoryError {
    StoryError::Runtime(e.to_string())
}

fn int(n: i64) -> ExternalFunctionResult {
    Ok(Some(ValueType::Int(i32::try_from(n).unwrap_or(if n < 0 { i32::MIN } else { i32::MAX }))))
}

fn text_arg(args: &[ValueType]) -> String {
    args.first().and_then(|a| a.coerce_to_string().ok()).unwrap_or_default()
}

/// The EXTERNAL functions of the writers' contract, answering from this thread's facts.
fn bind_externals(story: &mut Story) -> Result<(), StoryError> {
    let facts = FACTS.with(Rc::clone);
    let f = Rc::clone(&facts);
    story
        .bind_external_function("es_vip", move |_, _| Ok(Some(ValueType::Bool(f.borrow().vip))), true)
        .map_err(runtime)?;
    let f = Rc::clone(&facts);
    story.bind_external_function("besitos", move |_, _| int(f.borrow().besitos), true).map_err(runtime)?;
    let f = Rc::clone(&facts);
    story
        .bind_external_function(
            "relacion",
            move |_, args| int(f.borrow().relationships.get(&text_arg(args)).copied().unwrap_or(0).into()),
            true,
        )
        .map_err(runtime)?;
    let f = Rc::clone(&facts);
    story.bind_external_function("nivel", move |_, _| int(f.borrow().level.into()), true).map_err(runtime)?;
    let f = Rc::clone(&facts);
    story
        .bind_external_function(
            "tiene",
            move |_, args| Ok(Some(ValueType::Bool(f.borrow().clues.contains(&text_arg(args))))),
            true,
        )
        .map_err(runtime)?;
    Ok(())
}

/// Build a fresh engine for a story (used once per thread and version, and by tools).
pub fn new_engine(json: &str) -> Result<Story, StoryError> {
    let mut story = Story::new(json).map_err(runtime)?;
    // Stories that do not declare every function still play; undeclared names are ignored.
    story.set_allow_external_function_fallbacks(true);
    bind_externals(&mut story)?;
    Ok(story)
}

/// Run `f` on this thread's engine for `book`, with `facts` answering the story's questions.
fn with_engine<T>(
    book: &StoryBook,
    facts: &PlayerFacts,
    f: impl FnOnce(&mut Story) -> Result<T, StoryError>,
) -> Result<T, StoryError> {
    FACTS.with(|cell| cell.borrow_mut().clone_from(facts));
    ENGINE.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.as_ref().is_none_or(|e| e.version != book.hash()) {
            *slot = Some(Engine { version: book.hash().to_owned(), story: new_engine(&book.compiled.json)? });
        }
        let Some(engine) = slot.as_mut() else { return Err(StoryError::Runtime("no engine".into())) };
        engine.story.reset_state().map_err(runtime)?;
        f(&mut engine.story)
    })
}

/// Load a saved state; `false` when it does not fit this version: it cannot be loaded, or
/// the knot it stands in was rewritten (the state keeps the old choices' texts and positions,
/// which would point into changed content).
fn load_fitting(story: &mut Story, book: &StoryBook, saved: &Saved) -> bool {
    // A state saved before versions were recorded (no version) is treated as another version.
    let same_version = saved.version.as_deref() == Some(book.hash());
    let same_knot = match (&saved.knot, &saved.knot_print) {
        (Some(knot), Some(print)) => book.knot_print(knot) == Some(print.as_str()),
        _ => false,
    };
    if !same_version && !same_knot {
        return false;
    }
    if story.load_state(&saved.state).is_err() {
        return false;
    }
    let open: Vec<String> = story.get_current_choices().iter().map(|c| c.text.trim().to_owned()).collect();
    same_version || open == saved.open_choices
}

/// After a version swap that the state does not fit: keep what ink variables still exist and
/// start the player's chapter again. Returns the chapter started, `None` when the story starts
/// from its beginning (the chapter is unknown or no longer exists).
fn restart_chapter(story: &mut Story, saved: &Saved) -> Result<Option<i32>, StoryError> {
    let variables = saved_variables(&saved.state);
    story.reset_state().map_err(runtime)?;
    for (name, value) in &variables {
        // A variable the new version renamed or retyped keeps its new default.
        let _ = story.set_variable(name, value);
    }
    let Some(chapter) = saved.chapter else { return Ok(None) };
    let Some(knot) = u32::try_from(chapter).ok().map(chapter_knot) else { return Ok(None) };
    if story.choose_path_string(&knot, true, None).is_err() {
        return Ok(None);
    }
    Ok(Some(chapter))
}

fn choice_view(tags: &[StoryTag], text: &str) -> StoryChoice {
    StoryChoice {
        text: text.trim().to_owned(),
        vip: tags.contains(&StoryTag::VipOnly),
        cost: tags.iter().find_map(|t| match t {
            StoryTag::Cost(c) => Some(*c),
            _ => None,
        }),
    }
}

fn signature(story: &Story, choices: &[StoryChoice], knot: Option<&str>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    knot.hash(&mut hasher);
    for c in choices {
        c.text.hash(&mut hasher);
    }
    for name in story.get_global_variables() {
        name.hash(&mut hasher);
        story.get_variable(&name).and_then(|v| v.coerce_to_string().ok()).hash(&mut hasher);
    }
    hasher.finish()
}

/// The plain ink variables (numbers, strings, booleans) of a save-state, read from its JSON:
/// the state itself may no longer load into a new version.
fn saved_variables(state: &str) -> Vec<(String, ValueType)> {
    #[derive(serde::Deserialize)]
    struct State {
        #[serde(rename = "variablesState", default)]
        variables: serde_json::Map<String, serde_json::Value>,
    }
    let Ok(state) = serde_json::from_str::<State>(state) else { return Vec::new() };
    state
        .variables
        .into_iter()
        .filter_map(|(name, value)| {
            let value = match value {
                serde_json::Value::Bool(b) => ValueType::Bool(b),
                serde_json::Value::Number(n) if n.is_i64() => ValueType::Int(i32::try_from(n.as_i64()?).ok()?),
                serde_json::Value::Number(n) => ValueType::Float(n.as_f64()? as f32),
                serde_json::Value::String(s) => ValueType::new(s.strip_prefix('^')?),
                _ => return None,
            };
            Some((name, value))
        })
        .collect()
}

/// The knots and stitches (`knot.stitch`) a save-state has visited, from its visit counts.
pub fn visited(state: &str) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct State {
        #[serde(rename = "visitCounts", default)]
        visits: std::collections::HashMap<String, serde_json::Value>,
    }
    let Ok(state) = serde_json::from_str::<State>(state) else { return Vec::new() };
    let named = |part: &str| !part.is_empty() && !part.starts_with("c-") && !part.bytes().all(|b| b.is_ascii_digit());
    state.visits.into_keys().filter(|path| path.split('.').all(named)).collect()
}

/// The knot the open choices were written in, from the save-state (the engine does not say).
fn choice_knot(state: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct State {
        flows: std::collections::HashMap<String, Flow>,
        #[serde(rename = "currentFlowName")]
        current: String,
    }
    #[derive(serde::Deserialize)]
    struct Flow {
        #[serde(rename = "currentChoices", default)]
        choices: Vec<OpenChoice>,
    }
    #[derive(serde::Deserialize)]
    struct OpenChoice {
        #[serde(rename = "originalChoicePath")]
        path: String,
    }
    let state: State = serde_json::from_str(state).ok()?;
    knot_of(&state.flows.get(&state.current)?.choices.first()?.path)
}

fn knot_of(path: &str) -> Option<String> {
    let knot = path.split('.').next()?;
    (!knot.is_empty() && !knot.chars().next().is_some_and(|c| c.is_ascii_digit())).then(|| knot.to_owned())
}

/// One step. `saved` is the player's state (`None`: the beginning); `choice` the index of an
/// open choice.
pub fn step(
    book: &StoryBook,
    saved: Option<&Saved>,
    choice: Option<usize>,
    facts: &PlayerFacts,
) -> Result<Scene, StoryError> {
    with_engine(book, facts, |story| {
        let mut resumed_chapter = None;
        if let Some(saved) = saved
            && !load_fitting(story, book, saved)
        {
            resumed_chapter = Some(restart_chapter(story, saved)?);
        }
        let knot = saved.and_then(|s| s.knot.clone());
        let played = match play_on(story, knot.clone(), choice.filter(|_| resumed_chapter.is_none())) {
            Err(StoryError::NoSuchChoice) => return Err(StoryError::NoSuchChoice),
            // A state that loaded but cannot be played on (a story edited under it): start its
            // chapter again rather than leave the player stuck on an error.
            Err(error) if resumed_chapter.is_none() && saved.is_some() => {
                tracing::warn!(%error, "a saved state failed to play on; restarting its chapter");
                let saved = saved.unwrap_or_else(|| unreachable!("checked above"));
                story.reset_state().map_err(runtime)?;
                resumed_chapter = Some(restart_chapter(story, saved)?);
                play_on(story, knot, None)?
            }
            other => other?,
        };
        let Played { chosen, lines, tags, knots, mut knot } = played;
        let choices: Vec<StoryChoice> = story
            .get_current_choices()
            .iter()
            .map(|c| choice_view(&c.tags.iter().map(|t| story_tags::parse(t)).collect::<Vec<_>>(), &c.text))
            .collect();
        let state = story.save_state().map_err(runtime)?;
        if let Some(k) = choice_knot(&state) {
            knot = Some(k);
        }
        let signature = signature(story, &choices, knot.as_deref());
        Ok(Scene {
            ended: choices.is_empty(),
            lines,
            choices,
            tags,
            chosen,
            state,
            knot,
            knots,
            signature,
            resumed_chapter,
        })
    })
}

/// What one step produced before its state is saved.
struct Played {
    chosen: Option<Chosen>,
    lines: Vec<SceneLine>,
    tags: Vec<StoryTag>,
    knots: Vec<String>,
    knot: Option<String>,
}

/// Take the choice (if any) and continue to the next choice point.
fn play_on(story: &mut Story, mut knot: Option<String>, choice: Option<usize>) -> Result<Played, StoryError> {
    let mut chosen = None;
    if let Some(index) = choice {
        let choices = story.get_current_choices();
        let Some(picked) = choices.get(index) else { return Err(StoryError::NoSuchChoice) };
        let tags: Vec<StoryTag> = picked.tags.iter().map(|t| story_tags::parse(t)).collect();
        chosen = Some(Chosen { text: picked.text.trim().to_owned(), tags });
        story.choose_choice_index(index).map_err(runtime)?;
    }
    let (mut lines, mut tags) = (Vec::new(), Vec::new());
    let mut knots: Vec<String> = Vec::new();
    let mut passing = |story: &Story| {
        if let Some(k) = story.get_current_path().as_deref().and_then(knot_of) {
            if knots.last() != Some(&k) {
                knots.push(k.clone());
            }
            knot = Some(k);
        }
    };
    while story.can_continue() {
        passing(story);
        let text = story.cont().map_err(runtime)?;
        passing(story);
        let line_tags: Vec<StoryTag> =
            story.get_current_tags().map_err(runtime)?.iter().map(|t| story_tags::parse(t)).collect();
        let speaker = line_tags.iter().find_map(|t| match t {
            StoryTag::Speaker(s) => Some(s.clone()),
            _ => None,
        });
        tags.extend(line_tags);
        let text = text.trim();
        if !text.is_empty() {
            lines.push(SceneLine { speaker, text: text.to_owned() });
        }
    }
    Ok(Played { chosen, lines, tags, knots, knot })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn book(files: &[(&str, &str)]) -> StoryBook {
        let dir = std::env::temp_dir().join(format!("diana-play-{:016x}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        let book = StoryBook::load(&dir, None).unwrap();
        let _ = std::fs::remove_dir_all(dir);
        book
    }

    const EXTERNALS: &str =
        "EXTERNAL es_vip()\nEXTERNAL besitos()\nEXTERNAL relacion(p)\nEXTERNAL nivel()\nEXTERNAL tiene(x)\n";

    #[test]
    fn the_story_asks_the_player_facts_through_its_external_functions() {
        let main = format!(
            "{EXTERNALS}\
             VIP {{es_vip()}} B {{besitos()}} R {{relacion(\"diana\")}} N {{nivel()}} T {{tiene(\"carta\")}}\n\
             * [Sí #coste:20] -> END\n* [No #vip] -> END\n"
        );
        let book = book(&[("main.ink", &main)]);
        let mut facts = PlayerFacts { vip: true, besitos: 42, level: 3, ..PlayerFacts::default() };
        facts.relationships.insert("diana".into(), -2);
        facts.clues.insert("carta".into());
        let scene = step(&book, None, None, &facts).unwrap();
        assert_eq!(scene.lines[0].text, "VIP true B 42 R -2 N 3 T true");
        assert_eq!(
            scene.choices,
            vec![
                StoryChoice { text: "Sí".into(), vip: false, cost: Some(20) },
                StoryChoice { text: "No".into(), vip: true, cost: None }
            ]
        );
        let plain = step(&book, None, None, &PlayerFacts::default()).unwrap();
        assert_eq!(plain.lines[0].text, "VIP false B 0 R 0 N 0 T false");
    }

    #[test]
    fn a_state_that_does_not_fit_a_new_version_restarts_its_chapter_keeping_variables() {
        let v1 = book(&[(
            "main.ink",
            "VAR elegido = 0\n-> capitulo_1\n=== capitulo_1 ===\n# capitulo:1\nUno.\n* [A]\n~ elegido = 1\n-> capitulo_2\n\
             === capitulo_2 ===\n# capitulo:2\n# requiere:capitulo:1\nDos {elegido}.\n* [B] -> END\n* [C] -> END\n",
        )]);
        assert_eq!(v1.requirements(2), &[crate::domain::story_rules::Requirement::Chapter(1)]);
        let facts = PlayerFacts::default();
        let first = step(&v1, None, None, &facts).unwrap();
        let second = step(&v1, Some(&saved(&first, &v1, Some(1))), Some(0), &facts).unwrap();
        assert_eq!(second.chapters_entered().collect::<Vec<_>>(), vec![2]);
        assert_eq!(second.knot.as_deref(), Some("capitulo_2"));
        let at_two = saved(&second, &v1, Some(2));
        let v2 = book(&[(
            "main.ink",
            "VAR elegido = 0\n-> capitulo_1\n=== capitulo_1 ===\n# capitulo:1\nUno.\n* [A]\n~ elegido = 1\n-> capitulo_2\n\
             === capitulo_2 ===\n# capitulo:2\nOtra vez dos, {elegido}.\n* [Nueva] -> END\n",
        )]);
        let swapped = step(&v2, Some(&at_two), Some(1), &facts).unwrap();
        assert_eq!(swapped.resumed_chapter, Some(Some(2)));
        assert_eq!(swapped.chosen, None, "the pressed choice belongs to the old version");
        assert_eq!(swapped.lines[0].text, "Otra vez dos, 1.");
        assert_eq!(swapped.choices[0].text, "Nueva");
        // The same version plays on normally.
        let next = step(&v1, Some(&at_two), Some(1), &facts).unwrap();
        assert_eq!(next.resumed_chapter, None);
        assert_eq!(next.chosen.unwrap().text, "C");
        assert!(next.ended);
    }

    fn saved(scene: &Scene, book: &StoryBook, chapter: Option<i32>) -> Saved {
        scene.saved(book, chapter)
    }

    #[test]
    fn a_broken_save_state_restarts_from_the_beginning_instead_of_failing() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/story");
        let book = StoryBook::load(&dir, None).unwrap();
        let broken = Saved { state: "{\"nope\":1}".into(), ..Saved::default() };
        let scene = step(&book, Some(&broken), Some(0), &PlayerFacts::default()).unwrap();
        assert_eq!(scene.resumed_chapter, Some(None));
        assert!(!scene.choices.is_empty());
    }
}
