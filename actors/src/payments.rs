//! `PaymentReconciler`: the single writer of subscription state. Every payment path (Telegram
//! Stars, Stripe and PayPal webhooks, admin tokens) goes through it; refunds come as
//! `RefundPayment`. On a timer, with an injectable clock, it expires ended subscriptions and
//! turns their perks off, sends renewal reminders 3 days and 1 day before the end (each once),
//! repairs payments that never became access, and asks Stripe and PayPal about payment pages
//! whose webhook never came. Each change commits with the messages that announce it.

use crate::achievements::ReplySink;
use crate::content::Live;
use crate::domain::plans::{CheckoutRefusal, InvoicePayload, Plans, extended_until, reminder_due};
use crate::domain::{Lang, Reply};
use crate::metrics::count_error;
use crate::store::payments::{self as store, MoneyBack, NewPayment, ProviderEvent, Subscription};
use crate::store::{self as db, Pool, StoreError, outbox::Pending};
use actix::prelude::*;
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;

/// The note on a Stripe subscription we cancel because its payment was refunded: the refund
/// already took back what that payment bought, and days from elsewhere stay.
pub const REFUND_CANCELLATION: &str = "diana: refunded";

pub use crate::clock::{Clock, system_clock};

pub static PAYMENT_DISAGREEMENTS: std::sync::LazyLock<prometheus::IntCounter> = std::sync::LazyLock::new(|| {
    prometheus::register_int_counter!(
        "payment_disagreements_total",
        "Payments found without the access they paid for (repaired or reported)"
    )
    .expect("metric registers once")
});

/// A payment a provider has, whose webhook never came: what the webhook would have carried.
#[derive(Debug, Clone)]
pub enum Recovered {
    /// A completed Stripe Checkout Session.
    StripeSession(serde_json::Value),
    /// A completed PayPal sale, shaped as `PAYMENT.SALE.COMPLETED`'s resource.
    PaypalSale(serde_json::Value),
}

/// Asks a provider about a payment page whose webhook never came. `Some`: it was paid.
pub trait PendingCheck: Send + Sync {
    /// Whether a kept reference is this provider's (each keeps its own kind of id).
    fn owns(&self, reference: &str) -> bool;
    fn paid<'a>(&'a self, reference: &'a str) -> futures::future::BoxFuture<'a, Result<Option<Recovered>, String>>;
}

#[derive(Clone)]
pub struct PaymentReconciler {
    pool: Pool,
    plans: Live<Plans>,
    sink: Option<ReplySink>,
    clock: Clock,
    sweep_every: Option<std::time::Duration>,
    pending: Vec<Arc<dyn PendingCheck>>,
}

impl PaymentReconciler {
    pub fn new(pool: Pool, plans: Live<Plans>, sink: Option<ReplySink>, clock: Clock) -> PaymentReconciler {
        PaymentReconciler { pool, plans, sink, clock, sweep_every: None, pending: Vec::new() }
    }

    /// Ask this provider about its payments left pending, on each sweep.
    pub fn checking_pending(mut self, check: Arc<dyn PendingCheck>) -> PaymentReconciler {
        self.pending.push(check);
        self
    }

    /// Sweep on this interval once started.
    pub fn sweeping_every(mut self, every: std::time::Duration) -> PaymentReconciler {
        self.sweep_every = Some(every);
        self
    }

    fn send(&self, outgoing: Vec<crate::domain::Outgoing>) {
        if let Some(sink) = &self.sink {
            sink(outgoing);
        }
    }
}

impl Actor for PaymentReconciler {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        if let Some(every) = self.sweep_every {
            ctx.run_interval(every, |this, ctx| {
                let me = this.clone();
                let sweep = async move {
                    if let Err(error) = me.sweep((me.clock)()).await {
                        count_error("payment_sweep");
                        tracing::error!(%error, "payment sweep failed");
                    }
                };
                ctx.spawn(sweep.into_actor(this));
            });
        }
    }
}

/// A provider says a payment went through.
#[derive(Debug, Clone, Message)]
#[rtype(result = "Result<PaymentOutcome, StoreError>")]
pub struct PaymentSucceeded {
    pub provider: String,
    /// The provider's id for it (`telegram_payment_charge_id` for Stars): unique per provider.
    pub external_id: String,
    pub user_id: i64,
    pub plan: String,
    pub amount: i64,
    pub currency: String,
    /// A renewal of a subscription (Telegram's `is_recurring`).
    pub recurring: bool,
    /// The first payment of a subscription (Telegram's `is_first_recurring`): it pays the invoice.
    pub first: bool,
    /// Our invoice's nonce, when the payment answers one of our invoices.
    pub invoice: Option<String>,
    pub raw: serde_json::Value,
}

/// A player redeems an admin's token (`/start tok_<token>`): a sale made outside Telegram.
#[derive(Debug, Clone, Message)]
#[rtype(result = "Result<PaymentOutcome, StoreError>")]
pub struct RedeemToken {
    pub user_id: i64,
    pub token: String,
}

/// An admin gives a player days of a plan, for nothing (a prize, an apology), from the dashboard.
#[derive(Debug, Clone, Message)]
#[rtype(result = "Result<Option<DateTime<Utc>>, StoreError>")]
pub struct GrantVip {
    pub admin: String,
    pub user_id: i64,
    pub plan: String,
    pub days: u32,
    pub reason: String,
}

impl Handler<GrantVip> for PaymentReconciler {
    type Result = ResponseFuture<Result<Option<DateTime<Utc>>, StoreError>>;

    fn handle(&mut self, msg: GrantVip, _: &mut Context<Self>) -> Self::Result {
        let me = self.clone();
        Box::pin(async move { me.grant(msg).await })
    }
}

/// Why a token gives nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TokenRefusal {
    Unknown,
    Used,
    Expired,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PaymentOutcome {
    /// Recorded; access runs until `expires_at`. `started`: the player had no access before.
    Activated { plan: String, expires_at: DateTime<Utc>, payment_id: i64, started: bool },
    /// Already recorded: nothing changed.
    Duplicate,
    /// It does not match what we sold: recorded nowhere, no access. Reported to admins.
    Refused(CheckoutRefusal),
    /// A token that gives nothing (the player's mistake, not ours).
    TokenRefused(TokenRefusal),
}

/// An admin refunded a payment (the provider was already told): access ends now.
#[derive(Debug, Clone, Message)]
#[rtype(result = "Result<RefundOutcome, StoreError>")]
pub struct RefundPayment {
    pub payment_id: i64,
    pub admin: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundOutcome {
    Refunded { user_id: i64 },
    AlreadyRefunded,
    NoSuchPayment,
}

/// Expire, remind and repair now (`now` overrides the clock, for tests and tools).
#[derive(Debug, Clone, Message)]
#[rtype(result = "Result<SweepReport, StoreError>")]
pub struct Sweep {
    pub now: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub expired: usize,
    pub reminded: usize,
    pub repaired: usize,
    /// Card payments found paid by asking the provider (their webhook was lost).
    pub recovered: usize,
}

impl Handler<PaymentSucceeded> for PaymentReconciler {
    type Result = ResponseFuture<Result<PaymentOutcome, StoreError>>;

