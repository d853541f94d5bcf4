//! The admin's own page: their sessions (revoke any), their API tokens (make one, shown once;
//! revoke), and, for superadmins, who holds which dashboard role. Every change is audited.

use super::auth::{Admin, digest, secret};
use super::layout::{Html, action_form, shell, table};
use super::roles::{Permission, Role};
use super::texts::t;
use super::{Dashboard, Refusal, audit};
use actix_web::{HttpResponse, web};
use diana_actors::store::{self, StoreError, admin as admin_store};
use maud::html;

async fn render(admin: &Admin, dash: &Dashboard, new_token: Option<String>) -> Result<Html, Refusal> {
    let lang = admin.lang;
    let failed = |e: StoreError| Refusal::Internal(e.to_string());
    let conn = dash.pool.get().await.map_err(|e| Refusal::Internal(e.to_string()))?;
    let sessions = admin_store::sessions_of(&conn, admin.user_id).await.map_err(failed)?;
    let tokens = admin_store::api_tokens_of(&conn, admin.user_id).await.map_err(failed)?;
    let roles = match admin.may(Permission::ManageRoles) {
        true => admin_store::roles(&conn).await.map_err(failed)?,
        false => Vec::new(),
    };
    let when = |at: &chrono::DateTime<chrono::Utc>| at.format("%Y-%m-%d %H:%M").to_string();
    let body = html! {
        p { "admin:" (admin.user_id) " · " (t(lang, "role")) ": " strong { (admin.role.as_str()) } }
        section.panel #sessions {
            h2 { (t(lang, "sessions")) }
            table.data {
                thead { tr { th { "id" } th { (t(lang, "started")) } th { (t(lang, "last_seen")) } th { (t(lang, "expires")) } th {} } }
                tbody { @for (id, created, seen, expires) in &sessions { tr {
                    td { code { (id) } } td { (when(created)) } td { (when(seen)) } td { (when(expires)) }
                    td { (action_form(admin, Permission::View, &format!("/admin/account/sessions/{id}/revoke"), &format!("revoke-session-{id}"), html! {
                        button.link type="submit" { (t(lang, "revoke")) }
                    })) }
                } } }
            }
        }
        section.panel #api-tokens {
            h2 { (t(lang, "api_tokens")) }
            p.muted { (t(lang, "api_tokens_explain")) }
            @if let Some(token) = &new_token {
                p.notice role="status" { (t(lang, "api_token_once")) br; code #new-token { (token) } }
            }
            (table(&["id", t(lang, "name"), t(lang, "started"), t(lang, "last_seen")], tokens.iter().map(|(id, name, created, used)| vec![
                id.to_string(), name.clone(), when(created), used.as_ref().map(when).unwrap_or_else(|| "—".into())])))
            @for (id, name, ..) in &tokens {
                (action_form(admin, Permission::View, &format!("/admin/account/tokens/{id}/revoke"), &format!("revoke-token-{id}"), html! {
                    button.link type="submit" { (t(lang, "revoke")) " " (name) }
                }))
            }
            (action_form(admin, Permission::View, "/admin/account/tokens", "new-token", html! {
                label { (t(lang, "name")) input type="text" name="name" required maxlength="60" placeholder="grafana"; }
                button type="submit" { (t(lang, "api_token_new")) }
            }))
        }
        @if admin.may(Permission::ManageRoles) {
            section.panel #roles {
                h2 { (t(lang, "roles")) }
                p.muted { (t(lang, "roles_explain")) }
                (table(&["user", t(lang, "name"), t(lang, "role"), t(lang, "who"), t(lang, "when")], roles.iter().map(|(user, role, by, at, name)| vec![
                    user.to_string(), name.clone(), role.clone(), by.clone(), when(at)])))
                (action_form(admin, Permission::ManageRoles, "/admin/account/roles", "set-role", html! {
                    label { "user id" input type="number" name="user_id" required; }
                    label { (t(lang, "role")) select name="role" {
                        @for role in Role::ALL { option value=(role.as_str()) { (role.as_str()) } }
                        option value="none" { (t(lang, "role_none")) }
                    } }
                    button type="submit" { (t(lang, "apply")) }
                }))
            }
        }
    };
    Ok(shell(admin, "account", "/admin/account", t(lang, "nav_account"), body))
}

pub async fn page(admin: Admin, dash: web::Data<Dashboard>) -> Result<Html, Refusal> {
    render(&admin, &dash, None).await
}

