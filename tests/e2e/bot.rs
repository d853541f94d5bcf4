//! What a player sees: onboarding, menus, profile, help, privacy, and bad input.

use crate::common::server::{Options, TestServer, count, eventually};
use crate::common::telegram_standin::{Standin, TgUser};
use std::time::Duration;

async fn setup() -> (Standin, TestServer) {
    let standin = Standin::start().await;
    let server = TestServer::start(Options::new(Some(&standin.url))).await;
    (standin, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_greets_by_escaped_name_shows_menu_and_registers() {
    let (tg, server) = setup().await;
    let ana = TgUser::new(5001, r#"<b>Ana</b> & "Co""#);
    tg.send_text(&ana, "/start");
    let msgs = tg.wait_messages(ana.id, 2).await;
    assert!(msgs[0].text().contains("&lt;b&gt;Ana&lt;/b&gt; &amp; &quot;Co&quot;"), "{}", msgs[0].text());
    assert_eq!(msgs[0].params["parse_mode"], "HTML");
    let buttons = msgs[1].buttons();
    assert_eq!(buttons.len(), 12, "the whole menu: {buttons:?}");
    assert!(buttons.iter().all(|(_, data)| data.len() <= 64));

    let db = server.db().await;
    let row = db.query_one("SELECT first_name, is_active FROM users WHERE id = $1", &[&ana.id]).await.unwrap();
    assert_eq!(row.get::<_, String>(0), r#"<b>Ana</b> & "Co""#, "stored raw, escaped only when sent");
    assert!(row.get::<_, bool>(1));
    assert_eq!(count(&db, "SELECT count(*) FROM user_gamification").await, 1);

    // The profile button from the menu.
    let profile_data = &buttons.iter().find(|(_, d)| d == "1:p").expect("profile button").1;
    tg.press(&ana, profile_data);
    let msgs = tg.wait_messages(ana.id, 3).await;
    assert!(msgs[2].text().contains("Besitos: <b>0</b>"), "{}", msgs[2].text());
    let answer = tg.wait_callback_answer(1).await;
    assert!(answer.get("text").is_none(), "a working button gets a silent answer: {answer}");

    // A second /start greets a returning player and registers nothing new.
    tg.send_text(&ana, "/start");
    let msgs = tg.wait_messages(ana.id, 5).await;
    assert!(msgs[3].text().contains("de nuevo"), "{}", msgs[3].text());
    assert_eq!(count(&db, "SELECT count(*) FROM users").await, 1);
    assert!(tg.bad_requests().is_empty(), "Telegram refused: {:?}", tg.bad_requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_help_unknown_input_and_english() {
    let (tg, _server) = setup().await;
    let luis = TgUser::new(5002, "Luis");
    tg.send_text(&luis, "/perfil");
    let msgs = tg.wait_messages(luis.id, 1).await;
    assert!(msgs[0].text().contains("/start"), "unregistered users are asked to /start: {}", msgs[0].text());

    tg.send_text(&luis, "/start");
    tg.send_text(&luis, "/ayuda");
    tg.send_text(&luis, "hola, ¿qué tal?");
    tg.send_text(&luis, "/comando_que_no_existe");
    let msgs = tg.wait_messages(luis.id, 6).await;
    assert!(msgs[3].text().contains("/privacidad"), "help lists commands: {}", msgs[3].text());
    assert!(msgs[4].text().contains("/menu") && msgs[5].text().contains("/menu"));

    let emma = TgUser::new(5003, "Emma").english();
    tg.send_text(&emma, "/start");
    let msgs = tg.wait_messages(emma.id, 2).await;
    assert!(msgs[0].text().starts_with("Hi, <b>Emma</b>"), "{}", msgs[0].text());
    assert!(msgs[1].buttons().iter().any(|(label, _)| label.contains("Profile")));
    assert!(tg.bad_requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_stale_buttons_are_answered_and_change_nothing() {
    let (tg, server) = setup().await;
    let eva = TgUser::new(5004, "Eva");
    tg.send_text(&eva, "/start");
    tg.wait_messages(eva.id, 2).await;
    for forged in ["0:m", "1:nope", "💋💋💋", "1:dy:extra"] {
        tg.press(&eva, forged);
    }
    for n in 1..=4 {
        let answer = tg.wait_callback_answer(n).await;
        assert!(answer["text"].as_str().is_some_and(|t| t.contains("/menu")), "{answer}");
    }
    // Nothing was sent and nothing deleted, despite "1:dy:extra" resembling the delete button.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(tg.messages_to(eva.id).len(), 2);
    let db = server.db().await;
    assert_eq!(count(&db, "SELECT count(*) FROM users WHERE id = 5004 AND deleted_at IS NULL").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn privacy_exports_a_json_document_and_deletes_after_confirmation() {
    let (tg, server) = setup().await;
    let sara = TgUser::new(5005, "Sara");
    tg.send_text(&sara, "/start");
    tg.send_text(&sara, "/privacidad");
    let msgs = tg.wait_messages(sara.id, 3).await;
    let buttons = msgs[2].buttons();
    assert_eq!(buttons.len(), 3, "export, delete, back: {buttons:?}");

    tg.press(&sara, &buttons[0].1);
    let msgs = tg.wait_messages(sara.id, 4).await;
    assert_eq!(msgs[3].method, "sendDocument");
    let doc: serde_json::Value = serde_json::from_str(msgs[3].params["document"].as_str().unwrap())
        .unwrap_or_else(|e| panic!("{e}: {:?}", msgs[3].params));
    assert_eq!(doc["user"]["id"], 5005);
    assert_eq!(doc["user"]["first_name"], "Sara");
    assert_eq!(doc["gamification"]["available_points"], 0);

    tg.press(&sara, &buttons[1].1);
    let msgs = tg.wait_messages(sara.id, 5).await;
    let confirm = msgs[4].buttons();
    assert_eq!(confirm.len(), 2);
    // Cancel first: nothing is deleted.
    tg.press(&sara, &confirm[1].1);
    tg.wait_messages(sara.id, 6).await;
    let db = server.db().await;
    assert_eq!(count(&db, "SELECT count(*) FROM users WHERE id = 5005").await, 1);

    tg.press(&sara, &confirm[0].1);
    tg.wait_messages(sara.id, 7).await;
    assert_eq!(count(&db, "SELECT count(*) FROM users WHERE id = 5005").await, 0, "the Telegram id is gone");
    let anon = db.query_one("SELECT id, first_name, username, deleted_at IS NOT NULL FROM users", &[]).await.unwrap();
    assert!(anon.get::<_, i64>(0) < 0);
    assert_eq!(anon.get::<_, String>(1), "");
    assert_eq!(anon.get::<_, Option<String>>(2), None);
    assert!(anon.get::<_, bool>(3));
    assert_eq!(count(&db, "SELECT count(*) FROM user_gamification").await, 1, "aggregates are kept");
    assert_eq!(count(&db, "SELECT count(*) FROM audit_log WHERE action = 'privacy.delete'").await, 1);

    // Afterwards she is a stranger again.
    tg.send_text(&sara, "/perfil");
    let msgs = tg.wait_messages(sara.id, 8).await;
    assert!(msgs[7].text().contains("/start"));
    eventually("the outbox to empty", Duration::from_secs(5), || async {
        count(&db, "SELECT count(*) FROM outbox").await == 0
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_with_a_referral_link_stores_the_referrer_once() {
    let (tg, server) = setup().await;
    let db = server.db().await;
    let (ana, bea, cris, dani) =
        (TgUser::new(5101, "Ana"), TgUser::new(5102, "Bea"), TgUser::new(5103, "Cris"), TgUser::new(5104, "Dani"));
    tg.send_text(&ana, "/start");
    tg.wait_messages(ana.id, 2).await;
    tg.send_text(&bea, "/start ref_5101");
    tg.send_text(&cris, "/start ref_5103"); // herself
    tg.send_text(&dani, "/start ref_999999"); // nobody
    for u in [&bea, &cris, &dani] {
        tg.wait_messages(u.id, 2).await;
    }
    // A referral link used by someone already registered changes nothing.
    tg.send_text(&ana, "/start ref_5102");
    tg.wait_messages(ana.id, 4).await;
    let referrer = |id: i64| {
        let db = &db;
        async move {
            db.query_one("SELECT referred_by FROM users WHERE id = $1", &[&id]).await.unwrap().get::<_, Option<i64>>(0)
        }
    };
    assert_eq!(referrer(5102).await, Some(5101));
    assert_eq!(referrer(5103).await, None, "self-referral refused");
    assert_eq!(referrer(5104).await, None, "unknown referrer ignored");
    assert_eq!(referrer(5101).await, None, "only new users can be referred");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_story_plays_with_buttons_and_an_old_button_changes_nothing() {
    let tg = Standin::start().await;
    let cache = std::env::temp_dir().join(crate::common::server::unique_name("diana_story_cache"));
    let options = Options::new(Some(&tg.url))
        .env("DIANA__STORY__DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/assets/story"))
        .env("DIANA__STORY__CACHE_DIR", cache.to_str().unwrap());
    let server = TestServer::start(options).await;
    let db = server.db().await;
    let (ana, bea) = (TgUser::new(5201, "Ana"), TgUser::new(5202, "Bea"));
    for u in [&ana, &bea] {
        tg.send_text(u, "/start");
        tg.wait_replies(u.id, 2).await;
        tg.send_text(u, "/historia");
    }
    let scene = tg.wait_replies(ana.id, 3).await.remove(2);
    assert!(scene.text().contains("💋 <b>Diana</b>") && scene.text().contains("El Diván"), "{}", scene.text());
    let choices = scene.buttons();
    assert_eq!(choices.len(), 4, "{choices:?}");
    tg.press(&ana, &choices[1].1);
    let end = tg.wait_replies(ana.id, 4).await.remove(3);
    assert!(end.text().contains("Siéntate") && end.text().contains("Fin de este capítulo"), "{}", end.text());
    // The first scene's other button, pressed late: nothing happens but a clear answer.
    tg.press(&ana, &choices[0].1);
    let stale = tg.wait_replies(ana.id, 5).await.remove(4);
    assert!(stale.text().contains("Esa escena ya pasó"), "{}", stale.text());
    assert_eq!(count(&db, "SELECT count(*) FROM story_decisions WHERE user_id = 5201").await, 1);
    let score: i32 = db
        .query_one("SELECT score FROM user_character_relationships WHERE user_id = 5201 AND character = 'diana'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(score, 2);
    // A choice that costs besitos she doesn't have, and a VIP one: refused, nothing changes.
    let bea_scene = tg.wait_replies(bea.id, 3).await.remove(2);
    let bea_choices = bea_scene.buttons();
    tg.press(&bea, &bea_choices[2].1);
    tg.press(&bea, &bea_choices[3].1);
    let refused = tg.wait_replies(bea.id, 5).await;
    assert!(refused[3].text().contains("te faltan <b>20</b>"), "{}", refused[3].text());
    assert!(refused[4].text().contains("solo para VIP"), "{}", refused[4].text());
    assert_eq!(count(&db, "SELECT count(*) FROM story_decisions WHERE user_id = 5202").await, 0);
    // The free path is still open on the same scene, and pays besitos through the ledger.
    tg.press(&bea, &bea_choices[0].1);
    tg.wait_replies(bea.id, 6).await;
    assert_eq!(
        count(&db, "SELECT count(*) FROM points_transactions WHERE user_id = 5202 AND action_type = 'story'").await,
        1
    );
    assert!(tg.bad_requests().is_empty(), "{:?}", tg.bad_requests());
    let _ = std::fs::remove_dir_all(cache);
}
