//! The reconciler against real Postgres, with a clock the test moves: payments recorded once,
//! renewals extending, reminders sent once each, expiry turning perks off, refunds, and a
//! payment without access repaired.

use super::*;
use crate::domain::{Identity, Outgoing};
use crate::store::schema;
use std::sync::Mutex;

struct World {
    reconciler: PaymentReconciler,
    pool: Pool,
    now: Arc<Mutex<DateTime<Utc>>>,
    sent: Arc<Mutex<Vec<Outgoing>>>,
    name: String,
}

async fn world() -> World {
    let name = format!("diana_pay_{:016x}", rand::random::<u64>());
    let config = schema::parse_url(&format!("postgres://postgres@127.0.0.1:5432/{name}")).unwrap();
    schema::ensure_database(&config).await.expect("Postgres must be running on 127.0.0.1:5432");
    schema::migrate(&config).await.unwrap();
    let pool = crate::store::pool(&config, 8).unwrap();
    {
        let mut conn = pool.get().await.unwrap();
        let tx = crate::store::begin(&mut conn).await.unwrap();
        for user_id in [1, 2] {
            let identity =
                Identity { user_id, first_name: "Ana".into(), last_name: None, username: None, language_code: None };
            db::users::register(&tx, &identity, None).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
    let now = Arc::new(Mutex::new(DateTime::from_timestamp(1_800_000_000, 0).unwrap()));
    let clock: Clock = {
        let now = Arc::clone(&now);
        Arc::new(move || *now.lock().unwrap())
    };
    let sent = Arc::new(Mutex::new(Vec::new()));
    let sink: ReplySink = {
        let sent = Arc::clone(&sent);
        Arc::new(move |out: Vec<Outgoing>| sent.lock().unwrap().extend(out))
    };
    let plans = crate::content::Live::new(Plans::embedded().unwrap());
    World { reconciler: PaymentReconciler::new(pool.clone(), plans, Some(sink), clock), pool, now, sent, name }
}

impl World {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap()
    }

    fn travel(&self, by: Duration) -> DateTime<Utc> {
        let mut now = self.now.lock().unwrap();
        *now += by;
        *now
    }

    async fn invoice(&self, user_id: i64, nonce: &str) {
        let mut conn = self.pool.get().await.unwrap();
        let tx = crate::store::begin(&mut conn).await.unwrap();
        store::create_invoice(&tx, nonce, user_id, "vip", "XTR", 250).await.unwrap();
        tx.commit().await.unwrap();
    }

    async fn one(&self, sql: &str) -> i64 {
        self.pool.get().await.unwrap().query_one(sql, &[]).await.unwrap().get(0)
    }

    async fn multiplier(&self, user_id: i64) -> f64 {
        let sql = "SELECT vip_multiplier FROM user_gamification WHERE user_id = $1";
        self.pool.get().await.unwrap().query_one(sql, &[&user_id]).await.unwrap().get(0)
    }

    fn sent_kinds(&self) -> Vec<&'static str> {
        self.sent.lock().unwrap().iter().map(|o| o.reply.kind()).collect()
    }

    async fn drop_db(self) {
        let admin = schema::parse_url("postgres://postgres@127.0.0.1:5432/postgres").unwrap();
        let (client, conn) = admin.connect(tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        client.batch_execute(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name)).await.unwrap();
    }
}

fn stars(user_id: i64, charge: &str, nonce: &str, recurring: bool) -> PaymentSucceeded {
    PaymentSucceeded {
        provider: "telegram_stars".into(),
        external_id: charge.into(),
        user_id,
        plan: "vip".into(),
        amount: 250,
        currency: "XTR".into(),
        recurring,
        first: !recurring,
        invoice: Some(nonce.into()),
        raw: serde_json::json!({ "charge": charge }),
    }
}

