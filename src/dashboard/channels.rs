//! Channels and tokens: the free channel's waiting join requests (approve them now), the VIP
//! channel's subscribers, tariffs, and single-use VIP tokens with their deep links.

use super::auth::Admin;
use super::layout::{Html, action_form, shell, table};
use super::roles::Permission;
use super::texts::t;
use super::{Dashboard, Refusal};
use actix_web::{HttpResponse, web};
use diana_actors::admin::{self, Tariff};
use diana_actors::store::{self, StoreError};
use maud::html;

async fn render(
    admin: &Admin,
    dash: &Dashboard,
    made: Option<String>,
    problem: Option<String>,
) -> Result<Html, Refusal> {
    let lang = admin.lang;
    let failed = |e: StoreError| Refusal::Internal(e.to_string());
    let conn = dash.pool.get().await.map_err(|e| Refusal::Internal(e.to_string()))?;
    let pending = store::channels::pending(&conn).await.map_err(failed)?;
    let tariffs = store::payments::tariffs(&conn).await.map_err(failed)?;
    let members = match dash.vip_channel {
        Some(channel) => store::channels::members_against_subscriptions(&conn, channel).await.map_err(failed)?,
        None => Vec::new(),
    };
    let when = |at: &chrono::DateTime<chrono::Utc>| at.format("%Y-%m-%d %H:%M:%S").to_string();
    let plans = diana_actors::content::shelf().plans.get().all.clone();
    let body = html! {
        @if let Some(problem) = &problem { p.error role="alert" { (problem) } }
        section.panel #join-requests {
            h2 { (t(lang, "join_requests")) " (" (pending.len()) ")" }
            (table(&["user", t(lang, "name"), t(lang, "when"), t(lang, "approve_at")],
                pending.iter().map(|(user, name, asked, due)| vec![user.to_string(), name.clone(), when(asked), when(due)])))
            @if !pending.is_empty() {
                (action_form(admin, Permission::Moderate, "/admin/channels/approve-now", "approve-now", html! {
                    button type="submit" { (t(lang, "approve_now")) }
                }))
            }
        }
        section.panel #vip-members {
            h2 { (t(lang, "vip_subscribers")) }
            p.muted { (t(lang, "vip_subscribers_explain")) }
            @if dash.vip_channel.is_none() { p.muted { (t(lang, "vip_channel_off")) } }
            table.data {
                thead { tr { th { "user" } th { (t(lang, "name")) } th { (t(lang, "in_channel")) } th { (t(lang, "subscribed")) } } }
                tbody {
                    @for (user, name, joined, subscribed) in &members {
                        tr.mismatch[joined.is_some() != *subscribed] {
                            td { a href={ "/admin/users/" (user) } { (user) } }
                            td { (name) }
                            td { @match joined { Some(at) => (when(at)), None => "—" } }
                            td { (if *subscribed { "✓" } else { "✗" }) }
                        }
                    }
                }
            }
        }
        section.panel #tariffs {
            h2 { (t(lang, "tariffs")) }
            (table(&[t(lang, "name"), t(lang, "plan"), t(lang, "days"), t(lang, "amount"), t(lang, "tokens_made"), t(lang, "tokens_used")],
                tariffs.iter().map(|(name, plan, days, cents, currency, made, used)| vec![
                    name.clone(), plan.clone(), days.to_string(), format!("{},{:02} {currency}", cents / 100, cents % 100),
                    made.to_string(), used.to_string()])))
            (action_form(admin, Permission::ManageTokens, "/admin/channels/tariffs", "new-tariff", html! {
                h3 { (t(lang, "tariff_new")) }
                label { (t(lang, "name")) input type="text" name="name" required pattern="[a-z0-9_-]{1,32}" placeholder="promo-90"; }
                label { (t(lang, "plan")) select name="plan" { @for p in &plans { option value=(p.id) { (p.name_es) } } } }
                label { (t(lang, "days")) input type="number" name="days" required min="1" max="3660" value="30"; }
                label { (t(lang, "price_cents")) input type="number" name="price_cents" required min="0" value="0"; }
                button type="submit" { (t(lang, "apply")) }
            }))
            @if !tariffs.is_empty() {
                (action_form(admin, Permission::ManageTokens, "/admin/channels/tokens", "new-token", html! {
                    h3 { (t(lang, "token_new")) }
                    label { (t(lang, "tariffs")) select name="tariff" { @for (name, ..) in &tariffs { option value=(name) { (name) } } } }
                    button type="submit" { (t(lang, "token_make")) }
                }))
            }
            @if let Some(payload) = &made {
                div.notice #made-token role="status" {
                    p { (t(lang, "token_made")) }
                    p { code #token-start { "/start " (payload) } }
                    @if let Some(bot) = dash.bot_username.get() {
                        p { code #token-link { "https://t.me/" (bot) "?start=" (payload) } }
                    }
                }
            }
        }
    };
    Ok(shell(admin, "channels", "/admin/channels", t(lang, "nav_channels"), body))
}

