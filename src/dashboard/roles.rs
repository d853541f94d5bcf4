//! Who may do what in the dashboard. The table here is the one in `docs/admin.md`; a test
//! keeps the two in step.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Moderator,
    Admin,
    Superadmin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Moderator, Role::Admin, Role::Superadmin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
            Role::Superadmin => "superadmin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }

    pub fn may(self, permission: Permission) -> bool {
        self >= permission.least_role()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Every page and read of the API.
    View,
    /// Chat with the bot as a test player.
    UsePlayground,
    /// Ban and unban, message a player, reset a story, approve join requests.
    Moderate,
    /// Grant or take besitos, grant VIP days.
    ManageEconomy,
    /// Refund a payment.
    Refund,
    /// Edit trivia, missions, shop, plans, achievements; upload and activate stories.
    EditContent,
    /// Send a broadcast.
    Broadcast,
    /// Define tariffs and make VIP tokens.
    ManageTokens,
    /// Grant and revoke dashboard roles.
    ManageRoles,
}

impl Permission {
    pub const ALL: [Permission; 9] = [
        Permission::View,
        Permission::UsePlayground,
        Permission::Moderate,
        Permission::ManageEconomy,
        Permission::Refund,
        Permission::EditContent,
        Permission::Broadcast,
        Permission::ManageTokens,
        Permission::ManageRoles,
    ];

    /// The permission table: the least role that holds each permission.
    pub fn least_role(self) -> Role {
        match self {
            Permission::View | Permission::UsePlayground => Role::Viewer,
            Permission::Moderate => Role::Moderator,
            Permission::ManageEconomy
            | Permission::Refund
            | Permission::EditContent
            | Permission::Broadcast
            | Permission::ManageTokens => Role::Admin,
            Permission::ManageRoles => Role::Superadmin,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::View => "view",
            Permission::UsePlayground => "use_playground",
            Permission::Moderate => "moderate",
            Permission::ManageEconomy => "manage_economy",
            Permission::Refund => "refund",
            Permission::EditContent => "edit_content",
            Permission::Broadcast => "broadcast",
            Permission::ManageTokens => "manage_tokens",
            Permission::ManageRoles => "manage_roles",
        }
    }
}

/// A player's role: configuration's superadmins first, then what was granted.
pub fn resolve(user_id: i64, configured_superadmins: &[i64], granted: Option<&str>) -> Option<Role> {
    if configured_superadmins.contains(&user_id) {
        return Some(Role::Superadmin);
    }
    granted.and_then(Role::parse)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_and_each_holds_what_those_below_hold() {
        for permission in Permission::ALL {
            let holders: Vec<Role> = Role::ALL.into_iter().filter(|r| r.may(permission)).collect();
            assert_eq!(holders.first(), Some(&permission.least_role()));
            assert!(holders.contains(&Role::Superadmin), "{permission:?}");
        }
        assert!(Role::Viewer.may(Permission::View) && !Role::Viewer.may(Permission::Moderate));
        assert!(Role::Moderator.may(Permission::Moderate) && !Role::Moderator.may(Permission::ManageEconomy));
        assert!(Role::Admin.may(Permission::Refund) && !Role::Admin.may(Permission::ManageRoles));
    }

    #[test]
    fn configured_superadmins_win_and_unknown_roles_grant_nothing() {
        assert_eq!(resolve(7, &[7], Some("viewer")), Some(Role::Superadmin));
        assert_eq!(resolve(8, &[7], Some("moderator")), Some(Role::Moderator));
        assert_eq!(resolve(8, &[7], Some("owner")), None);
        assert_eq!(resolve(8, &[7], None), None);
    }

    /// `docs/admin.md` shows the same table as the code.
    #[test]
    fn the_documented_table_is_the_code() {
        let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/admin.md")).unwrap();
        for permission in Permission::ALL {
            let line = doc
                .lines()
                .find(|l| l.starts_with(&format!("| `{}` |", permission.as_str())))
                .unwrap_or_else(|| panic!("docs/admin.md has no row for {}", permission.as_str()));
            let marks: Vec<bool> = line.split('|').skip(3).take(4).map(|cell| cell.contains('✓')).collect();
            let expected: Vec<bool> = Role::ALL.into_iter().map(|r| r.may(permission)).collect();
            assert_eq!(marks, expected, "{line}");
        }
    }
}
