//! Compiling the story. The entry file is `main.ink`; INCLUDEs are resolved inside the story
//! folder only. The compiled JSON is cached by a hash of every `.ink` file, so start-up does
//! not recompile unchanged content.

use bladeink_compiler::{Compiler, CompilerError, CompilerOptions};
use std::path::{Path, PathBuf};

pub const ENTRY: &str = "main.ink";

#[derive(Debug, Clone)]
pub struct CompiledStory {
    /// The story as `.ink.json`, ready for `bladeink::story::Story::new`.
    pub json: String,
    /// Hash of the sources it was compiled from.
    pub source_hash: String,
    /// Whether it came from the cache.
    pub cached: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum StoryError {
    /// A writer's mistake: names the file and the line.
    #[error("{file}:{line}: {message}")]
    Compile { file: String, line: usize, message: String },
    /// `personajes.toml` or `pistas.toml` is wrong.
    #[error("{0}")]
    World(String),
    /// The pressed choice is not open at this point of the story (a stale or forged button).
    #[error("no such choice")]
    NoSuchChoice,
    /// The engine failed while playing (a bug of ours or a broken save-state).
    #[error("story engine: {0}")]
    Runtime(String),
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// FNV-1a: a stable hash for cache keys (not for security).
fn fnv1a(bytes: &[u8], mut hash: u64) -> u64 {
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// A short stable print of some bytes.
pub fn fingerprint(bytes: &[u8]) -> String {
    format!("{:016x}", fnv1a(bytes, 0xcbf2_9ce4_8422_2325))
}

/// The hash of every `.ink` and `.toml` file in the folder, by name and content.
fn hash_sources(dir: &Path) -> Result<String, StoryError> {
    let io = |source| StoryError::Io { path: dir.to_path_buf(), source };
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ink" || x == "toml"))
        .collect();
    names.sort();
    let mut hash = 0xcbf2_9ce4_8422_2325;
    for path in names {
        let bytes = std::fs::read(&path).map_err(|source| StoryError::Io { path: path.clone(), source })?;
        hash = fnv1a(path.file_name().map(|n| n.as_encoded_bytes()).unwrap_or_default(), hash);
        hash = fnv1a(&bytes, hash);
    }
    Ok(format!("{hash:016x}"))
}

/// Compile `dir/main.ink`, or take it from `cache_dir` when the sources did not change.
pub fn compile_dir(dir: &Path, cache_dir: Option<&Path>) -> Result<CompiledStory, StoryError> {
    let source_hash = hash_sources(dir)?;
    let cached = cache_dir.map(|c| c.join(format!("{source_hash}.ink.json")));
    if let Some(json) = cached.as_ref().and_then(|p| std::fs::read_to_string(p).ok()) {
        return Ok(CompiledStory { json, source_hash, cached: true });
    }
    let entry = dir.join(ENTRY);
    let source = std::fs::read_to_string(&entry).map_err(|source| StoryError::Io { path: entry.clone(), source })?;
    let options = CompilerOptions { source_filename: Some(ENTRY.to_owned()), ..CompilerOptions::default() };
    let folder = dir.to_path_buf();
    let json = Compiler::with_options(options)
        .compile_with_file_handler(&source, move |name| read_include(&folder, name))
        .map_err(|e| located(e, dir))?;
    if let (Some(path), Some(cache)) = (&cached, cache_dir) {
        // A failed cache write costs a recompilation next time, nothing more.
        if std::fs::create_dir_all(cache).is_ok() {
            let _ = std::fs::write(path, &json);
        }
    }
    Ok(CompiledStory { json, source_hash, cached: false })
}

const LAST_GOOD: &str = "last_good.ink.json";
const LAST_GOOD_HASH: &str = "last_good.hash";

/// Keep this version as the one to fall back on when a later edit does not compile.
pub fn remember_good(cache_dir: &Path, story: &CompiledStory) {
    // Written to a temporary name first, so a crash never leaves half a fallback.
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(cache_dir)?;
        let tmp = cache_dir.join(format!("{LAST_GOOD}.tmp"));
        std::fs::write(&tmp, &story.json)?;
        std::fs::rename(&tmp, cache_dir.join(LAST_GOOD))?;
        std::fs::write(cache_dir.join(LAST_GOOD_HASH), &story.source_hash)
    };
    if let Err(error) = write() {
        tracing::warn!(%error, "could not keep the story as the last good version");
    }
}

/// The last version that compiled, if any.
pub fn last_good(cache_dir: &Path) -> Option<CompiledStory> {
    let json = std::fs::read_to_string(cache_dir.join(LAST_GOOD)).ok()?;
    let source_hash = std::fs::read_to_string(cache_dir.join(LAST_GOOD_HASH)).ok()?.trim().to_owned();
    Some(CompiledStory { json, source_hash, cached: true })
}

/// INCLUDEs stay inside the story folder.
fn read_include(dir: &Path, name: &str) -> Result<String, CompilerError> {
    let relative = Path::new(name.trim());
    // Only files directly in the folder: they are the ones hashed for the cache and checked.
    if relative.components().count() != 1
        || !matches!(relative.components().next(), Some(std::path::Component::Normal(_)))
    {
        return Err(CompilerError::invalid_source(format!(
            "INCLUDE '{name}' must name a file directly inside the story folder"
        )));
    }
    std::fs::read_to_string(dir.join(relative))
        .map_err(|e| CompilerError::invalid_source(format!("INCLUDE '{name}' cannot be read: {e}")))
}

fn located(error: CompilerError, dir: &Path) -> StoryError {
    let (message, file, line) = match error {
        CompilerError::InvalidSource { message, file, line }
        | CompilerError::UnsupportedFeature { message, file, line } => (message, file, line),
    };
    match (file, line) {
        (Some(file), Some(line)) => StoryError::Compile { file, line, message },
        // Some checks (a divert to a missing knot, say) come without a place: find the quoted
        // snippet in the sources, so the writer still gets a file and a line.
        (file, line) => {
            let found = quoted(&message).and_then(|snippet| find_in_sources(dir, snippet));
            let (file, line) = found.unwrap_or((file.unwrap_or_else(|| ENTRY.to_owned()), line.unwrap_or(0)));
            StoryError::Compile { file, line, message }
        }
    }
}

/// The first 'quoted' part of a message.
fn quoted(message: &str) -> Option<&str> {
    let start = message.find('\'')? + 1;
    let end = start + message[start..].find('\'')?;
    Some(message[start..end].trim()).filter(|s| !s.is_empty())
}

fn find_in_sources(dir: &Path, snippet: &str) -> Option<(String, usize)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ink"))
        .collect();
    files.sort();
    files.iter().find_map(|path| {
        let text = std::fs::read_to_string(path).ok()?;
        let line = text.lines().position(|l| l.contains(snippet))? + 1;
        Some((path.file_name()?.to_string_lossy().into_owned(), line))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/story")
    }

    fn scratch(files: &[(&str, &str)]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("diana-story-{:016x}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        dir
    }

    #[test]
    fn the_shipped_story_compiles_and_plays_to_an_ending() {
        let compiled = compile_dir(&shipped(), None).unwrap();
        let mut story = crate::story::play::new_engine(&compiled.json).unwrap();
        let mut text = String::new();
        let mut tags = Vec::new();
        loop {
            while story.can_continue() {
                text.push_str(&story.cont().unwrap());
                tags.extend(story.get_current_tags().unwrap());
            }
            let choices = story.get_current_choices();
            if choices.is_empty() {
                break;
            }
            story.choose_choice_index(choices.len() - 1).unwrap();
        }
        assert!(text.contains("El Diván"), "{text}");
        assert!(tags.iter().any(|t| t == "capitulo:1"), "{tags:?}");
        assert!(tags.iter().any(|t| t.starts_with("final:")), "{tags:?}");
        for tag in &tags {
            let parsed = crate::domain::story_tags::parse(tag);
            assert!(!matches!(parsed, crate::domain::story_tags::StoryTag::Unknown(_)), "unknown tag {tag}");
        }
    }

    #[test]
    fn an_error_in_an_included_file_names_that_file_and_line_and_the_cache_skips_recompiling() {
        let good = scratch(&[("main.ink", "INCLUDE uno.ink\n-> uno\n"), ("uno.ink", "=== uno ===\nHola.\n-> END\n")]);
        let cache = good.join("cache");
        assert!(!compile_dir(&good, Some(&cache)).unwrap().cached);
        assert!(compile_dir(&good, Some(&cache)).unwrap().cached, "unchanged sources come from the cache");
        std::fs::write(good.join("uno.ink"), "=== uno ===\nHola.\n-> nowhere\n").unwrap();
        match compile_dir(&good, Some(&cache)) {
            Err(StoryError::Compile { file, line, message }) => {
                assert_eq!((file.as_str(), line), ("uno.ink", 3), "{message}");
            }
            other => panic!("a changed, broken story must not come from the cache: {other:?}"),
        }
        let escape = scratch(&[("main.ink", "INCLUDE ../secret.ink\n")]);
        assert!(matches!(compile_dir(&escape, None), Err(StoryError::Compile { .. })));
        let _ = std::fs::remove_dir_all(good);
        let _ = std::fs::remove_dir_all(escape);
    }
}
