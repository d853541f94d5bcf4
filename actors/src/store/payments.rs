//! `invoices`, `payments` and `user_subscriptions`, and the VIP multiplier they control.

use super::{StoreError, Transaction};
use chrono::{DateTime, Utc};

pub async fn create_invoice(
    tx: &Transaction<'_>,
    nonce: &str,
    user_id: i64,
    plan: &str,
    currency: &str,
    amount: i64,
) -> Result<(), StoreError> {
    let stmt = tx
        .prepare_cached("INSERT INTO invoices (nonce, user_id, plan, currency, amount) VALUES ($1, $2, $3, $4, $5)")
        .await?;
    tx.execute(&stmt, &[&nonce, &user_id, &plan, &currency, &amount]).await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    pub user_id: i64,
    pub plan: String,
    pub currency: String,
    pub amount: i64,
    pub paid: bool,
}

/// An invoice we made, locked.
pub async fn lock_invoice(tx: &Transaction<'_>, nonce: &str) -> Result<Option<Invoice>, StoreError> {
    let stmt = tx
        .prepare_cached(
            "SELECT user_id, plan, currency, amount, paid_at IS NOT NULL FROM invoices WHERE nonce = $1 FOR UPDATE",
        )
        .await?;
    Ok(tx.query_opt(&stmt, &[&nonce]).await?.map(|r| Invoice {
        user_id: r.get(0),
        plan: r.get(1),
        currency: r.get(2),
        amount: r.get(3),
        paid: r.get(4),
    }))
}

pub async fn mark_invoice_paid(tx: &Transaction<'_>, nonce: &str) -> Result<(), StoreError> {
    let stmt = tx.prepare_cached("UPDATE invoices SET paid_at = now() WHERE nonce = $1 AND paid_at IS NULL").await?;
    tx.execute(&stmt, &[&nonce]).await?;
    Ok(())
}

/// A payment to record.
#[derive(Debug, Clone)]
pub struct NewPayment<'a> {
    pub provider: &'a str,
    pub external_id: &'a str,
    pub user_id: i64,
    pub plan: &'a str,
    pub amount: i64,
    pub currency: &'a str,
    pub recurring: bool,
    /// The days it buys (`None`: money that bought nothing).
    pub days: Option<u32>,
    /// The id the provider's refunds and disputes will name (Stripe's payment intent).
    pub charge_ref: Option<&'a str>,
    pub raw: &'a serde_json::Value,
}

/// Record a payment; `None` when this provider's id was recorded already.
pub async fn insert_payment(tx: &Transaction<'_>, p: &NewPayment<'_>) -> Result<Option<i64>, StoreError> {
    insert_with_status(tx, p, "paid").await
}

/// Record money that does not match what we sold, for an admin to look at.
pub async fn insert_disputed(tx: &Transaction<'_>, p: &NewPayment<'_>) -> Result<Option<i64>, StoreError> {
    insert_with_status(tx, p, "disputed").await
}

async fn insert_with_status(tx: &Transaction<'_>, p: &NewPayment<'_>, status: &str) -> Result<Option<i64>, StoreError> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO payments (provider, external_id, user_id, plan, amount, currency, status, recurring, raw_event,
                                   days, charge_ref)
             VALUES ($1, $2, $3, $4, $5, $6, $9, $7, $8, $10, $11)
             ON CONFLICT (provider, external_id) DO NOTHING RETURNING id",
        )
        .await?;
    let days = p.days.map(|d| i32::try_from(d).unwrap_or(i32::MAX));
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 11] = [
        &p.provider,
        &p.external_id,
        &p.user_id,
        &p.plan,
        &p.amount,
        &p.currency,
        &p.recurring,
        p.raw,
        &status,
        &days,
        &p.charge_ref,
    ];
    let row = tx.query_opt(&stmt, &params).await?;
    Ok(row.map(|r| r.get(0)))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub id: i64,
    pub provider: String,
    pub external_id: String,
    pub user_id: i64,
    pub plan: String,
    pub amount: i64,
    pub currency: String,
    pub status: String,
    /// The days it bought, when recorded (older rows: the plan's).
    pub days: Option<u32>,
}

