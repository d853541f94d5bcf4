//! Typed settings: layered loading (design §4) and validation. A bad value stops the server
//! with one line naming its key; secrets are never printed.

use config::{Environment, File, FileFormat};
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use url::Url;

const DEFAULTS: &str = include_str!("../assets/config/default.toml");

/// The conventional variables, honoured directly and taking precedence over everything else.
const CONVENTIONAL_VARS: &[(&str, &str)] = &[
    ("DATABASE_URL", "database.url"),
    ("REDIS_URL", "redis.url"),
    ("TELEGRAM_BOT_TOKEN", "telegram.token"),
    ("TELEGRAM_API_URL", "telegram.api_url"),
    ("TELEGRAM_WEBHOOK_URL", "telegram.webhook_url"),
    ("TELEGRAM_WEBHOOK_SECRET", "telegram.webhook_secret"),
    ("DIANA_HTTP_ADDR", "http.addr"),
    ("DIANA_ADMIN_IDS", "admin.ids"),
    ("DIANA_PUBLIC_URL", "http.public_url"),
    ("DIANA_TRUSTED_PROXIES", "http.trusted_proxies"),
    ("STRIPE_API_KEY", "stripe.api_key"),
    ("STRIPE_WEBHOOK_SECRET", "stripe.webhook_secret"),
    ("STRIPE_API_URL", "stripe.api_url"),
    ("PAYPAL_CLIENT_ID", "paypal.client_id"),
    ("PAYPAL_SECRET", "paypal.secret"),
    ("PAYPAL_WEBHOOK_ID", "paypal.webhook_id"),
    ("PAYPAL_API_URL", "paypal.api_url"),
    ("PAYPAL_PLANS", "paypal.plans"),
];

/// A value that must never reach a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"***\"")
    }
}

/// A configuration problem, naming the key at fault.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {key}: {message}")]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

fn bad(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError { key: key.to_owned(), message: message.into() }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub redis: RedisSettings,
    pub telegram: TelegramSettings,
    pub http: HttpSettings,
    pub admin_ids: Vec<i64>,
    pub actors: ActorSettings,
    pub flood_per_minute: u32,
    pub game_timezone: chrono_tz::Tz,
    pub shutdown_grace: Duration,
    pub story_dir: PathBuf,
    pub story_cache_dir: PathBuf,
    pub story_uploads_dir: PathBuf,
    /// An admin's VIP token expires unused after this many days.
    pub token_valid_days: u32,
    /// How often the payment reconciler expires, reminds, repairs and asks about pending payments.
    pub payment_sweep_every: Duration,
    /// How often the mood model is retrained on players' answers (kept only if not worse).
    pub mood_retrain_every: Duration,
    /// Recommendations refitted, reminders swept, and when reminders keep quiet.
    pub personal: PersonalSettings,
    pub channels: diana_actors::user::ChannelRules,
    pub stripe: Option<StripeSettings>,
    pub paypal: Option<PaypalSettings>,
}

#[derive(Debug, Clone)]
pub struct PersonalSettings {
    pub recommend_refit_every: Duration,
    pub reminder_sweep_every: Duration,
    pub quiet_hours: diana_actors::domain::habits::QuietHours,
    pub reminder_fallback_hour: u32,
}

/// `"22-9"`: quiet from 22:00 to 09:00 local time.
fn quiet_hours(text: &str) -> Option<diana_actors::domain::habits::QuietHours> {
    let (from, to) = text.split_once('-')?;
    let (from, to) = (from.trim().parse().ok()?, to.trim().parse().ok()?);
    (from < 24 && to < 24).then_some(diana_actors::domain::habits::QuietHours { from, to })
}

#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// `None`: use 127.0.0.1:5432 if it answers, else a private cluster in `embedded_dir`.
    pub url: Option<Secret>,
    pub pool_size: usize,
    /// Most user updates one group commit carries; 1: each commits alone.
    pub commit_group: usize,
    pub embedded_dir: PathBuf,
}

#[derive(Debug, Clone)]
pub struct RedisSettings {
    pub url: Secret,
    pub key_prefix: String,
}

#[derive(Debug, Clone)]
pub struct TelegramSettings {
    /// `None`: Telegram is off; the HTTP side still runs.
    pub token: Option<Secret>,
    pub api_url: Url,
    pub webhook_url: Option<Url>,
    pub webhook_secret: Secret,
    pub poll_timeout_secs: u32,
    pub global_per_sec: u32,
    pub per_chat_per_sec: f64,
    pub per_chat_burst: u32,
    pub max_in_flight: usize,
    pub webhook_max_body_bytes: usize,
}

