//! Getting into the dashboard: one-time login links, server-side sessions in a cookie, bearer
//! tokens for the API, roles, and the CSRF token every state change must carry.

use super::roles::{Permission, Role, resolve};
use super::{Dashboard, Refusal};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use chrono::{TimeDelta, Utc};
use diana_actors::store::{self, StoreError};
use sha2::{Digest, Sha256};
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

pub const COOKIE: &str = "diana_admin";
const LINK_LIFETIME: TimeDelta = TimeDelta::minutes(10);
const SESSION_LIFETIME: TimeDelta = TimeDelta::hours(12);
/// Links per admin per ten minutes.
const LINKS_PER_WINDOW: i64 = 5;
/// Bad links an address may try per ten minutes.
const FAILURES_PER_WINDOW: u32 = 10;
const WINDOW: Duration = Duration::from_secs(600);

/// A fresh secret: 32 random bytes as hex.
pub fn secret() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What is stored for a secret: its SHA-256.
pub fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("user {0} has no dashboard role (DIANA_ADMIN_IDS, or a role granted by a superadmin)")]
    NoRole(i64),
    #[error("too many login links for user {0} in the last 10 minutes; use the last one or wait")]
    TooMany(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A one-time login link for an admin (the CLI's `admin login-link` and `/admin` in Telegram).
pub async fn login_link(
    pool: &store::Pool,
    superadmins: &[i64],
    public_url: &url::Url,
    user_id: i64,
) -> Result<url::Url, LinkError> {
    let conn = pool.get().await.map_err(StoreError::from)?;
    let granted = store::admin::role(&conn, user_id).await?;
    if resolve(user_id, superadmins, granted.as_deref()).is_none() {
        return Err(LinkError::NoRole(user_id));
    }
    if store::admin::recent_links(&conn, user_id, WINDOW.as_secs() as i64).await? >= LINKS_PER_WINDOW {
        return Err(LinkError::TooMany(user_id));
    }
    let token = secret();
    store::admin::create_link(&conn, &digest(&token), user_id, Utc::now() + LINK_LIFETIME).await?;
    let mut url = public_url.join("admin/login").expect("a path joins a base URL");
    url.query_pairs_mut().append_pair("token", &token);
    Ok(url)
}

/// Addresses that tried bad links, to slow down guessing.
#[derive(Default)]
pub struct Failures(std::sync::Mutex<std::collections::HashMap<IpAddr, (u32, Instant)>>);

impl Failures {
    fn blocked(&self, ip: IpAddr) -> bool {
        let map = self.0.lock().expect("failures lock");
        map.get(&ip).is_some_and(|(n, since)| *n >= FAILURES_PER_WINDOW && since.elapsed() < WINDOW)
    }

    fn failed(&self, ip: IpAddr) {
        let mut map = self.0.lock().expect("failures lock");
        if map.len() > 10_000 {
            map.retain(|_, (_, since)| since.elapsed() < WINDOW);
        }
        let entry = map.entry(ip).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= WINDOW {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }
}

/// Who a request is from: the peer, or behind a trusted proxy the nearest address in
/// `X-Forwarded-For` that is not a trusted proxy (addresses further left can be forged).
pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpAddr]) -> IpAddr {
    // `::ffff:10.0.0.1` is 10.0.0.1.
    let peer = peer.to_canonical();
    if !trusted.contains(&peer) {
        return peer;
    }
    let chain = forwarded_for.unwrap_or_default().split(',').rev().map(str::trim);
    chain
        .map_while(|hop| hop.parse::<IpAddr>().ok().map(|ip| ip.to_canonical()))
        .find(|ip| !trusted.contains(ip))
        .unwrap_or(peer)
}

fn peer(req: &HttpRequest, trusted: &[IpAddr]) -> IpAddr {
    let peer = req.peer_addr().map_or(IpAddr::from([0, 0, 0, 0]), |a| a.ip());
    // Every `X-Forwarded-For` line, in order: a proxy may add its own line after the client's.
    let lines: Vec<&str> = req.headers().get_all("x-forwarded-for").filter_map(|v| v.to_str().ok()).collect();
    client_ip(peer, Some(&lines.join(",")).filter(|l| !l.is_empty()).map(String::as_str), trusted)
}

#[derive(serde::Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    token: String,
}

