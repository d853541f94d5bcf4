//! `POST /webhooks/stripe`. The signature is checked over the raw body before anything is
//! parsed; a forged, tampered or stale request gets a 400 and changes nothing, and is counted.
//! A verified event goes to `PaymentReconciler`, which applies it once by its id; the 200 goes
//! back only after it is committed, so Stripe retries whatever we did not apply.

use actix_web::{HttpRequest, HttpResponse, web};
use diana_actors::domain::stripe;
use diana_actors::payments::{EventOutcome, PaymentReconciler, StripeEvent};
use diana_actors::store::StoreError;
use futures::StreamExt;
use prometheus::{IntCounterVec, register_int_counter_vec};
use std::sync::LazyLock;

/// Webhooks refused before they reached the game, by provider and reason.
pub static WEBHOOKS_REJECTED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!("webhooks_rejected_total", "Webhook requests refused", &["provider", "reason"])
        .expect("metric registers once")
});

/// Stripe's events are small; anything bigger is not Stripe.
const MAX_BODY_BYTES: usize = 512 * 1024;

pub struct StripeState {
    pub secret: String,
    pub reconciler: actix::Addr<PaymentReconciler>,
}

/// A refused webhook: 400, counted by provider and reason.
pub(super) fn refused(provider: &str, reason: &'static str) -> HttpResponse {
    WEBHOOKS_REJECTED.with_label_values(&[provider, reason]).inc();
    HttpResponse::BadRequest().body(reason)
}

fn rejected(reason: &'static str) -> HttpResponse {
    refused("stripe", reason)
}

/// The raw body, up to the limit: signatures are checked over exactly these bytes.
pub(super) async fn raw_body(mut payload: web::Payload, provider: &str) -> Result<web::BytesMut, HttpResponse> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else { return Err(refused(provider, "body")) };
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(refused(provider, "too_large"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The answer to the provider once the reconciler has the event: 200 when applied (or seen
/// before, or of no interest), 503 so the provider retries when it could not be applied.
pub(super) fn answer(
    provider: &str,
    result: Result<Result<EventOutcome, StoreError>, actix::MailboxError>,
) -> HttpResponse {
    match result {
        Ok(Ok(outcome)) => {
            let label = match outcome {
                EventOutcome::Applied => "applied",
                EventOutcome::Duplicate => "duplicate",
                EventOutcome::Ignored => "ignored",
            };
            HttpResponse::Ok().json(serde_json::json!({ "received": true, "outcome": label }))
        }
        Ok(Err(error)) => {
            diana_actors::metrics::count_error("provider_event");
            tracing::error!(provider, %error, "a provider event could not be applied; it will be retried");
            HttpResponse::ServiceUnavailable().finish()
        }
        Err(_) => HttpResponse::ServiceUnavailable().finish(),
    }
}

pub async fn receive(req: HttpRequest, payload: web::Payload, state: web::Data<StripeState>) -> HttpResponse {
    let body = match raw_body(payload, "stripe").await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    let header = req.headers().get("Stripe-Signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if let Err(error) = stripe::verify(header, &body, &state.secret, chrono::Utc::now().timestamp()) {
        tracing::warn!(%error, "Stripe webhook refused");
        return rejected(error.kind());
    }
    let event: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(event) => event,
        Err(_) => return rejected("not_json"),
    };
    let text = |key: &str| event.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let (Some(id), Some(event_type)) = (text("id"), text("type")) else { return rejected("not_an_event") };
    let object = event.pointer("/data/object").cloned().unwrap_or_default();
    answer("stripe", state.reconciler.send(StripeEvent { id, event_type, object }).await)
}
