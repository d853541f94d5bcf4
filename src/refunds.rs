//! Giving a payment's money back, for the CLI and the dashboard: the provider refunds first
//! (Telegram Stars: `refundStarPayment`, and the Telegram subscription is cancelled so it does
//! not charge again), then the reconciler ends the access that payment bought.

use crate::telegram::api::{CallFailure, TelegramApi};
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
    #[error("Telegram is not configured (TELEGRAM_BOT_TOKEN)")]
    NoTelegram,
    #[error("Telegram did not refund payment {0}: {1}")]
    Refused(i64, String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The money part of a refund. `Ok` means the provider has given it back (now, or earlier).
pub async fn give_back(pool: &Pool, telegram: Option<&TelegramApi>, payment_id: i64) -> Result<(), RefundError> {
    let conn = pool.get().await.map_err(StoreError::from)?;
    let payment = store::payments::payment(&conn, payment_id).await?.ok_or(RefundError::NoSuchPayment(payment_id))?;
    if payment.status != "paid" && payment.status != "disputed" {
        return Err(RefundError::NotRefundable(payment_id, payment.status));
    }
    if payment.provider != "telegram_stars" {
        return Err(RefundError::NotAvailable(payment.provider));
    }
    let api = telegram.ok_or(RefundError::NoTelegram)?;
    let user = UserId(u64::try_from(payment.user_id).map_err(|_| RefundError::NoSuchPayment(payment_id))?);
    let charge = TelegramTransactionId(payment.external_id.clone());
    match api.call("refundStarPayment", api.bot.refund_star_payment(user, charge.clone())).await {
        Ok(_) => {}
        // Refunded by an earlier attempt that stopped before recording it: record it now.
        Err(CallFailure::Rejected(reason)) if reason.contains("ALREADY_REFUNDED") => {}
        Err(failure) => return Err(RefundError::Refused(payment_id, format!("{failure:?}"))),
    }
    // A refunded subscription must not charge again next month.
    if payment.recurring
        && let Err(failure) =
            api.call("editUserStarSubscription", api.bot.edit_user_star_subscription(user, charge, true)).await
    {
        diana_actors::metrics::count_error("star_subscription_cancel");
        tracing::warn!(payment_id, ?failure, "the Telegram subscription could not be cancelled");
    }
    Ok(())
}
