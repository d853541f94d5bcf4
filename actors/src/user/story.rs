//! `/historia`: one step of the story per update. The engine computes the step first; then the
//! gates are checked (a VIP choice, a locked chapter, a cost), and only a step that passes them
//! commits: the save-state with the ledger rows, relationships, clues, chapters and the
//! decision, in the update's transaction. Each choice button carries the turn it belongs to; an
//! older turn's button changes nothing.

use super::UserDeps;
use super::clues;
use super::wallet::{self, Earning};
use crate::domain::Reply;
use crate::domain::level;
use crate::domain::reply::StoryNote;
use crate::domain::story_rules::{PlayerFacts, RelationKind, RelationshipType, SceneLine, blocks_entry, split_scene};
use crate::domain::story_tags::StoryTag;
use crate::domain::story_world::{ClueOrigin, World};
use crate::metrics::count_error;
use crate::store::ledger::Wallet;
use crate::store::story::StoryRow;
use crate::store::{self, StoreError, Transaction};
use crate::story::compile::fingerprint;
use crate::story::play::{self, Saved, Scene};
use crate::story::{StoryBook, StoryError};
use chrono::Utc;
use std::collections::HashMap;

/// Text per message for a scene; Telegram allows 4096 characters, names and notes need room.
const SCENE_BUDGET: usize = 3000;

/// What a step reads first, in one statement: what the story may ask about the player, their
/// wallet, locked for the rest of the step (it may spend and earn), and their place.
struct Read {
    facts: PlayerFacts,
    wallet: Wallet,
    place: Option<StoryRow>,
}

async fn read(tx: &Transaction<'_>, deps: &UserDeps, user_id: i64) -> Result<Option<Read>, StoreError> {
    let Some(read) = store::story::facts(tx, user_id).await? else { return Ok(None) };
    let facts = PlayerFacts {
        vip: read.wallet.is_vip(),
        besitos: read.wallet.available_points,
        level: level::standing(&deps.settings.economy.levels, read.wallet.total_points).number,
        relationships: read.relationships,
        clues: read.clues,
        chapters_done: read.chapters_done,
    };
    Ok(Some(Read { facts, wallet: read.wallet, place: read.place }))
}

pub(super) async fn play(
    tx: &Transaction<'_>,
    deps: &UserDeps,
    user_id: i64,
    choice: Option<(i64, usize)>,
) -> Result<Vec<Reply>, StoreError> {
    let Some(book) = deps.settings.story.current() else { return Ok(vec![Reply::StoryUnavailable]) };
    let Some(read) = read(tx, deps, user_id).await? else { return Ok(vec![Reply::PleaseStart]) };
    play_from(tx, deps, &book, user_id, choice, read).await
}

/// `play`, once the step's first read is done.
async fn play_from(
    tx: &Transaction<'_>,
    deps: &UserDeps,
    book: &StoryBook,
    user_id: i64,
    choice: Option<(i64, usize)>,
    read: Read,
) -> Result<Vec<Reply>, StoreError> {
    let Read { facts, mut wallet, place: row } = read;
    let turn = row.as_ref().map_or(0, |r| r.turn);
    if choice.is_some_and(|(pressed, _)| pressed != turn) {
        return Ok(vec![Reply::StaleScene]);
    }
    let saved = row.as_ref().map(|r| &r.saved);
    let scene = match step(book, saved, choice.map(|c| c.1), &facts, user_id) {
        Ok(scene) => scene,
        Err(refused) => return Ok(vec![refused.reply()]),
    };
    if let (None, Some(row), None) = (choice, &row, scene.resumed_chapter) {
        // Coming back: the scene as it was left, with the same buttons. Nothing changes.
        let chapter = saved.and_then(|s| s.chapter);
        let shown =
            Shown { lines: row.scene.clone(), turn, vip: facts.vip, found: Vec::new(), felt: Vec::new(), chapter };
        return Ok(replies(&book.world, scene, shown));
    }
    let leaving = saved.and_then(|s| s.chapter);
    let cost = scene.chosen.as_ref().and_then(|c| cost_of(&c.tags));
    if scene.resumed_chapter.is_none()
        && let Some(refusal) = refusal(book, &scene, &facts, leaving, cost.unwrap_or(0))
    {
        return Ok(vec![refusal]);
    }
    let run = row.as_ref().map_or_else(|| format!("{:016x}", rand::random::<u64>()), |r| r.run.clone());
    if let Some(cost) = cost {
        let key = format!("story_cost:{user_id}:{run}:{turn}");
        let context = serde_json::json!({ "turn": turn, "knot": saved.and_then(|s| s.knot.clone()) });
        match wallet::debit_locked(tx, &mut wallet, user_id, "story_cost", cost, &key, context).await? {
            wallet::Debited::Spent { .. } | wallet::Debited::AlreadyDone => {}
            wallet::Debited::Insufficient { missing, .. } => return Ok(vec![Reply::StoryNeedsBesitos { missing }]),
            wallet::Debited::NoWallet => return Ok(vec![Reply::PleaseStart]),
        }
    }
    let playthrough = row.as_ref().map_or(1, |r| r.playthrough);
    commit(tx, deps, book, Step { user_id, turn, saved, playthrough, run: &run }, scene, &mut wallet).await
}

