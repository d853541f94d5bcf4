//! VIP bought with Telegram Stars through the bot, against the Telegram stand-in: the plans, a
//! valid Stars invoice, the pre-checkout answer, activation, a replayed payment, a renewal.

use crate::common::server::{Options, TestServer, count};
use crate::common::telegram_standin::{Standin, TgUser};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vip_is_bought_with_stars_once_renewed_and_never_granted_twice() {
    let tg = Standin::start().await;
    let server = TestServer::start(Options::new(Some(&tg.url))).await;
    let db = server.db().await;
    let ana = TgUser::new(9101, "Ana");
    tg.send_text(&ana, "/start");
    tg.wait_replies(ana.id, 2).await;
    tg.send_text(&ana, "/vip");
    let plans = tg.wait_replies(ana.id, 3).await.remove(2);
    assert!(plans.text().contains("⭐ 250") && plans.text().contains("Premium"), "{}", plans.text());
    let (label, data) = plans.buttons().into_iter().find(|(_, d)| d == "1:pl:vip").expect("a button per plan");
    assert_eq!(label, "VIP · ⭐ 250");
    tg.press(&ana, &data);

    // The invoice: a Stars subscription link (XTR, no provider token, one price, 30 days).
    let link = tg
        .wait_for("the invoice link", Duration::from_secs(15), |s| {
            s.calls().into_iter().find(|c| c.method == "createInvoiceLink" && c.refused.is_none())
        })
        .await;
    assert_eq!(link.params["currency"], "XTR");
    assert_eq!(link.params["subscription_period"].as_u64(), Some(2_592_000));
    let payload = link.params["payload"].as_str().unwrap().to_owned();
    assert!(payload.len() <= 128 && payload.starts_with("v1:9101:vip:"), "{payload}");
    let offer = tg.wait_replies(ana.id, 4).await.remove(3);
    assert!(offer.text().contains("⭐ 250"), "{}", offer.text());

    // Telegram asks before taking the stars: a tampered payload is refused, ours is accepted.
    let answers = |n: usize| {
        let tg = &tg;
        async move {
            tg.wait_for("pre-checkout answers", Duration::from_secs(15), |s| {
                let a: Vec<_> = s.calls().into_iter().filter(|c| c.method == "answerPreCheckoutQuery").collect();
                (a.len() >= n).then_some(a)
            })
            .await
        }
    };
    tg.pre_checkout(&ana, &payload.replace(":vip:", ":premium:"), "XTR", 250);
    let refused = answers(1).await.remove(0);
    assert_eq!(refused.params["ok"], false);
    assert!(refused.params["error_message"].as_str().is_some_and(|m| m.contains("/vip")), "{:?}", refused.params);
    tg.pre_checkout(&ana, &payload, "XTR", 1);
    assert_eq!(answers(2).await[1].params["ok"], false, "a wrong price is refused");
    tg.pre_checkout(&ana, &payload, "XTR", 250);
    assert_eq!(answers(3).await[2].params["ok"], true);

    // The payment: VIP until 30 days from now, its perks on.
    tg.successful_payment(&ana, &payload, 250, "stars-charge-1", false);
    let activated = tg.wait_replies(ana.id, 5).await.remove(4);
    assert!(activated.text().contains("¡Bienvenida a VIP!"), "{}", activated.text());
    let multiplier = "SELECT (vip_multiplier * 10)::BIGINT FROM user_gamification WHERE user_id = 9101";
    assert_eq!(count(&db, multiplier).await, 15);
    // The same payment delivered again: no second row; the player is told what they have.
    tg.successful_payment(&ana, &payload, 250, "stars-charge-1", false);
    let again = tg.wait_replies(ana.id, 6).await.remove(5);
    assert!(again.text().contains("¡Bienvenida a VIP!"), "{}", again.text());
    assert_eq!(count(&db, "SELECT count(*) FROM payments WHERE user_id = 9101").await, 1);
    let days = "SELECT EXTRACT(DAY FROM expires_at - now())::BIGINT FROM user_subscriptions WHERE user_id = 9101";
    assert_eq!(count(&db, days).await, 29, "thirty days, less the seconds since");
    // A renewal from Telegram: thirty more days.
    tg.successful_payment(&ana, &payload, 250, "stars-charge-2", true);
    tg.wait_replies(ana.id, 7).await;
    assert_eq!(count(&db, "SELECT count(*) FROM payments WHERE user_id = 9101").await, 2);
    assert_eq!(count(&db, days).await, 59);
    // A paid invoice cannot be checked out again.
    tg.pre_checkout(&ana, &payload, "XTR", 250);
    assert_eq!(answers(4).await[3].params["ok"], false);
    tg.send_text(&ana, "/vip");
    let status = tg.wait_replies(ana.id, 8).await.remove(7);
    assert!(status.text().contains("Eres VIP</b> hasta el"), "{}", status.text());
    // The perks: a bonus with the daily gift (paid through the ledger) and a badge on the profile.
    tg.send_text(&ana, "/regalo");
    let gift = tg.wait_replies(ana.id, 9).await.remove(8);
    assert!(gift.text().contains("Extra VIP: <b>+10</b>"), "{}", gift.text());
    assert_eq!(count(&db, "SELECT count(*) FROM points_transactions WHERE action_type = 'vip_daily_bonus'").await, 1);
    tg.send_text(&ana, "/perfil");
    let profile = tg.wait_replies(ana.id, 10).await.remove(9);
    assert!(profile.text().contains("Suscripción: <b>💎 VIP</b>"), "{}", profile.text());

    // An admin finds the payments from the CLI…
    let listed = server.admin(&["payments", "--user-id", "9101"]);
    assert!(listed.contains("telegram_stars\t9101\tvip\t250 XTR\tpaid\tstars-charge-1"), "{listed}");
    assert_eq!(listed.lines().count(), 3, "a header and two payments: {listed}");
    // …and refunds the first one: Telegram gives the stars back and the
    // Telegram subscription is cancelled; the thirty days the renewal paid for stay.
    let first: i64 =
        db.query_one("SELECT id FROM payments WHERE external_id = 'stars-charge-1'", &[]).await.unwrap().get(0);
    let telegram = [("TELEGRAM_BOT_TOKEN", "123456:TEST-token_abc"), ("TELEGRAM_API_URL", tg.url.as_str())];
    let refund = || server.admin_with(&["refund", "--payment", &first.to_string()], &telegram);
    let done = refund();
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    let call = tg.calls().into_iter().find(|c| c.method == "refundStarPayment").expect("Telegram asked to refund");
    assert_eq!(call.params["telegram_payment_charge_id"], "stars-charge-1");
    assert_eq!(call.params["user_id"].as_i64(), Some(9101));
    assert!(tg.calls().iter().any(|c| c.method == "editUserStarSubscription" && c.params["is_canceled"] == true));
    // The revenue the dashboard reads: today's stars, less the refund; one subscriber; one paid invoice.
    assert_eq!(count(&db, "SELECT amount FROM revenue_daily WHERE provider = 'telegram_stars'").await, 250);
    assert_eq!(count(&db, "SELECT subscribers FROM active_subscribers WHERE plan = 'vip'").await, 1);
    assert_eq!(count(&db, "SELECT amount FROM mrr WHERE currency = 'XTR'").await, 250);
    assert_eq!(count(&db, "SELECT paid FROM conversion_daily").await, 1);
    assert_eq!(count(&db, days).await, 29, "only the refunded payment's thirty days went");
    assert_eq!(count(&db, multiplier).await, 15, "the renewal still pays for VIP");
    assert_eq!(count(&db, "SELECT count(*) FROM payments WHERE status = 'refunded'").await, 1);
    assert_eq!(count(&db, "SELECT count(*) FROM audit_log WHERE action = 'payment.refund'").await, 1);
    assert!(!refund().status.success(), "a second refund is refused");
    assert!(tg.bad_requests().is_empty(), "{:?}", tg.bad_requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_token_from_the_cli_makes_one_player_vip_through_a_start_link() {
    let tg = Standin::start().await;
    let server = TestServer::start(Options::new(Some(&tg.url))).await;
    let cli = |args: &[&str]| server.admin(args);
    cli(&["tariff", "--name", "bizum-90", "--plan", "vip", "--days", "90", "--price-cents", "1200"]);
    let payload = cli(&["token", "--tariff", "bizum-90"]).lines().next().unwrap().to_owned();
    assert!(payload.starts_with("tok_"), "{payload}");
    let (bea, cris) = (TgUser::new(9201, "Bea"), TgUser::new(9202, "Cris"));
    tg.send_text(&bea, &format!("/start {payload}"));
    let welcome = tg.wait_replies(bea.id, 3).await;
    assert!(welcome[2].text().contains("¡Bienvenida a VIP!"), "{}", welcome[2].text());
    let db = server.db().await;
    let days = "SELECT EXTRACT(DAY FROM expires_at - now())::BIGINT FROM user_subscriptions WHERE user_id = 9201";
    assert_eq!(count(&db, days).await, 89);
    tg.send_text(&cris, &format!("/start {payload}"));
    let refused = tg.wait_replies(cris.id, 3).await;
    assert!(refused[2].text().contains("ya se ha usado"), "{}", refused[2].text());
    assert_eq!(count(&db, "SELECT count(*) FROM user_subscriptions").await, 1);
    assert_eq!(count(&db, "SELECT count(*) FROM audit_log WHERE action = 'token.redeem'").await, 1);
}

const STRIPE_SECRET: &str = "whsec_e2e_secret";

/// A stand-in for Stripe's API: records each Checkout Session request (its form fields) and
/// answers with a session page.
struct StripeStandin {
    url: String,
    sessions: std::sync::Arc<std::sync::Mutex<Vec<std::collections::HashMap<String, String>>>>,
    /// Each refund asked for: its payment intent and idempotency key.
    refunds: std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>,
    /// Each subscription cancelled.
    cancels: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl StripeStandin {
    /// The server's settings to take card payments through this stand-in.
    fn options(&self, tg: &Standin) -> Options {
        Options::new(Some(&tg.url))
            .env("STRIPE_API_KEY", "sk_test_e2e")
            .env("STRIPE_WEBHOOK_SECRET", STRIPE_SECRET)
            .env("STRIPE_API_URL", &self.url)
    }

    async fn start() -> StripeStandin {
        use actix_web::{App, HttpResponse, HttpServer, web};
        let sessions: std::sync::Arc<std::sync::Mutex<Vec<std::collections::HashMap<String, String>>>> =
            std::sync::Arc::default();
        let seen = sessions.clone();
        let refunds: std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>> = std::sync::Arc::default();
        let refunded = refunds.clone();
        let cancels: std::sync::Arc<std::sync::Mutex<Vec<String>>> = std::sync::Arc::default();
        let cancelled = cancels.clone();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let server = HttpServer::new(move || {
            let seen = seen.clone();
            let asked = seen.clone();
            let refunded = refunded.clone();
            let cancelled = cancelled.clone();
            App::new()
                .route(
                    "/v1/subscriptions/{id}",
                    web::delete().to(move |id: web::Path<String>, form: web::Form<Vec<(String, String)>>| {
                        let comment = form.iter().find(|(k, _)| k == "cancellation_details[comment]");
                        cancelled.lock().unwrap().push(format!("{id} ({})", comment.map_or("", |(_, v)| v)));
                        async move {
                            HttpResponse::Ok().json(serde_json::json!({ "id": id.as_str(), "status": "canceled" }))
                        }
                    }),
                )
                .route(
                    "/v1/refunds",
                    web::post().to(move |req: actix_web::HttpRequest, form: web::Form<Vec<(String, String)>>| {
                        let refunded = refunded.clone();
                        async move {
                            let key = req.headers().get("Idempotency-Key").and_then(|v| v.to_str().ok());
                            let intent = form.iter().find(|(k, _)| k == "payment_intent").map(|(_, v)| v.clone());
                            refunded
                                .lock()
                                .unwrap()
                                .push((intent.unwrap_or_default(), key.unwrap_or_default().to_owned()));
                            HttpResponse::Ok().json(serde_json::json!({ "id": "re_1", "status": "succeeded" }))
                        }
                    }),
                )
                // Every session the stand-in made has been paid, as far as Stripe's API is concerned.
                .route(
                    "/v1/checkout/sessions/{id}",
                    web::get().to(move |id: web::Path<String>| {
                        let asked = asked.clone();
                        async move {
                            let n: usize = id.trim_start_matches("cs_test_").parse().unwrap_or(0);
                            let form = asked.lock().unwrap().get(n.wrapping_sub(1)).cloned();
                            match form {
                                Some(form) => HttpResponse::Ok().json(serde_json::json!({
                                    "id": id.as_str(), "status": "complete", "payment_status": "paid",
                                    "client_reference_id": form["client_reference_id"], "amount_total": 499,
                                    "currency": "eur", "payment_intent": format!("pi_{n}") })),
                                None => HttpResponse::NotFound().finish(),
                            }
                        }
                    }),
                )
                .route(
                    "/v1/checkout/sessions",
                    web::post().to(move |req: actix_web::HttpRequest, form: web::Form<Vec<(String, String)>>| {
                        let seen = seen.clone();
                        async move {
                            let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
                            // Our objects' shapes are those of the version we name.
                            let authorised = header("Authorization") == Some("Bearer sk_test_e2e")
                                && header("Stripe-Version") == Some("2024-06-20");
                            if !authorised {
                                return HttpResponse::Unauthorized()
                                    .json(serde_json::json!({"error": {"message": "key"}}));
                            }
                            let mut sessions = seen.lock().unwrap();
                            sessions.push(form.into_inner().into_iter().collect());
                            let id = format!("cs_test_{}", sessions.len());
                            HttpResponse::Ok().json(
                            serde_json::json!({ "id": id, "url": format!("https://checkout.stripe.com/c/pay/{id}") }),
                        )
                        }
                    }),
                )
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        StripeStandin { url, sessions, refunds, cancels }
    }
}

/// POST an event to /webhooks/stripe, signed `at` (Unix seconds) with `secret`.
async fn stripe_post(server: &TestServer, event: &serde_json::Value, secret: &str, at: i64) -> (u16, String) {
    let body = serde_json::to_vec(event).unwrap();
    let signature = format!("t={at},v1={}", diana_actors::domain::stripe::sign(&body, secret, at));
    let response = reqwest::Client::new()
        .post(format!("{}/webhooks/stripe", server.base_url))
        .header("Stripe-Signature", signature)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn checkout(event_id: &str, user_id: i64, nonce: &str, intent: &str) -> serde_json::Value {
    serde_json::json!({ "id": event_id, "type": "checkout.session.completed", "data": { "object": {
        "id": format!("cs_{event_id}"), "client_reference_id": format!("v1:{user_id}:vip:{nonce}"),
        "amount_total": 499, "currency": "eur", "payment_intent": intent, "mode": "subscription" } } })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stripe_webhooks_are_verified_applied_once_and_tolerate_disorder() {
    let tg = Standin::start().await;
    let stripe = StripeStandin::start().await;
    let options = stripe.options(&tg);
    let server = TestServer::start(options).await;
    let db = server.db().await;
    let (ana, bea) = (TgUser::new(9301, "Ana"), TgUser::new(9302, "Bea"));
    for u in [&ana, &bea] {
        tg.send_text(u, "/start");
        tg.wait_replies(u.id, 2).await;
    }
    // Each player asks to pay by card from /vip: a Checkout Session page, made through Stripe's API.
    let mut nonces = Vec::new();
    for u in [&ana, &bea] {
        tg.send_text(u, "/vip");
        let plans = tg.wait_replies(u.id, 3).await.remove(2);
        let (label, data) = plans.buttons().into_iter().find(|(_, d)| d == "1:pc:vip").expect("a card button");
        assert_eq!(label, "💳 VIP · 4,99 €");
        tg.press(u, &data);
        let page = tg.wait_replies(u.id, 4).await.remove(3);
        let (_, url) = page.buttons().remove(0);
        assert!(url.starts_with("https://checkout.stripe.com/c/pay/cs_test_"), "{url}");
        let session = stripe.sessions.lock().unwrap().last().cloned().unwrap();
        assert_eq!(session["mode"], "subscription");
        assert_eq!(session["line_items[0][price_data][unit_amount]"], "499");
        assert_eq!(session["subscription_data[metadata][user_id]"], u.id.to_string());
        let reference = &session["client_reference_id"];
        assert!(reference.starts_with(&format!("v1:{}:vip:", u.id)), "{reference}");
        nonces.push(reference.rsplit(':').next().unwrap().to_owned());
    }
    let now = chrono::Utc::now().timestamp();
    let paid = checkout("evt_1", 9301, &nonces[0], "pi_1");
    // Forged, tampered, stale: 400, nothing changes, each counted.
    assert_eq!(stripe_post(&server, &paid, "whsec_forged", now).await.0, 400);
    assert_eq!(stripe_post(&server, &paid, STRIPE_SECRET, now - 400).await.0, 400);
    let unsigned = reqwest::Client::new()
        .post(format!("{}/webhooks/stripe", server.base_url))
        .body(serde_json::to_vec(&paid).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status().as_u16(), 400);
    assert_eq!(count(&db, "SELECT count(*) FROM payments").await, 0);
    let metrics = server.get_text("/metrics").await;
    assert!(metrics.contains(r#"webhooks_rejected_total{provider="stripe",reason="mismatch"} 1"#), "{metrics}");
    assert!(metrics.contains(r#"webhooks_rejected_total{provider="stripe",reason="stale"} 1"#));

    // Genuine: VIP for thirty days, the player told in Telegram; the same event again changes nothing.
    let (status, body) = stripe_post(&server, &paid, STRIPE_SECRET, now).await;
    assert_eq!((status, body.contains("applied")), (200, true), "{body}");
    let told = tg.wait_replies(ana.id, 5).await.remove(4);
    assert!(told.text().contains("¡Bienvenida a VIP!"), "{}", told.text());
    let (status, body) = stripe_post(&server, &paid, STRIPE_SECRET, now).await;
    assert_eq!((status, body.contains("duplicate")), (200, true), "{body}");
    assert_eq!(count(&db, "SELECT count(*) FROM payments WHERE provider = 'stripe'").await, 1);
    let multiplier =
        |u: i64| format!("SELECT (vip_multiplier * 10)::BIGINT FROM user_gamification WHERE user_id = {u}");
    assert_eq!(count(&db, &multiplier(9301)).await, 15);
    // A renewal invoice: thirty more days; a price that is not the plan's grants nothing.
    let renewal = |id: &str, amount: i64| {
        serde_json::json!({ "id": id, "type": "invoice.paid", "data": { "object": {
            "id": format!("in_{id}"), "billing_reason": "subscription_cycle", "amount_paid": amount, "currency": "eur",
            "subscription_details": { "metadata": { "user_id": "9301", "plan": "vip" } } } } })
    };
    assert_eq!(stripe_post(&server, &renewal("evt_2", 499), STRIPE_SECRET, now).await.0, 200);
    assert_eq!(stripe_post(&server, &renewal("evt_3", 1), STRIPE_SECRET, now).await.0, 200);
    let days = "SELECT EXTRACT(DAY FROM expires_at - now())::BIGINT FROM user_subscriptions WHERE user_id = 9301";
    assert_eq!(count(&db, days).await, 59);
    assert_eq!(count(&db, "SELECT count(*) FROM payments WHERE status = 'disputed'").await, 1);
    // Cancelled at Stripe: access ends.
    let deleted = serde_json::json!({ "id": "evt_4", "type": "customer.subscription.deleted", "data": { "object": {
        "id": "sub_1", "status": "canceled", "metadata": { "user_id": "9301", "plan": "vip" } } } });
    assert_eq!(stripe_post(&server, &deleted, STRIPE_SECRET, now).await.0, 200);
    assert_eq!(count(&db, &multiplier(9301)).await, 10);

    // Out of order: Bea's refund arrives before her payment; the payment then grants nothing.
    let refund = serde_json::json!({ "id": "evt_5", "type": "charge.refunded", "data": { "object": {
        "id": "ch_2", "payment_intent": "pi_2" } } });
    assert_eq!(stripe_post(&server, &refund, STRIPE_SECRET, now).await.0, 200);
    let late = checkout("evt_6", 9302, &nonces[1], "pi_2");
    assert_eq!(stripe_post(&server, &late, STRIPE_SECRET, now).await.0, 200);
    assert_eq!(count(&db, &multiplier(9302)).await, 10);
    assert_eq!(count(&db, "SELECT count(*) FROM payments WHERE user_id = 9302 AND status = 'refunded'").await, 1);
}

/// A stand-in for PayPal's API: an OAuth token; signature verification that accepts only the
/// transmission signature "good-sig" (so the test decides what PayPal would say); subscriptions
/// (one per request id, as PayPal does), each paid at once with one sale of 4.99 EUR.
struct PaypalStandin {
    url: String,
    /// Each sale refunded: its id and request id.
    refunds: std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>,
    /// Each subscription asked for: its request id, and the body.
    subscriptions: std::sync::Arc<std::sync::Mutex<Vec<(String, serde_json::Value)>>>,
    /// Each subscription cancelled.
    cancels: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl PaypalStandin {
    async fn start() -> PaypalStandin {
        PaypalStandin::charging("4.99").await
    }

    /// A stand-in whose VIP plan charges `vip_price` euros a month (ours: 4.99).
    async fn charging(vip_price: &'static str) -> PaypalStandin {
        use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
        type Made = std::sync::Arc<std::sync::Mutex<Vec<(String, serde_json::Value)>>>;
        let subscriptions: Made = std::sync::Arc::default();
        let made = subscriptions.clone();
        let refunds: std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>> = std::sync::Arc::default();
        let refunded = refunds.clone();
        let cancels: std::sync::Arc<std::sync::Mutex<Vec<String>>> = std::sync::Arc::default();
        let cancelled = cancels.clone();
        let bearer =
            |req: &HttpRequest| req.headers().get("Authorization").and_then(|v| v.to_str().ok()) == Some("Bearer A21");
        // "I-3" → the third subscription's body.
        let find = |made: &Made, id: &str| {
            let n: usize = id.trim_start_matches("I-").parse().unwrap_or(0);
            made.lock().unwrap().get(n.wrapping_sub(1)).map(|(_, body)| body.clone())
        };
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let server = HttpServer::new(move || {
            let (created, asked, listed) = (made.clone(), made.clone(), made.clone());
            let refunded = refunded.clone();
            let cancelled = cancelled.clone();
            App::new()
                .route(
                    "/v1/billing/plans/{id}",
                    web::get().to(move |id: web::Path<String>| async move {
                        let price = match id.as_str() {
                            "P-VIP" => vip_price,
                            "P-PREMIUM" => "9.99",
                            _ => return HttpResponse::NotFound().finish(),
                        };
                        HttpResponse::Ok().json(serde_json::json!({ "id": id.as_str(), "status": "ACTIVE",
                            "billing_cycles": [ { "tenure_type": "REGULAR", "sequence": 1, "total_cycles": 0,
                                "pricing_scheme": { "fixed_price": { "value": price, "currency_code": "EUR" } } } ] }))
                    }),
                )
                .route(
                    "/v1/billing/subscriptions/{id}/cancel",
                    web::post().to(move |id: web::Path<String>| {
                        cancelled.lock().unwrap().push(id.to_string());
                        async { HttpResponse::NoContent().finish() }
                    }),
                )
                .route(
                    "/v1/payments/sale/{id}/refund",
                    web::post().to(move |req: HttpRequest, id: web::Path<String>| {
                        let refunded = refunded.clone();
                        async move {
                            let key = req.headers().get("PayPal-Request-Id").and_then(|v| v.to_str().ok());
                            refunded.lock().unwrap().push((id.into_inner(), key.unwrap_or_default().to_owned()));
                            HttpResponse::Created().json(serde_json::json!({ "id": "RF-1", "state": "completed" }))
                        }
                    }),
                )
                .route(
                    "/v1/oauth2/token",
                    web::post().to(|| async {
                        HttpResponse::Ok().json(serde_json::json!({"access_token": "A21", "expires_in": 32400}))
                    }),
                )
                .route(
                    "/v1/notifications/verify-webhook-signature",
                    web::post().to(move |req: HttpRequest, body: web::Json<serde_json::Value>| async move {
                        let good = bearer(&req) && body["transmission_sig"] == "good-sig" && body["webhook_id"] == "WH-1";
                        let status = if good { "SUCCESS" } else { "FAILURE" };
                        HttpResponse::Ok().json(serde_json::json!({ "verification_status": status }))
                    }),
                )
                .route(
                    "/v1/billing/subscriptions",
                    web::post().to(move |req: HttpRequest, body: web::Json<serde_json::Value>| {
                        let created = created.clone();
                        async move {
                            if !bearer(&req) {
                                return HttpResponse::Unauthorized().finish();
                            }
                            let request_id = req.headers().get("PayPal-Request-Id").and_then(|v| v.to_str().ok());
                            let request_id = request_id.unwrap_or_default().to_owned();
                            let mut made = created.lock().unwrap();
                            let n = match made.iter().position(|(id, _)| *id == request_id) {
                                Some(i) => i + 1,
                                None => {
                                    made.push((request_id, body.into_inner()));
                                    made.len()
                                }
                            };
                            HttpResponse::Created().json(serde_json::json!({ "id": format!("I-{n}"),
                                "status": "APPROVAL_PENDING", "links": [
                                    { "rel": "self", "href": format!("https://api.paypal.com/v1/billing/subscriptions/I-{n}") },
                                    { "rel": "approve", "href": format!("https://www.paypal.com/webapps/billing/subscriptions?ba_token=BA-{n}") } ] }))
                        }
                    }),
                )
                .route(
                    "/v1/billing/subscriptions/{id}",
                    web::get().to(move |id: web::Path<String>| {
                        let body = find(&asked, &id);
                        async move {
                            match body {
                                Some(body) => HttpResponse::Ok().json(serde_json::json!({
                                    "id": id.as_str(), "status": "ACTIVE", "plan_id": body["plan_id"],
                                    "custom_id": body["custom_id"] })),
                                None => HttpResponse::NotFound().finish(),
                            }
                        }
                    }),
                )
                .route(
                    "/v1/billing/subscriptions/{id}/transactions",
                    web::get().to(move |id: web::Path<String>, query: web::Query<std::collections::HashMap<String, String>>| {
                        let known = find(&listed, &id).is_some() && query.contains_key("start_time");
                        async move {
                            let n = id.trim_start_matches("I-");
                            match known {
                                true => HttpResponse::Ok().json(serde_json::json!({ "transactions": [
                                    { "id": format!("SALE-{n}"), "status": "COMPLETED", "amount_with_breakdown": {
                                        "gross_amount": { "currency_code": "EUR", "value": "4.99" } } } ] })),
                                false => HttpResponse::NotFound().finish(),
                            }
                        }
                    }),
                )
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        PaypalStandin { url, subscriptions, refunds, cancels }
    }

    fn options(&self, tg: &Standin) -> Options {
        Options::new(Some(&tg.url))
            .env("PAYPAL_CLIENT_ID", "client")
            .env("PAYPAL_SECRET", "secret")
            .env("PAYPAL_WEBHOOK_ID", "WH-1")
            .env("PAYPAL_API_URL", &self.url)
            .env("PAYPAL_PLANS", "vip=P-VIP,premium=P-PREMIUM")
    }
}

/// `/vip`, then the PayPal button of the VIP plan: the message with PayPal's approval page.
async fn subscribe_with_paypal(
    tg: &Standin,
    user: &TgUser,
    replies_before: usize,
) -> crate::common::telegram_standin::Call {
    tg.send_text(user, "/vip");
    let plans = tg.wait_replies(user.id, replies_before + 1).await.remove(replies_before);
    let paypal = plans.buttons().into_iter().find(|(_, d)| d == "1:pp:vip").expect("a PayPal button");
    assert!(paypal.0.contains("PayPal") && paypal.0.contains("4,99 €"), "{paypal:?}");
    tg.press(user, &paypal.1);
    tg.wait_replies(user.id, replies_before + 2).await.remove(replies_before + 1)
}

async fn paypal_post(server: &TestServer, event: &serde_json::Value, signature: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{}/webhooks/paypal", server.base_url))
        .header("paypal-transmission-id", "t-1")
        .header("paypal-transmission-time", "2026-11-29T10:00:00Z")
        .header("paypal-transmission-sig", signature)
        .header("paypal-cert-url", "https://api.paypal.com/cert")
        .header("paypal-auth-algo", "SHA256withRSA")
        .json(event)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paypal_webhooks_are_verified_by_paypal_and_applied_once() {
    let tg = Standin::start().await;
    let paypal = PaypalStandin::start().await;
    let server = TestServer::start(paypal.options(&tg)).await;
    let db = server.db().await;
    let carla = TgUser::new(9401, "Carla");
    tg.send_text(&carla, "/start");
    tg.wait_replies(carla.id, 2).await;
    // The PayPal button starts a subscription to the plan's PayPal plan, carrying our invoice.
    let approve = subscribe_with_paypal(&tg, &carla, 2).await;
    assert!(approve.text().contains("PayPal"), "{}", approve.text());
    let link = approve.buttons().remove(0).1;
    assert_eq!(link, "https://www.paypal.com/webapps/billing/subscriptions?ba_token=BA-1");
    let (request_id, asked) = paypal.subscriptions.lock().unwrap()[0].clone();
    assert_eq!(asked["plan_id"], "P-VIP");
    let custom = asked["custom_id"].as_str().unwrap().to_owned();
    assert!(custom.starts_with("v1:9401:vip:") && custom.ends_with(&request_id), "{custom} / {request_id}");
    let refs = "SELECT count(*) FROM invoices WHERE 'paypal:I-1' = ANY(provider_refs) AND paid_at IS NULL";
    assert_eq!(count(&db, refs).await, 1);
    // Approved at PayPal: access waits for the sale.
    let activated = serde_json::json!({ "id": "WH-E0", "event_type": "BILLING.SUBSCRIPTION.ACTIVATED", "resource": {
        "id": "I-1", "custom_id": custom } });
    let sale = |id: &str, sale: &str| {
        serde_json::json!({ "id": id, "event_type": "PAYMENT.SALE.COMPLETED", "resource": {
            "id": sale, "amount": { "total": "4.99", "currency": "EUR" }, "custom": custom } })
    };
    assert_eq!(paypal_post(&server, &activated, "good-sig").await, 200);
    assert_eq!(count(&db, "SELECT count(*) FROM user_subscriptions").await, 0);
    // Not from PayPal (its verification says no), or unsigned: 400, nothing changes.
    assert_eq!(paypal_post(&server, &sale("WH-E1", "S-1"), "forged").await, 400);
    let unsigned =
        reqwest::Client::new().post(format!("{}/webhooks/paypal", server.base_url)).json(&sale("WH-E1", "S-1"));
    assert_eq!(unsigned.send().await.unwrap().status().as_u16(), 400);
    assert_eq!(count(&db, "SELECT count(*) FROM payments").await, 0);
    // Verified: VIP; the same event again changes nothing; a second sale (a renewal) extends.
    assert_eq!(paypal_post(&server, &sale("WH-E1", "S-1"), "good-sig").await, 200);
    let told = tg.wait_replies(carla.id, 5).await.remove(4);
    assert!(told.text().contains("¡Bienvenida a VIP!"), "{}", told.text());
    assert_eq!(paypal_post(&server, &sale("WH-E1", "S-1"), "good-sig").await, 200);
    assert_eq!(count(&db, "SELECT count(*) FROM payments WHERE provider = 'paypal'").await, 1);
    assert_eq!(paypal_post(&server, &sale("WH-E2", "S-2"), "good-sig").await, 200);
    let days = "SELECT EXTRACT(DAY FROM expires_at - now())::BIGINT FROM user_subscriptions WHERE user_id = 9401";
    assert_eq!(count(&db, days).await, 59);
    // A refund of the second sale takes its thirty days.
    let refund = serde_json::json!({ "id": "WH-E3", "event_type": "PAYMENT.SALE.REFUNDED", "resource": {
        "id": "R-1", "sale_id": "S-2" } });
    assert_eq!(paypal_post(&server, &refund, "good-sig").await, 200);
    assert_eq!(count(&db, days).await, 29);
    let cancelled = serde_json::json!({ "id": "WH-E4", "event_type": "BILLING.SUBSCRIPTION.CANCELLED", "resource": {
        "id": "I-1", "custom_id": custom } });
    assert_eq!(paypal_post(&server, &cancelled, "good-sig").await, 200);
    // Cancelled at PayPal: no more renewals, but the days paid for run out on their own.
    let multiplier = "SELECT (vip_multiplier * 10)::BIGINT FROM user_gamification WHERE user_id = 9401";
    assert_eq!(count(&db, multiplier).await, 15);
    assert_eq!(count(&db, days).await, 29);
    let expired = serde_json::json!({ "id": "WH-E5", "event_type": "BILLING.SUBSCRIPTION.EXPIRED", "resource": {
        "id": "I-1", "custom_id": custom } });
    assert_eq!(paypal_post(&server, &expired, "good-sig").await, 200);
    assert_eq!(count(&db, multiplier).await, 10, "expired: the perks are off");
    // A refund that arrives before its sale: when the sale comes, it is refunded at once.
    let early = serde_json::json!({ "id": "WH-E6", "event_type": "PAYMENT.SALE.REFUNDED", "resource": {
        "id": "R-9", "sale_id": "S-9" } });
    assert_eq!(paypal_post(&server, &early, "good-sig").await, 200);
    assert_eq!(paypal_post(&server, &sale("WH-E7", "S-9"), "good-sig").await, 200);
    assert_eq!(count(&db, "SELECT count(*) FROM payments WHERE external_id = 'S-9' AND status = 'refunded'").await, 1);
    assert_eq!(count(&db, multiplier).await, 10, "no access for money given back");
    // A partial refund: the access stays, and an admin is asked to look.
    assert_eq!(paypal_post(&server, &sale("WH-E8", "S-10"), "good-sig").await, 200);
    assert_eq!(count(&db, multiplier).await, 15);
    let partial = serde_json::json!({ "id": "WH-E9", "event_type": "PAYMENT.SALE.REFUNDED", "resource": {
        "id": "R-10", "sale_id": "S-10", "amount": { "total": "1.00", "currency": "EUR" } } });
    assert_eq!(paypal_post(&server, &partial, "good-sig").await, 200);
    assert_eq!(count(&db, multiplier).await, 15, "the access stays");
    assert_eq!(count(&db, "SELECT count(*) FROM payments WHERE external_id = 'S-10' AND status = 'paid'").await, 1);
    assert_eq!(count(&db, "SELECT count(*) FROM audit_log WHERE action = 'payment.partial_refund'").await, 1);
    let metrics = server.get_text("/metrics").await;
    assert!(metrics.contains(r#"webhooks_rejected_total{provider="paypal",reason="mismatch"} 1"#), "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_payment_whose_webhook_was_lost_is_found_by_asking_stripe() {
    let tg = Standin::start().await;
    let stripe = StripeStandin::start().await;
    let options = stripe.options(&tg).env("DIANA__PAYMENTS__SWEEP_EVERY", "1s");
    let server = TestServer::start(options).await;
    let db = server.db().await;
    let ines = TgUser::new(9801, "Inés");
    tg.send_text(&ines, "/start");
    tg.wait_replies(ines.id, 2).await;
    tg.send_text(&ines, "/vip");
    let plans = tg.wait_replies(ines.id, 3).await.remove(2);
    tg.press(&ines, &plans.buttons().into_iter().find(|(_, d)| d == "1:pc:vip").unwrap().1);
    tg.wait_replies(ines.id, 4).await;
    // Stripe's webhook never comes. A fresh page is left alone; one unpaid for a while is asked about.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(count(&db, "SELECT count(*) FROM payments").await, 0, "too early to ask");
    db.execute("UPDATE invoices SET created_at = now() - INTERVAL '1 hour'", &[]).await.unwrap();
    let told = tg.wait_replies(ines.id, 5).await.remove(4);
    assert!(told.text().contains("¡Bienvenida a VIP!"), "{}", told.text());
    assert_eq!(count(&db, "SELECT count(*) FROM payments WHERE external_id = 'cs_test_1'").await, 1);
    // The webhook, late after all: a duplicate.
    let reference = stripe.sessions.lock().unwrap()[0]["client_reference_id"].clone();
    let late = serde_json::json!({ "id": "evt_late", "type": "checkout.session.completed", "data": { "object": {
        "id": "cs_test_1", "client_reference_id": reference, "amount_total": 499, "currency": "eur",
        "payment_intent": "pi_1" } } });
    let (status, body) = stripe_post(&server, &late, STRIPE_SECRET, chrono::Utc::now().timestamp()).await;
    assert_eq!((status, body.contains("duplicate")), (200, true), "{body}");
    assert_eq!(count(&db, "SELECT count(*) FROM payments").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paypal_payment_whose_webhook_was_lost_is_found_by_asking_paypal() {
    let tg = Standin::start().await;
    let paypal = PaypalStandin::start().await;
    let options = paypal.options(&tg).env("DIANA__PAYMENTS__SWEEP_EVERY", "1s");
    let server = TestServer::start(options.env("DIANA_ADMIN_IDS", &crate::dashboard::ADMIN.to_string())).await;
    let db = server.db().await;
    let hugo = TgUser::new(9811, "Hugo");
    tg.send_text(&hugo, "/start");
    tg.wait_replies(hugo.id, 2).await;
    subscribe_with_paypal(&tg, &hugo, 2).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(count(&db, "SELECT count(*) FROM payments").await, 0, "too early to ask");
    // PayPal's webhooks never come; after a while the reconciler asks PayPal about the subscription.
    db.execute("UPDATE invoices SET created_at = now() - INTERVAL '1 hour'", &[]).await.unwrap();
    let told = tg.wait_replies(hugo.id, 5).await.remove(4);
    assert!(told.text().contains("¡Bienvenid"), "{}", told.text());
    let paid = "SELECT count(*) FROM payments WHERE provider = 'paypal' AND external_id = 'SALE-1' AND amount = 499";
    assert_eq!(count(&db, paid).await, 1);
    assert_eq!(count(&db, "SELECT count(*) FROM invoices WHERE paid_at IS NOT NULL").await, 1);
    // The sale's webhook, late after all: nothing more.
    let custom = paypal.subscriptions.lock().unwrap()[0].1["custom_id"].clone();
    let late = serde_json::json!({ "id": "WH-LATE", "event_type": "PAYMENT.SALE.COMPLETED", "resource": {
        "id": "SALE-1", "amount": { "total": "4.99", "currency": "EUR" }, "custom": custom } });
    assert_eq!(paypal_post(&server, &late, "good-sig").await, 200);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(count(&db, "SELECT count(*) FROM payments").await, 1);
    let days = "SELECT EXTRACT(DAY FROM expires_at - now())::BIGINT FROM user_subscriptions WHERE user_id = 9811";
    assert_eq!(count(&db, days).await, 29);
    assert_eq!(tg.replies_to(hugo.id).len(), 5, "told once");
    // An admin gives the sale back from the dashboard: PayPal refunds it, the access ends.
    let (cookie, csrf) = crate::dashboard::http_login(&server, crate::dashboard::ADMIN).await;
    let payment = count(&db, "SELECT id FROM payments WHERE external_id = 'SALE-1'").await;
    let refund = crate::dashboard::client()
        .post(format!("{}/admin/payments/{payment}/refund", server.base_url))
        .header("Cookie", &cookie)
        .form(&[("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(refund.status().as_u16(), 303);
    assert_eq!(paypal.refunds.lock().unwrap().clone(), vec![("SALE-1".to_owned(), format!("diana-refund-{payment}"))]);
    assert_eq!(paypal.cancels.lock().unwrap().clone(), ["I-1"], "and it does not charge again");
    assert_eq!(count(&db, "SELECT count(*) FROM payments WHERE status = 'refunded'").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paypal_plan_priced_unlike_ours_is_not_sold() {
    let tg = Standin::start().await;
    // Someone edited the VIP plan at PayPal to 5.99 €; plans.toml still says 4.99 €.
    let paypal = PaypalStandin::charging("5.99").await;
    let server = TestServer::start(paypal.options(&tg)).await;
    let lola = TgUser::new(9821, "Lola");
    tg.send_text(&lola, "/start");
    tg.wait_replies(lola.id, 2).await;
    let answer = subscribe_with_paypal(&tg, &lola, 2).await;
    assert!(answer.text().contains("no podemos abrir esa página de pago"), "{}", answer.text());
    assert!(paypal.subscriptions.lock().unwrap().is_empty(), "no PayPal subscription was started");
    let metrics = server.get_text("/metrics").await;
    assert!(metrics.contains(r#"internal_errors_total{kind="paypal_plan_price"}"#), "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_banned_player_hears_it_once_and_cannot_pay() {
    let tg = Standin::start().await;
    let server = TestServer::start(Options::new(Some(&tg.url))).await;
    let juan = TgUser::new(9901, "Juan");
    tg.send_text(&juan, "/start");
    tg.wait_replies(juan.id, 2).await;
    tg.send_text(&juan, "/vip");
    let plans = tg.wait_replies(juan.id, 3).await.remove(2);
    tg.press(&juan, &plans.buttons().into_iter().find(|(_, d)| d == "1:pl:vip").unwrap().1);
    let link = tg
        .wait_for("the invoice link", Duration::from_secs(15), |s| {
            s.calls().into_iter().find(|c| c.method == "createInvoiceLink")
        })
        .await;
    let payload = link.params["payload"].as_str().unwrap().to_owned();
    tg.wait_replies(juan.id, 4).await;
    server.admin(&["ban", "--user-id", "9901", "--reason", "fraude"]);
    tg.send_text(&juan, "/menu");
    let told = tg.wait_replies(juan.id, 5).await.remove(4);
    assert!(told.text().contains("suspendida"), "{}", told.text());
    let last = tg.send_text(&juan, "/regalo");
    tg.pre_checkout(&juan, &payload, "XTR", 250);
    let answer = tg
        .wait_for("the pre-checkout answer", Duration::from_secs(15), |s| {
            s.calls().into_iter().find(|c| c.method == "answerPreCheckoutQuery")
        })
        .await;
    assert_eq!(answer.params["ok"], false);
    assert!(answer.params["error_message"].as_str().unwrap().contains("suspendida"));
    tg.wait_for("the updates to be confirmed", Duration::from_secs(10), |s| {
        (s.confirmed_offset() > last).then_some(())
    })
    .await;
    assert_eq!(tg.replies_to(juan.id).len(), 5, "one message about it, then silence");
    let db = server.db().await;
    assert_eq!(count(&db, "SELECT count(*) FROM audit_log WHERE action = 'user.ban'").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_refunds_a_card_payment_from_the_dashboard_and_the_late_webhook_changes_nothing() {
    use crate::dashboard::{ADMIN, client, http_login};
    let tg = Standin::start().await;
    let stripe = StripeStandin::start().await;
    let options = stripe.options(&tg).env("DIANA_ADMIN_IDS", &ADMIN.to_string());
    let server = TestServer::start(options).await;
    let db = server.db().await;
    let rosa = TgUser::new(9901, "Rosa");
    tg.send_text(&rosa, "/start");
    tg.wait_replies(rosa.id, 2).await;
    db.execute(
        "INSERT INTO invoices (nonce, user_id, plan, currency, amount) VALUES ('dddddddddddddddd', 9901, 'vip', 'EUR', 499)",
        &[],
    )
    .await
    .unwrap();
    let now = chrono::Utc::now().timestamp();
    // A subscription: its Checkout Session has no payment intent; the first invoice names it,
    // and here it comes first.
    let invoice = serde_json::json!({ "id": "evt_invoice", "type": "invoice.paid", "data": { "object": {
        "id": "in_rosa", "billing_reason": "subscription_create", "subscription": "sub_rosa",
        "payment_intent": "pi_rosa", "amount_paid": 499, "currency": "eur" } } });
    assert_eq!(stripe_post(&server, &invoice, STRIPE_SECRET, now).await.0, 200);
    let mut session = checkout("evt_paid", 9901, "dddddddddddddddd", "pi_rosa");
    session["data"]["object"]["payment_intent"] = serde_json::Value::Null;
    session["data"]["object"]["subscription"] = "sub_rosa".into();
    let (status, _) = stripe_post(&server, &session, STRIPE_SECRET, now).await;
    assert_eq!(status, 200);
    let payment = count(&db, "SELECT id FROM payments WHERE provider = 'stripe'").await;
    // A partial refund made at Stripe (`refunded: false`): the access stays, an admin is asked to look.
    let partial = serde_json::json!({ "id": "evt_partial", "type": "charge.refunded", "data": { "object": {
        "id": "ch_1", "payment_intent": "pi_rosa", "amount": 499, "amount_refunded": 100, "refunded": false } } });
    assert_eq!(stripe_post(&server, &partial, STRIPE_SECRET, now).await.0, 200);
    assert_eq!(count(&db, "SELECT count(*) FROM payments WHERE status = 'paid'").await, 1);
    assert_eq!(count(&db, "SELECT count(*) FROM audit_log WHERE action = 'payment.partial_refund'").await, 1);
    let (cookie, csrf) = http_login(&server, ADMIN).await;
    let refund = client()
        .post(format!("{}/admin/payments/{payment}/refund", server.base_url))
        .header("Cookie", &cookie)
        .form(&[("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(refund.status().as_u16(), 303);
    assert_eq!(stripe.refunds.lock().unwrap().clone(), vec![("pi_rosa".to_owned(), format!("diana-refund-{payment}"))]);
    let cancelled = stripe.cancels.lock().unwrap().clone();
    assert_eq!(cancelled, ["sub_rosa (diana: refunded)"], "and it does not charge again");
    assert_eq!(count(&db, "SELECT count(*) FROM payments WHERE status = 'refunded'").await, 1);
    let ended =
        "SELECT count(*) FROM user_subscriptions WHERE user_id = 9901 AND status = 'active' AND expires_at > now()";
    assert_eq!(count(&db, ended).await, 0, "the access it bought ends");
    // Stripe's own webhook for that refund, later: nothing more happens.
    let webhook = serde_json::json!({ "id": "evt_refund", "type": "charge.refunded", "data": { "object": {
        "id": "ch_1", "payment_intent": "pi_rosa", "amount_refunded": 499, "currency": "eur" } } });
    let (status, _) = stripe_post(&server, &webhook, STRIPE_SECRET, now).await;
    assert_eq!(status, 200);
    assert_eq!(count(&db, "SELECT count(*) FROM payments WHERE status = 'refunded'").await, 1);
    assert_eq!(count(&db, "SELECT count(*) FROM audit_log WHERE action = 'payment.refund'").await, 1, "refunded once");
}