pub async fn lock_payment(tx: &Transaction<'_>, id: i64) -> Result<Option<Payment>, StoreError> {
    let stmt = tx
        .prepare_cached(
            "SELECT id, provider, external_id, user_id, plan, amount, currency, status, days FROM payments
             WHERE id = $1 FOR UPDATE",
        )
        .await?;
    Ok(tx.query_opt(&stmt, &[&id]).await?.map(|r| Payment {
        id: r.get(0),
        provider: r.get(1),
        external_id: r.get(2),
        user_id: r.get(3),
        plan: r.get(4),
        amount: r.get(5),
        currency: r.get(6),
        status: r.get(7),
        days: r.get::<_, Option<i32>>(8).and_then(|d| u32::try_from(d).ok()),
    }))
}

pub async fn mark_refunded(tx: &Transaction<'_>, id: i64) -> Result<(), StoreError> {
    let stmt = tx.prepare_cached("UPDATE payments SET status = 'refunded', refunded_at = now() WHERE id = $1").await?;
    tx.execute(&stmt, &[&id]).await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    pub plan: String,
    pub provider: String,
    pub status: String,
    pub started_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub reminded_3d: bool,
    pub reminded_1d: bool,
}

pub async fn lock_subscription(tx: &Transaction<'_>, user_id: i64) -> Result<Option<Subscription>, StoreError> {
    let stmt = tx
        .prepare_cached(
            "SELECT plan, provider, status, started_at, expires_at, reminded_3d, reminded_1d
             FROM user_subscriptions WHERE user_id = $1 FOR UPDATE",
        )
        .await?;
    Ok(tx.query_opt(&stmt, &[&user_id]).await?.map(|r| Subscription {
        plan: r.get(0),
        provider: r.get(1),
        status: r.get(2),
        started_at: r.get(3),
        expires_at: r.get(4),
        reminded_3d: r.get(5),
        reminded_1d: r.get(6),
    }))
}

/// The player's active subscription now, with its provider and end (no lock: a read).
pub async fn active_subscription(
    client: &Transaction<'_>,
    user_id: i64,
) -> Result<Option<(String, String, DateTime<Utc>)>, StoreError> {
    let stmt = client
        .prepare_cached(
            "SELECT plan, provider, expires_at FROM user_subscriptions
             WHERE user_id = $1 AND status = 'active' AND expires_at > now()",
        )
        .await?;
    Ok(client.query_opt(&stmt, &[&user_id]).await?.map(|r| (r.get(0), r.get(1), r.get(2))))
}

/// Write the player's subscription; a new end date clears the reminders sent for the old one.
pub async fn put_subscription(tx: &Transaction<'_>, user_id: i64, s: &Subscription) -> Result<(), StoreError> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO user_subscriptions
                 (user_id, plan, provider, status, started_at, expires_at, reminded_3d, reminded_1d)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (user_id) DO UPDATE SET plan = EXCLUDED.plan, provider = EXCLUDED.provider,
                 status = EXCLUDED.status, started_at = EXCLUDED.started_at, expires_at = EXCLUDED.expires_at,
                 reminded_3d = EXCLUDED.reminded_3d, reminded_1d = EXCLUDED.reminded_1d, updated_at = now()",
        )
        .await?;
    tx.execute(
        &stmt,
        &[&user_id, &s.plan, &s.provider, &s.status, &s.started_at, &s.expires_at, &s.reminded_3d, &s.reminded_1d],
    )
    .await?;
    Ok(())
}

/// The VIP multiplier on earnings: above 1 while a subscription is active, 1 otherwise.
pub async fn set_vip_multiplier(tx: &Transaction<'_>, user_id: i64, multiplier: f64) -> Result<(), StoreError> {
    let stmt = tx.prepare_cached("UPDATE user_gamification SET vip_multiplier = $2 WHERE user_id = $1").await?;
    tx.execute(&stmt, &[&user_id, &multiplier]).await?;
    Ok(())
}

