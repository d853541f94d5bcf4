//! A token bucket: `rate` tokens per second, holding at most `burst`.

use std::time::Duration;
use tokio::time::Instant;

#[derive(Debug, Clone)]
pub struct Bucket {
    pub tokens: f64,
    rate: f64,
    burst: f64,
    at: Instant,
}

impl Bucket {
    /// A full bucket. `rate` and `burst` must be positive (config validation ensures it).
    pub fn new(rate: f64, burst: f64, now: Instant) -> Bucket {
        Bucket { tokens: burst, rate, burst, at: now }
    }

    pub fn refill(&mut self, now: Instant) {
        let earned = now.saturating_duration_since(self.at).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + earned).min(self.burst);
        self.at = now;
    }

    /// Take a token if one is available now.
    pub fn try_take(&mut self, now: Instant) -> bool {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// When a token will be available (now if one is).
    pub fn ready_at(&self, now: Instant) -> Instant {
        if self.tokens >= 1.0 { now } else { now + Duration::from_secs_f64((1.0 - self.tokens) / self.rate) }
    }

    /// Full again: forgetting this bucket changes nothing.
    pub fn is_full(&mut self, now: Instant) -> bool {
        self.refill(now);
        self.tokens >= self.burst
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_burst_then_the_rate() {
        let t0 = Instant::now();
        let mut b = Bucket::new(1.0, 3.0, t0);
        assert!(b.try_take(t0) && b.try_take(t0) && b.try_take(t0));
        assert!(!b.try_take(t0), "burst spent");
        assert_eq!(b.ready_at(t0), t0 + Duration::from_secs(1));
        assert!(!b.try_take(t0 + Duration::from_millis(900)));
        assert!(b.try_take(t0 + Duration::from_millis(1000)));
        assert!(!b.is_full(t0 + Duration::from_secs(2)));
        assert!(b.is_full(t0 + Duration::from_secs(4)));
    }

    #[test]
    fn thirty_per_second_sends_thirty_per_second() {
        let t0 = Instant::now();
        let mut b = Bucket::new(30.0, 3.0, t0);
        let sent = (0..1000).filter(|ms| b.try_take(t0 + Duration::from_millis(*ms))).count();
        assert!((30..=33).contains(&sent), "{sent} in one second");
    }
}
