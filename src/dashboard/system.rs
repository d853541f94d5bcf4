//! The System page: Postgres and Redis, the actors and the database pool, the configuration
//! with secrets masked, and the audit chain check.

use super::auth::Admin;
use super::layout::{Html, shell, table};
use super::roles::Permission;
use super::texts::t;
use super::{CsrfOnly, Dashboard, Refusal};
use actix_web::web;
use diana_actors::store::audit;
use maud::html;

async fn postgres(dash: &Dashboard) -> String {
    let checked = async {
        let conn = dash.pool.get().await.map_err(|e| e.to_string())?;
        let started = std::time::Instant::now();
        conn.query_one("SELECT 1", &[]).await.map_err(|e| e.to_string())?;
        Ok::<_, String>(started.elapsed())
    };
    match checked.await {
        Ok(took) => format!("ok ({:.1} ms)", took.as_secs_f64() * 1000.0),
        Err(error) => format!("degraded: {error}"),
    }
}

fn redis(dash: &Dashboard) -> String {
    if dash.redis.is_up() { "ok".into() } else { "degraded (not connected)".into() }
}

async fn render(admin: &Admin, dash: &Dashboard, chain: Option<audit::ChainCheck>) -> Html {
    let lang = admin.lang;
    let pool = dash.pool.status();
    let uptime = dash.started.elapsed().as_secs();
    let live = diana_actors::metrics::LIVE_USER_ACTORS.get();
    let outbox = crate::telemetry::OUTBOX_QUEUED.get();
    let rows = vec![
        vec!["Postgres".to_owned(), postgres(dash).await],
        vec!["Redis".to_owned(), redis(dash)],
        vec![t(lang, "live_actors").to_owned(), live.to_string()],
        vec!["outbox".to_owned(), outbox.to_string()],
        vec![
            "DB pool".to_owned(),
            format!("size {} · available {} · waiting {}", pool.size, pool.available, pool.waiting),
        ],
        vec![t(lang, "uptime").to_owned(), format!("{}h {:02}m {:02}s", uptime / 3600, uptime / 60 % 60, uptime % 60)],
    ];
    let shards = match &dash.directory {
        Some(directory) => directory.shard_stats().await,
        None => Vec::new(),
    };
    let body = html! {
        section.panel #health { h2 { (t(lang, "health")) } (table(&["", ""], rows)) }
        section.panel #shards {
            h2 { (t(lang, "shards")) }
            (table(&["arbiter", t(lang, "live_actors"), t(lang, "backlog")], shards.iter().enumerate().map(|(i, s)| vec![
                i.to_string(), s.live_actors.to_string(), s.backlog.to_string()])))
        }
        section.panel #chain {
            h2 { (t(lang, "audit_chain")) }
            @if let Some(chain) = &chain {
                @match chain.first_broken {
                    None => p.ok #chain-result { "✅ " (t(lang, "chain_ok")) " " (chain.rows) " " (t(lang, "rows")) "." },
                    Some(id) => p.error #chain-result role="alert" { "❌ " (t(lang, "chain_broken")) " #" (id) "." },
                }
                @if let Some(head) = &chain.head { p.muted { (t(lang, "head")) ": " code { (head) } } }
            }
            (super::layout::action_form(admin, Permission::View, "/admin/system/verify-audit", "verify-chain", html! {
                button type="submit" { (t(lang, "verify_chain")) }
            }))
        }
        section.panel #config { h2 { (t(lang, "config")) } pre { (dash.config_view) } }
    };
    shell(admin, "system", "/admin/system", t(lang, "system_title"), body)
}

pub async fn page(admin: Admin, dash: web::Data<Dashboard>) -> Html {
    render(&admin, &dash, None).await
}

/// `POST /admin/system/verify-audit`: walk the whole chain now.
pub async fn verify_audit(
    admin: Admin,
    dash: web::Data<Dashboard>,
    form: web::Form<CsrfOnly>,
) -> Result<Html, Refusal> {
    admin.check(Permission::View, &form.csrf)?;
    let conn = dash.pool.get().await.map_err(|e| Refusal::Internal(e.to_string()))?;
    let chain = audit::verify_chain(&conn).await.map_err(|e| Refusal::Internal(e.to_string()))?;
    if chain.first_broken.is_some() {
        diana_actors::metrics::count_error("audit_chain_broken");
        tracing::error!(first_broken = ?chain.first_broken, "the audit chain does not verify");
    }
    Ok(render(&admin, &dash, Some(chain)).await)
}
