//! The story, written in ink (`assets/story/*.ink`): compiled with `bladeink-compiler`, played
//! with `bladeink`. `compile` turns the folder into JSON (cached by source hash), `book` adds
//! the characters, clues and chapter unlocks, `play` runs one step on this thread's engine,
//! `engine` holds the active version and swaps in new ones, `explore` plays every path.

pub mod book;
pub mod compile;
pub mod engine;
pub mod explore;
pub mod lint;
pub mod play;

pub use book::StoryBook;
pub use compile::{CompiledStory, StoryError, compile_dir};
pub use engine::{LoadStoryVersion, StoryEngine, StoryShelf};