    fn handle(&mut self, msg: PaymentSucceeded, _: &mut Context<Self>) -> Self::Result {
        let me = self.clone();
        Box::pin(async move { me.record_payment(msg).await })
    }
}

/// A verified Stripe webhook event.
#[derive(Debug, Clone, Message)]
#[rtype(result = "Result<EventOutcome, StoreError>")]
pub struct StripeEvent {
    pub id: String,
    pub event_type: String,
    /// `data.object`.
    pub object: serde_json::Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventOutcome {
    Applied,
    /// Seen before (Stripe retries): nothing changed.
    Duplicate,
    /// A type the game does not act on, or an event about nothing it sold: acknowledged.
    Ignored,
}

/// A verified PayPal webhook event.
#[derive(Debug, Clone, Message)]
#[rtype(result = "Result<EventOutcome, StoreError>")]
pub struct PaypalEvent {
    pub id: String,
    pub event_type: String,
    pub resource: serde_json::Value,
}

impl Handler<PaypalEvent> for PaymentReconciler {
    type Result = ResponseFuture<Result<EventOutcome, StoreError>>;

    fn handle(&mut self, msg: PaypalEvent, _: &mut Context<Self>) -> Self::Result {
        let me = self.clone();
        Box::pin(async move { me.paypal_event(msg).await })
    }
}

/// PayPal amounts are decimal strings ("4.99"); the game counts cents.
/// How a PayPal subscription's id is kept among an invoice's provider references (Stripe's
/// Checkout Session ids are kept bare).
pub fn paypal_reference(subscription_id: &str) -> String {
    format!("paypal:{subscription_id}")
}

pub fn paypal_cents(amount: &str) -> Option<i64> {
    let (units, cents) = amount.trim().split_once('.').unwrap_or((amount.trim(), "0"));
    let cents = format!("{cents:0<2}");
    if cents.len() != 2 {
        return None;
    }
    units.parse::<i64>().ok()?.checked_mul(100)?.checked_add(cents.parse::<i64>().ok()?)
}

impl Handler<StripeEvent> for PaymentReconciler {
    type Result = ResponseFuture<Result<EventOutcome, StoreError>>;

    fn handle(&mut self, msg: StripeEvent, _: &mut Context<Self>) -> Self::Result {
        let me = self.clone();
        Box::pin(async move { me.stripe_event(msg).await })
    }
}

impl Handler<RedeemToken> for PaymentReconciler {
    type Result = ResponseFuture<Result<PaymentOutcome, StoreError>>;

    fn handle(&mut self, msg: RedeemToken, _: &mut Context<Self>) -> Self::Result {
        let me = self.clone();
        Box::pin(async move { me.redeem(msg).await })
    }
}

impl Handler<RefundPayment> for PaymentReconciler {
    type Result = ResponseFuture<Result<RefundOutcome, StoreError>>;

    fn handle(&mut self, msg: RefundPayment, _: &mut Context<Self>) -> Self::Result {
        let me = self.clone();
        Box::pin(async move { me.refund(msg).await })
    }
}

impl Handler<Sweep> for PaymentReconciler {
    type Result = ResponseFuture<Result<SweepReport, StoreError>>;

    fn handle(&mut self, msg: Sweep, _: &mut Context<Self>) -> Self::Result {
        let me = self.clone();
        Box::pin(async move { me.sweep(msg.now.unwrap_or_else(|| (me.clock)())).await })
    }
}

async fn lang_of(tx: &db::Transaction<'_>, user_id: i64) -> Result<Lang, StoreError> {
    Ok(Lang::from_language_code(db::users::language_of(tx, user_id).await?.as_deref()))
}

/// Commit replies to a player with the change they announce.
async fn tell(
    tx: &db::Transaction<'_>,
    user_id: i64,
    replies: Vec<Reply>,
) -> Result<Vec<crate::domain::Outgoing>, StoreError> {
    let lang = lang_of(tx, user_id).await?;
    let pending = replies.into_iter().map(|reply| Pending { chat_id: user_id, user_id: Some(user_id), lang, reply });
    db::outbox::insert(tx, pending.collect()).await
}

/// When access ends: out of the VIP channel, and a farewell with a way back.
fn ended(refunded: bool) -> Vec<Reply> {
    vec![Reply::VipRemove, Reply::VipEnded { refunded }]
}

impl PaymentReconciler {
    /// Record a payment and extend access, in one transaction; a repeated event changes nothing.
    pub async fn record_payment(&self, msg: PaymentSucceeded) -> Result<PaymentOutcome, StoreError> {
        let mut conn = self.pool.get().await?;
        let tx = crate::store::begin(&mut conn).await?;
        let (outcome, outgoing) = self.record_payment_in(&tx, &msg).await?;
        tx.commit().await?;
        self.send(outgoing);
        Ok(outcome)
    }

