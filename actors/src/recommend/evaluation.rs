//! Offline evaluation: split the log in time (everything before a cut-off trains, what each
//! player did after it tests), recommend three items to each player seen on both sides, and
//! count a hit when one of the three is among what they engaged with later.

use super::{Engagement, ItemItem};
use chrono::{DateTime, Utc};
use std::collections::{BTreeSet, HashMap};
use std::fmt;

/// Share of the log (by time) used for training.
pub const TRAIN_SHARE: f64 = 0.8;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HitRate {
    /// Players with history before the cut-off and something new after it.
    pub players: usize,
    pub hits: usize,
}

impl HitRate {
    pub fn rate(&self) -> f64 {
        if self.players == 0 { 0.0 } else { self.hits as f64 / self.players as f64 }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub events: usize,
    pub cutoff: Option<DateTime<Utc>>,
    pub item_item: HitRate,
    pub popularity: HitRate,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cutoff = self.cutoff.map_or_else(|| "-".to_owned(), |c| c.to_rfc3339());
        writeln!(f, "engagement events: {}; train/test cut-off at {cutoff}", self.events)?;
        if self.item_item.players == 0 {
            return write!(
                f,
                "nothing to evaluate yet: no player engaged with something both before and after the cut-off"
            );
        }
        writeln!(f, "players evaluated: {}", self.item_item.players)?;
        writeln!(f, "hit-rate@3 item-item:  {:.3} ({} hits)", self.item_item.rate(), self.item_item.hits)?;
        write!(f, "hit-rate@3 popularity: {:.3} ({} hits)", self.popularity.rate(), self.popularity.hits)
    }
}

/// The instant before which `TRAIN_SHARE` of the events happened.
fn cutoff(events: &[Engagement]) -> Option<DateTime<Utc>> {
    let mut times: Vec<DateTime<Utc>> = events.iter().map(|e| e.at).collect();
    times.sort_unstable();
    let at = ((times.len() as f64) * TRAIN_SHARE) as usize;
    times.get(at).copied()
}

/// Hit-rate@`k` of item-item and of popularity, on a time split of `events`.
pub fn evaluate(events: &[Engagement], k: usize) -> Report {
    let Some(cut) = cutoff(events) else {
        let none = HitRate { players: 0, hits: 0 };
        return Report { events: 0, cutoff: None, item_item: none, popularity: none };
    };
    let (train, test): (Vec<Engagement>, Vec<Engagement>) = events.iter().cloned().partition(|e| e.at < cut);
    let model = ItemItem::fit(&train);
    let mut before: HashMap<i64, BTreeSet<String>> = HashMap::new();
    for e in &train {
        before.entry(e.user_id).or_default().insert(e.item.clone());
    }
    let mut after: HashMap<i64, BTreeSet<String>> = HashMap::new();
    for e in &test {
        if before.get(&e.user_id).is_some_and(|b| !b.contains(&e.item)) {
            after.entry(e.user_id).or_default().insert(e.item.clone());
        }
    }
    let (mut cf, mut pop) = (HitRate { players: 0, hits: 0 }, HitRate { players: 0, hits: 0 });
    for (user, later) in &after {
        let had = &before[user];
        let hit = |got: Vec<String>| usize::from(got.iter().any(|g| later.contains(g)));
        cf.players += 1;
        pop.players += 1;
        cf.hits += hit(model.recommend(had, k, |_| true));
        pop.hits += hit(model.popular(had, k, |_| true));
    }
    Report { events: events.len(), cutoff: Some(cut), item_item: cf, popularity: pop }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_split_is_by_time_and_only_new_items_count() {
        let at = |s: i64| DateTime::from_timestamp(s, 0).unwrap();
        let e = |u: i64, i: &str, t: i64| Engagement { user_id: u, item: i.into(), at: at(t) };
        let mut log = Vec::new();
        // Six players who bought a rose then a poem, long ago.
        for u in 0..6 {
            log.extend([e(u, "tienda:rosa", 10), e(u, "tienda:poema", 11)]);
        }
        log.push(e(20, "capitulo:1", 12));
        // Later: a player with a rose buys the poem (a hit for item-item), and one re-engages
        // with what they already had (not counted).
        log.extend([e(30, "tienda:rosa", 14), e(30, "tienda:poema", 100), e(20, "capitulo:1", 101)]);
        log.extend((0..2).map(|n| e(40 + n, "logro:x", 102 + n)));
        let report = evaluate(&log, 1);
        assert_eq!(report.cutoff, Some(at(100)));
        assert_eq!(report.item_item, HitRate { players: 1, hits: 1 });
        assert_eq!(report.popularity, HitRate { players: 1, hits: 1 }, "the poem is also the next most popular");
    }
}
