//! Besitos arithmetic: multipliers, daily caps and spending. Pure, so the ledger code around
//! it only reads, decides through these, and writes.

use chrono::{DateTime, Utc};

/// The factor a player's earnings are multiplied by now: VIP times any active boost.
pub fn earning_multiplier(vip: f64, boost: f64, boost_until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> f64 {
    let boost = if boost_until.is_some_and(|until| until > now) { boost.max(1.0) } else { 1.0 };
    vip.max(0.0) * boost
}

/// Besitos actually earned for a base amount.
pub fn multiplied(base: i64, multiplier: f64) -> i64 {
    (base as f64 * multiplier).round() as i64
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapVerdict {
    /// Pay this much (possibly less than asked, up to the cap).
    Pay(i64),
    /// The cap for today is reached: pay nothing.
    Capped,
}

/// Apply a daily cap to an earning, given what was already earned today through that action.
pub fn apply_cap(amount: i64, earned_today: i64, cap: Option<i64>) -> CapVerdict {
    match cap {
        None => CapVerdict::Pay(amount),
        Some(cap) if earned_today >= cap => CapVerdict::Capped,
        Some(cap) => CapVerdict::Pay(amount.min(cap - earned_today)),
    }
}

/// The balance after spending `price`, or how many besitos are missing.
pub fn spend(balance: i64, price: i64) -> Result<i64, i64> {
    if price <= balance { Ok(balance - price) } else { Err(price - balance) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn boosts_count_only_while_active() {
        let now = Utc::now();
        let later = now + chrono::Duration::hours(1);
        assert_eq!(earning_multiplier(1.5, 2.0, Some(later), now), 3.0);
        assert_eq!(earning_multiplier(1.5, 2.0, Some(now), now), 1.5);
        assert_eq!(earning_multiplier(1.0, 2.0, None, now), 1.0);
        assert_eq!(multiplied(15, 1.5), 23);
    }

    #[test]
    fn caps_pay_up_to_the_limit_then_nothing() {
        assert_eq!(apply_cap(50, 0, None), CapVerdict::Pay(50));
        assert_eq!(apply_cap(50, 80, Some(100)), CapVerdict::Pay(20));
        assert_eq!(apply_cap(50, 100, Some(100)), CapVerdict::Capped);
    }

    proptest! {
        #[test]
        fn spending_never_goes_negative(balance in 0i64..1_000_000, price in 0i64..2_000_000) {
            match spend(balance, price) {
                Ok(after) => prop_assert!(after >= 0 && after == balance - price),
                Err(missing) => prop_assert!(missing > 0 && balance + missing == price),
            }
        }

        #[test]
        fn a_cap_is_never_exceeded(amount in 0i64..1000, earned in 0i64..1000, cap in 0i64..1000) {
            if let CapVerdict::Pay(p) = apply_cap(amount, earned, Some(cap)) {
                prop_assert!(earned + p <= cap.max(earned) && p <= amount);
            }
        }
    }
}
