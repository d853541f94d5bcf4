//! Wires everything together: database (or the private cluster), Redis, the user actors,
//! Telegram and HTTP. [`Application`] owns the running server; tests start it on port 0.

use crate::config::Settings;
use crate::dashboard::{Dashboard, DashboardParts};
use crate::embedded_postgres::{EmbeddedError, EmbeddedPostgres};
use crate::http::{self, AppState, WebhookState};
use crate::paypal_api::PaypalApi;
use crate::playground::Playground;
use crate::telegram::api::Apis;
use crate::telegram::api::TelegramApi;
use crate::telegram::outbox::{Checkouts, Outbox, OutboxLimits};
use crate::telegram::router::UpdateRouter;
use crate::telegram::stripe_checkout::StripeCheckout;
use crate::telegram::{ALLOWED_UPDATES, commands, polling};
use actix::Actor;
use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer, web};
use diana_actors::achievements::{AchievementEvaluator, ReplySink};
use diana_actors::domain::economy::{Economy, EconomyError};
use diana_actors::leaderboard::Leaderboard;
use diana_actors::mood_trainer::MoodTrainer;
use diana_actors::payments::{PaymentReconciler, system_clock};
use diana_actors::recommender::Recommender;
use diana_actors::redis::{InvalidRedisUrl, Redis};
use diana_actors::reminders::{ReminderRules, Reminders};
use diana_actors::store::group_commit::GroupCommit;
use diana_actors::store::{self, StoreError};
use diana_actors::story::{LoadStoryVersion, StoryBook, StoryEngine, StoryShelf};
use diana_actors::user::{UserDeps, UserDirectory, UserSettings};
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use teloxide::payloads::SetWebhookSetters;
use teloxide::prelude::Requester;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/diana";

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Embedded(#[from] EmbeddedError),
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Redis(#[from] InvalidRedisUrl),
    #[error(transparent)]
    Economy(#[from] EconomyError),
    #[error("paypal.plans: {0}")]
    PaypalPlans(String),
    #[error("the mood model does not load: {0}")]
    Mood(String),
    #[error("story")]
    Story(#[from] diana_actors::story::StoryError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// Find the database: `DATABASE_URL`, else 127.0.0.1:5432 if it answers, else a private cluster.
pub async fn resolve_database(
    settings: &Settings,
) -> Result<(tokio_postgres::Config, Option<EmbeddedPostgres>), StartupError> {
    if let Some(url) = &settings.database.url {
        return Ok((store::schema::parse_url(url.expose())?, None));
    }
    let local = tokio::time::timeout(Duration::from_millis(500), tokio::net::TcpStream::connect("127.0.0.1:5432"));
    if matches!(local.await, Ok(Ok(_))) {
        return Ok((store::schema::parse_url(DEFAULT_DATABASE_URL)?, None));
    }
    tracing::info!("nothing answers on 127.0.0.1:5432 and DATABASE_URL is unset; using a private cluster");
    let dir = settings.database.embedded_dir.clone();
    let (pg, config) = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&dir))
        .await
        .map_err(|e| EmbeddedError::Command { step: "starting PostgreSQL", detail: e.to_string() })??;
    Ok((config, Some(pg)))
}

/// Create the database if needed and apply migrations (`diana migrate`, and every start).
pub async fn prepare_database(config: &tokio_postgres::Config) -> Result<usize, StoreError> {
    store::schema::ensure_database(config).await?;
    store::schema::migrate(config).await
}

pub struct Application {
    http_addr: SocketAddr,
    server: ServerHandle,
    server_task: JoinHandle<std::io::Result<()>>,
    stop: watch::Sender<bool>,
    poller: Option<JoinHandle<()>>,
    directory: UserDirectory,
    outbox: Option<Outbox>,
    redis: Redis,
    embedded: Option<EmbeddedPostgres>,
    grace: Duration,
    story_engine: actix::Addr<StoryEngine>,
}

impl Application {
    /// Start everything. Must run inside an actix `System` (see `main`).
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        let started = Instant::now();
        let (db_config, embedded) = resolve_database(&settings).await?;
        let applied = match prepare_database(&db_config).await {
            Ok(applied) => applied,
            Err(error) => {
                if let Some(pg) = &embedded {
                    pg.stop();
                }
                return Err(error.into());
            }
        };
        if applied > 0 {
            tracing::info!(applied, "migrations applied");
        }
        let economy = Economy::embedded()?;
        let pool = store::pool(&db_config, settings.database.pool_size)?;
        spawn_janitor(pool.clone());
        let redis = Redis::connect(settings.redis.url.expose(), &settings.redis.key_prefix).await?;
        let economy = std::sync::Arc::new(economy);
        let deps_economy = economy.clone();
        let leaderboard =
            Leaderboard::new(pool.clone(), redis.clone(), settings.game_timezone, economy.clone()).start();
        // Content changed from the dashboard outlives restarts.
        let content = diana_actors::content::shelf().clone();
        diana_actors::content::load_running(&pool.get().await.map_err(StoreError::from)?, &content).await?;
        store::achievements::sync(&pool.get().await.map_err(StoreError::from)?, &content.achievements.get().all)
            .await?;
        // Unlock messages go to the outbox sender, which exists only once Telegram is set up.
        let sink_target: Arc<OnceLock<Outbox>> = Arc::default();
        let sink: ReplySink = {
            let target = Arc::clone(&sink_target);
            Arc::new(move |out| {
                if let Some(outbox) = target.get() {
                    outbox.send(out);
                }
            })
        };
        let evaluator = AchievementEvaluator::new(
            pool.clone(),
            content.achievements.clone(),
            economy.clone(),
            settings.game_timezone,
            Some(sink.clone()),
            Some(leaderboard.clone()),
        )
        .with_missions(content.missions.clone())
        .start();
        // Stripe sends the player back to the bot; the public URL is what we have for it.
        let stripe_client = settings
            .stripe
            .as_ref()
            .map(|s| StripeCheckout::new(s.api_key.expose(), s.api_url.clone(), settings.http.public_url.to_string()));
        let mut reconciler =
            PaymentReconciler::new(pool.clone(), content.plans.clone(), Some(sink.clone()), system_clock())
                .sweeping_every(settings.payment_sweep_every);
        if let Some(client) = &stripe_client {
            reconciler = reconciler.checking_pending(Arc::new(client.clone()));
        }
        let paypal_api =
            settings.paypal.as_ref().map(|p| Arc::new(PaypalApi::new(p, settings.http.public_url.to_string())));
        if let Some(api) = &paypal_api {
            // Every plan on sale (shipped, or activated from the dashboard) needs its PayPal plan.
            api.covers(&content.plans.get()).map_err(StartupError::PaypalPlans)?;
            reconciler = reconciler.checking_pending(api.clone());
            let api = api.clone();
            tokio::spawn(async move { api.report_prices().await });
        }
        let reconciler = reconciler.start();
        // The shipped mood model, unless the trainer kept a better one; retrained on a schedule.
        let mood_model = diana_actors::content::Live::new(
            diana_actors::mood::MoodModel::embedded().map_err(|e| StartupError::Mood(e.to_string()))?,
        );
        if let Some(id) = MoodTrainer::load_latest(&pool, &mood_model).await? {
            tracing::info!(id, "mood model from the trainer");
        }
        MoodTrainer::new(pool.clone(), mood_model.clone()).retraining_every(settings.mood_retrain_every).start();
        let recommender = diana_actors::content::Live::new(diana_actors::recommend::ItemItem::default());
        let personal = &settings.personal;
        Recommender::new(pool.clone(), recommender.clone(), personal.recommend_refit_every).start();
        let rules = ReminderRules {
            quiet: personal.quiet_hours,
            fallback_hour: personal.reminder_fallback_hour,
            game_tz: settings.game_timezone,
        };
        Reminders::new(pool.clone(), Some(sink.clone()), system_clock(), rules)
            .sweeping_every(personal.reminder_sweep_every)
            .start();
        // A story activated from the dashboard outlives restarts.
        let uploaded = store::story_versions::active_dir(&pool.get().await.map_err(StoreError::from)?)
            .await?
            .map(std::path::PathBuf::from)
            .filter(|dir| dir.join(diana_actors::story::compile::ENTRY).is_file());
        let story_shelf = StoryShelf::new(load_story(&settings, uploaded.as_deref())?);
        let story_engine = StoryEngine::new(story_shelf.clone(), Some(settings.story_cache_dir.clone())).start();
        reload_story_on_hangup(story_engine.clone(), settings.story_dir.clone());
        // One commit lane per shard.
        let lanes = diana_actors::user::shard_count(settings.actors.shards);
        let deps = UserDeps {
            pool: pool.clone(),
            commits: GroupCommit::new(pool.clone(), lanes, settings.database.commit_group),
            redis: redis.clone(),
            leaderboard: Some(leaderboard),
            achievements: Some(evaluator),
            payments: Some(reconciler.clone()),
            settings: UserSettings {
                idle_timeout: settings.actors.idle_timeout,
                flood_per_minute: settings.flood_per_minute,
                economy,
                timezone: settings.game_timezone,
                content: content.clone(),
                mood: mood_model.clone(),
                recommender,
                story: story_shelf.clone(),
                card_payments: settings.stripe.is_some(),
                paypal_payments: settings.paypal.as_ref().is_some_and(|p| !p.plans.is_empty()),
                channels: settings.channels.clone(),
            },
        };
        let directory = UserDirectory::start(deps, settings.actors.shards);
        let (stop, stop_rx) = watch::channel(false);

        // Bound first: the playground's Bot API is served here, and the outbox needs its address.
        let listener = TcpListener::bind(settings.http.addr)
            .map_err(|source| StartupError::Bind { addr: settings.http.addr, source })?;
        let http_addr =
            listener.local_addr().map_err(|source| StartupError::Bind { addr: settings.http.addr, source })?;
        let playground = Arc::new(Playground::new(pool.clone()));
        let local = url::Url::parse(&format!("http://{http_addr}/")).expect("a socket address makes a URL");
        let playground_api = playground.api(&local);

        let mut poller = None;
        let mut webhook = None;
        let t = &settings.telegram;
        let telegram_api = t.token.as_ref().map(|token| TelegramApi::new(token.expose(), t.api_url.clone()));
        let telegram_health = telegram_api.as_ref().map(|api| api.health.clone());
        let dashboard_telegram = telegram_api.clone();
        let bot_username: Arc<OnceLock<String>> = Arc::default();
        if let Some(api) = telegram_api.clone() {
            let known = bot_username.clone();
            tokio::spawn(async move {
                use teloxide::prelude::Requester;
                if let Ok(me) = api.call("getMe", api.bot.get_me()).await
                    && let Some(username) = me.user.username
                {
                    let _ = known.set(username);
                }
            });
        }
        let limits = OutboxLimits {
            global_per_sec: f64::from(t.global_per_sec),
            per_chat_per_sec: t.per_chat_per_sec,
            per_chat_burst: f64::from(t.per_chat_burst),
            max_in_flight: t.max_in_flight,
        };
        // Without a token there are only playground chats.
        let apis = Apis {
            telegram: telegram_api.clone().unwrap_or_else(|| playground_api.clone()),
            playground: Some(playground_api),
        };
        // Unsent replies of an earlier run are queued before any new update is taken.
        let checkouts = Checkouts { stripe: stripe_client.clone(), paypal: paypal_api.clone() };
        let sender = Outbox::start(
            apis.clone(),
            pool.clone(),
            directory.clone(),
            story_shelf.clone(),
            checkouts,
            settings.channels.vip_id,
            limits,
        )
        .await?;
        let router = UpdateRouter::new(directory.clone(), sender.clone(), apis, pool.clone())
            .with_dashboard_links(settings.admin_ids.clone(), settings.http.public_url.clone());
        playground.attach(router.clone());
        match telegram_api {
            Some(api) => {
                commands::register_in_background(api.clone());
                if settings.channels.free_id.is_some() {
                    crate::telegram::channels::spawn_approver(sender.clone(), pool.clone());
                }
                match &t.webhook_url {
                    Some(url) => {
                        set_webhook_in_background(api.clone(), url.clone(), t.webhook_secret.expose().to_owned());
                        webhook = Some(web::Data::new(WebhookState {
                            secret: t.webhook_secret.expose().to_owned(),
                            router,
                            max_body_bytes: t.webhook_max_body_bytes,
                        }));
                    }
                    None => {
                        let poll_timeout = t.poll_timeout_secs;
                        poller = Some(tokio::spawn(async move {
                            polling::run(api, router, poll_timeout, stop_rx).await;
                        }));
                    }
                }
            }
            None => tracing::info!("TELEGRAM_BOT_TOKEN is unset: Telegram is off; the dashboard and playground serve"),
        }
        let _ = sink_target.set(sender.clone());
        let broadcaster = crate::broadcast::Broadcaster::new(pool.clone(), sink.clone());
        broadcaster.resume();
        let outbox = Some(sender);

        let state = AppState { pool: pool.clone(), redis: redis.clone(), telegram: telegram_health };
        let dashboard = web::Data::from(Dashboard::new(DashboardParts {
            pool: pool.clone(),
            redis: redis.clone(),
            superadmins: settings.admin_ids.clone(),
            public_url: settings.http.public_url.clone(),
            trusted_proxies: settings.http.trusted_proxies.clone(),
            config_view: format!("{settings:#?}"),
            sink: Some(sink.clone()),
            reconciler: Some(reconciler.clone()),
            economy: deps_economy,
            timezone: settings.game_timezone,
            playground: playground.clone(),
            story: crate::dashboard::StoryAdmin {
                shelf: story_shelf.clone(),
                engine: Some(story_engine.clone()),
                uploads_dir: settings.story_uploads_dir.clone(),
                shipped_dir: settings.story_dir.clone(),
            },
            telegram: dashboard_telegram,
            bot_username,
            token_valid_days: settings.token_valid_days,
            broadcaster: Some(broadcaster),
            directory: Some(directory.clone()),
            vip_channel: settings.channels.vip_id,
            stripe: stripe_client.clone(),
            paypal: paypal_api.clone(),
        }));
        let stripe = settings.stripe.as_ref().map(|s| {
            web::Data::new(http::StripeState {
                secret: s.webhook_secret.expose().to_owned(),
                reconciler: reconciler.clone(),
            })
        });
        let paypal =
            paypal_api.map(|api| web::Data::new(http::PaypalState { verifier: api, reconciler: reconciler.clone() }));
        let bot_api = web::Data::new(crate::playground::bot_api::BotApiState {
            chats: playground.chats.clone(),
            secret: playground.secret.clone(),
        });
        let server = HttpServer::new(move || {
            let state = state.clone();
            let webhook = webhook.clone();
            let stripe = stripe.clone();
            let paypal = paypal.clone();
            let dashboard = dashboard.clone();
            let bot_api = bot_api.clone();
            App::new()
                .app_data(bot_api)
                .service(
                    // Story pictures are uploaded here (up to 5 MB each).
                    web::resource("/playground/bot{token}/{method}")
                        .app_data(web::PayloadConfig::new(10 * 1024 * 1024))
                        .route(web::post().to(crate::playground::bot_api::call)),
                )
                .configure(move |cfg| http::routes(cfg, state, webhook, stripe, paypal))
                .configure(move |cfg| crate::dashboard::routes(cfg, dashboard))
        })
        .disable_signals()
        .shutdown_timeout(5)
        .workers(std::thread::available_parallelism().map_or(2, |n| n.get()).min(4))
        .listen(listener)
        .map_err(|source| StartupError::Bind { addr: settings.http.addr, source })?
        .run();
        let server_handle = server.handle();
        let server_task = tokio::spawn(server);
        tracing::info!(
            http_addr = %http_addr,
            startup_ms = started.elapsed().as_millis() as u64,
            telegram = if settings.telegram.token.is_none() { "off" } else if settings.telegram.webhook_url.is_some() { "webhook" } else { "polling" },
            "diana is serving"
        );
        Ok(Application {
            http_addr,
            server: server_handle,
            server_task,
            stop,
            poller,
            directory,
            outbox,
            redis,
            embedded,
            grace: settings.shutdown_grace,
            story_engine,
        })
    }

    /// The story's supervisor: send it `LoadStoryVersion` to swap the story without a restart.
    pub fn story_engine(&self) -> &actix::Addr<StoryEngine> {
        &self.story_engine
    }

    pub fn port(&self) -> u16 {
        self.http_addr.port()
    }

    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    /// Serve until SIGTERM or Ctrl-C, then shut down cleanly.
    pub async fn run_until_stopped(self) {
        wait_for_signal().await;
        tracing::info!("shutting down");
        self.shutdown().await;
    }

    /// Stop taking updates, finish those in flight, save every actor, send what can be sent
    /// within the grace period (the rest stays in the outbox for the next start), then stop.
    pub async fn shutdown(self) {
        let deadline = Instant::now() + self.grace;
        let left = || deadline.saturating_duration_since(Instant::now());
        let _ = self.stop.send(true);
        if let Some(poller) = self.poller {
            let _ = tokio::time::timeout(left(), poller).await;
        }
        // Webhook requests in flight are finished (their 200 follows their commit).
        let _ = tokio::time::timeout(left(), self.server.stop(true)).await;
        let _ = tokio::time::timeout(left(), self.server_task).await;
        // Actors save while the outbox sends: neither waits for the other.
        let drained = async {
            match &self.outbox {
                Some(outbox) => outbox.drain(left()).await,
                None => true,
            }
        };
        let (saved, drained) = tokio::join!(tokio::time::timeout(left(), self.directory.passivate_all()), drained);
        tracing::info!(actors = saved.unwrap_or(0), "user actors saved");
        if !drained {
            tracing::warn!("some replies stay in the outbox; they are sent at the next start");
        }
        self.directory.stop();
        self.redis.quit().await;
        if let Some(pg) = &self.embedded {
            pg.stop();
        }
        tracing::info!("stopped");
    }
}

/// Compile the story (or take it from the cache). No folder means no story. A writer's mistake
/// stops start-up naming its file and line, unless an earlier good version is in the cache:
/// then that one runs and the mistake is logged.
fn load_story(settings: &Settings, uploaded: Option<&std::path::Path>) -> Result<Option<StoryBook>, StartupError> {
    let dir = uploaded.unwrap_or(&settings.story_dir);
    if !dir.join(diana_actors::story::compile::ENTRY).is_file() {
        tracing::warn!(dir = %dir.display(), "no story found; /historia is unavailable");
        return Ok(None);
    }
    let (book, error) = StoryBook::load_or_last_good(dir, &settings.story_cache_dir)?;
    if let Some(error) = error {
        diana_actors::metrics::count_error("story_compile");
        tracing::error!(%error, version = %book.hash(), "the story does not compile; running the last good version");
    }
    tracing::info!(cached = book.compiled.cached, version = %book.hash(), chapters = book.chapters.len(), "story loaded");
    Ok(Some(book))
}

/// `kill -HUP` loads the story folder again: a good version goes live for everyone without a
/// restart; a broken one is logged and the running version stays.
fn reload_story_on_hangup(engine: actix::Addr<StoryEngine>, dir: std::path::PathBuf) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else { return };
        while hangups.recv().await.is_some() {
            match engine.send(LoadStoryVersion { dir: dir.clone() }).await {
                Ok(Ok(active)) => tracing::info!(version = %active.version, "story reloaded on SIGHUP"),
                Ok(Err(error)) => {
                    diana_actors::metrics::count_error("story_compile");
                    tracing::error!(%error, "the new story does not load; the running version stays");
                }
                Err(error) => tracing::error!(%error, "the story engine is gone"),
            }
        }
    });
}

/// Hourly upkeep of tables that only grow.
fn spawn_janitor(pool: store::Pool) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every.tick().await;
            let pruned = async { store::updates::prune(&pool.get().await?, 7).await };
            match pruned.await {
                Ok(0) => {}
                Ok(rows) => tracing::info!(rows, "pruned old processed_updates"),
                Err(error) => tracing::warn!(%error, "could not prune processed_updates"),
            }
        }
    });
}

fn set_webhook_in_background(api: TelegramApi, url: url::Url, secret: String) {
    tokio::spawn(async move {
        let mut wait = Duration::from_millis(500);
        loop {
            let request =
                api.bot.set_webhook(url.clone()).secret_token(secret.clone()).allowed_updates(ALLOWED_UPDATES.to_vec());
            match api.call("setWebhook", request).await {
                Ok(_) => {
                    tracing::info!(url = %url, "webhook set");
                    return;
                }
                Err(failure) => tracing::warn!(?failure, "could not set the webhook yet; retrying"),
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(60));
        }
    });
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
        }
        Err(_) => {
            let _ = ctrl_c.await;
        }
    }
}
