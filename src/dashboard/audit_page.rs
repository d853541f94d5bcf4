//! The audit log: newest first, filtered by admin, action and target, paged by id.

use super::auth::Admin;
use super::layout::{Html, shell};
use super::texts::t;
use super::{Dashboard, Refusal};
use actix_web::web;
use diana_actors::store::audit;
use maud::html;

const PAGE: i64 = 50;

#[derive(serde::Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    target: String,
    before: Option<i64>,
}

fn json(value: &Option<serde_json::Value>) -> String {
    value.as_ref().map(|v| v.to_string()).unwrap_or_default()
}

pub async fn page(admin: Admin, dash: web::Data<Dashboard>, query: web::Query<AuditQuery>) -> Result<Html, Refusal> {
    let lang = admin.lang;
    let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let (actor, action, target) = (some(&query.actor), some(&query.action), some(&query.target));
    let conn = dash.pool.get().await.map_err(|e| Refusal::Internal(e.to_string()))?;
    let entries = audit::list(&conn, actor.as_deref(), action.as_deref(), target.as_deref(), query.before, PAGE)
        .await
        .map_err(|e| Refusal::Internal(e.to_string()))?;
    let older = (entries.len() as i64 == PAGE).then(|| entries.last().map(|e| e.id)).flatten().map(|last| {
        let mut url = url::Url::parse("http://x/admin/audit").expect("a fixed URL parses");
        url.query_pairs_mut()
            .append_pair("actor", &query.actor)
            .append_pair("action", &query.action)
            .append_pair("target", &query.target)
            .append_pair("before", &last.to_string());
        format!("/admin/audit?{}", url.query().unwrap_or_default())
    });
    let body = html! {
        form.search method="get" action="/admin/audit" {
            input type="text" name="actor" value=(query.actor) placeholder={ (t(lang, "who")) " (admin:42)" };
            input type="text" name="action" value=(query.action) placeholder={ (t(lang, "what")) " (besitos.)" };
            input type="text" name="target" value=(query.target) placeholder={ (t(lang, "target")) " (user:42)" };
            button type="submit" { (t(lang, "filter")) }
        }
        table.data #audit {
            thead { tr {
                th { "#" } th { (t(lang, "when")) } th { (t(lang, "who")) } th { (t(lang, "what")) }
                th { (t(lang, "target")) } th { (t(lang, "before")) } th { (t(lang, "after")) }
            } }
            tbody {
                @for e in &entries {
                    tr {
                        td { (e.id) }
                        td { (e.at.format("%Y-%m-%d %H:%M:%S")) }
                        td { (e.actor) }
                        td { code { (e.action) } }
                        td { @if let Some(target) = &e.target {
                            @if let Some(id) = target.strip_prefix("user:") { a href={ "/admin/users/" (id) } { (target) } }
                            @else { (target) }
                        } }
                        td.json { (json(&e.before)) }
                        td.json { (json(&e.after)) }
                    }
                }
            }
        }
        @if let Some(older) = older { nav.pager { a href=(older) { (t(lang, "older")) } } }
    };
    Ok(shell(&admin, "audit", "/admin/audit", t(lang, "nav_audit"), body))
}
