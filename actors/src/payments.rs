//! `PaymentReconciler`: the single writer of subscription state. Every payment path (Telegram
//! Stars today; card providers and admin tokens later) sends it `PaymentSucceeded`; refunds
//! come as `RefundPayment`. On a timer, with an injectable clock, it expires ended
//! subscriptions and turns their perks off, sends renewal reminders 3 days and 1 day before
//! the end (each once), and repairs payments that never became access. Each change commits
//! with the messages that announce it.

use crate::achievements::ReplySink;
use crate::domain::plans::{CheckoutRefusal, Plans, extended_until, reminder_due};
use crate::domain::{Lang, Reply};
use crate::metrics::count_error;
use crate::store::payments::{self as store, NewPayment, Subscription};
use crate::store::{self as db, Pool, StoreError, outbox::Pending};
use actix::prelude::*;
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;

/// What time it is, for the reconciler (tests move it).
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(Utc::now)
}

pub static PAYMENT_DISAGREEMENTS: std::sync::LazyLock<prometheus::IntCounter> = std::sync::LazyLock::new(|| {
    prometheus::register_int_counter!(
        "payment_disagreements_total",
        "Payments found without the access they paid for (repaired or reported)"
    )
    .expect("metric registers once")
});

#[derive(Clone)]
pub struct PaymentReconciler {
    pool: Pool,
    plans: Arc<Plans>,
    sink: Option<ReplySink>,
    clock: Clock,
    sweep_every: Option<std::time::Duration>,
}

