//! `user_story_state`, `story_decisions` and `user_character_relationships`.

use super::{StoreError, Transaction};

/// The player's save-state (ink's JSON) and turn, locked.
pub async fn lock_state(tx: &Transaction<'_>, user_id: i64) -> Result<Option<(String, i64)>, StoreError> {
    let stmt =
        tx.prepare_cached("SELECT state::TEXT, turn FROM user_story_state WHERE user_id = $1 FOR UPDATE").await?;
    Ok(tx.query_opt(&stmt, &[&user_id]).await?.map(|r| (r.get(0), r.get(1))))
}

pub async fn save_state(
    tx: &Transaction<'_>,
    user_id: i64,
    state: &str,
    turn: i64,
    chapter: Option<i32>,
) -> Result<(), StoreError> {
    let state: serde_json::Value = serde_json::from_str(state)?;
    let stmt = tx
        .prepare_cached(
            "INSERT INTO user_story_state (user_id, state, turn, chapter) VALUES ($1, $2, $3, $4)
             ON CONFLICT (user_id) DO UPDATE SET state = EXCLUDED.state, turn = EXCLUDED.turn,
                 chapter = COALESCE(EXCLUDED.chapter, user_story_state.chapter), updated_at = now()",
        )
        .await?;
    tx.execute(&stmt, &[&user_id, &state, &turn, &chapter]).await?;
    Ok(())
}

pub async fn record_decision(
    tx: &Transaction<'_>,
    user_id: i64,
    chapter: Option<i32>,
    turn: i64,
    choice_text: &str,
) -> Result<(), StoreError> {
    let stmt = tx
        .prepare_cached("INSERT INTO story_decisions (user_id, chapter, turn, choice_text) VALUES ($1, $2, $3, $4)")
        .await?;
    tx.execute(&stmt, &[&user_id, &chapter, &turn, &choice_text]).await?;
    Ok(())
}

pub async fn change_relationship(
    tx: &Transaction<'_>,
    user_id: i64,
    character: &str,
    delta: i32,
) -> Result<(), StoreError> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO user_character_relationships (user_id, character, score) VALUES ($1, $2, $3)
             ON CONFLICT (user_id, character)
             DO UPDATE SET score = user_character_relationships.score + EXCLUDED.score, updated_at = now()",
        )
        .await?;
    tx.execute(&stmt, &[&user_id, &character, &delta]).await?;
    Ok(())
}
