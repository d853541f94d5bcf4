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
        let tx = conn.transaction().await.unwrap();
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
