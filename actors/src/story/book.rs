//! A story version ready to play: the compiled ink, its characters and clues, and each
//! chapter's unlock conditions (read from the tags at the top of the `capitulo_<n>` knots).

use super::compile::{self, CompiledStory, StoryError};
use crate::domain::story_rules::Requirement;
use crate::domain::story_tags::{self, StoryTag};
use crate::domain::story_world::{CHARACTERS_FILE, CLUES_FILE, World};
use bladeink::story::Story;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Chapters are knots named `capitulo_<n>`; the engine resumes a player there after a version
/// swap, and checks the chapter's requirements before entering it.
pub fn chapter_knot(n: u32) -> String {
    format!("capitulo_{n}")
}

const MAX_CHAPTERS: u32 = 99;

#[derive(Debug, Clone)]
pub struct StoryBook {
    pub compiled: CompiledStory,
    pub world: World,
    /// Chapter number → what the player needs to enter it.
    pub chapters: BTreeMap<u32, Vec<Requirement>>,
    /// Where `# imagen:<asset>` files are (`images/` in the story folder).
    pub images_dir: PathBuf,
    /// A print of each knot's compiled content: a saved state still fits a new version when
    /// the knot it stands in is unchanged.
    pub knot_prints: HashMap<String, String>,
}

impl StoryBook {
    pub fn hash(&self) -> &str {
        &self.compiled.source_hash
    }

    pub fn knot_print(&self, knot: &str) -> Option<&str> {
        self.knot_prints.get(knot).map(String::as_str)
    }

    pub fn requirements(&self, chapter: u32) -> &[Requirement] {
        self.chapters.get(&chapter).map_or(&[], Vec::as_slice)
    }

    /// Build from a compiled story and its folder's world files.
    pub fn from_compiled(compiled: CompiledStory, dir: &Path) -> Result<StoryBook, StoryError> {
        let read = |file: &str| match std::fs::read_to_string(dir.join(file)) {
            Ok(text) => Ok(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
            Err(source) => Err(StoryError::Io { path: dir.join(file), source }),
        };
        let world =
            World::parse(&read(CHARACTERS_FILE)?, &read(CLUES_FILE)?).map_err(|e| StoryError::World(e.to_string()))?;
        let chapters = chapter_requirements(&compiled.json)?;
        let knot_prints = knot_prints(&compiled.json);
        Ok(StoryBook { compiled, world, chapters, images_dir: dir.join("images"), knot_prints })
    }

    /// Compile the folder (or take it from the cache) and build the book.
    pub fn load(dir: &Path, cache_dir: Option<&Path>) -> Result<StoryBook, StoryError> {
        StoryBook::from_compiled(compile::compile_dir(dir, cache_dir)?, dir)
    }

    /// As `load`, but when the sources do not compile and an earlier good version is in the
    /// cache, that version is returned with the error, so the game keeps running it.
    pub fn load_or_last_good(dir: &Path, cache_dir: &Path) -> Result<(StoryBook, Option<StoryError>), StoryError> {
        match StoryBook::load(dir, Some(cache_dir)) {
            Ok(book) => {
                compile::remember_good(cache_dir, &book.compiled);
                Ok((book, None))
            }
            Err(error @ StoryError::Compile { .. }) => {
                let Some(previous) = compile::last_good(cache_dir) else { return Err(error) };
                match StoryBook::from_compiled(previous, dir) {
                    Ok(book) => Ok((book, Some(error))),
                    Err(_) => Err(error),
                }
            }
            Err(other) => Err(other),
        }
    }
}

/// The compiled JSON of each top-level knot, hashed. Knots are the named content of the root
/// container (the last element of `root`).
fn knot_prints(json: &str) -> HashMap<String, String> {
    let Ok(story) = serde_json::from_str::<serde_json::Value>(json) else { return HashMap::new() };
    let named = story.get("root").and_then(|r| r.as_array()).and_then(|r| r.last()).and_then(|n| n.as_object());
    named
        .into_iter()
        .flatten()
        .map(|(name, content)| (name.clone(), super::compile::fingerprint(content.to_string().as_bytes())))
        .collect()
}

/// The `# requiere:` tags at the top of each `capitulo_<n>` knot.
fn chapter_requirements(json: &str) -> Result<BTreeMap<u32, Vec<Requirement>>, StoryError> {
    let story = Story::new(json).map_err(|e| StoryError::Runtime(e.to_string()))?;
    let mut chapters = BTreeMap::new();
    for n in 1..=MAX_CHAPTERS {
        let Ok(tags) = story.tags_for_content_at_path(&chapter_knot(n)) else { continue };
        let tags: Vec<StoryTag> = tags.iter().map(|t| story_tags::parse(t)).collect();
        if !tags.contains(&StoryTag::Chapter(n)) {
            continue;
        }
        let needs = tags
            .into_iter()
            .filter_map(|t| match t {
                StoryTag::Requires(r) => Some(r),
                _ => None,
            })
            .collect();
        chapters.insert(n, needs);
    }
    Ok(chapters)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_edit_runs_the_last_good_version_and_without_one_it_stops() {
        let dir = std::env::temp_dir().join(format!("diana-book-{:016x}", rand::random::<u64>()));
        let cache = dir.join("cache");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("main.ink"), "=== capitulo_1 ===\n# capitulo:1\nHola.\n-> END\n").unwrap();
        let (good, error) = StoryBook::load_or_last_good(&dir, &cache).unwrap();
        assert!(error.is_none());
        assert_eq!(good.chapters.len(), 1);
        std::fs::write(dir.join("main.ink"), "Hola.\n-> a_ninguna_parte\n").unwrap();
        let (running, error) = StoryBook::load_or_last_good(&dir, &cache).unwrap();
        assert_eq!(running.hash(), good.hash(), "the last good version runs");
        assert!(matches!(error, Some(StoryError::Compile { line: 2, .. })), "{error:?}");
        std::fs::remove_dir_all(&cache).unwrap();
        assert!(matches!(StoryBook::load_or_last_good(&dir, &cache), Err(StoryError::Compile { .. })));
        let _ = std::fs::remove_dir_all(dir);
    }
}
