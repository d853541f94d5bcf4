//! User actors against real Postgres and Redis: crash isolation, restart from Postgres, and
//! per-user ordering. Each test gets its own database and Redis key prefix.

use super::directory::MAX_STORE_FAILURES;
use super::*;
use crate::domain::{Action, Identity, Reply, UserUpdate};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::store::test_db::TestDb;

mod story;

async fn directory(pool: &Pool, shards: usize) -> UserDirectory {
    directory_with_story(pool, shards, crate::story::StoryShelf::default()).await
}

async fn directory_with_story(pool: &Pool, shards: usize, story: crate::story::StoryShelf) -> UserDirectory {
    directory_with(pool, shards, story, Default::default()).await
}

async fn directory_with(
    pool: &Pool,
    shards: usize,
    story: crate::story::StoryShelf,
    recommender: crate::content::Live<crate::recommend::ItemItem>,
) -> UserDirectory {
    let commits = crate::store::group_commit::GroupCommit::new(pool.clone(), 2, 64);
    directory_committing(pool, shards, story, recommender, commits, 0).await
}

async fn directory_committing(
    pool: &Pool,
    shards: usize,
    story: crate::story::StoryShelf,
    recommender: crate::content::Live<crate::recommend::ItemItem>,
    commits: crate::store::group_commit::GroupCommit,
    flood_per_minute: u32,
) -> UserDirectory {
    let prefix = format!("test_{:016x}", rand::random::<u64>());
    let redis = Redis::connect("redis://127.0.0.1:6379", &prefix).await.unwrap();
    let settings = UserSettings {
        idle_timeout: Duration::from_secs(600),
        flood_per_minute,
        economy: std::sync::Arc::new(crate::domain::economy::Economy::embedded().unwrap()),
        timezone: chrono_tz::Europe::Madrid,
        content: crate::content::Content::embedded().unwrap(),
        mood: crate::content::Live::new(crate::mood::MoodModel::embedded().unwrap()),
        recommender,
        story,
        card_payments: false,
        paypal_payments: false,
        channels: Default::default(),
    };
    UserDirectory::start(
        UserDeps {
            pool: pool.clone(),
            commits,
            redis,
            leaderboard: None,
            achievements: None,
            payments: None,
            settings,
        },
        shards,
    )
}

fn update(update_id: i64, user_id: i64, action: Action) -> UserUpdate {
    UserUpdate {
        update_id: Some(update_id),
        identity: Identity {
            user_id,
            first_name: format!("User {user_id}"),
            last_name: None,
            username: None,
            language_code: Some("es".into()),
        },
        chat_id: user_id,
        action,
    }
}

fn replies(outcome: UpdateOutcome) -> Vec<Reply> {
    match outcome {
        UpdateOutcome::Applied { outgoing, .. } => outgoing.into_iter().map(|o| o.reply).collect(),
        UpdateOutcome::Duplicate => panic!("unexpected duplicate"),
    }
}

#[actix::test]
async fn a_panicking_user_never_disturbs_another_and_restarts_from_postgres() {
    let (db, pool) = TestDb::create().await;
    // One shard: both users live on the same arbiter, the hardest case for isolation.
    let users = directory(&pool, 1).await;
    users.deliver(update(1, 10, Action::Start { payload: None })).await.unwrap();
    users.deliver(update(2, 20, Action::Start { payload: None })).await.unwrap();

    let restarts = crate::metrics::USER_ACTOR_RESTARTS.get();
    let crashed = users.deliver(update(3, 10, Action::Explode));
    let bystander = users.deliver(update(4, 20, Action::ShowProfile));
    let (crashed, bystander) = futures::join!(crashed, bystander);
    assert!(matches!(crashed, Err(UserError::Abandoned)), "{crashed:?}");
    assert!(matches!(replies(bystander.unwrap())[..], [Reply::Profile { .. }]));
    assert!(crate::metrics::USER_ACTOR_RESTARTS.get() >= restarts + 2, "crashed, retried, crashed again");

    // The crashed user's actor came back, with its state reloaded from Postgres.
    let after = replies(users.deliver(update(5, 10, Action::ShowProfile)).await.unwrap());
    match &after[..] {
        [Reply::Profile { first_name, .. }] => assert_eq!(first_name, "User 10"),
        other => panic!("unexpected {other:?}"),
    }
    // The poisonous update is recorded as failed, so it is never retried forever.
    let conn = pool.get().await.unwrap();
    let outcome: String =
        conn.query_one("SELECT outcome FROM processed_updates WHERE update_id = 3", &[]).await.unwrap().get(0);
    assert_eq!(outcome, "failed");
    assert_eq!(users.live_actors().await, 2);
    assert_eq!(users.passivate_all().await, 2);
    users.stop();
    drop(conn);
    db.drop_now().await;
}