/// Active subscriptions that end by `horizon` (to expire or to remind), soonest first.
pub async fn ending_by(
    client: &deadpool_postgres::Client,
    horizon: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    let stmt = client
        .prepare_cached(
            "SELECT user_id FROM user_subscriptions WHERE status = 'active' AND expires_at <= $1
             ORDER BY expires_at LIMIT $2",
        )
        .await?;
    Ok(client.query(&stmt, &[&horizon, &limit]).await?.iter().map(|r| r.get(0)).collect())
}

/// Paid payments whose player has no subscription reaching past the payment: disagreements.
pub async fn unmatched_payments(client: &deadpool_postgres::Client, limit: i64) -> Result<Vec<i64>, StoreError> {
    let stmt = client
        .prepare_cached(
            "SELECT p.id FROM payments p
             LEFT JOIN user_subscriptions s ON s.user_id = p.user_id
             WHERE p.status = 'paid' AND (s.user_id IS NULL OR s.expires_at < p.created_at)
             ORDER BY p.id LIMIT $1",
        )
        .await?;
    Ok(client.query(&stmt, &[&limit]).await?.iter().map(|r| r.get(0)).collect())
}

/// Create or change a tariff.
pub async fn put_tariff(
    tx: &Transaction<'_>,
    name: &str,
    plan: &str,
    days: i32,
    price_cents: i64,
    currency: &str,
    admin: &str,
) -> Result<(), StoreError> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO tariffs (name, plan, days, price_cents, currency, created_by) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (name) DO UPDATE SET plan = EXCLUDED.plan, days = EXCLUDED.days,
                 price_cents = EXCLUDED.price_cents, currency = EXCLUDED.currency",
        )
        .await?;
    tx.execute(&stmt, &[&name, &plan, &days, &price_cents, &currency, &admin]).await?;
    Ok(())
}

pub async fn create_token(
    tx: &Transaction<'_>,
    token: &str,
    tariff: &str,
    admin: &str,
    expires_at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO subscription_tokens (token, tariff, created_by, expires_at)
             SELECT $1, name, $3, $4 FROM tariffs WHERE name = $2",
        )
        .await?;
    Ok(tx.execute(&stmt, &[&token, &tariff, &admin, &expires_at]).await? == 1)
}

/// A token with its tariff, locked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub tariff: String,
    pub plan: String,
    pub days: i32,
    pub price_cents: i64,
    pub currency: String,
    pub expires_at: DateTime<Utc>,
    pub used_by: Option<i64>,
}

pub async fn lock_token(tx: &Transaction<'_>, token: &str) -> Result<Option<Token>, StoreError> {
    let stmt = tx
        .prepare_cached(
            "SELECT t.tariff, f.plan, f.days, f.price_cents, f.currency, t.expires_at, t.used_by
             FROM subscription_tokens t JOIN tariffs f ON f.name = t.tariff
             WHERE t.token = $1 FOR UPDATE OF t",
        )
        .await?;
    Ok(tx.query_opt(&stmt, &[&token]).await?.map(|r| Token {
        tariff: r.get(0),
        plan: r.get(1),
        days: r.get(2),
        price_cents: r.get(3),
        currency: r.get(4),
        expires_at: r.get(5),
        used_by: r.get(6),
    }))
}

pub async fn use_token(tx: &Transaction<'_>, token: &str, user_id: i64) -> Result<(), StoreError> {
    let stmt =
        tx.prepare_cached("UPDATE subscription_tokens SET used_by = $2, used_at = now() WHERE token = $1").await?;
    tx.execute(&stmt, &[&token, &user_id]).await?;
    Ok(())
}

/// A provider's event as recorded: applied once, by its id.
#[derive(Debug, Clone, Copy)]
pub struct ProviderEvent<'a> {
    pub provider: &'a str,
    pub id: &'a str,
    pub event_type: &'a str,
    /// What it is about (the payment intent or sale a refund names), to match an event that
    /// arrives before its payment.
    pub reference: Option<&'a str>,
    /// A second id it links to the reference (the subscription a first invoice belongs to).
    pub subject: Option<&'a str>,
    /// For a refund, how much it gave back in cents, when that is less than all of it.
    pub amount: Option<i64>,
}

