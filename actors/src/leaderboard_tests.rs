//! The leaderboards against real Postgres and Redis: ranks and ties, lost Redis keys,
//! Redis down, names kept briefly, and closing a period twice.

use super::*;
use crate::domain::Identity;
use crate::store::schema;
use chrono::TimeZone;

async fn fresh_db() -> (String, Pool) {
    let name = format!("diana_lb_{:016x}", rand::random::<u64>());
    let config = schema::parse_url(&format!("postgres://postgres@127.0.0.1:5432/{name}")).unwrap();
    schema::ensure_database(&config).await.expect("Postgres must be running on 127.0.0.1:5432");
    schema::migrate(&config).await.unwrap();
    (name, crate::store::pool(&config, 8).unwrap())
}

async fn drop_db(name: &str) {
    let admin = schema::parse_url("postgres://postgres@127.0.0.1:5432/postgres").unwrap();
    let (client, conn) = admin.connect(tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    client.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.unwrap();
}

async fn register(pool: &Pool, ids: &[i64]) {
    let mut conn = pool.get().await.unwrap();
    let tx = crate::store::begin(&mut conn).await.unwrap();
    for id in ids {
        let identity = Identity {
            user_id: *id,
            first_name: format!("P{id}"),
            last_name: None,
            username: None,
            language_code: None,
        };
        crate::store::users::register(&tx, &identity, None).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// A consistent ledger row at a chosen time (wallet and ledger together, as the game writes them).
async fn earn_at(pool: &Pool, user_id: i64, amount: i64, at: DateTime<Utc>) {
    let mut conn = pool.get().await.unwrap();
    let tx = crate::store::begin(&mut conn).await.unwrap();
    let balance: i64 = tx
        .query_one(
            "UPDATE user_gamification SET available_points = available_points + $2, total_points = total_points + $2
             WHERE user_id = $1 RETURNING available_points",
            &[&user_id, &amount],
        )
        .await
        .unwrap()
        .get(0);
    tx.execute(
        "INSERT INTO points_transactions (user_id, action_type, points_change, balance_after, created_at, idempotency_key)
         VALUES ($1, 'test', $2, $3, $4, $5)",
        &[&user_id, &amount, &balance, &at, &format!("t:{user_id}:{balance}:{}", at.timestamp())],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

fn board(pool: &Pool, redis: Redis) -> Addr<Leaderboard> {
    let economy = Arc::new(Economy::embedded().unwrap());
    Leaderboard::new(pool.clone(), redis, chrono_tz::Europe::Madrid, economy).start()
}

async fn redis(prefix: &str) -> Redis {
    Redis::connect("redis://127.0.0.1:6379", prefix).await.unwrap()
}

fn ranks(s: &Standings) -> Vec<(i64, i64, i64)> {
    s.top.iter().map(|r| (r.rank, r.user_id, r.score)).collect()
}

#[actix::test]
async fn ranks_ties_lost_keys_and_redis_down_all_agree() {
    let (db, pool) = fresh_db().await;
    let ids = [11, 12, 13, 14, 15];
    register(&pool, &ids).await;
    let t = |h: u32| Utc.with_ymd_and_hms(2025, 6, 1, h, 0, 0).unwrap();
    earn_at(&pool, 11, 100, t(10)).await; // 100, reached at 10:00
    earn_at(&pool, 12, 60, t(8)).await;
    earn_at(&pool, 12, 40, t(9)).await; // 100, reached at 09:00: ahead of 11
    earn_at(&pool, 13, 150, t(7)).await;
    earn_at(&pool, 14, 50, t(6)).await;
    let prefix = format!("test_{:016x}", rand::random::<u64>());
    let lb = board(&pool, redis(&prefix).await);
    for id in ids {
        lb.do_send(PlayerScored { user_id: id });
    }
    lb.send(SyncDirty).await.unwrap();
    let ask = |user_id| GetStandings { board: Board::Points, period: Period::AllTime, user_id };
    let from_redis = lb.send(ask(11)).await.unwrap().unwrap();
    assert_eq!(ranks(&from_redis), vec![(1, 13, 150), (2, 12, 100), (3, 11, 100), (4, 14, 50)]);
    assert_eq!(from_redis.me.as_ref().map(|r| (r.rank, r.score)), Some((3, 100)));
    assert_eq!(from_redis.players, 4, "a player without earnings is not on the board");
    assert_eq!(from_redis.top[0].name, "P13");
    let around: Vec<i64> = from_redis.around.iter().map(|r| r.user_id).collect();
    assert_eq!(around, vec![13, 12, 11, 14]);

    // Keys lost (as after FLUSHDB): the board is rebuilt from Postgres, identical.
    let client = redis(&prefix).await;
    let raw = client.client().unwrap().clone();
    let mut deleted = 0;
    for (b, period) in BOARDS {
        let span = span_at(period, Utc::now(), chrono_tz::Europe::Madrid);
        let key = client.key(&["lb", store_lb::board_name(b), &span.key]);
        deleted += raw.del::<i64, _>(vec![key.clone(), format!("{key}:built")]).await.unwrap();
    }
    assert!(deleted >= 2, "the boards were in Redis");
    let rebuilt = lb.send(ask(11)).await.unwrap().unwrap();
    assert_eq!(rebuilt, from_redis);

    // Redis down: the same answers, from Postgres.
    let offline = board(&pool, Redis::disabled(&prefix));
    let from_postgres = offline.send(ask(11)).await.unwrap().unwrap();
    assert_eq!(from_postgres, from_redis);
    let streaks =
        offline.send(GetStandings { board: Board::Streak, period: Period::Week, user_id: 11 }).await.unwrap().unwrap();
    assert_eq!((streaks.period, streaks.players), (Period::AllTime, 0));

    // A new earning moves the player up, in Redis as in Postgres.
    earn_at(&pool, 14, 200, Utc::now()).await;
    lb.do_send(PlayerScored { user_id: 14 });
    lb.send(SyncDirty).await.unwrap();
    let after = lb.send(ask(14)).await.unwrap().unwrap();
    assert_eq!(after.top[0].user_id, 14);
    assert_eq!(offline.send(ask(14)).await.unwrap().unwrap(), after);
    drop_db(&db).await;
}

#[actix::test]
async fn names_on_a_board_are_kept_briefly_but_the_asking_players_own_row_is_read_fresh() {
    let (db, pool) = fresh_db().await;
    register(&pool, &[21, 22]).await;
    earn_at(&pool, 21, 50, Utc::now()).await;
    earn_at(&pool, 22, 80, Utc::now()).await;
    let prefix = format!("test_{:016x}", rand::random::<u64>());
    let lb = board(&pool, redis(&prefix).await);
    let ask = |user_id| GetStandings { board: Board::Points, period: Period::AllTime, user_id };
    let names = |s: &Standings| s.top.iter().map(|r| (r.user_id, r.name.clone())).collect::<Vec<_>>();
    let first = lb.send(ask(21)).await.unwrap().unwrap();
    assert_eq!(names(&first), vec![(22, "P22".to_owned()), (21, "P21".to_owned())]);

    pool.get().await.unwrap().execute("UPDATE users SET first_name = 'Nueva' || id", &[]).await.unwrap();
    let again = lb.send(ask(21)).await.unwrap().unwrap();
    assert_eq!(
        names(&again),
        vec![(22, "P22".to_owned()), (21, "Nueva21".to_owned())],
        "another player's name is shown from memory for a few seconds; the asker's own is fresh"
    );
    let by_the_other = lb.send(ask(22)).await.unwrap().unwrap();
    assert_eq!(names(&by_the_other)[0], (22, "Nueva22".to_owned()));
    drop_db(&db).await;
}

#[actix::test]
async fn closing_a_period_pays_the_top_once_even_when_run_twice() {
    let (db, pool) = fresh_db().await;
    register(&pool, &[21, 22, 23]).await;
    let tz = chrono_tz::Europe::Madrid;
    let now = Utc::now();
    let last_week = previous_span(Period::Week, now, tz).unwrap();
    earn_at(&pool, 21, 300, last_week.start + chrono::Duration::hours(5)).await;
    earn_at(&pool, 22, 200, last_week.start + chrono::Duration::hours(6)).await;
    earn_at(&pool, 23, 999, now).await; // this week: not part of last week's standings
    let prefix = format!("test_{:016x}", rand::random::<u64>());
    let lb = board(&pool, redis(&prefix).await);
    let (first, second) = (lb.send(ClosePeriods { now: Some(now) }), lb.send(ClosePeriods { now: Some(now) }));
    first.await.unwrap().unwrap();
    second.await.unwrap().unwrap();
    let conn = pool.get().await.unwrap();
    let prizes: Vec<(i64, i64)> = conn
        .query(
            "SELECT user_id, points_change FROM points_transactions WHERE action_type = 'leaderboard_prize'
             AND context->>'period' = $1 ORDER BY points_change DESC",
            &[&last_week.key],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let economy = Economy::embedded().unwrap();
    assert_eq!(prizes, vec![(21, economy.leaderboard.week_rewards[0]), (22, economy.leaderboard.week_rewards[1])]);
    let archived: i64 = conn
        .query_one("SELECT count(*) FROM leaderboard_archive WHERE period = $1", &[&last_week.key])
        .await
        .unwrap()
        .get(0);
    assert_eq!(archived, 2);
    drop(conn);
    drop_db(&db).await;
}