#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub addr: SocketAddr,
    pub public_url: Url,
    /// Reverse proxies whose `X-Forwarded-For` is believed, to know who a request is from.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

#[derive(Debug, Clone)]
pub struct ActorSettings {
    pub idle_timeout: Duration,
    pub shards: usize,
}

#[derive(Debug, Clone)]
pub struct StripeSettings {
    pub api_key: Secret,
    pub webhook_secret: Secret,
    pub api_url: Url,
}

#[derive(Debug, Clone)]
pub struct PaypalSettings {
    pub client_id: Secret,
    pub secret: Secret,
    pub webhook_id: String,
    pub api_url: Url,
    /// Our plan id → PayPal's billing plan id. Empty: PayPal's webhooks only, no PayPal button.
    pub plans: HashMap<String, String>,
}

// The shape of the layered sources before validation.
#[derive(Deserialize)]
struct Raw {
    database: RawDatabase,
    redis: RawRedis,
    telegram: RawTelegram,
    http: RawHttp,
    admin: RawAdmin,
    actors: RawActors,
    limits: RawLimits,
    game: RawGame,
    shutdown: RawShutdown,
    story: RawStory,
    payments: RawPayments,
    mood: RawMood,
    personal: RawPersonal,
    channels: RawChannels,
    stripe: Option<HashMap<String, String>>,
    paypal: Option<HashMap<String, String>>,
}
#[derive(Deserialize)]
struct RawDatabase {
    url: Option<String>,
    pool_size: usize,
    commit_group: usize,
    embedded_dir: PathBuf,
}
#[derive(Deserialize)]
struct RawRedis {
    url: String,
    key_prefix: String,
}
#[derive(Deserialize)]
struct RawTelegram {
    token: Option<String>,
    api_url: String,
    webhook_url: Option<String>,
    webhook_secret: Option<String>,
    poll_timeout_secs: u32,
    global_per_sec: u32,
    per_chat_per_sec: f64,
    per_chat_burst: u32,
    max_in_flight: usize,
    webhook_max_body_bytes: usize,
}
#[derive(Deserialize)]
struct RawHttp {
    addr: String,
    public_url: Option<String>,
    #[serde(default)]
    trusted_proxies: Option<String>,
}
#[derive(Deserialize)]
struct RawAdmin {
    ids: IdList,
}
#[derive(Deserialize)]
#[serde(untagged)]
enum IdList {
    List(Vec<i64>),
    Text(String),
}
#[derive(Deserialize)]
struct RawActors {
    idle_timeout: String,
    shards: usize,
}
#[derive(Deserialize)]
struct RawLimits {
    flood_per_minute: u32,
}
#[derive(Deserialize)]
struct RawGame {
    timezone: String,
}
#[derive(Deserialize)]
struct RawChannels {
    free_id: i64,
    vip_id: i64,
    approve_after: String,
    reaction_cooldown: String,
    reactions: HashMap<String, i64>,
}
#[derive(Deserialize)]
struct RawPayments {
    token_valid_days: u32,
    sweep_every: String,
}
#[derive(Deserialize)]
struct RawMood {
    retrain_every: String,
}
#[derive(Deserialize)]
struct RawPersonal {
    recommend_refit_every: String,
    reminder_sweep_every: String,
    quiet_hours: String,
    reminder_fallback_hour: u32,
}
#[derive(Deserialize)]
struct RawStory {
    dir: PathBuf,
    cache_dir: PathBuf,
    uploads_dir: PathBuf,
}
#[derive(Deserialize)]
struct RawShutdown {
    grace_period: String,
}

impl Settings {
    /// Load from the embedded defaults, the optional file, and the process environment.
    pub fn load(config_file: Option<&Path>) -> Result<Settings, ConfigError> {
        Settings::load_with_env(config_file, std::env::vars().collect())
    }

