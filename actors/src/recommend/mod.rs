//! "Te puede gustar": item-item collaborative filtering over what players engaged with
//! (chapters started, shop items bought, achievements unlocked), with popularity for players
//! who have engaged with nothing yet. Fitted from the engagement log on a schedule, served
//! from memory, and evaluated offline by hit-rate@3 on a time split (`evaluation`).

pub mod evaluation;
pub mod model;
pub mod simulate;

pub use model::ItemItem;

use chrono::{DateTime, Utc};

/// One player engaging with one item at one time. Items are named by kind:
/// `capitulo:<n>`, `tienda:<item>`, `logro:<id>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Engagement {
    pub user_id: i64,
    pub item: String,
    pub at: DateTime<Utc>,
}