/// Events that take money back: refunds, chargebacks and reversals.
const MONEY_BACK: &str =
    "('charge.refunded', 'charge.dispute.created', 'PAYMENT.SALE.REFUNDED', 'PAYMENT.SALE.REVERSED')";

/// Record a provider's event; `false` if it was recorded before (a redelivery).
pub async fn record_event(tx: &Transaction<'_>, e: &ProviderEvent<'_>) -> Result<bool, StoreError> {
    let stmt = tx
        .prepare_cached(
            "INSERT INTO provider_events (provider, event_id, event_type, ref, subject, amount)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .await?;
    let inserted = tx.execute(&stmt, &[&e.provider, &e.id, &e.event_type, &e.reference, &e.subject, &e.amount]).await?;
    Ok(inserted == 1)
}

/// Hold a lock on a provider's id until the transaction ends: events about the same payment
/// (a checkout and its first invoice, a sale and its refund) then apply one after the other,
/// each seeing what the other wrote, however close together they arrive.
pub async fn lock_reference(tx: &Transaction<'_>, provider: &str, reference: &str) -> Result<(), StoreError> {
    let stmt = tx.prepare_cached("SELECT pg_advisory_xact_lock(hashtext($1 || ':' || $2))").await?;
    tx.execute(&stmt, &[&provider, &reference]).await?;
    Ok(())
}

/// What the money-back events recorded for a payment reference add up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MoneyBack {
    /// One of them gave all of it back (or did not say how much).
    pub all: bool,
    /// How much they gave back, in cents: Stripe's figure is a running total; PayPal's, each
    /// refund's own.
    pub cents: i64,
}

/// Money taken back for a payment reference so far, or `None` when nothing was.
pub async fn money_back(
    tx: &Transaction<'_>,
    provider: &str,
    reference: &str,
) -> Result<Option<MoneyBack>, StoreError> {
    let stmt = tx
        .prepare_cached(&format!(
            "SELECT count(*), coalesce(bool_or(amount IS NULL), false),
                    coalesce(CASE WHEN $1 = 'paypal' THEN sum(amount)::bigint ELSE max(amount) END, 0)
               FROM provider_events WHERE provider = $1 AND event_type IN {MONEY_BACK} AND ref = $2"
        ))
        .await?;
    let row = tx.query_one(&stmt, &[&provider, &reference]).await?;
    Ok((row.get::<_, i64>(0) > 0).then(|| MoneyBack { all: row.get(1), cents: row.get(2) }))
}

/// The payment a provider reference (Stripe's payment intent) belongs to.
pub async fn payment_by_reference(
    tx: &Transaction<'_>,
    provider: &str,
    reference: &str,
) -> Result<Option<i64>, StoreError> {
    let stmt = tx
        .prepare_cached("SELECT id FROM payments WHERE provider = $1 AND charge_ref = $2 ORDER BY id LIMIT 1")
        .await?;
    Ok(tx.query_opt(&stmt, &[&provider, &reference]).await?.map(|r| r.get(0)))
}

/// A Stripe subscription's first invoice names the payment intent its Checkout Session did
/// not have: give it to that session's payment. Returns the payment, if it has arrived.
pub async fn link_charge(tx: &Transaction<'_>, subscription: &str, charge: &str) -> Result<Option<i64>, StoreError> {
    // The session's payment is the subscription's one that is not a renewal.
    let stmt = tx
        .prepare_cached(
            "UPDATE payments SET charge_ref = $2
              WHERE id = (SELECT id FROM payments
                           WHERE provider = 'stripe' AND raw_event->>'subscription' = $1 AND NOT recurring
                             AND charge_ref IS NULL
                           ORDER BY id LIMIT 1)
              RETURNING id",
        )
        .await?;
    Ok(tx.query_opt(&stmt, &[&subscription, &charge]).await?.map(|r| r.get(0)))
}

