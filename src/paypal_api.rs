//! A small client for PayPal's REST API, with a configurable base URL so tests point it at a
//! local stand-in: an OAuth token (kept until shortly before it expires), webhook signature
//! verification, subscriptions for our plans, and their sales. A subscription carries our
//! invoice payload as `custom_id`, so every event and sale names the player, plan and invoice.

use crate::http::paypal::PaypalVerifier;
use crate::telegram::api::CallFailure;
use diana_actors::payments::{PendingCheck, Recovered, paypal_reference};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct PaypalApi {
    http: reqwest::Client,
    api_url: url::Url,
    client_id: String,
    secret: String,
    webhook_id: String,
    /// Our plan id → PayPal's billing plan id.
    plans: HashMap<String, String>,
    /// PayPal plans found to charge our price, with that price (asked once each; a new price
    /// in the plans is asked about again).
    priced: Mutex<std::collections::HashSet<(String, i64)>>,
    /// Where PayPal sends the player after approving or giving up: back to the bot.
    return_url: String,
    token: Mutex<Option<(String, Instant)>>,
}

/// Why a plan is not sold through PayPal now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PriceCheck {
    /// PayPal could not be asked; a later try may work.
    Unreachable(String),
    /// PayPal's plan charges something else than ours.
    Mismatch(String),
}

/// How PayPal failed, for callers that only report it.
fn failed(error: reqwest::Error) -> String {
    error.without_url().to_string()
}

