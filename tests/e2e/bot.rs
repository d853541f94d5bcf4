//! What a player sees: onboarding, menus, profile, help, privacy, and bad input.

use crate::common::server::{Options, TestServer, count, eventually};
use crate::common::telegram_standin::{Call, Standin, TgUser};
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
    tg.wait_messages(sara.id, 2).await;
    // What she writes to Diana is hers: exported, and erased with the rest.
    tg.send_text(&sara, "hoy estoy contentísima, ¡me han dado el trabajo! 🎉");
    tg.wait_messages(sara.id, 3).await;
    tg.send_text(&sara, "/privacidad");
    let mut msgs = tg.wait_messages(sara.id, 4).await;
    msgs.remove(2);
    let buttons = msgs[2].buttons();
    assert_eq!(buttons.len(), 4, "export, reminders off, delete, back: {buttons:?}");

    tg.press(&sara, &buttons[0].1);
    let mut msgs = tg.wait_messages(sara.id, 5).await;
    msgs.remove(2);
    assert_eq!(msgs[3].method, "sendDocument");
    let doc: serde_json::Value = serde_json::from_str(msgs[3].params["document"].as_str().unwrap())
        .unwrap_or_else(|e| panic!("{e}: {:?}", msgs[3].params));
    assert_eq!(doc["user"]["id"], 5005);
    assert_eq!(doc["user"]["first_name"], "Sara");
    assert_eq!(doc["gamification"]["available_points"], 0);
    assert_eq!(doc["messages_to_diana"][0]["mood"], "feliz", "{doc}");
    assert_eq!(doc["profile"]["reminders"], true, "what she chose about reminders: {doc}");
    assert!(doc["profile"]["habits"].is_object(), "what play taught about her: {doc}");

    tg.press(&sara, &buttons[2].1);
    let mut msgs = tg.wait_messages(sara.id, 6).await;
    msgs.remove(2);
    let confirm = msgs[4].buttons();
    assert_eq!(confirm.len(), 2);
    // Cancel first: nothing is deleted.
    tg.press(&sara, &confirm[1].1);
    tg.wait_messages(sara.id, 7).await;
    let db = server.db().await;
    assert_eq!(count(&db, "SELECT count(*) FROM users WHERE id = 5005").await, 1);

    tg.press(&sara, &confirm[0].1);
    tg.wait_messages(sara.id, 8).await;
    assert_eq!(count(&db, "SELECT count(*) FROM mood_readings").await, 0, "what she wrote is gone");
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
    let msgs = tg.wait_messages(sara.id, 9).await;
    assert!(msgs[8].text().contains("/start"));
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

/// Give a player besitos the way an admin does, through the CLI and the ledger.
fn grant(server: &TestServer, user_id: i64, amount: i64) {
    let (user, amount) = (user_id.to_string(), amount.to_string());
    server.admin(&["grant", "--user-id", &user, "--amount", &amount, "--reason", "prueba de historia"]);
}

