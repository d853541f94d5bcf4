//! `/health`, `/ready` and `/metrics`.

use super::AppState;
use crate::telemetry::{DB_POOL_IN_USE, DB_POOL_WAITING, render_metrics};
use actix_web::{HttpResponse, web};
use diana_actors::store;
use serde_json::json;
use std::time::Duration;

/// The process is alive.
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Ready to serve: Postgres answers and has every migration. Other dependencies are reported
/// as `ok` or `degraded` and never make the server unready: it works without them.
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let postgres = tokio::time::timeout(Duration::from_secs(2), async {
        let conn = state.pool.get().await.ok()?;
        store::schema::is_up_to_date(&conn).await.ok()
    })
    .await
    .ok()
    .flatten();
    let (postgres_status, migrations) = match postgres {
        Some(true) => ("ok", "ok"),
        Some(false) => ("ok", "pending"),
        None => ("down", "unknown"),
    };
    let ready = postgres == Some(true);
    let body = json!({
        "status": if ready { "ready" } else { "unavailable" },
        "postgres": postgres_status,
        "migrations": migrations,
        "redis": if state.redis.is_up() { "ok" } else { "degraded" },
        "telegram": state.telegram.as_ref().map_or("disabled", |t| t.status()),
    });
    if ready { HttpResponse::Ok().json(body) } else { HttpResponse::ServiceUnavailable().json(body) }
}

pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let (in_use, waiting) = store::pool_usage(&state.pool);
    DB_POOL_IN_USE.set(in_use as i64);
    DB_POOL_WAITING.set(waiting as i64);
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(render_metrics())
}