/// Commit a step that passed its gates: its effects, then the new place; then the replies.
async fn commit(
    tx: &Transaction<'_>,
    deps: &UserDeps,
    book: &StoryBook,
    step: Step<'_>,
    scene: Scene,
    wallet: &mut Wallet,
) -> Result<Vec<Reply>, StoreError> {
    let vip = wallet.is_vip();
    let found = commit_effects(tx, deps, &book.world, &step, &scene, wallet).await?;
    let leaving = step.saved.and_then(|s| s.chapter);
    let chapter = scene.chapters_entered().last().and_then(|n| i32::try_from(n).ok()).or(leaving);
    let next = StoryRow {
        saved: scene.saved(book, chapter),
        turn: step.turn + 1,
        scene: scene.lines.clone(),
        playthrough: step.playthrough,
        run: step.run.to_owned(),
    };
    store::story::save_state(tx, step.user_id, &next).await?;
    // What the choice meant to the characters, for the mood model.
    let felt = scene
        .tags
        .iter()
        .filter_map(|t| match t {
            StoryTag::Relationship { kind: RelationKind::Romance, .. } => Some(RelationshipType::Romantic),
            StoryTag::Relationship { kind: RelationKind::Rivalry, .. } => Some(RelationshipType::Rival),
            StoryTag::Relationship { kind: RelationKind::Friendship, .. } => Some(RelationshipType::Friend),
            _ => None,
        })
        .collect();
    let shown = Shown { lines: next.scene, turn: next.turn, vip, found, felt, chapter };
    Ok(replies(&book.world, scene, shown))
}

/// Start the story again after an ending, to find the others. A place in the story pays its
/// besitos and moves relationships once per player: a replay pays only for what is new.
pub(super) async fn start_again(tx: &Transaction<'_>, deps: &UserDeps, user_id: i64) -> Result<Vec<Reply>, StoreError> {
    let Some(book) = deps.settings.story.current() else { return Ok(vec![Reply::StoryUnavailable]) };
    let Some(read) = read(tx, deps, user_id).await? else { return Ok(vec![Reply::PleaseStart]) };
    let (facts, mut wallet, row) = match read {
        Read { facts, wallet, place: Some(row) }
            if row.saved.open_choices.is_empty() && row.saved.version.is_some() =>
        {
            (facts, wallet, row)
        }
        // Never started, or not at an ending: nothing to start again; the scene where the player is.
        read => return play_from(tx, deps, &book, user_id, None, read).await,
    };
    let scene = match step(&book, None, None, &facts, user_id) {
        Ok(scene) => scene,
        Err(refused) => return Ok(vec![refused.reply()]),
    };
    let step = Step { user_id, turn: row.turn, saved: None, playthrough: row.playthrough + 1, run: &row.run };
    commit(tx, deps, &book, step, scene, &mut wallet).await
}

