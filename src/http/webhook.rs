//! `POST /telegram/webhook`. The secret header is checked before the body is read; the 200
//! goes back only after the update's effects are committed, so Telegram retries anything we
//! did not apply.

use crate::telegram::router::UpdateRouter;
use actix_web::{HttpRequest, HttpResponse, web};
use futures::StreamExt;
use subtle::ConstantTimeEq;
use teloxide::types::Update;

pub struct WebhookState {
    pub secret: String,
    pub router: UpdateRouter,
    pub max_body_bytes: usize,
}

const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

pub async fn receive(req: HttpRequest, mut payload: web::Payload, state: web::Data<WebhookState>) -> HttpResponse {
    let given = req.headers().get(SECRET_HEADER).map(|v| v.as_bytes()).unwrap_or_default();
    if !bool::from(given.ct_eq(state.secret.as_bytes())) {
        return HttpResponse::Unauthorized().finish();
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return HttpResponse::BadRequest().finish();
        };
        if body.len() + chunk.len() > state.max_body_bytes {
            return HttpResponse::PayloadTooLarge().finish();
        }
        body.extend_from_slice(&chunk);
    }
    let update: Update = match serde_json::from_slice(&body) {
        Ok(update) => update,
        Err(error) => {
            tracing::warn!(%error, "webhook body is not a Telegram update");
            return HttpResponse::BadRequest().finish();
        }
    };
    match state.router.route(update).await {
        Ok(()) => HttpResponse::Ok().finish(),
        // Telegram delivers it again later.
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}
