//! `POST /webhooks/paypal`. PayPal's events are verified by asking PayPal
//! (`/v1/notifications/verify-webhook-signature`, behind `PaypalVerifier`; the real one is
//! `crate::paypal_api::PaypalApi`, whose base URL tests point at a stand-in). A refused or unverifiable request gets a 4xx and
//! changes nothing; a verified event goes to `PaymentReconciler`, applied once by its id.

use super::stripe::{answer, raw_body, refused};
use actix_web::{HttpRequest, HttpResponse, web};
use diana_actors::payments::{PaymentReconciler, PaypalEvent};

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

pub struct PaypalState {
    pub verifier: std::sync::Arc<dyn PaypalVerifier>,
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
