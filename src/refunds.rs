//! Giving a payment's money back, for the CLI and the dashboard: the provider refunds first
//! (Telegram Stars: `refundStarPayment`; Stripe: a refund of the payment intent; PayPal: a
//! refund of the sale), and a subscription the payment belongs to is cancelled at the provider
//! so it does not charge again; then the reconciler ends the access that payment bought.

use crate::paypal_api::PaypalApi;
use crate::telegram::api::{CallFailure, TelegramApi};
use crate::telegram::stripe_checkout::StripeCheckout;
use diana_actors::store::{self, Pool, StoreError};
use teloxide::prelude::Requester;
use teloxide::types::{TelegramTransactionId, UserId};

#[derive(Debug, thiserror::Error)]
pub enum RefundError {
    #[error("no payment {0}")]
    NoSuchPayment(i64),
    #[error("payment {0} is already {1}")]
    NotRefundable(i64, String),
    #[error("refunds for {0} are not available here yet; refund it in the provider's dashboard")]
    NotAvailable(String),
    #[error("{0} is not configured here")]
    NotConfigured(&'static str),
    #[error("the provider did not refund payment {0}: {1}")]
    Refused(i64, String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Who can give money back: each provider that is configured.
#[derive(Clone, Copy, Default)]
pub struct Refunders<'a> {
    pub telegram: Option<&'a TelegramApi>,
    pub stripe: Option<&'a StripeCheckout>,
    pub paypal: Option<&'a PaypalApi>,
}

/// Whether the dashboard can refund a payment of this provider.
pub fn refundable(provider: &str) -> bool {
    matches!(provider, "telegram_stars" | "stripe" | "paypal")
}

/// The money part of a refund. `Ok` means the provider has given it back (now, or earlier).
/// The provider's own refund webhook, when it comes, finds the payment refunded already.
pub async fn give_back(pool: &Pool, refunders: Refunders<'_>, payment_id: i64) -> Result<(), RefundError> {
    let conn = pool.get().await.map_err(StoreError::from)?;
    let payment = store::payments::payment(&store::Transaction::Client(&conn), payment_id)
        .await?
        .ok_or(RefundError::NoSuchPayment(payment_id))?;
    if payment.status != "paid" && payment.status != "disputed" {
        return Err(RefundError::NotRefundable(payment_id, payment.status));
    }
    match payment.provider.as_str() {
        "telegram_stars" => {}
        "stripe" => {
            let stripe = refunders.stripe.ok_or(RefundError::NotConfigured("Stripe"))?;
            let intent = store::payments::payment_intent(&conn, payment_id).await?;
            // A subscription's first payment learns its intent from the first invoice's webhook.
            let intent = intent.ok_or_else(|| {
                RefundError::Refused(
                    payment_id,
                    "Stripe has not yet said which charge paid it; try again shortly".into(),
                )
            })?;
            stripe.refund(&intent, payment_id).await.map_err(|e| RefundError::Refused(payment_id, e))?;
            if let Some(subscription) = store::payments::provider_subscription(&conn, payment_id).await? {
                stopped_renewing(payment_id, stripe.cancel_subscription(&subscription).await);
            }
            return Ok(());
        }
        "paypal" => {
            let paypal = refunders.paypal.ok_or(RefundError::NotConfigured("PayPal"))?;
            paypal
                .refund_sale(&payment.external_id, payment_id)
                .await
                .map_err(|e| RefundError::Refused(payment_id, e))?;
            if let Some(subscription) = store::payments::provider_subscription(&conn, payment_id).await? {
                stopped_renewing(payment_id, paypal.cancel_subscription(&subscription).await);
            }
            return Ok(());
        }
        other => return Err(RefundError::NotAvailable(other.to_owned())),
    }
    let api = refunders.telegram.ok_or(RefundError::NotConfigured("Telegram (TELEGRAM_BOT_TOKEN)"))?;
    let user = UserId(u64::try_from(payment.user_id).map_err(|_| RefundError::NoSuchPayment(payment_id))?);
    let charge = TelegramTransactionId(payment.external_id.clone());
    match api.call("refundStarPayment", api.bot.refund_star_payment(user, charge.clone())).await {
        Ok(_) => {}
        // Refunded by an earlier attempt that stopped before recording it: record it now.
        Err(CallFailure::Rejected(reason)) if reason.contains("ALREADY_REFUNDED") => {}
        Err(failure) => return Err(RefundError::Refused(payment_id, format!("{failure:?}"))),
    }
    // A refunded subscription must not charge again next month.
    if payment.recurring {
        let cancelled = api.call("editUserStarSubscription", api.bot.edit_user_star_subscription(user, charge, true));
        stopped_renewing(payment_id, cancelled.await.map(|_| ()).map_err(|failure| format!("{failure:?}")));
    }
    Ok(())
}

/// The money is back either way; a subscription left renewing is reported for an admin to
/// cancel at the provider.
fn stopped_renewing(payment_id: i64, cancelled: Result<(), String>) {
    if let Err(failure) = cancelled {
        diana_actors::metrics::count_error("subscription_cancel");
        tracing::warn!(payment_id, %failure, "refunded, but its subscription could not be cancelled; cancel it at the provider");
    }
}