    /// `record_payment` inside `tx`; returns the messages to send once it commits.
    async fn record_payment_in(
        &self,
        tx: &db::Transaction<'_>,
        msg: &PaymentSucceeded,
    ) -> Result<(PaymentOutcome, Vec<crate::domain::Outgoing>), StoreError> {
        let now = (self.clock)();
        let invoice = match &msg.invoice {
            Some(nonce) => store::lock_invoice(tx, nonce).await?,
            None => None,
        };
        if msg.invoice.is_some() && invoice.as_ref().is_none_or(|i| i.user_id != msg.user_id || i.plan != msg.plan) {
            return Ok((self.refused(tx, msg, CheckoutRefusal::UnknownInvoice).await?, Vec::new()));
        }
        let plans = self.plans.get();
        let Some(plan) = plans.get(&msg.plan) else {
            return Ok((self.refused(tx, msg, CheckoutRefusal::UnknownPlan).await?, Vec::new()));
        };
        // Only the price we asked buys the plan: the invoice's own (a renewal keeps the price it
        // was sold at), or today's plan price in stars or euro cents.
        let price_ok = match &invoice {
            Some(i) => i.currency == msg.currency && i.amount == msg.amount,
            None => match msg.currency.as_str() {
                "XTR" => msg.amount == i64::from(plan.stars),
                "EUR" => msg.amount == i64::from(plan.eur_cents),
                _ => false,
            },
        };
        if !price_ok {
            return Ok((self.refused(tx, msg, CheckoutRefusal::WrongPrice).await?, Vec::new()));
        }
        if let (Some(nonce), true) = (&msg.invoice, !msg.recurring || msg.first) {
            store::mark_invoice_paid(tx, nonce).await?;
        }
        let charge_ref = self.charge_ref(tx, msg).await?;
        let new = NewPayment {
            provider: &msg.provider,
            external_id: &msg.external_id,
            user_id: msg.user_id,
            plan: &msg.plan,
            amount: msg.amount,
            currency: &msg.currency,
            recurring: msg.recurring,
            days: Some(plan.days),
            charge_ref: charge_ref.as_deref(),
            raw: &msg.raw,
        };
        let Some(payment_id) = store::insert_payment(tx, &new).await? else {
            return Ok((PaymentOutcome::Duplicate, Vec::new()));
        };
        let (expires_at, started) =
            extend_subscription(tx, msg.user_id, (&plans, plan), &msg.provider, plan.days, now).await?;
        let after = serde_json::json!({ "plan": plan.id, "expires_at": expires_at, "payment": payment_id });
        let target = format!("user:{}", msg.user_id);
        db::audit::append(tx, &msg.provider, "subscription.activate", &target, None, Some(&after)).await?;
        tracing::info!(user_id = msg.user_id, plan = %plan.id, %expires_at, payment_id, "subscription extended");
        // A refund that arrived before its payment (events out of order) applies now. Stripe
        // refunds name the payment intent; PayPal's, the sale.
        let reference = charge_ref.as_deref().unwrap_or(&msg.external_id);
        if let Some(outgoing) = self.money_came_back(tx, payment_id, &msg.provider, reference).await? {
            return Ok((PaymentOutcome::Duplicate, outgoing));
        }
        Ok((PaymentOutcome::Activated { plan: plan.id.clone(), expires_at, payment_id, started }, Vec::new()))
    }

    /// The id the provider's refunds and disputes will name for this payment: Stripe's payment
    /// intent. A Checkout Session for a subscription has none; its first invoice names it, and
    /// may have come first.
    async fn charge_ref(&self, tx: &db::Transaction<'_>, msg: &PaymentSucceeded) -> Result<Option<String>, StoreError> {
        if msg.provider != "stripe" {
            return Ok(None);
        }
        if let Some(intent) = msg.raw.get("payment_intent").and_then(|v| v.as_str()) {
            return Ok(Some(intent.to_owned()));
        }
        // Only a subscription's checkout lacks it; a renewal without one must not borrow the
        // first month's.
        let subscription = msg.raw.get("subscription").and_then(|v| v.as_str()).filter(|_| !msg.recurring);
        let Some(subscription) = subscription else { return Ok(None) };
        let intent = store::linked_charge(tx, subscription).await?;
        if let Some(intent) = &intent {
            // Refunds of it wait for this payment (see `stripe_event`).
            store::lock_reference(tx, "stripe", intent).await?;
        }
        Ok(intent)
    }

    /// Apply what money-back events (refunds, chargebacks) recorded for `reference` before its
    /// payment arrived: all of it back ends the access (`Some`, with the messages to send once
    /// committed); part of it is reported, and the access stays.
    async fn money_came_back(
        &self,
        tx: &db::Transaction<'_>,
        payment_id: i64,
        provider: &str,
        reference: &str,
    ) -> Result<Option<Vec<crate::domain::Outgoing>>, StoreError> {
        let Some((back, partial)) = self.money_back(tx, payment_id, provider, reference).await? else {
            return Ok(None);
        };
        if partial {
            let seen = serde_json::json!({ "refunded_cents": back.cents, "arrived": "before the payment" });
            self.partial_refund(tx, payment_id, provider, &seen).await?;
            return Ok(None);
        }
        let admin = format!("{provider}:refund");
        let (_, outgoing) = self.refund_in(tx, &RefundPayment { payment_id, admin }).await?;
        Ok(Some(outgoing))
    }

