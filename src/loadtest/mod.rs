//! `diana loadtest`: simulated players drive the server end to end through an in-process
//! Telegram Bot API, and the run ends with latency, throughput, errors, the server's own
//! figures, and checks of the database. See `docs/performance.md`.

pub mod bot_api;
pub mod measure;
pub mod players;
pub mod report;
pub mod target;
pub mod verify;

use bot_api::{Load, Sim};
use indicatif::{ProgressBar, ProgressStyle};
use players::{FIRST_ID, Mix};
use report::Report;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use target::{OwnServer, ServerSample, gauge, proc_stats};
use verify::Fault;

/// Where the load goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// Start `diana serve` against a fresh database, and drop it afterwards.
    OwnServer { database_url: String, redis_url: String },
    /// A server already running with `TELEGRAM_API_URL` pointing at `standin_addr`.
    Running { url: String, database_url: String },
}

#[derive(Debug, Clone)]
pub struct Options {
    pub users: usize,
    pub duration: Duration,
    pub load: Load,
    pub mix: Mix,
    pub target: Target,
    pub standin_addr: std::net::SocketAddr,
    pub webhook: Option<String>,
    pub report_dir: Option<PathBuf>,
    pub timeout: Duration,
    pub plant: Option<Fault>,
    /// Most updates per transaction in the started server (`database.commit_group`); `None`
    /// keeps its configuration. 1 is the naive mode: one transaction per update.
    pub commit_group: Option<usize>,
    pub progress: bool,
    pub command: String,
}

/// A database of its own next to the configured one: same server, a fresh name.
pub fn fresh_database(configured: &str) -> anyhow::Result<String> {
    let mut url = url::Url::parse(configured)?;
    url.set_path(&format!("diana_loadtest_{:08x}", rand::random::<u32>()));
    Ok(url.to_string())
}

/// The started server's Redis keys (boards never expire), as its database is dropped. Best
/// effort: a Redis that is away keeps them, and the run is not failed for it.
async fn forget_redis_keys(redis_url: &str, prefix: &str) {
    let Ok(redis) = diana_actors::redis::Redis::connect(redis_url, prefix).await else { return };
    if redis.forget_prefix().await.is_none() {
        tracing::warn!(prefix, "the load test's Redis keys could not be deleted");
    }
    redis.quit().await;
}

async fn drop_database(database_url: &str) -> anyhow::Result<()> {
    let mut admin = url::Url::parse(database_url)?;
    let name = admin.path().trim_start_matches('/').to_owned();
    anyhow::ensure!(name.starts_with("diana_loadtest_"), "refusing to drop {name}");
    admin.set_path("/postgres");
    let (client, connection) = tokio_postgres::connect(admin.as_str(), tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    client.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await?;
    Ok(())
}

/// The same load twice, on fresh databases: with group commit, then with one transaction per
/// update, the way a typical bot commits. Side by side, the ratio is measured, not claimed.
pub async fn compare_naive(options: Options, group: usize) -> anyhow::Result<report::Comparison> {
    let Target::OwnServer { database_url, redis_url } = &options.target else {
        anyhow::bail!("--naive-commit starts the server itself: use it with --target self");
    };
    let again = Target::OwnServer { database_url: fresh_database(database_url)?, redis_url: redis_url.clone() };
    let report_dir = options.report_dir.clone();
    let grouped = run(Options { commit_group: Some(group), report_dir: None, ..options.clone() }).await?;
    let naive = run(Options { commit_group: Some(1), report_dir: None, target: again, ..options }).await?;
    let comparison = report::Comparison::new(grouped, naive);
    if let Some(dir) = &report_dir {
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join("report.json"), serde_json::to_string_pretty(&comparison)?)?;
        std::fs::write(dir.join("report.html"), comparison.html())?;
    }
    Ok(comparison)
}

