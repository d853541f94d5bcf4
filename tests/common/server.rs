//! Start the real `diana` binary as a child process, each test with a fresh database and Redis
//! key prefix, against the Telegram stand-in.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database name and Redis prefix no other test uses.
pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}_{:016x}", rand::random::<u64>())
}

/// How to start a server.
#[derive(Clone)]
pub struct Options {
    pub db_name: String,
    pub redis_url: String,
    pub redis_prefix: String,
    pub telegram_api_url: Option<String>,
    pub webhook_url: Option<String>,
    pub env: Vec<(String, String)>,
}

impl Options {
    pub fn new(telegram_api_url: Option<&str>) -> Options {
        Options {
            db_name: unique_name("diana_test"),
            redis_url: "redis://127.0.0.1:6379".into(),
            redis_prefix: unique_name("test"),
            telegram_api_url: telegram_api_url.map(str::to_owned),
            webhook_url: None,
            env: Vec::new(),
        }
    }

    pub fn env(mut self, key: &str, value: &str) -> Options {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn database_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:5432/{}", self.db_name)
    }
}

pub struct TestServer {
    pub child: Child,
    pub base_url: String,
    pub options: Options,
    pub logs: Arc<Mutex<Vec<Value>>>,
    pub started_in: Duration,
    drop_db: bool,
}

impl TestServer {
    /// Start the binary and wait until it says it serves and `/ready` answers 200.
    pub async fn start(options: Options) -> TestServer {
        let started = Instant::now();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_diana"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", options.database_url())
            .env("REDIS_URL", &options.redis_url)
            .env("DIANA__REDIS__KEY_PREFIX", &options.redis_prefix)
            .env("DIANA_HTTP_ADDR", "127.0.0.1:0")
            .env("DIANA_LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            // Telegram's real limits would make tests slow; the limiter has its own tests.
            .env("DIANA__TELEGRAM__GLOBAL_PER_SEC", "2000")
            .env("DIANA__TELEGRAM__PER_CHAT_PER_SEC", "200")
            .env("DIANA__TELEGRAM__PER_CHAT_BURST", "50")
            .env("DIANA__TELEGRAM__POLL_TIMEOUT_SECS", "2")
            .current_dir(std::env::temp_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(url) = &options.telegram_api_url {
            cmd.env("TELEGRAM_BOT_TOKEN", "123456:TEST-token_abc").env("TELEGRAM_API_URL", url);
        }
        if let Some(url) = &options.webhook_url {
            cmd.env("TELEGRAM_WEBHOOK_URL", url);
        }
        for (k, v) in &options.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("the diana binary starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let logs: Arc<Mutex<Vec<Value>>> = Arc::default();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel::<String>();
        let sink = logs.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let Ok(entry) = serde_json::from_str::<Value>(&line) else {
                    eprintln!("[diana] {line}");
                    continue;
                };
                if entry["message"] == "diana is serving" {
                    let _ = addr_tx.send(entry["http_addr"].as_str().unwrap_or_default().to_owned());
                }
                if entry["level"] != "INFO" {
                    eprintln!("[diana] {line}");
                }
                sink.lock().unwrap().push(entry);
            }
        });
        let addr = tokio::task::spawn_blocking(move || addr_rx.recv_timeout(Duration::from_secs(30)))
            .await
            .unwrap()
            .unwrap_or_else(|_| panic!("diana did not start; logs: {:#?}", logs.lock().unwrap()));
        let mut server = TestServer {
            child,
            base_url: format!("http://{addr}"),
            options,
            logs,
            started_in: Duration::ZERO,
            drop_db: true,
        };
        server.wait_ready().await;
        server.started_in = started.elapsed();
        server
    }

    pub async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = reqwest::get(format!("{}/ready", self.base_url)).await
                && r.status() == 200
            {
                return;
            }
            assert!(Instant::now() < deadline, "server never became ready");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let r = reqwest::get(format!("{}{path}", self.base_url)).await.expect("request");
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    pub async fn get_text(&self, path: &str) -> String {
        reqwest::get(format!("{}{path}", self.base_url)).await.expect("request").text().await.unwrap()
    }

    /// A connection to this server's database.
    pub async fn db(&self) -> tokio_postgres::Client {
        connect(&self.options.database_url()).await
    }

    /// Run `diana admin <args>` on this server's database, with `env` besides.
    pub fn admin_with(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_diana"))
            .arg("admin")
            .args(args)
            .env_clear()
            .env("DATABASE_URL", self.options.database_url())
            .envs(env.iter().copied())
            .output()
            .expect("the diana binary runs")
    }

    /// Run `diana admin <args>`, which must succeed; returns what it printed.
    pub fn admin(&self, args: &[&str]) -> String {
        let out = self.admin_with(args, &[]);
        assert!(out.status.success(), "diana admin {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `kill -9`: no chance to clean up. The database is kept for a restart.
    pub fn kill9(mut self) -> Options {
        self.child.kill().expect("kill");
        let _ = self.child.wait();
        self.drop_db = false;
        self.options.clone()
    }

    /// Send SIGTERM and wait for the exit, up to `timeout`.
    /// The database is kept for a restart.
    pub async fn terminate(mut self, timeout: Duration) -> Option<(ExitStatus, Duration)> {
        self.drop_db = false;
        let started = Instant::now();
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().expect("kill -TERM");
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return Some((status, started.elapsed()));
            }
            if started.elapsed() > timeout {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Log entries whose message contains `text`.
    pub fn logged(&self, text: &str) -> Vec<Value> {
        self.logs
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e["message"].as_str().is_some_and(|m| m.contains(text)))
            .cloned()
            .collect()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if self.drop_db {
            drop_database(&self.options.db_name);
        }
    }
}

pub fn drop_database(name: &str) {
    let _ = Command::new("psql")
        .args(["-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc"])
        .arg(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

pub async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("Postgres must be running for these tests ({url}): {e}"));
    tokio::spawn(conn);
    client
}

/// Poll `check` until it holds, or panic after `timeout`.
pub async fn eventually<F, Fut>(what: &str, timeout: Duration, check: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

pub async fn count(db: &tokio_postgres::Client, sql: &str) -> i64 {
    db.query_one(sql, &[]).await.expect(sql).get(0)
}
