//! Leaderboard periods and ordering. Boards rank by score, and a tie goes to whoever reached
//! the score first (to the minute); Redis and Postgres both order by exactly these keys.

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Board {
    /// Besitos earned in the period.
    Points,
    /// The current daily streak (all time only).
    Streak,
    /// Besitos won at trivia (all time only).
    Trivia,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Week,
    Month,
    AllTime,
}

/// One concrete period: its key and its bounds in UTC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub period: Period,
    /// `2026-W48`, `2026-11` or `all`.
    pub key: String,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
}

/// Ties are told apart by the minute the score was reached, counted from this origin for
/// all-time boards (and from the period's start otherwise).
pub fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).single().unwrap_or_default()
}

fn local_midnight(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    (0..3)
        .find_map(|h| tz.from_local_datetime(&day.and_hms_opt(h, 0, 0)?).earliest())
        .map_or_else(epoch, |t| t.with_timezone(&Utc))
}

/// The period containing `now`, in the game's timezone (ISO weeks start on Monday).
pub fn span_at(period: Period, now: DateTime<Utc>, tz: Tz) -> Span {
    let today = now.with_timezone(&tz).date_naive();
    match period {
        Period::Week => {
            let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
            let iso = today.iso_week();
            Span {
                period,
                key: format!("{}-W{:02}", iso.year(), iso.week()),
                start: local_midnight(tz, monday),
                end: Some(local_midnight(tz, monday + Days::new(7))),
            }
        }
        Period::Month => {
            let first = today.with_day(1).unwrap_or(today);
            let next = if first.month() == 12 {
                NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
            }
            .unwrap_or(first);
            Span {
                period,
                key: format!("{}-{:02}", first.year(), first.month()),
                start: local_midnight(tz, first),
                end: Some(local_midnight(tz, next)),
            }
        }
        Period::AllTime => Span { period, key: "all".into(), start: epoch(), end: None },
    }
}

/// The period just before the one containing `now` (the one to close).
pub fn previous_span(period: Period, now: DateTime<Utc>, tz: Tz) -> Option<Span> {
    let current = span_at(period, now, tz);
    (period != Period::AllTime).then(|| span_at(period, current.start - chrono::Duration::seconds(1), tz))
}

/// Bits of a Redis score that hold the tie-break; the rest hold the score.
fn tie_bits(period: Period) -> u32 {
    match period {
        Period::Week | Period::Month => 16,
        Period::AllTime => 26,
    }
}

/// The minute a score was reached, counted from the span's start.
pub fn reached_minute(span: &Span, reached: DateTime<Utc>) -> i64 {
    let cap = (1i64 << tie_bits(span.period)) - 1;
    ((reached - span.start).num_minutes()).clamp(0, cap)
}

/// A single number for a Redis sorted set: higher scores first, and at equal scores, earlier
/// minutes first. Exact while the score is below 2^(53 - tie bits).
pub fn redis_score(span: &Span, score: i64, reached_minute: i64) -> f64 {
    let bits = tie_bits(span.period);
    let cap = (1i64 << bits) - 1;
    (score as f64) * (1u64 << bits) as f64 + (cap - reached_minute.clamp(0, cap)) as f64
}

pub fn score_of(span: &Span, redis_score: f64) -> i64 {
    (redis_score / (1u64 << tie_bits(span.period)) as f64).floor() as i64
}

/// A place on a board, ready to show.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Row {
    pub rank: i64,
    pub user_id: i64,
    pub name: String,
    pub title: Option<String>,
    /// The player's active VIP plan, shown as its badge.
    #[serde(default)]
    pub badge: Option<String>,
    pub score: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Standings {
    pub board: Board,
    pub period: Period,
    pub top: Vec<Row>,
    /// The asking player and up to two neighbours on each side.
    pub around: Vec<Row>,
    pub me: Option<Row>,
    pub players: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Madrid;

    #[test]
    fn weeks_are_iso_weeks_in_the_game_timezone() {
        // Sunday 23:30 in Madrid is still week 48; Monday 00:30 is week 49.
        let sunday = Madrid.with_ymd_and_hms(2026, 11, 29, 23, 30, 0).unwrap().with_timezone(&Utc);
        let s = span_at(Period::Week, sunday, Madrid);
        assert_eq!(s.key, "2026-W48");
        assert_eq!(s.start, Madrid.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap().with_timezone(&Utc));
        let monday = sunday + chrono::Duration::hours(1);
        assert_eq!(span_at(Period::Week, monday, Madrid).key, "2026-W49");
        assert_eq!(previous_span(Period::Week, monday, Madrid).unwrap().key, "2026-W48");
        let dec = Madrid.with_ymd_and_hms(2026, 12, 31, 12, 0, 0).unwrap().with_timezone(&Utc);
        assert_eq!(span_at(Period::Month, dec, Madrid).key, "2026-12");
        assert_eq!(previous_span(Period::Month, dec, Madrid).unwrap().key, "2026-11");
    }

    #[test]
    fn higher_scores_first_then_who_got_there_first() {
        let span = span_at(Period::Week, Utc::now(), Madrid);
        let early = redis_score(&span, 100, 5);
        let late = redis_score(&span, 100, 900);
        let more = redis_score(&span, 101, 9000);
        assert!(more > early && early > late);
        assert_eq!(score_of(&span, late), 100);
        let all = span_at(Period::AllTime, Utc::now(), Madrid);
        assert_eq!(score_of(&all, redis_score(&all, 120_000_000, 3_000_000)), 120_000_000);
    }
}
