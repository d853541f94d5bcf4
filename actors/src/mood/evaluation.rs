//! How well a model does on labelled messages: accuracy, macro-F1 and the confusion matrix.

use super::corpus::Example;
use super::model::{MOODS, MoodModel};

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Evaluation {
    pub examples: usize,
    pub accuracy: f64,
    pub macro_f1: f64,
    /// Per mood: precision, recall, F1, support.
    pub per_mood: Vec<(f64, f64, f64, usize)>,
    /// `confusion[truth][predicted]`.
    pub confusion: Vec<Vec<usize>>,
}

/// A model's likeliest moods for labelled messages, scored against their labels.
pub fn score<'a>(model: &MoodModel, examples: impl IntoIterator<Item = &'a Example>) -> Evaluation {
    let (truth, predicted): (Vec<usize>, Vec<usize>) =
        examples.into_iter().map(|e| (e.mood, model.guess(&e.text, &e.behaviour))).unzip();
    evaluate(&truth, &predicted)
}

pub fn evaluate(truth: &[usize], predicted: &[usize]) -> Evaluation {
    let k = MOODS.len();
    let mut confusion = vec![vec![0; k]; k];
    for (&t, &p) in truth.iter().zip(predicted) {
        confusion[t][p] += 1;
    }
    let correct: usize = (0..k).map(|i| confusion[i][i]).sum();
    let per_mood: Vec<(f64, f64, f64, usize)> = (0..k)
        .map(|c| {
            let tp = confusion[c][c] as f64;
            let predicted_c: usize = (0..k).map(|t| confusion[t][c]).sum();
            let support: usize = confusion[c].iter().sum();
            let precision = if predicted_c == 0 { 0.0 } else { tp / predicted_c as f64 };
            let recall = if support == 0 { 0.0 } else { tp / support as f64 };
            let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
            (precision, recall, f1, support)
        })
        .collect();
    let present: Vec<f64> = per_mood.iter().filter(|m| m.3 > 0).map(|m| m.2).collect();
    let macro_f1 = if present.is_empty() { 0.0 } else { present.iter().sum::<f64>() / present.len() as f64 };
    let examples = truth.len();
    let accuracy = if examples == 0 { 0.0 } else { correct as f64 / examples as f64 };
    Evaluation { examples, accuracy, macro_f1, per_mood, confusion }
}

impl std::fmt::Display for Evaluation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "examples {}  accuracy {:.3}  macro-F1 {:.3}", self.examples, self.accuracy, self.macro_f1)?;
        writeln!(f, "{:<10} {:>9} {:>7} {:>6} {:>8}", "mood", "precision", "recall", "F1", "support")?;
        for (mood, (p, r, f1, n)) in MOODS.iter().zip(&self.per_mood) {
            writeln!(f, "{mood:<10} {p:>9.3} {r:>7.3} {f1:>6.3} {n:>8}")?;
        }
        writeln!(f, "confusion (rows: truth, columns: predicted)")?;
        write!(f, "{:<10}", "")?;
        for mood in MOODS {
            write!(f, " {:>6}", &mood[..mood.len().min(6)])?;
        }
        writeln!(f)?;
        for (mood, row) in MOODS.iter().zip(&self.confusion) {
            write!(f, "{mood:<10}")?;
            for n in row {
                write!(f, " {n:>6}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_count_what_they_should() {
        let e = evaluate(&[0, 0, 1, 1], &[0, 1, 1, 1]);
        assert_eq!(e.accuracy, 0.75);
        assert_eq!(e.confusion[0], vec![1, 1, 0, 0, 0, 0, 0]);
        // feliz: p 1, r .5, f1 .667; triste: p .667, r 1, f1 .8; macro over present moods.
        assert!((e.macro_f1 - (2.0 / 3.0 + 0.8) / 2.0).abs() < 1e-9);
    }
}
