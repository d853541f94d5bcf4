//! The channels through the Telegram stand-in: join requests approved after the wait, even
//! across a restart, with a welcome in private; reactions to posts paid once each.

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
    let server = TestServer::start(options).await;
    let (dora, eva) = (TgUser::new(9501, "Dora"), TgUser::new(9502, "Eva"));
    // Dora never opened the bot: she asks to join and is welcomed in private at once.
    tg.join_request(&dora, FREE);
    let welcome = tg.wait_replies(dora.id, 1).await.remove(0);
    assert!(welcome.text().contains("Los Kinkys") && welcome.text().contains("1 minutos"), "{}", welcome.text());
    assert_eq!(approvals(&tg, dora.id), 0, "not before the wait");
    tg.wait_for("Dora's approval", Duration::from_secs(15), |s| (approvals(s, dora.id) == 1).then_some(())).await;
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
