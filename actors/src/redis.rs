//! Redis: shared rate limits now; leaderboards, the event bus and a cache as features arrive.
//!
//! Postgres is the only source of truth, so Redis is optional at every moment: when it is
//! unreachable each caller gets `None` at once and uses its in-process fallback. fred keeps
//! reconnecting in the background and Redis is used again as soon as it answers.

use crate::metrics::REDIS_UP;
use fred::prelude::*;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
#[error("invalid Redis URL: {0}")]
pub struct InvalidRedisUrl(#[source] fred::error::Error);

#[derive(Clone)]
pub struct Redis {
    client: Option<Client>,
    prefix: Arc<str>,
}

impl Redis {
    /// Connects in the background and waits briefly for the first connection. Never fails for
    /// an unreachable server: that is the degraded mode, logged once here.
    pub async fn connect(url: &str, prefix: &str) -> Result<Redis, InvalidRedisUrl> {
        // fail_fast: report the first connection's failure instead of sleeping a reconnect
        // delay before even trying; later drops are handled by the reconnect policy.
        let config = Config { fail_fast: true, ..Config::from_url(url).map_err(InvalidRedisUrl)? };
        let client = Builder::from_config(config)
            .with_connection_config(|c| {
                c.connection_timeout = Duration::from_millis(500);
                c.internal_command_timeout = Duration::from_millis(500);
                c.max_command_attempts = 1;
            })
            .with_performance_config(|p| p.default_command_timeout = Duration::from_millis(250))
            .set_policy(ReconnectPolicy::new_constant(0, 1_000))
            .build()
            .map_err(InvalidRedisUrl)?;
        let redis = Redis { client: Some(client.clone()), prefix: prefix.into() };
        let first = tokio::time::timeout(Duration::from_millis(700), client.init()).await;
        if matches!(first, Ok(Ok(_))) {
            REDIS_UP.set(1);
            tracing::info!("redis connected");
        } else {
            REDIS_UP.set(0);
            tracing::warn!("redis unreachable; running on in-process fallbacks until it answers");
            tokio::spawn(async move {
                // Until the first connection succeeds there is no reconnect loop: keep trying.
                while !client.is_connected() {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    if let Ok(Ok(_)) = tokio::time::timeout(Duration::from_millis(700), client.init()).await {
                        break;
                    }
                }
            });
        }
        redis.spawn_watch();
        Ok(redis)
    }

    /// A handle that never reaches Redis: every caller takes its fallback.
    pub fn disabled(prefix: &str) -> Redis {
        REDIS_UP.set(0);
        Redis { client: None, prefix: prefix.into() }
    }

    pub fn is_up(&self) -> bool {
        self.client.as_ref().is_some_and(|c| c.is_connected())
    }

    /// The client, while connected. Callers fall back to Postgres on `None`.
    pub fn client(&self) -> Option<&Client> {
        self.client.as_ref().filter(|c| c.is_connected())
    }

    /// Prefix every key so that several deployments (or tests) can share one Redis.
    pub fn key(&self, parts: &[&str]) -> String {
        let mut key = String::with_capacity(64);
        key.push_str(&self.prefix);
        for p in parts {
            key.push(':');
            key.push_str(p);
        }
        key
    }

    /// Count `member` once in the set at `key` (setting its TTL when the key is new), and
    /// return how many members it holds: counting the same member again changes nothing, so an
    /// update applied a second time (after its group rolled back) is not counted twice.
    /// `None` when Redis is unavailable.
    pub async fn count_once(&self, key: &str, member: &str, ttl_secs: i64) -> Option<u64> {
        let client = self.client.as_ref().filter(|c| c.is_connected())?;
        let pipe = client.pipeline();
        let queued = async {
            let _: () = pipe.sadd(key, member).await?;
            let _: () = pipe.expire(key, ttl_secs, Some(fred::types::ExpireOptions::NX)).await?;
            let _: () = pipe.scard(key).await?;
            pipe.all::<(u64, i64, u64)>().await
        };
        match queued.await {
            Ok((_, _, count)) => Some(count),
            Err(error) => {
                tracing::debug!(%error, "redis command failed; using fallback");
                None
            }
        }
    }

    /// Log each transition between up and down once, and keep the `redis_up` gauge true.
    fn spawn_watch(&self) {
        let Some(client) = self.client.clone() else {
            return;
        };
        tokio::spawn(async move {
            let mut was_up = client.is_connected();
            let mut tick = tokio::time::interval(Duration::from_millis(500));
            loop {
                tick.tick().await;
                let up = client.is_connected();
                REDIS_UP.set(i64::from(up));
                match (was_up, up) {
                    (true, false) => {
                        tracing::warn!("redis connection lost; running on in-process fallbacks")
                    }
                    (false, true) => tracing::info!("redis reachable again; using it"),
                    _ => {}
                }
                was_up = up;
            }
        });
    }

    /// Delete every key under this prefix: what a finished load test's server left (boards
    /// have no expiry). Returns how many went; `None` when Redis is unavailable.
    pub async fn forget_prefix(&self) -> Option<u64> {
        use futures::TryStreamExt;
        let client = self.client.as_ref().filter(|c| c.is_connected())?;
        let pattern = format!("{}:*", self.prefix);
        let keys: Vec<Key> = match client.scan_buffered(pattern, Some(1_000), None).try_collect().await {
            Ok(keys) => keys,
            Err(error) => {
                tracing::warn!(%error, "listing keys to forget");
                return None;
            }
        };
        let mut gone = 0;
        for chunk in keys.chunks(500) {
            match client.del::<u64, _>(chunk.to_vec()).await {
                Ok(n) => gone += n,
                Err(error) => {
                    tracing::warn!(%error, "forgetting keys");
                    return None;
                }
            }
        }
        Some(gone)
    }

    pub async fn quit(&self) {
        if let Some(c) = &self.client {
            let _ = tokio::time::timeout(Duration::from_millis(300), c.quit()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn forgetting_a_prefix_deletes_its_keys_and_no_one_elses() {
        let prefix = format!("test_{:016x}", rand::random::<u64>());
        let mine = Redis::connect("redis://127.0.0.1:6379", &prefix).await.unwrap();
        let theirs = Redis::connect("redis://127.0.0.1:6379", &format!("{prefix}x")).await.unwrap();
        for n in 0..1_200 {
            mine.count_once(&mine.key(&["k", &n.to_string()]), "m", 60).await.unwrap();
        }
        let kept = theirs.key(&["k", "0"]);
        theirs.count_once(&kept, "m", 60).await.unwrap();
        assert_eq!(mine.forget_prefix().await, Some(1_200));
        assert_eq!(mine.forget_prefix().await, Some(0), "nothing left");
        let client = theirs.client().unwrap();
        assert_eq!(client.exists::<u64, _>(kept.as_str()).await.unwrap(), 1, "another prefix is untouched");
        assert_eq!(theirs.forget_prefix().await, Some(1));
        mine.quit().await;
        theirs.quit().await;
    }
}