pub async fn run(options: Options) -> anyhow::Result<Report> {
    // Faults are planted only in the run's own throwaway database, never among real players.
    anyhow::ensure!(
        options.plant.is_none() || matches!(options.target, Target::OwnServer { .. }),
        "--plant works only with --target self"
    );
    let first = match &options.target {
        Target::OwnServer { .. } => 1,
        Target::Running { database_url, .. } => verify::next_update_id(database_url).await?,
    };
    let sim = Sim::new(options.users, options.mix.clone(), options.load, options.timeout, first);
    let (webhook_tx, webhook_rx) = tokio::sync::mpsc::unbounded_channel();
    let sim = Arc::new(if options.webhook.is_some() { sim.with_webhook(webhook_tx) } else { sim });
    let (standin_url, standin) = bot_api::serve(Arc::clone(&sim), options.standin_addr)?;
    let log = std::env::temp_dir().join(format!("diana-loadtest-{}.log", std::process::id()));
    let (own, base_url, database_url) = match &options.target {
        Target::OwnServer { database_url, redis_url } => {
            let secret = options.webhook.as_deref();
            let own =
                OwnServer::start(database_url, redis_url, &standin_url, secret, options.commit_group, &log).await?;
            let base = own.base_url.clone();
            (Some(own), base, database_url.clone())
        }
        Target::Running { url, database_url } => (None, url.clone(), database_url.clone()),
    };
    if let Some(secret) = options.webhook.clone() {
        let url = format!("{base_url}/telegram/webhook");
        tokio::spawn(bot_api::post_updates(Arc::clone(&sim), webhook_rx, url, secret));
    }

    let bar = if options.progress { ProgressBar::new(options.duration.as_secs()) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} s  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let generator = tokio::spawn(Arc::clone(&sim).generate(options.duration));
    let pid = own.as_ref().map(OwnServer::pid);
    let client = reqwest::Client::new();
    let mut samples: Vec<ServerSample> = Vec::new();
    let mut last_cpu = pid.and_then(proc_stats).map_or(0.0, |s| s.1);
    let mut cpu_secs = 0.0;
    while !generator.is_finished() {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let at = sim.elapsed();
        let metrics = async { client.get(format!("{base_url}/metrics")).send().await?.text().await };
        let metrics = tokio::time::timeout(Duration::from_millis(500), metrics).await.ok().and_then(Result::ok);
        let metrics = metrics.unwrap_or_default();
        let (rss, cpu) = pid.and_then(proc_stats).unwrap_or((0.0, last_cpu));
        cpu_secs = cpu;
        samples.push(ServerSample {
            at_secs: at.as_secs_f64(),
            rss_mb: rss,
            cpu_cores: cpu - last_cpu,
            live_actors: gauge(&metrics, "live_user_actors").unwrap_or(0.0),
            pool_waiting: gauge(&metrics, "db_pool_waiting").unwrap_or(0.0),
            outbox_queued: gauge(&metrics, "outbox_queued").unwrap_or(0.0),
        });
        last_cpu = cpu;
        let (rate, p99, errors) = {
            let state = sim.lock();
            let m = &state.measure;
            let last = m.seconds.len().saturating_sub(2);
            let second = m.seconds.get(last);
            (
                second.map_or(0, |s| s.answered),
                second.map_or(0.0, |s| measure::Measure::ms(&s.latency, 0.99)),
                m.errors(),
            )
        };
        bar.set_position(at.as_secs().min(options.duration.as_secs()));
        bar.set_message(format!("{rate} answers/s  p99 {p99:.1} ms  {errors} errors"));
    }
    generator.await?;
    bar.finish_and_clear();
    sim.drain().await;
    let loaded = sim.elapsed().as_secs_f64();

    // Stop our own server cleanly: what it holds must be saved, and that is checked.
    let redis_prefix = own.as_ref().map(|o| o.redis_prefix.clone());
    let stopped = match own {
        Some(own) => {
            let status = own.stop().await?;
            anyhow::ensure!(status.success(), "the server exited with {status}; its log is {}", log.display());
            true
        }
        None => false,
    };
    standin.stop(true).await;
    let (first, sent, taken, players) = {
        let state = sim.lock();
        let players: Vec<_> =
            state.latest_taken().into_iter().enumerate().map(|(i, at)| (FIRST_ID + i as i64, at)).collect();
        (state.first_update_id, state.sent, state.taken.clone(), players)
    };
    if let Some(fault) = options.plant {
        verify::plant(&database_url, fault, first).await?;
    }
    let checks = verify::verify(&database_url, first, sent, &taken, &players, stopped).await?;
    if let Target::OwnServer { redis_url, .. } = &options.target {
        drop_database(&database_url).await?;
        if let Some(prefix) = redis_prefix {
            forget_redis_keys(redis_url, &prefix).await;
        }
    }

    let state = sim.lock();
    let m = &state.measure;
    let report = Report {
        command: options.command.clone(),
        users: options.users,
        load: match options.load {
            Load::Open { rate } => format!("open loop at {rate} updates/s"),
            Load::Closed { think } => format!("closed loop, {} ms think time", think.as_millis()),
        },
        transport: if options.webhook.is_some() { "webhook" } else { "long polling" },
        commit: match options.commit_group {
            Some(1) => "one transaction per update (naive)".to_owned(),
            Some(n) => format!("group commit, up to {n} updates per transaction"),
            None => "as the server is configured".to_owned(),
        },
        duration_secs: loaded,
        updates_sent: m.sent,
        updates_answered: m.answered,
        throughput: m.answered as f64 / options.duration.as_secs_f64().max(0.001),
        latency: Report::latency_of(m),
        timeouts: m.timeouts,
        unanswered_callbacks: state.unanswered_callbacks(),
        rejected: m.rejected.clone(),
        activities: m.activities.clone(),
        bot_api_calls: m.calls.clone(),
        server_peak_rss_mb: samples.iter().map(|s| s.rss_mb).fold(0.0, f64::max),
        server_cpu_secs: cpu_secs,
        live_actors_max: samples.iter().map(|s| s.live_actors).fold(0.0, f64::max),
        pool_waiting_max: samples.iter().map(|s| s.pool_waiting).fold(0.0, f64::max),
        server: samples,
        timeline: Report::timeline_of(m, options.duration),
        histogram: Report::histogram_of(m),
        checks,
    };
    drop(state);
    if let Some(dir) = &options.report_dir {
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join("report.json"), serde_json::to_string_pretty(&report)?)?;
        std::fs::write(dir.join("report.html"), report.html())?;
    }
    Ok(report)
}
