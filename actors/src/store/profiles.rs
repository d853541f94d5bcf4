//! `user_profiles`: presentation choices such as the title shown.

use super::{StoreError, Transaction};

pub async fn set_title(tx: &Transaction<'_>, user_id: i64, item_id: &str) -> Result<(), StoreError> {
    let stmt =
        tx.prepare_cached("UPDATE user_profiles SET title_item = $2, updated_at = now() WHERE user_id = $1").await?;
    tx.execute(&stmt, &[&user_id, &item_id]).await?;
    Ok(())
}

pub async fn title(tx: &Transaction<'_>, user_id: i64) -> Result<Option<String>, StoreError> {
    let stmt = tx.prepare_cached("SELECT title_item FROM user_profiles WHERE user_id = $1").await?;
    Ok(tx.query_opt(&stmt, &[&user_id]).await?.and_then(|r| r.get(0)))
}

/// Record the answer to question `question` (0-based) if it is the next one; returns the
/// answers so far (a repeated or out-of-order press changes nothing).
pub async fn quiz_answer(tx: &Transaction<'_>, user_id: i64, question: u8, answer: u8) -> Result<Vec<u8>, StoreError> {
    let stmt = tx
        .prepare_cached(
            "UPDATE user_profiles SET quiz_answers = array_append(quiz_answers, $3::smallint), updated_at = now()
              WHERE user_id = $1 AND cardinality(quiz_answers) = $2 AND quiz_done_at IS NULL",
        )
        .await?;
    tx.execute(&stmt, &[&user_id, &i32::from(question), &i16::from(answer)]).await?;
    let stmt = tx.prepare_cached("SELECT quiz_answers FROM user_profiles WHERE user_id = $1").await?;
    let answers: Vec<i16> = tx.query_opt(&stmt, &[&user_id]).await?.map(|r| r.get(0)).unwrap_or_default();
    Ok(answers.into_iter().filter_map(|a| u8::try_from(a).ok()).collect())
}

/// The quiz is over: its archetype and personality (or none, if skipped).
pub async fn finish_quiz(
    tx: &Transaction<'_>,
    user_id: i64,
    archetype: Option<&str>,
    personality: Option<&serde_json::Value>,
) -> Result<(), StoreError> {
    let stmt = tx
        .prepare_cached(
            "UPDATE user_profiles SET quiz_done_at = now(), archetype = $2, personality = $3, updated_at = now()
              WHERE user_id = $1 AND quiz_done_at IS NULL",
        )
        .await?;
    tx.execute(&stmt, &[&user_id, &archetype, &personality]).await?;
    Ok(())
}