pub async fn page(admin: Admin, dash: web::Data<Dashboard>) -> Result<Html, Refusal> {
    render(&admin, &dash, None, None).await
}

pub async fn approve_now(admin: Admin, dash: web::Data<Dashboard>, form: web::Form<super::CsrfOnly>) -> HttpResponse {
    if let Err(refusal) = admin.check(Permission::Moderate, &form.csrf) {
        return refusal.into();
    }
    let approved = async {
        let conn = dash.pool.get().await?;
        let n = store::channels::approve_all_now(&conn).await?;
        let after = serde_json::json!({ "requests": n });
        super::audit(&dash, &admin.actor(), "channel.approve_now", "channel:free", Some(after)).await
    };
    match approved.await {
        Ok(()) => HttpResponse::SeeOther().insert_header(("Location", "/admin/channels")).finish(),
        Err(error) => super::internal(error),
    }
}

#[derive(serde::Deserialize)]
pub struct TariffForm {
    #[serde(default)]
    csrf: String,
    name: String,
    plan: String,
    days: i32,
    price_cents: i64,
}

pub async fn put_tariff(
    admin: Admin,
    dash: web::Data<Dashboard>,
    form: web::Form<TariffForm>,
) -> Result<Html, Refusal> {
    admin.check(Permission::ManageTokens, &form.csrf)?;
    let plans = diana_actors::content::shelf().plans.get();
    let tariff = Tariff {
        name: form.name.trim(),
        plan: &form.plan,
        days: form.days,
        price_cents: form.price_cents,
        currency: "EUR",
    };
    let problem = match admin::put_tariff(&dash.pool, &plans, &admin.actor(), &tariff).await {
        Ok(()) => None,
        Err(admin::AdminError::Store(error)) => return Err(Refusal::Internal(error.to_string())),
        Err(invalid) => Some(invalid.to_string()),
    };
    let failed = problem.is_some();
    Ok(render(&admin, &dash, None, problem).await?.status(if failed { 400 } else { 200 }))
}

#[derive(serde::Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
    tariff: String,
}

/// A single-use token for a tariff: its `/start` payload is shown once, to hand to the buyer.
pub async fn make_token(admin: Admin, dash: web::Data<Dashboard>, form: web::Form<TokenForm>) -> Result<Html, Refusal> {
    admin.check(Permission::ManageTokens, &form.csrf)?;
    match admin::create_token(&dash.pool, &admin.actor(), &form.tariff, dash.token_valid_days).await {
        Ok(payload) => render(&admin, &dash, Some(payload), None).await,
        Err(admin::AdminError::Store(error)) => Err(Refusal::Internal(error.to_string())),
        Err(invalid) => Ok(render(&admin, &dash, None, Some(invalid.to_string())).await?.status(400)),
    }
}
