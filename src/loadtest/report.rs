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
    /// How the server committed: group commit, or one transaction per update.
    pub commit: String,
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

    /// Each second of the load `window`. Answers that come in after the load stopped (the
    /// drain) count in the totals but not as a second of their own: a nearly empty last second
    /// would read as a collapse at the end of every run.
    pub fn timeline_of(m: &Measure, window: std::time::Duration) -> Vec<SecondRow> {
        m.seconds
            .iter()
            .take(window.as_secs_f64().ceil() as usize)
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
            "{}\n{} users, {}, {}, {}: {:.1} s\nupdates: {} sent, {} answered; throughput {:.0} answers/s\n\
             latency: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms\n\
             errors: {} timeouts, {} callbacks unanswered, {} refused by Telegram's rules{}\n",
            self.command,
            self.users,
            self.load,
            self.transport,
            self.commit,
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
        page("Diana load test", self.body())
    }

    /// The report's sections, for a page of its own or beside another.
    fn body(&self) -> maud::Markup {
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
            pre { (self.summary()) }
            h2 { "Checks" } (checks)
            h2 { "Throughput" } figure { (maud::PreEscaped(throughput)) }
            h2 { "p99 latency per second" } figure { (maud::PreEscaped(p99)) }
            h2 { "Latency histogram (ms)" } figure { (maud::PreEscaped(histogram)) }
        }
    }
}

fn page(title: &str, body: maud::Markup) -> String {
    maud::html! {
        (maud::DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { (title) }
                style { "body{font-family:sans-serif;max-width:900px;margin:2em auto} pre{background:#f4f4f4;padding:1em;white-space:pre-wrap} td,th{padding:.2em .8em;text-align:right}" }
            }
            body { h1 { (title) } (body) }
        }
    }
    .into_string()
}

/// Group commit against one transaction per update, under the same load.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Comparison {
    pub group_commit: Report,
    pub naive_commit: Report,
    /// Group commit's throughput over the naive mode's.
    pub throughput_ratio: f64,
    /// The naive mode's p99 over group commit's (above 1: group commit answers faster).
    pub p99_ratio: f64,
}

impl Comparison {
    pub fn new(group_commit: Report, naive_commit: Report) -> Comparison {
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
        Comparison {
            throughput_ratio: ratio(group_commit.throughput, naive_commit.throughput),
            p99_ratio: ratio(naive_commit.latency.p99_ms, group_commit.latency.p99_ms),
            group_commit,
            naive_commit,
        }
    }

    pub fn passed(&self) -> bool {
        self.group_commit.passed() && self.naive_commit.passed()
    }

    fn rows(&self) -> Vec<(&'static str, String, String)> {
        let (g, n) = (&self.group_commit, &self.naive_commit);
        let ms = |v: f64| format!("{v:.1} ms");
        vec![
            ("throughput (answers/s)", format!("{:.0}", g.throughput), format!("{:.0}", n.throughput)),
            ("updates answered", g.updates_answered.to_string(), n.updates_answered.to_string()),
            ("p50", ms(g.latency.p50_ms), ms(n.latency.p50_ms)),
            ("p95", ms(g.latency.p95_ms), ms(n.latency.p95_ms)),
            ("p99", ms(g.latency.p99_ms), ms(n.latency.p99_ms)),
            ("timeouts", g.timeouts.to_string(), n.timeouts.to_string()),
            ("server CPU (s)", format!("{:.1}", g.server_cpu_secs), format!("{:.1}", n.server_cpu_secs)),
            ("peak RSS (MiB)", format!("{:.0}", g.server_peak_rss_mb), format!("{:.0}", n.server_peak_rss_mb)),
            ("checks", pass(g), pass(n)),
        ]
    }

    pub fn summary(&self) -> String {
        let mut s = format!(
            "== group commit ==\n{}\n== one transaction per update (naive) ==\n{}\n",
            self.group_commit.summary(),
            self.naive_commit.summary()
        );
        s.push_str(&format!("{:<24} {:>16} {:>16}\n", "", "group commit", "naive"));
        for (name, g, n) in self.rows() {
            s.push_str(&format!("{name:<24} {g:>16} {n:>16}\n"));
        }
        s.push_str(&format!(
            "group commit: {:.2}× the throughput, p99 {:.2}× lower\n",
            self.throughput_ratio, self.p99_ratio
        ));
        s
    }

    pub fn html(&self) -> String {
        let body = maud::html! {
            table {
                tr { th {} th { "group commit" } th { "naive (one transaction per update)" } }
                @for (name, g, n) in self.rows() { tr { th { (name) } td { (g) } td { (n) } } }
            }
            p { b { (format!("Group commit: {:.2}× the throughput, p99 {:.2}× lower.", self.throughput_ratio, self.p99_ratio)) } }
            h2 { "Group commit" } (self.group_commit.body())
            h2 { "One transaction per update" } (self.naive_commit.body())
        };
        page("Diana load test: group commit against one transaction per update", body)
    }
}

fn pass(r: &Report) -> String {
    if r.passed() { "all passed".to_owned() } else { "FAILED".to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_timeline_covers_the_load_and_not_the_drain_after_it() {
        let mut m = Measure::default();
        for i in 0..30u64 {
            let sent = Duration::from_millis(i * 100);
            m.sent(sent, "menu");
            m.answered(sent, sent + Duration::from_millis(150));
        }
        // Sent over 3 s; the last answers arrive in the fourth second, after the load stopped.
        assert_eq!(m.seconds.len(), 4);
        let timeline = Report::timeline_of(&m, Duration::from_secs(3));
        assert_eq!(timeline.iter().map(|r| r.second).collect::<Vec<_>>(), vec![0, 1, 2]);
        assert_eq!(timeline.iter().map(|r| r.answered).sum::<u64>() + 1, m.answered, "one answer came in the drain");
        assert_eq!(Report::timeline_of(&m, Duration::from_millis(2500)).len(), 3, "a partial last second is kept");
    }
}
