//! Earning and spending besitos inside an update's transaction: lock the wallet, check the
//! idempotency key, decide with `domain::points`, write the ledger row.

use crate::domain::economy::Economy;
use crate::domain::points::{self, CapVerdict};
use crate::store::{self, StoreError, Transaction, ledger::Change};
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
    let Some(wallet) = store::ledger::lock_wallet(tx, earning.user_id).await? else {
        return Ok(Credited::NoWallet);
    };
    if store::ledger::key_used(tx, earning.key).await? {
        return Ok(Credited::AlreadyPaid);
    }
    let now = Utc::now();
    let amount = if earning.multiplied {
        let factor =
            points::earning_multiplier(wallet.vip_multiplier, wallet.boost_multiplier, wallet.boost_until, now);
        points::multiplied(earning.base, factor)
    } else {
        earning.base
    };
    let cap = economy.cap(earning.action_type);
    let earned_today = match cap {
        Some(_) => store::ledger::earned_since(tx, earning.user_id, earning.action_type, day_start(tz, now)).await?,
        None => 0,
    };
    let amount = match points::apply_cap(amount, earned_today, cap) {
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
    let (balance, _) = store::ledger::apply(tx, &change).await?;
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
    let Some(wallet) = store::ledger::lock_wallet(tx, user_id).await? else {
        return Ok(Debited::NoWallet);
    };
    if store::ledger::key_used(tx, key).await? {
        return Ok(Debited::AlreadyDone);
    }
    match points::spend(wallet.available_points, price) {
        Err(missing) => Ok(Debited::Insufficient { balance: wallet.available_points, missing }),
        Ok(_) => {
            let change = Change { user_id, action_type, points_change: -price, idempotency_key: key, context };
            let (balance, _) = store::ledger::apply(tx, &change).await?;
            Ok(Debited::Spent { balance })
        }
    }
}