fn back() -> HttpResponse {
    HttpResponse::SeeOther().insert_header(("Location", "/admin/account")).finish()
}

pub async fn revoke_session(
    admin: Admin,
    dash: web::Data<Dashboard>,
    id: web::Path<String>,
    form: web::Form<super::CsrfOnly>,
) -> HttpResponse {
    if let Err(refusal) = admin.check(Permission::View, &form.csrf) {
        return refusal.into();
    }
    let revoked = async {
        let conn = dash.pool.get().await?;
        if admin_store::revoke_session_by_id(&conn, admin.user_id, &id).await? {
            audit(
                &dash,
                &admin.actor(),
                "admin.session.revoke",
                &admin.actor(),
                Some(serde_json::json!({ "session": *id })),
            )
            .await?;
        }
        Ok::<_, StoreError>(())
    };
    match revoked.await {
        Ok(()) => back(),
        Err(error) => super::internal(error),
    }
}

#[derive(serde::Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
}

/// A new API token: shown this once, stored as a digest.
pub async fn create_token(
    admin: Admin,
    dash: web::Data<Dashboard>,
    form: web::Form<TokenForm>,
) -> Result<Html, Refusal> {
    admin.check(Permission::View, &form.csrf)?;
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        let body = html! { p.error role="alert" { (t(admin.lang, "api_token_name")) } };
        return Ok(shell(&admin, "account", "/admin/account", t(admin.lang, "nav_account"), body).status(400));
    }
    let token = format!("dia_{}", secret());
    let made = async {
        let conn = dash.pool.get().await?;
        let id = admin_store::create_api_token(&conn, &digest(&token), admin.user_id, name).await?;
        audit(
            &dash,
            &admin.actor(),
            "admin.token.create",
            &admin.actor(),
            Some(serde_json::json!({ "token": id, "name": name })),
        )
        .await
    };
    made.await.map_err(|e| Refusal::Internal(e.to_string()))?;
    render(&admin, &dash, Some(token)).await
}

pub async fn revoke_token(
    admin: Admin,
    dash: web::Data<Dashboard>,
    id: web::Path<i64>,
    form: web::Form<super::CsrfOnly>,
) -> HttpResponse {
    if let Err(refusal) = admin.check(Permission::View, &form.csrf) {
        return refusal.into();
    }
    let revoked = async {
        let conn = dash.pool.get().await?;
        if admin_store::revoke_api_token(&conn, admin.user_id, *id).await? {
            audit(
                &dash,
                &admin.actor(),
                "admin.token.revoke",
                &admin.actor(),
                Some(serde_json::json!({ "token": *id })),
            )
            .await?;
        }
        Ok::<_, StoreError>(())
    };
    match revoked.await {
        Ok(()) => back(),
        Err(error) => super::internal(error),
    }
}

#[derive(serde::Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    csrf: String,
    user_id: i64,
    role: String,
}

/// Grant a role, or take it away (`none`); the holder's sessions and tokens end with it.
pub async fn set_role(admin: Admin, dash: web::Data<Dashboard>, form: web::Form<RoleForm>) -> HttpResponse {
    if let Err(refusal) = admin.check(Permission::ManageRoles, &form.csrf) {
        return refusal.into();
    }
    let role = match form.role.as_str() {
        "none" => None,
        other => match Role::parse(other) {
            Some(role) => Some(role),
            None => return HttpResponse::BadRequest().body("unknown role"),
        },
    };
    if dash.superadmins.contains(&form.user_id) {
        let body = html! { p.error role="alert" { (t(admin.lang, "role_configured")) } };
        return shell(&admin, "account", "/admin/account", t(admin.lang, "nav_account"), body)
            .status(400)
            .into_response();
    }
    let changed = async {
        let mut conn = dash.pool.get().await?;
        let tx = diana_actors::store::begin(&mut conn).await?;
        let before = admin_store::set_role(&tx, form.user_id, role.map(Role::as_str), &admin.actor()).await?;
        let target = format!("user:{}", form.user_id);
        let (before, after) =
            (serde_json::json!({ "role": before }), serde_json::json!({ "role": role.map(Role::as_str) }));
        store::audit::append(&tx, &admin.actor(), "admin.role", &target, Some(&before), Some(&after)).await?;
        tx.commit().await?;
        Ok::<_, StoreError>(())
    };
    match changed.await {
        Ok(()) => back(),
        Err(error) => super::internal(error),
    }
}
