//! What an operator sees: probes, metrics, the webhook, Redis outages and shutdown.

use crate::common::server::{Options, TestServer, count, eventually};
use crate::common::telegram_standin::{Standin, TgUser};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_refuses_a_wrong_secret_and_answers_200_only_after_commit() {
    let tg = Standin::start().await;
    let mut options = Options::new(Some(&tg.url));
    options.webhook_url = Some("https://diana.example.com/telegram/webhook".into());
    let server = TestServer::start(options).await;
    let set = tg
        .wait_for("setWebhook", Duration::from_secs(10), |s| {
            s.calls().into_iter().find(|c| c.method == "setWebhook").map(|c| c.params)
        })
        .await;
    assert_eq!(set["url"], "https://diana.example.com/telegram/webhook");
    let secret = set["secret_token"].as_str().expect("a secret token is set").to_owned();
    assert!(secret.len() >= 32);

    let update = serde_json::json!({"update_id": 9001, "message": {
        "message_id": 1, "date": 0, "chat": {"id": 8001, "type": "private", "first_name": "Web"},
        "from": {"id": 8001, "is_bot": false, "first_name": "Web"}, "text": "/start"}});
    let client = reqwest::Client::new();
    let url = format!("{}/telegram/webhook", server.base_url);
    let wrong = client.post(&url).header("X-Telegram-Bot-Api-Secret-Token", "nope").json(&update).send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let missing = client.post(&url).body("not even json").send().await.unwrap();
    assert_eq!(missing.status(), 401, "the body of an unauthenticated request is not parsed");
    let db = server.db().await;
    assert_eq!(count(&db, "SELECT count(*) FROM users").await, 0);

    let right =
        client.post(&url).header("X-Telegram-Bot-Api-Secret-Token", &secret).json(&update).send().await.unwrap();
    assert_eq!(right.status(), 200);
    assert_eq!(count(&db, "SELECT count(*) FROM users WHERE id = 8001").await, 1, "committed before the 200");
    tg.wait_messages(8001, 2).await;
    // Telegram retrying the same update changes nothing.
    let again =
        client.post(&url).header("X-Telegram-Bot-Api-Secret-Token", &secret).json(&update).send().await.unwrap();
    assert_eq!(again.status(), 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(tg.messages_to(8001).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_down_the_bot_still_serves_and_ready_says_degraded() {
    let tg = Standin::start().await;
    let mut options = Options::new(Some(&tg.url));
    options.redis_url = "redis://127.0.0.1:1".into();
    let server = TestServer::start(options).await;
    let (status, ready) = server.get_json("/ready").await;
    assert_eq!(status, 200);
    assert_eq!(ready["redis"], "degraded");
    assert_eq!(ready["postgres"], "ok");
    let pia = TgUser::new(8101, "Pía");
    tg.send_text(&pia, "/start");
    let msgs = tg.wait_messages(pia.id, 2).await;
    assert!(msgs[0].text().contains("Pía"));
    assert!(server.get_text("/metrics").await.contains("redis_up 0"));
    assert_eq!(server.logged("redis unreachable").len(), 1, "one warning");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_and_metrics_report_dependencies_and_live_actors() {
    let tg = Standin::start().await;
    let server = TestServer::start(Options::new(Some(&tg.url))).await;
    let (status, health) = server.get_json("/health").await;
    assert_eq!((status, health["status"].as_str()), (200, Some("ok")));
    let (_, ready) = server.get_json("/ready").await;
    assert_eq!(ready["postgres"], "ok");
    assert_eq!(ready["migrations"], "ok");
    assert_eq!(ready["redis"], "ok");
    for i in 0..5 {
        let u = TgUser::new(8200 + i, "Metric");
        tg.send_text(&u, "/start");
        tg.wait_messages(u.id, 2).await;
    }
    let expected = [
        "live_user_actors 5",
        r#"updates_total{kind="start"} 5"#,
        r#"telegram_api_calls_total{method="sendMessage",result="ok"} 10"#,
        "update_processing_seconds_bucket",
        "db_pool_connections_in_use",
        "db_pool_waiting",
        "redis_up 1",
    ];
    // The stand-in has the last message a moment before the server has counted its answer.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let mut metrics = server.get_text("/metrics").await;
    while !expected.iter().all(|e| metrics.contains(e)) && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        metrics = server.get_text("/metrics").await;
    }
    for expected in expected {
        assert!(metrics.contains(expected), "missing {expected} in:\n{metrics}");
    }
    eventually("commands to be registered", Duration::from_secs(5), || async {
        tg.calls().iter().filter(|c| c.method == "setMyCommands").count() == 2
    })
    .await;
    let en = tg.calls().into_iter().find(|c| c.method == "setMyCommands" && c.params["language_code"] == "en");
    assert!(en.is_some(), "English commands are registered for language_code=en");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_actors_are_saved_and_stopped() {
    let tg = Standin::start().await;
    let server = TestServer::start(Options::new(Some(&tg.url)).env("DIANA__ACTORS__IDLE_TIMEOUT", "300ms")).await;
    let db = server.db().await;
    let u = TgUser::new(8301, "Idle");
    tg.send_text(&u, "/start");
    tg.wait_messages(u.id, 2).await;
    eventually("the actor to passivate", Duration::from_secs(5), || async {
        server.get_text("/metrics").await.contains("live_user_actors 0")
    })
    .await;
    // Both start as the registration's time; only the saved last_seen moves past it. The save
    // follows the reaping (which the gauge shows) by a moment.
    eventually("last_seen_at to be saved on passivation", Duration::from_secs(5), || async {
        let row = db.query_one("SELECT created_at, last_seen_at FROM users WHERE id = 8301", &[]).await.unwrap();
        row.get::<_, chrono::DateTime<chrono::Utc>>(1) > row.get::<_, chrono::DateTime<chrono::Utc>>(0)
    })
    .await;
    // And it comes back on the next update, from Postgres.
    tg.send_text(&u, "/perfil");
    let msgs = tg.wait_messages(u.id, 3).await;
    assert!(msgs[2].text().contains("Idle"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_exits_cleanly_within_ten_seconds_after_confirming_updates() {
    let tg = Standin::start().await;
    let server = TestServer::start(Options::new(Some(&tg.url))).await;
    let users: Vec<TgUser> = (0..20).map(|i| TgUser::new(8400 + i, "Bye")).collect();
    let last = users.iter().map(|u| tg.send_text(u, "/start")).max().unwrap();
    tg.wait_messages(users[0].id, 2).await;
    let db = server.db().await;
    let options = server.options.clone();
    let (status, took) = server.terminate(Duration::from_secs(12)).await.expect("exited within 12 s");
    assert!(status.success(), "clean exit: {status}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    // Everything taken was committed; what was committed was confirmed or is redelivered
    // and recognised at the next start.
    let processed = count(&db, "SELECT count(*) FROM processed_updates").await;
    assert!(processed <= 20);
    let restarted = TestServer::start(options).await;
    eventually("all updates to be confirmed", Duration::from_secs(20), || async { tg.confirmed_offset() > last }).await;
    assert_eq!(count(&db, "SELECT count(*) FROM users").await, 20);
    drop(restarted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_redis_comes_back_it_is_used_again_without_a_restart() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut options = Options::new(None);
    options.redis_url = format!("redis://127.0.0.1:{port}");
    let server = TestServer::start(options).await;
    assert_eq!(server.get_json("/ready").await.1["redis"], "degraded");

    let mut redis = std::process::Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("redis-server is installed");
    let recovered = async {
        eventually("redis to be used again", Duration::from_secs(15), || async {
            server.get_json("/ready").await.1["redis"] == "ok"
        })
        .await;
        assert!(server.get_text("/metrics").await.contains("redis_up 1"));
    };
    recovered.await;
    let _ = redis.kill();
    let _ = redis.wait();
    eventually("redis loss to be noticed", Duration::from_secs(15), || async {
        server.get_json("/ready").await.1["redis"] == "degraded"
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_private_cluster_starts_on_a_unix_socket_and_stops() {
    use diana::embedded_postgres::EmbeddedPostgres;
    let dir = std::env::temp_dir().join(crate::common::server::unique_name("diana_pg"));
    let (pg, config) = tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || EmbeddedPostgres::start(&dir)
    })
    .await
    .unwrap()
    .expect("PostgreSQL binaries are installed");
    assert!(config.get_hosts().iter().all(|h| matches!(h, tokio_postgres::config::Host::Unix(_))));
    diana::startup::prepare_database(&config).await.expect("database created and migrated");
    let (client, conn) = config.connect(tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let tables: i64 = client
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('users', 'processed_updates')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(tables, 2);
    drop(client);
    tokio::task::spawn_blocking(move || pg.stop()).await.unwrap();
    assert!(!dir.join("data/postmaster.pid").exists(), "the cluster stopped");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_setting_stops_the_server_with_one_line_naming_the_key() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_diana"))
        .env_clear()
        .env("DIANA_HTTP_ADDR", "not-an-address")
        .env("TELEGRAM_BOT_TOKEN", "123:very-secret-token")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("invalid configuration: http.addr:"), "{stderr}");
    assert!(!stderr.contains("very-secret-token"));
}

#[test]
fn migrate_creates_the_database_and_applies_migrations() {
    let name = crate::common::server::unique_name("diana_migrate");
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_diana"))
            .arg("migrate")
            .env_clear()
            .env("DATABASE_URL", format!("postgres://postgres@127.0.0.1:5432/{name}"))
            .output()
            .unwrap()
    };
    let first = run();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations")).unwrap().count();
    assert_eq!(String::from_utf8_lossy(&first.stdout).trim(), format!("migrations applied: {migrations}"));
    let second = run();
    assert_eq!(String::from_utf8_lossy(&second.stdout).trim(), "migrations applied: 0", "idempotent");
    crate::common::server::drop_database(&name);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_is_503_while_postgres_is_unreachable_but_health_stays_up() {
    let server = TestServer::start(Options::new(None)).await;
    assert_eq!(server.get_json("/ready").await.0, 200);
    // Take the database away under the running server.
    crate::common::server::drop_database(&server.options.db_name);
    let (status, ready) = server.get_json("/ready").await;
    assert_eq!(status, 503, "{ready}");
    assert_eq!(ready["postgres"], "down");
    assert_eq!(server.get_json("/health").await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_telegram_is_reported_degraded_and_the_token_never_logged() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let server = TestServer::start(Options::new(Some(&format!("http://127.0.0.1:{closed}")))).await;
    eventually("telegram to be reported degraded", Duration::from_secs(10), || async {
        server.get_json("/ready").await.1["telegram"] == "degraded"
    })
    .await;
    assert_eq!(server.get_json("/ready").await.0, 200, "Telegram being down does not make us unready");
    eventually("a warning about the failing Bot API", Duration::from_secs(10), || async {
        !server.logged("failed; retrying").is_empty()
    })
    .await;
    let logs = serde_json::to_string(&*server.logs.lock().unwrap()).unwrap();
    assert!(!logs.contains("TEST-token_abc"), "the bot token leaked into the logs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_grant_from_the_cli_reaches_the_player_through_the_ledger() {
    let tg = Standin::start().await;
    let server = TestServer::start(Options::new(Some(&tg.url))).await;
    let u = TgUser::new(8501, "Gracia");
    tg.send_text(&u, "/start");
    tg.wait_messages(u.id, 2).await;
    let grant = |amount: &str, reason: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_diana"))
            .args(["admin", "grant", "--user-id", "8501", "--amount", amount, "--reason", reason])
            .env_clear()
            .env("DATABASE_URL", server.options.database_url())
            .output()
            .unwrap()
    };
    let given = grant("120", "premio del concurso");
    assert!(given.status.success(), "{}", String::from_utf8_lossy(&given.stderr));
    assert_eq!(String::from_utf8_lossy(&given.stdout).trim(), "user 8501 now has 120 besitos");
    let refused = grant("-500", "corrección");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("has only 120 besitos"));
    let db = server.db().await;
    assert_eq!(count(&db, "SELECT count(*) FROM audit_log WHERE action = 'besitos.grant'").await, 1);
    tg.send_text(&u, "/besitos");
    let msgs = tg.wait_messages(u.id, 3).await;
    assert!(msgs[2].text().contains("Disponibles: <b>120</b>"), "{}", msgs[2].text());
    assert!(msgs[2].text().contains("regalo de Diana"), "{}", msgs[2].text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_is_answered_once_with_or_without_redis() {
    for redis_url in ["redis://127.0.0.1:6379", "redis://127.0.0.1:1"] {
        let tg = Standin::start().await;
        let mut options = Options::new(Some(&tg.url)).env("DIANA__LIMITS__FLOOD_PER_MINUTE", "4");
        options.redis_url = redis_url.into();
        let server = TestServer::start(options).await;
        let u = TgUser::new(8601, "Prisa");
        let last = (0..10).map(|_| tg.send_text(&u, "/ayuda")).max().unwrap();
        eventually("every update to be confirmed", Duration::from_secs(10), || async { tg.confirmed_offset() > last })
            .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let texts: Vec<String> = tg.messages_to(u.id).iter().map(|m| m.text().to_owned()).collect();
        let slow = texts.iter().filter(|t| t.contains("muy deprisa")).count();
        // Four answers and one warning; if the burst straddles a minute (Redis counts per
        // minute) a second window allows four more, and still not all ten are answered.
        assert!(slow >= 1 && texts.len() < 10, "{redis_url}: a warning and fewer than ten answers: {texts:?}");
        assert!(texts.len() == 5 || redis_url.ends_with("6379"), "{redis_url}: {texts:?}");
        let db = server.db().await;
        assert_eq!(count(&db, "SELECT count(*) FROM processed_updates").await, 10, "all acknowledged");
    }
}

#[test]
fn story_check_accepts_the_shipped_story_and_names_file_and_line_of_an_error() {
    let run = |dir: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_diana"))
            .arg("story")
            .arg("check")
            .arg(dir)
            .env_clear()
            .output()
            .unwrap()
    };
    let shipped = run(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/story")));
    let stdout = String::from_utf8_lossy(&shipped.stdout);
    assert!(shipped.status.success(), "{}{stdout}", String::from_utf8_lossy(&shipped.stderr));
    assert!(stdout.lines().last() == Some("ok"), "{stdout}");
    assert!(stdout.contains("5 chapters") && stdout.contains("5 endings"), "{stdout}");

    let dir = std::env::temp_dir().join(crate::common::server::unique_name("diana_story"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("main.ink"), "INCLUDE escena.ink\n-> escena\n").unwrap();
    std::fs::write(dir.join("escena.ink"), "=== escena ===\nHola.\n-> a_ninguna_parte\n").unwrap();
    let broken = run(&dir);
    assert_eq!(broken.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert!(stderr.contains("escena.ink:3:"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
