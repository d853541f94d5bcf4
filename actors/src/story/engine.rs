//! `StoryEngine`: the supervisor of the story. It holds the active version on a shelf every
//! user actor reads, and loads a new version without a restart: compiled off the actor's
//! thread, checked, then swapped in whole. The engines that play steps live one per arbiter
//! thread (`play`), and rebuild themselves when they see a new version on the shelf.

use super::StoryError;
use super::book::StoryBook;
use actix::prelude::*;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

/// The active story version, shared by everyone; `None` when the server has no story.
#[derive(Clone, Default)]
pub struct StoryShelf(Arc<RwLock<Option<Arc<StoryBook>>>>);

impl std::fmt::Debug for StoryShelf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let version = self.current().map(|b| b.hash().to_owned());
        f.debug_tuple("StoryShelf").field(&version).finish()
    }
}

impl StoryShelf {
    pub fn new(book: Option<StoryBook>) -> StoryShelf {
        StoryShelf(Arc::new(RwLock::new(book.map(Arc::new))))
    }

    pub fn current(&self) -> Option<Arc<StoryBook>> {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn put(&self, book: StoryBook) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(book));
    }
}

pub static STORY_VERSION_SWAPS: std::sync::LazyLock<prometheus::IntCounter> = std::sync::LazyLock::new(|| {
    prometheus::register_int_counter!("story_version_swaps_total", "Story versions loaded without a restart")
        .expect("metric registers once")
});

pub struct StoryEngine {
    shelf: StoryShelf,
    cache_dir: Option<PathBuf>,
}

impl StoryEngine {
    pub fn new(shelf: StoryShelf, cache_dir: Option<PathBuf>) -> StoryEngine {
        StoryEngine { shelf, cache_dir }
    }
}

impl Actor for StoryEngine {
    type Context = Context<Self>;
}

/// What was activated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveVersion {
    pub version: String,
    pub chapters: usize,
}

/// Compile the story in `dir` and, if it is good, make it the one everybody plays. A bad
/// version changes nothing: the error comes back and the old version keeps running.
#[derive(Message)]
#[rtype(result = "Result<ActiveVersion, StoryError>")]
pub struct LoadStoryVersion {
    pub dir: PathBuf,
}

impl Handler<LoadStoryVersion> for StoryEngine {
    type Result = ResponseFuture<Result<ActiveVersion, StoryError>>;

    fn handle(&mut self, msg: LoadStoryVersion, _: &mut Context<Self>) -> Self::Result {
        let shelf = self.shelf.clone();
        let cache_dir = self.cache_dir.clone();
        Box::pin(async move {
            let book = tokio::task::spawn_blocking(move || {
                let book = StoryBook::load(&msg.dir, cache_dir.as_deref())?;
                if let Some(cache) = &cache_dir {
                    super::compile::remember_good(cache, &book.compiled);
                }
                Ok::<_, StoryError>(book)
            })
            .await
            .map_err(|e| StoryError::Runtime(format!("story loading stopped: {e}")))??;
            let active = ActiveVersion { version: book.hash().to_owned(), chapters: book.chapters.len() };
            shelf.put(book);
            STORY_VERSION_SWAPS.inc();
            tracing::info!(version = %active.version, chapters = active.chapters, "story version activated");
            Ok(active)
        })
    }
}
