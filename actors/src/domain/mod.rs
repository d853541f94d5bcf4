//! Pure game rules and the plain data they work on. No I/O, no actors, no clocks read here:
//! callers pass `now` in, so every rule is testable on its own.

pub mod achievements;
pub mod archetype;
pub mod context;
pub mod economy;
pub mod flood;
pub mod gift;
pub mod habits;
pub mod interface;
pub mod lang;
pub mod leaderboard;
pub mod level;
pub mod missions;
pub mod plans;
pub mod player;
pub mod points;
pub mod referral;
pub mod reply;
pub mod shop;
pub mod story_rules;
pub mod story_tags;
pub mod story_world;
pub mod streak;
pub mod stripe;
pub mod trivia;
pub mod update;
pub mod wording;

pub use lang::Lang;
pub use player::Player;
pub use reply::{AchievementProgress, DailyGift, LedgerLine, MissionProgress, Notice, Outgoing, Reply, ShopOffer};
pub use update::{Action, Identity, UserUpdate};