    /// Load with an explicit environment (tests pass their own).
    pub fn load_with_env(config_file: Option<&Path>, env: HashMap<String, String>) -> Result<Settings, ConfigError> {
        let mut builder = config::Config::builder().add_source(File::from_str(DEFAULTS, FileFormat::Toml));
        let file = config_file.map(Path::to_path_buf).or_else(|| env.get("DIANA_CONFIG").map(PathBuf::from));
        builder = match file {
            Some(path) => {
                if !path.exists() {
                    return Err(bad("config", format!("file {} does not exist", path.display())));
                }
                builder.add_source(File::from(path).required(true))
            }
            None => builder.add_source(File::with_name("diana.toml").required(false)),
        };
        builder = builder.add_source(
            Environment::with_prefix("DIANA").prefix_separator("__").separator("__").source(Some(env.clone())),
        );
        for (var, key) in CONVENTIONAL_VARS {
            if let Some(value) = env.get(*var).filter(|v| !v.is_empty()) {
                builder = builder.set_override(*key, value.as_str()).map_err(|e| bad(key, e.to_string()))?;
            }
        }
        let raw: Raw = builder
            .build()
            .and_then(|c| c.try_deserialize())
            .map_err(|e| bad("config", first_and_last_line(&e.to_string())))?;
        Settings::validate(raw)
    }