impl PaypalApi {
    pub fn new(settings: &crate::config::PaypalSettings, return_url: String) -> PaypalApi {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(15)).build().unwrap_or_default();
        PaypalApi {
            http,
            api_url: settings.api_url.clone(),
            client_id: settings.client_id.expose().to_owned(),
            secret: settings.secret.expose().to_owned(),
            webhook_id: settings.webhook_id.clone(),
            plans: settings.plans.clone(),
            priced: Mutex::new(Default::default()),
            return_url,
            token: Mutex::new(None),
        }
    }

    /// Whether every plan on sale has a PayPal plan (`PAYPAL_PLANS`); a PayPal plan for a plan
    /// not on sale is harmless (it may be about to go on sale).
    pub fn covers(&self, on_sale: &diana_actors::domain::plans::Plans) -> Result<(), String> {
        match on_sale.all.iter().find(|p| !self.plans.is_empty() && !self.plans.contains_key(&p.id)) {
            Some(missing) => Err(format!("PAYPAL_PLANS has no PayPal plan for {:?}", missing.id)),
            None => Ok(()),
        }
    }

    /// Whether PayPal's plan for ours charges what the running plans say, every cycle, in euros.
    /// A PayPal plan edited to another price (or given a trial) is refused with the reason.
    pub async fn check_price(&self, plan: &str) -> Result<(), PriceCheck> {
        let on_sale = diana_actors::content::shelf().plans.get();
        let cents = on_sale.get(plan).map(|p| i64::from(p.eur_cents));
        let (Some(plan_id), Some(cents)) = (self.plans.get(plan), cents) else {
            return Err(PriceCheck::Mismatch(format!("no PayPal plan for {plan}")));
        };
        let key = (plan_id.clone(), cents);
        if self.priced.lock().expect("priced lock").contains(&key) {
            return Ok(());
        }
        let found = self.get(&format!("v1/billing/plans/{plan_id}")).await.map_err(PriceCheck::Unreachable)?;
        let cycles = found.get("billing_cycles").and_then(|c| c.as_array()).cloned().unwrap_or_default();
        let wanted = format!("{}.{:02} EUR", cents / 100, cents % 100);
        let extra = |pointer: &str| {
            let value = found.pointer(pointer).and_then(|v| v.as_str()).unwrap_or("0");
            (!value.parse::<f64>().is_ok_and(|v| v == 0.0)).then(|| value.to_owned())
        };
        let mismatch = cycles
            .is_empty()
            .then(|| "no billing cycles".to_owned())
            .or_else(|| {
                // A setup fee or taxes added on top make the sale differ from our price too.
                extra("/payment_preferences/setup_fee/value").map(|fee| format!("a setup fee of {fee}")).or_else(|| {
                    // Taxes inside the price (PayPal's default) change nothing.
                    let on_top = found.pointer("/taxes/inclusive").and_then(|i| i.as_bool()) == Some(false);
                    extra("/taxes/percentage").filter(|_| on_top).map(|tax| format!("taxes of {tax}% on top"))
                })
            })
            .or_else(|| {
                cycles.iter().find_map(|cycle| {
                    let price = cycle.pointer("/pricing_scheme/fixed_price");
                    let value = price.and_then(|p| p.get("value")).and_then(|v| v.as_str()).unwrap_or("?");
                    let currency = price.and_then(|p| p.get("currency_code")).and_then(|c| c.as_str()).unwrap_or("?");
                    let charged = diana_actors::payments::paypal_cents(value).filter(|_| currency == "EUR");
                    (charged != Some(cents)).then(|| format!("a cycle charges {value} {currency}"))
                })
            });
        if let Some(mismatch) = mismatch {
            let reason = format!("PayPal plan {plan_id} does not match plans.toml ({plan}: {wanted}): {mismatch}");
            diana_actors::metrics::count_error("paypal_plan_price");
            tracing::error!(plan, %reason, "not selling through PayPal");
            return Err(PriceCheck::Mismatch(reason));
        }
        self.priced.lock().expect("priced lock").insert(key);
        Ok(())
    }

    /// Check every plan's price once at start, so a mismatch shows in the log before anyone
    /// tries to buy (and each purchase checks again until it passes).
    pub async fn report_prices(&self) {
        let on_sale = diana_actors::content::shelf().plans.get();
        for plan in self.plans.keys().filter(|id| on_sale.get(id).is_some()) {
            // A mismatch is logged and counted where it is found.
            if let Err(PriceCheck::Unreachable(reason)) = self.check_price(plan).await {
                tracing::warn!(plan, %reason, "could not check a PayPal plan's price");
            }
        }
    }

    fn url(&self, path: &str) -> Result<url::Url, String> {
        self.api_url.join(path).map_err(|e| e.to_string())
    }

    async fn token(&self) -> Result<String, String> {
        if let Some((token, until)) = self.token.lock().expect("token lock").clone()
            && Instant::now() < until
        {
            return Ok(token);
        }
        let response = self
            .http
            .post(self.url("v1/oauth2/token")?)
            .basic_auth(&self.client_id, Some(&self.secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .map_err(failed)?;
        let body: serde_json::Value = response.json().await.map_err(failed)?;
        let token = body.get("access_token").and_then(|t| t.as_str()).ok_or("no access token")?.to_owned();
        // Renewed a minute early, so a request never goes out with a token about to lapse.
        let lasts = body.get("expires_in").and_then(|s| s.as_u64()).unwrap_or(0).saturating_sub(60);
        let until = Instant::now().checked_add(Duration::from_secs(lasts)).unwrap_or_else(Instant::now);
        *self.token.lock().expect("token lock") = Some((token.clone(), until));
        Ok(token)
    }

    async fn get(&self, path: &str) -> Result<serde_json::Value, String> {
        let token = self.token().await?;
        let response = self.http.get(self.url(path)?).bearer_auth(token).send().await.map_err(failed)?;
        if !response.status().is_success() {
            return Err(format!("paypal answered {}", response.status()));
        }
        response.json().await.map_err(failed)
    }

    /// Start a subscription to a plan for our invoice; returns the page where the player
    /// approves it, and the subscription's id. The invoice's nonce is the request id, so a
    /// retried send gets the same subscription back rather than a second one.
    pub async fn create_subscription(&self, plan: &str, payload: &str) -> Result<(url::Url, String), CallFailure> {
        let transient = |reason: String| CallFailure::Transient(format!("paypal: {reason}"));
        let Some(plan_id) = self.plans.get(plan) else {
            return Err(CallFailure::Rejected(format!("no PayPal plan for {plan}")));
        };
        match self.check_price(plan).await {
            Ok(()) => {}
            Err(PriceCheck::Unreachable(reason)) => return Err(transient(reason)),
            Err(PriceCheck::Mismatch(reason)) => return Err(CallFailure::Rejected(reason)),
        }
        let token = self.token().await.map_err(transient)?;
        let request = serde_json::json!({
            "plan_id": plan_id,
            "custom_id": payload,
            "application_context": {
                "brand_name": "Diana",
                "user_action": "SUBSCRIBE_NOW",
                "shipping_preference": "NO_SHIPPING",
                "return_url": self.return_url,
                "cancel_url": self.return_url,
            },
        });
        let nonce = payload.rsplit(':').next().unwrap_or(payload);
        let response = self
            .http
            .post(self.url("v1/billing/subscriptions").map_err(CallFailure::Rejected)?)
            .bearer_auth(token)
            .header("PayPal-Request-Id", nonce)
            .json(&request)
            .send()
            .await
            .map_err(|e| transient(failed(e)))?;
        let status = response.status();
        if status.is_server_error() || status.as_u16() == 429 {
            return Err(transient(format!("answered {status}")));
        }
        let body: serde_json::Value = response.json().await.map_err(|e| transient(failed(e)))?;
        let approve = body.get("links").and_then(|l| l.as_array()).and_then(|links| {
            links.iter().find(|l| l.get("rel").and_then(|r| r.as_str()) == Some("approve"))?.get("href")?.as_str()
        });
        let (Some(approve), Some(id), true) = (approve, body.get("id").and_then(|i| i.as_str()), status.is_success())
        else {
            let message = body.get("message").and_then(|m| m.as_str()).unwrap_or("no approve link");
            return Err(CallFailure::Rejected(format!("paypal answered {status}: {message}")));
        };
        let approve =
            url::Url::parse(approve).map_err(|e| CallFailure::Rejected(format!("paypal approve url: {e}")))?;
        Ok((approve, id.to_owned()))
    }

    /// Give a sale back (all of it). A sale refunded already counts as done.
    pub async fn refund_sale(&self, sale_id: &str, payment_id: i64) -> Result<(), String> {
        let token = self.token().await?;
        let url = self.url(&format!("v1/payments/sale/{sale_id}/refund"))?;
        let response = self
            .http
            .post(url)
            .bearer_auth(token)
            .header("PayPal-Request-Id", format!("diana-refund-{payment_id}"))
            .json(&serde_json::json!({}))
            .send()
            .await
            .map_err(failed)?;
        let status = response.status();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        if status.is_success() || body.get("name").and_then(|n| n.as_str()) == Some("TRANSACTION_ALREADY_REFUNDED") {
            return Ok(());
        }
        let message = body.get("message").and_then(|m| m.as_str()).unwrap_or_default();
        Err(format!("paypal answered {status}: {message}"))
    }

    /// Cancel a subscription, so a refunded one does not charge again. One no longer active
    /// (cancelled already) counts as done.
    pub async fn cancel_subscription(&self, subscription: &str) -> Result<(), String> {
        let token = self.token().await?;
        let url = self.url(&format!("v1/billing/subscriptions/{subscription}/cancel"))?;
        let reason = serde_json::json!({ "reason": "Refunded" });
        let response = self.http.post(url).bearer_auth(token).json(&reason).send().await.map_err(failed)?;
        let status = response.status();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        let issue = body.pointer("/details/0/issue").and_then(|i| i.as_str()).unwrap_or_default();
        if status.is_success() || issue == "SUBSCRIPTION_STATUS_INVALID" {
            return Ok(());
        }
        let message = body.get("message").and_then(|m| m.as_str()).unwrap_or_default();
        Err(format!("paypal answered {status}: {message}"))
    }

    /// The first completed sale of a subscription, shaped as a `PAYMENT.SALE.COMPLETED`
    /// resource, or `None` while nothing has been paid.
    async fn first_sale(&self, subscription_id: &str) -> Result<Option<serde_json::Value>, String> {
        let subscription = self.get(&format!("v1/billing/subscriptions/{subscription_id}")).await?;
        let Some(custom) = subscription.get("custom_id").and_then(|c| c.as_str()) else { return Ok(None) };
        // Invoices are asked about for three days; a day more covers clocks and time zones.
        let now = chrono::Utc::now();
        let window = |at: chrono::DateTime<chrono::Utc>| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let path = format!(
            "v1/billing/subscriptions/{subscription_id}/transactions?start_time={}&end_time={}",
            window(now - chrono::TimeDelta::days(4)),
            window(now + chrono::TimeDelta::hours(1)),
        );
        let listed = self.get(&path).await?;
        let completed = listed
            .get("transactions")
            .and_then(|t| t.as_array())
            .and_then(|all| all.iter().find(|t| t.get("status").and_then(|s| s.as_str()) == Some("COMPLETED")));
        let Some(sale) = completed else { return Ok(None) };
        let gross = sale.pointer("/amount_with_breakdown/gross_amount");
        let field = |key: &str| gross.and_then(|g| g.get(key)).cloned().unwrap_or_default();
        Ok(Some(serde_json::json!({
            "id": sale.get("id").cloned().unwrap_or_default(),
            "amount": { "total": field("value"), "currency": field("currency_code") },
            "custom": custom,
            "billing_agreement_id": subscription_id,
        })))
    }
}

impl PaypalVerifier for PaypalApi {
    fn verify<'a>(
        &'a self,
        headers: Vec<(&'static str, String)>,
        event: &'a serde_json::Value,
    ) -> futures::future::BoxFuture<'a, Result<bool, String>> {
        Box::pin(async move {
            let token = self.token().await?;
            let mut request: serde_json::Map<String, serde_json::Value> =
                headers.into_iter().map(|(k, v)| (k.to_owned(), serde_json::Value::String(v))).collect();
            request.insert("webhook_id".into(), self.webhook_id.clone().into());
            request.insert("webhook_event".into(), event.clone());
            let url = self.url("v1/notifications/verify-webhook-signature")?;
            let response = self.http.post(url).bearer_auth(token).json(&request).send().await.map_err(failed)?;
            let body: serde_json::Value = response.json().await.map_err(failed)?;
            Ok(body.get("verification_status").and_then(|s| s.as_str()) == Some("SUCCESS"))
        })
    }
}