    /// Apply a Stripe event once (by its id), whatever order events arrive in: a refund that
    /// comes before its payment is kept and applied when the payment arrives.
    pub async fn stripe_event(&self, msg: StripeEvent) -> Result<EventOutcome, StoreError> {
        let mut conn = self.pool.get().await?;
        let tx = crate::store::begin(&mut conn).await?;
        let object = &msg.object;
        let text = |v: &serde_json::Value, key: &str| v.get(key).and_then(|x| x.as_str()).map(str::to_owned);
        let intent = text(object, "payment_intent");
        let first_invoice = msg.event_type == "invoice.paid"
            && text(object, "billing_reason").as_deref() == Some("subscription_create");
        let money_back = matches!(msg.event_type.as_str(), "charge.refunded" | "charge.dispute.created");
        let subscription = text(object, "subscription").filter(|_| first_invoice);
        // Stripe says `refunded: false` while only part of the charge came back.
        let partial =
            msg.event_type == "charge.refunded" && object.get("refunded").and_then(|r| r.as_bool()) == Some(false);
        // Whatever names the same subscription or payment intent applies one at a time: the
        // subscription first, then the intent, in every path, so two never wait on each other.
        for key in [text(object, "subscription"), intent.clone()].into_iter().flatten() {
            store::lock_reference(&tx, "stripe", &key).await?;
        }
        let event = ProviderEvent {
            provider: "stripe",
            id: &msg.id,
            event_type: &msg.event_type,
            reference: intent.as_deref().filter(|_| money_back || first_invoice),
            subject: subscription.as_deref(),
            amount: partial.then(|| object.get("amount_refunded").and_then(|a| a.as_i64()).unwrap_or(0)),
        };
        if !store::record_event(&tx, &event).await? {
            return Ok(EventOutcome::Duplicate);
        }
        let amount = |key: &str| object.get(key).and_then(|x| x.as_i64()).unwrap_or(-1);
        let currency = text(object, "currency").unwrap_or_default().to_uppercase();
        let (outcome, outgoing) = match msg.event_type.as_str() {
            "checkout.session.completed" => {
                let payload = text(object, "client_reference_id").and_then(|p| InvoicePayload::decode(&p));
                match payload {
                    Some(p) => {
                        let paid = PaymentSucceeded {
                            provider: "stripe".into(),
                            external_id: text(object, "id").unwrap_or_else(|| msg.id.clone()),
                            user_id: p.user_id,
                            plan: p.plan,
                            amount: amount("amount_total"),
                            currency,
                            recurring: false,
                            first: false,
                            invoice: Some(p.nonce),
                            raw: object.clone(),
                        };
                        let (outcome, outgoing) = self.record_payment_in(&tx, &paid).await?;
                        let outgoing = self.announce(&tx, paid.user_id, &outcome, outgoing).await?;
                        (event_outcome(&outcome), outgoing)
                    }
                    None => (self.unmatched(&msg.id, &msg.event_type), Vec::new()),
                }
            }
            // The first invoice of a subscription is the checkout itself; later ones are renewals.
            "invoice.paid" if text(object, "billing_reason").as_deref() != Some("subscription_create") => {
                let meta = object.pointer("/subscription_details/metadata").cloned().unwrap_or_default();
                let user = text(&meta, "user_id").and_then(|u| u.parse::<i64>().ok());
                match (user, text(&meta, "plan")) {
                    (Some(user_id), Some(plan)) => {
                        let paid = PaymentSucceeded {
                            provider: "stripe".into(),
                            external_id: text(object, "id").unwrap_or_else(|| msg.id.clone()),
                            user_id,
                            plan,
                            amount: amount("amount_paid"),
                            currency,
                            recurring: true,
                            first: false,
                            invoice: None,
                            raw: object.clone(),
                        };
                        let (outcome, outgoing) = self.record_payment_in(&tx, &paid).await?;
                        let outgoing = self.announce(&tx, paid.user_id, &outcome, outgoing).await?;
                        (event_outcome(&outcome), outgoing)
                    }
                    _ => (self.unmatched(&msg.id, &msg.event_type), Vec::new()),
                }
            }
            // The subscription's first invoice: the checkout paid it, but only the invoice names
            // the payment intent that refunds and disputes of that first month will name.
            "invoice.paid" => match (subscription.as_deref(), intent.as_deref()) {
                (Some(subscription), Some(intent)) => match store::link_charge(&tx, subscription, intent).await? {
                    Some(payment_id) => {
                        let outgoing = self.money_came_back(&tx, payment_id, "stripe", intent).await?;
                        (EventOutcome::Applied, outgoing.unwrap_or_default())
                    }
                    // Kept: the checkout's payment finds it when it arrives.
                    None => (EventOutcome::Applied, Vec::new()),
                },
                _ => (EventOutcome::Ignored, Vec::new()),
            },
            "customer.subscription.deleted" | "customer.subscription.updated"
                if object.pointer("/cancellation_details/comment").and_then(|c| c.as_str())
                    == Some(REFUND_CANCELLATION) =>
            {
                (EventOutcome::Ignored, Vec::new())
            }
            "customer.subscription.deleted" | "customer.subscription.updated" => {
                let ended = msg.event_type.ends_with("deleted")
                    || matches!(text(object, "status").as_deref(), Some("canceled" | "unpaid" | "incomplete_expired"));
                let user = object.pointer("/metadata/user_id").and_then(|u| u.as_str()).and_then(|u| u.parse().ok());
                match (ended, user) {
                    (true, Some(user_id)) => self.end_provider_subscription(&tx, user_id, "stripe").await?,
                    _ => (EventOutcome::Ignored, Vec::new()),
                }
            }
            // A refund, or a chargeback: the card's owner disputes the charge and the bank takes
            // the money back at once, so the access it bought ends like a refund's.
            // An inquiry (`warning_needs_response`) takes no money yet; only a dispute does.
            "charge.dispute.created" if text(object, "status").is_some_and(|status| status.starts_with("warning_")) => {
                (EventOutcome::Ignored, Vec::new())
            }
            "charge.refunded" | "charge.dispute.created" => match intent.as_deref() {
                Some(intent) => match store::payment_by_reference(&tx, "stripe", intent).await? {
                    Some(payment_id) if partial => {
                        self.partial_refund(&tx, payment_id, "stripe", object).await?;
                        (EventOutcome::Applied, Vec::new())
                    }
                    Some(payment_id) => {
                        let admin =
                            if partial || msg.event_type == "charge.refunded" { "refund" } else { "chargeback" };
                        let refund = RefundPayment { payment_id, admin: format!("stripe:{admin}") };
                        let (_, outgoing) = self.refund_in(&tx, &refund).await?;
                        (EventOutcome::Applied, outgoing)
                    }
                    // Kept (with its reference) for the payment it belongs to.
                    None => (EventOutcome::Applied, Vec::new()),
                },
                None => (EventOutcome::Ignored, Vec::new()),
            },
            _ => (EventOutcome::Ignored, Vec::new()),
        };
        tx.commit().await?;
        self.send(outgoing);
        Ok(outcome)
    }

    /// Tell the player their access started (payments made outside the chat).
    async fn announce(
        &self,
        tx: &db::Transaction<'_>,
        user_id: i64,
        outcome: &PaymentOutcome,
        mut outgoing: Vec<crate::domain::Outgoing>,
    ) -> Result<Vec<crate::domain::Outgoing>, StoreError> {
        if let PaymentOutcome::Activated { plan, expires_at, .. } = outcome {
            let lang = lang_of(tx, user_id).await?;
            let reply = Reply::VipActivated { plan: plan.clone(), expires_at: *expires_at };
            outgoing.extend(
                db::outbox::insert(tx, vec![Pending { chat_id: user_id, user_id: Some(user_id), lang, reply }]).await?,
            );
        }
        Ok(outgoing)
    }