#[actix::test]
async fn a_subscription_lives_pays_once_is_reminded_once_and_expires() {
    let w = world().await;
    let start = w.now();
    w.invoice(1, "aaaaaaaaaaaaaaaa").await;
    let first = w.reconciler.record_payment(stars(1, "ch-1", "aaaaaaaaaaaaaaaa", false)).await.unwrap();
    let PaymentOutcome::Activated { expires_at, .. } = first else { panic!("{first:?}") };
    assert_eq!(expires_at, start + Duration::days(30));
    assert_eq!(w.multiplier(1).await, 1.5);
    // The same charge again (a redelivered update): nothing changes.
    assert_eq!(
        w.reconciler.record_payment(stars(1, "ch-1", "aaaaaaaaaaaaaaaa", false)).await.unwrap(),
        PaymentOutcome::Duplicate
    );
    // Someone else's invoice, a wrong price, an unknown plan: no access, nothing recorded.
    w.invoice(2, "bbbbbbbbbbbbbbbb").await;
    let stolen = w.reconciler.record_payment(stars(1, "ch-x", "bbbbbbbbbbbbbbbb", false)).await.unwrap();
    assert_eq!(stolen, PaymentOutcome::Refused(CheckoutRefusal::UnknownInvoice));
    let cheap = PaymentSucceeded { amount: 1, ..stars(2, "ch-y", "bbbbbbbbbbbbbbbb", false) };
    assert_eq!(w.reconciler.record_payment(cheap).await.unwrap(), PaymentOutcome::Refused(CheckoutRefusal::WrongPrice));
    assert_eq!(w.multiplier(2).await, 1.0);
    assert_eq!(w.one("SELECT count(*) FROM payments WHERE status = 'paid'").await, 1);
    // The money that did not match is kept for an admin, with the reason in the audit log.
    assert_eq!(w.one("SELECT count(*) FROM payments WHERE status = 'disputed'").await, 2);
    assert_eq!(w.one("SELECT count(*) FROM audit_log WHERE action = 'payment.disputed'").await, 2);

    // Ten days later Telegram renews: thirty more days from the current end.
    w.travel(Duration::days(10));
    let renewed = w.reconciler.record_payment(stars(1, "ch-2", "aaaaaaaaaaaaaaaa", true)).await.unwrap();
    let PaymentOutcome::Activated { expires_at: end, .. } = renewed else { panic!("{renewed:?}") };
    assert_eq!(end, start + Duration::days(60));

    // Telegram renews a Stars subscription by itself: no "renew" reminder for it.
    assert_eq!(w.reconciler.sweep(end - Duration::days(3)).await.unwrap(), SweepReport::default());
    // A card subscription is not renewed by Telegram: it gets its reminders.
    w.pool.get().await.unwrap().execute("UPDATE user_subscriptions SET provider = 'stripe'", &[]).await.unwrap();
    // Reminders: 3 days before, once; 1 day before, once; then expiry turns the perks off.
    assert_eq!(w.reconciler.sweep(end - Duration::days(4)).await.unwrap(), SweepReport::default());
    let three = w.reconciler.sweep(end - Duration::days(3)).await.unwrap();
    assert_eq!(three.reminded, 1);
    assert_eq!(w.reconciler.sweep(end - Duration::days(2)).await.unwrap().reminded, 0, "once");
    assert_eq!(w.reconciler.sweep(end - Duration::hours(20)).await.unwrap().reminded, 1);
    assert_eq!(w.reconciler.sweep(end - Duration::hours(2)).await.unwrap().reminded, 0, "once");
    assert_eq!(w.multiplier(1).await, 1.5);
    let gone = w.reconciler.sweep(end + Duration::seconds(1)).await.unwrap();
    assert_eq!(gone.expired, 1);
    assert_eq!(w.multiplier(1).await, 1.0);
    assert_eq!(w.reconciler.sweep(end + Duration::days(1)).await.unwrap(), SweepReport::default());
    assert_eq!(w.sent_kinds(), ["vip_ending_soon", "vip_ending_soon", "vip_remove", "vip_ended"]);
    let days: Vec<u32> = w
        .sent
        .lock()
        .unwrap()
        .iter()
        .filter_map(|o| match o.reply {
            Reply::VipEndingSoon { days, .. } => Some(days),
            _ => None,
        })
        .collect();
    assert_eq!(days, [3, 1]);
    assert_eq!(w.one("SELECT count(*) FROM audit_log WHERE action = 'subscription.expire'").await, 1);
    w.drop_db().await;
}

