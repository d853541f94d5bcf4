//! `diana mood train | eval | classify`: the mood model from the command line.

use diana_actors::mood::corpus::{self, Example};
use diana_actors::mood::evaluation::score;
use diana_actors::mood::train::{Algorithms, train};
use diana_actors::mood::{Behaviour, MoodModel};
use std::path::Path;

fn examples(path: &Path) -> anyhow::Result<Vec<Example>> {
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    corpus::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// The model at `path`, or the one built into the binary.
pub fn model(path: Option<&Path>) -> anyhow::Result<MoodModel> {
    Ok(match path {
        Some(path) => MoodModel::from_json(&std::fs::read_to_string(path)?)?,
        None => MoodModel::embedded()?,
    })
}

/// Train reproducibly and write the model; prints each setting tried.
pub fn train_command(train_path: &Path, out: &Path, seed: u64, with_logistic: bool) -> anyhow::Result<()> {
    let examples = examples(train_path)?;
    let algorithms = if with_logistic { Algorithms::NaiveBayesAndLogistic } else { Algorithms::NaiveBayes };
    let (model, candidates) = train(&examples, seed, algorithms)?;
    for c in &candidates {
        println!(
            "{:<20} alpha {:<5} char n-grams 3–{} validation macro-F1 {:.3}",
            c.algorithm, c.alpha, c.char_max, c.validation_macro_f1
        );
    }
    std::fs::write(out, serde_json::to_string(&model)?)?;
    println!(
        "chose {} (alpha {}, char n-grams 3–{}, temperature {}), trained on {} messages, seed {seed}; wrote {}",
        model.algorithm,
        model.alpha,
        model.char_max,
        model.temperature,
        model.trained_rows,
        out.display()
    );
    Ok(())
}

pub fn eval_command(eval_path: &Path, model_path: Option<&Path>) -> anyhow::Result<()> {
    let model = model(model_path)?;
    let examples = examples(eval_path)?;
    let scored = score(&model, &examples);
    let confident =
        examples.iter().filter(|e| model.classify(&e.text, &e.behaviour).mood != diana_actors::mood::NEUTRAL).count();
    println!("{} (alpha {}) on {}", model.algorithm, model.alpha, eval_path.display());
    print!("{scored}");
    println!(
        "above the confidence threshold {:.2}: {confident} of {} ({:.1}%); the rest would be neutral",
        model.threshold,
        examples.len(),
        100.0 * confident as f64 / examples.len().max(1) as f64
    );
    Ok(())
}

pub fn classify_command(text: &str, model_path: Option<&Path>) -> anyhow::Result<()> {
    let reading = model(model_path)?.classify(text, &Behaviour::default());
    println!("{}", serde_json::to_string(&reading)?);
    Ok(())
}
