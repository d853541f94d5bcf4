//! `/api/v1/…`: the dashboard's reads and actions as JSON, with the same authentication (a
//! bearer token an admin makes on their account page, or the session cookie plus the
//! `X-CSRF-Token` header) and the same roles. Described at `/api/v1/openapi.json`.

use super::auth::Admin;
use super::player_actions::{self, ActionError, PlayerAction};
use super::roles::Permission;
use super::{Dashboard, Refusal};
use actix_web::{HttpResponse, web};
use diana_actors::store::{audit, players};
use serde_json::json;

fn failed(error: impl std::fmt::Display) -> HttpResponse {
    diana_actors::metrics::count_error("dashboard_api");
    tracing::error!(%error, "API request failed");
    HttpResponse::InternalServerError().json(json!({ "error": "internal error; it was logged" }))
}

fn refused(refusal: Refusal) -> HttpResponse {
    use actix_web::ResponseError;
    HttpResponse::build(refusal.status_code()).json(json!({ "error": refusal.to_string() }))
}

pub async fn overview(admin: Admin, dash: web::Data<Dashboard>) -> HttpResponse {
    if !admin.may(Permission::View) {
        return refused(Refusal::Forbidden(Permission::View));
    }
    match super::overview::json(&dash).await {
        Some(value) => HttpResponse::Ok().json(value),
        None => failed("the overview could not be computed"),
    }
}

#[derive(serde::Deserialize)]
pub struct UsersQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    filter: String,
    #[serde(default)]
    offset: i64,
    limit: Option<i64>,
}

pub async fn users(admin: Admin, dash: web::Data<Dashboard>, query: web::Query<UsersQuery>) -> HttpResponse {
    if !admin.may(Permission::View) {
        return refused(Refusal::Forbidden(Permission::View));
    }
    let limit = query.limit.unwrap_or(50).clamp(1, 200);
    let filter = players::Filter::parse(&query.filter);
    let found = async {
        let conn = dash.pool.get().await?;
        players::search(&conn, &query.q, filter, &dash.superadmins, limit, query.offset.max(0)).await
    };
    match found.await {
        Ok(rows) => HttpResponse::Ok().json(json!({ "users": rows })),
        Err(error) => failed(error),
    }
}

pub async fn user(admin: Admin, dash: web::Data<Dashboard>, id: web::Path<i64>) -> HttpResponse {
    if !admin.may(Permission::View) {
        return refused(Refusal::Forbidden(Permission::View));
    }
    let user_id = id.into_inner();
    let found = async {
        let conn = dash.pool.get().await?;
        let Some(profile) = players::profile(&conn, user_id).await? else { return Ok(None) };
        let ledger = players::ledger(&conn, user_id, 50, 0).await?;
        let achievements = players::achievements(&conn, user_id).await?;
        let story = players::story(&conn, user_id).await?;
        let payments = players::payments(&conn, user_id).await?;
        Ok::<_, diana_actors::store::StoreError>(Some(json!({
            "profile": profile, "ledger": ledger, "achievements": achievements, "story": story, "payments": payments,
        })))
    };
    match found.await {
        Ok(Some(value)) => HttpResponse::Ok().json(value),
        Ok(None) => HttpResponse::NotFound().json(json!({ "error": format!("no player {user_id}") })),
        Err(error) => failed(error),
    }
}

#[derive(serde::Deserialize, Default)]
pub struct ActionBody {
    #[serde(default)]
    amount: Option<i64>,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    plan: String,
    #[serde(default)]
    days: Option<u32>,
    #[serde(default)]
    text: String,
}

pub async fn act(
    admin: Admin,
    dash: web::Data<Dashboard>,
    path: web::Path<(i64, String)>,
    body: web::Json<ActionBody>,
) -> HttpResponse {
    let (user_id, action) = path.into_inner();
    let Some(permission) = player_actions::permission(&action) else {
        return HttpResponse::NotFound().json(json!({ "error": format!("no action '{action}'") }));
    };
    // Cookie sessions must send X-CSRF-Token; bearer tokens need none.
    if let Err(refusal) = admin.check(permission, "") {
        return refused(refusal);
    }
    let (amount, days) = (body.amount.map(|a| a.to_string()).unwrap_or_default(), body.days.map(|d| d.to_string()));
    let request = PlayerAction {
        action: &action,
        amount: &amount,
        reason: &body.reason,
        plan: &body.plan,
        days: days.as_deref().unwrap_or_default(),
        text: &body.text,
    };
    match player_actions::apply(&dash, &admin, user_id, request).await {
        Ok(done) => HttpResponse::Ok().json(json!({ "done": done })),
        Err(ActionError::Invalid(why)) => HttpResponse::BadRequest().json(json!({ "error": why })),
        Err(ActionError::Failed(error)) => failed(error),
    }
}

#[derive(serde::Deserialize)]
pub struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    target: Option<String>,
    before: Option<i64>,
    limit: Option<i64>,
}

pub async fn audit_log(admin: Admin, dash: web::Data<Dashboard>, query: web::Query<AuditQuery>) -> HttpResponse {
    if !admin.may(Permission::View) {
        return refused(Refusal::Forbidden(Permission::View));
    }
    let limit = query.limit.unwrap_or(50).clamp(1, 500);
    let found = async {
        let conn = dash.pool.get().await?;
        let q = &query;
        audit::list(&conn, q.actor.as_deref(), q.action.as_deref(), q.target.as_deref(), q.before, limit).await
    };
    match found.await {
        Ok(entries) => HttpResponse::Ok().json(json!({ "entries": entries })),
        Err(error) => failed(error),
    }
}

pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(include_str!("../../assets/dashboard/openapi.json"))
}
