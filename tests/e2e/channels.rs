//! The channels through the Telegram stand-in: join requests approved after the wait, even
//! across a restart, with a welcome in private; reactions to posts paid once each; the VIP
//! channel's one-person invites, and removal of strangers and of subscriptions that ended.

use crate::common::server::{Options, TestServer, count, eventually};
use crate::common::telegram_standin::{Standin, TgUser};
use std::time::Duration;

const FREE: i64 = -1_001_234;

fn approvals(tg: &Standin, user: i64) -> usize {
    tg.calls()
        .iter()
        .filter(|c| c.method == "approveChatJoinRequest" && c.params["user_id"].as_i64() == Some(user))
        .filter(|c| c.params["chat_id"].as_i64() == Some(FREE))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_requests_are_approved_after_the_wait_even_across_a_restart() {
    let tg = Standin::start().await;
    let options = Options::new(Some(&tg.url))
        .env("DIANA__CHANNELS__FREE_ID", &FREE.to_string())
        .env("DIANA__CHANNELS__APPROVE_AFTER", "4s");
    // (Iván's request below would wait four seconds; the admin's command lets him in sooner.)
    let server = TestServer::start(options).await;
    let (dora, eva) = (TgUser::new(9501, "Dora"), TgUser::new(9502, "Eva"));
    // Dora never opened the bot: she asks to join and is welcomed in private at once.
    tg.join_request(&dora, FREE);
    let welcome = tg.wait_replies(dora.id, 1).await.remove(0);
    assert!(welcome.text().contains("Los Kinkys") && welcome.text().contains("1 minutos"), "{}", welcome.text());
    assert_eq!(approvals(&tg, dora.id), 0, "not before the wait");
    tg.wait_for("Dora's approval", Duration::from_secs(15), |s| (approvals(s, dora.id) == 1).then_some(())).await;
    // The outbox forgets what Telegram accepted (a crash before that would send it once more).
    let early = server.db().await;
    eventually("the outbox to settle", Duration::from_secs(10), || async {
        count(&early, "SELECT count(*) FROM outbox").await == 0
    })
    .await;
    // Eva asks, and the server stops before her wait is over: the next start approves her.
    tg.join_request(&eva, FREE);
    tg.wait_replies(eva.id, 1).await;
    let options = server.kill9();
    assert_eq!(approvals(&tg, eva.id), 0);
    let server = TestServer::start(options).await;
    tg.wait_for("Eva's approval after the restart", Duration::from_secs(20), |s| {
        (approvals(s, eva.id) == 1).then_some(())
    })
    .await;
    // An admin lets a waiting request in at once.
    let ivan = TgUser::new(9503, "Iván");
    tg.join_request(&ivan, FREE);
    tg.wait_replies(ivan.id, 1).await;
    let listed = server.admin(&["join-requests", "--approve-now"]);
    assert!(listed.contains("9503\tIván") && listed.contains("1 request(s)"), "{listed}");
    tg.wait_for("Iván's approval", Duration::from_secs(10), |s| (approvals(s, ivan.id) == 1).then_some(())).await;
    let db = server.db().await;
    let pending = "SELECT count(*) FROM channel_join_requests WHERE approved_at IS NULL";
    // Marked right after Telegram accepts the approval.
    eventually("nothing pending", Duration::from_secs(10), || async { count(&db, pending).await == 0 }).await;
    assert_eq!(approvals(&tg, dora.id), 1, "approved once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reaction_to_a_post_is_paid_once_within_the_cooldown_and_cap() {
    let tg = Standin::start().await;
    let options = Options::new(Some(&tg.url))
        .env("DIANA__CHANNELS__FREE_ID", &FREE.to_string())
        .env("DIANA__CHANNELS__REACTION_COOLDOWN", "0s");
    let server = TestServer::start(options).await;
    let db = server.db().await;
    let fer = TgUser::new(9601, "Fer");
    let paid = "SELECT COALESCE(SUM(points_change), 0)::BIGINT FROM points_transactions
                WHERE user_id = 9601 AND action_type = 'channel_reaction'";
    let last = tg.react(&fer, FREE, 7, "💋");
    tg.react(&fer, FREE, 7, "❤");
    tg.react(&fer, FREE, 8, "👍");
    tg.react(&fer, -42, 9, "💋");
    let done = tg.react(&fer, FREE, 10, "🤡");
    assert!(done > last);
    tg.wait_for("the reactions to be confirmed", Duration::from_secs(15), |s| {
        (s.confirmed_offset() > done).then_some(())
    })
    .await;
    // 💋 on post 7 pays 3, once; 👍 on post 8 pays 1; another chat and an unpriced emoji pay nothing.
    assert_eq!(count(&db, paid).await, 4);
    let ledger = "SELECT ((SELECT available_points FROM user_gamification WHERE user_id = 9601)
                  - (SELECT SUM(points_change) FROM points_transactions WHERE user_id = 9601))::BIGINT";
    assert_eq!(count(&db, ledger).await, 0);
    assert!(tg.messages_to(fer.id).is_empty(), "reactions are paid quietly");
}

const VIP: i64 = -1_009_999;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_vip_gets_a_one_person_invite_and_a_stranger_in_the_vip_channel_is_removed() {
    let tg = Standin::start().await;
    let options = Options::new(Some(&tg.url)).env("DIANA__CHANNELS__VIP_ID", &VIP.to_string());
    let server = TestServer::start(options).await;
    let cli = |args: &[&str]| server.admin(args);
    cli(&["tariff", "--name", "regalo-30", "--plan", "vip", "--days", "30", "--price-cents", "0"]);
    let payload = cli(&["token", "--tariff", "regalo-30"]).lines().next().unwrap().to_owned();
    let gala = TgUser::new(9701, "Gala");
    tg.send_text(&gala, &format!("/start {payload}"));
    let replies = tg.wait_replies(gala.id, 4).await;
    let invite = &replies[3];
    assert!(invite.text().contains("El Diván"), "{}", invite.text());
    assert!(invite.buttons()[0].1.starts_with("https://t.me/+standin"), "{:?}", invite.buttons());
    let made = tg.calls().into_iter().find(|c| c.method == "createChatInviteLink").expect("an invite link");
    assert_eq!(made.params["chat_id"].as_i64(), Some(VIP));
    assert_eq!(made.params["member_limit"].as_u64(), Some(1));
    let expires = made.params["expire_date"].as_i64().unwrap() - chrono::Utc::now().timestamp();
    assert!((3500..=3600).contains(&expires), "an hour: {expires}");
    // Gala may be there; a stranger who got in (a link passed on) is taken out again.
    tg.joins(&gala, VIP);
    let hugo = TgUser::new(9702, "Hugo");
    tg.joins(&hugo, VIP);
    let removed = |s: &Standin, method: &str, user: i64| {
        s.calls().iter().any(|c| c.method == method && c.params["user_id"].as_i64() == Some(user))
    };
    tg.wait_for("Hugo's removal", Duration::from_secs(15), |s| {
        (removed(s, "banChatMember", hugo.id) && removed(s, "unbanChatMember", hugo.id)).then_some(())
    })
    .await;
    assert!(!removed(&tg, "banChatMember", gala.id), "a subscriber stays");
    let unban = tg.calls().into_iter().find(|c| c.method == "unbanChatMember").unwrap();
    assert_eq!(unban.params["only_if_banned"], true, "so they can come back when they pay");
    // Membership as the dashboard sets it against subscriptions: Gala in, Hugo taken out.
    let db = server.db().await;
    let inside = "SELECT user_id FROM channel_members WHERE left_at IS NULL";
    eventually("Hugo's removal noted", Duration::from_secs(5), || async {
        count(&db, "SELECT count(*) FROM channel_members WHERE user_id = 9702 AND left_at IS NOT NULL").await == 1
    })
    .await;
    assert_eq!(count(&db, inside).await, 9701);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vip_whose_subscription_ends_leaves_the_vip_channel_with_a_farewell() {
    let tg = Standin::start().await;
    let options = Options::new(Some(&tg.url))
        .env("DIANA__CHANNELS__VIP_ID", &VIP.to_string())
        .env("DIANA__PAYMENTS__SWEEP_EVERY", "1s");
    let server = TestServer::start(options).await;
    let db = server.db().await;
    let cli = |args: &[&str]| server.admin(args);
    cli(&["tariff", "--name", "prueba-7", "--plan", "vip", "--days", "7", "--price-cents", "0"]);
    let payload = cli(&["token", "--tariff", "prueba-7"]).lines().next().unwrap().to_owned();
    let iris = TgUser::new(9711, "Iris");
    tg.send_text(&iris, &format!("/start {payload}"));
    tg.wait_replies(iris.id, 4).await;
    tg.joins(&iris, VIP);
    // A few sweeps while the subscription runs: Iris stays.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let removed = |s: &Standin, method: &str| {
        s.calls().iter().any(|c| c.method == method && c.params["user_id"].as_i64() == Some(iris.id))
    };
    assert!(!removed(&tg, "banChatMember"), "a subscriber stays");
    // Her seven days are over (the binary's clock cannot be moved; her subscription's end can).
    let ended = "UPDATE user_subscriptions SET expires_at = now() - INTERVAL '1 second' WHERE user_id = $1";
    db.execute(ended, &[&iris.id]).await.unwrap();
    tg.wait_for("Iris's removal", Duration::from_secs(15), |s| {
        (removed(s, "banChatMember") && removed(s, "unbanChatMember")).then_some(())
    })
    .await;
    let ban = tg.calls().into_iter().find(|c| c.method == "banChatMember").unwrap();
    assert_eq!(ban.params["chat_id"].as_i64(), Some(VIP));
    let farewell = tg.wait_replies(iris.id, 5).await.remove(4);
    assert!(farewell.text().contains("Tu VIP ha terminado"), "{}", farewell.text());
    assert!(farewell.buttons().iter().any(|(_, data)| data == "1:vp"), "{:?}", farewell.buttons());
    assert_eq!(count(&db, "SELECT count(*) FROM user_subscriptions WHERE status = 'expired'").await, 1);
    // Told once, removed once, however many sweeps follow.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(tg.calls().iter().filter(|c| c.method == "banChatMember").count(), 1);
    assert_eq!(tg.replies_to(iris.id).len(), 5);
}
