//! Broadcast: a message to a segment (everyone, VIP, inactive for N days), queued through the
//! outbox within Telegram's limits, with a live progress bar, cancellable.

use super::auth::Admin;
use super::layout::{Html, action_form, csrf, shell};
use super::roles::Permission;
use super::texts::t;
use super::{Dashboard, Refusal};
use actix_web::{HttpResponse, web};
use diana_actors::store::{self, StoreError, broadcasts};
use maud::html;

async fn render(admin: &Admin, dash: &Dashboard, problem: Option<String>) -> Result<Html, Refusal> {
    let lang = admin.lang;
    let conn = dash.pool.get().await.map_err(|e| Refusal::Internal(e.to_string()))?;
    let list = broadcasts::list(&conn, 20).await.map_err(|e| Refusal::Internal(e.to_string()))?;
    let running = list.iter().any(|b| b.status == "running");
    let outbox = crate::telemetry::OUTBOX_QUEUED.get();
    let body = html! {
        @if let Some(problem) = &problem { p.error role="alert" { (problem) } }
        @if admin.may(Permission::Broadcast) {
            section.panel #new-broadcast {
                h2 { (t(lang, "broadcast_new")) }
                form.action method="post" action="/admin/broadcast" data-confirm=(t(lang, "confirm")) {
                    (csrf(admin))
                    label { (t(lang, "segment")) select name="segment" {
                        option value="all" { (t(lang, "segment_all")) }
                        option value="vip" { (t(lang, "segment_vip")) }
                        option value="inactive" { (t(lang, "segment_inactive")) }
                        @for archetype in diana_actors::domain::archetype::ARCHETYPES {
                            option value={ "archetype:" (archetype) } { (t(lang, "segment_archetype")) ": " (archetype) }
                        }
                    } }
                    label { (t(lang, "inactive_days")) input type="number" name="inactive_days" min="1" max="365" value="7"; }
                    label { (t(lang, "message")) textarea name="text" required maxlength="3500" rows="4" {} }
                    button type="submit" { (t(lang, "send")) }
                }
            }
        }
        section.panel #broadcasts data-refresh=[running.then_some("2")] {
            h2 { (t(lang, "broadcasts")) }
            p.muted { "outbox: " (outbox) }
            @for b in &list {
                div.broadcast id={ "broadcast-" (b.id) } {
                    p { strong { "#" (b.id) } " · " (b.segment) @if let Some(d) = b.inactive_days { " (" (d) " d)" } " · "
                        (b.created_by) " · " (b.created_at.format("%Y-%m-%d %H:%M")) " · " span.status { (b.status) } }
                    progress value=(b.queued) max=(b.total.max(1)) {}
                    span.count { (b.queued) " / " (b.total) }
                    p.muted { (b.text.chars().take(140).collect::<String>()) }
                    @if b.status == "running" {
                        (action_form(admin, Permission::Broadcast, &format!("/admin/broadcast/{}/cancel", b.id), &format!("cancel-{}", b.id), html! {
                            button.danger type="submit" { (t(lang, "cancel")) }
                        }))
                    }
                }
            }
        }
    };
    Ok(shell(admin, "broadcast", "/admin/broadcast", t(lang, "nav_broadcast"), body))
}

pub async fn page(admin: Admin, dash: web::Data<Dashboard>) -> Result<Html, Refusal> {
    render(&admin, &dash, None).await
}

#[derive(serde::Deserialize)]
pub struct BroadcastForm {
    #[serde(default)]
    csrf: String,
    segment: String,
    inactive_days: Option<String>,
    #[serde(default)]
    text: String,
}

pub async fn start(
    admin: Admin,
    dash: web::Data<Dashboard>,
    form: web::Form<BroadcastForm>,
) -> Result<HttpResponse, Refusal> {
    admin.check(Permission::Broadcast, &form.csrf)?;
    let text = form.text.trim();
    let days: Option<i32> = form.inactive_days.as_deref().and_then(|d| d.trim().parse().ok());
    let invalid = if text.is_empty() || text.chars().count() > 3500 {
        Some(t(admin.lang, "broadcast_text"))
    } else if !["all", "vip", "inactive"].contains(&form.segment.as_str())
        && !diana_actors::domain::archetype::ARCHETYPES.iter().any(|a| form.segment == format!("archetype:{a}"))
    {
        Some(t(admin.lang, "segment"))
    } else if form.segment == "inactive" && !days.is_some_and(|d| (1..=365).contains(&d)) {
        Some(t(admin.lang, "inactive_days"))
    } else {
        None
    };
    if let Some(problem) = invalid {
        return Ok(render(&admin, &dash, Some(problem.to_owned())).await?.status(400).into_response());
    }
    let days = (form.segment == "inactive").then_some(days).flatten();
    let id = async {
        let mut conn = dash.pool.get().await?;
        let total = broadcasts::segment_size(&conn, &form.segment, days).await?;
        let tx = diana_actors::store::begin(&mut conn).await?;
        let id = broadcasts::create(&tx, &form.segment, days, text, &admin.actor(), total as i32).await?;
        let after = serde_json::json!({ "segment": form.segment, "inactive_days": days, "total": total, "text": text });
        store::audit::append(&tx, &admin.actor(), "broadcast.start", &format!("broadcast:{id}"), None, Some(&after))
            .await?;
        tx.commit().await?;
        Ok::<_, StoreError>(id)
    }
    .await
    .map_err(|e| Refusal::Internal(e.to_string()))?;
    match &dash.broadcaster {
        Some(broadcaster) => broadcaster.run(id),
        None => return Err(Refusal::Internal("the broadcaster is not running".into())),
    }
    Ok(HttpResponse::SeeOther().insert_header(("Location", "/admin/broadcast")).finish())
}

pub async fn cancel(
    admin: Admin,
    dash: web::Data<Dashboard>,
    id: web::Path<i64>,
    form: web::Form<super::CsrfOnly>,
) -> Result<HttpResponse, Refusal> {
    admin.check(Permission::Broadcast, &form.csrf)?;
    let cancelled = async {
        if crate::broadcast::cancel(&dash.pool, *id).await? {
            super::audit(&dash, &admin.actor(), "broadcast.cancel", &format!("broadcast:{}", *id), None).await?;
        }
        Ok::<_, StoreError>(())
    };
    cancelled.await.map_err(|e| Refusal::Internal(e.to_string()))?;
    Ok(HttpResponse::SeeOther().insert_header(("Location", "/admin/broadcast")).finish())
}
