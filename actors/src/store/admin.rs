//! `admin_roles`, `admin_login_links`, `admin_sessions` and `admin_api_tokens`: who may use the
//! dashboard, and how they got in. Secrets are stored as SHA-256 digests only.

use super::{Connection, StoreError};
use chrono::{DateTime, Utc};

/// A role granted in the dashboard (configuration's superadmins have no row).
pub async fn role(conn: &Connection, user_id: i64) -> Result<Option<String>, StoreError> {
    let stmt = conn.prepare_cached("SELECT role FROM admin_roles WHERE user_id = $1").await?;
    Ok(conn.query_opt(&stmt, &[&user_id]).await?.map(|r| r.get(0)))
}

/// Every granted role: (user id, role, granted by, when, the player's name if known).
pub async fn roles(conn: &Connection) -> Result<Vec<(i64, String, String, DateTime<Utc>, String)>, StoreError> {
    let stmt = conn
        .prepare_cached(
            "SELECT r.user_id, r.role, r.granted_by, r.granted_at, coalesce(u.first_name, '')
             FROM admin_roles r LEFT JOIN users u ON u.id = r.user_id ORDER BY r.granted_at",
        )
        .await?;
    let rows = conn.query(&stmt, &[]).await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4))).collect())
}

/// Grant a role, or take it away (`None`); returns the role held before.
pub async fn set_role(
    tx: &super::Transaction<'_>,
    user_id: i64,
    role: Option<&str>,
    granted_by: &str,
) -> Result<Option<String>, StoreError> {
    let before: Option<String> = tx
        .query_opt("SELECT role FROM admin_roles WHERE user_id = $1 FOR UPDATE", &[&user_id])
        .await?
        .map(|r| r.get(0));
    match role {
        Some(role) => {
            tx.execute(
                "INSERT INTO admin_roles (user_id, role, granted_by) VALUES ($1, $2, $3)
                 ON CONFLICT (user_id) DO UPDATE SET role = $2, granted_by = $3, granted_at = now()",
                &[&user_id, &role, &granted_by],
            )
            .await?;
        }
        None => {
            tx.execute("DELETE FROM admin_roles WHERE user_id = $1", &[&user_id]).await?;
            // Whoever loses their role loses their sessions and tokens with it.
            tx.execute(
                "UPDATE admin_sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
                &[&user_id],
            )
            .await?;
            tx.execute(
                "UPDATE admin_api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
                &[&user_id],
            )
            .await?;
        }
    }
    Ok(before)
}

/// Links made for this admin lately, to limit how fast new ones are handed out.
pub async fn recent_links(conn: &Connection, user_id: i64, within_secs: i64) -> Result<i64, StoreError> {
    let stmt = conn
        .prepare_cached(
            "SELECT count(*) FROM admin_login_links
             WHERE user_id = $1 AND created_at > now() - make_interval(secs => $2::bigint)",
        )
        .await?;
    Ok(conn.query_one(&stmt, &[&user_id, &within_secs]).await?.get(0))
}

pub async fn create_link(
    conn: &Connection,
    token_hash: &[u8],
    user_id: i64,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let stmt = conn
        .prepare_cached("INSERT INTO admin_login_links (token_hash, user_id, expires_at) VALUES ($1, $2, $3)")
        .await?;
    conn.execute(&stmt, &[&token_hash, &user_id, &expires_at]).await?;
    Ok(())
}

/// Use a login link: the admin it was for, if it exists, is unused and has not expired. It can
/// never be used again, whatever the answer.
pub async fn use_link(conn: &Connection, token_hash: &[u8]) -> Result<Option<i64>, StoreError> {
    let stmt = conn
        .prepare_cached(
            "UPDATE admin_login_links SET used_at = now()
             WHERE token_hash = $1 AND used_at IS NULL
             RETURNING user_id, expires_at > now()",
        )
        .await?;
    let row = conn.query_opt(&stmt, &[&token_hash]).await?;
    Ok(row.and_then(|r| r.get::<_, bool>(1).then(|| r.get(0))))
}