#[actix::test]
async fn a_refund_ends_access_once_and_a_payment_without_access_is_repaired() {
    let w = world().await;
    w.invoice(1, "cccccccccccccccc").await;
    let paid = w.reconciler.record_payment(stars(1, "ch-r", "cccccccccccccccc", false)).await.unwrap();
    let PaymentOutcome::Activated { payment_id, .. } = paid else { panic!("{paid:?}") };
    let refund = RefundPayment { payment_id, admin: "admin:9".into() };
    assert_eq!(w.reconciler.refund(refund.clone()).await.unwrap(), RefundOutcome::Refunded { user_id: 1 });
    assert_eq!(w.reconciler.refund(refund).await.unwrap(), RefundOutcome::AlreadyRefunded);
    assert_eq!(w.multiplier(1).await, 1.0);
    assert_eq!(w.one("SELECT count(*) FROM audit_log WHERE action = 'payment.refund'").await, 1);
    assert_eq!(w.sent_kinds(), ["vip_remove", "vip_ended"]);
    // The refunded payment is not "repaired" back into access.
    assert_eq!(w.reconciler.sweep(w.now()).await.unwrap().repaired, 0);

    // A paid payment with no subscription (written while the reconciler was down, say), today.
    *w.now.lock().unwrap() = Utc::now();
    w.pool
        .get()
        .await
        .unwrap()
        .execute(
            "INSERT INTO payments (provider, external_id, user_id, plan, amount, currency, status, raw_event)
             VALUES ('telegram_stars', 'ch-lost', 2, 'vip', 250, 'XTR', 'paid', '{}')",
            &[],
        )
        .await
        .unwrap();
    let report = w.reconciler.sweep(w.now()).await.unwrap();
    assert_eq!(report.repaired, 1);
    assert_eq!(w.multiplier(2).await, 1.5);
    assert_eq!(w.reconciler.sweep(w.now()).await.unwrap().repaired, 0, "repaired once");
    w.drop_db().await;
}

#[actix::test]
async fn an_admin_token_gives_its_days_once_and_not_after_it_expires() {
    let w = world().await;
    *w.now.lock().unwrap() = Utc::now();
    let plans = Plans::embedded().unwrap();
    let tariff =
        crate::admin::Tariff { name: "venta-bizum", plan: "premium", days: 90, price_cents: 2500, currency: "EUR" };
    crate::admin::put_tariff(&w.pool, &plans, "admin:1", &tariff).await.unwrap();
    let bad = crate::admin::Tariff { plan: "gold", ..tariff.clone() };
    assert!(matches!(
        crate::admin::put_tariff(&w.pool, &plans, "admin:1", &bad).await,
        Err(crate::admin::AdminError::UnknownPlan(_))
    ));
    let payload = crate::admin::create_token(&w.pool, "admin:1", "venta-bizum", 7).await.unwrap();
    let token = payload.strip_prefix("tok_").unwrap().to_owned();
    assert!(payload.len() <= 64);
    assert!(crate::admin::create_token(&w.pool, "admin:1", "nope", 7).await.is_err());

    let redeem = |user_id: i64, token: &str| RedeemToken { user_id, token: token.to_owned() };
    let got = w.reconciler.redeem(redeem(1, &token)).await.unwrap();
    let PaymentOutcome::Activated { plan, expires_at, .. } = got else { panic!("{got:?}") };
    assert_eq!(plan, "premium");
    assert_eq!(expires_at, w.now() + Duration::days(90));
    assert_eq!(w.multiplier(1).await, 2.0);
    assert_eq!(w.reconciler.redeem(redeem(1, &token)).await.unwrap(), PaymentOutcome::Duplicate, "a redelivery");
    assert_eq!(w.reconciler.redeem(redeem(2, &token)).await.unwrap(), PaymentOutcome::TokenRefused(TokenRefusal::Used));
    assert_eq!(
        w.reconciler.redeem(redeem(2, "0000000000000000")).await.unwrap(),
        PaymentOutcome::TokenRefused(TokenRefusal::Unknown)
    );
    let late = crate::admin::create_token(&w.pool, "admin:1", "venta-bizum", 7).await.unwrap();
    w.travel(Duration::days(8));
    assert_eq!(
        w.reconciler.redeem(redeem(2, late.strip_prefix("tok_").unwrap())).await.unwrap(),
        PaymentOutcome::TokenRefused(TokenRefusal::Expired)
    );
    assert_eq!(w.multiplier(2).await, 1.0);
    assert_eq!(w.one("SELECT count(*) FROM payments WHERE provider = 'admin_token'").await, 1);
    assert_eq!(w.one("SELECT count(*) FROM audit_log WHERE action = 'token.redeem'").await, 1);
    assert_eq!(w.one("SELECT count(*) FROM audit_log WHERE action = 'token.create'").await, 2);
    assert_eq!(
        w.one("SELECT count(*) FROM audit_log WHERE action = 'token.refused'").await,
        3,
        "used, unknown, expired"
    );
    w.drop_db().await;
}

