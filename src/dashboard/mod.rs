//! The admin dashboard: pages rendered on the server with maud under `/admin/`, the same reads
//! and actions as JSON under `/api/v1/`, charts drawn as SVG on the server, and the playground.

mod account;
mod api;
mod audit_page;
pub mod auth;
mod broadcast;
mod catalogues;
mod channels;
pub(crate) mod charts;
mod content;
mod layout;
mod overview;
mod payments;
mod player_actions;
mod playground;
pub mod roles;
mod static_files;
mod system;
mod texts;
mod users;

use actix_web::{HttpResponse, ResponseError, http::StatusCode, middleware::DefaultHeaders, web};
use diana_actors::store::Pool;
use roles::Permission;
use std::sync::Arc;

/// What the dashboard's handlers share: what start-up handed over (reached through `Deref`),
/// and what the dashboard keeps for itself.
pub struct Dashboard {
    parts: DashboardParts,
    /// Cookies are `Secure` when the dashboard is served over https.
    pub secure_cookies: bool,
    pub failures: auth::Failures,
    pub overview: overview::OverviewCache,
    pub started: std::time::Instant,
}

impl std::ops::Deref for Dashboard {
    type Target = DashboardParts;

    fn deref(&self) -> &DashboardParts {
        &self.parts
    }
}

/// What the Content page needs of the story.
#[derive(Clone)]
pub struct StoryAdmin {
    pub shelf: diana_actors::story::engine::StoryShelf,
    pub engine: Option<actix::Addr<diana_actors::story::engine::StoryEngine>>,
    /// Where uploaded versions are kept, a folder each.
    pub uploads_dir: std::path::PathBuf,
    /// The story folder shipped with the server (`story.dir`).
    pub shipped_dir: std::path::PathBuf,
}

impl Dashboard {
    pub fn new(parts: DashboardParts) -> Arc<Dashboard> {
        Arc::new(Dashboard {
            secure_cookies: parts.public_url.scheme() == "https",
            failures: auth::Failures::default(),
            overview: overview::OverviewCache::start(parts.pool.clone(), parts.timezone),
            started: std::time::Instant::now(),
            parts,
        })
    }
}

/// What start-up hands the dashboard.
pub struct DashboardParts {
    pub pool: Pool,
    pub redis: diana_actors::redis::Redis,
    pub superadmins: Vec<i64>,
    pub public_url: url::Url,
    /// Reverse proxies whose `X-Forwarded-For` names the client (for the bad-link limit).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub config_view: String,
    pub sink: Option<diana_actors::achievements::ReplySink>,
    pub reconciler: Option<actix::Addr<diana_actors::payments::PaymentReconciler>>,
    pub economy: Arc<diana_actors::domain::economy::Economy>,
    pub timezone: chrono_tz::Tz,
    pub playground: Arc<crate::playground::Playground>,
    pub story: StoryAdmin,
    /// For refunds of Stars payments (and the bot's name); `None` without a token.
    pub telegram: Option<crate::telegram::api::TelegramApi>,
    /// The bot's @username, once Telegram told us (for deep links).
    pub bot_username: Arc<std::sync::OnceLock<String>>,
    /// How long a VIP token made here stays usable.
    pub token_valid_days: u32,
    pub broadcaster: Option<crate::broadcast::Broadcaster>,
    /// The user actors, for the System page's per-shard figures.
    pub directory: Option<diana_actors::user::UserDirectory>,
    pub vip_channel: Option<i64>,
    /// For card refunds, when configured.
    pub stripe: Option<crate::telegram::stripe_checkout::StripeCheckout>,
    pub paypal: Option<Arc<crate::paypal_api::PaypalApi>>,
}

/// Why a request was turned away.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("sign in with a login link")]
    SignedOut,
    #[error("the form is stale or was not sent from the dashboard (CSRF token missing or wrong)")]
    Csrf,
    #[error("your role does not allow this ({})", .0.as_str())]
    Forbidden(Permission),
    #[error("internal error")]
    Internal(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
}

impl Refusal {
    /// A failure of ours, logged and counted when answered.
    pub fn internal(error: impl std::fmt::Display) -> Refusal {
        Refusal::Internal(error.to_string())
    }
}

impl ResponseError for Refusal {
    fn status_code(&self) -> StatusCode {
        match self {
            Refusal::SignedOut => StatusCode::UNAUTHORIZED,
            Refusal::Csrf | Refusal::Forbidden(_) => StatusCode::FORBIDDEN,
            Refusal::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Refusal::NotFound(_) => StatusCode::NOT_FOUND,
            Refusal::BadRequest(_) => StatusCode::BAD_REQUEST,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Refusal::Internal(error) = self {
            diana_actors::metrics::count_error("dashboard");
            tracing::error!(%error, "dashboard request failed");
        }
        layout::refusal(self).status(self.status_code().as_u16()).into_response()
    }
}

/// A refusal before the handler ran (the extractor), as a page or as JSON for the API.
#[derive(Debug, thiserror::Error)]
#[error("{refusal}")]
pub struct Rejected {
    pub refusal: Refusal,
    pub api: bool,
}

impl ResponseError for Rejected {
    fn status_code(&self) -> StatusCode {
        self.refusal.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        if !self.api {
            return self.refusal.error_response();
        }
        if let Refusal::Internal(error) = &self.refusal {
            diana_actors::metrics::count_error("dashboard_api");
            tracing::error!(%error, "API request failed");
        }
        let message = if matches!(self.refusal, Refusal::Internal(_)) {
            "internal error".into()
        } else {
            self.refusal.to_string()
        };
        HttpResponse::build(self.status_code()).json(serde_json::json!({ "error": message }))
    }
}

impl From<Refusal> for HttpResponse {
    fn from(refusal: Refusal) -> HttpResponse {
        refusal.error_response()
    }
}

/// An audit row in a transaction of its own, for a change that was not made in one of ours
/// (a story swapped in, a message through an actor, approvals queued, a broadcast stopped).
pub async fn audit(
    dash: &Dashboard,
    actor: &str,
    action: &str,
    target: &str,
    after: Option<serde_json::Value>,
) -> Result<(), diana_actors::store::StoreError> {
    let mut conn = dash.pool.get().await?;
    let tx = diana_actors::store::begin(&mut conn).await?;
    diana_actors::store::audit::append(&tx, actor, action, target, None, after.as_ref()).await?;
    tx.commit().await?;
    Ok(())
}

/// A failure of ours: logged, counted, and a plain 500.
pub fn internal(error: impl std::fmt::Display) -> HttpResponse {
    Refusal::Internal(error.to_string()).error_response()
}

/// A form that carries nothing but its CSRF token.
#[derive(serde::Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf: String,
}

