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
        .env("RUST_LOG", "warn,diana::startup=info")
        .env("DIANA__LIMITS__FLOOD_PER_MINUTE", "0");
    let server = TestServer::start(options).await;
    println!("start to ready (fresh database, migrations applied): {:?}", server.started_in);

    // A conversation, printed as the user would read it.
    let ana = TgUser::new(2, r#"<b>Ana</b> & "Co""#);
    tg.send_text(&ana, "/start");
    let menu = tg.wait_messages(ana.id, 2).await;
    tg.press(&ana, &menu[1].buttons()[0].1);
    tg.wait_messages(ana.id, 3).await;
    for command in [
        "/privacidad",
        "/ayuda",
        "hola diana",
        "/regalo",
        "/besitos",
        "/tienda",
        "/trivia",
        "/misiones",
        "/logros",
        "/ranking",
    ] {
        let before = tg.messages_to(ana.id).len();
        tg.send_text(&ana, command);
        tg.wait_messages(ana.id, before + 1).await;
    }
    // Notices (achievements, missions) arrive on their own; give them a moment.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for m in tg.messages_to(ana.id) {
        println!("--- {} ---\n{}", m.method, m.text());
        for (label, data) in m.buttons() {
            println!("  [{label}] → {data}");
        }
    }
    println!("---");

    // One user, one update at a time: the time from Telegram having the update to the reply
    // arriving at Telegram, through polling, the actor, the commit and the outbox.
    let solo = TgUser::new(1, "Solo");
    tg.send_text(&solo, "/start");
    tg.wait_messages(solo.id, 2).await;
    let mut latencies = Vec::new();
    for i in 0..200 {
        let sent = Instant::now();
        tg.send_text(&solo, "/perfil");
        // The stand-in stamps each call as it arrives; polling for it adds nothing.
        let reply = tg.wait_for("reply", Duration::from_secs(5), |s| s.messages_to(solo.id).get(2 + i).cloned()).await;
        latencies.push(reply.at.duration_since(sent));
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
    let users: Vec<TgUser> = (0..1000).map(|i| TgUser::new(10_000 + i, "Player")).collect();
    for u in &users {
        tg.send_text(u, "/start");
    }
    let last = tg
        .wait_for("every welcome", Duration::from_secs(120), |s| {
            let users_sent: Vec<_> = s
                .calls()
                .into_iter()
                .filter(|c| c.method == "sendMessage" && c.refused.is_none())
                .filter(|c| c.chat_id().is_some_and(|id| id >= 10_000))
                .collect();
            (users_sent.len() >= 2000).then(|| users_sent.iter().map(|c| c.at).max().unwrap())
        })
        .await;
    let took = last.duration_since(started);
    let metrics = server.get_text("/metrics").await;
    let live = metrics.lines().find(|l| l.starts_with("live_user_actors")).unwrap_or("live_user_actors ?");
    println!(
        "1,000 users' /start answered (2,000 messages) in {took:?} ({:.0} updates/s, stand-in and generator on the same 2 cores)",
        1000.0 / took.as_secs_f64()
    );
    println!("{live}; RSS {rss_before:.1} MiB before, {:.1} MiB after", rss_mib(pid));
}