#[actix::test]
async fn days_given_by_an_admin_lengthen_a_stars_subscription_without_taking_it_over() {
    let w = world().await;
    w.invoice(1, "aaaaaaaaaaaaaaaa").await;
    let paid = w.reconciler.record_payment(stars(1, "ch-1", "aaaaaaaaaaaaaaaa", true)).await.unwrap();
    assert!(matches!(paid, PaymentOutcome::Activated { .. }), "{paid:?}");
    let grant =
        GrantVip { admin: "admin:7".into(), user_id: 1, plan: "vip".into(), days: 10, reason: "perdón".into() };
    let until = w.reconciler.grant(grant).await.unwrap().expect("the player exists");
    assert_eq!(until, w.now() + Duration::days(40));
    let provider = "SELECT count(*) FROM user_subscriptions WHERE user_id = 1 AND provider = 'telegram_stars'";
    assert_eq!(w.one(provider).await, 1, "still a Stars subscription: one at a time, and no renewal reminders");
    // Without a running subscription, the gift is its own.
    let given = GrantVip { admin: "admin:7".into(), user_id: 2, plan: "vip".into(), days: 5, reason: "premio".into() };
    w.reconciler.grant(given).await.unwrap().expect("the player exists");
    assert_eq!(
        w.one("SELECT count(*) FROM user_subscriptions WHERE user_id = 2 AND provider = 'admin_grant'").await,
        1
    );
    w.drop_db().await;
}

impl World {
    /// An invoice for a card page (Stripe or PayPal) of the VIP plan.
    async fn card_invoice(&self, user_id: i64, nonce: &str) {
        let mut conn = self.pool.get().await.unwrap();
        let tx = crate::store::begin(&mut conn).await.unwrap();
        store::create_invoice(&tx, nonce, user_id, "vip", "EUR", 499).await.unwrap();
        tx.commit().await.unwrap();
    }

    async fn stripe(&self, id: &str, event_type: &str, object: serde_json::Value) -> EventOutcome {
        let event = StripeEvent { id: id.into(), event_type: event_type.into(), object };
        self.reconciler.stripe_event(event).await.unwrap()
    }

    async fn paypal(&self, id: &str, event_type: &str, resource: serde_json::Value) -> EventOutcome {
        let event = PaypalEvent { id: id.into(), event_type: event_type.into(), resource };
        self.reconciler.paypal_event(event).await.unwrap()
    }

    async fn active(&self, user_id: i64) -> bool {
        let sql =
            "SELECT count(*) FROM user_subscriptions WHERE user_id = $1 AND status = 'active' AND expires_at > $2";
        let count: i64 = self.pool.get().await.unwrap().query_one(sql, &[&user_id, &self.now()]).await.unwrap().get(0);
        count == 1
    }
}

/// A Checkout Session in subscription mode, as Stripe sends it: no payment intent of its own.
fn subscription_session(user_id: i64, nonce: &str, subscription: &str) -> serde_json::Value {
    serde_json::json!({ "id": format!("cs_{subscription}"), "mode": "subscription", "payment_intent": null,
        "subscription": subscription, "client_reference_id": format!("v1:{user_id}:vip:{nonce}"),
        "amount_total": 499, "currency": "eur" })
}

