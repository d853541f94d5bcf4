//! The server under load: started here against a fresh database (`--target self`) or already
//! running (`--target-url`), and what it reports of itself while the load runs.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `diana serve` this load test started and will stop.
pub struct OwnServer {
    child: Child,
    pub base_url: String,
    pub database_url: String,
    /// The server's Redis key prefix, its own: forgotten after the run.
    pub redis_prefix: String,
}

/// Settings that would measure something other than the server: Telegram's own rate limits
/// (the stand-in enforces none, and a real bot's limits depend on its tier) and the flood
/// limit for one fast user.
const UNLIMITED: [(&str, &str); 5] = [
    ("DIANA__TELEGRAM__GLOBAL_PER_SEC", "1000000"),
    ("DIANA__TELEGRAM__PER_CHAT_PER_SEC", "1000"),
    ("DIANA__TELEGRAM__PER_CHAT_BURST", "1000"),
    ("DIANA__LIMITS__FLOOD_PER_MINUTE", "0"),
    ("DIANA__TELEGRAM__POLL_TIMEOUT_SECS", "2"),
];

impl OwnServer {
    /// Start this binary's server on a free port against `database_url` (created and
    /// migrated by the server), pointed at the stand-in.
    pub async fn start(
        database_url: &str,
        redis_url: &str,
        bot_api: &str,
        webhook_secret: Option<&str>,
        commit_group: Option<usize>,
        log: &std::path::Path,
    ) -> anyhow::Result<OwnServer> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let base_url = format!("http://127.0.0.1:{port}");
        let redis_prefix = format!("loadtest_{port}");
        let mut cmd = Command::new(std::env::current_exe()?);
        cmd.arg("serve")
            .env("DATABASE_URL", database_url)
            .env("REDIS_URL", redis_url)
            .env("DIANA__REDIS__KEY_PREFIX", &redis_prefix)
            .env("DIANA_HTTP_ADDR", format!("127.0.0.1:{port}"))
            .env("TELEGRAM_BOT_TOKEN", "123456:LOADTEST")
            .env("TELEGRAM_API_URL", bot_api)
            .env("RUST_LOG", std::env::var("DIANA_LOADTEST_SERVER_LOG").unwrap_or_else(|_| "warn".into()))
            .env_remove("DIANA_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log)?);
        for (k, v) in UNLIMITED {
            cmd.env(k, v);
        }
        if let Some(group) = commit_group {
            cmd.env("DIANA__DATABASE__COMMIT_GROUP", group.to_string());
        }
        if let Some(secret) = webhook_secret {
            cmd.env("TELEGRAM_WEBHOOK_URL", format!("{base_url}/telegram/webhook"));
            cmd.env("TELEGRAM_WEBHOOK_SECRET", secret);
        }
        let child = cmd.spawn()?;
        let server = OwnServer { child, base_url, database_url: database_url.to_owned(), redis_prefix };
        server.wait_ready(Duration::from_secs(60)).await?;
        Ok(server)
    }

    async fn wait_ready(&self, within: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + within;
        let client = reqwest::Client::new();
        while Instant::now() < deadline {
            if client.get(format!("{}/ready", self.base_url)).send().await.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::bail!("the server did not become ready within {within:?}")
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, then wait: the server finishes what is in flight and saves every actor.
    pub async fn stop(mut self) -> anyhow::Result<std::process::ExitStatus> {
        Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status()?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            if Instant::now() > deadline {
                self.child.kill()?;
                anyhow::bail!("the server did not stop within 30 s of SIGTERM");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// What the server says of itself, sampled while the load runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct ServerSample {
    pub at_secs: f64,
    pub rss_mb: f64,
    /// CPU used since the previous sample, in cores (1.0 = one core busy).
    pub cpu_cores: f64,
    pub live_actors: f64,
    pub pool_waiting: f64,
    pub outbox_queued: f64,
}

/// Resident memory (MiB) and CPU time (s) of a process, from /proc.
pub fn proc_stats(pid: u32) -> Option<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss_kb: f64 = status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start at ") ".
    let fields: Vec<&str> = stat.rsplit_once(") ")?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some((rss_kb / 1024.0, ticks / 100.0))
}

/// A gauge from Prometheus text.
pub fn gauge(metrics: &str, name: &str) -> Option<f64> {
    metrics
        .lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauges_are_read_from_prometheus_text_and_this_process_from_proc() {
        let text = "# HELP live_user_actors x\nlive_user_actors 42\nlive_user_actors_other 1\ndb_pool_waiting 3\n";
        assert_eq!(gauge(text, "live_user_actors"), Some(42.0));
        assert_eq!(gauge(text, "db_pool_waiting"), Some(3.0));
        assert_eq!(gauge(text, "outbox_queued"), None);
        let (rss, cpu) = proc_stats(std::process::id()).unwrap();
        assert!(rss > 1.0 && cpu >= 0.0);
    }
}