pub async fn create_session(
    conn: &Connection,
    token_hash: &[u8],
    user_id: i64,
    csrf: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let stmt = conn
        .prepare_cached("INSERT INTO admin_sessions (token_hash, user_id, csrf, expires_at) VALUES ($1, $2, $3, $4)")
        .await?;
    conn.execute(&stmt, &[&token_hash, &user_id, &csrf, &expires_at]).await?;
    Ok(())
}

/// A live session: (admin's user id, its CSRF token).
pub async fn session(conn: &Connection, token_hash: &[u8]) -> Result<Option<(i64, String)>, StoreError> {
    let stmt = conn
        .prepare_cached(
            "UPDATE admin_sessions SET last_seen_at = now()
             WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()
             RETURNING user_id, csrf",
        )
        .await?;
    Ok(conn.query_opt(&stmt, &[&token_hash]).await?.map(|r| (r.get(0), r.get(1))))
}

pub async fn revoke_session(conn: &Connection, token_hash: &[u8]) -> Result<(), StoreError> {
    let stmt = conn.prepare_cached("UPDATE admin_sessions SET revoked_at = now() WHERE token_hash = $1").await?;
    conn.execute(&stmt, &[&token_hash]).await?;
    Ok(())
}

/// An admin's live sessions: (digest prefix shown as an id, created, last seen, expires).
pub async fn sessions_of(
    conn: &Connection,
    user_id: i64,
) -> Result<Vec<(String, DateTime<Utc>, DateTime<Utc>, DateTime<Utc>)>, StoreError> {
    let stmt = conn
        .prepare_cached(
            "SELECT left(encode(token_hash, 'hex'), 12), created_at, last_seen_at, expires_at FROM admin_sessions
             WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now() ORDER BY created_at DESC",
        )
        .await?;
    let rows = conn.query(&stmt, &[&user_id]).await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect())
}

/// Revoke one of an admin's sessions by the id shown for it.
pub async fn revoke_session_by_id(conn: &Connection, user_id: i64, shown_id: &str) -> Result<bool, StoreError> {
    let stmt = conn
        .prepare_cached(
            "UPDATE admin_sessions SET revoked_at = now()
             WHERE user_id = $1 AND left(encode(token_hash, 'hex'), 12) = $2 AND revoked_at IS NULL",
        )
        .await?;
    Ok(conn.execute(&stmt, &[&user_id, &shown_id]).await? > 0)
}

pub async fn create_api_token(
    conn: &Connection,
    token_hash: &[u8],
    user_id: i64,
    name: &str,
) -> Result<i64, StoreError> {
    let stmt = conn
        .prepare_cached("INSERT INTO admin_api_tokens (token_hash, user_id, name) VALUES ($1, $2, $3) RETURNING id")
        .await?;
    Ok(conn.query_one(&stmt, &[&token_hash, &user_id, &name]).await?.get(0))
}

/// The admin a bearer token acts for.
pub async fn api_token(conn: &Connection, token_hash: &[u8]) -> Result<Option<i64>, StoreError> {
    let stmt = conn
        .prepare_cached(
            "UPDATE admin_api_tokens SET last_used_at = now() WHERE token_hash = $1 AND revoked_at IS NULL
             RETURNING user_id",
        )
        .await?;
    Ok(conn.query_opt(&stmt, &[&token_hash]).await?.map(|r| r.get(0)))
}

/// An admin's API tokens: (id, name, created, last used).
pub async fn api_tokens_of(
    conn: &Connection,
    user_id: i64,
) -> Result<Vec<(i64, String, DateTime<Utc>, Option<DateTime<Utc>>)>, StoreError> {
    let stmt = conn
        .prepare_cached(
            "SELECT id, name, created_at, last_used_at FROM admin_api_tokens
             WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id",
        )
        .await?;
    let rows = conn.query(&stmt, &[&user_id]).await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect())
}

pub async fn revoke_api_token(conn: &Connection, user_id: i64, id: i64) -> Result<bool, StoreError> {
    let stmt = conn
        .prepare_cached(
            "UPDATE admin_api_tokens SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
        )
        .await?;
    Ok(conn.execute(&stmt, &[&id, &user_id]).await? > 0)
}
