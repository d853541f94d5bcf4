//! Training: smartcore's multinomial naive Bayes and logistic regression, each with a few
//! settings, fitted on most of the training messages and scored (macro-F1) on the rest; the
//! best is fitted again on all of them and exported as a `MoodModel`. Everything that could
//! vary (the split) comes from one seed, so the same data gives the same model, byte for byte.

use super::corpus::Example;
use super::evaluation::score;
use super::features::{self, BUCKETS};
use super::model::{MOODS, MoodModel};
use smartcore::linalg::basic::arrays::Array;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::logistic_regression::{LogisticRegression, LogisticRegressionParameters};
use smartcore::naive_bayes::multinomial::{MultinomialNB, MultinomialNBParameters};

/// The share of training messages held out to choose the algorithm and its setting.
const VALIDATION_SHARE: f64 = 0.2;
/// Below this probability the answer is `neutral`.
const THRESHOLD: f64 = 0.5;

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("every mood needs examples to learn from; {0} has none")]
    MissingMood(&'static str),
    #[error("smartcore: {0}")]
    Fit(String),
}

/// One setting tried, and how it scored on the held-out share.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Candidate {
    pub algorithm: &'static str,
    pub alpha: f64,
    pub char_max: usize,
    pub validation_macro_f1: f64,
}

/// The settings tried. Logistic regression (smartcore's L-BFGS, a thousand iterations over a
/// dense matrix) takes minutes where naive Bayes takes a second, so it is tried on request.
const NAIVE_BAYES_ALPHAS: [f64; 3] = [0.1, 0.3, 1.0];
const LOGISTIC_ALPHAS: [f64; 1] = [0.5];

/// Which algorithms to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithms {
    NaiveBayes,
    NaiveBayesAndLogistic,
}

/// SplitMix64: a tiny, stable generator, so a seed means the same split on every machine.
pub(crate) struct SplitMix(pub(crate) u64);