    /// Apply a PayPal event once (by its id). Sales pay (each one: PayPal subscriptions renew
    /// with a new sale), refunds undo their sale, and a subscription cancelled or expired at
    /// PayPal ends the access it gave.
    pub async fn paypal_event(&self, msg: PaypalEvent) -> Result<EventOutcome, StoreError> {
        let mut conn = self.pool.get().await?;
        let tx = crate::store::begin(&mut conn).await?;
        let resource = &msg.resource;
        let text = |key: &str| resource.get(key).and_then(|x| x.as_str()).map(str::to_owned);
        // A refund names its sale; a reversal (a chargeback) may be the sale itself.
        let refunded_sale = match msg.event_type.as_str() {
            "PAYMENT.SALE.REFUNDED" => text("sale_id"),
            "PAYMENT.SALE.REVERSED" => text("sale_id").or_else(|| link_to_sale(resource)).or_else(|| text("id")),
            _ => None,
        };
        // A sale and its refunds apply one at a time, each seeing what the other wrote.
        let sale = refunded_sale.clone().or_else(|| text("id").filter(|_| msg.event_type == "PAYMENT.SALE.COMPLETED"));
        if let Some(sale) = &sale {
            store::lock_reference(&tx, "paypal", sale).await?;
        }
        let refunded = resource.pointer("/amount/total").and_then(|t| t.as_str()).and_then(paypal_cents);
        let event = ProviderEvent {
            provider: "paypal",
            id: &msg.id,
            event_type: &msg.event_type,
            reference: refunded_sale.as_deref(),
            subject: None,
            // A reversal takes all of it back; a refund says how much (`None`: all, unreadable).
            amount: refunded.map(i64::abs).filter(|_| msg.event_type == "PAYMENT.SALE.REFUNDED"),
        };
        if !store::record_event(&tx, &event).await? {
            return Ok(EventOutcome::Duplicate);
        }
        let payload = text("custom").or_else(|| text("custom_id")).and_then(|p| InvoicePayload::decode(&p));
        let (outcome, outgoing) = match msg.event_type.as_str() {
            "PAYMENT.SALE.COMPLETED" => {
                let amount = resource.pointer("/amount/total").and_then(|a| a.as_str()).and_then(paypal_cents);
                let currency = resource.pointer("/amount/currency").and_then(|c| c.as_str()).unwrap_or_default();
                match (payload, amount, text("id")) {
                    (Some(p), Some(amount), Some(sale)) => {
                        let paid = PaymentSucceeded {
                            provider: "paypal".into(),
                            external_id: sale,
                            user_id: p.user_id,
                            plan: p.plan,
                            amount,
                            currency: currency.to_uppercase(),
                            recurring: true,
                            // Every sale names the invoice; the first one pays it (later
                            // ones find it paid), so it is no longer asked about.
                            first: true,
                            invoice: Some(p.nonce),
                            raw: resource.clone(),
                        };
                        let (outcome, outgoing) = self.record_payment_in(&tx, &paid).await?;
                        let outgoing = self.announce(&tx, paid.user_id, &outcome, outgoing).await?;
                        (event_outcome(&outcome), outgoing)
                    }
                    _ => (self.unmatched(&msg.id, &msg.event_type), Vec::new()),
                }
            }
            "PAYMENT.SALE.REFUNDED" | "PAYMENT.SALE.REVERSED" => match refunded_sale.as_deref() {
                Some(sale) => match store::payment_by_external(&tx, "paypal", sale).await? {
                    Some(payment_id)
                        if self.money_back(&tx, payment_id, "paypal", sale).await?.is_some_and(|(_, p)| p) =>
                    {
                        self.partial_refund(&tx, payment_id, "paypal", resource).await?;
                        (EventOutcome::Applied, Vec::new())
                    }
                    Some(payment_id) => {
                        let admin = if msg.event_type.ends_with("REFUNDED") { "refund" } else { "chargeback" };
                        let refund = RefundPayment { payment_id, admin: format!("paypal:{admin}") };
                        let (_, outgoing) = self.refund_in(&tx, &refund).await?;
                        (EventOutcome::Applied, outgoing)
                    }
                    // Kept (with the sale's id) for the sale, should it arrive later.
                    None => (EventOutcome::Applied, Vec::new()),
                },
                None => (EventOutcome::Ignored, Vec::new()),
            },
            // Approved by the player; access waits for its first sale. The subscription's id is
            // kept on our invoice, so a sale whose webhook is lost is still asked about.
            "BILLING.SUBSCRIPTION.ACTIVATED" => match (payload, text("id")) {
                (Some(p), Some(subscription)) => {
                    store::add_provider_ref(&tx, &p.nonce, &paypal_reference(&subscription)).await?;
                    (EventOutcome::Applied, Vec::new())
                }
                _ => (self.unmatched(&msg.id, &msg.event_type), Vec::new()),
            },
            // Cancelled or suspended at PayPal: no more renewals, but the days already paid
            // for run out on their own (the sweep ends them).
            "BILLING.SUBSCRIPTION.CANCELLED" | "BILLING.SUBSCRIPTION.SUSPENDED" => match payload {
                Some(p) => {
                    let target = format!("user:{}", p.user_id);
                    let after = serde_json::json!({ "event": msg.event_type, "renews": false });
                    db::audit::append(&tx, "paypal", "subscription.renewal_stopped", &target, None, Some(&after))
                        .await?;
                    (EventOutcome::Applied, Vec::new())
                }
                None => (self.unmatched(&msg.id, &msg.event_type), Vec::new()),
            },
            "BILLING.SUBSCRIPTION.EXPIRED" => match payload {
                Some(p) => self.end_provider_subscription(&tx, p.user_id, "paypal").await?,
                None => (self.unmatched(&msg.id, &msg.event_type), Vec::new()),
            },
            _ => (EventOutcome::Ignored, Vec::new()),
        };
        tx.commit().await?;
        self.send(outgoing);
        Ok(outcome)
    }

    /// An event about a payment we cannot place: kept (so the provider stops retrying), reported.
    fn unmatched(&self, id: &str, event_type: &str) -> EventOutcome {
        PAYMENT_DISAGREEMENTS.inc();
        count_error("provider_event_unmatched");
        tracing::error!(event = %id, event_type, "a provider event names no player or plan of ours");
        EventOutcome::Ignored
    }

    /// What the money-back events recorded for `reference` add up to, and whether that is less
    /// than the payment (partial); `None` when nothing came back. Refunds add up: two partial
    /// ones that make the whole end the access like one full refund.
    async fn money_back(
        &self,
        tx: &db::Transaction<'_>,
        payment_id: i64,
        provider: &str,
        reference: &str,
    ) -> Result<Option<(MoneyBack, bool)>, StoreError> {
        let Some(back) = store::money_back(tx, provider, reference).await? else { return Ok(None) };
        let paid = store::payment(tx, payment_id).await?.map_or(0, |p| p.amount);
        Ok(Some((back, !back.all && back.cents < paid)))
    }

    /// Part of a payment came back: the access stays (what is left still paid for it), and an
    /// admin is asked to look, in the audit log and on the disagreements metric.
    async fn partial_refund(
        &self,
        tx: &db::Transaction<'_>,
        payment_id: i64,
        provider: &str,
        object: &serde_json::Value,
    ) -> Result<(), StoreError> {
        PAYMENT_DISAGREEMENTS.inc();
        tracing::warn!(payment_id, provider, "a partial refund; the access stays, an admin should look");
        let after = serde_json::json!({ "payment": payment_id, "refund": object });
        db::audit::append(tx, provider, "payment.partial_refund", &format!("payment:{payment_id}"), None, Some(&after))
            .await
    }

    /// The provider ended a subscription: its access ends now, unless it came from elsewhere.
    async fn end_provider_subscription(
        &self,
        tx: &db::Transaction<'_>,
        user_id: i64,
        provider: &str,
    ) -> Result<(EventOutcome, Vec<crate::domain::Outgoing>), StoreError> {
        let now = (self.clock)();
        let Some(mut sub) = store::lock_subscription(tx, user_id).await? else {
            return Ok((EventOutcome::Ignored, Vec::new()));
        };
        if sub.provider != provider || sub.status != "active" {
            return Ok((EventOutcome::Ignored, Vec::new()));
        }
        sub.status = "expired".into();
        sub.expires_at = sub.expires_at.min(now);
        store::put_subscription(tx, user_id, &sub).await?;
        store::set_vip_multiplier(tx, user_id, 1.0).await?;
        let target = format!("user:{user_id}");
        let after = serde_json::json!({ "plan": sub.plan, "ended_by": provider });
        db::audit::append(tx, provider, "subscription.end", &target, None, Some(&after)).await?;
        let outgoing = tell(tx, user_id, ended(false)).await?;
        Ok((EventOutcome::Applied, outgoing))
    }