/// A directory whose next batch can be made to roll back, as if a neighbour had failed.
async fn directory_rolling_back(pool: &Pool, flood_per_minute: u32) -> (UserDirectory, Arc<AtomicBool>) {
    let commits = crate::store::group_commit::GroupCommit::new(pool.clone(), 2, 64);
    let abort = commits.abort_switch();
    (directory_committing(pool, 1, Default::default(), Default::default(), commits, flood_per_minute).await, abort)
}

/// Deliver `update` with its first batch rolled back; it is applied again alone.
async fn delivered_after_a_rollback(users: &UserDirectory, abort: &AtomicBool, update: UserUpdate) -> Vec<Reply> {
    abort.store(true, Ordering::SeqCst);
    let replies = replies(users.deliver(update).await.unwrap());
    assert!(!abort.load(Ordering::SeqCst), "the update's first batch was the one rolled back");
    replies
}

#[actix::test]
async fn an_update_whose_batch_rolled_back_for_another_is_applied_once_and_the_actor_forgets_nothing() {
    let (db, pool) = TestDb::create().await;
    let (users, abort) = directory_rolling_back(&pool, 0).await;
    let u = 70;
    users.deliver(update(1, u, Action::Start { payload: None })).await.unwrap();
    for id in 2..5 {
        users.deliver(update(id, u, Action::ShowProfile)).await.unwrap();
    }
    let again = delivered_after_a_rollback(&users, &abort, update(5, u, Action::ShowProfile)).await;
    assert!(matches!(again[..], [Reply::Profile { .. }]), "{again:?}");
    assert_eq!(users.passivate_all().await, 1);
    // What play taught is saved only at passivation: four profile views, each counted once.
    // Dropping the actor's copy after the rollback would have kept one; keeping the copy the
    // rolled-back attempt had changed would have counted five.
    let conn = pool.get().await.unwrap();
    let habits: serde_json::Value =
        conn.query_one("SELECT habits FROM user_profiles WHERE user_id = $1", &[&u]).await.unwrap().get(0);
    assert_eq!(habits["signals"][2], serde_json::json!(4.0), "{habits}");
    users.stop();
    drop(conn);
    db.drop_now().await;
}

#[actix::test]
async fn an_update_applied_again_after_its_group_rolled_back_counts_once_against_the_flood_limit() {
    let (db, pool) = TestDb::create().await;
    let (users, abort) = directory_rolling_back(&pool, 3).await;
    // The flood window is the wall-clock minute: begin well inside one.
    let into_minute = chrono::Utc::now().timestamp() % 60;
    if into_minute > 55 {
        tokio::time::sleep(Duration::from_secs((61 - into_minute) as u64)).await;
    }
    let u = 71;
    users.deliver(update(1, u, Action::Start { payload: None })).await.unwrap();
    users.deliver(update(2, u, Action::ShowProfile)).await.unwrap();
    // The third update of the minute is applied twice (its first group rolls back): still the
    // third, within the limit of three.
    let third = delivered_after_a_rollback(&users, &abort, update(3, u, Action::ShowProfile)).await;
    assert!(matches!(third[..], [Reply::Profile { .. }]), "{third:?}");
    // The fourth is over the limit.
    let fourth = replies(users.deliver(update(4, u, Action::ShowProfile)).await.unwrap());
    assert_eq!(fourth, vec![Reply::SlowDown]);
    users.stop();
    db.drop_now().await;
}

