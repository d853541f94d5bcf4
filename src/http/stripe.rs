//! `POST /webhooks/stripe`. The signature is checked over the raw body before anything is
//! parsed; a forged, tampered or stale request gets a 400 and changes nothing, and is counted.
//! A verified event goes to `PaymentReconciler`, which applies it once by its id; the 200 goes
//! back only after it is committed, so Stripe retries whatever we did not apply.

use actix_web::{HttpRequest, HttpResponse, web};
use diana_actors::domain::stripe;
use diana_actors::payments::{EventOutcome, PaymentReconciler, StripeEvent};
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

fn rejected(reason: &'static str) -> HttpResponse {
    WEBHOOKS_REJECTED.with_label_values(&["stripe", reason]).inc();
    HttpResponse::BadRequest().body(reason)
}

pub async fn receive(req: HttpRequest, mut payload: web::Payload, state: web::Data<StripeState>) -> HttpResponse {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else { return rejected("body") };
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return rejected("too_large");
        }
        body.extend_from_slice(&chunk);
    }
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
    match state.reconciler.send(StripeEvent { id, event_type, object }).await {
        Ok(Ok(outcome)) => {
            let label = match outcome {
                EventOutcome::Applied => "applied",
                EventOutcome::Duplicate => "duplicate",
                EventOutcome::Ignored => "ignored",
            };
            HttpResponse::Ok().json(serde_json::json!({ "received": true, "outcome": label }))
        }
        Ok(Err(error)) => {
            diana_actors::metrics::count_error("stripe_event");
            tracing::error!(%error, "a Stripe event could not be applied; Stripe will retry");
            HttpResponse::ServiceUnavailable().finish()
        }
        Err(_) => HttpResponse::ServiceUnavailable().finish(),
    }
}
