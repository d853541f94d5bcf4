//! A small client for Stripe's Checkout Sessions: the card payment page for a plan. Its base
//! URL is configurable, so tests point it at a local stand-in, never at the internet. The
//! session carries our invoice payload as `client_reference_id`, and the player and plan as
//! metadata on the session and on the subscription, so every webhook names them.

use super::api::CallFailure;
use diana_actors::payments::{PendingCheck, Recovered};
use std::time::Duration;

#[derive(Clone)]
pub struct StripeCheckout {
    http: reqwest::Client,
    api_key: String,
    api_url: url::Url,
    /// Where Stripe sends the player after paying or giving up: back to the bot.
    return_url: String,
}

/// What a session is for.
pub struct SessionRequest<'a> {
    pub user_id: i64,
    pub plan: &'a str,
    pub name: &'a str,
    pub eur_cents: u32,
    pub recurring: bool,
    pub payload: &'a str,
}

/// The Stripe API version we speak (its objects' shapes): invoices still name their payment
/// intent and subscription at the top. The webhook endpoint must be created with it too.
pub const STRIPE_VERSION: &str = "2024-06-20";

impl StripeCheckout {
    pub fn new(api_key: &str, api_url: url::Url, return_url: String) -> StripeCheckout {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("Stripe-Version", reqwest::header::HeaderValue::from_static(STRIPE_VERSION));
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .default_headers(headers)
            .build()
            .unwrap_or_default();
        StripeCheckout { http, api_key: api_key.to_owned(), api_url, return_url }
    }

    /// Create a Checkout Session; returns the page to send the player to, and the session's id.
    pub async fn create_session(&self, req: &SessionRequest<'_>) -> Result<(url::Url, String), CallFailure> {
        let user = req.user_id.to_string();
        let amount = req.eur_cents.to_string();
        let mode = if req.recurring { "subscription" } else { "payment" };
        let mut form: Vec<(&str, &str)> = vec![
            ("mode", mode),
            ("client_reference_id", req.payload),
            ("success_url", &self.return_url),
            ("cancel_url", &self.return_url),
            ("line_items[0][quantity]", "1"),
            ("line_items[0][price_data][currency]", "eur"),
            ("line_items[0][price_data][unit_amount]", &amount),
            ("line_items[0][price_data][product_data][name]", req.name),
            ("metadata[user_id]", &user),
            ("metadata[plan]", req.plan),
        ];
        if req.recurring {
            form.extend([
                ("line_items[0][price_data][recurring][interval]", "month"),
                ("subscription_data[metadata][user_id]", &user),
                ("subscription_data[metadata][plan]", req.plan),
            ]);
        } else {
            form.push(("payment_intent_data[metadata][user_id]", &user));
        }
        let url = self.api_url.join("v1/checkout/sessions").map_err(|e| CallFailure::Rejected(e.to_string()))?;
        let response = self
            .http
            .post(url)
            .bearer_auth(&self.api_key)
            .form(&form)
            .send()
            .await
            .map_err(|e| CallFailure::Transient(format!("stripe: {}", e.without_url())))?;
        let status = response.status();
        let body: serde_json::Value =
            response.json().await.map_err(|e| CallFailure::Transient(format!("stripe: {}", e.without_url())))?;
        if status.is_server_error() || status.as_u16() == 429 {
            return Err(CallFailure::Transient(format!("stripe answered {status}")));
        }
        let page = body.get("url").and_then(|u| u.as_str()).filter(|_| status.is_success());
        let (Some(page), Some(id)) = (page, body.get("id").and_then(|i| i.as_str())) else {
            let message = body.pointer("/error/message").and_then(|m| m.as_str()).unwrap_or("no url");
            return Err(CallFailure::Rejected(format!("stripe answered {status}: {message}")));
        };
        let page = url::Url::parse(page).map_err(|e| CallFailure::Rejected(format!("stripe checkout url: {e}")))?;
        Ok((page, id.to_owned()))
    }

    /// Give a payment back (all of it). A payment refunded already counts as done.
    pub async fn refund(&self, payment_intent: &str, payment_id: i64) -> Result<(), String> {
        let url = self.api_url.join("v1/refunds").map_err(|e| e.to_string())?;
        let response = self
            .http
            .post(url)
            .bearer_auth(&self.api_key)
            // Retried, the same refund: Stripe answers it once.
            .header("Idempotency-Key", format!("diana-refund-{payment_id}"))
            .form(&[("payment_intent", payment_intent)])
            .send()
            .await
            .map_err(|e| e.without_url().to_string())?;
        let status = response.status();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        let code = body.pointer("/error/code").and_then(|c| c.as_str()).unwrap_or_default();
        if status.is_success() || code == "charge_already_refunded" {
            return Ok(());
        }
        let message = body.pointer("/error/message").and_then(|m| m.as_str()).unwrap_or_default();
        Err(format!("stripe answered {status}: {message}"))
    }

    /// Cancel a subscription at once, so a refunded one does not charge again. One cancelled
    /// already counts as done.
    pub async fn cancel_subscription(&self, subscription: &str) -> Result<(), String> {
        let url = self.api_url.join(&format!("v1/subscriptions/{subscription}")).map_err(|e| e.to_string())?;
        // Marked, so its `customer.subscription.deleted` does not end more than the refund did.
        let marked = [("cancellation_details[comment]", diana_actors::payments::REFUND_CANCELLATION)];
        let response = self
            .http
            .delete(url)
            .bearer_auth(&self.api_key)
            .form(&marked)
            .send()
            .await
            .map_err(|e| e.without_url().to_string())?;
        let status = response.status();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        let message = body.pointer("/error/message").and_then(|m| m.as_str()).unwrap_or_default();
        // Stripe has no code for it: a cancelled subscription answers 404 or "is canceled".
        if status.is_success() || status.as_u16() == 404 || message.contains("canceled") {
            return Ok(());
        }
        Err(format!("stripe answered {status}: {message}"))
    }

    /// A Checkout Session as Stripe has it now.
    pub async fn session(&self, id: &str) -> Result<serde_json::Value, String> {
        let url = self.api_url.join(&format!("v1/checkout/sessions/{id}")).map_err(|e| e.to_string())?;
        let response =
            self.http.get(url).bearer_auth(&self.api_key).send().await.map_err(|e| e.without_url().to_string())?;
        if !response.status().is_success() {
            return Err(format!("stripe answered {}", response.status()));
        }
        response.json().await.map_err(|e| e.without_url().to_string())
    }
}

impl PendingCheck for StripeCheckout {
    /// Checkout Session ids: `cs_live_…`, `cs_test_…`.
    fn owns(&self, reference: &str) -> bool {
        reference.starts_with("cs_")
    }

    fn paid<'a>(&'a self, reference: &'a str) -> futures::future::BoxFuture<'a, Result<Option<Recovered>, String>> {
        Box::pin(async move {
            let session = self.session(reference).await?;
            let paid = session.get("status").and_then(|s| s.as_str()) == Some("complete")
                && session.get("payment_status").and_then(|s| s.as_str()) == Some("paid");
            Ok(paid.then_some(Recovered::StripeSession(session)))
        })
    }
}
