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
