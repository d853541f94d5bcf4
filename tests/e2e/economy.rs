//! The besitos economy through the bot: the daily gift, /besitos and referral rewards.

use crate::common::server::{Options, TestServer, count};
use crate::common::telegram_standin::{Standin, TgUser};

/// The ledger invariant of design §6, over every user.
async fn assert_ledger_invariant(db: &tokio_postgres::Client) {
    let broken = count(
        db,
        "SELECT count(*) FROM user_gamification g WHERE available_points <>
           (SELECT COALESCE(SUM(points_change), 0) FROM points_transactions t WHERE t.user_id = g.user_id)",
    )
    .await;
    assert_eq!(broken, 0, "available_points equals the sum of the ledger");
    let running = count(
        db,
        "SELECT count(*) FROM (SELECT balance_after,
             SUM(points_change) OVER (PARTITION BY user_id ORDER BY id) AS running
           FROM points_transactions) r WHERE balance_after <> running OR balance_after < 0",
    )
    .await;
    assert_eq!(running, 0, "balance_after is the running sum and never negative");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_gift_pays_once_a_day_and_shows_in_besitos() {
    let tg = Standin::start().await;
    let server = TestServer::start(Options::new(Some(&tg.url))).await;
    let db = server.db().await;
    let lola = TgUser::new(7001, "Lola");
    tg.send_text(&lola, "/start");
    let menu = tg.wait_replies(lola.id, 2).await;
    let gift_button = menu[1].buttons().into_iter().find(|(_, d)| d == "1:g").expect("gift button").1;

    tg.send_text(&lola, "/regalo");
    let msgs = tg.wait_replies(lola.id, 3).await;
    assert!(msgs[2].text().contains("Tu regalo de hoy"), "{}", msgs[2].text());
    assert!(msgs[2].text().contains("Días seguidos: <b>1</b>"), "{}", msgs[2].text());
    // The same day: the alias, and the menu button pressed twice, pay nothing more.
    tg.send_text(&lola, "/diario");
    tg.press(&lola, &gift_button);
    tg.press(&lola, &gift_button);
    let msgs = tg.wait_replies(lola.id, 6).await;
    for m in &msgs[3..6] {
        assert!(m.text().contains("Ya has abierto tu regalo de hoy"), "{}", m.text());
    }
    let gifts = count(&db, "SELECT count(*) FROM points_transactions WHERE action_type = 'daily_gift'").await;
    let streak: i32 =
        db.query_one("SELECT current_streak FROM user_gamification WHERE user_id = 7001", &[]).await.unwrap().get(0);
    assert_eq!(streak, 1);
    assert!(gifts <= 1, "at most one payment for the day");

    tg.send_text(&lola, "/besitos");
    let msgs = tg.wait_replies(lola.id, 7).await;
    let balance: i64 =
        db.query_one("SELECT available_points FROM user_gamification WHERE user_id = 7001", &[]).await.unwrap().get(0);
    let text = msgs[6].text();
    assert!(text.contains(&format!("Disponibles: <b>{balance}</b>")), "{text}");
    if gifts == 1 {
        assert!(text.contains("regalo diario"), "{text}");
    } else {
        assert!(text.contains("/regalo"), "no movement yet, a hint instead: {text}");
    }
    assert_ledger_invariant(&db).await;
    assert!(tg.bad_requests().is_empty(), "{:?}", tg.bad_requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_referral_rewards_both_players_once() {
    let tg = Standin::start().await;
    let server = TestServer::start(Options::new(Some(&tg.url))).await;
    let db = server.db().await;
    let (ana, bea) = (TgUser::new(7101, "Ana"), TgUser::new(7102, "<Bea>"));
    tg.send_text(&ana, "/start");
    tg.wait_replies(ana.id, 2).await;
    tg.send_text(&bea, "/start ref_7101");
    let msgs = tg.wait_replies(bea.id, 2).await;
    assert!(msgs[0].text().contains("<b>25</b> besitos"), "the new player's bonus: {}", msgs[0].text());
    let told = tg.wait_replies(ana.id, 3).await;
    assert!(told[2].text().contains("&lt;Bea&gt;") && told[2].text().contains("<b>50</b>"), "{}", told[2].text());

    // Bea's /start again, and Bea trying to refer Ana back, change nothing.
    tg.send_text(&bea, "/start ref_7101");
    tg.send_text(&ana, "/start ref_7102");
    tg.wait_replies(bea.id, 4).await;
    tg.wait_replies(ana.id, 5).await;
    let points = |id: i64| {
        let db = &db;
        async move {
            db.query_one("SELECT available_points FROM user_gamification WHERE user_id = $1", &[&id])
                .await
                .unwrap()
                .get::<_, i64>(0)
        }
    };
    // Paid once each (achievement rewards for the same events come on top, through the ledger too).
    let paid = |kind: &'static str| {
        let db = &db;
        async move {
            db.query(
                "SELECT user_id, points_change FROM points_transactions WHERE action_type = $1 ORDER BY id",
                &[&kind],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get::<_, i64>(0), r.get::<_, i64>(1)))
            .collect::<Vec<_>>()
        }
    };
    assert_eq!(paid("referral").await, vec![(7101, 50)]);
    assert_eq!(paid("referral_welcome").await, vec![(7102, 25)]);
    let ana_points = points(7101).await;
    // Ana's profile (another actor changed her balance) shows it.
    tg.send_text(&ana, "/perfil");
    let msgs = tg.wait_replies(ana.id, 6).await;
    // Achievement rewards land asynchronously; the profile shows at least the referral's 50.
    let shown: i64 = msgs[5]
        .text()
        .split("Besitos: <b>")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .and_then(|n| n.parse().ok())
        .expect("the profile shows besitos");
    assert!(shown >= 50 && ana_points >= 50, "{}", msgs[5].text());
    assert!(msgs[5].text().contains("⭐ Nivel"), "{}", msgs[5].text());
    assert_ledger_invariant(&db).await;
}

