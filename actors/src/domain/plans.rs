//! VIP plans (`assets/plans.toml`) and the rules of paying for them: what an invoice payload
//! says, whether a pre-checkout matches what we offered, and how a payment extends access.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

pub const EMBEDDED: &str = include_str!("../../../assets/plans.toml");

/// Telegram's limit for an invoice payload.
pub const MAX_PAYLOAD_BYTES: usize = 128;
/// Telegram Stars subscriptions renew every 30 days.
pub const STARS_SUBSCRIPTION_SECONDS: u32 = 2_592_000;

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Plan {
    pub id: String,
    pub days: u32,
    pub stars: u32,
    pub eur_cents: u32,
    #[serde(default)]
    pub recurring: bool,
    pub vip_multiplier: f64,
    #[serde(default)]
    pub daily_bonus: i64,
    /// Shown beside the player's name in /perfil.
    pub badge: String,
    pub name_es: String,
    pub name_en: String,
    pub perks_es: String,
    pub perks_en: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Plans {
    #[serde(rename = "plan")]
    pub all: Vec<Plan>,
}

#[derive(Debug, thiserror::Error)]
pub enum PlansError {
    #[error("plans.toml does not parse: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("plans.toml: plan {0}: {1}")]
    Invalid(String, String),
}

impl Plans {
    pub fn embedded() -> Result<Plans, PlansError> {
        Plans::parse(EMBEDDED)
    }

    pub fn parse(text: &str) -> Result<Plans, PlansError> {
        let plans: Plans = toml::from_str(text)?;
        let mut seen = std::collections::HashSet::new();
        for p in &plans.all {
            let bad = |m: &str| Err(PlansError::Invalid(p.id.clone(), m.to_owned()));
            if p.id.is_empty() || p.id.len() > 16 || !p.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                return bad("ids are 1-16 characters of a-z and _");
            }
            if !seen.insert(p.id.as_str()) {
                return bad("listed twice");
            }
            if p.days == 0 || p.stars == 0 || p.eur_cents == 0 {
                return bad("days and prices must be positive");
            }
            if !(1.0..=5.0).contains(&p.vip_multiplier) || p.vip_multiplier <= 1.0 {
                return bad("vip_multiplier must be above 1 and at most 5");
            }
            if p.recurring && p.days != 30 {
                return bad("a recurring plan renews every 30 days, so it must last 30");
            }
        }
        Ok(plans)
    }

    pub fn get(&self, id: &str) -> Option<&Plan> {
        self.all.iter().find(|p| p.id == id)
    }
}

/// What an invoice's payload carries: who buys which plan, and a nonce we keep, so a payload is
/// recognised as ours and used once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoicePayload {
    pub user_id: i64,
    pub plan: String,
    pub nonce: String,
}

impl InvoicePayload {
    pub fn encode(&self) -> String {
        format!("v1:{}:{}:{}", self.user_id, self.plan, self.nonce)
    }

    pub fn decode(text: &str) -> Option<InvoicePayload> {
        if text.len() > MAX_PAYLOAD_BYTES {
            return None;
        }
        let mut parts = text.split(':');
        let (Some("v1"), Some(user), Some(plan), Some(nonce), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let nonce_ok = (8..=40).contains(&nonce.len()) && nonce.bytes().all(|b| b.is_ascii_hexdigit());
        let plan_ok = !plan.is_empty() && plan.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        match (user.parse::<i64>(), nonce_ok && plan_ok) {
            (Ok(user_id), true) => Some(InvoicePayload { user_id, plan: plan.to_owned(), nonce: nonce.to_owned() }),
            _ => None,
        }
    }
}

/// Why a pre-checkout (or a payment) does not match what we offered.
/// Who takes a payment made outside Telegram: a card page at Stripe, or a PayPal subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardProvider {
    Stripe,
    Paypal,
}