/// `GET /admin/login?token=…`: a button, not a login. Telegram and other link previews fetch
/// the page; only pressing the button uses the link.
pub async fn login_page(req: HttpRequest, query: web::Query<LinkQuery>) -> HttpResponse {
    let lang = super::texts::lang_of(&req);
    super::layout::login(lang, &query.token, None).into_response()
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    token: String,
}

/// `POST /admin/login`: use the link and start a session.
pub async fn login(req: HttpRequest, dash: web::Data<Dashboard>, form: web::Form<LoginForm>) -> HttpResponse {
    let lang = super::texts::lang_of(&req);
    let ip = peer(&req, &dash.trusted_proxies);
    if dash.failures.blocked(ip) {
        return super::layout::login(lang, "", Some("login_slow_down")).status(429).into_response();
    }
    let started = async {
        let conn = dash.pool.get().await?;
        let Some(user_id) = store::admin::use_link(&conn, &digest(form.token.trim())).await? else {
            return Ok(None);
        };
        let granted = store::admin::role(&conn, user_id).await?;
        if resolve(user_id, &dash.superadmins, granted.as_deref()).is_none() {
            return Ok(None);
        }
        let (session, csrf) = (secret(), secret());
        store::admin::create_session(&conn, &digest(&session), user_id, &csrf, Utc::now() + SESSION_LIFETIME).await?;
        Ok::<_, StoreError>(Some(session))
    };
    match started.await {
        Ok(Some(session)) => {
            let cookie = Cookie::build(COOKIE, session)
                .path("/")
                .http_only(true)
                .same_site(SameSite::Strict)
                .secure(dash.secure_cookies)
                .max_age(actix_web::cookie::time::Duration::seconds(SESSION_LIFETIME.num_seconds()))
                .finish();
            HttpResponse::SeeOther().cookie(cookie).insert_header(("Location", "/admin/")).finish()
        }
        Ok(None) => {
            dash.failures.failed(ip);
            super::layout::login(lang, "", Some("login_bad_link")).status(403).into_response()
        }
        Err(error) => super::internal(error),
    }
}

/// `POST /admin/logout`: the session ends here and on the server.
pub async fn logout(admin: Admin, dash: web::Data<Dashboard>, form: web::Form<super::CsrfOnly>) -> HttpResponse {
    if let Err(refusal) = admin.check(Permission::View, &form.csrf) {
        return refusal.into();
    }
    if let Some(session) = &admin.session
        && let Err(error) =
            async { store::admin::revoke_session(&dash.pool.get().await?, &digest(session)).await }.await
    {
        return super::internal(error);
    }
    let mut gone = Cookie::build(COOKIE, "").path("/").http_only(true).same_site(SameSite::Strict).finish();
    gone.make_removal();
    HttpResponse::SeeOther().cookie(gone).insert_header(("Location", "/admin/login")).finish()
}

/// An admin, as a request proves it: a session cookie or a bearer token.
#[derive(Debug, Clone)]
pub struct Admin {
    pub user_id: i64,
    pub role: Role,
    /// The session's CSRF token (`None` for bearer tokens, which cookies cannot forge).
    pub csrf: Option<String>,
    /// The session's secret, to end it.
    session: Option<String>,
    /// The `X-CSRF-Token` header, for API calls made with the cookie.
    header_csrf: Option<String>,
    pub lang: super::texts::Lang,
}

impl Admin {
    pub fn actor(&self) -> String {
        format!("admin:{}", self.user_id)
    }

    pub fn may(&self, permission: Permission) -> bool {
        self.role.may(permission)
    }

