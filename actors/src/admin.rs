//! Operations an admin performs on a player, shared by the CLI and (later) the dashboard.
//! Each one goes through the ledger and leaves an audit entry in the same transaction.

use crate::domain::economy::Economy;
use crate::store::{self, Pool, StoreError};
use crate::user::wallet::{self, Credited, Debited, Earning};
use chrono_tz::Tz;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("a reason is required (1-500 characters)")]
    NoReason,
    #[error("the amount must not be zero")]
    ZeroAmount,
    #[error("user {0} is not registered")]
    UnknownUser(i64),
    #[error("user {user_id} has only {balance} besitos; cannot take {amount}")]
    Insufficient { user_id: i64, balance: i64, amount: i64 },
    #[error("an operation with this key was already applied; nothing changed")]
    AlreadyApplied,
    #[error("no plan '{0}' in plans.toml")]
    UnknownPlan(String),
    #[error("no tariff '{0}'; define it first")]
    UnknownTariff(String),
    #[error("{0}")]
    Invalid(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Ban a player (or lift the ban), with a reason, audited. A banned player gets one polite
/// message and nothing else.
pub async fn set_ban(pool: &Pool, admin: &str, user_id: i64, banned: bool, reason: &str) -> Result<(), AdminError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AdminError::NoReason);
    }
    let mut conn = pool.get().await.map_err(StoreError::from)?;
    let tx = crate::store::begin(&mut conn).await.map_err(StoreError::from)?;
    if !store::users::set_banned(&tx, user_id, banned).await? {
        return Err(AdminError::UnknownUser(user_id));
    }
    let action = if banned { "user.ban" } else { "user.unban" };
    let after = json!({ "banned": banned, "reason": reason });
    store::audit::append(&tx, admin, action, &format!("user:{user_id}"), None, Some(&after)).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// A sale made outside Telegram's payments, sold at a price for some days of a plan.
#[derive(Debug, Clone)]
pub struct Tariff<'a> {
    pub name: &'a str,
    pub plan: &'a str,
    pub days: i32,
    pub price_cents: i64,
    pub currency: &'a str,
}