fn first_invoice(subscription: &str, intent: &str) -> serde_json::Value {
    serde_json::json!({ "id": format!("in_{subscription}"), "billing_reason": "subscription_create",
        "subscription": subscription, "payment_intent": intent, "amount_paid": 499, "currency": "eur" })
}

#[actix::test]
async fn a_stripe_subscription_learns_its_charge_from_the_first_invoice_whatever_the_order() {
    let w = world().await;
    // Ana: checkout, then a full refund made in Stripe's dashboard (it names the invoice's payment
    // intent, unknown yet), then the first invoice that names it: the refund applies then.
    w.card_invoice(1, "aaaaaaaaaaaaaaaa").await;
    assert_eq!(
        w.stripe("evt_a1", "checkout.session.completed", subscription_session(1, "aaaaaaaaaaaaaaaa", "sub_a")).await,
        EventOutcome::Applied
    );
    assert!(w.active(1).await);
    let refund = serde_json::json!({ "id": "ch_a", "payment_intent": "pi_a", "amount": 499, "amount_refunded": 499, "refunded": true });
    assert_eq!(w.stripe("evt_a2", "charge.refunded", refund).await, EventOutcome::Applied);
    assert!(w.active(1).await, "kept until we know which payment it is");
    assert_eq!(w.stripe("evt_a3", "invoice.paid", first_invoice("sub_a", "pi_a")).await, EventOutcome::Applied);
    assert!(!w.active(1).await, "the refund found its payment");
    assert_eq!(w.one("SELECT count(*) FROM payments WHERE charge_ref = 'pi_a' AND status = 'refunded'").await, 1);

    // Bea: the first invoice before the checkout, and a partial refund before both: the access
    // stays and an admin is asked to look; then a chargeback takes it all back.
    w.card_invoice(2, "bbbbbbbbbbbbbbbb").await;
    assert_eq!(w.stripe("evt_b1", "invoice.paid", first_invoice("sub_b", "pi_b")).await, EventOutcome::Applied);
    let partial = serde_json::json!({ "id": "ch_b", "payment_intent": "pi_b", "amount": 499, "amount_refunded": 100, "refunded": false });
    assert_eq!(w.stripe("evt_b2", "charge.refunded", partial).await, EventOutcome::Applied);
    assert_eq!(
        w.stripe("evt_b3", "checkout.session.completed", subscription_session(2, "bbbbbbbbbbbbbbbb", "sub_b")).await,
        EventOutcome::Applied
    );
    assert!(w.active(2).await, "a partial refund leaves the access");
    assert_eq!(w.one("SELECT count(*) FROM payments WHERE charge_ref = 'pi_b' AND status = 'paid'").await, 1);
    assert_eq!(w.one("SELECT count(*) FROM audit_log WHERE action = 'payment.partial_refund'").await, 1);
    let dispute = serde_json::json!({ "id": "dp_b", "charge": "ch_b", "payment_intent": "pi_b", "amount": 499, "status": "needs_response" });
    assert_eq!(w.stripe("evt_b4", "charge.dispute.created", dispute.clone()).await, EventOutcome::Applied);
    assert!(!w.active(2).await, "a chargeback ends the access");
    assert_eq!(w.stripe("evt_b4", "charge.dispute.created", dispute).await, EventOutcome::Duplicate);
    assert_eq!(
        w.one("SELECT count(*) FROM audit_log WHERE action = 'payment.refund' AND actor = 'stripe:chargeback'").await,
        1
    );
    w.drop_db().await;
}

fn sale(user_id: i64, nonce: &str, sale: &str) -> serde_json::Value {
    serde_json::json!({ "id": sale, "state": "completed", "amount": { "total": "4.99", "currency": "EUR" },
        "custom": format!("v1:{user_id}:vip:{nonce}"), "billing_agreement_id": format!("I-{user_id}") })
}

fn sale_refund(id: &str, sale: &str, total: &str) -> serde_json::Value {
    serde_json::json!({ "id": id, "sale_id": sale, "state": "completed", "amount": { "total": total, "currency": "EUR" } })
}

