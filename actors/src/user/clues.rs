//! Clues (`pistas`): found in the story, with the daily gift, or bought in the shop, and kept in
//! the player's backpack. Two clues may reveal a third; `/pistas` lists them with their text.

use super::UserDeps;
use crate::domain::Reply;
use crate::domain::reply::ClueEntry;
use crate::domain::story_world::{ClueOrigin, World};
use crate::metrics::count_error;
use crate::store::{self, StoreError, Transaction};

/// Give a clue and whatever it completes by combination. Returns the names of the clues newly
/// found, in order (empty when the player had it already).
pub(super) async fn give(
    tx: &Transaction<'_>,
    world: &World,
    user_id: i64,
    clue_id: &str,
    origin: ClueOrigin,
) -> Result<Vec<String>, StoreError> {
    let Some(clue) = world.clue(clue_id) else {
        // `diana story check` rejects unknown clues, so this is a version mismatch of ours.
        count_error("unknown_clue");
        tracing::error!(user_id, clue_id, "the story gave a clue that pistas.toml does not define");
        return Ok(Vec::new());
    };
    if !store::story::add_clue(tx, user_id, clue_id, origin.as_str()).await? {
        return Ok(Vec::new());
    }
    let mut found = vec![clue.nombre.clone()];
    let held = store::story::clues(tx, user_id).await?.into_iter().collect();
    for revealed in world.revealed_by(&held) {
        if store::story::add_clue(tx, user_id, &revealed, ClueOrigin::Combinacion.as_str()).await?
            && let Some(clue) = world.clue(&revealed)
        {
            found.push(clue.nombre.clone());
        }
    }
    Ok(found)
}

/// Give the first clue of `origin` the player lacks (the gift's and the shop's clues).
pub(super) async fn give_next(
    tx: &Transaction<'_>,
    deps: &UserDeps,
    user_id: i64,
    origin: ClueOrigin,
) -> Result<Vec<String>, StoreError> {
    let Some(book) = deps.settings.story.current() else { return Ok(Vec::new()) };
    let held = store::story::clues(tx, user_id).await?.into_iter().collect();
    let Some(next) = book.world.missing_from(origin, &held).next().map(|c| c.id.clone()) else {
        return Ok(Vec::new());
    };
    give(tx, &book.world, user_id, &next, origin).await
}

/// Whether a clue of `origin` is still there to be found by this player.
pub(super) async fn any_left(
    tx: &Transaction<'_>,
    deps: &UserDeps,
    user_id: i64,
    origin: ClueOrigin,
) -> Result<bool, StoreError> {
    let Some(book) = deps.settings.story.current() else { return Ok(false) };
    let held = store::story::clues(tx, user_id).await?.into_iter().collect();
    Ok(book.world.missing_from(origin, &held).next().is_some())
}

/// Clue text per message; Telegram allows 4096 UTF-16 units, the header needs some room.
const PAGE_UNITS: usize = 3200;

pub(super) async fn show(tx: &Transaction<'_>, deps: &UserDeps, user_id: i64) -> Result<Vec<Reply>, StoreError> {
    let held = store::story::clues(tx, user_id).await?;
    let book = deps.settings.story.current();
    let entries: Vec<ClueEntry> = held
        .iter()
        .filter_map(|id| book.as_ref()?.world.clue(id))
        .map(|c| ClueEntry { name: c.nombre.clone(), text: c.texto.clone() })
        .collect();
    let total = book.as_ref().map_or(0, |b| b.world.clues.len());
    let held = entries.len();
    let mut pages: Vec<Vec<ClueEntry>> = vec![Vec::new()];
    let mut used = 0;
    for entry in entries {
        let size = entry.name.encode_utf16().count() + entry.text.encode_utf16().count() + 4;
        if used + size > PAGE_UNITS && pages.last().is_some_and(|p| !p.is_empty()) {
            pages.push(Vec::new());
            used = 0;
        }
        used += size;
        pages.last_mut().into_iter().for_each(|p| p.push(entry.clone()));
    }
    Ok(pages
        .into_iter()
        .enumerate()
        .map(|(i, entries)| Reply::Clues { entries, held, total, continued: i > 0 })
        .collect())
}