    fn validate(raw: Raw) -> Result<Settings, ConfigError> {
        let database = DatabaseSettings {
            url: match raw.database.url.filter(|u| !u.is_empty()) {
                Some(u) => {
                    diana_actors::store::schema::parse_url(&u).map_err(|e| bad("database.url", e.to_string()))?;
                    Some(Secret(u))
                }
                None => None,
            },
            pool_size: positive("database.pool_size", raw.database.pool_size)?,
            commit_group: positive("database.commit_group", raw.database.commit_group)?,
            embedded_dir: raw.database.embedded_dir,
        };
        let redis_url = parse_url("redis.url", &raw.redis.url)?;
        if !matches!(redis_url.scheme(), "redis" | "rediss" | "redis-unix" | "unix") {
            return Err(bad("redis.url", "must be a redis:// URL"));
        }
        if raw.redis.key_prefix.is_empty() || raw.redis.key_prefix.contains(char::is_whitespace) {
            return Err(bad("redis.key_prefix", "must be non-empty and without spaces"));
        }
        let t = raw.telegram;
        let token = match t.token.filter(|s| !s.is_empty()) {
            Some(token) => Some(Secret(validate_token(&token)?)),
            None => None,
        };
        let webhook_secret = match t.webhook_secret.filter(|s| !s.is_empty()) {
            Some(s) => Secret(validate_webhook_secret(&s)?),
            None => Secret(random_secret()),
        };
        let telegram = TelegramSettings {
            token,
            api_url: parse_url("telegram.api_url", &t.api_url)?,
            webhook_url: t
                .webhook_url
                .filter(|s| !s.is_empty())
                .map(|u| parse_url("telegram.webhook_url", &u))
                .transpose()?,
            webhook_secret,
            poll_timeout_secs: if t.poll_timeout_secs <= 50 {
                t.poll_timeout_secs
            } else {
                return Err(bad("telegram.poll_timeout_secs", "must be at most 50"));
            },
            global_per_sec: positive("telegram.global_per_sec", t.global_per_sec as usize)? as u32,
            per_chat_per_sec: if t.per_chat_per_sec > 0.0 && t.per_chat_per_sec.is_finite() {
                t.per_chat_per_sec
            } else {
                return Err(bad("telegram.per_chat_per_sec", "must be a positive number"));
            },
            per_chat_burst: positive("telegram.per_chat_burst", t.per_chat_burst as usize)? as u32,
            max_in_flight: positive("telegram.max_in_flight", t.max_in_flight)?,
            webhook_max_body_bytes: positive("telegram.webhook_max_body_bytes", t.webhook_max_body_bytes)?,
        };
        let addr: SocketAddr =
            raw.http.addr.parse().map_err(|_| bad("http.addr", format!("'{}' is not host:port", raw.http.addr)))?;
        let public_url = match raw.http.public_url.filter(|s| !s.is_empty()) {
            Some(u) => parse_url("http.public_url", &u)?,
            None => parse_url("http.public_url", &format!("http://{addr}"))?,
        };
        let trusted_proxies = raw
            .http
            .trusted_proxies
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().map_err(|_| bad("http.trusted_proxies", format!("'{s}' is not an IP address"))))
            .collect::<Result<Vec<std::net::IpAddr>, _>>()?;
        let admin_ids = match raw.admin.ids {
            IdList::List(ids) => ids,
            IdList::Text(text) => text
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| s.parse::<i64>().map_err(|_| bad("admin.ids", format!("'{s}' is not a Telegram user id"))))
                .collect::<Result<_, _>>()?,
        };
        if let Some(id) = admin_ids.iter().find(|id| **id <= 0) {
            return Err(bad("admin.ids", format!("'{id}' is not a Telegram user id")));
        }
        let idle_timeout = parse_duration(&raw.actors.idle_timeout)
            .filter(|d| !d.is_zero())
            .ok_or_else(|| bad("actors.idle_timeout", "must be a duration such as 10m, 30s or 500ms"))?;
        let game_timezone = raw
            .game
            .timezone
            .parse::<chrono_tz::Tz>()
            .map_err(|_| bad("game.timezone", format!("'{}' is not an IANA time zone", raw.game.timezone)))?;
        let shutdown_grace = parse_duration(&raw.shutdown.grace_period)
            .filter(|d| *d <= Duration::from_secs(9))
            .ok_or_else(|| bad("shutdown.grace_period", "must be a duration of at most 9s"))?;
        Ok(Settings {
            database,
            redis: RedisSettings { url: Secret(raw.redis.url), key_prefix: raw.redis.key_prefix },
            telegram,
            http: HttpSettings { addr, public_url, trusted_proxies },
            admin_ids,
            actors: ActorSettings { idle_timeout, shards: raw.actors.shards },
            flood_per_minute: raw.limits.flood_per_minute,
            game_timezone,
            shutdown_grace,
            story_dir: raw.story.dir,
            story_cache_dir: raw.story.cache_dir,
            story_uploads_dir: raw.story.uploads_dir,
            channels: diana_actors::user::ChannelRules {
                free_id: (raw.channels.free_id != 0).then_some(raw.channels.free_id),
                vip_id: (raw.channels.vip_id != 0).then_some(raw.channels.vip_id),
                approve_after: parse_duration(&raw.channels.approve_after)
                    .ok_or_else(|| bad("channels.approve_after", "must be a duration such as 5m"))?,
                reaction_cooldown: parse_duration(&raw.channels.reaction_cooldown)
                    .ok_or_else(|| bad("channels.reaction_cooldown", "must be a duration such as 30s"))?,
                reactions: raw.channels.reactions,
            },
            mood_retrain_every: parse_duration(&raw.mood.retrain_every)
                .filter(|d| !d.is_zero())
                .ok_or_else(|| bad("mood.retrain_every", "must be a duration such as 24h"))?,
            personal: PersonalSettings {
                recommend_refit_every: parse_duration(&raw.personal.recommend_refit_every)
                    .filter(|d| !d.is_zero())
                    .ok_or_else(|| bad("personal.recommend_refit_every", "must be a duration such as 1h"))?,
                reminder_sweep_every: parse_duration(&raw.personal.reminder_sweep_every)
                    .filter(|d| !d.is_zero())
                    .ok_or_else(|| bad("personal.reminder_sweep_every", "must be a duration such as 5m"))?,
                quiet_hours: quiet_hours(&raw.personal.quiet_hours)
                    .ok_or_else(|| bad("personal.quiet_hours", "must be two local hours such as 22-9"))?,
                reminder_fallback_hour: Some(raw.personal.reminder_fallback_hour)
                    .filter(|h| *h < 24)
                    .ok_or_else(|| bad("personal.reminder_fallback_hour", "must be an hour from 0 to 23"))?,
            },
            payment_sweep_every: parse_duration(&raw.payments.sweep_every)
                .filter(|d| !d.is_zero())
                .ok_or_else(|| bad("payments.sweep_every", "must be a duration such as 60s"))?,
            token_valid_days: (1..=365)
                .contains(&raw.payments.token_valid_days)
                .then_some(raw.payments.token_valid_days)
                .ok_or_else(|| bad("payments.token_valid_days", "must be 1 to 365 days"))?,
            stripe: raw.stripe.map(stripe).transpose()?.flatten(),
            paypal: raw.paypal.map(paypal).transpose()?.flatten(),
        })
    }
}

fn stripe(map: HashMap<String, String>) -> Result<Option<StripeSettings>, ConfigError> {
    let Some(api_key) = map.get("api_key").filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let webhook_secret = map
        .get("webhook_secret")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| bad("stripe.webhook_secret", "is required when stripe.api_key is set"))?;
    let api_url = parse_url("stripe.api_url", map.get("api_url").map_or("https://api.stripe.com", String::as_str))?;
    Ok(Some(StripeSettings { api_key: Secret::new(api_key), webhook_secret: Secret::new(webhook_secret), api_url }))
}

