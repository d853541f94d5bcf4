//! Metrics owned by the game core, registered in Prometheus' default registry so the HTTP edge
//! can render them without knowing who defined them.

use prometheus::{
    Histogram, IntCounterVec, IntGauge, register_histogram, register_int_counter_vec, register_int_gauge,
};
use std::sync::LazyLock;

/// User actors currently resident in memory, over all shards.
pub static LIVE_USER_ACTORS: LazyLock<IntGauge> = LazyLock::new(|| {
    register_int_gauge!("live_user_actors", "User actors resident in memory").expect("metric registers once")
});

/// 1 while Redis answers, 0 while the server runs on in-process fallbacks.
pub static REDIS_UP: LazyLock<IntGauge> =
    LazyLock::new(|| register_int_gauge!("redis_up", "1 when Redis is connected").expect("metric registers once"));

/// Errors we caused (not the user), by kind. Each one is also logged once with context.
pub static INTERNAL_ERRORS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!("internal_errors_total", "Errors caused by the server, by kind", &["kind"])
        .expect("metric registers once")
});

/// User actors that panicked and were restarted from Postgres.
pub static USER_ACTOR_RESTARTS: LazyLock<IntGauge> = LazyLock::new(|| {
    register_int_gauge!("user_actor_restarts_total", "User actors restarted after a panic")
        .expect("metric registers once")
});

/// Updates made durable by each commit of the user actors' group commit.
pub static GROUP_COMMIT_SEATS: LazyLock<Histogram> = LazyLock::new(|| {
    register_histogram!(
        "group_commit_updates",
        "Updates carried by each group commit",
        vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0]
    )
    .expect("metric registers once")
});

/// Count an internal error of the given kind.
pub fn count_error(kind: &str) {
    INTERNAL_ERRORS.with_label_values(&[kind]).inc();
}
