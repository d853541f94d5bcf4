//! Payments: the list with filters, the revenue figures, what the reconciler found (disputed
//! payments, repairs), and refunds at the payment's provider (Telegram Stars, Stripe, PayPal).

use super::auth::Admin;
use super::layout::{Html, action_form, shell, table};
use super::roles::Permission;
use super::texts::t;
use super::{Dashboard, Refusal};
use actix_web::{HttpResponse, web};
use diana_actors::payments::{RefundOutcome, RefundPayment};
use diana_actors::store::{audit, payments};
use maud::html;

const PAGE: i64 = 50;

#[derive(serde::Deserialize, Default)]
pub struct PaymentsQuery {
    #[serde(default)]
    user: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    provider: String,
    before: Option<i64>,
    #[serde(default)]
    done: String,
}

fn money(amount: i64, currency: &str) -> String {
    match currency {
        "XTR" => format!("{amount} ⭐"),
        "EUR" => format!("{},{:02} €", amount / 100, amount % 100),
        other => format!("{amount} {other}"),
    }
}

pub async fn page(admin: Admin, dash: web::Data<Dashboard>, query: web::Query<PaymentsQuery>) -> Result<Html, Refusal> {
    let lang = admin.lang;
    let failed = |e: diana_actors::store::StoreError| Refusal::Internal(e.to_string());
    let conn = dash.pool.get().await.map_err(|e| Refusal::Internal(e.to_string()))?;
    let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let user: Option<i64> = query.user.trim().parse().ok();
    let (status, provider) = (some(&query.status), some(&query.provider));
    let rows = payments::list(&conn, user, status.as_deref(), provider.as_deref(), query.before, PAGE)
        .await
        .map_err(failed)?;
    let revenue = payments::revenue_summary(&conn).await.map_err(failed)?;
    let disputed = payments::list(&conn, None, Some("disputed"), None, None, 20).await.map_err(failed)?;
    let findings = audit::list(&conn, None, Some("subscription.repair"), None, None, 10).await.map_err(failed)?;
    let older = (rows.len() as i64 == PAGE).then(|| rows.last().map(|r| r.id)).flatten().map(|last| {
        let mut url = url::Url::parse("http://x/admin/payments").expect("a fixed URL parses");
        url.query_pairs_mut()
            .append_pair("user", &query.user)
            .append_pair("status", &query.status)
            .append_pair("provider", &query.provider)
            .append_pair("before", &last.to_string());
        format!("/admin/payments?{}", url.query().unwrap_or_default())
    });
    let (ended, at_start) = revenue.churn;
    let (invoices, paid) = revenue.conversion;
    let pct = |a: i64, b: i64| if b == 0 { "—".to_owned() } else { format!("{:.1} %", 100.0 * a as f64 / b as f64) };
    let body = html! {
        @if !query.done.is_empty() { p.notice role="status" #done { (t(lang, "done")) " " (query.done) } }
        section.cards {
            @for (currency, amount, subscribers) in &revenue.mrr {
                div.card { span.k { "MRR " (currency) } span.v { (money(*amount, currency)) } span.k { (subscribers) " " (t(lang, "subscribers")) } }
            }
            div.card #churn { span.k { "Churn 30d" } span.v { (pct(ended, at_start)) } }
            div.card #conversion { span.k { (t(lang, "conversion")) " 30d" } span.v { (pct(paid, invoices)) } span.k { (paid) " / " (invoices) } }
        }
        section.panel #revenue {
            h2 { (t(lang, "revenue_30d")) }
            (table(&["provider", "", t(lang, "payments"), t(lang, "amount")],
                revenue.by_provider.iter().map(|(p, c, n, a)| vec![p.clone(), c.clone(), n.to_string(), money(*a, c)])))
        }
        section.panel #reconciliation {
            h2 { (t(lang, "reconciliation")) }
            @if disputed.is_empty() && findings.is_empty() { p.ok { "✓ " (t(lang, "reconciliation_clean")) } }
            @if !disputed.is_empty() {
                h3 { (t(lang, "disputed")) }
                (table(&["id", t(lang, "when"), "provider", "user", t(lang, "amount")], disputed.iter().map(|p| vec![
                    p.id.to_string(), p.created_at.format("%Y-%m-%d %H:%M").to_string(), p.provider.clone(),
                    p.user_id.to_string(), money(p.amount, &p.currency)])))
            }
            @if !findings.is_empty() {
                h3 { (t(lang, "repairs")) }
                (table(&[t(lang, "when"), t(lang, "target"), t(lang, "after")], findings.iter().map(|e| vec![
                    e.at.format("%Y-%m-%d %H:%M").to_string(), e.target.clone().unwrap_or_default(),
                    e.after.as_ref().map(|a| a.to_string()).unwrap_or_default()])))
            }
        }
        form.search method="get" action="/admin/payments" {
            input type="text" name="user" value=(query.user) placeholder="user id";
            select name="status" {
                @for s in ["", "paid", "refunded", "disputed"] { option value=(s) selected[query.status == s] { (if s.is_empty() { t(lang, "filter_all") } else { s }) } }
            }
            select name="provider" {
                @for p in ["", "telegram_stars", "stripe", "paypal", "admin_token", "admin_grant"] {
                    option value=(p) selected[query.provider == p] { (if p.is_empty() { t(lang, "filter_all") } else { p }) }
                }
            }
            button type="submit" { (t(lang, "filter")) }
        }
        table.data #payments {
            thead { tr { th { "id" } th { (t(lang, "when")) } th { "provider" } th { "user" } th { (t(lang, "plan")) }
                th { (t(lang, "amount")) } th { (t(lang, "status")) } th {} } }
            tbody {
                @for p in &rows {
                    tr {
                        td { (p.id) }
                        td { (p.created_at.format("%Y-%m-%d %H:%M")) }
                        td { (p.provider) }
                        td { a href={ "/admin/users/" (p.user_id) } { (p.user_id) } }
                        td { (p.plan) }
                        td.num { (money(p.amount, &p.currency)) }
                        td { (p.status) }
                        td {
                            @if (p.status == "paid" || p.status == "disputed") && crate::refunds::refundable(&p.provider) {
                                (action_form(&admin, Permission::Refund, &format!("/admin/payments/{}/refund", p.id), &format!("refund-{}", p.id), html! {
                                    button.danger type="submit" { (t(lang, "refund")) }
                                }))
                            }
                        }
                    }
                }
            }
        }
        @if let Some(older) = older { nav.pager { a href=(older) { (t(lang, "older")) } } }
    };
    Ok(shell(&admin, "payments", "/admin/payments", t(lang, "nav_payments"), body))
}

