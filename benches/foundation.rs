//! Foundation numbers, measured end to end with the release binary against the Telegram
//! stand-in: start-to-ready, update→reply latency for one user, live actors and RSS after
//! 1,000 users. Run with `cargo bench --bench foundation` (needs Postgres and Redis).

#[path = "../tests/common/mod.rs"]
mod common;

use common::server::{Options, TestServer};
use common::telegram_standin::{Standin, TgUser};
use std::time::{Duration, Instant};

fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let tg = Standin::start().await;
    let options = Options::new(Some(&tg.url))
        .env("RUST_LOG", "warn")
        .env("DIANA__LIMITS__FLOOD_PER_MINUTE", "0");
    let server = TestServer::start(options).await;
    println!(
        "start to ready (fresh database, migrations applied): {:?}",
        server.started_in
    );

    // One user, one update at a time: the time from Telegram having the update to the reply
    // arriving at Telegram, through polling, the actor, the commit and the outbox.
    let solo = TgUser::new(1, "Solo");
    tg.send_text(&solo, "/start");
    tg.wait_messages(solo.id, 2).await;
    let mut latencies = Vec::new();
    for i in 0..200 {
        let sent = Instant::now();
        tg.send_text(&solo, "/perfil");
        tg.wait_for("reply", Duration::from_secs(5), |s| {
            (s.messages_to(solo.id).len() >= 3 + i).then_some(())
        })
        .await;
        latencies.push(sent.elapsed());
    }
    latencies.sort();
    println!(
        "update→reply, one user, 200 updates: p50 {:?}, p95 {:?}, p99 {:?}, max {:?}",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.95),
        percentile(&latencies, 0.99),
        latencies.last().unwrap()
    );

    let pid = server.child.id();
    let rss_before = rss_mib(pid);
    let started = Instant::now();
    let users: Vec<TgUser> = (0..1000)
        .map(|i| TgUser::new(10_000 + i, "Player"))
        .collect();
    for u in &users {
        tg.send_text(u, "/start");
    }
    for u in &users {
        tg.wait_for("welcome", Duration::from_secs(60), |s| {
            (s.messages_to(u.id).len() >= 2).then_some(())
        })
        .await;
    }
    let took = started.elapsed();
    let metrics = server.get_text("/metrics").await;
    let live = metrics
        .lines()
        .find(|l| l.starts_with("live_user_actors"))
        .unwrap_or("live_user_actors ?");
    println!(
        "1,000 users' /start answered (2,000 messages) in {took:?} ({:.0} updates/s, stand-in and generator on the same 2 cores)",
        1000.0 / took.as_secs_f64()
    );
    println!(
        "{live}; RSS {rss_before:.1} MiB before, {:.1} MiB after",
        rss_mib(pid)
    );
}
