//! A registered player as the user actor caches them, and the rules that read that state.

use super::{Identity, Lang};
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Player {
    pub user_id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub language_code: Option<String>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub total_points: i64,
    pub available_points: i64,
    pub current_streak: i32,
    pub longest_streak: i32,
    /// The day this actor last gave the player their missions (not stored: a restart re-checks).
    #[serde(skip)]
    pub missions_assigned_on: Option<chrono::NaiveDate>,
    /// The day this actor last counted the player active (not stored: a restart counts again,
    /// and the counter itself refuses a second count the same day).
    #[serde(skip)]
    pub counted_active_on: Option<chrono::NaiveDate>,
    /// What the actor knows of the player right now (kept in memory, built from updates).
    #[serde(skip)]
    pub context: super::context::PlayerContext,
    /// Their player type from the onboarding quiz, once they took it.
    pub archetype: Option<String>,
}

impl Player {
    pub fn lang(&self) -> Lang {
        Lang::from_language_code(self.language_code.as_deref())
    }

    /// Whether Telegram now describes the user differently from what we stored.
    pub fn identity_differs(&self, identity: &Identity) -> bool {
        self.first_name != identity.first_name
            || self.last_name != identity.last_name
            || self.username != identity.username
            || self.language_code != identity.language_code
    }

    /// Take the names and language Telegram sent with the latest update.
    pub fn adopt_identity(&mut self, identity: &Identity) {
        self.first_name.clone_from(&identity.first_name);
        self.last_name.clone_from(&identity.last_name);
        self.username.clone_from(&identity.username);
        self.language_code.clone_from(&identity.language_code);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ana() -> Player {
        Player {
            user_id: 1,
            first_name: "Ana".into(),
            last_name: None,
            username: Some("ana".into()),
            language_code: Some("es".into()),
            is_active: true,
            created_at: DateTime::from_timestamp(0, 0).unwrap(),
            total_points: 5,
            available_points: 3,
            current_streak: 2,
            longest_streak: 4,
            missions_assigned_on: None,
            counted_active_on: None,
            context: Default::default(),
            archetype: None,
        }
    }

    #[test]
    fn a_renamed_user_is_noticed_and_adopted() {
        let mut p = ana();
        let renamed = Identity {
            user_id: 1,
            first_name: "Ana María".into(),
            last_name: None,
            username: Some("ana".into()),
            language_code: Some("en".into()),
        };
        assert!(p.identity_differs(&renamed));
        p.adopt_identity(&renamed);
        assert!(!p.identity_differs(&renamed));
        assert_eq!(p.lang(), Lang::En);
    }
}