/// An admin puts the story back to its beginning, wherever the player is. Like starting again
/// after an ending, the player keeps their run: nothing already paid pays again.
pub(super) async fn reset(tx: &Transaction<'_>, deps: &UserDeps, user_id: i64) -> Result<Vec<Reply>, StoreError> {
    let Some(book) = deps.settings.story.current() else { return Ok(vec![Reply::StoryUnavailable]) };
    let Some(Read { facts, mut wallet, place: Some(row) }) = read(tx, deps, user_id).await? else {
        // Not registered, or never started: there is nothing to put back.
        return Ok(Vec::new());
    };
    let scene = match step(&book, None, None, &facts, user_id) {
        Ok(scene) => scene,
        Err(refused) => return Ok(vec![refused.reply()]),
    };
    let step = Step { user_id, turn: row.turn, saved: None, playthrough: row.playthrough + 1, run: &row.run };
    let mut replies = vec![Reply::StoryReset];
    replies.extend(commit(tx, deps, &book, step, scene, &mut wallet).await?);
    Ok(replies)
}

/// Run the engine. A choice that is not open (a stale or forged button) is answered as stale;
/// an engine failure is ours: logged, counted, and the player gets an apology.
fn step(
    book: &StoryBook,
    saved: Option<&Saved>,
    choice: Option<usize>,
    facts: &PlayerFacts,
    user_id: i64,
) -> Result<Scene, Refused> {
    play::step(book, saved, choice, facts).map_err(|error| match error {
        StoryError::NoSuchChoice => Refused::Stale,
        error => {
            count_error("story_step");
            tracing::error!(user_id, %error, "story step failed");
            Refused::Failed
        }
    })
}

/// Why the engine did not play a step.
enum Refused {
    Stale,
    Failed,
}

impl Refused {
    fn reply(self) -> Reply {
        match self {
            Refused::Stale => Reply::StaleScene,
            Refused::Failed => Reply::SomethingWentWrong,
        }
    }
}

/// Who is stepping, from where.
struct Step<'a> {
    user_id: i64,
    turn: i64,
    saved: Option<&'a Saved>,
    playthrough: i32,
    /// The player's story id, in every key the step makes.
    run: &'a str,
}

/// What the player is shown after a step.
struct Shown {
    lines: Vec<SceneLine>,
    turn: i64,
    vip: bool,
    found: Vec<String>,
    felt: Vec<RelationshipType>,
    chapter: Option<i32>,
}

/// Why a computed step may not be taken, if it may not.
fn refusal(book: &StoryBook, scene: &Scene, facts: &PlayerFacts, leaving: Option<i32>, cost: i64) -> Option<Reply> {
    if scene.chosen.as_ref().is_some_and(|c| c.tags.contains(&StoryTag::VipOnly)) && !facts.vip {
        return Some(Reply::StoryNeedsVip);
    }
    let leaving = leaving.and_then(|c| u32::try_from(c).ok());
    // A chapter asking for besitos in hand counts them after the choice that leads there is paid.
    let after = PlayerFacts { besitos: facts.besitos - cost, ..facts.clone() };
    scene.chapters_entered().find_map(|chapter| {
        let requirement = blocks_entry(book.requirements(chapter), &after, leaving)?;
        Some(Reply::StoryChapterLocked { chapter, requirement: requirement.clone() })
    })
}

fn cost_of(tags: &[StoryTag]) -> Option<i64> {
    tags.iter().find_map(|t| match t {
        StoryTag::Cost(c) => Some(*c),
        _ => None,
    })
}