/// The payment intent a Stripe subscription's first invoice named, if that invoice came first.
pub async fn linked_charge(tx: &Transaction<'_>, subscription: &str) -> Result<Option<String>, StoreError> {
    let stmt = tx
        .prepare_cached(
            "SELECT ref FROM provider_events
              WHERE provider = 'stripe' AND subject = $1 AND event_type = 'invoice.paid' AND ref IS NOT NULL
              ORDER BY received_at LIMIT 1",
        )
        .await?;
    Ok(tx.query_opt(&stmt, &[&subscription]).await?.map(|r| r.get(0)))
}

/// A provider's payment by its own id.
pub async fn payment_by_external(
    tx: &Transaction<'_>,
    provider: &str,
    external_id: &str,
) -> Result<Option<i64>, StoreError> {
    let stmt = tx.prepare_cached("SELECT id FROM payments WHERE provider = $1 AND external_id = $2").await?;
    Ok(tx.query_opt(&stmt, &[&provider, &external_id]).await?.map(|r| r.get(0)))
}

/// Remember a provider's id for an invoice (a Checkout Session), to ask about it later. Every
/// one is kept: a retried send opens another session, and the player may pay either.
pub async fn add_provider_ref(client: &Transaction<'_>, nonce: &str, reference: &str) -> Result<(), StoreError> {
    let stmt = client
        .prepare_cached(
            "UPDATE invoices SET provider_refs = array_append(provider_refs, $2)
             WHERE nonce = $1 AND NOT ($2 = ANY(provider_refs))",
        )
        .await?;
    client.execute(&stmt, &[&nonce, &reference]).await?;
    Ok(())
}

/// Card invoices unpaid for longer than a webhook should take (but not abandoned for days),
/// not asked about in the last half hour: (nonce, provider reference).
pub async fn pending_invoices(
    client: &deadpool_postgres::Client,
    limit: i64,
) -> Result<Vec<(String, String)>, StoreError> {
    let stmt = client
        .prepare_cached(
            "SELECT nonce, unnest(provider_refs) FROM invoices
             WHERE paid_at IS NULL AND cardinality(provider_refs) > 0
               AND created_at < now() - INTERVAL '15 minutes' AND created_at > now() - INTERVAL '3 days'
               AND (checked_at IS NULL OR checked_at < now() - INTERVAL '30 minutes')
             ORDER BY created_at LIMIT $1",
        )
        .await?;
    Ok(client.query(&stmt, &[&limit]).await?.iter().map(|r| (r.get(0), r.get(1))).collect())
}

pub async fn mark_checked(client: &deadpool_postgres::Client, nonce: &str) -> Result<(), StoreError> {
    let stmt = client.prepare_cached("UPDATE invoices SET checked_at = now() WHERE nonce = $1").await?;
    client.execute(&stmt, &[&nonce]).await?;
    Ok(())
}

/// A payment as the dashboard and the CLI list it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PaymentRow {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub provider: String,
    pub user_id: i64,
    pub plan: String,
    pub amount: i64,
    pub currency: String,
    pub status: String,
    pub external_id: String,
    pub recurring: bool,
}

fn payment_row(r: &tokio_postgres::Row) -> PaymentRow {
    PaymentRow {
        id: r.get(0),
        created_at: r.get(1),
        provider: r.get(2),
        user_id: r.get(3),
        plan: r.get(4),
        amount: r.get(5),
        currency: r.get(6),
        status: r.get(7),
        external_id: r.get(8),
        recurring: r.get(9),
    }
}

