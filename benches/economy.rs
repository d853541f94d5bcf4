//! Economy numbers against real Postgres and Redis: awards per second through user actors with
//! their commits, and `/ranking` latency and rebuild time with 1,000,000 players on the board.
//! Run with `cargo bench --bench economy` (needs Postgres and Redis; takes a few minutes).

use actix::Actor;
use diana_actors::domain::economy::Economy;
use diana_actors::domain::leaderboard::{Board, Period};
use diana_actors::domain::{Action, Identity, UserUpdate};
use diana_actors::leaderboard::{GetStandings, Leaderboard};
use diana_actors::redis::Redis;
use diana_actors::store::{self, schema};
use diana_actors::user::{UserDeps, UserDirectory, UserSettings};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PLAYERS: i64 = 1_000_000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn update(update_id: i64, user_id: i64, action: Action) -> UserUpdate {
    let identity =
        Identity { user_id, first_name: format!("P{user_id}"), last_name: None, username: None, language_code: None };
    UserUpdate { update_id: Some(update_id), identity, chat_id: user_id, action }
}

#[actix::main]
async fn main() {
    let name = format!("diana_bench_{:08x}", rand::random::<u32>());
    let config = schema::parse_url(&format!("postgres://postgres@127.0.0.1:5432/{name}")).unwrap();
    schema::ensure_database(&config).await.expect("Postgres on 127.0.0.1:5432");
    schema::migrate(&config).await.unwrap();
    let pool = store::pool(&config, 16).unwrap();
    let conn = pool.get().await.unwrap();
    let started = Instant::now();
    conn.batch_execute(&format!(
        "INSERT INTO users (id, first_name) SELECT g, 'P' || g FROM generate_series(1, {PLAYERS}) g;
         INSERT INTO user_profiles (user_id) SELECT g FROM generate_series(1, {PLAYERS}) g;
         INSERT INTO user_gamification (user_id, total_points, available_points)
             SELECT g, (g::BIGINT * 7919) % 100000, (g::BIGINT * 7919) % 100000 FROM generate_series(1, {PLAYERS}) g;
         INSERT INTO points_transactions (user_id, action_type, points_change, balance_after, created_at)
             SELECT g, 'seed', (g::BIGINT * 7919) % 100000, (g::BIGINT * 7919) % 100000, now() - ((g % 5000) || ' minutes')::interval
             FROM generate_series(1, {PLAYERS}) g WHERE (g::BIGINT * 7919) % 100000 > 0;
         ANALYZE;"
    ))
    .await
    .unwrap();
    println!("seeded {PLAYERS} players in {:?}", started.elapsed());

    let economy = Arc::new(Economy::embedded().unwrap());
    let tz = chrono_tz::Europe::Madrid;
    let prefix = format!("bench_{:08x}", rand::random::<u32>());
    let redis = Redis::connect("redis://127.0.0.1:6379", &prefix).await.unwrap();
    let board = Leaderboard::new(pool.clone(), redis.clone(), tz, economy.clone()).start();
    let ask = |user_id| GetStandings { board: Board::Points, period: Period::AllTime, user_id };

    let t = Instant::now();
    board.send(ask(1)).await.unwrap().unwrap();
    println!("all-time board rebuilt from Postgres into Redis ({PLAYERS} players): {:?}", t.elapsed());
    let mut latencies = Vec::new();
    for i in 0..1000 {
        let t = Instant::now();
        let s = board.send(ask(1 + (i * 997) % PLAYERS)).await.unwrap().unwrap();
        assert!(s.players > PLAYERS * 9 / 10, "players on the board: {}", s.players);
        latencies.push(t.elapsed());
    }
    latencies.sort();
    println!(
        "/ranking standings from Redis, 1,000 asks: p50 {:?}, p99 {:?}, max {:?}",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().unwrap()
    );
    let offline = Leaderboard::new(pool.clone(), Redis::disabled(&prefix), tz, economy.clone()).start();
    let t = Instant::now();
    offline.send(ask(424_242)).await.unwrap().unwrap();
    println!("the same standings from Postgres (Redis down): {:?}", t.elapsed());

    let deps = UserDeps {
        pool: pool.clone(),
        commits: diana_actors::store::group_commit::GroupCommit::new(pool.clone(), 2, 64),
        redis,
        leaderboard: None,
        achievements: None,
        payments: None,
        settings: UserSettings {
            idle_timeout: Duration::from_secs(600),
            flood_per_minute: 0,
            economy,
            timezone: tz,
            content: diana_actors::content::Content::embedded().unwrap(),
            mood: diana_actors::content::Live::new(diana_actors::mood::MoodModel::embedded().unwrap()),
            recommender: Default::default(),
            story: diana_actors::story::StoryShelf::default(),
            card_payments: false,
            paypal_payments: false,
            channels: Default::default(),
        },
    };
    let users = UserDirectory::start(deps, 0);
    let claims = 20_000i64;
    let t = Instant::now();
    for batch in (0..claims).collect::<Vec<_>>().chunks(1000) {
        let running = batch.iter().map(|i| users.deliver(update(1 + i, 1 + i * 37, Action::ClaimDaily)));
        for result in futures::future::join_all(running).await {
            result.unwrap();
        }
    }
    let took = t.elapsed();
    let paid: i64 = conn
        .query_one(
            "SELECT count(*) FROM points_transactions WHERE action_type IN ('daily_gift', 'streak_milestone')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    println!(
        "{claims} daily gift claims through user actors, each committed: {took:?} ({:.0} claims/s, {paid} ledger awards)",
        claims as f64 / took.as_secs_f64()
    );
    users.passivate_all().await;
    users.stop();
    drop(conn);
    let admin = schema::parse_url("postgres://postgres@127.0.0.1:5432/postgres").unwrap();
    let (client, conn) = admin.connect(tokio_postgres::NoTls).await.unwrap();
    actix::spawn(async move {
        let _ = conn.await;
    });
    client.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.unwrap();
}
