//! `user_story_state`, `user_story_chapters`, `story_decisions`, `user_character_relationships`
//! and `user_clues`.

use super::{StoreError, Transaction};
use crate::domain::story_rules::{RelationKind, RelationshipType, SceneLine, relationship_type};
use crate::story::play::Saved;
use std::collections::{BTreeSet, HashMap};

/// A player's place in the story, as stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoryRow {
    pub saved: Saved,
    pub turn: i64,
    /// The last scene's lines, shown again when the player comes back.
    pub scene: Vec<SceneLine>,
    /// 1 for the first time through; more after starting again from an ending.
    pub playthrough: i32,
    /// A random id for this player's story, in every idempotency key it makes: a player who
    /// erased their data and came back starts a story whose keys are all new.
    pub run: String,
}

/// A place read from ten columns starting at `at`: state (as text), turn, version, open
/// choices, knot, chapter, knot print, scene, playthrough, run. `None` when the state is NULL
/// (no row: the player never started).
fn place_from(r: &tokio_postgres::Row, at: usize) -> Option<StoryRow> {
    let state: String = r.get::<_, Option<String>>(at)?;
    let saved = Saved {
        state,
        version: r.get(at + 2),
        open_choices: r.get(at + 3),
        knot: r.get(at + 4),
        chapter: r.get(at + 5),
        knot_print: r.get(at + 6),
    };
    let scene = serde_json::from_value(r.get(at + 7)).unwrap_or_default();
    Some(StoryRow { saved, turn: r.get(at + 1), scene, playthrough: r.get(at + 8), run: r.get(at + 9) })
}

/// Save the player's new place: `row.turn` must follow the stored turn (`Moved` otherwise).
pub async fn save_state(tx: &Transaction<'_>, user_id: i64, row: &StoryRow) -> Result<(), StoreError> {
    let scene = serde_json::to_value(&row.scene)?;
    let saved = &row.saved;
    let stmt = tx
        .prepare_cached(
            "INSERT INTO user_story_state
                 (user_id, state, turn, chapter, version, open_choices, knot, knot_print, scene, playthrough, run)
             VALUES ($1, $2::TEXT::JSONB, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (user_id) DO UPDATE SET state = EXCLUDED.state, turn = EXCLUDED.turn,
                 chapter = EXCLUDED.chapter, version = EXCLUDED.version, open_choices = EXCLUDED.open_choices,
                 knot = EXCLUDED.knot, knot_print = EXCLUDED.knot_print, scene = EXCLUDED.scene,
                 playthrough = EXCLUDED.playthrough, run = EXCLUDED.run, updated_at = now()
             WHERE user_story_state.turn = EXCLUDED.turn - 1",
        )
        .await?;
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 11] = [
        &user_id,
        // Sent as the engine wrote it, and parsed once, by Postgres, instead of parsed here
        // only to be encoded again.
        &saved.state,
        &row.turn,
        &saved.chapter,
        &saved.version,
        &saved.open_choices,
        &saved.knot,
        &saved.knot_print,
        &scene,
        &row.playthrough,
        &row.run,
    ];
    // Every step moves the turn on by one: a stored turn that is not the one before this row's
    // means the place was read before someone else's step committed.
    if tx.execute(&stmt, &params).await? == 0 {
        return Err(StoreError::Moved("the story place"));
    }
    Ok(())
}

/// Record an effect as applied; `true` the first time for this player.
pub async fn first_time_effect(tx: &Transaction<'_>, user_id: i64, key: &str) -> Result<bool, StoreError> {
    let stmt = tx
        .prepare_cached("INSERT INTO story_effects (user_id, effect_key) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .await?;
    Ok(tx.execute(&stmt, &[&user_id, &key]).await? == 1)
}

/// Mark an ending reached; `true` the first time for this player.
pub async fn first_time_ending(
    tx: &Transaction<'_>,
    user_id: i64,
    ending: &str,
    today: chrono::NaiveDate,
) -> Result<bool, StoreError> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO user_counters (user_id, counter, value, updated_on) VALUES ($1, $2, 1, $3)
             ON CONFLICT DO NOTHING",
        )
        .await?;
    Ok(tx.execute(&stmt, &[&user_id, &format!("story_ending:{ending}"), &today]).await? == 1)
}

pub async fn record_decision(
    tx: &Transaction<'_>,
    user_id: i64,
    chapter: Option<i32>,
    knot: Option<&str>,
    turn: i64,
    choice_text: &str,
) -> Result<(), StoreError> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO story_decisions (user_id, chapter, knot, turn, choice_text) VALUES ($1, $2, $3, $4, $5)",
        )
        .await?;
    tx.execute(&stmt, &[&user_id, &chapter, &knot, &turn, &choice_text]).await?;
    Ok(())
}

/// What a story step may ask about a player, with the wallet locked (the step may spend), and
/// their place in the story: one statement where five would do the same, as every story
/// update needs all of it.
///
/// The place is read, not locked. Only the player's own story steps write it, and their actor
/// applies one update at a time, so no other step can move it meanwhile. Were one to (a second
/// actor for the player somewhere), the read could be older than the wallet it came with, as
/// the statement's snapshot is taken before it waits for the lock: `save_state` then refuses
/// to write a place that did not follow the one read.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryFacts {
    pub wallet: super::ledger::Wallet,
    /// `None` until their first step.
    pub place: Option<StoryRow>,
    /// Score by character.
    pub relationships: HashMap<String, i32>,
    pub clues: BTreeSet<String>,
    pub chapters_done: BTreeSet<u32>,
}