#[actix::test]
async fn paypal_refunds_add_up_even_before_their_sale_and_a_reversal_ends_access() {
    let w = world().await;
    w.card_invoice(1, "aaaaaaaaaaaaaaaa").await;
    // A partial refund before its sale: the access the sale buys stays.
    assert_eq!(
        w.paypal("WH-1", "PAYMENT.SALE.REFUNDED", sale_refund("RF-1", "SALE-1", "1.00")).await,
        EventOutcome::Applied
    );
    assert_eq!(
        w.paypal("WH-2", "PAYMENT.SALE.COMPLETED", sale(1, "aaaaaaaaaaaaaaaa", "SALE-1")).await,
        EventOutcome::Applied
    );
    assert!(w.active(1).await);
    assert_eq!(w.one("SELECT count(*) FROM audit_log WHERE action = 'payment.partial_refund'").await, 1);
    // The rest of it: the two together are all of it.
    assert_eq!(
        w.paypal("WH-3", "PAYMENT.SALE.REFUNDED", sale_refund("RF-2", "SALE-1", "3.99")).await,
        EventOutcome::Applied
    );
    assert!(!w.active(1).await, "all the money is back");

    w.card_invoice(2, "bbbbbbbbbbbbbbbb").await;
    assert_eq!(
        w.paypal("WH-4", "PAYMENT.SALE.COMPLETED", sale(2, "bbbbbbbbbbbbbbbb", "SALE-2")).await,
        EventOutcome::Applied
    );
    let reversal =
        serde_json::json!({ "id": "SALE-2", "state": "reversed", "amount": { "total": "4.99", "currency": "EUR" } });
    assert_eq!(w.paypal("WH-5", "PAYMENT.SALE.REVERSED", reversal).await, EventOutcome::Applied);
    assert!(!w.active(2).await, "a chargeback ends the access");
    assert_eq!(
        w.one("SELECT count(*) FROM audit_log WHERE action = 'payment.refund' AND actor = 'paypal:chargeback'").await,
        1
    );
    w.drop_db().await;
}

#[actix::test]
async fn a_refund_or_a_repair_counts_the_days_that_payment_bought() {
    let w = world().await;
    // Tokens expire by the database's clock; whole seconds, as Postgres keeps microseconds.
    *w.now.lock().unwrap() = chrono::SubsecRound::trunc_subsecs(Utc::now(), 0);
    let start = w.now();
    w.invoice(1, "aaaaaaaaaaaaaaaa").await;
    let paid = w.reconciler.record_payment(stars(1, "ch-1", "aaaaaaaaaaaaaaaa", false)).await.unwrap();
    assert!(matches!(paid, PaymentOutcome::Activated { .. }), "{paid:?}");
    let plans = Plans::embedded().unwrap();
    let tariff = crate::admin::Tariff { name: "semana", plan: "vip", days: 7, price_cents: 100, currency: "EUR" };
    crate::admin::put_tariff(&w.pool, &plans, "admin:1", &tariff).await.unwrap();
    let token = crate::admin::create_token(&w.pool, "admin:1", "semana", 7).await.unwrap();
    let token = token.strip_prefix("tok_").unwrap().to_owned();
    let got = w.reconciler.redeem(RedeemToken { user_id: 1, token }).await.unwrap();
    let PaymentOutcome::Activated { payment_id, expires_at, .. } = got else { panic!("{got:?}") };
    assert_eq!(expires_at, start + Duration::days(37));
    let refund = RefundPayment { payment_id, admin: "admin:1".into() };
    assert_eq!(w.reconciler.refund(refund).await.unwrap(), RefundOutcome::Refunded { user_id: 1 });
    let until = "SELECT extract(epoch FROM expires_at)::bigint FROM user_subscriptions WHERE user_id = 1";
    assert_eq!(w.one(until).await, (start + Duration::days(30)).timestamp(), "the week goes, the month stays");

    // A week sold by token, paid but never applied: repaired as a week, not as the plan's month.
    w.pool
        .get()
        .await
        .unwrap()
        .execute(
            "INSERT INTO payments (provider, external_id, user_id, plan, amount, currency, status, raw_event, days, created_at)
             VALUES ('admin_token', 'tok-lost', 2, 'vip', 100, 'EUR', 'paid', '{}', 7, $1)",
            &[&start],
        )
        .await
        .unwrap();
    assert_eq!(w.reconciler.sweep(start).await.unwrap().repaired, 1);
    let until = "SELECT extract(epoch FROM expires_at)::bigint FROM user_subscriptions WHERE user_id = 2";
    assert_eq!(w.one(until).await, (start + Duration::days(7)).timestamp());
    w.drop_db().await;
}