/// Payments newest first, by user, status and provider, older than `before_id` when paging.
pub async fn list(
    client: &impl deadpool_postgres::GenericClient,
    user_id: Option<i64>,
    status: Option<&str>,
    provider: Option<&str>,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<PaymentRow>, StoreError> {
    let stmt = client
        .prepare_cached(
            "SELECT id, created_at, provider, user_id, plan, amount, currency, status, external_id, recurring
             FROM payments
             WHERE ($1::BIGINT IS NULL OR user_id = $1) AND ($2::TEXT IS NULL OR status = $2)
               AND ($3::TEXT IS NULL OR provider = $3) AND ($4::BIGINT IS NULL OR id < $4)
             ORDER BY id DESC LIMIT $5",
        )
        .await?;
    let rows = client.query(&stmt, &[&user_id, &status, &provider, &before_id, &limit]).await?;
    Ok(rows.iter().map(payment_row).collect())
}

/// One payment, for a refund.
pub async fn payment(client: &Transaction<'_>, id: i64) -> Result<Option<PaymentRow>, StoreError> {
    let stmt = client
        .prepare_cached(
            "SELECT id, created_at, provider, user_id, plan, amount, currency, status, external_id, recurring
             FROM payments WHERE id = $1",
        )
        .await?;
    Ok(client.query_opt(&stmt, &[&id]).await?.as_ref().map(payment_row))
}

/// The revenue views, the last 30 days.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RevenueSummary {
    /// (provider, currency, payments, amount)
    pub by_provider: Vec<(String, String, i64, i64)>,
    /// (currency, amount, subscribers)
    pub mrr: Vec<(String, i64, i64)>,
    /// (subscriptions that ended, subscriptions at the window's start)
    pub churn: (i64, i64),
    /// (invoices shown, invoices paid)
    pub conversion: (i64, i64),
}

pub async fn revenue_summary(client: &impl deadpool_postgres::GenericClient) -> Result<RevenueSummary, StoreError> {
    let by_provider = client
        .query(
            "SELECT provider, currency, sum(payments)::BIGINT, sum(amount)::BIGINT FROM revenue_daily
             WHERE day > current_date - 30 GROUP BY 1, 2 ORDER BY 1, 2",
            &[],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    let mrr = client
        .query("SELECT currency, amount, subscribers FROM mrr ORDER BY currency", &[])
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let churn = client.query_one("SELECT ended, at_start FROM churn_30d", &[]).await?;
    let conversion = client
        .query_one(
            "SELECT coalesce(sum(invoices), 0)::BIGINT, coalesce(sum(paid), 0)::BIGINT FROM conversion_daily
             WHERE day > current_date - 30",
            &[],
        )
        .await?;
    Ok(RevenueSummary {
        by_provider,
        mrr,
        churn: (churn.get(0), churn.get(1)),
        conversion: (conversion.get(0), conversion.get(1)),
    })
}

/// Tariffs: (name, plan, days, price in cents, currency, tokens made, tokens used).
pub async fn tariffs(
    client: &impl deadpool_postgres::GenericClient,
) -> Result<Vec<(String, String, i32, i64, String, i64, i64)>, StoreError> {
    let stmt = client
        .prepare_cached(
            "SELECT t.name, t.plan, t.days, t.price_cents, t.currency, count(k.token), count(k.used_at)
             FROM tariffs t LEFT JOIN subscription_tokens k ON k.tariff = t.name
             GROUP BY t.name ORDER BY t.created_at",
        )
        .await?;
    Ok(client
        .query(&stmt, &[])
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), r.get(6)))
        .collect())
}

/// A Stripe payment's payment intent (what a Stripe refund names), from its event.
pub async fn payment_intent(
    client: &impl deadpool_postgres::GenericClient,
    id: i64,
) -> Result<Option<String>, StoreError> {
    let stmt = client.prepare_cached("SELECT charge_ref FROM payments WHERE id = $1").await?;
    Ok(client.query_opt(&stmt, &[&id]).await?.and_then(|r| r.get(0)))
}

/// The provider's subscription a payment belongs to (Stripe's `sub_…`, PayPal's `I-…`), if any.
pub async fn provider_subscription(
    client: &impl deadpool_postgres::GenericClient,
    id: i64,
) -> Result<Option<String>, StoreError> {
    let stmt = client
        .prepare_cached(
            "SELECT coalesce(raw_event->>'subscription', raw_event->>'billing_agreement_id') FROM payments
              WHERE id = $1",
        )
        .await?;
    Ok(client.query_opt(&stmt, &[&id]).await?.and_then(|r| r.get(0)))
}
