//! Players: search with filters and pages, a player's page (profile, ledger, achievements,
//! story, relationships, subscription and payments), and the actions on a player, each
//! confirmed, checked against the role and CSRF token, and audited.

use super::auth::Admin;
use super::layout::{Html, action_form, shell, table};
use super::player_actions::{self, ActionError, PlayerAction};
use super::roles::Permission;
use super::texts::{Lang, t};
use super::{Dashboard, Refusal};
use actix_web::{HttpResponse, web};
use diana_actors::store::players::{self, Filter, Row};
use maud::{Markup, PreEscaped, html};

const PAGE: i64 = 50;
const LEDGER_PAGE: i64 = 20;

#[derive(serde::Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    filter: String,
    #[serde(default)]
    page: i64,
}

fn when(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

fn badges(lang: Lang, row: &Row) -> Markup {
    html! {
        @if let Some(plan) = &row.vip_plan { span.badge.vip { "VIP " (plan) } }
        @if row.banned { span.badge.banned { (t(lang, "banned")) } }
        @if row.blocked { span.badge { (t(lang, "blocked")) } }
        @if row.test { span.badge.test { (t(lang, "test_player")) } }
    }
}

pub async fn search(admin: Admin, dash: web::Data<Dashboard>, query: web::Query<SearchQuery>) -> Result<Html, Refusal> {
    let lang = admin.lang;
    let filter = Filter::parse(&query.filter);
    let page_no = query.page.clamp(0, 10_000);
    let conn = dash.pool.get().await.map_err(|e| Refusal::Internal(e.to_string()))?;
    let rows = players::search(&conn, &query.q, filter, &dash.superadmins, PAGE + 1, page_no * PAGE)
        .await
        .map_err(|e| Refusal::Internal(e.to_string()))?;
    let more = rows.len() as i64 > PAGE;
    let link = |page: i64| {
        let mut url = url::Url::parse("http://x/admin/users").expect("a fixed URL parses");
        url.query_pairs_mut()
            .append_pair("q", &query.q)
            .append_pair("filter", filter.name())
            .append_pair("page", &page.to_string());
        format!("/admin/users?{}", url.query().unwrap_or_default())
    };
    let body = html! {
        form.search method="get" action="/admin/users" {
            input type="search" name="q" value=(query.q) placeholder=(t(lang, "search_hint")) autofocus;
            select name="filter" {
                @for (f, name) in Filter::ALL {
                    option value=(name) selected[f == filter] { (t(lang, match f {
                        Filter::All => "filter_all", Filter::Vip => "filter_vip", Filter::Blocked => "filter_blocked",
                        Filter::Banned => "filter_banned", Filter::Admin => "filter_admin", Filter::Test => "filter_test",
                    })) }
                }
            }
            button type="submit" id="search" { (t(lang, "search")) }
        }
        @if rows.is_empty() {
            p.muted { (t(lang, "no_results")) }
        } @else {
            table.data #players {
                thead { tr {
                    th { "id" } th { (t(lang, "name")) } th { (t(lang, "username")) } th { (t(lang, "balance")) }
                    th { (t(lang, "streak")) } th { (t(lang, "last_seen")) } th { (t(lang, "status")) }
                } }
                tbody {
                    @for row in rows.iter().take(PAGE as usize) {
                        tr {
                            td { a href={ "/admin/users/" (row.id) } { (row.id) } }
                            td { a href={ "/admin/users/" (row.id) } { (row.first_name) } }
                            td { @if let Some(u) = &row.username { "@" (u) } }
                            td.num { (row.balance) }
                            td.num { (row.streak) }
                            td { (when(&row.last_seen_at)) }
                            td { (badges(lang, row)) }
                        }
                    }
                }
            }
        }
        nav.pager {
            @if page_no > 0 { a href=(link(page_no - 1)) { (t(lang, "prev_page")) } }
            @if more { a href=(link(page_no + 1)) { (t(lang, "next_page")) } }
        }
    };
    Ok(shell(&admin, "users", "/admin/users", t(lang, "nav_users"), body))
}

#[derive(serde::Deserialize, Default)]
pub struct PlayerQuery {
    #[serde(default)]
    ledger: i64,
    /// What the last action did, shown once after its redirect.
    #[serde(default)]
    done: String,
}