impl PaymentReconciler {
    pub fn new(pool: Pool, plans: Arc<Plans>, sink: Option<ReplySink>, clock: Clock) -> PaymentReconciler {
        PaymentReconciler { pool, plans, sink, clock, sweep_every: None }
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

/// Why a token gives nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TokenRefusal {
    Unknown,
    Used,
    Expired,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PaymentOutcome {
    /// Recorded; access runs until `expires_at`.
    Activated { plan: String, expires_at: DateTime<Utc>, payment_id: i64 },
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
}

impl Handler<PaymentSucceeded> for PaymentReconciler {
    type Result = ResponseFuture<Result<PaymentOutcome, StoreError>>;

    fn handle(&mut self, msg: PaymentSucceeded, _: &mut Context<Self>) -> Self::Result {
        let me = self.clone();
        Box::pin(async move { me.record_payment(msg).await })
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

impl PaymentReconciler {
    /// Record a payment and extend access, in one transaction; a repeated event changes nothing.
    pub async fn record_payment(&self, msg: PaymentSucceeded) -> Result<PaymentOutcome, StoreError> {
        let now = (self.clock)();
        let Some(plan) = self.plans.get(&msg.plan) else {
            return Ok(self.refused(&msg, CheckoutRefusal::UnknownPlan));
        };
        if msg.currency == "XTR" && msg.amount != i64::from(plan.stars) {
            return Ok(self.refused(&msg, CheckoutRefusal::WrongPrice));
        }
        let mut conn = self.pool.get().await?;
        let tx = conn.transaction().await?;
        if let Some(nonce) = &msg.invoice {
            match store::lock_invoice(&tx, nonce).await? {
                Some(invoice) if invoice.user_id == msg.user_id && invoice.plan == msg.plan => {
                    // A renewal pays the same invoice again; a first payment marks it used.
                    if !msg.recurring {
                        store::mark_invoice_paid(&tx, nonce).await?;
                    }
                }
                _ => return Ok(self.refused(&msg, CheckoutRefusal::UnknownInvoice)),
            }
        }
        let new = NewPayment {
            provider: &msg.provider,
            external_id: &msg.external_id,
            user_id: msg.user_id,
            plan: &msg.plan,
            amount: msg.amount,
            currency: &msg.currency,
            recurring: msg.recurring,
            raw: &msg.raw,
        };
        let Some(payment_id) = store::insert_payment(&tx, &new).await? else {
            return Ok(PaymentOutcome::Duplicate);
        };
        let expires_at = extend_subscription(&tx, msg.user_id, plan, &msg.provider, plan.days, now).await?;
        let after = serde_json::json!({ "plan": plan.id, "expires_at": expires_at, "payment": payment_id });
        let target = format!("user:{}", msg.user_id);
        db::audit::append(&tx, &msg.provider, "subscription.activate", &target, None, Some(&after)).await?;
        tx.commit().await?;
        tracing::info!(user_id = msg.user_id, plan = %plan.id, %expires_at, payment_id, "subscription extended");
        Ok(PaymentOutcome::Activated { plan: plan.id.clone(), expires_at, payment_id })
    }

    /// Redeem a token in a transaction of the reconciler's own.
    pub async fn redeem(&self, msg: RedeemToken) -> Result<PaymentOutcome, StoreError> {
        let mut conn = self.pool.get().await?;
        let tx = conn.transaction().await?;
        let outcome = redeem_token(&tx, &self.plans, (self.clock)(), &msg).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    fn refused(&self, msg: &PaymentSucceeded, refusal: CheckoutRefusal) -> PaymentOutcome {
        PAYMENT_DISAGREEMENTS.inc();
        count_error("payment_refused");
        tracing::error!(
            user_id = msg.user_id, provider = %msg.provider, external_id = %msg.external_id, ?refusal,
            "a payment does not match what we sold; no access granted"
        );
        PaymentOutcome::Refused(refusal)
    }

    /// End access for a refunded payment and mark it, in one transaction.
    pub async fn refund(&self, msg: RefundPayment) -> Result<RefundOutcome, StoreError> {
        let now = (self.clock)();
        let mut conn = self.pool.get().await?;
        let tx = conn.transaction().await?;
        let Some(payment) = store::lock_payment(&tx, msg.payment_id).await? else {
            return Ok(RefundOutcome::NoSuchPayment);
        };
        if payment.status == "refunded" {
            return Ok(RefundOutcome::AlreadyRefunded);
        }
        store::mark_refunded(&tx, payment.id).await?;
        if let Some(mut sub) = store::lock_subscription(&tx, payment.user_id).await? {
            sub.status = "refunded".into();
            sub.expires_at = sub.expires_at.min(now);
            store::put_subscription(&tx, payment.user_id, &sub).await?;
        }
        store::set_vip_multiplier(&tx, payment.user_id, 1.0).await?;
        let before = serde_json::json!({ "payment": payment.id, "status": payment.status, "amount": payment.amount,
            "currency": payment.currency });
        let after = serde_json::json!({ "payment": payment.id, "status": "refunded" });
        let target = format!("user:{}", payment.user_id);
        db::audit::append(&tx, &msg.admin, "payment.refund", &target, Some(&before), Some(&after)).await?;
        let lang = lang_of(&tx, payment.user_id).await?;
        let reply = Reply::VipEnded { refunded: true };
        let pending = vec![Pending { chat_id: payment.user_id, user_id: Some(payment.user_id), lang, reply }];
        let outgoing = db::outbox::insert(&tx, pending).await?;
        tx.commit().await?;
        self.send(outgoing);
        Ok(RefundOutcome::Refunded { user_id: payment.user_id })
    }

    /// Expire, remind, and repair. Each player is handled in a transaction of their own.
    pub async fn sweep(&self, now: DateTime<Utc>) -> Result<SweepReport, StoreError> {
        let mut report = SweepReport::default();
        let due = {
            let client = self.pool.get().await?;
            store::ending_by(&client, now + Duration::days(3), 10_000).await?
        };
        for user_id in due {
            match self.sweep_one(user_id, now).await? {
                Some(Swept::Expired) => report.expired += 1,
                Some(Swept::Reminded) => report.reminded += 1,
                None => {}
            }
        }
        let unmatched = {
            let client = self.pool.get().await?;
            store::unmatched_payments(&client, 1_000).await?
        };
        for payment_id in unmatched {
            if self.repair(payment_id, now).await? {
                report.repaired += 1;
            }
        }
        Ok(report)
    }

    async fn sweep_one(&self, user_id: i64, now: DateTime<Utc>) -> Result<Option<Swept>, StoreError> {
        let mut conn = self.pool.get().await?;
        let tx = conn.transaction().await?;
        let Some(mut sub) = store::lock_subscription(&tx, user_id).await? else { return Ok(None) };
        if sub.status != "active" {
            return Ok(None);
        }
        let (reply, swept) = if sub.expires_at <= now {
            sub.status = "expired".into();
            store::set_vip_multiplier(&tx, user_id, 1.0).await?;
            let target = format!("user:{user_id}");
            let after = serde_json::json!({ "plan": sub.plan, "expired_at": sub.expires_at });
            db::audit::append(&tx, "reconciler", "subscription.expire", &target, None, Some(&after)).await?;
            (Reply::VipEnded { refunded: false }, Swept::Expired)
        } else {
            match reminder_due(sub.expires_at, now, sub.reminded_3d, sub.reminded_1d) {
                Some(days) => {
                    // The 1-day reminder also settles the 3-day one: never two at once.
                    sub.reminded_1d |= days == 1;
                    sub.reminded_3d = true;
                    (Reply::VipEndingSoon { days, expires_at: sub.expires_at }, Swept::Reminded)
                }
                None => return Ok(None),
            }
        };
        store::put_subscription(&tx, user_id, &sub).await?;
        let lang = lang_of(&tx, user_id).await?;
        let outgoing =
            db::outbox::insert(&tx, vec![Pending { chat_id: user_id, user_id: Some(user_id), lang, reply }]).await?;
        tx.commit().await?;
        self.send(outgoing);
        Ok(Some(swept))
    }

    /// A paid payment that never became access (a crash between the provider and us, a manual
    /// insert): grant what it paid for, from when it was paid, and report it.
    async fn repair(&self, payment_id: i64, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut conn = self.pool.get().await?;
        let tx = conn.transaction().await?;
        let Some(payment) = store::lock_payment(&tx, payment_id).await? else { return Ok(false) };
        PAYMENT_DISAGREEMENTS.inc();
        let Some(plan) = self.plans.get(&payment.plan) else {
            let target = format!("payment:{payment_id}");
            let after = serde_json::json!({ "problem": "unknown plan", "plan": payment.plan });
            db::audit::append(&tx, "reconciler", "payment.disagreement", &target, None, Some(&after)).await?;
            tx.commit().await?;
            tracing::error!(payment_id, plan = %payment.plan, "a paid payment names an unknown plan; reported");
            return Ok(false);
        };
        let paid_at: DateTime<Utc> =
            tx.query_one("SELECT created_at FROM payments WHERE id = $1", &[&payment_id]).await?.get(0);
        let expires_at = paid_at + Duration::days(i64::from(plan.days));
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
    let Some(token) = store::lock_token(tx, &msg.token).await? else {
        return Ok(PaymentOutcome::TokenRefused(TokenRefusal::Unknown));
    };
    if token.used_by.is_some() {
        // The same player's update delivered again gets the same answer, not a refusal.
        let mine = token.used_by == Some(msg.user_id);
        return Ok(if mine { PaymentOutcome::Duplicate } else { PaymentOutcome::TokenRefused(TokenRefusal::Used) });
    }
    if token.expires_at <= now {
        return Ok(PaymentOutcome::TokenRefused(TokenRefusal::Expired));
    }
    let Some(plan) = plans.get(&token.plan) else {
        return Ok(PaymentOutcome::TokenRefused(TokenRefusal::Unknown));
    };
    store::use_token(tx, &msg.token, msg.user_id).await?;
    let raw = serde_json::json!({ "tariff": token.tariff });
    let new = NewPayment {
        provider: "admin_token",
        external_id: &msg.token,
        user_id: msg.user_id,
        plan: &plan.id,
        amount: token.price_cents,
        currency: &token.currency,
        recurring: false,
        raw: &raw,
    };
    let Some(payment_id) = store::insert_payment(tx, &new).await? else { return Ok(PaymentOutcome::Duplicate) };
    let days = u32::try_from(token.days).unwrap_or(plan.days);
    let expires_at = extend_subscription(tx, msg.user_id, plan, "admin_token", days, now).await?;
    let after = serde_json::json!({ "tariff": token.tariff, "expires_at": expires_at, "payment": payment_id });
    let target = format!("user:{}", msg.user_id);
    db::audit::append(tx, &target, "token.redeem", &target, None, Some(&after)).await?;
    Ok(PaymentOutcome::Activated { plan: plan.id.clone(), expires_at, payment_id })
}

/// Extend the player's subscription by `days` of `plan` and turn its perks on.
async fn extend_subscription(
    tx: &db::Transaction<'_>,
    user_id: i64,
    plan: &crate::domain::plans::Plan,
    provider: &str,
    days: u32,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, StoreError> {
    let current = store::lock_subscription(tx, user_id).await?;
    let active = current.as_ref().filter(|s| s.status == "active");
    let expires_at = extended_until(active.map(|s| s.expires_at), now, days);
    let subscription = Subscription {
        plan: plan.id.clone(),
        provider: provider.to_owned(),
        status: "active".into(),
        started_at: active.map_or(now, |s| s.started_at),
        expires_at,
        reminded_3d: false,
        reminded_1d: false,
    };
    store::put_subscription(tx, user_id, &subscription).await?;
    store::set_vip_multiplier(tx, user_id, plan.vip_multiplier).await?;
    Ok(expires_at)
}

enum Swept {
    Expired,
    Reminded,
}

#[cfg(test)]
#[path = "payments_tests.rs"]
mod tests;
