//! VIP in Telegram: the plans with a button each, the invoice in Stars (a subscription link for
//! recurring plans), the pre-checkout answer, and the messages of a subscription's life.

use super::callback::CallbackData;
use super::render::button;
use super::texts::{fill, get};
use diana_actors::domain::Lang;
use diana_actors::domain::plans::{CardProvider, CheckoutRefusal, Plan, Plans};
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

/// The running plans (an admin may replace them while the server runs).
fn plans() -> std::sync::Arc<Plans> {
    diana_actors::content::shelf().plans.get()
}

fn name(lang: Lang, plan: &Plan) -> &str {
    if lang == Lang::En { &plan.name_en } else { &plan.name_es }
}

fn perks(lang: Lang, plan: &Plan) -> &str {
    if lang == Lang::En { &plan.perks_en } else { &plan.perks_es }
}

/// A plan's name by id (the id itself for a plan no longer on sale).
pub fn plan_name(lang: Lang, id: &str) -> String {
    plans().get(id).map_or_else(|| id.to_owned(), |p| name(lang, p).to_owned())
}

/// A plan's badge alone ("💎"), for the leaderboard.
pub fn badge_emoji(id: &str) -> Option<String> {
    plans().get(id).map(|p| p.badge.clone())
}

/// A plan's badge and name ("💎 VIP").
pub fn badge(lang: Lang, id: &str) -> String {
    plans().get(id).map_or_else(|| id.to_owned(), |p| format!("{} {}", p.badge, name(lang, p)))
}

fn date(lang: Lang, at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format(get(lang, "date_format")).to_string()
}

pub fn info(
    lang: Lang,
    active: Option<(&str, &chrono::DateTime<chrono::Utc>)>,
    card: bool,
    paypal: bool,
) -> (String, InlineKeyboardMarkup) {
    let mut parts = vec![match active {
        Some((plan, until)) => {
            fill(lang, "vip_active", &[("plan", &plan_name(lang, plan)), ("date", &date(lang, until))])
        }
        None => get(lang, "vip_info").to_owned(),
    }];
    let mut rows = Vec::new();
    for plan in &plans().all {
        let stars = plan.stars.to_string();
        parts.push(fill(
            lang,
            "vip_plan_line",
            &[("name", name(lang, plan)), ("stars", &stars), ("perks", perks(lang, plan))],
        ));
        let label = fill(lang, "btn_buy_plan", &[("name", name(lang, plan)), ("stars", &stars)]);
        let mut row =
            vec![InlineKeyboardButton::callback(label, CallbackData::Plan { plan: plan.id.clone() }.encode())];
        let euros = format!("{},{:02} €", plan.eur_cents / 100, plan.eur_cents % 100);
        let mut outside = Vec::new();
        if card {
            let label = fill(lang, "btn_buy_card", &[("name", name(lang, plan)), ("price", &euros)]);
            let data = CallbackData::PlanCard { plan: plan.id.clone(), provider: CardProvider::Stripe };
            outside.push(InlineKeyboardButton::callback(label, data.encode()));
        }
        if paypal {
            let label = fill(lang, "btn_buy_paypal", &[("price", &euros)]);
            let data = CallbackData::PlanCard { plan: plan.id.clone(), provider: CardProvider::Paypal };
            outside.push(InlineKeyboardButton::callback(label, data.encode()));
        }
        // Three buttons do not fit a phone's row: the outside payments get their own.
        if outside.len() > 1 {
            rows.push(row);
            rows.push(outside);
        } else {
            row.extend(outside);
            rows.push(row);
        }
    }
    rows.push(vec![button(lang, "btn_story", CallbackData::Story), button(lang, "btn_menu", CallbackData::Menu)]);
    (parts.join("\n\n"), InlineKeyboardMarkup::new(rows))
}

/// What an invoice says: title, description, the price's label.
pub fn invoice_texts(lang: Lang, plan_id: &str) -> (String, String, String) {
    let plans = plans();
    let Some(plan) = plans.get(plan_id) else { return (plan_id.to_owned(), plan_id.to_owned(), plan_id.to_owned()) };
    let n = name(lang, plan);
    let description: String =
        fill(lang, "invoice_description", &[("name", n), ("perks", perks(lang, plan))]).chars().take(255).collect();
    (fill(lang, "invoice_title", &[("name", n)]), description, fill(lang, "invoice_label", &[("name", n)]))
}

/// What a card session sells: the plan's name, price in euro cents, and whether it renews.
pub fn card_terms(lang: Lang, plan_id: &str) -> Option<(String, u32, bool)> {
    plans().get(plan_id).map(|p| (fill(lang, "invoice_title", &[("name", name(lang, p))]), p.eur_cents, p.recurring))
}