/// Define (or change) a tariff, audited.
pub async fn put_tariff(
    pool: &Pool,
    plans: &crate::domain::plans::Plans,
    admin: &str,
    t: &Tariff<'_>,
) -> Result<(), AdminError> {
    if plans.get(t.plan).is_none() {
        return Err(AdminError::UnknownPlan(t.plan.to_owned()));
    }
    let name_ok = (1..=32).contains(&t.name.len())
        && t.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if !name_ok {
        return Err(AdminError::Invalid("a tariff name is 1-32 characters of a-z, 0-9, _ and -"));
    }
    if !(1..=3660).contains(&t.days) || t.price_cents < 0 || t.currency.len() != 3 {
        return Err(AdminError::Invalid("days 1-3660, a price not below zero, and a 3-letter currency"));
    }
    let mut conn = pool.get().await.map_err(StoreError::from)?;
    let tx = crate::store::begin(&mut conn).await.map_err(StoreError::from)?;
    store::payments::put_tariff(&tx, t.name, t.plan, t.days, t.price_cents, t.currency, admin).await?;
    let after = json!({ "plan": t.plan, "days": t.days, "price_cents": t.price_cents, "currency": t.currency });
    store::audit::append(&tx, admin, "tariff.put", &format!("tariff:{}", t.name), None, Some(&after)).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Create a one-time token for a tariff, valid for `valid_days`; returns the `/start` payload
/// (`tok_<token>`) to hand to the buyer. Audited.
pub async fn create_token(pool: &Pool, admin: &str, tariff: &str, valid_days: u32) -> Result<String, AdminError> {
    let token = format!("{:016x}{:016x}", rand::random::<u64>(), rand::random::<u64>());
    let expires_at = chrono::Utc::now() + chrono::Duration::days(i64::from(valid_days));
    let mut conn = pool.get().await.map_err(StoreError::from)?;
    let tx = crate::store::begin(&mut conn).await.map_err(StoreError::from)?;
    if !store::payments::create_token(&tx, &token, tariff, admin, expires_at).await? {
        return Err(AdminError::UnknownTariff(tariff.to_owned()));
    }
    let after = json!({ "tariff": tariff, "expires_at": expires_at });
    // The token itself is a bearer secret: the log keeps its start only.
    store::audit::append(&tx, admin, "token.create", &format!("token:{}", &token[..8]), None, Some(&after)).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(format!("tok_{token}"))
}

/// Give (positive `amount`) or take (negative) besitos, with a reason. Returns the new balance.
/// With a `key`, retrying the same operation (after a lost answer, say) applies it once.
#[allow(clippy::too_many_arguments)]
pub async fn grant_besitos(
    pool: &Pool,
    economy: &Economy,
    tz: Tz,
    admin: &str,
    user_id: i64,
    amount: i64,
    reason: &str,
    key: Option<&str>,
) -> Result<i64, AdminError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AdminError::NoReason);
    }
    if amount == 0 || amount == i64::MIN {
        return Err(AdminError::ZeroAmount);
    }
    let mut conn = pool.get().await.map_err(StoreError::from)?;
    let tx = crate::store::begin(&mut conn).await.map_err(StoreError::from)?;
    let key = match key {
        Some(k) => format!("admin:{user_id}:{k}"),
        None => format!("admin:{user_id}:{:016x}", rand::random::<u64>()),
    };
    let context = json!({ "admin": admin, "reason": reason });
    let balance = if amount > 0 {
        let earning =
            Earning { user_id, action_type: "admin_grant", base: amount, multiplied: false, key: &key, context };
        match wallet::credit(&tx, economy, tz, earning).await? {
            Credited::Paid { balance, .. } => balance,
            Credited::NoWallet => return Err(AdminError::UnknownUser(user_id)),
            Credited::AlreadyPaid => return Err(AdminError::AlreadyApplied),
            // Admin grants have no daily cap.
            Credited::Capped => return Err(AdminError::ZeroAmount),
        }
    } else {
        match wallet::debit(&tx, user_id, "admin_revoke", -amount, &key, context).await? {
            Debited::Spent { balance } => balance,
            Debited::NoWallet => return Err(AdminError::UnknownUser(user_id)),
            Debited::Insufficient { balance, .. } => {
                return Err(AdminError::Insufficient { user_id, balance, amount: -amount });
            }
            Debited::AlreadyDone => return Err(AdminError::AlreadyApplied),
        }
    };
    let after = json!({ "amount": amount, "reason": reason, "balance": balance });
    store::audit::append(&tx, admin, "besitos.grant", &format!("user:{user_id}"), None, Some(&after)).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(balance)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Identity;
    use crate::store::schema;

    #[tokio::test]
    async fn grants_and_revocations_go_through_the_ledger_with_an_audit_entry() {
        let name = format!("diana_admin_{:016x}", rand::random::<u64>());
        let config = schema::parse_url(&format!("postgres://postgres@127.0.0.1:5432/{name}")).unwrap();
        schema::ensure_database(&config).await.expect("Postgres must be running on 127.0.0.1:5432");
        schema::migrate(&config).await.unwrap();
        let pool = store::pool(&config, 4).unwrap();
        {
            let mut conn = pool.get().await.unwrap();
            let tx = crate::store::begin(&mut conn).await.unwrap();
            let identity =
                Identity { user_id: 5, first_name: "Ana".into(), last_name: None, username: None, language_code: None };
            store::users::register(&tx, &identity, None).await.unwrap();
            tx.commit().await.unwrap();
        }
        let economy = Economy::embedded().unwrap();
        let tz = chrono_tz::Europe::Madrid;
        assert_eq!(grant_besitos(&pool, &economy, tz, "cli", 5, 100, "bienvenida", Some("k1")).await.unwrap(), 100);
        assert_eq!(grant_besitos(&pool, &economy, tz, "cli", 5, -30, "corrección", None).await.unwrap(), 70);
        assert!(matches!(
            grant_besitos(&pool, &economy, tz, "cli", 5, -71, "demasiado", None).await,
            Err(AdminError::Insufficient { balance: 70, .. })
        ));
        assert!(matches!(
            grant_besitos(&pool, &economy, tz, "cli", 5, 10, "  ", None).await,
            Err(AdminError::NoReason)
        ));
        assert!(matches!(
            grant_besitos(&pool, &economy, tz, "cli", 5, 100, "bienvenida", Some("k1")).await,
            Err(AdminError::AlreadyApplied)
        ));
        assert!(matches!(
            grant_besitos(&pool, &economy, tz, "cli", 6, 10, "x", None).await,
            Err(AdminError::UnknownUser(6))
        ));
        let conn = pool.get().await.unwrap();
        let audits: i64 =
            conn.query_one("SELECT count(*) FROM audit_log WHERE action = 'besitos.grant'", &[]).await.unwrap().get(0);
        let rows: i64 = conn.query_one("SELECT count(*) FROM points_transactions", &[]).await.unwrap().get(0);
        assert_eq!((audits, rows), (2, 2), "refused operations leave nothing behind");
        drop(conn);
        let admin = schema::parse_url("postgres://postgres@127.0.0.1:5432/postgres").unwrap();
        let (client, conn) = admin.connect(tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        client.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.unwrap();
    }
}
