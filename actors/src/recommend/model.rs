//! The item-item model: cosine similarity between items over the players who engaged with
//! them, each item keeping its closest neighbours; a player's candidates are scored by their
//! similarity to everything the player already has.

use super::Engagement;
use std::collections::{BTreeSet, HashMap};

/// Neighbours kept per item: enough for any player's top three, small in memory.
const NEIGHBOURS: usize = 30;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemItem {
    items: Vec<String>,
    index: HashMap<String, usize>,
    /// Per item, its closest items and their cosine similarity, best first.
    neighbours: Vec<Vec<(usize, f64)>>,
    /// Items by how many players engaged with them, most first (ties by name).
    popular: Vec<usize>,
    players: usize,
}

impl ItemItem {
    /// Fit from an engagement log (order and repeats do not matter).
    pub fn fit(events: &[Engagement]) -> ItemItem {
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut items: Vec<String> = Vec::new();
        let mut baskets: HashMap<i64, BTreeSet<usize>> = HashMap::new();
        for e in events {
            let next = items.len();
            let i = *index.entry(e.item.clone()).or_insert(next);
            if i == next {
                items.push(e.item.clone());
            }
            baskets.entry(e.user_id).or_default().insert(i);
        }
        let mut count = vec![0usize; items.len()];
        let mut together: HashMap<(usize, usize), usize> = HashMap::new();
        for basket in baskets.values() {
            let basket: Vec<usize> = basket.iter().copied().collect();
            for (n, &a) in basket.iter().enumerate() {
                count[a] += 1;
                for &b in &basket[n + 1..] {
                    *together.entry((a, b)).or_default() += 1;
                }
            }
        }
        let mut neighbours: Vec<Vec<(usize, f64)>> = vec![Vec::new(); items.len()];
        for ((a, b), c) in together {
            let cosine = c as f64 / ((count[a] * count[b]) as f64).sqrt();
            neighbours[a].push((b, cosine));
            neighbours[b].push((a, cosine));
        }
        for list in &mut neighbours {
            list.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
            list.truncate(NEIGHBOURS);
        }
        let mut popular: Vec<usize> = (0..items.len()).collect();
        popular.sort_by(|&a, &b| count[b].cmp(&count[a]).then_with(|| items[a].cmp(&items[b])));
        ItemItem { items, index, neighbours, popular, players: baskets.len() }
    }

    /// Players the model was fitted on.
    pub fn players(&self) -> usize {
        self.players
    }

    /// Up to `k` items for a player who has `engaged` with these, among those `allowed`:
    /// the most similar to what they have, then the most popular to fill up.
    pub fn recommend(&self, engaged: &BTreeSet<String>, k: usize, allowed: impl Fn(&str) -> bool) -> Vec<String> {
        let have: Vec<usize> = engaged.iter().filter_map(|i| self.index.get(i).copied()).collect();
        let mut score: HashMap<usize, f64> = HashMap::new();
        for &h in &have {
            for &(n, sim) in &self.neighbours[h] {
                *score.entry(n).or_default() += sim;
            }
        }
        let open = |i: &usize| !engaged.contains(&self.items[*i]) && allowed(&self.items[*i]);
        let mut ranked: Vec<(usize, f64)> = score.into_iter().filter(|(i, _)| open(i)).collect();
        ranked.sort_by(|x, y| y.1.total_cmp(&x.1).then_with(|| self.items[x.0].cmp(&self.items[y.0])));
        let mut out: Vec<usize> = ranked.into_iter().map(|(i, _)| i).take(k).collect();
        for i in self.popular.iter().copied().filter(open) {
            if out.len() >= k {
                break;
            }
            if !out.contains(&i) {
                out.push(i);
            }
        }
        out.into_iter().map(|i| self.items[i].clone()).collect()
    }

    /// The `k` most popular items the player does not have, among those `allowed`.
    pub fn popular(&self, engaged: &BTreeSet<String>, k: usize, allowed: impl Fn(&str) -> bool) -> Vec<String> {
        self.popular
            .iter()
            .map(|&i| &self.items[i])
            .filter(|i| !engaged.contains(*i) && allowed(i))
            .take(k)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn log(baskets: &[(i64, &[&str])]) -> Vec<Engagement> {
        let at = DateTime::from_timestamp(0, 0).unwrap();
        baskets
            .iter()
            .flat_map(|(u, items)| items.iter().map(move |i| Engagement { user_id: *u, item: (*i).into(), at }))
            .collect()
    }

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|i| (*i).to_owned()).collect()
    }

    #[test]
    fn what_goes_together_is_recommended_and_popularity_fills_in() {
        let model = ItemItem::fit(&log(&[
            (1, &["tienda:rosa", "tienda:poema"]),
            (2, &["tienda:rosa", "tienda:poema", "logro:galan"]),
            (3, &["tienda:rosa", "tienda:poema"]),
            (4, &["capitulo:1", "logro:lector"]),
            (5, &["capitulo:1", "logro:lector"]),
            (6, &["capitulo:1", "logro:lector", "capitulo:2"]),
            (7, &["capitulo:1"]),
        ]));
        assert_eq!(model.players(), 7);
        let any = |_: &str| true;
        assert_eq!(model.recommend(&set(&["tienda:rosa"]), 1, any), ["tienda:poema"]);
        assert_eq!(model.recommend(&set(&["capitulo:1"]), 1, any), ["logro:lector"]);
        // Nothing engaged: the most popular first.
        assert_eq!(model.recommend(&set(&[]), 2, any), ["capitulo:1", "logro:lector"]);
        assert_eq!(model.popular(&set(&["capitulo:1"]), 1, any), ["logro:lector"]);
        // What is not allowed (sold out, locked) never comes, and what they have never does.
        let no_poems = |i: &str| i != "tienda:poema";
        let got = model.recommend(&set(&["tienda:rosa"]), 3, no_poems);
        assert!(!got.contains(&"tienda:poema".to_owned()) && !got.contains(&"tienda:rosa".to_owned()), "{got:?}");
        assert_eq!(got.len(), 3, "filled up by popularity: {got:?}");
    }
}
