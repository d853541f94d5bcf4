//! `/vip` and paying for it with Telegram Stars: the plans, an invoice per purchase (its nonce
//! kept, so a payload is ours and used once), the pre-checkout answer, and the payment handed
//! to `PaymentReconciler`, the one writer of subscriptions.

use super::UserDeps;
use crate::domain::plans::{CardProvider, CheckoutRefusal, InvoicePayload, check_price};
use crate::domain::{Action, Reply};
use crate::metrics::count_error;
use crate::payments::{PaymentOutcome, PaymentSucceeded, RedeemToken, redeem_token};
use crate::store::{self, StoreError, Transaction};

/// Plain reads only: the reconciler locks subscriptions and wallets, and must never wait on us.
pub(super) async fn show(tx: &Transaction<'_>, deps: &UserDeps, user_id: i64) -> Result<Reply, StoreError> {
    let sub = store::payments::active_subscription(tx, user_id).await?;
    Ok(Reply::VipInfo {
        vip: sub.is_some(),
        plan: sub.as_ref().map(|s| s.0.clone()),
        expires_at: sub.map(|s| s.2),
        card: deps.settings.card_payments,
        paypal: deps.settings.paypal_payments,
    })
}

/// A payment page for a plan outside Telegram: an invoice of ours in euro cents, paid through
/// Stripe or PayPal.
pub(super) async fn buy_by_card(
    tx: &Transaction<'_>,
    deps: &UserDeps,
    user_id: i64,
    plan: &str,
    provider: CardProvider,
) -> Result<Reply, StoreError> {
    let offered = match provider {
        CardProvider::Stripe => deps.settings.card_payments,
        CardProvider::Paypal => deps.settings.paypal_payments,
    };
    let plans = deps.settings.content.plans.get();
    let Some(plan) = plans.get(plan).filter(|_| offered) else {
        return show(tx, deps, user_id).await;
    };
    let nonce = format!("{:016x}{:08x}", rand::random::<u64>(), rand::random::<u32>());
    store::payments::create_invoice(tx, &nonce, user_id, &plan.id, "EUR", i64::from(plan.eur_cents)).await?;
    let payload = InvoicePayload { user_id, plan: plan.id.clone(), nonce }.encode();
    Ok(Reply::CardCheckout { plan: plan.id.clone(), payload, provider })
}

pub(super) async fn buy(tx: &Transaction<'_>, deps: &UserDeps, user_id: i64, plan: &str) -> Result<Reply, StoreError> {
    let plans = deps.settings.content.plans.get();
    let Some(plan) = plans.get(plan) else { return show(tx, deps, user_id).await };
    // Telegram renews a Stars subscription by itself: a second one would charge twice a month.
    let current = store::payments::active_subscription(tx, user_id).await?;
    if current
        .as_ref()
        .is_some_and(|(id, provider, _)| provider == "telegram_stars" && plans.get(id).is_some_and(|p| p.recurring))
    {
        return show(tx, deps, user_id).await;
    }
    let nonce = format!("{:016x}{:08x}", rand::random::<u64>(), rand::random::<u32>());
    store::payments::create_invoice(tx, &nonce, user_id, &plan.id, "XTR", i64::from(plan.stars)).await?;
    let payload = InvoicePayload { user_id, plan: plan.id.clone(), nonce }.encode();
    Ok(Reply::Invoice { plan: plan.id.clone(), payload, stars: plan.stars, recurring: plan.recurring })
}

/// Whether a payment may go ahead: our invoice, for this player, unpaid, at the plan's price.
pub(super) async fn pre_checkout(
    tx: &Transaction<'_>,
    deps: &UserDeps,
    user_id: i64,
    query_id: &str,
    payload: &str,
    currency: &str,
    total: u32,
) -> Result<Reply, StoreError> {
    let refusal = check(tx, deps, user_id, payload, currency, total).await?.err();
    if let Some(refusal) = refusal {
        count_error("pre_checkout_refused");
        tracing::warn!(user_id, ?refusal, "pre-checkout refused");
    }
    Ok(Reply::PreCheckoutAnswer { query_id: query_id.to_owned(), refusal })
}

