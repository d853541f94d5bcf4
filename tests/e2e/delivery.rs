//! Exactly-once updates and reliable replies: duplicates, kill -9, 429 and 403.

use crate::common::server::{Options, TestServer, count, eventually};
use crate::common::telegram_standin::{Failure, Standin, TgUser};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_update_delivered_twice_has_one_effect() {
    let tg = Standin::start().await;
    let server = TestServer::start(Options::new(Some(&tg.url))).await;
    let db = server.db().await;
    let nico = TgUser::new(6001, "Nico");
    let start = tg.send_text(&nico, "/start");
    tg.wait_messages(nico.id, 2).await;
    eventually("the update to be confirmed", Duration::from_secs(10), || async { tg.confirmed_offset() > start }).await;

    tg.redeliver(start);
    let probe = tg.send_text(&nico, "/ayuda");
    tg.wait_messages(nico.id, 3).await;
    eventually("both updates to be confirmed", Duration::from_secs(10), || async { tg.confirmed_offset() > probe })
        .await;
    assert_eq!(tg.messages_to(nico.id).len(), 3, "the redelivered /start was not answered again");
    assert_eq!(count(&db, "SELECT count(*) FROM users").await, 1);
    assert_eq!(count(&db, "SELECT count(*) FROM processed_updates").await, 2);
    let metrics = server.get_text("/metrics").await;
    assert!(metrics.contains(r#"updates_total{kind="duplicate"} 1"#), "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_burst_loses_nothing_and_applies_nothing_twice() {
    let tg = Standin::start().await;
    let server = TestServer::start(Options::new(Some(&tg.url))).await;
    let db = server.db().await;
    let users: Vec<TgUser> = (0..200).map(|i| TgUser::new(700_000 + i, &format!("Burst {i}"))).collect();
    let last = users.iter().map(|u| tg.send_text(u, "/start")).max().unwrap();
    eventually("some users to register", Duration::from_secs(20), || async {
        count(&db, "SELECT count(*) FROM users").await >= 20
    })
    .await;
    let options = server.kill9();
    let before = count(&db, "SELECT count(*) FROM users").await;

    let server = TestServer::start(options).await;
    eventually("every update to be confirmed", Duration::from_secs(30), || async { tg.confirmed_offset() > last })
        .await;
    assert_eq!(count(&db, "SELECT count(*) FROM users").await, 200, "{before} before the crash");
    assert_eq!(count(&db, "SELECT count(DISTINCT id) FROM users").await, 200);
    assert_eq!(count(&db, "SELECT count(*) FROM processed_updates").await, 200);
    // Every user got their welcome, including those whose reply was committed but unsent.
    for user in &users {
        tg.wait_for(&format!("welcome of {}", user.id), Duration::from_secs(20), |s| {
            s.messages_to(user.id).iter().any(|m| m.text().contains("Burst")).then_some(())
        })
        .await;
    }
    eventually("the outbox to empty", Duration::from_secs(10), || async {
        count(&db, "SELECT count(*) FROM outbox").await == 0
    })
    .await;
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_is_waited_out_and_the_message_still_arrives() {
    let tg = Standin::start().await;
    let _server = TestServer::start(Options::new(Some(&tg.url))).await;
    let rosa = TgUser::new(6002, "Rosa");
    tg.fail_next(rosa.id, Failure::RetryAfter(1));
    tg.send_text(&rosa, "/start");
    let msgs = tg.wait_messages(rosa.id, 2).await;
    assert!(msgs[0].text().contains("Rosa"));
    let attempts: Vec<_> =
        tg.calls().into_iter().filter(|c| c.method == "sendMessage" && c.chat_id() == Some(rosa.id)).collect();
    assert_eq!(attempts[0].refused, Some(429));
    assert!(attempts[1].at.duration_since(attempts[0].at) >= Duration::from_millis(950), "retry_after respected");
    assert_eq!(attempts[1].text(), attempts[0].text(), "the same message, in order");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_403_marks_the_user_inactive_and_nothing_more_is_sent() {
    let tg = Standin::start().await;
    let server = TestServer::start(Options::new(Some(&tg.url))).await;
    let db = server.db().await;
    let tomas = TgUser::new(6003, "Tomás");
    tg.send_text(&tomas, "/start");
    tg.wait_messages(tomas.id, 2).await;

    tg.block(tomas.id);
    tg.send_text(&tomas, "/start"); // two replies queued; the first gets 403
    eventually("the user to be marked inactive", Duration::from_secs(10), || async {
        count(&db, "SELECT count(*) FROM users WHERE id = 6003 AND NOT is_active AND blocked_at IS NOT NULL").await == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let refused = tg.calls().into_iter().filter(|c| c.refused == Some(403)).count();
    assert_eq!(refused, 1, "after the 403 the second reply was dropped, not attempted");
    eventually("the dropped replies to leave the outbox", Duration::from_secs(5), || async {
        count(&db, "SELECT count(*) FROM outbox").await == 0
    })
    .await;

    // The user unblocks the bot and writes again: they are active and answered.
    tg.unblock(tomas.id);
    tg.chat_member(&tomas, "member");
    tg.send_text(&tomas, "/menu");
    tg.wait_messages(tomas.id, 3).await;
    assert_eq!(count(&db, "SELECT count(*) FROM users WHERE id = 6003 AND is_active").await, 1);

    // A my_chat_member "kicked" update is recorded too.
    tg.chat_member(&tomas, "kicked");
    eventually("the block to be recorded", Duration::from_secs(10), || async {
        count(&db, "SELECT count(*) FROM users WHERE id = 6003 AND NOT is_active").await == 1
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_committed_reply_that_never_reached_the_sender_is_swept_up() {
    let tg = Standin::start().await;
    let server = TestServer::start(Options::new(Some(&tg.url))).await;
    let db = server.db().await;
    // As if an update committed but its outcome was lost on the way back (a dropped
    // connection while reading COMMIT's reply): the row exists, the sender never heard of it.
    db.execute(
        "INSERT INTO outbox (chat_id, user_id, lang, reply, created_at)
         VALUES (6100, 6100, 'es', '{\"type\": \"help\"}', now() - interval '1 minute')",
        &[],
    )
    .await
    .unwrap();
    let msgs = tg
        .wait_for("the orphaned reply", Duration::from_secs(40), |s| {
            let m = s.messages_to(6100);
            (!m.is_empty()).then_some(m)
        })
        .await;
    assert!(msgs[0].text().contains("/menu"), "{}", msgs[0].text());
    eventually("the row to be deleted", Duration::from_secs(5), || async {
        count(&db, "SELECT count(*) FROM outbox").await == 0
    })
    .await;
}