/// The VIP channel's invite, as a button.
pub fn vip_invite(lang: Lang, url: url::Url) -> (String, InlineKeyboardMarkup) {
    let open = InlineKeyboardButton::url(get(lang, "btn_vip_channel"), url);
    (get(lang, "vip_invite_text").to_owned(), InlineKeyboardMarkup::new([vec![open]]))
}

/// The message carrying a payment page (Stripe's card page, PayPal's approval), with its button.
pub fn card_link(lang: Lang, plan_id: &str, provider: CardProvider, url: url::Url) -> (String, InlineKeyboardMarkup) {
    let (text, button) = match provider {
        CardProvider::Stripe => ("card_link_text", "btn_pay_card"),
        CardProvider::Paypal => ("paypal_link_text", "btn_pay_paypal"),
    };
    let text = fill(lang, text, &[("name", &plan_name(lang, plan_id))]);
    let pay = InlineKeyboardButton::url(get(lang, button), url);
    (text, InlineKeyboardMarkup::new([vec![pay]]))
}

/// The message carrying a subscription link, with its pay button.
pub fn invoice_link(lang: Lang, plan_id: &str, stars: u32, url: url::Url) -> (String, InlineKeyboardMarkup) {
    let stars = stars.to_string();
    let text = fill(lang, "invoice_link_text", &[("name", &plan_name(lang, plan_id)), ("stars", &stars)]);
    let pay = InlineKeyboardButton::url(fill(lang, "btn_pay_stars", &[("stars", &stars)]), url);
    (text, InlineKeyboardMarkup::new([vec![pay]]))
}

pub fn refusal(lang: Lang, refusal: CheckoutRefusal) -> String {
    get(
        lang,
        match refusal {
            CheckoutRefusal::UnknownInvoice => "checkout_unknown_invoice",
            CheckoutRefusal::UnknownPlan => "checkout_unknown_plan",
            CheckoutRefusal::WrongPrice => "checkout_wrong_price",
            CheckoutRefusal::AlreadyPaid => "checkout_already_paid",
            CheckoutRefusal::Banned => "checkout_banned",
        },
    )
    .to_owned()
}

pub fn token_refused(lang: Lang, refusal: diana_actors::payments::TokenRefusal) -> String {
    use diana_actors::payments::TokenRefusal;
    get(
        lang,
        match refusal {
            TokenRefusal::Unknown => "token_unknown",
            TokenRefusal::Used => "token_used",
            TokenRefusal::Expired => "token_expired",
        },
    )
    .to_owned()
}

pub fn activated(lang: Lang, plan: &str, until: &chrono::DateTime<chrono::Utc>) -> String {
    fill(lang, "vip_activated", &[("plan", &plan_name(lang, plan)), ("date", &date(lang, until))])
}

pub fn ending_soon(lang: Lang, plan: &str, days: u32, until: &chrono::DateTime<chrono::Utc>) -> String {
    let name = plan_name(lang, plan);
    fill(lang, "vip_ending_soon", &[("plan", &name), ("date", &date(lang, until)), ("days", &days.to_string())])
}

pub fn renew(lang: Lang) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([vec![
        button(lang, "btn_renew", CallbackData::Vip),
        button(lang, "btn_menu", CallbackData::Menu),
    ]])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(keyboard: &InlineKeyboardMarkup) -> Vec<Vec<String>> {
        let data = |b: &InlineKeyboardButton| match &b.kind {
            teloxide::types::InlineKeyboardButtonKind::CallbackData(d) => d.clone(),
            other => format!("{other:?}"),
        };
        keyboard.inline_keyboard.iter().map(|row| row.iter().map(data).collect()).collect()
    }

    #[test]
    fn each_plan_is_sold_by_every_provider_configured_and_no_other() {
        let (_, stars_only) = info(Lang::Es, None, false, false);
        assert_eq!(data(&stars_only)[..2], [vec!["1:pl:vip"], vec!["1:pl:premium"]]);
        let (_, with_card) = info(Lang::Es, None, true, false);
        assert_eq!(data(&with_card)[0], ["1:pl:vip", "1:pc:vip"]);
        // Three buttons do not fit a row on a phone: card and PayPal get a row of their own.
        let (_, all) = info(Lang::En, None, true, true);
        let rows = data(&all);
        assert_eq!(
            rows[..4],
            [
                vec!["1:pl:vip"],
                vec!["1:pc:vip", "1:pp:vip"],
                vec!["1:pl:premium"],
                vec!["1:pc:premium", "1:pp:premium"]
            ]
        );
        let paypal = &all.inline_keyboard[1][1].text;
        assert!(paypal.contains("PayPal") && paypal.contains("4,99 €"), "{paypal}");
    }
}