fn story_server(tg: &Standin, dir: &str, cache: &std::path::Path) -> Options {
    Options::new(Some(&tg.url)).env("DIANA__STORY__DIR", dir).env("DIANA__STORY__CACHE_DIR", cache.to_str().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_story_plays_from_historia_to_an_ending_through_the_bot() {
    let tg = Standin::start().await;
    let cache = std::env::temp_dir().join(crate::common::server::unique_name("diana_story_cache"));
    let server =
        TestServer::start(story_server(&tg, concat!(env!("CARGO_MANIFEST_DIR"), "/assets/story"), &cache)).await;
    let db = server.db().await;
    let (ana, bea) = (TgUser::new(5201, "Ana"), TgUser::new(5202, "Bea"));
    tg.send_text(&ana, "/start");
    tg.wait_replies(ana.id, 2).await;
    tg.send_text(&ana, "/historia");
    // A step's replies are complete when a message with buttons arrives: the scene's choices,
    // a locked chapter's way out, or the ending's.
    let step_done = |seen: usize| {
        move |s: &Standin| {
            let r = s.replies_to(5201);
            (r.len() > seen && r.last().is_some_and(|m| !m.buttons().is_empty())).then_some(r.len())
        }
    };
    let mut seen = tg.wait_for("the first scene", Duration::from_secs(15), step_done(2)).await;
    let first = tg.replies_to(ana.id);
    assert!(first.iter().any(|m| m.method == "sendPhoto"), "the opening sends its picture: {first:#?}");
    let (mut presses, mut locks, mut stale_button, mut pressed) = (0, 0, None, String::new());
    let ending = loop {
        assert!(presses < 150, "no ending after {presses} choices");
        let last = tg.replies_to(ana.id).pop().unwrap();
        if last.text().contains("— Fin —") {
            break last;
        }
        if last.text().contains("aún está cerrado") {
            // A locked chapter: earn the level (an admin grant here) and press the same button again.
            locks += 1;
            grant(&server, ana.id, 400);
        } else {
            let buttons = last.buttons();
            // A free player's path: no 🔒 VIP choice, no 💋 price.
            let (_, data) = buttons
                .iter()
                .find(|(label, data)| data.starts_with("1:c:") && !label.starts_with('🔒') && !label.contains('💋'))
                .unwrap_or_else(|| panic!("no free choice to press in {last:#?}"))
                .clone();
            if stale_button.is_none() && presses >= 2 {
                stale_button = buttons.iter().find(|(_, d)| *d != data && d.starts_with("1:c:")).cloned();
            }
            pressed = data;
        }
        tg.press(&ana, &pressed);
        presses += 1;
        seen = tg.wait_for("the next scene", Duration::from_secs(15), step_done(seen)).await;
    };
    assert!(locks >= 1, "chapters 3 and 5 need levels: the lock was met and lifted");
    assert!(ending.buttons().iter().any(|(_, d)| d == "1:pi"), "the ending offers the clues");
    // The decisions, relationships and ledger the path left behind.
    let decisions = count(&db, "SELECT count(*) FROM story_decisions WHERE user_id = 5201").await;
    assert_eq!(decisions, presses - locks, "one row per choice taken, none for a refused one");
    assert_eq!(count(&db, "SELECT count(DISTINCT chapter) FROM story_decisions WHERE user_id = 5201").await, 5);
    let finished = "SELECT count(*) FROM user_story_chapters WHERE user_id = 5201 AND finished_at IS NOT NULL";
    assert_eq!(count(&db, finished).await, 5);
    assert!(count(&db, "SELECT count(*) FROM user_character_relationships WHERE user_id = 5201").await >= 2);
    assert!(
        count(&db, "SELECT count(*) FROM points_transactions WHERE user_id = 5201 AND action_type = 'story'").await
            >= 1
    );
    let ledger = "SELECT ((SELECT available_points FROM user_gamification WHERE user_id = 5201)
                       - (SELECT SUM(points_change) FROM points_transactions WHERE user_id = 5201))::BIGINT";
    assert_eq!(count(&db, ledger).await, 0, "the ledger invariant holds");
    assert_eq!(
        count(&db, "SELECT value FROM user_counters WHERE user_id = 5201 AND counter = 'story_endings'").await,
        1
    );
    // `# logro:` tags reach the achievement evaluator: the first visit and El Diván's key.
    eventually("the story's achievements", Duration::from_secs(15), || async {
        let sql = "SELECT count(*) FROM user_achievements WHERE user_id = 5201
                   AND achievement_id IN ('primera_visita', 'llave_del_divan')";
        count(&db, sql).await == 2
    })
    .await;
    // An old scene's button, pressed late: a clear answer, nothing replayed.
    let (_, old) = stale_button.expect("the third scene had another choice");
    tg.press(&ana, &old);
    tg.wait_for("the stale answer", Duration::from_secs(15), |s| {
        s.replies_to(ana.id).last().is_some_and(|m| m.text().contains("Esa escena ya pasó")).then_some(())
    })
    .await;
    assert_eq!(count(&db, "SELECT count(*) FROM story_decisions WHERE user_id = 5201").await, decisions);
    tg.send_text(&ana, "/perfil");
    tg.wait_for("the profile", Duration::from_secs(15), |s| {
        s.replies_to(ana.id).last().is_some_and(|m| m.text().contains("<b>Personajes</b>")).then_some(())
    })
    .await;

    // The second player gets the same picture by its cached file_id, and refused gates change nothing.
    tg.send_text(&bea, "/start");
    tg.wait_replies(bea.id, 2).await;
    tg.send_text(&bea, "/historia");
    let photos = tg
        .wait_for("two pictures", Duration::from_secs(15), |s| {
            let p: Vec<Call> =
                s.calls().into_iter().filter(|c| c.method == "sendPhoto" && c.refused.is_none()).collect();
            (p.iter().any(|c| c.chat_id() == Some(bea.id))).then_some(p)
        })
        .await;
    assert!(photos[0].params["_file_name"].is_string(), "the first send uploads");
    let again = photos.iter().find(|c| c.chat_id() == Some(bea.id)).unwrap();
    assert!(again.params["_file_name"].is_null() && again.params["photo"].as_str().unwrap().starts_with("photo-"));
    assert!(count(&db, "SELECT count(*) FROM media_files").await >= 1);
    assert!(tg.bad_requests().is_empty(), "{:?}", tg.bad_requests());
    let _ = std::fs::remove_dir_all(cache);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gated_choices_point_to_the_shop_or_vip_and_a_new_story_loads_on_sighup() {
    let tg = Standin::start().await;
    let dir = std::env::temp_dir().join(crate::common::server::unique_name("diana_story_dir"));
    std::fs::create_dir_all(&dir).unwrap();
    let story = |greeting: &str| {
        format!(
            "=== capitulo_1 ===\n# capitulo:1\n{greeting}\n* [Un poema #coste:20]\n    -> fin\n\
             * [El diario #vip]\n    -> fin\n* [Nada]\n    # puntos:+5\n    -> fin\n=== fin ===\n# final:uno\nAdiós.\n-> END\n"
        )
    };
    std::fs::write(dir.join("main.ink"), format!("-> capitulo_1\n{}", story("Hola."))).unwrap();
    let cache = dir.join("cache");
    let server = TestServer::start(story_server(&tg, dir.to_str().unwrap(), &cache)).await;
    let db = server.db().await;
    let bea = TgUser::new(5301, "Bea");
    tg.send_text(&bea, "/start");
    tg.wait_replies(bea.id, 2).await;
    tg.send_text(&bea, "/historia");
    let scene = tg.wait_replies(bea.id, 3).await.remove(2);
    let labels: Vec<String> = scene.buttons().into_iter().map(|(l, _)| l).collect();
    assert_eq!(labels, ["Un poema · 💋 20", "🔒 El diario", "Nada"]);
    let buttons = scene.buttons();
    tg.press(&bea, &buttons[0].1);
    tg.press(&bea, &buttons[1].1);
    let refused = tg.wait_replies(bea.id, 5).await;
    assert!(refused[3].text().contains("te faltan <b>20</b>"), "{}", refused[3].text());
    assert!(refused[3].buttons().iter().any(|(_, d)| d == "1:t"), "a way to the shop");
    assert!(refused[4].text().contains("solo para VIP"), "{}", refused[4].text());
    assert!(refused[4].buttons().iter().any(|(_, d)| d == "1:vp"), "a way to /vip");
    assert_eq!(count(&db, "SELECT count(*) FROM story_decisions WHERE user_id = 5301").await, 0);
    assert_eq!(count(&db, "SELECT count(*) FROM points_transactions WHERE user_id = 5301").await, 0);

    // A new version, loaded without a restart: the next visit plays it.
    std::fs::write(dir.join("main.ink"), format!("-> capitulo_1\n{}", story("Hola otra vez."))).unwrap();
    let pid = server.child.id().to_string();
    assert!(std::process::Command::new("kill").args(["-HUP", &pid]).status().unwrap().success());
    eventually("the reload", Duration::from_secs(15), || async {
        !server.logged("story reloaded on SIGHUP").is_empty()
    })
    .await;
    tg.press(&bea, &buttons[2].1);
    let after = tg.wait_replies(bea.id, 6).await.remove(5);
    assert!(after.text().contains("La historia ha cambiado"), "{}", after.text());
    assert!(after.text().contains("Hola otra vez."), "{}", after.text());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diana_answers_sad_bored_and_flirty_players_differently_and_asks_when_unsure_once_a_day() {
    let (tg, server) = setup().await;
    let db = server.db().await;
    let eva = TgUser::new(5601, "Eva");
    tg.send_text(&eva, "/start");
    tg.wait_messages(eva.id, 2).await;
    // Messages Eva has had: each thing she says gets one answer.
    let seen = std::cell::Cell::new(2);
    let say = |text: &str| {
        tg.send_text(&eva, text);
        seen.set(seen.get() + 1);
        seen.get()
    };
    let n = say("hoy me siento fatal, ya nadie me escribe 😢");
    let sad = tg.wait_messages(eva.id, n).await.remove(n - 1);
    assert!(sad.text().contains("de bajón"), "gentle when sad: {}", sad.text());
    // The menu greets her in the same tone while the mood lasts; another player's is the usual.
    let n = say("/menu");
    let menu = tg.wait_messages(eva.id, n).await.remove(n - 1);
    assert!(menu.text().contains("Vamos con calma"), "{}", menu.text());
    assert!(menu.buttons().iter().any(|(_, d)| d == "1:g"), "the same menu buttons");
    let leo = TgUser::new(5602, "Leo");
    tg.send_text(&leo, "/start");
    let usual = tg.wait_messages(leo.id, 2).await.remove(1);
    assert!(usual.text().contains("Menú principal"), "{}", usual.text());
    let n = say("qué muermo de tarde, no hay nada que hacer 🥱");
    let bored = tg.wait_messages(eva.id, n).await.remove(n - 1);
    assert!(
        bored.text().contains("Aburrimiento") && bored.text().contains("/trivia"),
        "engaging when bored: {}",
        bored.text()
    );
    let n = say("eres preciosa, me tienes loco 😍");
    let flirty = tg.wait_messages(eva.id, n).await.remove(n - 1);
    assert!(flirty.text().contains("sonrojas"), "sweet when flirty: {}", flirty.text());

    // Unsure: she asks, with the seven moods as buttons.
    let n = say("ok");
    let asked = tg.wait_messages(eva.id, n).await.remove(n - 1);
    assert!(asked.text().contains("¿te he entendido bien?"), "{}", asked.text());
    let moods: Vec<(String, String)> = asked.buttons().into_iter().filter(|(_, d)| d.starts_with("1:md:")).collect();
    assert_eq!(moods.len(), 7, "{moods:?}");
    let (label, data) = moods.iter().find(|(l, _)| l.contains("Triste")).unwrap().clone();
    tg.press(&eva, &data);
    let thanks = tg.wait_messages(eva.id, n + 1).await.remove(n);
    assert!(
        thanks.text().contains("Gracias por contármelo") && thanks.text().contains("Triste"),
        "{label}: {}",
        thanks.text()
    );
    eventually("the answer to be kept", Duration::from_secs(5), || async {
        count(&db, "SELECT count(*) FROM mood_readings WHERE user_id = 5601 AND asked AND label = 'triste'").await == 1
    })
    .await;
    // Unsure again the same day: she does not ask twice (the thanks were one more message).
    seen.set(n + 1);
    let n = say("vale");
    let again = tg.wait_messages(eva.id, n).await.remove(n - 1);
    assert!(!again.text().contains("entendido bien"), "{}", again.text());
    assert_eq!(
        count(&db, "SELECT count(*) FROM mood_readings WHERE user_id = 5601").await,
        5,
        "/menu is not read for mood"
    );
    assert!(tg.bad_requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_onboarding_quiz_gives_an_archetype_and_the_menu_puts_its_favourites_first() {
    let (tg, server) = setup().await;
    let db = server.db().await;
    // Answers: index 3 leans competitive, index 0 exploring.
    let take_quiz = |user: &TgUser, answers: [u8; 4]| {
        let (tg, user) = (&tg, user.clone());
        async move {
            tg.send_text(&user, "/start");
            let welcome = tg.wait_messages(user.id, 2).await.remove(0);
            assert!(welcome.text().contains("4 preguntas"), "{}", welcome.text());
            let start = welcome.buttons().into_iter().find(|(_, d)| d == "1:oz:s").expect("a quiz button").1;
            tg.press(&user, &start);
            for (q, a) in answers.iter().enumerate() {
                let question = tg.wait_messages(user.id, 3 + q).await.remove(2 + q);
                assert!(question.text().contains(&format!("{}/4", q + 1)), "{}", question.text());
                tg.press(&user, &format!("1:oa:{q}:{a}"));
            }
            let msgs = tg.wait_messages(user.id, 8).await;
            (msgs[6].text().to_owned(), msgs[7].buttons())
        }
    };
    let rival = TgUser::new(5701, "Rita");
    let (verdict, menu) = take_quiz(&rival, [3, 3, 0, 3]).await;
    assert!(verdict.contains("competitiva"), "{verdict}");
    assert!(menu[0].1.starts_with("1:r:"), "the ranking first: {menu:?}");
    let explorer = TgUser::new(5702, "Eli");
    let (verdict, menu) = take_quiz(&explorer, [0, 2, 0, 1]).await;
    assert!(verdict.contains("exploradora"), "{verdict}");
    assert_eq!(menu[0].1, "1:st", "the story first: {menu:?}");
    assert_eq!(menu.len(), 12, "the same twelve buttons, reordered");
    let stored = "SELECT count(*) FROM user_profiles WHERE archetype IS NOT NULL AND quiz_done_at IS NOT NULL";
    assert_eq!(count(&db, stored).await, 2);
    let personality =
        "SELECT count(*) FROM user_profiles WHERE user_id = 5701 AND (personality->>'competidor')::float = 0.75";
    assert_eq!(count(&db, personality).await, 1);
    // Skipped: no archetype, the usual menu.
    let quiet = TgUser::new(5703, "Quim");
    tg.send_text(&quiet, "/start");
    tg.wait_messages(quiet.id, 2).await;
    tg.press(&quiet, "1:oz:x");
    let msgs = tg.wait_messages(quiet.id, 4).await;
    assert!(msgs[2].text().contains("sin preguntas"), "{}", msgs[2].text());
    assert_eq!(msgs[3].buttons()[0].1, "1:g", "the usual menu");
    assert!(tg.bad_requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streak_at_risk_comes_first_is_reminded_once_and_reminders_can_be_turned_off() {
    let tg = Standin::start().await;
    // No quiet hours and a fallback hour of 0, so the sweep (every second) is due at once.
    let options = Options::new(Some(&tg.url))
        .env("DIANA__PERSONAL__REMINDER_SWEEP_EVERY", "1s")
        .env("DIANA__PERSONAL__QUIET_HOURS", "0-0")
        .env("DIANA__PERSONAL__REMINDER_FALLBACK_HOUR", "0");
    let server = TestServer::start(options).await;
    let db = server.db().await;
    // Two returning players whose six-day streak breaks tonight: Tomás, a competitor, wants
    // reminders; Sara turned them off long ago.
    db.batch_execute(
        "INSERT INTO users (id, first_name, language_code) VALUES (5801, 'Tomás', 'es'), (5802, 'Sara', 'es');
         INSERT INTO user_gamification (user_id, current_streak, longest_streak, last_daily_claim)
         SELECT id, 6, 6, (now() AT TIME ZONE 'Europe/Madrid')::date - 1 FROM users WHERE id IN (5801, 5802);
         INSERT INTO user_profiles (user_id, onboarded_at, quiz_done_at, archetype, personality, reminders) VALUES
           (5801, now(), now(), 'competidor',
            '{\"explorador\": 0, \"triunfador\": 0, \"social\": 0.25, \"competidor\": 0.75}', true),
           (5802, now(), NULL, NULL, NULL, false);",
    )
    .await
    .unwrap();
    let (tomas, sara) = (TgUser::new(5801, "Tomás"), TgUser::new(5802, "Sara"));

    // The next reply to Tomás after the first `seen` that `matches` (achievement notices may
    // come in between); returns how many replies there were up to it, and it.
    let next = |seen: usize, what: &'static str, matches: fn(&Call) -> bool| {
        let tg = &tg;
        async move {
            tg.wait_for(what, Duration::from_secs(15), |s| {
                let replies = s.replies_to(5801);
                replies.iter().enumerate().skip(seen).find(|(_, c)| matches(c)).map(|(n, c)| (n + 1, c.clone()))
            })
            .await
        }
    };
    let data = |c: &Call| -> Vec<String> { c.buttons().into_iter().map(|(_, d)| d).collect() };

    let (seen, reminder) = next(0, "the reminder", |c| c.text().contains("racha de 6 días")).await;
    assert_eq!(data(&reminder), ["1:g", "1:n0"], "claim it, or no more reminders");
    assert!(reminder.text().contains("Se rompe en"), "how long is left: {}", reminder.text());
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(tg.messages_to(tomas.id).len(), 1, "one a day, however many sweeps");
    assert!(tg.messages_to(sara.id).is_empty(), "Sara opted out");

    // The menu: the gift first, then what a competitor reaches for; the suggestion saves the streak.
    tg.send_text(&tomas, "/menu");
    let (seen, menu) = next(seen, "the menu", |c| c.buttons().len() > 10).await;
    let order = data(&menu);
    assert_eq!(order[0], "1:g", "the streak first: {order:?}");
    assert!(order[1].starts_with("1:r:"), "then the ranking: {order:?}");
    assert!(menu.text().contains("<b>6 días</b>") && menu.text().contains("medianoche"), "{}", menu.text());
    assert_eq!(order.last().map(String::as_str), Some("1:g"), "the suggestion's own button");
    tg.press(&tomas, "1:g");
    let (seen, _) = next(seen, "the gift", |c| c.text().contains("Días seguidos: <b>7</b>")).await;

    // Saved, and sad: the tone turns gentle, the ranking leads again, and Diana offers a story.
    tg.send_text(&tomas, "hoy me siento fatal, ya nadie me escribe 😢");
    let (seen, _) = next(seen, "a gentle answer", |c| c.text().contains("de bajón")).await;
    tg.send_text(&tomas, "/menu");
    let (seen, menu) = next(seen, "the menu", |c| c.buttons().len() > 10).await;
    let order = data(&menu);
    assert!(order[0].starts_with("1:r:"), "{order:?}");
    assert!(
        menu.text().contains("Vamos con calma") && menu.text().contains("te cuento una historia"),
        "{}",
        menu.text()
    );
    assert_eq!(order.last().map(String::as_str), Some("1:st"));
    // Sara, with no mood read and no quiz, gets the usual menu with a greeting for the hour.
    tg.send_text(&sara, "/menu");
    let usual = tg.wait_messages(sara.id, 1).await.remove(0);
    let hello = ["Buenos días", "Buenas tardes", "Buenas noches", "Desvelada"];
    assert!(usual.text().contains("Menú principal"), "{}", usual.text());
    assert!(hello.iter().any(|h| usual.text().contains(h)), "{}", usual.text());

    // /privacidad turns reminders off, and then offers to turn them on again.
    tg.send_text(&tomas, "/privacidad");
    let (seen, privacy) = next(seen, "the privacy menu", |c| c.text().contains("Tus datos")).await;
    assert!(data(&privacy).contains(&"1:n0".to_owned()), "{:?}", privacy.buttons());
    tg.press(&tomas, "1:n0");
    let (seen, _) = next(seen, "reminders off", |c| c.text().contains("no te enviaré más recordatorios")).await;
    assert_eq!(count(&db, "SELECT count(*) FROM user_profiles WHERE user_id = 5801 AND NOT reminders").await, 1);
    tg.send_text(&tomas, "/privacidad");
    let (_, privacy) = next(seen, "the privacy menu again", |c| c.text().contains("Tus datos")).await;
    assert!(data(&privacy).contains(&"1:n1".to_owned()), "{:?}", privacy.buttons());
    assert!(tg.bad_requests().is_empty());
}
