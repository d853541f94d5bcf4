//! Words to Diana: the mood model reads them, she answers in the tone the mood calls for, and
//! now and then (at most once a day, only when she is unsure) asks whether she read the player
//! right. Their answers are kept as training data.

use super::UserDeps;
use crate::domain::Player;
use crate::domain::Reply;
use crate::mood::MOODS;
use crate::store::{StoreError, Transaction, moods};
use chrono::{DateTime, TimeZone, Utc};

/// Below this confidence Diana may ask; above it she trusts her reading.
const ASK_BELOW: f64 = 0.6;

pub(super) async fn chat(
    tx: &Transaction<'_>,
    deps: &UserDeps,
    player: &mut Player,
    text: &str,
    now: DateTime<Utc>,
) -> Result<Reply, StoreError> {
    let user_id = player.user_id;
    let tz = deps.settings.timezone;
    let midnight = now.with_timezone(&tz).date_naive().and_hms_opt(0, 0, 0).unwrap_or_default();
    let day_start = tz.from_local_datetime(&midnight).earliest().map_or(now, |t| t.with_timezone(&Utc));
    let asked_today = moods::asked_since(tx, user_id, day_start).await?;
    // What the actor saw of this session, not a query.
    let behaviour = player.context.behaviour(now);
    let reading = deps.settings.mood.get().classify(text, &behaviour);
    player.context.read_mood(reading.mood, reading.confidence, now);
    let ask = reading.confidence < ASK_BELOW && !asked_today;
    let new = moods::NewReading {
        user_id,
        text,
        behaviour: &behaviour,
        mood: reading.mood,
        confidence: reading.confidence,
        asked: ask,
    };
    let id = moods::insert(tx, &new).await?;
    Ok(Reply::MoodReply { mood: reading.mood.to_owned(), ask: ask.then_some(id) })
}

/// Keep the player's answer. Returns the thanks, and the mood they named if this press
/// recorded it (a second press, or someone else's button, changes nothing; the thanks are the
/// same).
pub(super) async fn label(
    tx: &Transaction<'_>,
    user_id: i64,
    reading_id: i64,
    mood: u8,
) -> Result<(Reply, Option<&'static str>), StoreError> {
    let Some(mood) = MOODS.get(usize::from(mood)).copied() else { return Ok((Reply::Unrecognised, None)) };
    let recorded = moods::label(tx, user_id, reading_id, mood).await?;
    Ok((Reply::MoodThanks { mood: mood.to_owned() }, recorded.then_some(mood)))
}