impl SplitMix {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform draw in [0, 1).
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Each mood's examples split the same way: a shuffled share of each held out.
fn split(examples: &[Example], seed: u64) -> (Vec<&Example>, Vec<&Example>) {
    let mut rng = SplitMix(seed);
    let (mut fit, mut held) = (Vec::new(), Vec::new());
    for mood in 0..MOODS.len() {
        let mut of_mood: Vec<&Example> = examples.iter().filter(|e| e.mood == mood).collect();
        for i in (1..of_mood.len()).rev() {
            let j = (rng.next() % (i as u64 + 1)) as usize;
            of_mood.swap(i, j);
        }
        let cut = (of_mood.len() as f64 * VALIDATION_SHARE).round() as usize;
        held.extend_from_slice(&of_mood[..cut]);
        fit.extend_from_slice(&of_mood[cut..]);
    }
    (fit, held)
}

fn rows(examples: &[&Example], char_max: usize) -> Vec<std::collections::BTreeMap<usize, f64>> {
    examples.iter().map(|e| features::hashed(&e.text, &e.behaviour, char_max)).collect()
}

fn labels(examples: &[&Example]) -> Vec<u32> {
    examples.iter().map(|e| e.mood as u32).collect()
}

fn fit_naive_bayes(examples: &[&Example], alpha: f64, char_max: usize) -> Result<MoodModel, TrainError> {
    let dense: Vec<Vec<u32>> = rows(examples, char_max)
        .into_iter()
        .map(|row| {
            let mut dense = vec![0u32; BUCKETS];
            for (j, v) in row {
                dense[j] = v.round() as u32;
            }
            dense
        })
        .collect();
    let x = DenseMatrix::from_2d_vec(&dense).map_err(|e| TrainError::Fit(e.to_string()))?;
    let y = labels(examples);
    let nb = MultinomialNB::fit(&x, &y, MultinomialNBParameters::default().with_alpha(alpha))
        .map_err(|e| TrainError::Fit(e.to_string()))?;
    let total: usize = nb.class_count().iter().sum();
    let bias = nb.class_count().iter().map(|&n| (n as f64 / total as f64).ln()).collect();
    let weights = nb.feature_log_prob().iter().map(|row| row.iter().map(|&w| w as f32).collect()).collect();
    Ok(model(("naive_bayes", alpha, char_max), bias, weights, examples.len()))
}

fn fit_logistic(examples: &[&Example], alpha: f64, char_max: usize) -> Result<MoodModel, TrainError> {
    let rows = rows(examples, char_max);
    // Only buckets at least two messages use are columns: the others would get zero weight (or
    // a weight that only memorises one message), and fewer columns fit much faster.
    let mut uses = std::collections::BTreeMap::<usize, usize>::new();
    for bucket in rows.iter().flat_map(|r| r.keys().copied()) {
        *uses.entry(bucket).or_insert(0) += 1;
    }
    let used: Vec<usize> = uses.into_iter().filter(|(_, n)| *n >= 2).map(|(b, _)| b).collect();
    let column: std::collections::HashMap<usize, usize> = used.iter().enumerate().map(|(i, &b)| (b, i)).collect();
    let dense: Vec<Vec<f64>> = rows
        .iter()
        .map(|row| {
            let mut dense = vec![0.0; used.len()];
            for (j, v) in row {
                if let Some(&c) = column.get(j) {
                    dense[c] = *v;
                }
            }
            dense
        })
        .collect();
    let x = DenseMatrix::from_2d_vec(&dense).map_err(|e| TrainError::Fit(e.to_string()))?;
    let y = labels(examples);
    let lr = LogisticRegression::fit(&x, &y, LogisticRegressionParameters::default().with_alpha(alpha))
        .map_err(|e| TrainError::Fit(e.to_string()))?;
    let (coefficients, intercept) = (lr.coefficients(), lr.intercept());
    let mut weights = vec![vec![0f32; BUCKETS]; MOODS.len()];
    for (c, row) in weights.iter_mut().enumerate() {
        for (i, &bucket) in used.iter().enumerate() {
            row[bucket] = *coefficients.get((c, i)) as f32;
        }
    }
    let bias = (0..MOODS.len()).map(|c| *intercept.get((c, 0))).collect();
    Ok(model(("logistic_regression", alpha, char_max), bias, weights, examples.len()))
}

fn model(
    (algorithm, alpha, char_max): (&str, f64, usize),
    bias: Vec<f64>,
    weights: Vec<Vec<f32>>,
    rows: usize,
) -> MoodModel {
    MoodModel {
        algorithm: algorithm.to_owned(),
        alpha,
        buckets: BUCKETS,
        char_max,
        temperature: 1.0,
        threshold: THRESHOLD,
        bias,
        weights,
        trained_rows: rows,
        validation_macro_f1: 0.0,
        seed: 0,
    }
}

fn fit(candidate: &Candidate, examples: &[&Example]) -> Result<MoodModel, TrainError> {
    match candidate.algorithm {
        "naive_bayes" => fit_naive_bayes(examples, candidate.alpha, candidate.char_max),
        _ => fit_logistic(examples, candidate.alpha, candidate.char_max),
    }
}

/// The temperature that makes the held-out share's probabilities most honest (lowest
/// negative log-likelihood), from a fixed grid.
fn fit_temperature(model: &MoodModel, held: &[&Example]) -> f64 {
    const GRID: [f64; 12] = [1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0, 32.0, 48.0];
    let loss = |t: f64| -> f64 {
        let scaled = MoodModel { temperature: t, ..model.clone() };
        held.iter().map(|e| -scaled.probabilities(&e.text, &e.behaviour)[e.mood].max(1e-12).ln()).sum()
    };
    GRID.into_iter().map(|t| (t, loss(t))).min_by(|a, b| a.1.total_cmp(&b.1)).map_or(1.0, |(t, _)| t)
}

/// The macro-F1 of a model's best guesses on labelled messages.
pub fn macro_f1(model: &MoodModel, examples: &[&Example]) -> f64 {
    score(model, examples.iter().copied()).macro_f1
}

/// Choose an algorithm and setting on a held-out share, then fit it on everything.
pub fn train(
    examples: &[Example],
    seed: u64,
    algorithms: Algorithms,
) -> Result<(MoodModel, Vec<Candidate>), TrainError> {
    if let Some(missing) = (0..MOODS.len()).find(|m| !examples.iter().any(|e| e.mood == *m)) {
        return Err(TrainError::MissingMood(MOODS[missing]));
    }
    let (fit_on, held) = split(examples, seed);
    let logistic = algorithms == Algorithms::NaiveBayesAndLogistic;
    let settings = features::CHAR_GRAM_CHOICES.iter().flat_map(|&char_max| {
        let bayes = NAIVE_BAYES_ALPHAS.iter().map(move |&a| ("naive_bayes", a, char_max));
        let regression =
            LOGISTIC_ALPHAS.iter().filter(move |_| logistic).map(move |&a| ("logistic_regression", a, char_max));
        bayes.chain(regression)
    });
    let mut candidates = Vec::new();
    let mut fitted = Vec::new();
    for (algorithm, alpha, char_max) in settings {
        let mut candidate = Candidate { algorithm, alpha, char_max, validation_macro_f1: 0.0 };
        let model = fit(&candidate, &fit_on)?;
        candidate.validation_macro_f1 = macro_f1(&model, &held);
        tracing::info!(
            algorithm,
            alpha,
            char_max,
            validation_macro_f1 = candidate.validation_macro_f1,
            "mood model candidate"
        );
        candidates.push(candidate);
        fitted.push(model);
    }
    // The first of the best wins a tie: candidates are in a fixed order.
    let best = candidates
        .iter()
        .fold(None::<&Candidate>, |best, c| match best {
            Some(b) if b.validation_macro_f1 >= c.validation_macro_f1 => Some(b),
            _ => Some(c),
        })
        .expect("at least one setting is tried")
        .clone();
    let index = candidates.iter().position(|c| *c == best).unwrap_or(0);
    let temperature = fit_temperature(&fitted[index], &held);
    let all: Vec<&Example> = examples.iter().collect();
    let mut chosen = fit(&best, &all)?;
    chosen.validation_macro_f1 = best.validation_macro_f1;
    chosen.temperature = temperature;
    chosen.seed = seed;
    Ok((chosen, candidates))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mood::corpus::parse;

    fn tiny() -> Vec<Example> {
        let mut text = String::new();
        let lines = [
            (
                "feliz",
                [
                    "qué alegría tan grande",
                    "estoy contentísima hoy",
                    "me ha tocado la lotería jaja",
                    "qué día más bonito 😄",
                ],
            ),
            ("triste", ["estoy de bajón", "me siento muy solo", "lloro sin parar 😢", "qué pena más grande"]),
            (
                "enojado",
                ["estoy harto de todo", "qué rabia me da", "me tienes hasta las narices 😡", "esto es una mierda"],
            ),
            (
                "ansioso",
                [
                    "tengo muchos nervios",
                    "mañana tengo examen y no duermo",
                    "qué agobio 😰",
                    "me preocupa el resultado",
                ],
            ),
            ("aburrido", ["qué aburrimiento", "no hay nada que hacer", "meh 🥱", "qué muermo de domingo"]),
            ("romantico", ["eres preciosa", "te mando un besito 😘", "me encantas diana", "pienso en ti cada noche"]),
            (
                "curioso",
                ["¿cómo funciona la racha?", "cuéntame más de tu café", "¿qué pasa después? 🤔", "¿de dónde eres?"],
            ),
        ];
        for (mood, messages) in lines {
            for m in messages {
                text.push_str(&format!("{mood}\t{m}\n"));
            }
        }
        parse(&text).unwrap()
    }

    #[test]
    fn the_split_holds_out_a_share_of_every_mood_the_same_way_each_time() {
        let examples = tiny();
        let (fit, held) = split(&examples, 7);
        assert_eq!(held.len(), 7, "one of four per mood (20% rounded)");
        assert_eq!(fit.len() + held.len(), examples.len());
        assert_eq!(split(&examples, 7).1, held);
    }

    #[test]
    fn training_is_deterministic_and_learns_something() {
        let examples = tiny();
        let (a, candidates) = train(&examples, 42, Algorithms::NaiveBayesAndLogistic).unwrap();
        let (b, _) = train(&examples, 42, Algorithms::NaiveBayesAndLogistic).unwrap();
        assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap(), "same data, same model");
        let per_gram = NAIVE_BAYES_ALPHAS.len() + LOGISTIC_ALPHAS.len();
        assert_eq!(candidates.len(), per_gram * features::CHAR_GRAM_CHOICES.len());
        let all: Vec<&Example> = examples.iter().collect();
        assert!(macro_f1(&a, &all) > 0.9, "it fits what it was trained on");
    }

    #[test]
    fn a_mood_without_examples_is_refused() {
        let examples: Vec<Example> = tiny().into_iter().filter(|e| e.mood != 3).collect();
        assert!(matches!(train(&examples, 1, Algorithms::NaiveBayes), Err(TrainError::MissingMood("ansioso"))));
    }
}