/// Give a player besitos as the game does: one ledger row with its balance (an earning that
/// counts on the boards, unlike admin grants).
async fn grant(db: &tokio_postgres::Client, user_id: i64, amount: i64) {
    db.batch_execute("BEGIN").await.unwrap();
    let row = db
        .query_one(
            "UPDATE user_gamification SET available_points = available_points + $2, total_points = total_points + $2
             WHERE user_id = $1 RETURNING available_points",
            &[&user_id, &amount],
        )
        .await
        .unwrap();
    let balance: i64 = row.get(0);
    db.execute(
        "INSERT INTO points_transactions (user_id, action_type, points_change, balance_after, idempotency_key)
         VALUES ($1, 'test_award', $2, $3, $4)",
        &[&user_id, &amount, &balance, &format!("test-grant:{user_id}:{balance}")],
    )
    .await
    .unwrap();
    db.batch_execute("COMMIT").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bought_streak_freeze_saves_the_streak_after_a_missed_day() {
    let tg = Standin::start().await;
    let server = TestServer::start(Options::new(Some(&tg.url))).await;
    let db = server.db().await;
    let mar = TgUser::new(7201, "Mar");
    tg.send_text(&mar, "/start");
    tg.wait_replies(mar.id, 2).await;
    grant(&db, mar.id, 60).await;

    tg.send_text(&mar, "/tienda");
    let shop = tg.wait_replies(mar.id, 3).await.remove(2);
    assert!(shop.text().contains("Tienes <b>60</b> besitos"), "{}", shop.text());
    let buy = shop
        .buttons()
        .into_iter()
        .find(|(label, _)| label.contains("Congelador"))
        .expect("a buy button for the streak freeze")
        .1;
    // Pressed twice: bought once.
    tg.press(&mar, &buy);
    tg.press(&mar, &buy);
    let msgs = tg.wait_replies(mar.id, 5).await;
    // 60 - 60, plus any achievement reward that arrived in between.
    assert!(msgs[3].text().contains("Te quedan <b>"), "{}", msgs[3].text());
    assert!(msgs[4].text().contains("ya compró"), "{}", msgs[4].text());
    assert_eq!(count(&db, "SELECT count(*) FROM points_transactions WHERE action_type = 'shop_purchase'").await, 1);

    // Not enough besitos for a second one from a new shop view: refused, nothing changes.
    tg.send_text(&mar, "/tienda");
    let shop = tg.wait_replies(mar.id, 6).await.remove(5);
    // (Achievement and mission rewards for the first purchase may have arrived meanwhile.)
    assert!(shop.text().contains("Te faltan"), "{}", shop.text());

    tg.send_text(&mar, "/mochila");
    let bag = tg.wait_replies(mar.id, 7).await.remove(6);
    assert!(bag.text().contains("Congelador de racha 🧊 × 1"), "{}", bag.text());

    // A five-day streak whose last claim was the day before yesterday: one missed day.
    db.execute(
        "UPDATE user_gamification SET current_streak = 5, longest_streak = 5,
             last_daily_claim = (now() AT TIME ZONE 'Europe/Madrid')::date - 2 WHERE user_id = $1",
        &[&mar.id],
    )
    .await
    .unwrap();
    // Outside the grace window the freeze is what keeps the streak; inside it the late claim
    // is forgiven first. Either way the streak goes on.
    tg.send_text(&mar, "/regalo");
    let gift = tg.wait_replies(mar.id, 8).await.remove(7);
    assert!(gift.text().contains("Días seguidos: <b>6</b>"), "{}", gift.text());
    let in_grace = gift.text().contains("Llegas tarde");
    let freezes =
        count(&db, "SELECT COALESCE(SUM(quantity), 0)::BIGINT FROM user_inventory WHERE item_id = 'streak_freeze'")
            .await;
    assert_eq!(freezes, if in_grace { 1 } else { 0 }, "{}", gift.text());
    assert_ledger_invariant(&db).await;
    assert!(tg.bad_requests().is_empty(), "{:?}", tg.bad_requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranking_shows_the_top_and_the_players_place() {
    let tg = Standin::start().await;
    let server = TestServer::start(Options::new(Some(&tg.url))).await;
    let db = server.db().await;
    let players: Vec<TgUser> = (0..4).map(|i| TgUser::new(7300 + i, &format!("Jugadora {i}"))).collect();
    for p in &players {
        tg.send_text(p, "/start");
        tg.wait_replies(p.id, 2).await;
    }
    // Earnings through the game itself: each claims the gift; then grants set a clear order.
    for (i, p) in players.iter().enumerate() {
        grant(&db, p.id, 100 * (i as i64 + 1)).await;
    }
    // A gift claim tells the leaderboard about its player; the grants above bypassed the game,
    // so the board must come from Postgres on its first read (a fresh Redis prefix).
    tg.send_text(&players[0], "/ranking");
    let board = tg.wait_replies(players[0].id, 3).await.remove(2);
    let text = board.text();
    assert!(text.contains("besitos de esta semana"), "{text}");
    let first = text.find("Jugadora 3").expect("the leader is listed");
    let last = text.find("Jugadora 0").expect("the asking player is listed");
    assert!(first < last, "ordered by besitos: {text}");
    assert!(text.contains("puesto <b>4</b> de 4"), "{text}");
    // Switch to the streak board with its button.
    let streak = board.buttons().into_iter().find(|(label, _)| label.contains("Rachas")).expect("streak button").1;
    tg.press(&players[0], &streak);
    let streaks = tg.wait_replies(players[0].id, 4).await.remove(3);
    assert!(streaks.text().contains("rachas en curso"), "{}", streaks.text());
    assert!(tg.bad_requests().is_empty(), "{:?}", tg.bad_requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_gift_unlocks_an_achievement_once_and_logros_shows_it() {
    let tg = Standin::start().await;
    let server = TestServer::start(Options::new(Some(&tg.url))).await;
    let db = server.db().await;
    let eva = TgUser::new(7401, "Eva");
    tg.send_text(&eva, "/start");
    tg.wait_replies(eva.id, 2).await;
    tg.send_text(&eva, "/regalo");
    let unlock = tg
        .wait_for("the unlock message", std::time::Duration::from_secs(10), |s| {
            s.messages_to(eva.id).into_iter().find(|m| m.text().contains("El primer regalo"))
        })
        .await;
    assert!(unlock.text().contains("Logro desbloqueado"), "{}", unlock.text());
    // Asking again changes nothing: one unlock, one reward.
    tg.send_text(&eva, "/regalo");
    tg.send_text(&eva, "/logros");
    let list = tg
        .wait_for("the achievements list", std::time::Duration::from_secs(10), |s| {
            s.messages_to(eva.id).into_iter().find(|m| m.text().contains("Tus logros"))
        })
        .await;
    assert!(list.text().contains("🏅 <b>El primer regalo</b>"), "{}", list.text());
    assert!(list.text().contains("Logro secreto"), "{}", list.text());
    assert_eq!(count(&db, "SELECT count(*) FROM user_achievements WHERE achievement_id = 'primer_regalo'").await, 1);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM points_transactions WHERE idempotency_key LIKE 'achievement:7401:primer_regalo:%'"
        )
        .await,
        1
    );
    assert_ledger_invariant(&db).await;
    assert!(tg.bad_requests().is_empty(), "{:?}", tg.bad_requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trivia_answer_pays_once_and_forged_or_late_answers_pay_nothing() {
    use diana_actors::domain::trivia::Bank;
    let tg = Standin::start().await;
    let server = TestServer::start(Options::new(Some(&tg.url))).await;
    let db = server.db().await;
    let sol = TgUser::new(7501, "Sol");
    tg.send_text(&sol, "/start");
    tg.wait_replies(sol.id, 2).await;
    tg.send_text(&sol, "/trivia");
    let question = tg.wait_replies(sol.id, 3).await.remove(2);
    let buttons = question.buttons();
    assert_eq!(buttons.len(), 4, "{:?}", buttons);
    // Find the right option from the bank, by the question's text.
    let bank = Bank::embedded().unwrap();
    let asked = bank
        .questions
        .iter()
        .find(|q| question.text().contains(&diana::telegram::html::escape(&q.text)))
        .expect("the question comes from the bank");
    let right = &buttons[asked.answer].1;
    tg.press(&sol, right);
    tg.press(&sol, right);
    let replies = tg.wait_replies(sol.id, 5).await;
    assert!(replies[3].text().contains("¡Correcto!"), "{}", replies[3].text());
    assert!(replies[4].text().contains("ya la respondiste"), "{}", replies[4].text());
    assert_eq!(count(&db, "SELECT count(*) FROM points_transactions WHERE action_type = 'trivia'").await, 1);
    // A second question the same day is refused politely; a forged answer pays nothing.
    tg.send_text(&sol, "/trivia");
    tg.press(&sol, "1:q:fffff:0");
    let replies = tg.wait_replies(sol.id, 7).await;
    assert!(replies[5].text().contains("no hay más preguntas"), "{}", replies[5].text());
    assert!(replies[6].text().contains("no era para ti"), "{}", replies[6].text());
    // An answer after the window: the round is reopened as if asked long ago.
    db.execute("UPDATE trivia_rounds SET answered_at = NULL, asked_at = now() - interval '1 hour'", &[]).await.unwrap();
    tg.press(&sol, right);
    let replies = tg.wait_replies(sol.id, 8).await;
    assert!(replies[7].text().contains("Se te pasó el tiempo"), "{}", replies[7].text());
    assert_eq!(count(&db, "SELECT count(*) FROM points_transactions WHERE action_type = 'trivia'").await, 1);
    assert_ledger_invariant(&db).await;
    assert!(tg.bad_requests().is_empty(), "{:?}", tg.bad_requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mission_completes_and_pays_once() {
    let tg = Standin::start().await;
    let server = TestServer::start(Options::new(Some(&tg.url))).await;
    let db = server.db().await;
    let rut = TgUser::new(7601, "Rut");
    tg.send_text(&rut, "/start");
    tg.wait_replies(rut.id, 2).await;
    tg.send_text(&rut, "/misiones");
    let list = tg.wait_replies(rut.id, 3).await.remove(2);
    assert!(list.text().contains("<b>Hoy</b>") && list.text().contains("Estreno en la tienda"), "{}", list.text());
    let daily = list.text().split("<b>En curso</b>").next().unwrap().matches("▫️").count();
    assert_eq!(daily, 3, "three daily missions: {}", list.text());

    grant(&db, rut.id, 200).await;
    for _ in 0..2 {
        tg.send_text(&rut, "/tienda");
        let n = tg.replies_to(rut.id).len() + 1;
        let shop = tg.wait_replies(rut.id, n).await.remove(n - 1);
        let buy = shop.buttons().into_iter().find(|(l, _)| l.contains("Congelador")).expect("buy button").1;
        tg.press(&rut, &buy);
        tg.wait_replies(rut.id, n + 1).await;
    }
    let done = tg
        .wait_for("the mission message", std::time::Duration::from_secs(10), |s| {
            s.messages_to(rut.id)
                .into_iter()
                .find(|m| m.text().contains("Misión cumplida") && m.text().contains("Estreno en la tienda"))
        })
        .await;
    assert!(done.text().contains("Misión cumplida"), "{}", done.text());
    // Two purchases, one first-purchase mission paid.
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM points_transactions WHERE idempotency_key = 'mission:7601:o_primera_compra:once'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM user_missions WHERE mission_id = 'o_primera_compra' AND completed_at IS NOT NULL"
        )
        .await,
        1
    );
    assert_ledger_invariant(&db).await;
}