    /// May this admin do this, and does the request carry the session's CSRF token (as a form
    /// field, or the header)?
    pub fn check(&self, permission: Permission, form_csrf: &str) -> Result<(), Refusal> {
        if let Some(expected) = &self.csrf {
            let given = self.header_csrf.as_deref().filter(|h| !h.is_empty()).unwrap_or(form_csrf);
            if !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
                return Err(Refusal::Csrf);
            }
        }
        if !self.may(permission) {
            return Err(Refusal::Forbidden(permission));
        }
        Ok(())
    }

    async fn from_request(req: HttpRequest) -> Result<Admin, Refusal> {
        let dash = req.app_data::<web::Data<Dashboard>>().ok_or(Refusal::SignedOut)?.clone();
        let lang = super::texts::lang_of(&req);
        let bearer = req
            .headers()
            .get("Authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned);
        let cookie = req.cookie(COOKIE).map(|c| c.value().to_owned());
        let header_csrf = req.headers().get("X-CSRF-Token").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let conn = dash.pool.get().await.map_err(|e| Refusal::Internal(e.to_string()))?;
        // A bearer token needs no CSRF token, so it is for the API only: on the pages (which
        // can make tokens and change roles) a session is required.
        let api = req.path().starts_with("/api/");
        let (user_id, csrf, session) = match (bearer.filter(|_| api), cookie) {
            (Some(token), _) => {
                let user = store::admin::api_token(&conn, &digest(&token)).await;
                (user.map_err(|e| Refusal::Internal(e.to_string()))?.ok_or(Refusal::SignedOut)?, None, None)
            }
            (None, Some(session)) => {
                let found = store::admin::session(&conn, &digest(&session)).await;
                let (user, csrf) = found.map_err(|e| Refusal::Internal(e.to_string()))?.ok_or(Refusal::SignedOut)?;
                (user, Some(csrf), Some(session))
            }
            (None, None) => return Err(Refusal::SignedOut),
        };
        let granted = store::admin::role(&conn, user_id).await.map_err(|e| Refusal::Internal(e.to_string()))?;
        let role = resolve(user_id, &dash.superadmins, granted.as_deref()).ok_or(Refusal::SignedOut)?;
        Ok(Admin { user_id, role, csrf, session, header_csrf, lang })
    }
}

impl FromRequest for Admin {
    type Error = super::Rejected;
    type Future = Pin<Box<dyn Future<Output = Result<Admin, super::Rejected>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        let api = req.path().starts_with("/api/");
        Box::pin(async move { Admin::from_request(req).await.map_err(|refusal| super::Rejected { refusal, api }) })
    }
}

#[cfg(test)]
mod tests {
    use super::client_ip;
    use std::net::IpAddr;

    #[test]
    fn behind_a_trusted_proxy_the_client_is_the_nearest_untrusted_forwarded_address() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let proxy = [ip("10.0.0.1")];
        assert_eq!(client_ip(ip("203.0.113.9"), Some("1.2.3.4"), &proxy), ip("203.0.113.9"), "not a proxy: itself");
        assert_eq!(client_ip(ip("10.0.0.1"), Some("198.51.100.7"), &proxy), ip("198.51.100.7"));
        // A client may send its own header: only the hop the proxy added counts.
        assert_eq!(client_ip(ip("10.0.0.1"), Some("6.6.6.6, 198.51.100.7"), &proxy), ip("198.51.100.7"));
        assert_eq!(client_ip(ip("10.0.0.1"), Some("198.51.100.7, 10.0.0.1"), &proxy), ip("198.51.100.7"));
        assert_eq!(client_ip(ip("10.0.0.1"), None, &proxy), ip("10.0.0.1"), "no header: the proxy");
        assert_eq!(client_ip(ip("10.0.0.1"), Some("junk"), &proxy), ip("10.0.0.1"));
        assert_eq!(client_ip(ip("10.0.0.1"), Some("198.51.100.7"), &[]), ip("10.0.0.1"), "trust nobody by default");
        assert_eq!(client_ip(ip("::ffff:10.0.0.1"), Some("198.51.100.7"), &proxy), ip("198.51.100.7"), "mapped v4");
    }
}
