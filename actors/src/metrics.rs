//! Metrics owned by the game core, registered in Prometheus' default registry so the HTTP edge
//! can render them without knowing who defined them.

use prometheus::{IntCounterVec, IntGauge, register_int_counter_vec, register_int_gauge};
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

/// Count an internal error of the given kind.
pub fn count_error(kind: &str) {
    INTERNAL_ERRORS.with_label_values(&[kind]).inc();
}
