//! A trained mood model, as the server uses it: one linear score per mood over the hashed
//! features (a naive Bayes model's log-probabilities, or a logistic regression's coefficients),
//! turned into probabilities. Below the confidence threshold the answer is `neutral`.

use super::features::{self, Behaviour};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The moods the model tells apart, in the order of its scores.
pub const MOODS: [&str; 7] = ["feliz", "triste", "enojado", "ansioso", "aburrido", "romantico", "curioso"];
/// What the model says when it is not sure.
pub const NEUTRAL: &str = "neutral";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoodModel {
    /// `naive_bayes` or `logistic_regression`.
    pub algorithm: String,
    /// The smoothing (naive Bayes) or regularisation (logistic regression) it was trained with.
    pub alpha: f64,
    pub buckets: usize,
    /// The longest character n-gram of the features it was trained on.
    pub char_max: usize,
    /// Scores are divided by this before they become probabilities (fitted on the held-out
    /// share), so a probability says how often the model is right at that level.
    pub temperature: f64,
    /// Below this probability of the best mood, the answer is `neutral`.
    pub threshold: f64,
    /// One per mood, in `MOODS` order.
    pub bias: Vec<f64>,
    /// One row of `buckets` weights per mood.
    pub weights: Vec<Vec<f32>>,
    /// What it was trained on and how it scored on the held-out split used to choose it.
    pub trained_rows: usize,
    pub validation_macro_f1: f64,
    pub seed: u64,
}

/// A mood with how sure the model is, and every mood's probability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reading {
    pub mood: &'static str,
    pub confidence: f64,
    pub scores: BTreeMap<&'static str, f64>,
}

impl MoodModel {
    /// The model shipped with the binary (`diana mood train` writes it).
    pub fn embedded() -> Result<MoodModel, serde_json::Error> {
        serde_json::from_str(include_str!("../../../assets/mood/model.json"))
    }

    pub fn from_json(text: &str) -> Result<MoodModel, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Each mood's probability for a message.
    pub fn probabilities(&self, text: &str, behaviour: &Behaviour) -> Vec<f64> {
        let x = features::hashed(text, behaviour, self.char_max);
        let scores: Vec<f64> = self
            .bias
            .iter()
            .zip(&self.weights)
            .map(|(bias, row)| (bias + x.iter().map(|(&j, &v)| f64::from(row[j]) * v).sum::<f64>()) / self.temperature)
            .collect();
        softmax(&scores)
    }

    /// The index (into `MOODS`) of the likeliest mood, however unsure: what evaluation scores.
    pub fn guess(&self, text: &str, behaviour: &Behaviour) -> usize {
        let probabilities = self.probabilities(text, behaviour);
        probabilities.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map_or(0, |(i, _)| i)
    }

    pub fn classify(&self, text: &str, behaviour: &Behaviour) -> Reading {
        let probabilities = self.probabilities(text, behaviour);
        let scores: BTreeMap<&'static str, f64> = MOODS.iter().copied().zip(probabilities.iter().copied()).collect();
        let (best, confidence) = MOODS
            .iter()
            .zip(&probabilities)
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map_or((NEUTRAL, 0.0), |(m, p)| (*m, *p));
        let mood = if confidence >= self.threshold { best } else { NEUTRAL };
        Reading { mood, confidence, scores }
    }
}

fn softmax(scores: &[f64]) -> Vec<f64> {
    let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let exp: Vec<f64> = scores.iter().map(|s| (s - max).exp()).collect();
    let total: f64 = exp.iter().sum();
    exp.iter().map(|e| e / total).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_sums_to_one_and_keeps_order() {
        let p = softmax(&[1.0, 3.0, -2.0]);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(p[1] > p[0] && p[0] > p[2]);
        let huge = softmax(&[1000.0, 999.0]);
        assert!(huge.iter().all(|v| v.is_finite()));
    }
}