#[actix::test]
async fn one_users_updates_apply_in_arrival_order_and_duplicates_do_nothing() {
    let (db, pool) = TestDb::create().await;
    let users = directory(&pool, 2).await;
    users.deliver(update(100, 30, Action::Start { payload: None })).await.unwrap();
    // Fifty updates at once for one user, interleaved with another user's.
    let mine: Vec<_> = (101..151).map(|id| users.deliver(update(id, 30, Action::ShowHelp))).collect();
    let theirs: Vec<_> = (201..221).map(|id| users.deliver(update(id, 40, Action::ShowHelp))).collect();
    let (mine, theirs) = futures::join!(futures::future::join_all(mine), futures::future::join_all(theirs));
    let ids: Vec<i64> = mine
        .into_iter()
        .map(|r| match r.unwrap() {
            UpdateOutcome::Applied { outgoing, .. } => outgoing[0].id,
            UpdateOutcome::Duplicate => panic!("duplicate"),
        })
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "committed in arrival order: {ids:?}");
    assert!(theirs.iter().all(|r| r.is_ok()));
    // A repeated update id is acknowledged and ignored.
    assert_eq!(users.deliver(update(120, 30, Action::ShowHelp)).await.unwrap(), UpdateOutcome::Duplicate);
    users.passivate_all().await;
    users.stop();
    db.drop_now().await;
}

#[actix::test]
async fn an_update_that_keeps_failing_is_abandoned_and_stops_blocking() {
    let (db, pool) = TestDb::create().await;
    let users = directory(&pool, 1).await;
    let conn = pool.get().await.unwrap();
    // A persistent database error for registrations: writing a profile fails (reads still work).
    conn.batch_execute(
        "CREATE FUNCTION refuse_profiles() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'profiles away'; END $$
             LANGUAGE plpgsql;
         CREATE TRIGGER profiles_away BEFORE INSERT ON user_profiles FOR EACH ROW EXECUTE FUNCTION refuse_profiles();",
    )
    .await
    .unwrap();
    let start = || update(7, 50, Action::Start { payload: None });
    for attempt in 1..MAX_STORE_FAILURES {
        let result = users.deliver(start()).await;
        assert!(matches!(result, Err(UserError::Store(_))), "attempt {attempt}: {result:?}");
    }
    assert!(matches!(users.deliver(start()).await, Err(UserError::Abandoned)));
    let outcome: String =
        conn.query_one("SELECT outcome FROM processed_updates WHERE update_id = 7", &[]).await.unwrap().get(0);
    assert_eq!(outcome, "failed");
    // Redelivered once more, it is a duplicate: nothing is tried again.
    assert_eq!(users.deliver(start()).await.unwrap(), UpdateOutcome::Duplicate);

    conn.batch_execute("DROP TRIGGER profiles_away ON user_profiles").await.unwrap();
    let later = replies(users.deliver(update(8, 50, Action::Start { payload: None })).await.unwrap());
    assert!(matches!(later[0], Reply::Welcome { returning: false, .. }));
    users.passivate_all().await;
    users.stop();
    drop(conn);
    db.drop_now().await;
}

#[actix::test]
async fn passivation_saves_the_time_of_the_latest_update() {
    let (db, pool) = TestDb::create().await;
    let users = directory(&pool, 1).await;
    users.deliver(update(1, 60, Action::Start { payload: None })).await.unwrap();
    let conn = pool.get().await.unwrap();
    let seen = |conn: deadpool_postgres::Object| async move {
        let at: chrono::DateTime<chrono::Utc> =
            conn.query_one("SELECT last_seen_at FROM users WHERE id = 60", &[]).await.unwrap().get(0);
        (at, conn)
    };
    let (registered, conn) = seen(conn).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    users.deliver(update(2, 60, Action::ShowHelp)).await.unwrap();
    assert_eq!(users.passivate_all().await, 1);
    let (saved, conn) = seen(conn).await;
    assert!(saved > registered + chrono::Duration::milliseconds(10), "{registered} → {saved}");
    assert_eq!(users.live_actors().await, 0);
    users.stop();
    drop(conn);
    db.drop_now().await;
}

