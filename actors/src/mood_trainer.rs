//! `MoodTrainer`: the supervisor that retrains the mood model on a schedule, on the training
//! messages plus players' own answers to "¿te he entendido bien?". A new model replaces the
//! running one only if it scores at least as well on `eval.tsv` (never trained on); every
//! attempt is recorded in `mood_models`, and the newest kept one is loaded at start.

use crate::content::Live;
use crate::metrics::count_error;
use crate::mood::corpus::{self, Example};
use crate::mood::train::{Algorithms, TrainError, macro_f1, train};
use crate::mood::{EVAL_TSV, MoodModel, TRAIN_TSV};
use crate::store::{Pool, StoreError, moods};
use actix::prelude::*;

#[derive(Debug, thiserror::Error)]
pub enum RetrainError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Train(#[from] TrainError),
    #[error("training stopped: {0}")]
    Interrupted(String),
}

/// What a retraining did.
#[derive(Debug, Clone, PartialEq)]
pub struct Retrained {
    pub id: i64,
    pub labels_used: usize,
    pub candidate_macro_f1: f64,
    pub running_macro_f1: f64,
    pub accepted: bool,
}

#[derive(Clone)]
pub struct MoodTrainer {
    pool: Pool,
    model: Live<MoodModel>,
    every: Option<std::time::Duration>,
}

impl MoodTrainer {
    pub fn new(pool: Pool, model: Live<MoodModel>) -> MoodTrainer {
        MoodTrainer { pool, model, every: None }
    }

    pub fn retraining_every(mut self, every: std::time::Duration) -> MoodTrainer {
        self.every = Some(every);
        self
    }

    /// The newest kept model, if the trainer ever kept one (else the shipped one stays).
    pub async fn load_latest(pool: &Pool, model: &Live<MoodModel>) -> Result<Option<i64>, StoreError> {
        let Some((id, json)) = moods::latest_accepted(&pool.get().await?).await? else { return Ok(None) };
        match serde_json::from_value::<MoodModel>(json) {
            Ok(loaded) => {
                model.set(loaded);
                Ok(Some(id))
            }
            Err(error) => {
                count_error("mood_model_invalid");
                tracing::error!(id, %error, "a kept mood model does not load; the shipped one runs");
                Ok(None)
            }
        }
    }

    /// Train on the messages and the answers, score against the running model, keep the better.
    pub async fn retrain(&self) -> Result<Retrained, RetrainError> {
        let labels = moods::labels(&self.pool.get().await.map_err(StoreError::from)?).await?;
        let mut examples = corpus::parse(TRAIN_TSV).map_err(|e| RetrainError::Interrupted(e.to_string()))?;
        let answered: Vec<Example> = labels
            .into_iter()
            .filter_map(|(label, text, behaviour)| Some(Example { mood: corpus::mood_index(&label)?, text, behaviour }))
            .collect();
        let labels_used = answered.len();
        examples.extend(answered);
        // Seconds of dense arithmetic: off the actors' threads.
        let candidate = tokio::task::spawn_blocking(move || train(&examples, 42, Algorithms::NaiveBayes))
            .await
            .map_err(|e| RetrainError::Interrupted(e.to_string()))??
            .0;
        let eval = corpus::parse(EVAL_TSV).map_err(|e| RetrainError::Interrupted(e.to_string()))?;
        let eval: Vec<&Example> = eval.iter().collect();
        let running = self.model.get();
        let (candidate_macro_f1, running_macro_f1) = (macro_f1(&candidate, &eval), macro_f1(&running, &eval));
        let accepted = candidate_macro_f1 >= running_macro_f1;
        let json = serde_json::to_value(&candidate).map_err(StoreError::from)?;
        let id = moods::record_model(
            &self.pool.get().await.map_err(StoreError::from)?,
            i32::try_from(labels_used).unwrap_or(i32::MAX),
            candidate_macro_f1,
            running_macro_f1,
            accepted,
            &json,
        )
        .await?;
        if accepted {
            self.model.set(candidate);
        }
        tracing::info!(id, labels_used, candidate_macro_f1, running_macro_f1, accepted, "mood model retrained");
        Ok(Retrained { id, labels_used, candidate_macro_f1, running_macro_f1, accepted })
    }
}

