//! `diana recommend eval`: hit-rate@3 of the recommender on a time split, from the database's
//! engagement log or from a simulated one.

use diana_actors::content::Content;
use diana_actors::recommend::{Engagement, evaluation, simulate};
use std::path::Path;

/// Every item a player could engage with: the chapters in the story folder, the shop, and the
/// achievements that are not secret.
pub fn catalogue(story_dir: &Path) -> anyhow::Result<Vec<String>> {
    let content = Content::embedded().map_err(anyhow::Error::msg)?;
    let mut items: Vec<String> = std::fs::read_dir(story_dir)
        .map(|dir| {
            dir.filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter_map(|name| name.strip_prefix("capitulo")?.strip_suffix(".ink")?.parse::<u32>().ok())
                .map(|n| format!("capitulo:{n}"))
                .collect()
        })
        .unwrap_or_default();
    items.extend(content.shop.get().items.iter().map(|i| format!("tienda:{}", i.id)));
    items.extend(content.achievements.get().all.iter().filter(|a| !a.secret).map(|a| format!("logro:{}", a.id)));
    Ok(items)
}

pub fn report(log: &[Engagement], source: &str) {
    println!("source: {source}");
    println!("{}", evaluation::evaluate(log, 3));
}

pub fn simulated(story_dir: &Path, players: usize, seed: u64) -> anyhow::Result<()> {
    let catalogue = catalogue(story_dir)?;
    let log = simulate::engagement(&catalogue, players, seed);
    report(&log, &format!("simulated: {players} players, {} items, seed {seed}", catalogue.len()));
    Ok(())
}
