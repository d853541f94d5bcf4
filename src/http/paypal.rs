//! `POST /webhooks/paypal`. PayPal's events are verified by asking PayPal
//! (`/v1/notifications/verify-webhook-signature`, behind `PaypalVerifier` so tests stand in
//! for it, with a configurable base URL). A refused or unverifiable request gets a 4xx and
//! changes nothing; a verified event goes to `PaymentReconciler`, applied once by its id.

use super::stripe::{answer, raw_body, refused};
use actix_web::{HttpRequest, HttpResponse, web};
use diana_actors::payments::{PaymentReconciler, PaypalEvent};
use std::time::Duration;

/// The transmission headers PayPal signs with.
const HEADERS: [(&str, &str); 5] = [
    ("paypal-transmission-id", "transmission_id"),
    ("paypal-transmission-time", "transmission_time"),
    ("paypal-transmission-sig", "transmission_sig"),
    ("paypal-cert-url", "cert_url"),
    ("paypal-auth-algo", "auth_algo"),
];

/// Asks whether a webhook really came from PayPal.
pub trait PaypalVerifier: Send + Sync {
    fn verify<'a>(
        &'a self,
        headers: Vec<(&'static str, String)>,
        event: &'a serde_json::Value,
    ) -> futures::future::BoxFuture<'a, Result<bool, String>>;
}

/// PayPal's own verification API.
pub struct PaypalApi {
    http: reqwest::Client,
    api_url: url::Url,
    client_id: String,
    secret: String,
    webhook_id: String,
}

impl PaypalApi {
    pub fn new(api_url: url::Url, client_id: &str, secret: &str, webhook_id: &str) -> PaypalApi {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default();
        PaypalApi {
            http,
            api_url,
            client_id: client_id.to_owned(),
            secret: secret.to_owned(),
            webhook_id: webhook_id.to_owned(),
        }
    }

    async fn token(&self) -> Result<String, String> {
        let url = self.api_url.join("v1/oauth2/token").map_err(|e| e.to_string())?;
        let response = self
            .http
            .post(url)
            .basic_auth(&self.client_id, Some(&self.secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .map_err(|e| e.without_url().to_string())?;
        let body: serde_json::Value = response.json().await.map_err(|e| e.without_url().to_string())?;
        body.get("access_token").and_then(|t| t.as_str()).map(str::to_owned).ok_or_else(|| "no access token".into())
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
            let url = self.api_url.join("v1/notifications/verify-webhook-signature").map_err(|e| e.to_string())?;
            let response = self
                .http
                .post(url)
                .bearer_auth(token)
                .json(&request)
                .send()
                .await
                .map_err(|e| e.without_url().to_string())?;
            let body: serde_json::Value = response.json().await.map_err(|e| e.without_url().to_string())?;
            Ok(body.get("verification_status").and_then(|s| s.as_str()) == Some("SUCCESS"))
        })
    }
}

pub struct PaypalState {
    pub verifier: Box<dyn PaypalVerifier>,
    pub reconciler: actix::Addr<PaymentReconciler>,
}

fn rejected(reason: &'static str) -> HttpResponse {
    refused("paypal", reason)
}

pub async fn receive(req: HttpRequest, payload: web::Payload, state: web::Data<PaypalState>) -> HttpResponse {
    let body = match raw_body(payload, "paypal").await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    let mut headers = Vec::new();
    for (header, field) in HEADERS {
        let Some(value) = req.headers().get(header).and_then(|v| v.to_str().ok()) else { return rejected("unsigned") };
        headers.push((field, value.to_owned()));
    }
    let Ok(event) = serde_json::from_slice::<serde_json::Value>(&body) else { return rejected("not_json") };
    match state.verifier.verify(headers, &event).await {
        Ok(true) => {}
        Ok(false) => return rejected("mismatch"),
        // PayPal could not be asked: not the sender's fault; PayPal retries.
        Err(error) => {
            diana_actors::metrics::count_error("paypal_verify");
            tracing::warn!(%error, "could not verify a PayPal webhook");
            return HttpResponse::ServiceUnavailable().finish();
        }
    }
    let text = |key: &str| event.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let (Some(id), Some(event_type)) = (text("id"), text("event_type")) else { return rejected("not_an_event") };
    let resource = event.get("resource").cloned().unwrap_or_default();
    answer("paypal", state.reconciler.send(PaypalEvent { id, event_type, resource }).await)
}