impl Actor for MoodTrainer {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        if let Some(every) = self.every {
            ctx.run_interval(every, |this, ctx| {
                let me = this.clone();
                let retrain = async move {
                    if let Err(error) = me.retrain().await {
                        count_error("mood_retrain");
                        tracing::error!(%error, "mood retraining failed; the running model stays");
                    }
                };
                ctx.spawn(retrain.into_actor(this));
            });
        }
    }
}

/// Retrain now (the schedule's own step, also for tests and admins).
#[derive(Message)]
#[rtype(result = "Result<Retrained, RetrainError>")]
pub struct Retrain;

impl Handler<Retrain> for MoodTrainer {
    type Result = ResponseFuture<Result<Retrained, RetrainError>>;

    fn handle(&mut self, _: Retrain, _: &mut Context<Self>) -> Self::Result {
        let me = self.clone();
        Box::pin(async move { me.retrain().await })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix::test]
    async fn a_retrain_is_kept_when_not_worse_and_refused_when_players_answers_make_it_worse() {
        let (db, pool) = crate::store::test_db::TestDb::create().await;
        let shipped = MoodModel::embedded().unwrap();
        let model = Live::new(shipped.clone());
        let trainer = MoodTrainer::new(pool.clone(), model.clone());

        // No answers yet: the same training, the same score: kept (not worse).
        let same = trainer.retrain().await.unwrap();
        assert_eq!((same.labels_used, same.accepted), (0, true));
        let same_model = (*model.get()).clone();
        assert_eq!(same.candidate_macro_f1, same.running_macro_f1);

        // Players who answer nonsense: every sad training message "labelled" happy, three times.
        let conn = pool.get().await.unwrap();
        // A load tester's simulated player and a banned one answer too: never used.
        conn.batch_execute(
            "INSERT INTO users (id, first_name, is_test) VALUES (1000000000001, 'Bot', TRUE);
             INSERT INTO users (id, first_name, banned_at) VALUES (2, 'Banned', now());
             INSERT INTO mood_readings (user_id, text, behaviour, mood, confidence, asked, label)
             VALUES (1000000000001, 'hola', '{}', 'neutral', 0.2, TRUE, 'triste'),
                    (2, 'adios', '{}', 'neutral', 0.2, TRUE, 'enojado')",
        )
        .await
        .unwrap();
        assert!(moods::labels(&conn).await.unwrap().is_empty());
        conn.batch_execute("INSERT INTO users (id, first_name) VALUES (1, 'Troll')").await.unwrap();
        let sad: Vec<&str> = crate::mood::TRAIN_TSV.lines().filter_map(|l| l.strip_prefix("triste\t")).collect();
        for _ in 0..3 {
            for text in &sad {
                conn.execute(
                    "INSERT INTO mood_readings (user_id, text, behaviour, mood, confidence, asked, label)
                     VALUES (1, $1, '{}', 'neutral', 0.2, TRUE, 'feliz')",
                    &[text],
                )
                .await
                .unwrap();
            }
        }
        let worse = trainer.retrain().await.unwrap();
        assert_eq!(worse.labels_used, 900);
        assert!(worse.candidate_macro_f1 < worse.running_macro_f1, "{worse:?}");
        assert!(!worse.accepted);
        let running = serde_json::to_string(&*model.get()).unwrap();
        assert_eq!(running, serde_json::to_string(&same_model).unwrap(), "the running model stays");
        let kept: i64 = conn.query_one("SELECT count(*) FROM mood_models WHERE accepted", &[]).await.unwrap().get(0);
        let all: i64 = conn.query_one("SELECT count(*) FROM mood_models", &[]).await.unwrap().get(0);
        assert_eq!((kept, all), (1, 2), "every attempt is recorded");
        // At the next start, the newest kept model runs.
        let fresh = Live::new(shipped);
        assert_eq!(MoodTrainer::load_latest(&pool, &fresh).await.unwrap(), Some(same.id));
        drop(conn);
        db.drop_now().await;
    }
}
