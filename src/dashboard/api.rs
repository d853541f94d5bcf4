//! `/api/v1/…`: the dashboard's reads and actions as JSON, with the same authentication (a
//! bearer token an admin makes on their account page, or the session cookie plus the
//! `X-CSRF-Token` header) and the same roles. Described at `/api/v1/openapi.json`.

use super::auth::Admin;
use super::player_actions::{self, ActionError, PlayerAction};
use super::roles::Permission;
use super::{Dashboard, Refusal};
use actix_web::{HttpResponse, web};
use diana_actors::content::{ActivateError, ContentKind};
use diana_actors::store::{audit, content as content_versions, players};
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

/// `GET /api/v1/content/{kind}`: what runs (version and entries) and the saved versions.
pub async fn content(admin: Admin, dash: web::Data<Dashboard>, kind: web::Path<String>) -> HttpResponse {
    if !admin.may(Permission::View) {
        return refused(Refusal::Forbidden(Permission::View));
    }
    let Some(kind) = ContentKind::parse(&kind) else { return no_kind(&kind) };
    let found = async {
        let conn = dash.pool.get().await?;
        let running = content_versions::running_id(&conn, kind).await?;
        let listed = content_versions::list(&conn, kind, 30).await?;
        Ok::<_, diana_actors::store::StoreError>((running, listed))
    };
    match found.await {
        Ok((running, listed)) => {
            let versions: Vec<_> = listed
                .iter()
                .map(|v| json!({ "id": v.id, "uploaded_by": v.uploaded_by, "uploaded_at": v.uploaded_at }))
                .collect();
            let ids = diana_actors::content::shelf().ids(kind);
            HttpResponse::Ok().json(json!({ "kind": kind, "file": kind.file_name(), "running_version": running,
                "entries": ids, "versions": versions }))
        }
        Err(error) => failed(error),
    }
}

fn no_kind(kind: &str) -> HttpResponse {
    HttpResponse::NotFound().json(json!({ "error": format!("no content kind '{kind}'") }))
}

/// `POST /api/v1/content/{kind}` with the TOML as the body: checked; a good one is kept as a
/// version and reviewed (201), a bad one is refused with the error and its line (422).
pub async fn save_content(
    admin: Admin,
    dash: web::Data<Dashboard>,
    kind: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    if let Err(refusal) = admin.check(Permission::EditContent, "") {
        return refused(refusal);
    }
    let Some(kind) = ContentKind::parse(&kind) else { return no_kind(&kind) };
    let Ok(text) = std::str::from_utf8(&body) else {
        return HttpResponse::UnprocessableEntity().json(json!({ "error": "the body is not UTF-8 text" }));
    };
    let text = text.replace("\r\n", "\n");
    let text = text.as_str();
    let parsed = match kind.check(text) {
        Ok(parsed) => parsed,
        Err(error) => return HttpResponse::UnprocessableEntity().json(json!({ "error": error })),
    };
    let rules = super::catalogues::outside_rules(&dash);
    let saved = async {
        let conn = dash.pool.get().await?;
        let review = diana_actors::content::review(&conn, diana_actors::content::shelf(), &parsed, &rules).await?;
        let id = super::catalogues::keep_version(&dash, &admin, &parsed, text).await?;
        Ok::<_, diana_actors::store::StoreError>((id, review))
    };
    match saved.await {
        Ok((id, review)) => HttpResponse::Created().json(json!({ "version": id, "review": review })),
        Err(error) => failed(error),
    }
}

/// `POST /api/v1/content/{kind}/{id|shipped}/activate`.
pub async fn activate_content(
    admin: Admin,
    dash: web::Data<Dashboard>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    if let Err(refusal) = admin.check(Permission::EditContent, "") {
        return refused(refusal);
    }
    let (kind, which) = path.into_inner();
    let Some(kind) = ContentKind::parse(&kind) else { return no_kind(&kind) };
    let version = match super::catalogues::which_version(&which) {
        Ok(version) => version,
        Err(why) => return HttpResponse::NotFound().json(json!({ "error": why })),
    };
    match super::catalogues::go_live(&dash, &admin, kind, version).await {
        Ok(activated) => HttpResponse::Ok().json(json!({ "activated": activated })),
        Err(ActivateError::NoSuchVersion(id)) => {
            HttpResponse::NotFound().json(json!({ "error": format!("no version {id}") }))
        }
        Err(ActivateError::Store(error)) => failed(error),
        Err(refused) => HttpResponse::Conflict().json(json!({ "error": refused.to_string() })),
    }
}

pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(include_str!("../../assets/dashboard/openapi.json"))
}
