//! `Recommender`: refits the "Te puede gustar" model from the engagement log on a schedule and
//! puts it on the shelf the user actors read. Players are never made to wait for a fit.

use crate::content::Live;
use crate::metrics::count_error;
use crate::recommend::ItemItem;
use crate::store::{Pool, StoreError, engagement};
use actix::prelude::*;

#[derive(Clone)]
pub struct Recommender {
    pool: Pool,
    model: Live<ItemItem>,
    every: std::time::Duration,
}

impl Recommender {
    pub fn new(pool: Pool, model: Live<ItemItem>, every: std::time::Duration) -> Recommender {
        Recommender { pool, model, every }
    }

    /// Fit on the log as it is now; returns how many players the model knows.
    pub async fn refit(&self) -> Result<usize, StoreError> {
        let events = engagement::recent(&self.pool.get().await?).await?;
        // Pure arithmetic over up to two million rows: off the actors' threads.
        let model = tokio::task::spawn_blocking(move || ItemItem::fit(&events))
            .await
            .map_err(|_| StoreError::Unavailable("the recommendation fit stopped"))?;
        let players = model.players();
        self.model.set(model);
        tracing::info!(players, "recommendations refitted");
        Ok(players)
    }
}

impl Actor for Recommender {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let first = self.clone();
        ctx.spawn(async move { first.refit_logged().await }.into_actor(self));
        ctx.run_interval(self.every, |this, ctx| {
            let me = this.clone();
            ctx.spawn(async move { me.refit_logged().await }.into_actor(this));
        });
    }
}

impl Recommender {
    async fn refit_logged(&self) {
        if let Err(error) = self.refit().await {
            count_error("recommend_refit");
            tracing::error!(%error, "could not refit recommendations; the previous model stays");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[actix::test]
    async fn a_refit_reads_chapters_purchases_and_achievements_from_postgres() {
        let (db, pool) = crate::store::test_db::TestDb::create().await;
        let conn = pool.get().await.unwrap();
        conn.batch_execute(
            "INSERT INTO users (id, first_name) SELECT g, 'P' || g FROM generate_series(1, 6) g;
             INSERT INTO achievements (id, category, definition) VALUES ('lector', 'historia', '{}');
             INSERT INTO user_story_chapters (user_id, chapter) SELECT g, 1 FROM generate_series(1, 4) g;
             INSERT INTO user_achievements (user_id, achievement_id, tier) SELECT g, 'lector', 1 FROM generate_series(1, 4) g;
             INSERT INTO points_transactions (user_id, action_type, points_change, balance_after, context)
             SELECT g, 'shop_purchase', -10, 0, '{\"item\": \"title_musa\"}' FROM generate_series(5, 6) g;",
        )
        .await
        .unwrap();
        let model = Live::new(ItemItem::default());
        let refitted = Recommender::new(pool.clone(), model.clone(), std::time::Duration::from_secs(3600));
        assert_eq!(refitted.refit().await.unwrap(), 6);
        let reader: BTreeSet<String> = ["capitulo:1".to_owned()].into();
        assert_eq!(model.get().recommend(&reader, 1, |_| true), ["logro:lector"]);
        let nobody = BTreeSet::new();
        assert_eq!(model.get().recommend(&nobody, 3, |_| true), ["capitulo:1", "logro:lector", "tienda:title_musa"]);
        drop(conn);
        db.drop_now().await;
    }
}
