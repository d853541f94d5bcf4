//! What an admin can do to a player, for the pages and the API alike. Each change is audited in
//! the transaction that makes it (the functions it calls write the audit row).

use super::Dashboard;
use super::auth::Admin;
use diana_actors::admin::{self, AdminError};
use diana_actors::domain::Reply;
use diana_actors::payments::GrantVip;
use diana_actors::store::{self, StoreError};

/// An action and its fields, as posted.
pub struct PlayerAction<'a> {
    pub action: &'a str,
    pub amount: &'a str,
    pub reason: &'a str,
    pub plan: &'a str,
    pub days: &'a str,
    pub text: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// The admin's input: shown back to them.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Failed(String),
}

impl From<AdminError> for ActionError {
    fn from(error: AdminError) -> ActionError {
        match error {
            AdminError::Store(e) => ActionError::Failed(e.to_string()),
            other => ActionError::Invalid(other.to_string()),
        }
    }
}

impl From<StoreError> for ActionError {
    fn from(error: StoreError) -> ActionError {
        ActionError::Failed(error.to_string())
    }
}

/// The permission an action needs; `None` for an action that does not exist.
pub fn permission(action: &str) -> Option<super::roles::Permission> {
    use super::roles::Permission;
    match action {
        "besitos" | "vip" => Some(Permission::ManageEconomy),
        "ban" | "unban" | "message" | "story-reset" => Some(Permission::Moderate),
        _ => None,
    }
}

/// Apply an action; returns a short note of what was done.
pub async fn apply(
    dash: &Dashboard,
    admin: &Admin,
    user_id: i64,
    req: PlayerAction<'_>,
) -> Result<String, ActionError> {
    let actor = admin.actor();
    match req.action {
        "besitos" => {
            let amount: i64 = req
                .amount
                .trim()
                .parse()
                .map_err(|_| ActionError::Invalid("the amount must be a whole number".into()))?;
            let balance = admin::grant_besitos(
                &dash.pool,
                &dash.economy,
                dash.timezone,
                &actor,
                user_id,
                amount,
                req.reason,
                None,
            )
            .await?;
            Ok(format!("{amount:+} besitos → {balance}"))
        }
        "ban" | "unban" => {
            let banned = req.action == "ban";
            admin::set_ban(&dash.pool, &actor, user_id, banned, req.reason).await?;
            Ok(req.action.to_owned())
        }
        "vip" => {
            let days: u32 = req
                .days
                .trim()
                .parse()
                .ok()
                .filter(|d| (1..=3650).contains(d))
                .ok_or_else(|| ActionError::Invalid("days must be between 1 and 3650".into()))?;
            let reason = req.reason.trim();
            if reason.is_empty() || reason.chars().count() > 500 {
                return Err(AdminError::NoReason.into());
            }
            let Some(reconciler) = &dash.reconciler else {
                return Err(ActionError::Failed("payments are not running".into()));
            };
            let grant = GrantVip { admin: actor, user_id, plan: req.plan.to_owned(), days, reason: reason.to_owned() };
            match reconciler.send(grant).await.map_err(|e| ActionError::Failed(e.to_string()))?? {
                Some(until) => Ok(format!("VIP {} → {}", req.plan, until.format("%Y-%m-%d"))),
                None => Err(ActionError::Invalid(format!("no player {user_id} or no plan '{}'", req.plan))),
            }
        }
        "message" => {
            let text = req.text.trim();
            if text.is_empty() || text.chars().count() > 3500 {
                return Err(ActionError::Invalid("the message must have 1 to 3500 characters".into()));
            }
            send_message(dash, &actor, user_id, text).await?;
            Ok("✉".into())
        }
        "story-reset" => {
            reset_story(dash, &actor, user_id).await?;
            Ok("🔁".into())
        }
        other => Err(ActionError::Invalid(format!("unknown action '{other}'"))),
    }
}

/// A message to a player: committed to the outbox with its audit row, then handed to the sender.
async fn send_message(dash: &Dashboard, actor: &str, user_id: i64, text: &str) -> Result<(), ActionError> {
    let mut conn = dash.pool.get().await.map_err(StoreError::from)?;
    let tx = diana_actors::store::begin(&mut conn).await.map_err(StoreError::from)?;
    let Some(lang) = store::users::language_of_registered(&tx, user_id).await? else {
        return Err(ActionError::Invalid(format!("no player {user_id}")));
    };
    let lang = diana_actors::domain::Lang::from_language_code(lang.as_deref());
    let reply = Reply::MessageFromTeam { text: text.to_owned(), broadcast: None };
    let pending = store::outbox::Pending { chat_id: user_id, user_id: Some(user_id), lang, reply };
    let outgoing = store::outbox::insert(&tx, vec![pending]).await?;
    let after = serde_json::json!({ "text": text });
    store::audit::append(&tx, actor, "user.message", &format!("user:{user_id}"), None, Some(&after)).await?;
    tx.commit().await.map_err(StoreError::from)?;
    if let Some(sink) = &dash.sink {
        sink(outgoing);
    }
    Ok(())
}

/// Put a player's story back to its beginning, through their own actor (so it is serialised
/// with whatever they are doing), then audit it.
async fn reset_story(dash: &Dashboard, actor: &str, user_id: i64) -> Result<(), ActionError> {
    let Some(directory) = &dash.directory else {
        return Err(ActionError::Failed("the players are not running".into()));
    };
    let conn = dash.pool.get().await.map_err(StoreError::from)?;
    let Some(player) = store::users::load_player(&conn, user_id).await? else {
        return Err(ActionError::Invalid(format!("no player {user_id}")));
    };
    let identity = diana_actors::domain::Identity {
        user_id,
        first_name: player.first_name,
        last_name: player.last_name,
        username: player.username,
        language_code: player.language_code,
    };
    let update = diana_actors::domain::UserUpdate {
        update_id: None,
        identity,
        chat_id: user_id,
        action: diana_actors::domain::Action::StoryResetByAdmin,
    };
    match directory.deliver(update).await.map_err(|e| ActionError::Failed(e.to_string()))? {
        diana_actors::user::UpdateOutcome::Applied { outgoing, .. } => {
            if let Some(sink) = &dash.sink {
                sink(outgoing);
            }
        }
        diana_actors::user::UpdateOutcome::Duplicate => {}
    }
    super::audit(dash, actor, "story.reset", &format!("user:{user_id}"), None).await?;
    Ok(())
}