/// `POST /admin/payments/{id}/refund`: the money back, then the access it bought ends (audited
/// by the reconciler, with the admin named).
pub async fn refund(
    admin: Admin,
    dash: web::Data<Dashboard>,
    id: web::Path<i64>,
    form: web::Form<super::CsrfOnly>,
) -> HttpResponse {
    if let Err(refusal) = admin.check(Permission::Refund, &form.csrf) {
        return refusal.into();
    }
    let payment_id = id.into_inner();
    let refunders = crate::refunds::Refunders {
        telegram: dash.telegram.as_ref(),
        stripe: dash.stripe.as_ref(),
        paypal: dash.paypal.as_deref(),
    };
    if let Err(error) = crate::refunds::give_back(&dash.pool, refunders, payment_id).await {
        let body = html! {
            p.error role="alert" { (error.to_string()) }
            p { a href="/admin/payments" { "← " (t(admin.lang, "nav_payments")) } }
        };
        return shell(&admin, "payments", "/admin/payments", t(admin.lang, "nav_payments"), body)
            .status(400)
            .into_response();
    }
    let Some(reconciler) = &dash.reconciler else { return super::internal("payments are not running") };
    let done = match reconciler.send(RefundPayment { payment_id, admin: admin.actor() }).await {
        Ok(Ok(RefundOutcome::Refunded { user_id })) => format!("#{payment_id} → user {user_id}"),
        Ok(Ok(RefundOutcome::AlreadyRefunded)) => format!("#{payment_id} (already)"),
        Ok(Ok(RefundOutcome::NoSuchPayment)) => return HttpResponse::NotFound().finish(),
        Ok(Err(error)) => return super::internal(error),
        Err(error) => return super::internal(error),
    };
    let mut back = url::Url::parse("http://x/admin/payments").expect("a fixed URL parses");
    back.query_pairs_mut().append_pair("done", &done);
    HttpResponse::SeeOther()
        .insert_header(("Location", format!("/admin/payments?{}", back.query().unwrap_or_default())))
        .finish()
}