fn paypal(map: HashMap<String, String>) -> Result<Option<PaypalSettings>, ConfigError> {
    let Some(client_id) = map.get("client_id").filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let required = |key: &str| {
        map.get(key).filter(|s| !s.is_empty()).ok_or_else(|| bad(&format!("paypal.{key}"), "is required with paypal"))
    };
    Ok(Some(PaypalSettings {
        client_id: Secret::new(client_id),
        secret: Secret::new(required("secret")?),
        webhook_id: required("webhook_id")?.clone(),
        api_url: parse_url("paypal.api_url", map.get("api_url").map_or("https://api-m.paypal.com", String::as_str))?,
        plans: paypal_plans(map.get("plans").map_or("", String::as_str))?,
    }))
}

/// `vip=P-1AB,premium=P-2CD`: a PayPal billing plan per plan. Whether every plan on sale has
/// one is checked at start, once the plans activated from the dashboard are known.
fn paypal_plans(text: &str) -> Result<HashMap<String, String>, ConfigError> {
    let key = "paypal.plans";
    let mut plans = HashMap::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((ours, theirs)) = pair.split_once('=') else {
            return Err(bad(key, format!("{pair:?} is not plan=PAYPAL_PLAN_ID")));
        };
        let theirs = theirs.trim();
        if theirs.is_empty() || !theirs.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(bad(key, format!("{theirs:?} is not a PayPal plan id")));
        }
        plans.insert(ours.trim().to_owned(), theirs.to_owned());
    }
    Ok(plans)
}

/// TOML errors quote the offending line, which may hold a secret: keep the position and the
/// reason only, on one line.
fn first_and_last_line(message: &str) -> String {
    let mut lines = message.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or_default();
    match lines.next_back() {
        Some(last) if !last.contains('=') => format!("{first}: {last}"),
        _ => first.to_owned(),
    }
}

fn positive(key: &str, value: usize) -> Result<usize, ConfigError> {
    if value == 0 { Err(bad(key, "must be greater than 0")) } else { Ok(value) }
}

fn parse_url(key: &str, value: &str) -> Result<Url, ConfigError> {
    Url::parse(value).map_err(|e| bad(key, format!("not a valid URL ({e})")))
}

/// Bot tokens look like `123456:ABC-def_ghi`.
fn validate_token(token: &str) -> Result<String, ConfigError> {
    let valid = token.split_once(':').is_some_and(|(id, rest)| {
        !id.is_empty()
            && id.bytes().all(|b| b.is_ascii_digit())
            && !rest.is_empty()
            && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    });
    if valid { Ok(token.to_owned()) } else { Err(bad("telegram.token", "is not a bot token (<digits>:<letters>)")) }
}

/// Telegram accepts 1-256 characters of `A-Za-z0-9_-` as a webhook secret token.
fn validate_webhook_secret(secret: &str) -> Result<String, ConfigError> {
    let valid = (1..=256).contains(&secret.len())
        && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid {
        Ok(secret.to_owned())
    } else {
        Err(bad("telegram.webhook_secret", "must be 1-256 characters of A-Z, a-z, 0-9, _ and -"))
    }
}

fn random_secret() -> String {
    use rand::Rng;
    rand::rng().sample_iter(rand::distr::Alphanumeric).take(48).map(char::from).collect()
}