#[actix::test]
async fn play_teaches_habits_and_refines_the_archetype_which_passivation_saves_and_a_new_actor_reads() {
    let (db, pool) = TestDb::create().await;
    let users = directory(&pool, 1).await;
    users.deliver(update(1, 61, Action::Start { payload: None })).await.unwrap();
    // No quiz, and a habit of missions: an achiever once play has said enough.
    for n in 0..21 {
        users.deliver(update(10 + n, 61, Action::ShowMissions)).await.unwrap();
    }
    assert_eq!(users.passivate_all().await, 1);
    let conn = pool.get().await.unwrap();
    let row = conn.query_one("SELECT habits, archetype FROM user_profiles WHERE user_id = 61", &[]).await.unwrap();
    let habits: crate::domain::habits::Habits = serde_json::from_value(row.get(0)).unwrap();
    assert_eq!(habits.hours.iter().sum::<f64>(), 1.0, "one session");
    assert_eq!(habits.signals, [0.0, 21.0, 0.0, 0.0]);
    assert_eq!(row.get::<_, Option<String>>(1).as_deref(), Some("triunfador"));
    // A new actor starts from what was saved.
    let menu = replies(users.deliver(update(40, 61, Action::ShowMenu)).await.unwrap());
    match &menu[..] {
        [Reply::PersonalMenu { archetype, day_part, .. }] => {
            assert_eq!(archetype.as_deref(), Some("triunfador"));
            assert!(day_part.is_some());
        }
        other => panic!("a personal menu, not {other:?}"),
    }
    users.stop();
    drop(conn);
    db.drop_now().await;
}

#[actix::test]
async fn the_menu_suggests_what_players_like_them_took_and_the_popular_to_newcomers() {
    use crate::domain::interface::Suggestion;
    use crate::recommend::{Engagement, ItemItem};
    let (db, pool) = TestDb::create().await;
    let at = chrono::Utc::now();
    let e = |user_id: i64, item: &str| Engagement { user_id, item: item.into(), at };
    // Readers of the first chapter bought the poet's title and the VIP-only enigma title; the
    // streak freeze sells most overall.
    let mut log: Vec<Engagement> =
        (0..10).flat_map(|u| [e(u, "capitulo:1"), e(u, "tienda:title_enigma"), e(u, "tienda:title_poeta")]).collect();
    log.extend((100..120).map(|u| e(u, "tienda:streak_freeze")));
    let users = directory_with(&pool, 1, Default::default(), crate::content::Live::new(ItemItem::fit(&log))).await;
    for (n, user) in [62, 63].into_iter().enumerate() {
        users.deliver(update(1 + n as i64, user, Action::Start { payload: None })).await.unwrap();
    }
    users.passivate_all().await;
    let conn = pool.get().await.unwrap();
    conn.execute("INSERT INTO user_story_chapters (user_id, chapter) VALUES (62, 1)", &[]).await.unwrap();
    let suggestion = |outcome| match &replies(outcome)[..] {
        [Reply::PersonalMenu { suggestion, .. }] => suggestion.clone(),
        other => panic!("a personal menu, not {other:?}"),
    };
    let reader = suggestion(users.deliver(update(10, 62, Action::ShowMenu)).await.unwrap());
    assert!(
        matches!(reader, Some(Suggestion::Recommended { ref item, ref name }) if item == "tienda:title_poeta" && !name.is_empty()),
        "what readers like her took, and she can buy (the enigma is for VIP): {reader:?}"
    );
    let newcomer = suggestion(users.deliver(update(11, 63, Action::ShowMenu)).await.unwrap());
    assert!(
        matches!(newcomer, Some(Suggestion::Recommended { ref item, ref name }) if item == "tienda:streak_freeze" && !name.is_empty()),
        "nothing engaged yet: the most popular, {newcomer:?}"
    );
    users.stop();
    drop(conn);
    db.drop_now().await;
}

