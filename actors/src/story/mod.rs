//! The story, written in ink (`assets/story/*.ink`): compiled with `bladeink-compiler`, played
//! with `bladeink`. This part compiles and caches; playing it through the bot comes with the
//! story engine.

pub mod compile;
pub mod play;

pub use compile::{CompiledStory, StoryError, compile_dir};