    /// Redeem a token in a transaction of the reconciler's own.
    /// Days of a plan given by an admin: a payment of nothing (so it shows among the player's
    /// payments), the extension, the audit row and the player's messages, in one transaction.
    /// `None` when the player or the plan does not exist.
    pub async fn grant(&self, msg: GrantVip) -> Result<Option<DateTime<Utc>>, StoreError> {
        let plans = self.plans.get();
        let Some(plan) = plans.get(&msg.plan) else { return Ok(None) };
        let mut conn = self.pool.get().await?;
        let tx = crate::store::begin(&mut conn).await?;
        if !db::users::exists(&tx, msg.user_id).await? {
            return Ok(None);
        }
        let external_id = format!("grant:{:016x}", rand::random::<u64>());
        let raw = serde_json::json!({ "admin": msg.admin, "reason": msg.reason, "days": msg.days });
        let new = NewPayment {
            provider: "admin_grant",
            external_id: &external_id,
            user_id: msg.user_id,
            plan: &plan.id,
            amount: 0,
            currency: "EUR",
            recurring: false,
            days: Some(msg.days),
            charge_ref: None,
            raw: &raw,
        };
        let payment_id = store::insert_payment(&tx, &new).await?;
        let now = (self.clock)();
        let (expires_at, started) =
            extend_subscription(&tx, msg.user_id, (&plans, plan), "admin_grant", msg.days, now).await?;
        let after = serde_json::json!({ "plan": plan.id, "days": msg.days, "reason": msg.reason,
            "expires_at": expires_at, "payment": payment_id });
        db::audit::append(&tx, &msg.admin, "vip.grant", &format!("user:{}", msg.user_id), None, Some(&after)).await?;
        let mut replies = vec![Reply::VipActivated { plan: plan.id.clone(), expires_at }];
        if started {
            replies.push(Reply::VipInvite);
        }
        let outgoing = tell(&tx, msg.user_id, replies).await?;
        tx.commit().await?;
        self.send(outgoing);
        Ok(Some(expires_at))
    }

