//! The daily gift's calendar: one claim per day in the game's timezone, streaks, the grace
//! window after midnight, and streak freezes. Wall-clock days, so DST changes nothing a
//! person would notice.

use chrono::{DateTime, Days, NaiveDate, TimeZone, Timelike};
use chrono_tz::Tz;

/// What the store knows about a player's streak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Streak {
    pub current: i32,
    pub longest: i32,
    pub last_claim: Option<NaiveDate>,
    /// Streak freezes in the player's inventory.
    pub freezes: i32,
}

/// The outcome of asking for today's gift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DailyClaim {
    /// Already claimed for today; the next gift opens at `next_at` (local midnight).
    AlreadyClaimed {
        next_at: DateTime<Tz>,
    },
    Granted(Granted),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Granted {
    /// The calendar day this claim counts for (yesterday, inside the grace window).
    pub day: NaiveDate,
    pub streak: i32,
    pub longest: i32,
    /// Freezes spent to bridge missed days.
    pub freezes_used: i32,
    /// The previous streak was lost (days missed, not enough freezes).
    pub streak_lost: bool,
    pub late_claim_forgiven: bool,
}

/// Decide today's claim. `grace_hours` after local midnight, a claim still counts for the
/// day before when that day was missed.
pub fn claim_daily(state: &Streak, now: DateTime<Tz>, grace_hours: u32) -> DailyClaim {
    let today = now.date_naive();
    let yesterday = today - Days::new(1);
    if state.last_claim.is_some_and(|last| last >= today) {
        return DailyClaim::AlreadyClaimed { next_at: next_midnight(now) };
    }
    let in_grace = now.hour() < grace_hours;
    let forgiven = in_grace && state.last_claim.is_some_and(|last| last + Days::new(2) == today);
    let day = if forgiven { yesterday } else { today };
    // Days between the last claim and this one that nobody claimed.
    let missed = state.last_claim.map_or(0, |last| (day - last).num_days() - 1).max(0) as i32;
    let (streak, freezes_used, streak_lost) = match state.last_claim {
        None => (1, 0, false),
        Some(_) if missed == 0 => (state.current + 1, 0, false),
        Some(_) if missed <= state.freezes => (state.current + 1, missed, false),
        Some(_) => (1, 0, state.current > 0),
    };
    DailyClaim::Granted(Granted {
        day,
        streak,
        longest: state.longest.max(streak),
        freezes_used,
        streak_lost,
        late_claim_forgiven: forgiven,
    })
}

/// Whether the player will lose their streak unless they claim today.
pub fn at_risk(state: &Streak, now: DateTime<Tz>) -> bool {
    let yesterday = now.date_naive() - Days::new(1);
    state.current > 0 && state.last_claim == Some(yesterday)
}

