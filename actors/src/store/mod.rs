//! Persistence. All SQL lives under this module, one file per table family, as plain
//! parameterized statements prepared once per connection (`prepare_cached`).

pub mod achievements;
pub mod admin;
pub mod analytics;
pub mod audit;
pub mod broadcasts;
pub mod channels;
pub mod content;
pub mod engagement;
pub mod group_commit;
pub mod inventory;
pub mod leaderboards;
pub mod ledger;
pub mod media;
pub mod missions;
pub mod moods;
pub mod outbox;
pub mod payments;
pub mod players;
pub mod profiles;
pub mod reminders;
pub mod schema;
pub mod story;
pub mod story_versions;
#[cfg(test)]
pub(crate) mod test_db;
mod transaction;
pub mod trivia;
pub mod updates;
pub mod users;

use deadpool_postgres::{Manager, ManagerConfig, RecyclingMethod, Runtime};
use std::time::Duration;
use tokio_postgres::NoTls;

pub type Pool = deadpool_postgres::Pool;
pub use transaction::Transaction;
pub type Connection = deadpool_postgres::Object;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error")]
    Db(#[from] tokio_postgres::Error),
    #[error("no database connection available")]
    Pool(#[from] deadpool_postgres::PoolError),
    #[error("could not serialise a stored value")]
    Json(#[from] serde_json::Error),
    #[error("migration failed")]
    Migration(#[from] refinery::Error),
    #[error("invalid database URL: {0}")]
    InvalidUrl(String),
    /// Something the update needs is not running (the payment reconciler, say): try again later.
    #[error("unavailable: {0}")]
    Unavailable(&'static str),
    /// The group commit this update shared rolled back, because another update in it failed:
    /// nothing of this one was kept, and it can be applied again alone.
    #[error("the shared transaction rolled back for another update's failure")]
    GroupAborted,
    /// A row moved on since this update read it (another writer committed first): nothing of
    /// this update is kept, and applied again it reads the new state.
    #[error("changed meanwhile: {0}")]
    Moved(&'static str),
}

impl StoreError {
    /// This update failed only because the transaction it shared failed for another: a
    /// statement refused because the transaction was already aborted, or the batch rolled back.
    pub fn is_group_abort(&self) -> bool {
        match self {
            StoreError::GroupAborted => true,
            // A shared transaction holds many players' locks, so when Postgres picks it as a
            // deadlock or serialization victim, the statement it refuses is any seat's: none of
            // them is to blame, and each is applied again alone.
            StoreError::Db(error) => error.code().is_some_and(|code| {
                use tokio_postgres::error::SqlState;
                [
                    SqlState::IN_FAILED_SQL_TRANSACTION,
                    SqlState::T_R_DEADLOCK_DETECTED,
                    SqlState::T_R_SERIALIZATION_FAILURE,
                    SqlState::LOCK_NOT_AVAILABLE,
                ]
                .contains(code)
            }),
            _ => false,
        }
    }
}

/// Begin a transaction of the caller's own on `conn`.
pub async fn begin(conn: &mut deadpool_postgres::ClientWrapper) -> Result<Transaction<'_>, tokio_postgres::Error> {
    Ok(Transaction::Own(conn.transaction().await?))
}

/// Build the one shared pool. Connections are made lazily; waiting for one is bounded so a
/// database outage shows up as errors, not as requests that hang forever.
pub fn pool(config: &tokio_postgres::Config, max_size: usize) -> Result<Pool, StoreError> {
    let manager =
        Manager::from_config(config.clone(), NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
    Pool::builder(manager)
        .max_size(max_size)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(Duration::from_secs(5)))
        .create_timeout(Some(Duration::from_secs(5)))
        .recycle_timeout(Some(Duration::from_secs(2)))
        .build()
        .map_err(|e| StoreError::InvalidUrl(e.to_string()))
}

/// Connections in use and callers waiting for one, for `/metrics`.
pub fn pool_usage(pool: &Pool) -> (usize, usize) {
    let s = pool.status();
    (s.size.saturating_sub(s.available), s.waiting)
}