#[actix::test]
async fn a_checkout_and_its_first_invoice_arriving_together_always_find_each_other() {
    let w = world().await;
    {
        let mut conn = w.pool.get().await.unwrap();
        let tx = crate::store::begin(&mut conn).await.unwrap();
        for user_id in 10..30 {
            let identity =
                Identity { user_id, first_name: "Eva".into(), last_name: None, username: None, language_code: None };
            db::users::register(&tx, &identity, None).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
    let mut pairs = Vec::new();
    let world = &w;
    for user_id in 10..30_i64 {
        let nonce = format!("{user_id:016}");
        world.card_invoice(user_id, &nonce).await;
        pairs.push(async move {
            let (subscription, intent) = (format!("sub_{user_id}"), format!("pi_{user_id}"));
            let (session_id, invoice_id) = (format!("evt_s{user_id}"), format!("evt_i{user_id}"));
            let session = subscription_session(user_id, &nonce, &subscription);
            futures::join!(
                world.stripe(&session_id, "checkout.session.completed", session),
                world.stripe(&invoice_id, "invoice.paid", first_invoice(&subscription, &intent)),
            )
        });
    }
    for (session, invoice) in futures::future::join_all(pairs).await {
        assert_eq!((session, invoice), (EventOutcome::Applied, EventOutcome::Applied));
    }
    let linked = "SELECT count(*) FROM payments WHERE provider = 'stripe' AND charge_ref = 'pi_' || user_id";
    assert_eq!(w.one(linked).await, 20, "every first payment knows the charge its refunds will name");
    w.drop_db().await;
}

#[actix::test]
async fn a_refunded_stripe_subscription_cancelled_by_us_keeps_days_from_elsewhere_and_inquiries_take_nothing() {
    let w = world().await;
    w.card_invoice(1, "aaaaaaaaaaaaaaaa").await;
    w.stripe("evt_1", "checkout.session.completed", subscription_session(1, "aaaaaaaaaaaaaaaa", "sub_a")).await;
    w.stripe("evt_2", "invoice.paid", first_invoice("sub_a", "pi_a")).await;
    // An inquiry about the charge: no money has moved, the access stays.
    let inquiry = serde_json::json!({ "id": "dp_1", "payment_intent": "pi_a", "status": "warning_needs_response" });
    assert_eq!(w.stripe("evt_3", "charge.dispute.created", inquiry).await, EventOutcome::Ignored);
    assert!(w.active(1).await);
    let grant = GrantVip { admin: "admin:1".into(), user_id: 1, plan: "vip".into(), days: 10, reason: "premio".into() };
    w.reconciler.grant(grant).await.unwrap().expect("the player exists");
    let payment = w.one("SELECT id FROM payments WHERE charge_ref = 'pi_a'").await;
    let refund = RefundPayment { payment_id: payment, admin: "admin:1".into() };
    assert_eq!(w.reconciler.refund(refund).await.unwrap(), RefundOutcome::Refunded { user_id: 1 });
    assert!(w.active(1).await, "the ten days given stay");
    // The cancellation we asked Stripe for comes back as a webhook: it ends nothing more.
    let deleted = serde_json::json!({ "id": "sub_a", "status": "canceled", "metadata": { "user_id": "1", "plan": "vip" },
        "cancellation_details": { "comment": REFUND_CANCELLATION } });
    assert_eq!(w.stripe("evt_4", "customer.subscription.deleted", deleted).await, EventOutcome::Ignored);
    assert!(w.active(1).await, "still the ten days given");
    w.drop_db().await;
}
