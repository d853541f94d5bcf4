//! Earning and spending besitos inside an update's transaction: lock the wallet (or use the
//! caller's lock), read what the ledger holds for the key and the cap, decide with
//! `domain::points`, write the wallet and its ledger row.

use crate::domain::economy::Economy;
use crate::domain::points::{self, CapVerdict};
use crate::store::ledger::{Change, Wallet};
use crate::store::{self, StoreError, Transaction};
use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credited {
    Paid {
        amount: i64,
        balance: i64,
    },
    /// This key was paid before: nothing changes.
    AlreadyPaid,
    /// Today's cap for this action is reached: nothing is paid.
    Capped,
    /// The user has no wallet (not registered).
    NoWallet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Debited {
    Spent { balance: i64 },
    Insufficient { balance: i64, missing: i64 },
    AlreadyDone,
    NoWallet,
}

/// An earning: the amount before multipliers, and whether multipliers apply (play earnings:
/// yes; admin grants and referral rewards: no).
pub struct Earning<'a> {
    pub user_id: i64,
    pub action_type: &'a str,
    pub base: i64,
    pub multiplied: bool,
    pub key: &'a str,
    pub context: Value,
}

/// The first instant of today in the game's timezone, for daily caps.
pub fn day_start(tz: Tz, now: DateTime<Utc>) -> DateTime<Utc> {
    let local = now.with_timezone(&tz).date_naive();
    (0..3)
        .find_map(|h| tz.from_local_datetime(&local.and_hms_opt(h, 0, 0)?).earliest())
        .map_or(now, |t| t.with_timezone(&Utc))
}

pub async fn credit(
    tx: &Transaction<'_>,
    economy: &Economy,
    tz: Tz,
    earning: Earning<'_>,
) -> Result<Credited, StoreError> {
    match store::ledger::lock_wallet(tx, earning.user_id).await? {
        Some(mut wallet) => credit_locked(tx, economy, tz, &mut wallet, earning).await,
        None => Ok(Credited::NoWallet),
    }
}

/// `credit`, for a caller that locked the wallet earlier in this transaction
/// (`ledger::lock_wallet`) and keeps it: `wallet` is kept current, so the caller can go on
/// deciding with it, and the lock is not taken again.
pub async fn credit_locked(
    tx: &Transaction<'_>,
    economy: &Economy,
    tz: Tz,
    wallet: &mut Wallet,
    earning: Earning<'_>,
) -> Result<Credited, StoreError> {
    let now = Utc::now();
    let cap = economy.cap(earning.action_type);
    let since = cap.map(|_| day_start(tz, now));
    let prior = store::ledger::prior(tx, earning.key, earning.user_id, earning.action_type, since).await?;
    if prior.key_used {
        return Ok(Credited::AlreadyPaid);
    }
    let amount = if earning.multiplied {
        let factor =
            points::earning_multiplier(wallet.vip_multiplier, wallet.boost_multiplier, wallet.boost_until, now);
        points::multiplied(earning.base, factor)
    } else {
        earning.base
    };
    let amount = match points::apply_cap(amount, prior.earned_since, cap) {
        CapVerdict::Pay(amount) if amount > 0 => amount,
        _ => return Ok(Credited::Capped),
    };
    let change = Change {
        user_id: earning.user_id,
        action_type: earning.action_type,
        points_change: amount,
        idempotency_key: earning.key,
        context: earning.context,
    };
    let (balance, total) = store::ledger::apply(tx, &change).await?;
    (wallet.available_points, wallet.total_points) = (balance, total);
    Ok(Credited::Paid { amount, balance })
}

pub async fn debit(
    tx: &Transaction<'_>,
    user_id: i64,
    action_type: &str,
    price: i64,
    key: &str,
    context: Value,
) -> Result<Debited, StoreError> {
    match store::ledger::lock_wallet(tx, user_id).await? {
        Some(mut wallet) => debit_locked(tx, &mut wallet, user_id, action_type, price, key, context).await,
        None => Ok(Debited::NoWallet),
    }
}

/// `debit`, for a caller that holds the wallet's lock (see `credit_locked`).
pub async fn debit_locked(
    tx: &Transaction<'_>,
    wallet: &mut Wallet,
    user_id: i64,
    action_type: &str,
    price: i64,
    key: &str,
    context: Value,
) -> Result<Debited, StoreError> {
    if store::ledger::prior(tx, key, user_id, action_type, None).await?.key_used {
        return Ok(Debited::AlreadyDone);
    }
    match points::spend(wallet.available_points, price) {
        Err(missing) => Ok(Debited::Insufficient { balance: wallet.available_points, missing }),
        Ok(_) => {
            let change = Change { user_id, action_type, points_change: -price, idempotency_key: key, context };
            let (balance, total) = store::ledger::apply(tx, &change).await?;
            (wallet.available_points, wallet.total_points) = (balance, total);
            Ok(Debited::Spent { balance })
        }
    }
}
