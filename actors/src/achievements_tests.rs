//! Unlocking exactly once, against real Postgres.

use super::*;
use crate::domain::Identity;
use crate::store::schema;

#[actix::test]
async fn fifty_concurrent_evaluations_unlock_and_pay_each_level_once() {
    let name = format!("diana_ach_{:016x}", rand::random::<u64>());
    let config = schema::parse_url(&format!("postgres://postgres@127.0.0.1:5432/{name}")).unwrap();
    schema::ensure_database(&config).await.expect("Postgres must be running on 127.0.0.1:5432");
    schema::migrate(&config).await.unwrap();
    let pool = crate::store::pool(&config, 16).unwrap();
    let definitions = crate::content::Live::new(Achievements::embedded().unwrap());
    store::achievements::sync(&pool.get().await.unwrap(), &definitions.get().all).await.unwrap();
    {
        let mut conn = pool.get().await.unwrap();
        let tx = crate::store::begin(&mut conn).await.unwrap();
        let identity =
            Identity { user_id: 77, first_name: "Ana".into(), last_name: None, username: None, language_code: None };
        store::users::register(&tx, &identity, None).await.unwrap();
        let today = chrono::Utc::now().date_naive();
        // Seven gifts: "primer_regalo", "semana_perfecta"; no "regalos" level yet (needs 10).
        store::achievements::bump(&tx, 77, "daily_claims", 7, today, false).await.unwrap();
        tx.commit().await.unwrap();
    }
    let sent = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink: ReplySink = {
        let sent = Arc::clone(&sent);
        Arc::new(move |out: Vec<Outgoing>| sent.lock().unwrap().extend(out))
    };
    let evaluator = AchievementEvaluator::new(
        pool.clone(),
        definitions,
        Arc::new(Economy::embedded().unwrap()),
        chrono_tz::Europe::Madrid,
        Some(sink),
        None,
    );
    let runs = (0..50).map(|_| evaluator.evaluate(77));
    let results = futures::future::join_all(runs).await;
    let mut unlocked: Vec<(String, u32)> = results.into_iter().flat_map(|r| r.unwrap()).collect();
    unlocked.sort();
    // The rewards (5 + 30 besitos) also reach "primeros_besitos" (10 earned).
    assert_eq!(
        unlocked,
        vec![("primer_regalo".into(), 1), ("primeros_besitos".into(), 1), ("semana_perfecta".into(), 1)],
        "each level unlocked by exactly one of the 50 evaluations"
    );
    let conn = pool.get().await.unwrap();
    let rows: i64 = conn.query_one("SELECT count(*) FROM user_achievements", &[]).await.unwrap().get(0);
    let paid: i64 = conn
        .query_one("SELECT count(*) FROM points_transactions WHERE action_type = 'achievement'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!((rows, paid), (3, 3));
    assert_eq!(sent.lock().unwrap().len(), 3, "one unlock message each");
    drop(conn);
    let admin = schema::parse_url("postgres://postgres@127.0.0.1:5432/postgres").unwrap();
    let (client, conn) = admin.connect(tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    client.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.unwrap();
}

#[actix::test]
async fn screening_names_only_players_with_something_due_and_the_actor_unlocks_theirs() {
    let (db, pool) = crate::store::test_db::TestDb::create().await;
    let definitions = crate::content::Live::new(Achievements::embedded().unwrap());
    store::achievements::sync(&pool.get().await.unwrap(), &definitions.get().all).await.unwrap();
    let today = chrono::Utc::now().date_naive();
    {
        let mut conn = pool.get().await.unwrap();
        let tx = crate::store::begin(&mut conn).await.unwrap();
        for user_id in [1, 2, 3] {
            let identity =
                Identity { user_id, first_name: "Ana".into(), last_name: None, username: None, language_code: None };
            store::users::register(&tx, &identity, None).await.unwrap();
        }
        // 1 reached "primer_regalo"; 2 has it already and nothing new; 3 did nothing.
        store::achievements::bump(&tx, 1, "daily_claims", 1, today, false).await.unwrap();
        store::achievements::bump(&tx, 2, "daily_claims", 1, today, false).await.unwrap();
        store::achievements::unlock(&tx, 2, "primer_regalo", 1, 5).await.unwrap();
        tx.commit().await.unwrap();
    }
    let evaluator = AchievementEvaluator::new(
        pool.clone(),
        definitions,
        Arc::new(Economy::embedded().unwrap()),
        chrono_tz::Europe::Madrid,
        None,
        None,
    );
    assert_eq!(evaluator.screen(&[1, 2, 3]).await.unwrap(), vec![1]);

    let addr = evaluator.start();
    for user_id in [1, 2, 3, 1] {
        addr.send(Evaluate { user_id }).await.unwrap();
    }
    let conn = pool.get().await.unwrap();
    let mut rows = Vec::new();
    for _ in 0..100 {
        let found = conn
            .query("SELECT user_id, achievement_id FROM user_achievements ORDER BY user_id, achievement_id", &[])
            .await
            .unwrap();
        rows = found.iter().map(|r| (r.get::<_, i64>(0), r.get::<_, String>(1))).collect::<Vec<_>>();
        if rows.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(rows, vec![(1, "primer_regalo".to_owned()), (2, "primer_regalo".to_owned())]);
    let paid: i64 = conn
        .query_one("SELECT count(*) FROM points_transactions WHERE action_type = 'achievement'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(paid, 1, "player 1 paid once though asked about twice");
    drop(conn);
    db.drop_now().await;
}

#[actix::test]
async fn the_mission_payer_pays_todays_then_yesterdays_due_missions_once_and_starts_the_next_round() {
    let (db, pool) = crate::store::test_db::TestDb::create().await;
    let wording = r#"name_es = "m"
name_en = "m"
description_es = "m"
description_en = "m""#;
    let missions = crate::domain::missions::Missions::parse(&format!(
        "[[mission]]\nid = \"d_a\"\nkind = \"daily\"\ncounter = \"daily_claims\"\ntarget = 1\nreward = 10\n{wording}\n\n\
         [[mission]]\nid = \"r_b\"\nkind = \"repeatable\"\ncounter = \"trivia_correct\"\ntarget = 2\nreward = 20\n{wording}\n"
    ))
    .unwrap();
    let (economy, tz) = (Economy::embedded().unwrap(), chrono_tz::Europe::Madrid);
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let yesterday = (today - chrono::Days::new(1)).to_string();
    {
        let mut conn = pool.get().await.unwrap();
        let tx = crate::store::begin(&mut conn).await.unwrap();
        let identity =
            Identity { user_id: 88, first_name: "Ana".into(), last_name: None, username: None, language_code: None };
        store::users::register(&tx, &identity, None).await.unwrap();
        let assigned = [
            ("d_a".to_owned(), today.to_string(), 0),
            ("d_a".to_owned(), yesterday.clone(), 0),
            ("d_a".to_owned(), (today - chrono::Days::new(2)).to_string(), 0),
            ("r_b".to_owned(), "round:1".to_owned(), 0),
        ];
        store::missions::assign(&tx, 88, &assigned).await.unwrap();
        store::achievements::bump(&tx, 88, "daily_claims", 1, today, false).await.unwrap();
        store::achievements::bump(&tx, 88, "trivia_correct", 2, today, false).await.unwrap();
        tx.commit().await.unwrap();
    }
    let pay = || async {
        let mut conn = pool.get().await.unwrap();
        let tx = crate::store::begin(&mut conn).await.unwrap();
        let mut wallet = store::ledger::lock_wallet(&tx, 88).await.unwrap().unwrap();
        let counters = store::achievements::counters(&tx, 88).await.unwrap();
        let paid = crate::user::missions::pay_completed(&tx, &missions, &economy, tz, 88, &mut wallet, &counters)
            .await
            .unwrap();
        assert_eq!(Some(&wallet), store::ledger::lock_wallet(&tx, 88).await.unwrap().as_ref(), "the wallet kept up");
        tx.commit().await.unwrap();
        paid.into_iter()
            .map(|r| match r {
                Reply::MissionCompleted { mission_id, reward } => (mission_id, reward),
                other => panic!("{other:?}"),
            })
            .collect::<Vec<_>>()
    };
    // Today's first, then the repeatable round, then yesterday's; the day before is too old.
    assert_eq!(pay().await, vec![("d_a".to_owned(), 10), ("r_b".to_owned(), 20), ("d_a".to_owned(), 10)]);
    assert_eq!(pay().await, vec![], "each pays once");
    let conn = pool.get().await.unwrap();
    let next: (i64, bool) = conn
        .query_one(
            "SELECT baseline, completed_at IS NULL FROM user_missions WHERE user_id = 88 AND period = 'round:2'",
            &[],
        )
        .await
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!(next, (2, true), "the next round counts from where this one ended");
    let balance: i64 =
        conn.query_one("SELECT available_points FROM user_gamification WHERE user_id = 88", &[]).await.unwrap().get(0);
    assert_eq!(balance, 40);
    drop(conn);
    db.drop_now().await;
}
