//! VIP bought with Telegram Stars through the bot, against the Telegram stand-in: the plans, a
//! valid Stars invoice, the pre-checkout answer, activation, a replayed payment, a renewal.

use crate::common::server::{Options, TestServer, count, eventually};
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
    // The same payment delivered again: no second row, no second message.
    let replay = tg.successful_payment(&ana, &payload, 250, "stars-charge-1", false);
    eventually("the replay to be confirmed", Duration::from_secs(10), || async { tg.confirmed_offset() > replay })
        .await;
    assert_eq!(count(&db, "SELECT count(*) FROM payments WHERE user_id = 9101").await, 1);
    let days = "SELECT EXTRACT(DAY FROM expires_at - now())::BIGINT FROM user_subscriptions WHERE user_id = 9101";
    assert_eq!(count(&db, days).await, 29, "thirty days, less the seconds since");
    // A renewal from Telegram: thirty more days.
    tg.successful_payment(&ana, &payload, 250, "stars-charge-2", true);
    tg.wait_replies(ana.id, 6).await;
    assert_eq!(count(&db, "SELECT count(*) FROM payments WHERE user_id = 9101").await, 2);
    assert_eq!(count(&db, days).await, 59);
    // A paid invoice cannot be checked out again.
    tg.pre_checkout(&ana, &payload, "XTR", 250);
    assert_eq!(answers(4).await[3].params["ok"], false);
    tg.send_text(&ana, "/vip");
    let status = tg.wait_replies(ana.id, 7).await.remove(6);
    assert!(status.text().contains("Eres VIP</b> hasta el"), "{}", status.text());
    // The perks: a bonus with the daily gift (paid through the ledger) and a badge on the profile.
    tg.send_text(&ana, "/regalo");
    let gift = tg.wait_replies(ana.id, 8).await.remove(7);
    assert!(gift.text().contains("Extra VIP: <b>+10</b>"), "{}", gift.text());
    assert_eq!(count(&db, "SELECT count(*) FROM points_transactions WHERE action_type = 'vip_daily_bonus'").await, 1);
    tg.send_text(&ana, "/perfil");
    let profile = tg.wait_replies(ana.id, 9).await.remove(8);
    assert!(profile.text().contains("Suscripción: <b>💎 VIP</b>"), "{}", profile.text());

    // An admin refunds the first payment from the CLI: Telegram gives the stars back, access ends.
    let first: i64 =
        db.query_one("SELECT id FROM payments WHERE external_id = 'stars-charge-1'", &[]).await.unwrap().get(0);
    let refund = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_diana"))
            .args(["admin", "refund", "--payment", &first.to_string()])
            .env_clear()
            .env("DATABASE_URL", server.options.database_url())
            .env("TELEGRAM_BOT_TOKEN", "123456:TEST-token_abc")
            .env("TELEGRAM_API_URL", &tg.url)
            .output()
            .unwrap()
    };
    let done = refund();
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    let call = tg.calls().into_iter().find(|c| c.method == "refundStarPayment").expect("Telegram asked to refund");
    assert_eq!(call.params["telegram_payment_charge_id"], "stars-charge-1");
    assert_eq!(call.params["user_id"].as_i64(), Some(9101));
    assert_eq!(count(&db, multiplier).await, 10, "the perks are off");
    assert_eq!(count(&db, "SELECT count(*) FROM payments WHERE status = 'refunded'").await, 1);
    assert_eq!(count(&db, "SELECT count(*) FROM audit_log WHERE action = 'payment.refund'").await, 1);
    assert!(!refund().status.success(), "a second refund is refused");
    assert!(tg.bad_requests().is_empty(), "{:?}", tg.bad_requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_token_from_the_cli_makes_one_player_vip_through_a_start_link() {
    let tg = Standin::start().await;
    let server = TestServer::start(Options::new(Some(&tg.url))).await;
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_diana"))
            .arg("admin")
            .args(args)
            .env_clear()
            .env("DATABASE_URL", server.options.database_url())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
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
