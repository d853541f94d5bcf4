//! Tracing (text, or JSON lines when `DIANA_LOG_FORMAT=json`) and the metrics of the edges.

use prometheus::{
    HistogramVec, IntCounterVec, IntGauge, register_histogram_vec, register_int_counter_vec, register_int_gauge,
};
use std::sync::LazyLock;
use tracing_subscriber::EnvFilter;

/// Set up tracing once. `RUST_LOG` filters (default `default_level`).
pub fn init(default_level: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let json = std::env::var("DIANA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let result = if json { builder.json().flatten_event(true).try_init() } else { builder.try_init() };
    // A second init (tests, or the CLI calling twice) keeps the first subscriber.
    drop(result);
}

/// Updates received, by kind (`start`, `menu`, `callback`, `duplicate`, ...).
pub static UPDATES: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!("updates_total", "Telegram updates received, by kind", &["kind"])
        .expect("metric registers once")
});

/// Time from receiving an update to its effects being committed.
pub static UPDATE_SECONDS: LazyLock<HistogramVec> = LazyLock::new(|| {
    register_histogram_vec!(
        "update_processing_seconds",
        "Time from receiving an update to committing its effects",
        &["outcome"],
        vec![0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0]
    )
    .expect("metric registers once")
});

/// Bot API calls, by method and result (`ok`, `retry_after`, `blocked`, `rejected`, `network`).
pub static TELEGRAM_CALLS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!(
        "telegram_api_calls_total",
        "Telegram Bot API calls, by method and result",
        &["method", "result"]
    )
    .expect("metric registers once")
});

/// Replies waiting to be sent.
pub static OUTBOX_QUEUED: LazyLock<IntGauge> = LazyLock::new(|| {
    register_int_gauge!("outbox_queued", "Replies committed and waiting to be sent").expect("metric registers once")
});

pub static DB_POOL_IN_USE: LazyLock<IntGauge> = LazyLock::new(|| {
    register_int_gauge!("db_pool_connections_in_use", "Postgres connections checked out")
        .expect("metric registers once")
});

pub static DB_POOL_WAITING: LazyLock<IntGauge> = LazyLock::new(|| {
    register_int_gauge!("db_pool_waiting", "Tasks waiting for a Postgres connection").expect("metric registers once")
});

/// Render every registered metric in Prometheus' text format.
pub fn render_metrics() -> String {
    // Touch the lazily registered metrics so they appear from the first scrape on.
    LazyLock::force(&UPDATES);
    LazyLock::force(&UPDATE_SECONDS);
    LazyLock::force(&TELEGRAM_CALLS);
    LazyLock::force(&OUTBOX_QUEUED);
    LazyLock::force(&diana_actors::metrics::LIVE_USER_ACTORS);
    LazyLock::force(&diana_actors::metrics::REDIS_UP);
    LazyLock::force(&diana_actors::metrics::INTERNAL_ERRORS);
    LazyLock::force(&diana_actors::metrics::GROUP_COMMIT_SEATS);
    let mut out = String::new();
    let encoder = prometheus::TextEncoder::new();
    if let Err(error) = encoder.encode_utf8(&prometheus::gather(), &mut out) {
        tracing::error!(%error, "could not encode metrics");
    }
    out
}