pub async fn page(
    admin: Admin,
    dash: web::Data<Dashboard>,
    id: web::Path<i64>,
    query: web::Query<PlayerQuery>,
) -> Result<Html, Refusal> {
    let lang = admin.lang;
    let user_id = id.into_inner();
    let failed = |e: diana_actors::store::StoreError| Refusal::Internal(e.to_string());
    let conn = dash.pool.get().await.map_err(|e| Refusal::Internal(e.to_string()))?;
    let path = format!("/admin/users/{user_id}");
    let Some(profile) = players::profile(&conn, user_id).await.map_err(failed)? else {
        let body = html! { p.error { (t(lang, "not_found")) } };
        return Ok(shell(&admin, "users", &path, &user_id.to_string(), body).status(404));
    };
    let ledger_page = query.ledger.clamp(0, 100_000);
    let ledger = players::ledger(&conn, user_id, LEDGER_PAGE + 1, ledger_page * LEDGER_PAGE).await.map_err(failed)?;
    let achievements = players::achievements(&conn, user_id).await.map_err(failed)?;
    let story = players::story(&conn, user_id).await.map_err(failed)?;
    let payments = players::payments(&conn, user_id).await.map_err(failed)?;
    let row = &profile.row;
    let role = super::roles::resolve(user_id, &dash.superadmins, profile.role.as_deref());
    let title = format!("{} · {}", row.first_name, row.id);
    let body = html! {
        @if !query.done.is_empty() { p.notice role="status" #done { (t(lang, "done")) " " (query.done) } }
        section.grid {
            div.panel #profile {
                h2 { (t(lang, "profile")) }
                dl {
                    dt { "id" } dd { (row.id) }
                    dt { (t(lang, "name")) } dd { (row.first_name) @if let Some(l) = &profile.last_name { " " (l) } }
                    dt { (t(lang, "username")) } dd { @if let Some(u) = &row.username { "@" (u) } @else { "—" } }
                    dt { (t(lang, "balance")) } dd #balance { (row.balance) " (" (profile.total_points) " total)" }
                    dt { (t(lang, "streak")) } dd { (row.streak) " / " (profile.longest_streak) }
                    dt { "×" } dd { (profile.vip_multiplier) }
                    dt { (t(lang, "joined")) } dd { (when(&row.created_at)) }
                    dt { (t(lang, "last_seen")) } dd { (when(&row.last_seen_at)) }
                    dt { (t(lang, "role")) } dd { (role.map_or("—", |r| r.as_str())) }
                    dt { (t(lang, "status")) } dd { (badges(lang, row)) }
                }
            }
            div.panel #actions { h2 { (t(lang, "actions")) } (actions(&admin, &profile)) }
        }
        (how_they_play(lang, &profile.play))
        section.panel #ledger {
            h2 { (t(lang, "ledger")) }
            (table(&[t(lang, "when"), t(lang, "what"), t(lang, "amount"), t(lang, "balance"), t(lang, "reason")],
                ledger.iter().take(LEDGER_PAGE as usize).map(|(_, action, change, after, context, at)| vec![
                    when(at), action.clone(), format!("{change:+}"), after.to_string(),
                    context.get("reason").and_then(|r| r.as_str()).unwrap_or_default().to_owned(),
                ])))
            nav.pager {
                @if ledger_page > 0 { a href={ (path) "?ledger=" (ledger_page - 1) } { (t(lang, "prev_page")) } }
                @if ledger.len() as i64 > LEDGER_PAGE { a href={ (path) "?ledger=" (ledger_page + 1) } { (t(lang, "next_page")) } }
            }
        }
        section.grid {
            div.panel #achievements {
                h2 { (t(lang, "achievements")) }
                (table(&[t(lang, "achievements"), "tier", t(lang, "balance"), t(lang, "when")],
                    achievements.iter().map(|(id, tier, reward, at)| vec![id.clone(), tier.to_string(), reward.to_string(), when(at)])))
            }
            div.panel #relationships {
                h2 { (t(lang, "relationships")) }
                (table(&["", "score", "♥", "🤝", "⚔"],
                    story.relationships.iter().map(|(c, s, f, r, v)| vec![c.clone(), s.to_string(), r.to_string(), f.to_string(), v.to_string()])))
            }
        }
        section.panel #story {
            h2 { (t(lang, "story")) }
            @if let Some((chapter, knot, turn, playthrough, at)) = &story.position {
                p { (t(lang, "chapter")) " " (chapter.map_or("—".into(), |c| c.to_string())) " · "
                    (knot.as_deref().unwrap_or("—")) " · turn " (turn) " · #" (playthrough) " · " (when(at)) }
            }
            (table(&[t(lang, "chapter"), t(lang, "started"), t(lang, "finished")],
                story.chapters.iter().map(|(c, s, f)| vec![c.to_string(), when(s), f.as_ref().map(when).unwrap_or_default()])))
            h3 { (t(lang, "decisions")) }
            (table(&[t(lang, "when"), t(lang, "chapter"), "knot", t(lang, "what")],
                story.decisions.iter().map(|(c, k, choice, at)| vec![
                    when(at), c.map(|c| c.to_string()).unwrap_or_default(), k.clone().unwrap_or_default(), choice.clone()])))
        }
        section.panel #payments {
            h2 { (t(lang, "subscriptions")) }
            @if let Some((plan, provider, status, started, expires)) = &profile.subscription {
                p { (plan) " · " (provider) " · " (status) " · " (when(started)) " → " (when(expires)) }
            }
            table.data {
                thead { tr { th { "id" } th { "provider" } th { (t(lang, "plan")) } th { (t(lang, "amount")) }
                    th { (t(lang, "status")) } th { (t(lang, "when")) } th {} } }
                tbody {
                    @for (id, provider, _, plan, amount, currency, status, at) in &payments {
                        tr {
                            td { (id) } td { (provider) } td { (plan) } td.num { (amount) " " (currency) }
                            td { (status) } td { (when(at)) }
                            td {
                                @if crate::refunds::refundable(provider) && (status == "paid" || status == "disputed") {
                                    (action_form(&admin, Permission::Refund, &format!("/admin/payments/{id}/refund"), &format!("refund-{id}"), html! {
                                        button.danger type="submit" { (t(lang, "refund")) }
                                    }))
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(shell(&admin, "users", &path, &title, body))
}

/// What the game learned of how this player plays: their type (quiz and play), the hours they
/// come (a histogram in their time zone), reminders, and the mood read last.
fn how_they_play(lang: Lang, play: &players::PlayProfile) -> Markup {
    use diana_actors::domain::archetype::ARCHETYPES;
    let hours: Vec<String> = (0..24).map(|h| format!("{h}")).collect();
    let sessions = super::charts::Series { name: t(lang, "play_sessions"), values: play.habits.hours.to_vec() };
    let always = diana_actors::domain::habits::QuietHours { from: 0, to: 0 };
    let quiz = play.personality.map_or_else(
        || "—".to_owned(),
        |shares| {
            let parts: Vec<String> =
                ARCHETYPES.iter().zip(shares).map(|(name, share)| format!("{name} {:.0}%", share * 100.0)).collect();
            parts.join(" · ")
        },
    );
    let signals: Vec<String> =
        ARCHETYPES.iter().zip(play.habits.signals).map(|(name, n)| format!("{name} {n}")).collect();
    let signals = signals.join(" · ");
    html! {
        section.panel #play {
            h2 { (t(lang, "how_they_play")) }
            dl {
                dt { (t(lang, "archetype")) } dd #archetype { (play.archetype.as_deref().unwrap_or("—")) }
                dt { (t(lang, "quiz")) }
                dd { (quiz) }
                dt { (t(lang, "play_signals")) }
                dd { (signals) }
                dt { (t(lang, "best_hour")) }
                dd #best-hour {
                    @match play.habits.best_hour(always) { Some(h) => { (format!("{h}:00")) } None => { "—" } }
                    " (" (play.timezone.as_deref().unwrap_or(t(lang, "game_timezone"))) ")"
                }
                dt { (t(lang, "reminders")) }
                dd #reminders {
                    (if play.reminders { t(lang, "yes") } else { t(lang, "no") })
                    @if let Some(day) = play.reminded_on { " · " (t(lang, "last_reminder")) " " (day) }
                }
                dt { (t(lang, "last_mood")) }
                dd {
                    @match &play.last_mood {
                        Some((mood, confidence, at)) => { (mood) " " (format!("{confidence:.2}")) " · " (when(at)) }
                        None => { "—" }
                    }
                }
            }
            @if play.habits.hours.iter().sum::<f64>() > 0.0 {
                figure { (PreEscaped(super::charts::bars(&hours, &[sessions]))) }
            }
        }
    }
}

fn actions(admin: &Admin, profile: &players::Profile) -> Markup {
    let lang = admin.lang;
    let id = profile.row.id;
    let to = |action: &str| format!("/admin/users/{id}/{action}");
    let plans = diana_actors::content::shelf().plans.get().all.clone();
    html! {
        (action_form(admin, Permission::ManageEconomy, &to("besitos"), "grant-besitos", html! {
            h3 { (t(lang, "grant_besitos")) }
            label { (t(lang, "amount")) input type="number" name="amount" required step="1"; }
            small.muted { (t(lang, "grant_besitos_hint")) }
            label { (t(lang, "reason")) input type="text" name="reason" required maxlength="500"; }
            button type="submit" { (t(lang, "apply")) }
        }))
        (action_form(admin, Permission::ManageEconomy, &to("vip"), "grant-vip", html! {
            h3 { (t(lang, "grant_vip")) }
            label { (t(lang, "plan")) select name="plan" { @for p in &plans { option value=(p.id) { (p.name_es) } } } }
            label { (t(lang, "days")) input type="number" name="days" required min="1" max="3650" value="30"; }
            label { (t(lang, "reason")) input type="text" name="reason" required maxlength="500"; }
            button type="submit" { (t(lang, "apply")) }
        }))
        (action_form(admin, Permission::Moderate, &to("message"), "send-message", html! {
            h3 { (t(lang, "send_message")) }
            label { (t(lang, "message")) textarea name="text" required maxlength="3500" rows="3" {} }
            button type="submit" { (t(lang, "send")) }
        }))
        (action_form(admin, Permission::Moderate, &to("story-reset"), "story-reset", html! {
            h3 { (t(lang, "reset_story")) }
            button type="submit" { (t(lang, "reset_story")) }
        }))
        (action_form(admin, Permission::Moderate, &to(if profile.row.banned { "unban" } else { "ban" }), "ban", html! {
            h3 { (t(lang, if profile.row.banned { "unban" } else { "ban" })) }
            label { (t(lang, "reason")) input type="text" name="reason" required maxlength="500"; }
            button.danger type="submit" { (t(lang, if profile.row.banned { "unban" } else { "ban" })) }
        }))
    }
}

#[derive(serde::Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    plan: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    text: String,
}

/// `POST /admin/users/{id}/{action}`: back to the player's page saying what was done, or the
/// page again with why not.
pub async fn act(
    admin: Admin,
    dash: web::Data<Dashboard>,
    path: web::Path<(i64, String)>,
    form: web::Form<ActionForm>,
) -> HttpResponse {
    let (user_id, action) = path.into_inner();
    let Some(permission) = player_actions::permission(&action) else { return HttpResponse::NotFound().finish() };
    if let Err(refusal) = admin.check(permission, &form.csrf) {
        return refusal.into();
    }
    let request = PlayerAction {
        action: &action,
        amount: &form.amount,
        reason: &form.reason,
        plan: &form.plan,
        days: &form.days,
        text: &form.text,
    };
    let done = match player_actions::apply(&dash, &admin, user_id, request).await {
        Ok(done) => done,
        Err(ActionError::Invalid(why)) => {
            let body = html! {
                p.error role="alert" { (why) }
                p { a href={ "/admin/users/" (user_id) } { "← " (user_id) } }
            };
            return shell(&admin, "users", "/admin/users", &user_id.to_string(), body).status(400).into_response();
        }
        Err(ActionError::Failed(error)) => return super::internal(error),
    };
    let mut back = url::Url::parse(&format!("http://x/admin/users/{user_id}")).expect("a fixed URL parses");
    back.query_pairs_mut().append_pair("done", &done);
    HttpResponse::SeeOther()
        .insert_header(("Location", format!("/admin/users/{user_id}?{}", back.query().unwrap_or_default())))
        .finish()
}