#[derive(Debug, Clone)]
enum LedgerOp {
    Earn { user: usize, amount: i64, capped: bool, key: u8 },
    Spend { user: usize, amount: i64, key: u8 },
}

fn ledger_ops() -> impl proptest::strategy::Strategy<Value = Vec<LedgerOp>> {
    use proptest::prelude::*;
    let op = prop_oneof![
        (0usize..4, 1i64..200, any::<bool>(), any::<u8>()).prop_map(|(user, amount, capped, key)| LedgerOp::Earn {
            user,
            amount,
            capped,
            key
        }),
        (0usize..4, 1i64..300, any::<u8>()).prop_map(|(user, amount, key)| LedgerOp::Spend { user, amount, key }),
    ];
    proptest::collection::vec(op, 1..40)
}

/// Run ledger operations in one transaction, as a user actor would. One operation alone takes
/// the wallet's lock itself (`credit`, `debit`); several are applied to the first one's player
/// under one lock, as a daily claim or a story step does (`credit_locked`, `debit_locked`), so
/// each must see the balance the one before it left.
async fn run_ops(pool: &Pool, economy: &crate::domain::economy::Economy, case: usize, users: &[i64], ops: &[LedgerOp]) {
    let mut conn = pool.get().await.unwrap();
    let tx = crate::store::begin(&mut conn).await.unwrap();
    let owner = match ops[0] {
        LedgerOp::Earn { user, .. } | LedgerOp::Spend { user, .. } => users[user],
    };
    let mut locked = match ops.len() {
        1 => None,
        _ => Some(crate::store::ledger::lock_wallet(&tx, owner).await.unwrap().unwrap()),
    };
    let tz = chrono_tz::Europe::Madrid;
    for op in ops {
        match *op {
            LedgerOp::Earn { user, amount, capped, key } => {
                let user_id = if locked.is_some() { owner } else { users[user] };
                // Small key space: repeated keys stand for pressed-twice buttons and redeliveries.
                let key = format!("earn:{case}:{user_id}:{}", key % 8);
                let earning = wallet::Earning {
                    user_id,
                    action_type: if capped { "referral" } else { "test_award" },
                    base: amount,
                    multiplied: true,
                    key: &key,
                    context: serde_json::json!({}),
                };
                match locked.as_mut() {
                    Some(held) => wallet::credit_locked(&tx, economy, tz, held, earning).await.unwrap(),
                    None => wallet::credit(&tx, economy, tz, earning).await.unwrap(),
                };
            }
            LedgerOp::Spend { user, amount, key } => {
                let user_id = if locked.is_some() { owner } else { users[user] };
                let key = format!("spend:{case}:{user_id}:{}", key % 8);
                let context = serde_json::json!({});
                match locked.as_mut() {
                    Some(held) => {
                        wallet::debit_locked(&tx, held, user_id, "test_spend", amount, &key, context).await.unwrap()
                    }
                    None => wallet::debit(&tx, user_id, "test_spend", amount, &key, context).await.unwrap(),
                };
            }
        }
    }
    if let Some(held) = locked {
        let stored = crate::store::ledger::lock_wallet(&tx, owner).await.unwrap().unwrap();
        assert_eq!(held, stored, "the held wallet is the stored one after each change");
    }
    tx.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_concurrent_earnings_and_spending_keep_the_ledger_invariant() {
    use proptest::strategy::{Strategy, ValueTree};
    let (db, pool) = TestDb::create().await;
    let economy = crate::domain::economy::Economy::embedded().unwrap();
    let users: Vec<i64> = (900..904).collect();
    {
        let mut conn = pool.get().await.unwrap();
        let tx = crate::store::begin(&mut conn).await.unwrap();
        for id in &users {
            let identity = update(0, *id, Action::ShowHelp).identity;
            crate::store::users::register(&tx, &identity, None).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for case in 0..12 {
        let ops = ledger_ops().new_tree(&mut runner).unwrap().current();
        // Concurrent batches: several transactions race for the same wallets. A case's
        // transactions hold one, two or three operations.
        for batch in ops.chunks(8) {
            let running = batch.chunks(1 + case % 3).map(|ops| run_ops(&pool, &economy, case, &users, ops));
            futures::future::join_all(running).await;
        }
    }
    let conn = pool.get().await.unwrap();
    let check = |sql: &'static str| {
        let conn = &conn;
        async move { conn.query_one(sql, &[]).await.unwrap().get::<_, i64>(0) }
    };
    assert!(check("SELECT count(*) FROM points_transactions").await > 50, "the cases did something");
    assert_eq!(
        check(
            "SELECT count(*) FROM user_gamification g WHERE available_points <>
               (SELECT COALESCE(SUM(points_change), 0) FROM points_transactions t WHERE t.user_id = g.user_id)"
        )
        .await,
        0,
        "available_points equals the sum of the ledger"
    );
    assert_eq!(
        check(
            "SELECT count(*) FROM (SELECT balance_after,
                 SUM(points_change) OVER (PARTITION BY user_id ORDER BY id) AS running
               FROM points_transactions) r WHERE balance_after <> running"
        )
        .await,
        0,
        "each balance_after is the running sum"
    );
    assert_eq!(check("SELECT count(*) FROM points_transactions WHERE balance_after < 0").await, 0);
    assert!(
        check("SELECT COALESCE(MAX(s), 0)::BIGINT FROM (SELECT SUM(points_change) AS s FROM points_transactions WHERE action_type = 'referral' GROUP BY user_id) x").await
            <= economy.cap("referral").unwrap(),
        "the daily cap holds under concurrency"
    );
    assert_eq!(
        check("SELECT count(*) FROM user_gamification WHERE total_points <
               (SELECT COALESCE(SUM(points_change), 0) FROM points_transactions t WHERE t.user_id = user_gamification.user_id AND points_change > 0)").await,
        0,
        "total_points counts every besito earned"
    );
    drop(conn);
    db.drop_now().await;
}

#[actix::test]
async fn a_boost_drawn_on_a_milestone_day_multiplies_that_days_milestone_bonus() {
    use crate::domain::economy::{Economy, GiftReward};
    let (db, pool) = TestDb::create().await;
    let economy = Economy::embedded().unwrap();
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Madrid).date_naive();
    // A player whose gift today, on the seventh day of their streak, is a boost.
    let (user_id, factor) = (900..200_000)
        .find_map(|u| match crate::domain::gift::draw(&economy.gift, u, today, economy.gift.seed, 7).reward {
            GiftReward::Boost { factor, .. } if factor > 1.0 => Some((u, factor)),
            _ => None,
        })
        .expect("some player draws a boost");
    let bonus = economy.streak.milestone_bonus(7).expect("day 7 is a milestone");
    let users = directory(&pool, 1).await;
    users.deliver(update(1, user_id, Action::Start { payload: None })).await.unwrap();
    let yesterday = today - chrono::Days::new(1);
    pool.get()
        .await
        .unwrap()
        .execute(
            "UPDATE user_gamification SET current_streak = 6, longest_streak = 6, last_daily_claim = $2 WHERE user_id = $1",
            &[&user_id, &yesterday],
        )
        .await
        .unwrap();
    let claimed = replies(users.deliver(update(2, user_id, Action::ClaimDaily)).await.unwrap());
    let Some(Reply::DailyGift(gift)) = claimed.first() else { panic!("{claimed:?}") };
    assert!(matches!(gift.gift.reward, GiftReward::Boost { .. }), "{gift:?}");
    let boosted = crate::domain::points::multiplied(bonus, factor);
    assert_ne!(boosted, bonus);
    assert_eq!(gift.milestone, Some((7, boosted)), "the milestone earns with the boost drawn just before it");
    users.stop();
    db.drop_now().await;
}
