//! What players engaged with, and when, for the recommender: chapters started, shop items
//! bought, achievements unlocked (first level). Read whole when the model is refitted; test
//! players (load tests, the playground), banned and erased players teach it nothing.

use super::StoreError;
use crate::recommend::Engagement;

/// Every engagement event, as (`user_id`, `item`, `at`): a chapter started, a shop item
/// bought, an achievement unlocked. One list for the recommender's refit here and for a
/// player's own engaged set (`users::SELECT_PLAYER`), so the two cannot disagree.
macro_rules! engagement_events {
    () => {
        "SELECT user_id, 'capitulo:' || chapter AS item, started_at AS at FROM user_story_chapters
         UNION ALL
         SELECT user_id, 'tienda:' || (context->>'item'), created_at FROM points_transactions
          WHERE action_type = 'shop_purchase' AND context ? 'item'
         UNION ALL
         SELECT user_id, 'logro:' || achievement_id, unlocked_at FROM user_achievements WHERE tier = 1"
    };
}
pub(super) use engagement_events;

/// At most this many events (the latest) feed one refit, so memory stays bounded.
const LIMIT: i64 = 2_000_000;

pub async fn recent(client: &deadpool_postgres::Client) -> Result<Vec<Engagement>, StoreError> {
    let stmt = client
        .prepare_cached(concat!(
            "SELECT e.user_id, e.item, e.at FROM (",
            engagement_events!(),
            ") e JOIN users u ON u.id = e.user_id
                 WHERE NOT u.is_test AND u.banned_at IS NULL AND u.deleted_at IS NULL
                 ORDER BY e.at DESC LIMIT $1"
        ))
        .await?;
    let rows = client.query(&stmt, &[&LIMIT]).await?;
    Ok(rows.iter().map(|r| Engagement { user_id: r.get(0), item: r.get(1), at: r.get(2) }).collect())
}
