//! What a load test counts: update → answer latency (overall and per second), what was sent
//! and answered each second, and the errors a real Telegram would have shown.

use hdrhistogram::Histogram;
use std::collections::BTreeMap;
use std::time::Duration;

/// Latencies are kept in microseconds, up to a minute, to three significant digits.
fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

#[derive(Debug, Clone)]
pub struct Second {
    pub sent: u64,
    pub answered: u64,
    pub latency: Histogram<u64>,
}

#[derive(Debug, Clone)]
pub struct Measure {
    pub latency: Histogram<u64>,
    pub seconds: Vec<Second>,
    pub sent: u64,
    pub answered: u64,
    pub timeouts: u64,
    /// Bot API calls a real Telegram would refuse, by reason.
    pub rejected: BTreeMap<&'static str, u64>,
    /// Sent per activity.
    pub activities: BTreeMap<&'static str, u64>,
    /// Bot API calls the server made, by method.
    pub calls: BTreeMap<String, u64>,
}

impl Default for Measure {
    fn default() -> Measure {
        Measure {
            latency: histogram(),
            seconds: Vec::new(),
            sent: 0,
            answered: 0,
            timeouts: 0,
            rejected: BTreeMap::new(),
            activities: BTreeMap::new(),
            calls: BTreeMap::new(),
        }
    }
}

impl Measure {
    fn second(&mut self, at: Duration) -> &mut Second {
        let index = at.as_secs() as usize;
        while self.seconds.len() <= index {
            self.seconds.push(Second { sent: 0, answered: 0, latency: histogram() });
        }
        &mut self.seconds[index]
    }

    pub fn sent(&mut self, at: Duration, activity: &'static str) {
        self.sent += 1;
        *self.activities.entry(activity).or_default() += 1;
        self.second(at).sent += 1;
    }

    /// An update sent at `sent` was answered at `at` (both since the start).
    pub fn answered(&mut self, sent: Duration, at: Duration) {
        let micros = at.saturating_sub(sent).as_micros().clamp(1, 60_000_000) as u64;
        self.answered += 1;
        let _ = self.latency.record(micros);
        let second = self.second(at);
        second.answered += 1;
        let _ = second.latency.record(micros);
    }

    pub fn rejected(&mut self, reason: &'static str) {
        *self.rejected.entry(reason).or_default() += 1;
    }

    pub fn errors(&self) -> u64 {
        self.timeouts + self.rejected.values().sum::<u64>()
    }

    /// A latency quantile in milliseconds.
    pub fn ms(h: &Histogram<u64>, quantile: f64) -> f64 {
        if h.is_empty() { 0.0 } else { h.value_at_quantile(quantile) as f64 / 1000.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_land_in_their_second_and_the_quantiles_follow() {
        let mut m = Measure::default();
        for i in 0..100u64 {
            m.sent(Duration::from_millis(i * 10), "story");
            m.answered(Duration::from_millis(i * 10), Duration::from_millis(i * 10 + 1 + i));
        }
        assert_eq!((m.sent, m.answered, m.seconds.len()), (100, 100, 2));
        assert!((Measure::ms(&m.latency, 0.5) - 50.0).abs() < 1.0, "{}", Measure::ms(&m.latency, 0.5));
        assert!(Measure::ms(&m.latency, 1.0) >= 100.0);
        assert_eq!(m.activities["story"], 100);
        m.rejected("text_too_long");
        m.timeouts += 2;
        assert_eq!(m.errors(), 3);
    }
}