    pub async fn redeem(&self, msg: RedeemToken) -> Result<PaymentOutcome, StoreError> {
        let mut conn = self.pool.get().await?;
        let tx = crate::store::begin(&mut conn).await?;
        let outcome = redeem_token(&tx, &self.plans.get(), (self.clock)(), &msg).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Money that does not match what we sold: recorded as disputed (no access) and reported
    /// in the audit log and on a metric, for an admin to settle or refund.
    async fn refused(
        &self,
        tx: &db::Transaction<'_>,
        msg: &PaymentSucceeded,
        refusal: CheckoutRefusal,
    ) -> Result<PaymentOutcome, StoreError> {
        PAYMENT_DISAGREEMENTS.inc();
        count_error("payment_refused");
        tracing::error!(
            user_id = msg.user_id, provider = %msg.provider, external_id = %msg.external_id, ?refusal,
            "a payment does not match what we sold; no access granted"
        );
        let charge_ref = self.charge_ref(tx, msg).await?;
        let new = NewPayment {
            provider: &msg.provider,
            external_id: &msg.external_id,
            user_id: msg.user_id,
            plan: &msg.plan,
            amount: msg.amount,
            currency: &msg.currency,
            recurring: msg.recurring,
            days: None,
            // Money that bought nothing can still be refunded, and disputed.
            charge_ref: charge_ref.as_deref(),
            raw: &msg.raw,
        };
        if let Some(id) = store::insert_disputed(tx, &new).await? {
            let after = serde_json::json!({ "payment": id, "refusal": refusal, "amount": msg.amount,
                "currency": msg.currency, "plan": msg.plan });
            let target = format!("user:{}", msg.user_id);
            db::audit::append(tx, &msg.provider, "payment.disputed", &target, None, Some(&after)).await?;
        }
        Ok(PaymentOutcome::Refused(refusal))
    }

    /// End access for a refunded payment and mark it, in one transaction.
    pub async fn refund(&self, msg: RefundPayment) -> Result<RefundOutcome, StoreError> {
        let mut conn = self.pool.get().await?;
        let tx = crate::store::begin(&mut conn).await?;
        let (outcome, outgoing) = self.refund_in(&tx, &msg).await?;
        tx.commit().await?;
        self.send(outgoing);
        Ok(outcome)
    }

    /// `refund` inside `tx`; returns the messages to send once it commits.
    async fn refund_in(
        &self,
        tx: &db::Transaction<'_>,
        msg: &RefundPayment,
    ) -> Result<(RefundOutcome, Vec<crate::domain::Outgoing>), StoreError> {
        let now = (self.clock)();
        let Some(payment) = store::lock_payment(tx, msg.payment_id).await? else {
            return Ok((RefundOutcome::NoSuchPayment, Vec::new()));
        };
        if payment.status == "refunded" {
            return Ok((RefundOutcome::AlreadyRefunded, Vec::new()));
        }
        store::mark_refunded(tx, payment.id).await?;
        // Only the time this payment bought goes: other payments' days stay. A disputed payment
        // bought nothing, so nothing goes.
        let bought = payment.status == "paid";
        let bought_days = payment.days.or_else(|| self.plans.get().get(&payment.plan).map(|p| p.days));
        let days = bought_days.filter(|_| bought).map_or(0, i64::from);
        let mut ended = true;
        if let Some(mut sub) = store::lock_subscription(tx, payment.user_id).await? {
            let end = if bought { (sub.expires_at - Duration::days(days)).max(now) } else { sub.expires_at };
            ended = end <= now || sub.status != "active";
            sub.expires_at = end;
            if ended {
                sub.status = "refunded".into();
            }
            store::put_subscription(tx, payment.user_id, &sub).await?;
        }
        if ended {
            store::set_vip_multiplier(tx, payment.user_id, 1.0).await?;
        }
        let before = serde_json::json!({ "payment": payment.id, "status": payment.status, "amount": payment.amount,
            "currency": payment.currency });
        let after = serde_json::json!({ "payment": payment.id, "status": "refunded" });
        let target = format!("user:{}", payment.user_id);
        db::audit::append(tx, &msg.admin, "payment.refund", &target, Some(&before), Some(&after)).await?;
        let outgoing = if ended { tell(tx, payment.user_id, self::ended(true)).await? } else { Vec::new() };
        Ok((RefundOutcome::Refunded { user_id: payment.user_id }, outgoing))
    }

    /// Expire, remind, and repair. Each player is handled in a transaction of their own.
    pub async fn sweep(&self, now: DateTime<Utc>) -> Result<SweepReport, StoreError> {
        let mut report = SweepReport::default();
        let due = {
            let client = self.pool.get().await?;
            store::ending_by(&client, now + Duration::days(3), 10_000).await?
        };
        for user_id in due {
            // One player's trouble (a lock timeout, say) never holds back everyone else's expiry.
            match self.sweep_one(user_id, now).await {
                Ok(Some(Swept::Expired)) => report.expired += 1,
                Ok(Some(Swept::Reminded)) => report.reminded += 1,
                Ok(None) => {}
                Err(error) => {
                    count_error("payment_sweep_player");
                    tracing::error!(user_id, %error, "could not sweep a subscription; next sweep retries");
                }
            }
        }
        let unmatched = {
            let client = self.pool.get().await?;
            store::unmatched_payments(&client, 1_000).await?
        };
        for payment_id in unmatched {
            match self.repair(payment_id, now).await {
                Ok(true) => report.repaired += 1,
                Ok(false) => {}
                // One payment failing must not stop the others, nor the rest of the sweep.
                Err(error) => {
                    count_error("payment_repair");
                    tracing::error!(payment_id, %error, "could not repair a payment; the next sweep retries");
                }
            }
        }
        if !self.pending.is_empty() {
            report.recovered = self.recover_pending().await?;
        }
        Ok(report)
    }

    /// Ask the provider about card payment pages paid but never announced by a webhook, and
    /// apply each as the webhook would have (applied once: a late webhook is a duplicate).
    async fn recover_pending(&self) -> Result<usize, StoreError> {
        let pending = store::pending_invoices(&self.pool.get().await?, 100).await?;
        let mut recovered = 0;
        for (nonce, reference) in pending {
            // Asked about (or not askable) now: next in line after the others, so abandoned
            // pages and failing references never crowd out newer ones.
            let checked = async { store::mark_checked(&self.pool.get().await?, &nonce).await }.await;
            if let Err(error) = checked {
                tracing::warn!(reference, %error, "could not note a pending payment as checked");
            }
            let Some(check) = self.pending.iter().find(|c| c.owns(&reference)) else { continue };
            let found = match check.paid(&reference).await {
                Ok(Some(found)) => found,
                Ok(None) => continue,
                Err(error) => {
                    tracing::warn!(reference, %error, "could not ask about a pending payment; a later sweep retries");
                    continue;
                }
            };
            let id = format!("poll:{reference}");
            let applied = match found {
                Recovered::StripeSession(object) => {
                    let event_type = "checkout.session.completed".into();
                    self.stripe_event(StripeEvent { id, event_type, object }).await
                }
                Recovered::PaypalSale(resource) => {
                    let event_type = "PAYMENT.SALE.COMPLETED".into();
                    self.paypal_event(PaypalEvent { id, event_type, resource }).await
                }
            };
            match applied {
                Ok(EventOutcome::Applied) => {
                    recovered += 1;
                    PAYMENT_DISAGREEMENTS.inc();
                    tracing::warn!(reference, "a paid card payment had no webhook; applied it");
                }
                Ok(_) => {}
                Err(error) => {
                    count_error("payment_recover");
                    tracing::error!(reference, %error, "could not apply a recovered payment; a later sweep retries");
                }
            }
        }
        Ok(recovered)
    }

    async fn sweep_one(&self, user_id: i64, now: DateTime<Utc>) -> Result<Option<Swept>, StoreError> {
        let mut conn = self.pool.get().await?;
        let tx = crate::store::begin(&mut conn).await?;
        let Some(mut sub) = store::lock_subscription(&tx, user_id).await? else { return Ok(None) };
        if sub.status != "active" {
            return Ok(None);
        }
        let (replies, swept) = if sub.expires_at <= now {
            sub.status = "expired".into();
            store::set_vip_multiplier(&tx, user_id, 1.0).await?;
            let target = format!("user:{user_id}");
            let after = serde_json::json!({ "plan": sub.plan, "expired_at": sub.expires_at });
            db::audit::append(&tx, "reconciler", "subscription.expire", &target, None, Some(&after)).await?;
            (ended(false), Swept::Expired)
        } else if sub.provider == "telegram_stars" && self.plans.get().get(&sub.plan).is_some_and(|p| p.recurring) {
            // Telegram renews these by itself: a "renew" reminder would sell a second one.
            return Ok(None);
        } else {
            match reminder_due(sub.expires_at, now, sub.reminded_3d, sub.reminded_1d) {
                Some(days) => {
                    // The 1-day reminder also settles the 3-day one: never two at once.
                    sub.reminded_1d |= days == 1;
                    sub.reminded_3d = true;
                    let plan = sub.plan.clone();
                    (vec![Reply::VipEndingSoon { days, expires_at: sub.expires_at, plan }], Swept::Reminded)
                }
                None => return Ok(None),
            }
        };
        store::put_subscription(&tx, user_id, &sub).await?;
        let outgoing = tell(&tx, user_id, replies).await?;
        tx.commit().await?;
        self.send(outgoing);
        Ok(Some(swept))
    }

    /// A paid payment that never became access (a crash between the provider and us, a manual
    /// insert): grant what it paid for, from when it was paid, and report it.
    async fn repair(&self, payment_id: i64, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut conn = self.pool.get().await?;
        let tx = crate::store::begin(&mut conn).await?;
        let Some(payment) = store::lock_payment(&tx, payment_id).await? else { return Ok(false) };
        let paid_at: DateTime<Utc> =
            tx.query_one("SELECT created_at FROM payments WHERE id = $1", &[&payment_id]).await?.get(0);
        // Checked again under the locks: a payment applied meanwhile is no disagreement.
        let current = store::lock_subscription(&tx, payment.user_id).await?;
        if payment.status != "paid" || current.as_ref().is_some_and(|s| s.expires_at >= paid_at) {
            return Ok(false);
        }
        PAYMENT_DISAGREEMENTS.inc();
        let plans = self.plans.get();
        let Some(plan) = plans.get(&payment.plan) else {
            // Reported once, then set aside as disputed so the sweep does not report it forever.
            let target = format!("payment:{payment_id}");
            let after = serde_json::json!({ "problem": "unknown plan", "plan": payment.plan });
            db::audit::append(&tx, "reconciler", "payment.disagreement", &target, None, Some(&after)).await?;
            tx.execute("UPDATE payments SET status = 'disputed' WHERE id = $1", &[&payment_id]).await?;
            tx.commit().await?;
            tracing::error!(payment_id, plan = %payment.plan, "a paid payment names an unknown plan; reported");
            return Ok(false);
        };
        let expires_at = paid_at + Duration::days(i64::from(payment.days.unwrap_or(plan.days)));
        let status = if expires_at > now { "active" } else { "expired" };
        let sub = Subscription {
            plan: plan.id.clone(),
            provider: payment.provider.clone(),
            status: status.into(),
            started_at: paid_at,
            expires_at,
            reminded_3d: false,
            reminded_1d: false,
        };
        store::put_subscription(&tx, payment.user_id, &sub).await?;
        if status == "active" {
            store::set_vip_multiplier(&tx, payment.user_id, plan.vip_multiplier).await?;
        }
        let target = format!("user:{}", payment.user_id);
        let after = serde_json::json!({ "payment": payment_id, "repaired_until": expires_at });
        db::audit::append(&tx, "reconciler", "payment.repair", &target, None, Some(&after)).await?;
        tx.commit().await?;
        tracing::warn!(payment_id, user_id = payment.user_id, %expires_at, "repaired a payment without access");
        Ok(true)
    }
}

/// Redeem a token once, before it expires, inside `tx`: the tariff's days of its plan, recorded
/// as a payment of the tariff's price, the token marked used. The user actor calls this within
/// the update's transaction (a player redeeming on their first `/start` is registered in that
/// same transaction); the reconciler, within its own.
pub async fn redeem_token(
    tx: &db::Transaction<'_>,
    plans: &Plans,
    now: DateTime<Utc>,
    msg: &RedeemToken,
) -> Result<PaymentOutcome, StoreError> {
    let refusal = match store::lock_token(tx, &msg.token).await? {
        None => Err(TokenRefusal::Unknown),
        // The same player's update delivered again gets the same answer, not a refusal.
        Some(t) if t.used_by == Some(msg.user_id) => return Ok(PaymentOutcome::Duplicate),
        Some(t) if t.used_by.is_some() => Err(TokenRefusal::Used),
        Some(t) if t.expires_at <= now => Err(TokenRefusal::Expired),
        Some(t) => match plans.get(&t.plan) {
            Some(plan) => Ok((t.clone(), plan)),
            None => Err(TokenRefusal::Unknown),
        },
    };
    let (token, plan) = match refusal {
        Ok(found) => found,
        Err(refusal) => {
            // Every use is audited, the refused ones too (only the token's start: it is a secret).
            let target = format!("user:{}", msg.user_id);
            let start: String = msg.token.chars().take(8).collect();
            let after = serde_json::json!({ "token": start, "refusal": refusal });
            db::audit::append(tx, &target, "token.refused", &target, None, Some(&after)).await?;
            return Ok(PaymentOutcome::TokenRefused(refusal));
        }
    };
    store::use_token(tx, &msg.token, msg.user_id).await?;
    let raw = serde_json::json!({ "tariff": token.tariff });
    let days = u32::try_from(token.days).unwrap_or(plan.days);
    let new = NewPayment {
        provider: "admin_token",
        external_id: &msg.token,
        user_id: msg.user_id,
        plan: &plan.id,
        amount: token.price_cents,
        currency: &token.currency,
        recurring: false,
        days: Some(days),
        charge_ref: None,
        raw: &raw,
    };
    let Some(payment_id) = store::insert_payment(tx, &new).await? else { return Ok(PaymentOutcome::Duplicate) };
    let (expires_at, started) = extend_subscription(tx, msg.user_id, (plans, plan), "admin_token", days, now).await?;
    let after = serde_json::json!({ "tariff": token.tariff, "expires_at": expires_at, "payment": payment_id });
    let target = format!("user:{}", msg.user_id);
    db::audit::append(tx, &target, "token.redeem", &target, None, Some(&after)).await?;
    Ok(PaymentOutcome::Activated { plan: plan.id.clone(), expires_at, payment_id, started })
}

/// The current plan, if it is better than the one being bought.
fn plans_better(
    plans: &Plans,
    buying: &crate::domain::plans::Plan,
    current: &str,
) -> Option<crate::domain::plans::Plan> {
    let current = plans.get(current)?;
    (current.vip_multiplier > buying.vip_multiplier).then(|| current.clone())
}

/// Extend the player's subscription by `days` of `plan` (one of `plans`, which may hold a
/// better one running) and turn its perks on. Returns the new end, and whether access starts
/// now (it was not active).
async fn extend_subscription(
    tx: &db::Transaction<'_>,
    user_id: i64,
    (plans, plan): (&Plans, &crate::domain::plans::Plan),
    provider: &str,
    days: u32,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, bool), StoreError> {
    let current = store::lock_subscription(tx, user_id).await?;
    let active = current.as_ref().filter(|s| s.status == "active" && s.expires_at > now);
    let expires_at = extended_until(active.map(|s| s.expires_at), now, days);
    // Paid time is never downgraded: a cheaper plan bought on top of a better one extends the
    // better one.
    let better = active.and_then(|s| plans_better(plans, plan, &s.plan));
    let plan = better.as_ref().unwrap_or(plan);
    // Days given for nothing (an admin's grant, a token) lengthen a running subscription
    // without taking it over: it still renews where it was bought, and its guards (one Stars
    // subscription at a time, no reminders for what renews itself) still hold.
    let gift = matches!(provider, "admin_grant" | "admin_token");
    let provider = match active {
        Some(s) if gift => s.provider.clone(),
        _ => provider.to_owned(),
    };
    let subscription = Subscription {
        plan: plan.id.clone(),
        provider,
        status: "active".into(),
        started_at: active.map_or(now, |s| s.started_at),
        expires_at,
        reminded_3d: false,
        reminded_1d: false,
    };
    store::put_subscription(tx, user_id, &subscription).await?;
    store::set_vip_multiplier(tx, user_id, plan.vip_multiplier).await?;
    Ok((expires_at, active.is_none()))
}

/// The sale a PayPal resource links to (`links[rel=sale]`), by the last part of its address.
fn link_to_sale(resource: &serde_json::Value) -> Option<String> {
    let links = resource.get("links")?.as_array()?;
    let sale = links.iter().find(|l| l.get("rel").and_then(|r| r.as_str()) == Some("sale"))?;
    let href = sale.get("href")?.as_str()?;
    href.rsplit('/').next().filter(|id| !id.is_empty()).map(str::to_owned)
}

fn event_outcome(outcome: &PaymentOutcome) -> EventOutcome {
    match outcome {
        PaymentOutcome::Activated { .. } => EventOutcome::Applied,
        PaymentOutcome::Duplicate => EventOutcome::Duplicate,
        PaymentOutcome::Refused(_) | PaymentOutcome::TokenRefused(_) => EventOutcome::Ignored,
    }
}

#[cfg(test)]
mod amounts {
    #[test]
    fn paypal_amounts_become_cents() {
        assert_eq!(super::paypal_cents("4.99"), Some(499));
        assert_eq!(super::paypal_cents("10"), Some(1000));
        assert_eq!(super::paypal_cents("10.5"), Some(1050));
        assert_eq!(super::paypal_cents("1.999"), None);
        assert_eq!(super::paypal_cents("abc"), None);
        assert_eq!(super::paypal_cents("99999999999999999999.00"), None, "too large is refused, not wrapped");
    }
}

enum Swept {
    Expired,
    Reminded,
}

#[cfg(test)]
#[path = "payments_tests.rs"]
mod tests;
