//! What time it is, for actors that act on a timer (tests move it).

use chrono::{DateTime, Utc};
use std::sync::Arc;

pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(Utc::now)
}