/// Headers on every dashboard and API response: no framing, no sniffing, no inline scripts, no
/// referrers (a login link must not leak), no caching.
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ))
        .add(("X-Frame-Options", "DENY"))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("Cache-Control", "no-store"))
}

pub fn routes(cfg: &mut web::ServiceConfig, dashboard: web::Data<Dashboard>) {
    cfg.service(
        web::scope("/api/v1")
            .app_data(dashboard.clone())
            .wrap(security_headers())
            .route("/openapi.json", web::get().to(api::openapi))
            .route("/overview", web::get().to(api::overview))
            .route("/users", web::get().to(api::users))
            .route("/users/{id}", web::get().to(api::user))
            .route("/users/{id}/{action}", web::post().to(api::act))
            .route("/audit", web::get().to(api::audit_log))
            .route("/content/{kind}", web::get().to(api::content))
            .service(
                web::resource("/content/{kind}")
                    .app_data(web::PayloadConfig::new(catalogues::MAX_DOCUMENT_BYTES))
                    .route(web::post().to(api::save_content)),
            )
            .route("/content/{kind}/{which}/activate", web::post().to(api::activate_content)),
    );
    cfg.service(
        web::scope("/admin")
            .app_data(dashboard)
            .wrap(security_headers())
            .route(
                "",
                web::get()
                    .to(|| async { HttpResponse::PermanentRedirect().insert_header(("Location", "/admin/")).finish() }),
            )
            .route("/", web::get().to(overview::page))
            .route("/overview/refresh", web::post().to(overview::refresh))
            .route("/static/{file}", web::get().to(static_files::serve))
            .route("/lang/{lang}", web::get().to(texts::switch))
            .route("/login", web::get().to(auth::login_page))
            .route("/login", web::post().to(auth::login))
            .route("/logout", web::post().to(auth::logout))
            .route("/users", web::get().to(users::search))
            .route("/users/{id}", web::get().to(users::page))
            .route("/users/{id}/{action}", web::post().to(users::act))
            .route("/playground", web::get().to(playground::page))
            .route("/playground/chat", web::get().to(playground::fragment))
            .route("/playground/say", web::post().to(playground::say))
            .route("/playground/press", web::post().to(playground::press))
            .route("/playground/picture/{id}", web::get().to(playground::picture))
            .route("/content", web::get().to(content::page))
            .service(
                web::resource("/content/story")
                    .app_data(web::PayloadConfig::new(content::MAX_UPLOAD_BYTES))
                    .route(web::post().to(content::upload)),
            )
            .route("/content/story/{id}", web::get().to(content::version))
            .route("/content/story/{which}/activate", web::post().to(content::activate))
            .route("/content/docs/{kind}", web::get().to(catalogues::page))
            .service(
                web::resource("/content/docs/{kind}")
                    .app_data(web::PayloadConfig::new(catalogues::MAX_DOCUMENT_BYTES))
                    .route(web::post().to(catalogues::save)),
            )
            .route("/content/docs/{kind}/{id}", web::get().to(catalogues::version))
            .route("/content/docs/{kind}/{which}/activate", web::post().to(catalogues::activate))
            .route("/payments", web::get().to(payments::page))
            .route("/payments/{id}/refund", web::post().to(payments::refund))
            .route("/account", web::get().to(account::page))
            .route("/account/sessions/{id}/revoke", web::post().to(account::revoke_session))
            .route("/account/tokens", web::post().to(account::create_token))
            .route("/account/tokens/{id}/revoke", web::post().to(account::revoke_token))
            .route("/account/roles", web::post().to(account::set_role))
            .route("/channels", web::get().to(channels::page))
            .route("/channels/approve-now", web::post().to(channels::approve_now))
            .route("/channels/tariffs", web::post().to(channels::put_tariff))
            .route("/channels/tokens", web::post().to(channels::make_token))
            .route("/broadcast", web::get().to(broadcast::page))
            .route("/broadcast", web::post().to(broadcast::start))
            .route("/broadcast/{id}/cancel", web::post().to(broadcast::cancel))
            .route("/audit", web::get().to(audit_page::page))
            .route("/system", web::get().to(system::page))
            .route("/system/verify-audit", web::post().to(system::verify_audit)),
    );
}