/// Write what the step did; returns the names of the clues found.
async fn commit_effects(
    tx: &Transaction<'_>,
    deps: &UserDeps,
    world: &World,
    step: &Step<'_>,
    scene: &Scene,
    wallet: &mut Wallet,
) -> Result<Vec<String>, StoreError> {
    let Step { user_id, turn, saved, run, .. } = *step;
    let today = Utc::now().with_timezone(&deps.settings.timezone).date_naive();
    let mut chapter = saved.and_then(|s| s.chapter);
    let knot = saved.and_then(|s| s.knot.as_deref());
    if let Some(chosen) = &scene.chosen {
        store::story::record_decision(tx, user_id, chapter, knot, turn, &chosen.text).await?;
        // Each distinct choice counts once toward the decisions achievement, replays or not.
        let key = format!("decision|{run}|{}|{}", knot.unwrap_or_default(), chosen.text);
        if store::story::first_time_effect(tx, user_id, &fingerprint(key.as_bytes())).await? {
            store::achievements::bump(tx, user_id, "story_decisions", 1, today, false).await?;
        }
    }
    let mut found = Vec::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    for (place, tag) in scene.placed_tags(knot) {
        // Where the tag was met names the effect: the same place never pays twice, whether
        // the player replays the story or restarts a chapter after a new version.
        let identity = format!("{run}|{place}|{tag:?}");
        let occurrence = seen.entry(identity.clone()).and_modify(|n| *n += 1).or_insert(0);
        let effect = fingerprint(format!("{identity}|{occurrence}").as_bytes());
        match tag {
            StoryTag::Points(amount) if *amount > 0 => {
                let key = format!("story:{user_id}:{effect}");
                let earning = Earning {
                    user_id,
                    action_type: "story",
                    base: *amount,
                    multiplied: true,
                    key: &key,
                    context: serde_json::json!({ "turn": turn, "place": place }),
                };
                wallet::credit_locked(tx, &deps.settings.economy, deps.settings.timezone, wallet, earning).await?;
            }
            StoryTag::Relationship { character, delta, kind } => {
                let new = store::story::first_time_effect(tx, user_id, &effect).await?;
                if new {
                    store::story::change_relationship(tx, user_id, character, *delta, *kind).await?;
                }
            }
            StoryTag::Clue(id) => found.extend(clues::give(tx, world, user_id, id, ClueOrigin::Historia).await?),
            StoryTag::Achievement(id) => {
                // Reached once per player, however often the scene is played.
                let new = store::story::first_time_effect(tx, user_id, &format!("logro:{id}")).await?;
                if new {
                    store::achievements::bump(tx, user_id, &format!("story:{id}"), 1, today, false).await?;
                }
            }
            StoryTag::Chapter(n) => {
                let n = i32::try_from(*n).unwrap_or(i32::MAX);
                if let Some(previous) = chapter.filter(|p| *p != n) {
                    store::story::finish_chapter(tx, user_id, previous).await?;
                }
                store::story::start_chapter(tx, user_id, n).await?;
                chapter = Some(n);
            }
            StoryTag::Ending(id) => {
                // Endings count once each, however often they are reached again.
                if store::story::first_time_ending(tx, user_id, id, today).await? {
                    store::achievements::bump(tx, user_id, "story_endings", 1, today, false).await?;
                }
                if let Some(current) = chapter {
                    store::story::finish_chapter(tx, user_id, current).await?;
                }
            }
            StoryTag::Unknown(tag) => {
                count_error("story_unknown_tag");
                tracing::warn!(user_id, tag, "the story used a tag the game does not know");
            }
            _ => {}
        }
    }
    Ok(found)
}

/// The scene as messages: its pictures, then its text cut to Telegram's size, the choices
/// under the last part.
fn replies(world: &World, scene: Scene, shown: Shown) -> Vec<Reply> {
    let mut out: Vec<Reply> = scene
        .tags
        .iter()
        .filter_map(|t| match t {
            StoryTag::Image(asset) => Some(Reply::StoryImage { asset: asset.clone() }),
            _ => None,
        })
        .collect();
    let lines = shown
        .lines
        .into_iter()
        .map(|l| SceneLine {
            speaker: l.speaker.map(|id| match world.character(&id) {
                Some(c) => format!("{} {}", c.emoji, c.nombre),
                None => id,
            }),
            text: l.text,
        })
        .collect();
    let mut parts = split_scene(lines, SCENE_BUDGET);
    let last = parts.pop().unwrap_or_default();
    out.extend(parts.into_iter().map(|lines| Reply::StoryText { lines }));
    let note = scene.resumed_chapter.map(|chapter| StoryNote::Resumed { chapter });
    out.push(Reply::StoryScene {
        lines: last,
        choices: scene.choices,
        turn: shown.turn,
        ended: scene.ended,
        vip: shown.vip,
        found: shown.found,
        note,
        felt: shown.felt,
        chapter: shown.chapter,
    });
    out
}
