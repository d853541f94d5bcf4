//! The HTTP edge (actix-web): probes, metrics, and the Telegram webhook.

pub mod multipart;
pub mod paypal;
mod probes;
pub mod stripe;
mod webhook;

pub use paypal::PaypalState;
pub use stripe::StripeState;
pub use webhook::WebhookState;

use crate::telegram::api::TelegramHealth;
use actix_web::web;
use diana_actors::Pool;
use diana_actors::redis::Redis;
use std::sync::Arc;

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub redis: Redis,
    /// `None` when Telegram is disabled (no token).
    pub telegram: Option<Arc<TelegramHealth>>,
}

pub fn routes(
    cfg: &mut web::ServiceConfig,
    state: AppState,
    webhook: Option<web::Data<WebhookState>>,
    stripe: Option<web::Data<StripeState>>,
    paypal: Option<web::Data<PaypalState>>,
) {
    cfg.app_data(web::Data::new(state))
        .route("/health", web::get().to(probes::health))
        .route("/ready", web::get().to(probes::ready))
        .route("/metrics", web::get().to(probes::metrics));
    if let Some(webhook) = webhook {
        cfg.app_data(webhook).route("/telegram/webhook", web::post().to(webhook::receive));
    }
    if let Some(stripe) = stripe {
        cfg.app_data(stripe).route("/webhooks/stripe", web::post().to(stripe::receive));
    }
    if let Some(paypal) = paypal {
        cfg.app_data(paypal).route("/webhooks/paypal", web::post().to(paypal::receive));
    }
}
