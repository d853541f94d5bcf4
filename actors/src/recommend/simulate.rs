//! A simulated engagement log, for evaluating the recommender before real players exist (and
//! for the tests). Each simulated player leans toward one of the four archetypes; each item
//! appeals to one archetype (chapters to explorers; the rest by a stable hash of the name) and
//! some items are more popular than others. A player mostly picks items of their own taste,
//! sometimes anything, in proportion to popularity, and reads chapters in order. The taste
//! structure is planted, so this measures whether the model finds it, not how real players
//! behave: the closing numbers say which log they came from.

use super::Engagement;
use crate::mood::train::SplitMix;
use chrono::{DateTime, Duration};
use std::collections::BTreeSet;

/// How often a simulated player picks by taste rather than anything popular.
const BY_TASTE: f64 = 0.7;

fn taste_of(item: &str) -> usize {
    if item.starts_with("capitulo:") {
        return 0;
    }
    // FNV-1a: stable across machines and releases.
    let hash = item.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    (hash % 4) as usize
}

/// `players` simulated players engaging with `catalogue` over sixty days, from `seed`.
pub fn engagement(catalogue: &[String], players: usize, seed: u64) -> Vec<Engagement> {
    let mut rng = SplitMix(seed);
    let mut items: Vec<&String> = catalogue.iter().filter(|i| !i.starts_with("capitulo:")).collect();
    items.sort();
    // Popularity: a Zipf-like weight over a shuffled order.
    let mut weights: Vec<f64> = (0..items.len()).map(|r| 1.0 / (r as f64 + 1.0)).collect();
    for i in (1..weights.len()).rev() {
        weights.swap(i, (rng.next() % (i as u64 + 1)) as usize);
    }
    let mut chapters: Vec<&String> = catalogue.iter().filter(|i| i.starts_with("capitulo:")).collect();
    chapters.sort_by_key(|c| c.trim_start_matches("capitulo:").parse::<u32>().unwrap_or(u32::MAX));
    let start = DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default();
    let mut log = Vec::new();
    for player in 0..players {
        let user_id = player as i64 + 1;
        let taste = (rng.next() % 4) as usize;
        let mut at = start + Duration::minutes((rng.unit() * 60.0 * 24.0 * 60.0) as i64);
        let mut had: BTreeSet<String> = BTreeSet::new();
        let events = 3 + (rng.next() % 10) as usize;
        for _ in 0..events {
            let by_taste = rng.unit() < BY_TASTE;
            // Explorers read the story; anyone may, now and then.
            let read = if taste == 0 { rng.unit() < 0.4 } else { rng.unit() < 0.08 };
            let pick = if read {
                chapters.iter().find(|c| !had.contains(**c)).map(|c| (*c).clone())
            } else {
                let open: Vec<(usize, f64)> = (0..items.len())
                    .filter(|&i| !had.contains(items[i]) && (!by_taste || taste_of(items[i]) == taste))
                    .map(|i| (i, weights[i]))
                    .collect();
                let total: f64 = open.iter().map(|o| o.1).sum();
                let mut draw = rng.unit() * total;
                open.iter()
                    .find(|(_, w)| {
                        draw -= w;
                        draw <= 0.0
                    })
                    .map(|(i, _)| items[*i].clone())
            };
            let Some(item) = pick else { continue };
            at += Duration::minutes(30 + (rng.unit() * 60.0 * 48.0) as i64);
            had.insert(item.clone());
            log.push(Engagement { user_id, item, at });
        }
    }
    log
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recommend::evaluation::evaluate;

    fn catalogue() -> Vec<String> {
        let mut c: Vec<String> = (1..=5).map(|n| format!("capitulo:{n}")).collect();
        c.extend((0..24).map(|n| format!("tienda:item{n}")));
        c.extend((0..30).map(|n| format!("logro:logro{n}")));
        c
    }

    #[test]
    fn the_simulation_is_reproducible_and_item_item_finds_its_tastes() {
        let log = engagement(&catalogue(), 3000, 7);
        assert_eq!(log, engagement(&catalogue(), 3000, 7), "same seed, same log");
        assert_ne!(log, engagement(&catalogue(), 3000, 8));
        let report = evaluate(&log, 3);
        assert!(report.item_item.players > 200, "players on both sides of the cut-off: {report}");
        // A regression guard: item-item must find the planted tastes that popularity cannot.
        assert!(report.item_item.rate() > report.popularity.rate() + 0.05, "{report}");
    }
}