impl PendingCheck for PaypalApi {
    fn owns(&self, reference: &str) -> bool {
        reference.starts_with(&paypal_reference(""))
    }

    fn paid<'a>(&'a self, reference: &'a str) -> futures::future::BoxFuture<'a, Result<Option<Recovered>, String>> {
        Box::pin(async move {
            let subscription = reference.strip_prefix(&paypal_reference("")).unwrap_or(reference);
            Ok(self.first_sale(subscription).await?.map(Recovered::PaypalSale))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::PaypalApi;
    use diana_actors::domain::plans::Plans;

    fn api(plans: &str) -> PaypalApi {
        let settings = crate::config::PaypalSettings {
            client_id: crate::config::Secret::new("c"),
            secret: crate::config::Secret::new("s"),
            webhook_id: "WH".into(),
            api_url: url::Url::parse("http://127.0.0.1:9/").unwrap(),
            plans: plans.split(',').filter_map(|p| p.split_once('=')).map(|(a, b)| (a.into(), b.into())).collect(),
        };
        PaypalApi::new(&settings, "https://t.me/diana_bot".into())
    }

    #[test]
    fn every_plan_on_sale_needs_its_paypal_plan_or_paypal_sells_none() {
        let on_sale = Plans::embedded().unwrap();
        assert!(api("vip=P-1,premium=P-2").covers(&on_sale).is_ok());
        assert!(api("vip=P-1,premium=P-2,oro=P-3").covers(&on_sale).is_ok(), "one about to go on sale is harmless");
        assert!(api("").covers(&on_sale).is_ok(), "PayPal sells nothing");
        let missing = api("vip=P-1").covers(&on_sale).unwrap_err();
        assert!(missing.contains("\"premium\""), "{missing}");
    }
}