/// `10m`, `30s`, `500ms`, `2h`, or plain seconds.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().ok()?;
    match unit.trim() {
        "" | "s" => Some(Duration::from_secs(n)),
        "ms" => Some(Duration::from_millis(n)),
        "m" | "min" => n.checked_mul(60).map(Duration::from_secs),
        "h" => n.checked_mul(3600).map(Duration::from_secs),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let env = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::load_with_env(None, env)
    }

    #[test]
    fn defaults_are_valid() {
        let s = load(&[]).unwrap();
        assert_eq!(s.http.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(s.http.public_url.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(s.actors.idle_timeout, Duration::from_secs(600));
        assert!(s.telegram.token.is_none());
        assert!(s.database.url.is_none());
        assert_eq!(s.telegram.webhook_secret.expose().len(), 48);
        assert!(s.stripe.is_none() && s.paypal.is_none());
    }

    #[test]
    fn conventional_variables_win_over_prefixed_ones() {
        let s = load(&[
            ("DIANA__HTTP__ADDR", "127.0.0.1:9000"),
            ("DIANA_HTTP_ADDR", "127.0.0.1:9001"),
            ("DIANA__ACTORS__IDLE_TIMEOUT", "30s"),
            ("DIANA_ADMIN_IDS", "1, 2,3"),
            ("TELEGRAM_BOT_TOKEN", "123:abc-DEF_1"),
        ])
        .unwrap();
        assert_eq!(s.http.addr.port(), 9001);
        assert_eq!(s.actors.idle_timeout, Duration::from_secs(30));
        assert_eq!(s.admin_ids, vec![1, 2, 3]);
        assert_eq!(s.telegram.token.unwrap().expose(), "123:abc-DEF_1");
    }

    #[test]
    fn each_bad_value_names_its_key() {
        let cases: &[(&str, &str, &str)] = &[
            ("DIANA_HTTP_ADDR", "nonsense", "http.addr"),
            ("TELEGRAM_BOT_TOKEN", "not-a-token", "telegram.token"),
            ("TELEGRAM_API_URL", "::", "telegram.api_url"),
            ("TELEGRAM_WEBHOOK_SECRET", "has spaces", "telegram.webhook_secret"),
            ("DIANA_ADMIN_IDS", "1,x", "admin.ids"),
            ("DIANA__ACTORS__IDLE_TIMEOUT", "soon", "actors.idle_timeout"),
            ("DIANA__GAME__TIMEZONE", "Mars/Olympus", "game.timezone"),
            ("REDIS_URL", "http://x", "redis.url"),
            ("DATABASE_URL", "postgres://[", "database.url"),
            ("STRIPE_API_KEY", "sk_test", "stripe.webhook_secret"),
        ];
        for (var, value, key) in cases {
            let err = load(&[(var, value)]).expect_err(var);
            assert_eq!(&err.key, key, "{var}={value}: {err}");
            assert!(err.to_string().starts_with(&format!("invalid configuration: {key}: ")));
            assert!(!err.to_string().contains('\n'));
        }
    }

    #[test]
    fn secrets_are_redacted_in_debug_output() {
        let s = load(&[
            ("TELEGRAM_BOT_TOKEN", "123:supersecret"),
            ("DATABASE_URL", "postgres://u:hunter2@localhost/db"),
            ("TELEGRAM_WEBHOOK_SECRET", "webhooksecret"),
        ])
        .unwrap();
        let printed = format!("{s:?}");
        for secret in ["supersecret", "hunter2", "webhooksecret"] {
            assert!(!printed.contains(secret), "{secret} leaked");
        }
    }

    #[test]
    fn a_broken_config_file_is_reported_on_one_line_without_its_content() {
        let dir = std::env::temp_dir().join(format!("diana-config-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("diana.toml");
        std::fs::write(&file, "[telegram]\ntoken = \"123:secretvalue\n").unwrap();
        let err = Settings::load_with_env(Some(&file), HashMap::new()).unwrap_err();
        let text = err.to_string();
        assert!(!text.contains("secretvalue"), "{text}");
        assert!(!text.contains('\n'), "{text}");
        assert_eq!(err.key, "config");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn paypal_plans_are_plan_equals_id_pairs() {
        let paypal = |plans: &str| {
            let vars = [
                ("PAYPAL_CLIENT_ID", "c"),
                ("PAYPAL_SECRET", "s"),
                ("PAYPAL_WEBHOOK_ID", "WH"),
                ("PAYPAL_PLANS", plans),
            ];
            load(&vars).map(|s| s.paypal.expect("paypal is on").plans)
        };
        assert!(paypal("").unwrap().is_empty());
        let plans = paypal("vip=P-1AB, premium = P-2CD").unwrap();
        assert_eq!((plans["vip"].as_str(), plans["premium"].as_str()), ("P-1AB", "P-2CD"));
        // Whether they cover the plans on sale is checked at start (`PaypalApi::covers`).
        assert!(paypal("vip=P-1").is_ok());
        for (bad, why) in [("vip", "not plan=PAYPAL_PLAN_ID"), ("vip=P 1,premium=P-2", "not a PayPal plan id")] {
            let err = paypal(bad).expect_err(bad);
            assert_eq!(err.key, "paypal.plans");
            assert!(err.to_string().contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("10m"), Some(Duration::from_secs(600)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_duration("2h"), Some(Duration::from_secs(7200)));
        assert_eq!(parse_duration("m"), None);
        assert_eq!(parse_duration("5 parsecs"), None);
    }
}
