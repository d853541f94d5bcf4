//! Mood detection: what the player's messages and recent play say about how they feel.
//! `features` turns a message into hashed features, `corpus` reads labelled messages,
//! `train` fits smartcore models and keeps the best, `model` is what the server runs,
//! `evaluation` scores it.

pub mod corpus;
pub mod evaluation;
pub mod features;
pub mod model;
pub mod train;

pub use features::Behaviour;

/// The training messages and the evaluation messages (never trained on), built in.
pub const TRAIN_TSV: &str = include_str!("../../../assets/mood/train.tsv");
pub const EVAL_TSV: &str = include_str!("../../../assets/mood/eval.tsv");
pub use model::{MOODS, MoodModel, NEUTRAL, Reading};

#[cfg(test)]
mod tests {
    use super::corpus;
    use super::evaluation::score;
    use super::train::{Algorithms, train};
    use super::{Behaviour, MoodModel};

    use super::{EVAL_TSV as EVAL, TRAIN_TSV as TRAIN};

    fn mood(text: &str) -> &'static str {
        MoodModel::embedded().unwrap().classify(text, &Behaviour::default()).mood
    }

    #[test]
    fn the_shipped_model_keeps_its_score_on_messages_it_never_saw() {
        let model = MoodModel::embedded().unwrap();
        let eval = corpus::parse(EVAL).unwrap();
        let scored = score(&model, &eval);
        // What `diana mood train` reached (macro-F1 0.778): a guard against a worse model.
        assert!(scored.macro_f1 >= 0.77, "{scored}");
        assert!(scored.per_mood.iter().all(|m| m.2 >= 0.65), "every mood is learnt: {scored}");
    }

    #[test]
    fn the_shipped_model_is_exactly_what_training_makes() {
        let (model, _) = train(&corpus::parse(TRAIN).unwrap(), 42, Algorithms::NaiveBayes).unwrap();
        let trained = serde_json::to_string(&model).unwrap();
        let shipped = include_str!("../../../assets/mood/model.json");
        let differs = trained.bytes().zip(shipped.bytes()).position(|(a, b)| a != b);
        let context =
            |at: usize| trained.get(at.saturating_sub(80)..(at + 80).min(trained.len())).unwrap_or_default().to_owned();
        assert!(
            trained == shipped,
            "assets/mood/model.json is `diana mood train` with seed 42; first difference at byte {differs:?}: {}",
            differs.map(context).unwrap_or_default()
        );
    }

    #[test]
    fn negation_flips_the_mood() {
        assert_eq!(mood("estoy feliz"), "feliz");
        assert_ne!(mood("no estoy feliz"), "feliz");
        assert_eq!(mood("no estoy feliz"), "triste");
    }

    #[test]
    fn unsure_is_neutral() {
        assert_eq!(mood("ok"), "neutral");
        assert_eq!(mood("eres preciosa 😍"), "romantico");
    }
}