/// A player's `StoryFacts`; `None` if they have no wallet (not registered).
pub async fn facts(tx: &Transaction<'_>, user_id: i64) -> Result<Option<StoryFacts>, StoreError> {
    let stmt = tx
        .prepare_cached(concat!(
            "SELECT ",
            super::ledger::wallet_columns!(),
            ",
             ARRAY(SELECT character FROM user_character_relationships r WHERE r.user_id = g.user_id
                   ORDER BY character),
             ARRAY(SELECT score FROM user_character_relationships r WHERE r.user_id = g.user_id
                   ORDER BY character),
             ARRAY(SELECT clue_id FROM user_clues c WHERE c.user_id = g.user_id),
             ARRAY(SELECT chapter FROM user_story_chapters s WHERE s.user_id = g.user_id
                   AND finished_at IS NOT NULL),
             p.state::TEXT, p.turn, p.version, p.open_choices, p.knot, p.chapter, p.knot_print, p.scene,
             p.playthrough, p.run
             FROM user_gamification g LEFT JOIN user_story_state p ON p.user_id = g.user_id
             WHERE g.user_id = $1 FOR UPDATE OF g"
        ))
        .await?;
    let Some(r) = tx.query_opt(&stmt, &[&user_id]).await? else { return Ok(None) };
    let characters: Vec<String> = r.get(8);
    let scores: Vec<i32> = r.get(9);
    let clues: Vec<String> = r.get(10);
    let chapters: Vec<i32> = r.get(11);
    Ok(Some(StoryFacts {
        wallet: super::ledger::wallet_of(&r),
        place: place_from(&r, 12),
        relationships: characters.into_iter().zip(scores).collect(),
        clues: clues.into_iter().collect(),
        chapters_done: chapters.into_iter().filter_map(|c| u32::try_from(c).ok()).collect(),
    }))
}

pub async fn start_chapter(tx: &Transaction<'_>, user_id: i64, chapter: i32) -> Result<(), StoreError> {
    let stmt = tx
        .prepare_cached("INSERT INTO user_story_chapters (user_id, chapter) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .await?;
    tx.execute(&stmt, &[&user_id, &chapter]).await?;
    Ok(())
}

pub async fn finish_chapter(tx: &Transaction<'_>, user_id: i64, chapter: i32) -> Result<(), StoreError> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO user_story_chapters (user_id, chapter, finished_at) VALUES ($1, $2, now())
             ON CONFLICT (user_id, chapter) DO UPDATE
                 SET finished_at = COALESCE(user_story_chapters.finished_at, now())",
        )
        .await?;
    tx.execute(&stmt, &[&user_id, &chapter]).await?;
    Ok(())
}

pub async fn change_relationship(
    tx: &Transaction<'_>,
    user_id: i64,
    character: &str,
    delta: i32,
    kind: RelationKind,
) -> Result<(), StoreError> {
    let weight = delta.saturating_abs();
    let (friendship, romance, rivalry) = match kind {
        RelationKind::Friendship => (weight, 0, 0),
        RelationKind::Romance => (0, weight, 0),
        RelationKind::Rivalry => (0, 0, weight),
    };
    let stmt = tx
        .prepare_cached(
            "INSERT INTO user_character_relationships (user_id, character, score, friendship, romance, rivalry)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (user_id, character) DO UPDATE SET
                 score = user_character_relationships.score + EXCLUDED.score,
                 friendship = user_character_relationships.friendship + EXCLUDED.friendship,
                 romance = user_character_relationships.romance + EXCLUDED.romance,
                 rivalry = user_character_relationships.rivalry + EXCLUDED.rivalry,
                 updated_at = now()",
        )
        .await?;
    tx.execute(&stmt, &[&user_id, &character, &delta, &friendship, &romance, &rivalry]).await?;
    Ok(())
}

/// A character as the player has come to know them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Relationship {
    pub character: String,
    pub score: i32,
    pub kind: RelationshipType,
}

pub async fn relationships(tx: &Transaction<'_>, user_id: i64) -> Result<Vec<Relationship>, StoreError> {
    let stmt = tx
        .prepare_cached(
            "SELECT character, score, friendship, romance, rivalry FROM user_character_relationships
             WHERE user_id = $1 ORDER BY character",
        )
        .await?;
    Ok(tx
        .query(&stmt, &[&user_id])
        .await?
        .iter()
        .map(|r| Relationship {
            character: r.get(0),
            score: r.get(1),
            kind: relationship_type(r.get(2), r.get(3), r.get(4)),
        })
        .collect())
}

/// Give a clue; `false` if the player already had it.
pub async fn add_clue(tx: &Transaction<'_>, user_id: i64, clue_id: &str, source: &str) -> Result<bool, StoreError> {
    let stmt = tx
        .prepare_cached("INSERT INTO user_clues (user_id, clue_id, source) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .await?;
    Ok(tx.execute(&stmt, &[&user_id, &clue_id, &source]).await? == 1)
}

/// The clues a player holds, oldest first.
pub async fn clues(tx: &Transaction<'_>, user_id: i64) -> Result<Vec<String>, StoreError> {
    let stmt =
        tx.prepare_cached("SELECT clue_id FROM user_clues WHERE user_id = $1 ORDER BY found_at, clue_id").await?;
    Ok(tx.query(&stmt, &[&user_id]).await?.iter().map(|r| r.get(0)).collect())
}