/// The next local midnight (the first instant of tomorrow, wherever DST puts it).
pub(crate) fn next_midnight(now: DateTime<Tz>) -> DateTime<Tz> {
    let tomorrow = now.date_naive() + Days::new(1);
    let tz = now.timezone();
    (0..3).find_map(|h| tz.from_local_datetime(&tomorrow.and_hms_opt(h, 0, 0)?).earliest()).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Madrid;
    use proptest::prelude::*;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Tz> {
        Madrid.with_ymd_and_hms(y, m, d, h, min, 0).earliest().unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn granted(c: DailyClaim) -> Granted {
        match c {
            DailyClaim::Granted(g) => g,
            other => panic!("expected a grant, got {other:?}"),
        }
    }

    fn after(state: Streak, g: &Granted) -> Streak {
        Streak {
            current: g.streak,
            longest: g.longest,
            last_claim: Some(g.day),
            freezes: state.freezes - g.freezes_used,
        }
    }

    #[test]
    fn first_claim_starts_a_streak_and_a_second_the_same_day_is_refused() {
        let g = granted(claim_daily(&Streak::default(), at(2026, 3, 10, 12, 0), 4));
        assert_eq!((g.streak, g.day), (1, day(2026, 3, 10)));
        let s = after(Streak::default(), &g);
        match claim_daily(&s, at(2026, 3, 10, 23, 0), 4) {
            DailyClaim::AlreadyClaimed { next_at } => assert_eq!(next_at, at(2026, 3, 11, 0, 0)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn claims_at_23_59_and_00_01_are_two_days_in_a_row() {
        let s = Streak { current: 4, longest: 4, last_claim: Some(day(2026, 3, 9)), freezes: 0 };
        let g1 = granted(claim_daily(&s, at(2026, 3, 10, 23, 59), 4));
        assert_eq!((g1.day, g1.streak), (day(2026, 3, 10), 5));
        let g2 = granted(claim_daily(&after(s, &g1), at(2026, 3, 11, 0, 1), 4));
        assert_eq!((g2.day, g2.streak, g2.late_claim_forgiven), (day(2026, 3, 11), 6, false));
    }

    #[test]
    fn a_late_claim_inside_the_grace_window_keeps_the_streak() {
        // Last claim on the 8th; the 9th was missed; at 03:00 on the 10th the claim counts for the 9th.
        let s = Streak { current: 6, longest: 6, last_claim: Some(day(2026, 3, 8)), freezes: 0 };
        let g = granted(claim_daily(&s, at(2026, 3, 10, 3, 0), 4));
        assert_eq!((g.day, g.streak, g.late_claim_forgiven), (day(2026, 3, 9), 7, true));
        // And the 10th can still be claimed later that day.
        let g2 = granted(claim_daily(&after(s, &g), at(2026, 3, 10, 18, 0), 4));
        assert_eq!((g2.day, g2.streak), (day(2026, 3, 10), 8));
        // Past the window, the same claim breaks the streak.
        let g3 = granted(claim_daily(&s, at(2026, 3, 10, 4, 0), 4));
        assert_eq!((g3.streak, g3.streak_lost, g3.longest), (1, true, 6));
    }

    #[test]
    fn freezes_bridge_missed_days_one_each() {
        let s = Streak { current: 10, longest: 12, last_claim: Some(day(2026, 3, 1)), freezes: 1 };
        let g = granted(claim_daily(&s, at(2026, 3, 3, 12, 0), 4));
        assert_eq!((g.streak, g.freezes_used), (11, 1));
        let two_missed = granted(claim_daily(&s, at(2026, 3, 4, 12, 0), 4));
        assert_eq!((two_missed.streak, two_missed.freezes_used, two_missed.streak_lost), (1, 0, true));
    }

    #[test]
    fn dst_days_are_ordinary_days() {
        // Spring forward: 2026-03-29 in Madrid has no 02:00-03:00. Fall back: 2026-10-25 has it twice.
        let s = Streak { current: 2, longest: 2, last_claim: Some(day(2026, 3, 28)), freezes: 0 };
        let g = granted(claim_daily(&s, at(2026, 3, 29, 3, 30), 4));
        assert_eq!((g.day, g.streak), (day(2026, 3, 29), 3));
        let s = Streak { current: 2, longest: 2, last_claim: Some(day(2026, 10, 24)), freezes: 0 };
        let late = Madrid.with_ymd_and_hms(2026, 10, 25, 2, 30, 0).latest().unwrap();
        let g = granted(claim_daily(&s, late, 4));
        assert_eq!((g.day, g.streak), (day(2026, 10, 25), 3));
        match claim_daily(&after(s, &g), Madrid.with_ymd_and_hms(2026, 10, 25, 23, 0, 0).unwrap(), 4) {
            DailyClaim::AlreadyClaimed { next_at } => assert_eq!(next_at, at(2026, 10, 26, 0, 0)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn at_risk_only_when_yesterday_was_claimed() {
        let s = Streak { current: 3, longest: 3, last_claim: Some(day(2026, 3, 9)), freezes: 0 };
        assert!(at_risk(&s, at(2026, 3, 10, 20, 0)));
        assert!(!at_risk(&s, at(2026, 3, 9, 20, 0)));
    }

    proptest! {
        /// Whatever the claim times, a day is claimed at most once, the streak never exceeds the
        /// days claimed, and the longest streak never shrinks.
        #[test]
        fn claims_keep_their_invariants(steps in proptest::collection::vec(0u32..60, 1..60)) {
            let mut s = Streak::default();
            let mut t = at(2026, 1, 1, 0, 0);
            let mut claimed = std::collections::BTreeSet::new();
            for hours in steps {
                t += chrono::Duration::hours(i64::from(hours));
                if let DailyClaim::Granted(g) = claim_daily(&s, t, 4) {
                    prop_assert!(claimed.insert(g.day), "day {} claimed twice", g.day);
                    prop_assert!(g.longest >= s.longest && g.longest >= g.streak);
                    prop_assert!(g.streak as usize <= claimed.len());
                    s = after(s, &g);
                }
            }
        }
    }
}