async fn check(
    tx: &Transaction<'_>,
    deps: &UserDeps,
    user_id: i64,
    payload: &str,
    currency: &str,
    total: u32,
) -> Result<Result<(), CheckoutRefusal>, StoreError> {
    let Some(payload) = InvoicePayload::decode(payload).filter(|p| p.user_id == user_id) else {
        return Ok(Err(CheckoutRefusal::UnknownInvoice));
    };
    let Some(invoice) = store::payments::lock_invoice(tx, &payload.nonce).await? else {
        return Ok(Err(CheckoutRefusal::UnknownInvoice));
    };
    if invoice.user_id != user_id || invoice.plan != payload.plan {
        return Ok(Err(CheckoutRefusal::UnknownInvoice));
    }
    if invoice.paid {
        return Ok(Err(CheckoutRefusal::AlreadyPaid));
    }
    let plans = deps.settings.content.plans.get();
    let Some(plan) = plans.get(&payload.plan) else { return Ok(Err(CheckoutRefusal::UnknownPlan)) };
    Ok(check_price(plan, currency, total))
}

/// A Stars payment went through (`Action::PaymentReceived`): the reconciler records it and
/// extends access.
pub(super) async fn paid(deps: &UserDeps, user_id: i64, payment: &Action) -> Result<Vec<Reply>, StoreError> {
    let Action::PaymentReceived { charge_id, payload, currency, total, recurring, first, raw } = payment else {
        return Ok(Vec::new());
    };
    let decoded = InvoicePayload::decode(payload).filter(|p| p.user_id == user_id);
    let Some(reconciler) = &deps.payments else {
        count_error("payments_unavailable");
        tracing::error!(user_id, charge_id, "a payment arrived with no reconciler running");
        return Err(StoreError::Unavailable("payment reconciler"));
    };
    let message = PaymentSucceeded {
        provider: "telegram_stars".into(),
        external_id: charge_id.clone(),
        user_id,
        plan: decoded.as_ref().map_or_else(String::new, |p| p.plan.clone()),
        amount: i64::from(*total),
        currency: currency.clone(),
        recurring: *recurring,
        first: *first,
        invoice: Some(decoded.map_or_else(String::new, |p| p.nonce)),
        raw: raw.clone(),
    };
    let outcome = reconciler.send(message).await.map_err(|_| StoreError::Unavailable("payment reconciler"))??;
    Ok(match outcome {
        // Recorded by an earlier delivery whose answer was lost: confirm what the player has.
        PaymentOutcome::Duplicate => {
            let client = deps.pool.get().await?;
            store::payments::active_subscription(&store::Transaction::Client(&client), user_id)
                .await?
                .map(|(plan, _, expires_at)| Reply::VipActivated { plan, expires_at })
                .into_iter()
                .collect()
        }
        other => replies(other),
    })
}

/// What the player is told of a payment's outcome; access that starts brings the VIP channel's invite.
fn replies(outcome: PaymentOutcome) -> Vec<Reply> {
    match outcome {
        PaymentOutcome::Activated { plan, expires_at, started, .. } => {
            let invite = started.then_some(Reply::VipInvite);
            std::iter::once(Reply::VipActivated { plan, expires_at }).chain(invite).collect()
        }
        PaymentOutcome::Duplicate => Vec::new(),
        PaymentOutcome::Refused(_) => vec![Reply::PaymentProblem],
        PaymentOutcome::TokenRefused(refusal) => vec![Reply::TokenRefused { refusal }],
    }
}

/// `/start tok_<token>`: an admin's one-time VIP token, redeemed in the update's transaction
/// (a new player is registered in it) by the reconciler's own rule.
pub(super) async fn redeem(
    tx: &Transaction<'_>,
    deps: &UserDeps,
    user_id: i64,
    token: &str,
) -> Result<Vec<Reply>, StoreError> {
    let message = RedeemToken { user_id, token: token.to_owned() };
    Ok(replies(redeem_token(tx, &deps.settings.content.plans.get(), chrono::Utc::now(), &message).await?))
}