impl CardProvider {
    /// The name in `payments.provider`.
    pub fn as_str(self) -> &'static str {
        match self {
            CardProvider::Stripe => "stripe",
            CardProvider::Paypal => "paypal",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CheckoutRefusal {
    /// Not a payload we made, or made for someone else.
    UnknownInvoice,
    /// The plan no longer exists.
    UnknownPlan,
    /// The amount or currency is not the plan's price.
    WrongPrice,
    /// This invoice was already paid.
    AlreadyPaid,
    /// The player is banned.
    Banned,
}

/// Check a pre-checkout or payment against the plan: the currency is Stars and the amount is
/// exactly the plan's price.
pub fn check_price(plan: &Plan, currency: &str, total: u32) -> Result<(), CheckoutRefusal> {
    if currency == "XTR" && total == plan.stars { Ok(()) } else { Err(CheckoutRefusal::WrongPrice) }
}

/// A payment's access runs from the later of now and the current end, for the plan's days.
pub fn extended_until(current_end: Option<DateTime<Utc>>, now: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    current_end.filter(|end| *end > now).unwrap_or(now) + Duration::days(i64::from(days))
}

/// Reminders before expiry: 3 days and 1 day, each once.
pub fn reminder_due(expires_at: DateTime<Utc>, now: DateTime<Utc>, sent_3d: bool, sent_1d: bool) -> Option<u32> {
    let left = expires_at - now;
    if left <= Duration::zero() {
        None
    } else if left <= Duration::days(1) && !sent_1d {
        Some(1)
    } else if left <= Duration::days(3) && !sent_3d && left > Duration::days(1) {
        Some(3)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_plans_are_valid() {
        let plans = Plans::embedded().unwrap();
        assert!(plans.get("vip").is_some() && plans.get("premium").is_some());
        assert!(plans.get("premium").unwrap().vip_multiplier > plans.get("vip").unwrap().vip_multiplier);
        let bad = EMBEDDED.replacen("vip_multiplier = 1.5", "vip_multiplier = 1.0", 1);
        assert!(Plans::parse(&bad).is_err());
    }

    #[test]
    fn payloads_round_trip_and_forgeries_are_refused() {
        let p = InvoicePayload { user_id: 42, plan: "vip".into(), nonce: "0123456789abcdef".into() };
        assert!(p.encode().len() <= MAX_PAYLOAD_BYTES);
        assert_eq!(InvoicePayload::decode(&p.encode()), Some(p));
        for bad in [
            "",
            "v1:42:vip",
            "v2:42:vip:0123456789abcdef",
            "v1:x:vip:0123456789abcdef",
            "v1:42:VIP:0123456789abcdef",
            "v1:42:vip:zz23456789abcdef",
            "v1:42:vip:0123456789abcdef:extra",
        ] {
            assert_eq!(InvoicePayload::decode(bad), None, "{bad}");
        }
        assert_eq!(InvoicePayload::decode(&format!("v1:42:vip:{}", "a".repeat(200))), None);
    }

    #[test]
    fn prices_extensions_and_reminders() {
        let plan = Plans::embedded().unwrap().get("vip").unwrap().clone();
        assert_eq!(check_price(&plan, "XTR", plan.stars), Ok(()));
        assert_eq!(check_price(&plan, "XTR", plan.stars - 1), Err(CheckoutRefusal::WrongPrice));
        assert_eq!(check_price(&plan, "EUR", plan.stars), Err(CheckoutRefusal::WrongPrice));
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert_eq!(extended_until(None, now, 30), now + Duration::days(30));
        assert_eq!(extended_until(Some(now - Duration::days(2)), now, 30), now + Duration::days(30));
        assert_eq!(extended_until(Some(now + Duration::days(5)), now, 30), now + Duration::days(35));
        let end = now + Duration::days(10);
        assert_eq!(reminder_due(end, now, false, false), None);
        assert_eq!(reminder_due(end, end - Duration::days(3), false, false), Some(3));
        assert_eq!(reminder_due(end, end - Duration::days(2), true, false), None);
        assert_eq!(reminder_due(end, end - Duration::hours(20), true, false), Some(1));
        assert_eq!(reminder_due(end, end - Duration::hours(20), false, false), Some(1), "late: only the 1-day one");
        assert_eq!(reminder_due(end, end - Duration::hours(2), true, true), None);
        assert_eq!(reminder_due(end, end + Duration::hours(1), false, false), None);
    }
}
