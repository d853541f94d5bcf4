//! The in-process flood limit, used while Redis is unreachable: a GCRA limiter (`governor`)
//! per user actor. Over the limit, the first update is told to slow down, the rest ignored.

use crate::domain::flood::FloodVerdict;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;

pub struct LocalFlood {
    limiter: Option<DefaultDirectRateLimiter>,
    warned: bool,
}

impl LocalFlood {
    /// `per_minute` of 0 disables the limit.
    pub fn new(per_minute: u32) -> LocalFlood {
        let limiter = NonZeroU32::new(per_minute).map(|n| RateLimiter::direct(Quota::per_minute(n)));
        LocalFlood { limiter, warned: false }
    }

    /// Count one update and judge it.
    pub fn verdict(&mut self) -> FloodVerdict {
        let Some(limiter) = &self.limiter else { return FloodVerdict::Allowed };
        if limiter.check().is_ok() {
            self.warned = false;
            FloodVerdict::Allowed
        } else if !self.warned {
            self.warned = true;
            FloodVerdict::SlowDown
        } else {
            FloodVerdict::Ignore
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_over_the_quota_is_warned_once_then_ignored() {
        let mut flood = LocalFlood::new(5);
        let verdicts: Vec<FloodVerdict> = (0..8).map(|_| flood.verdict()).collect();
        assert!(verdicts[..5].iter().all(|v| *v == FloodVerdict::Allowed), "{verdicts:?}");
        assert_eq!(verdicts[5], FloodVerdict::SlowDown);
        assert!(verdicts[6..].iter().all(|v| *v == FloodVerdict::Ignore));
        assert_eq!(LocalFlood::new(0).verdict(), FloodVerdict::Allowed, "0 disables the limit");
    }
}
