//! Diana's game core: pure domain rules, the actors that hold each user's state, and persistence.
//!
//! Architecture invariant: nothing here knows about Telegram or HTTP. Updates come in as
//! [`domain::UserUpdate`] and leave as [`domain::Reply`] values in the outbox; the edges in the
//! `diana` crate translate both ways.

pub mod achievements;
pub mod admin;
pub mod clock;
pub mod content;
pub mod domain;
pub mod leaderboard;
pub mod metrics;
pub mod mood;
pub mod mood_trainer;
pub mod payments;
pub mod recommend;
pub mod recommender;
pub mod redis;
pub mod reminders;
pub mod store;
pub mod story;
pub mod user;

pub use store::Pool;
