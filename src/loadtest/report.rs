//! The run's summary: printed at the end, and written as `report.json` and `report.html`
//! (SVG charts of throughput and latency over time, and the latency histogram).

use super::measure::Measure;
use super::target::ServerSample;
use super::verify::Check;
use std::collections::BTreeMap;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Latency {
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SecondRow {
    pub second: usize,
    pub sent: u64,
    pub answered: u64,
    pub p99_ms: f64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    pub command: String,
    pub users: usize,
    pub load: String,
    pub transport: &'static str,
    pub duration_secs: f64,
    pub updates_sent: u64,
    pub updates_answered: u64,
    /// Answers per second over the loaded time.
    pub throughput: f64,
    pub latency: Latency,
    pub timeouts: u64,
    pub unanswered_callbacks: usize,
    pub rejected: BTreeMap<&'static str, u64>,
    pub activities: BTreeMap<&'static str, u64>,
    pub bot_api_calls: BTreeMap<String, u64>,
    pub server_peak_rss_mb: f64,
    pub server_cpu_secs: f64,
    pub live_actors_max: f64,
    pub pool_waiting_max: f64,
    pub server: Vec<ServerSample>,
    pub timeline: Vec<SecondRow>,
    /// (latency upper bound in ms, answers at or below it), on a doubling scale.
    pub histogram: Vec<(f64, u64)>,
    pub checks: Vec<Check>,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }

    pub fn latency_of(m: &Measure) -> Latency {
        Latency {
            p50_ms: Measure::ms(&m.latency, 0.50),
            p95_ms: Measure::ms(&m.latency, 0.95),
            p99_ms: Measure::ms(&m.latency, 0.99),
            max_ms: if m.latency.is_empty() { 0.0 } else { m.latency.max() as f64 / 1000.0 },
        }
    }

    pub fn timeline_of(m: &Measure) -> Vec<SecondRow> {
        m.seconds
            .iter()
            .enumerate()
            .map(|(second, s)| SecondRow {
                second,
                sent: s.sent,
                answered: s.answered,
                p99_ms: Measure::ms(&s.latency, 0.99),
            })
            .collect()
    }

    pub fn histogram_of(m: &Measure) -> Vec<(f64, u64)> {
        let mut out = Vec::new();
        let mut bound_us = 250u64;
        let mut below = 0;
        while below < m.latency.len() && bound_us <= 60_000_000 {
            below = m.latency.count_between(0, bound_us);
            out.push((bound_us as f64 / 1000.0, below));
            bound_us *= 2;
        }
        out
    }

    pub fn summary(&self) -> String {
        let mut s = format!(
            "{}\n{} users, {}, {}: {:.1} s\nupdates: {} sent, {} answered; throughput {:.0} answers/s\n\
             latency: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms\n\
             errors: {} timeouts, {} callbacks unanswered, {} refused by Telegram's rules{}\n",
            self.command,
            self.users,
            self.load,
            self.transport,
            self.duration_secs,
            self.updates_sent,
            self.updates_answered,
            self.throughput,
            self.latency.p50_ms,
            self.latency.p95_ms,
            self.latency.p99_ms,
            self.latency.max_ms,
            self.timeouts,
            self.unanswered_callbacks,
            self.rejected.values().sum::<u64>(),
            if self.rejected.is_empty() { String::new() } else { format!(" {:?}", self.rejected) },
        );
        if self.server_peak_rss_mb > 0.0 {
            s.push_str(&format!(
                "server: peak RSS {:.0} MiB, CPU {:.1} s, up to {:.0} live user actors, up to {:.0} tasks waiting for a connection\n",
                self.server_peak_rss_mb, self.server_cpu_secs, self.live_actors_max, self.pool_waiting_max
            ));
        }
        for c in &self.checks {
            s.push_str(&format!("[{}] {}: {}\n", if c.ok { "ok" } else { "FAILED" }, c.name, c.detail));
        }
        s
    }

    pub fn html(&self) -> String {
        use crate::dashboard::charts::{Series, bars, lines};
        let seconds: Vec<String> = self.timeline.iter().map(|r| r.second.to_string()).collect();
        let throughput = lines(
            &seconds,
            &[
                Series { name: "sent/s", values: self.timeline.iter().map(|r| r.sent as f64).collect() },
                Series { name: "answered/s", values: self.timeline.iter().map(|r| r.answered as f64).collect() },
            ],
        );
        let p99 =
            lines(&seconds, &[Series { name: "p99 ms", values: self.timeline.iter().map(|r| r.p99_ms).collect() }]);
        let mut previous = 0;
        let buckets: Vec<String> = self.histogram.iter().map(|(ms, _)| format!("≤{ms}")).collect();
        let counts: Vec<f64> = self
            .histogram
            .iter()
            .map(|(_, below)| {
                let n = below - previous;
                previous = *below;
                n as f64
            })
            .collect();
        let histogram = bars(&buckets, &[Series { name: "answers", values: counts }]);
        let checks = maud::html! {
            ul { @for c in &self.checks { li { (if c.ok { "✔ " } else { "✘ " }) b { (c.name) } ": " (c.detail) } } }
        };
        maud::html! {
            (maud::DOCTYPE)
            html lang="en" {
                head { meta charset="utf-8"; title { "Diana load test" } style { "body{font-family:sans-serif;max-width:900px;margin:2em auto} pre{background:#f4f4f4;padding:1em;white-space:pre-wrap}" } }
                body {
                    h1 { "Diana load test" }
                    pre { (self.summary()) }
                    h2 { "Checks" } (checks)
                    h2 { "Throughput" } figure { (maud::PreEscaped(throughput)) }
                    h2 { "p99 latency per second" } figure { (maud::PreEscaped(p99)) }
                    h2 { "Latency histogram (ms)" } figure { (maud::PreEscaped(histogram)) }
                }
            }
        }
        .into_string()
    }
}
