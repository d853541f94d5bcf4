//! Rewards for joining through a friend's link: both sides, once, only for a new player.

use super::UserDeps;
use super::wallet::{self, Credited, Earning};
use crate::domain::{Lang, Reply};
use crate::store::{self, StoreError, Transaction, outbox::Pending};
use serde_json::json;

/// Pay the referrer and the new player. Returns the new player's bonus (if paid) and the
/// message to the referrer (if they were paid).
pub(super) async fn reward(
    tx: &Transaction<'_>,
    deps: &UserDeps,
    new_user: i64,
    new_name: &str,
    referrer: i64,
) -> Result<(Option<i64>, Option<Pending>), StoreError> {
    let economy = &deps.settings.economy;
    let tz = deps.settings.timezone;
    let key = format!("referral:{new_user}");
    let for_referrer = Earning {
        user_id: referrer,
        action_type: "referral",
        base: economy.referral.referrer,
        multiplied: false,
        key: &key,
        context: json!({ "friend": new_user }),
    };
    let notice = match wallet::credit(tx, economy, tz, for_referrer).await? {
        Credited::Paid { amount, .. } => {
            let today = chrono::Utc::now().with_timezone(&tz).date_naive();
            store::achievements::bump(tx, referrer, "referrals", 1, today, false).await?;
            let lang = store::users::language_of(tx, referrer).await?;
            Some(Pending {
                chat_id: referrer,
                user_id: Some(referrer),
                lang: Lang::from_language_code(lang.as_deref()),
                reply: Reply::ReferralRewarded { friend_name: new_name.to_owned(), amount },
            })
        }
        _ => None,
    };
    let key = format!("referral_welcome:{new_user}");
    let for_new = Earning {
        user_id: new_user,
        action_type: "referral_welcome",
        base: economy.referral.referred,
        multiplied: false,
        key: &key,
        context: json!({ "referrer": referrer }),
    };
    let bonus = match wallet::credit(tx, economy, tz, for_new).await? {
        Credited::Paid { amount, .. } => Some(amount),
        _ => None,
    };
    Ok((bonus, notice))
}
