//! Game content an admin can change while the server runs: the trivia bank, missions, shop,
//! achievements and VIP plans. Each is a TOML document (shipped in `assets/`, or a version
//! uploaded from the dashboard), checked before it goes live, and held on a shelf every reader
//! shares: actors and renderers take the current one per use, so a new version applies to the
//! next update without a restart.

use crate::domain::achievements::Achievements;
use crate::domain::missions::Missions;
use crate::domain::plans::Plans;
use crate::domain::shop::Catalogue;
use crate::domain::trivia::Bank;
use std::sync::{Arc, LazyLock, RwLock};

/// A value readers share and an admin can replace: each read is a cheap `Arc` clone, and a
/// reader keeps the version it took for as long as it holds it.
pub struct Live<T>(Arc<RwLock<Arc<T>>>);

impl<T> Clone for Live<T> {
    fn clone(&self) -> Self {
        Live(Arc::clone(&self.0))
    }
}

impl<T: Default> Default for Live<T> {
    fn default() -> Self {
        Live::new(T::default())
    }
}

impl<T> std::fmt::Debug for Live<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Live(..)")
    }
}

impl<T> Live<T> {
    pub fn new(value: T) -> Live<T> {
        Live(Arc::new(RwLock::new(Arc::new(value))))
    }

    pub fn get(&self) -> Arc<T> {
        Arc::clone(&self.0.read().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    pub fn set(&self, value: T) {
        *self.0.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(value);
    }
}

/// The kinds of content that can be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentKind {
    Trivia,
    Missions,
    Shop,
    Achievements,
    Plans,
}

impl ContentKind {
    pub const ALL: [ContentKind; 5] =
        [ContentKind::Trivia, ContentKind::Missions, ContentKind::Shop, ContentKind::Achievements, ContentKind::Plans];

    pub fn as_str(self) -> &'static str {
        match self {
            ContentKind::Trivia => "trivia",
            ContentKind::Missions => "missions",
            ContentKind::Shop => "shop",
            ContentKind::Achievements => "achievements",
            ContentKind::Plans => "plans",
        }
    }

    pub fn parse(name: &str) -> Option<ContentKind> {
        ContentKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The file it ships as, in `assets/`.
    pub fn file_name(self) -> &'static str {
        match self {
            ContentKind::Trivia => "trivia.toml",
            ContentKind::Missions => "missions.toml",
            ContentKind::Shop => "shop.toml",
            ContentKind::Achievements => "achievements.toml",
            ContentKind::Plans => "plans.toml",
        }
    }

    /// The document shipped with the binary.
    pub fn embedded(self) -> &'static str {
        match self {
            ContentKind::Trivia => crate::domain::trivia::EMBEDDED,
            ContentKind::Missions => crate::domain::missions::EMBEDDED,
            ContentKind::Shop => crate::domain::shop::EMBEDDED,
            ContentKind::Achievements => crate::domain::achievements::EMBEDDED,
            ContentKind::Plans => crate::domain::plans::EMBEDDED,
        }
    }

    /// Parse and check a document of this kind, as it would go live.
    pub fn check(self, text: &str) -> Result<Parsed, String> {
        let parsed = match self {
            ContentKind::Trivia => Bank::parse(text).map(Parsed::Trivia).map_err(|e| e.to_string()),
            ContentKind::Missions => Missions::parse(text).map(Parsed::Missions).map_err(|e| e.to_string()),
            ContentKind::Shop => Catalogue::parse(text).map(Parsed::Shop).map_err(|e| e.to_string()),
            ContentKind::Achievements => Achievements::parse(text).map(Parsed::Achievements).map_err(|e| e.to_string()),
            ContentKind::Plans => Plans::parse(text).map(Parsed::Plans).map_err(|e| e.to_string()),
        }?;
        if parsed.ids().is_empty() {
            return Err(format!("{} must define at least one entry", self.file_name()));
        }
        Ok(parsed)
    }
}

/// A checked document, ready to go live.
#[derive(Debug, Clone)]
pub enum Parsed {
    Trivia(Bank),
    Missions(Missions),
    Shop(Catalogue),
    Achievements(Achievements),
    Plans(Plans),
}

impl Parsed {
    pub fn kind(&self) -> ContentKind {
        match self {
            Parsed::Trivia(_) => ContentKind::Trivia,
            Parsed::Missions(_) => ContentKind::Missions,
            Parsed::Shop(_) => ContentKind::Shop,
            Parsed::Achievements(_) => ContentKind::Achievements,
            Parsed::Plans(_) => ContentKind::Plans,
        }
    }

    /// The ids it defines, in its order.
    pub fn ids(&self) -> Vec<String> {
        match self {
            Parsed::Trivia(bank) => bank.questions.iter().map(|q| q.id.clone()).collect(),
            Parsed::Missions(missions) => missions.all.iter().map(|m| m.id.clone()).collect(),
            Parsed::Shop(catalogue) => catalogue.items.iter().map(|i| i.id.clone()).collect(),
            Parsed::Achievements(achievements) => achievements.all.iter().map(|a| a.id.clone()).collect(),
            Parsed::Plans(plans) => plans.all.iter().map(|p| p.id.clone()).collect(),
        }
    }

    /// A one-line account of what it holds, for the check report.
    pub fn summary(&self) -> Vec<(&'static str, usize)> {
        let ids = self.ids().len();
        match self {
            Parsed::Trivia(bank) => {
                let vip = bank.questions.iter().filter(|q| q.vip).count();
                vec![("questions", ids), ("vip_only", vip)]
            }
            Parsed::Missions(_) => vec![("missions", ids)],
            Parsed::Shop(catalogue) => {
                let vip = catalogue.items.iter().filter(|i| i.vip_only).count();
                vec![("items", ids), ("vip_only", vip)]
            }
            Parsed::Achievements(achievements) => {
                let secret = achievements.all.iter().filter(|a| a.secret).count();
                vec![("achievements", ids), ("secret", secret)]
            }
            Parsed::Plans(_) => vec![("plans", ids)],
        }
    }
}

/// How a new version differs from the running one, by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Changes {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub kept: usize,
}

/// What `next` adds to and removes from `current`.
pub fn changes(current: &[String], next: &[String]) -> Changes {
    let (now, then): (std::collections::HashSet<&String>, std::collections::HashSet<&String>) =
        (current.iter().collect(), next.iter().collect());
    let added = next.iter().filter(|id| !now.contains(id)).cloned().collect();
    let removed: Vec<String> = current.iter().filter(|id| !then.contains(id)).cloned().collect();
    Changes { added, removed: removed.clone(), kept: current.len() - removed.len() }
}

/// Every replaceable document, live.
#[derive(Clone, Debug)]
pub struct Content {
    pub trivia: Live<Bank>,
    pub missions: Live<Missions>,
    pub shop: Live<Catalogue>,
    pub achievements: Live<Achievements>,
    pub plans: Live<Plans>,
}

impl Content {
    /// The documents shipped with the binary (checked by tests, so they parse).
    pub fn embedded() -> Result<Content, String> {
        Ok(Content {
            trivia: Live::new(Bank::embedded().map_err(|e| e.to_string())?),
            missions: Live::new(Missions::embedded().map_err(|e| e.to_string())?),
            shop: Live::new(Catalogue::embedded().map_err(|e| e.to_string())?),
            achievements: Live::new(Achievements::embedded().map_err(|e| e.to_string())?),
            plans: Live::new(Plans::embedded().map_err(|e| e.to_string())?),
        })
    }

    /// Put a checked document live.
    pub fn apply(&self, parsed: Parsed) {
        match parsed {
            Parsed::Trivia(bank) => self.trivia.set(bank),
            Parsed::Missions(missions) => self.missions.set(missions),
            Parsed::Shop(catalogue) => self.shop.set(catalogue),
            Parsed::Achievements(achievements) => self.achievements.set(achievements),
            Parsed::Plans(plans) => self.plans.set(plans),
        }
    }

    /// The ids of the running document of a kind.
    pub fn ids(&self, kind: ContentKind) -> Vec<String> {
        match kind {
            ContentKind::Trivia => self.trivia.get().questions.iter().map(|q| q.id.clone()).collect(),
            ContentKind::Missions => self.missions.get().all.iter().map(|m| m.id.clone()).collect(),
            ContentKind::Shop => self.shop.get().items.iter().map(|i| i.id.clone()).collect(),
            ContentKind::Achievements => self.achievements.get().all.iter().map(|a| a.id.clone()).collect(),
            ContentKind::Plans => self.plans.get().all.iter().map(|p| p.id.clone()).collect(),
        }
    }
}

/// What a version would change, and whether it may go live now.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Review {
    pub summary: Vec<(&'static str, usize)>,
    pub changes: Changes,
    /// Reasons it may not go live yet: it takes away what players hold (an item in a backpack,
    /// an unlocked achievement, a plan someone pays for or can still buy).
    pub blocking: Vec<String>,
    /// What changes for players in the middle of something (a mission, a question).
    pub warnings: Vec<String>,
}

/// More reasons a version may not go live, from outside the game (the PayPal plans configured
/// for the plans on sale, say).
pub type Guard<'a> = &'a (dyn Fn(&Parsed) -> Vec<String> + Sync);

/// No reasons from outside.
pub fn unguarded(_: &Parsed) -> Vec<String> {
    Vec::new()
}

/// Compare a checked version with the running one, and with what players hold.
pub async fn review(
    conn: &crate::store::Connection,
    content: &Content,
    parsed: &Parsed,
    guard: Guard<'_>,
) -> Result<Review, crate::store::StoreError> {
    let kind = parsed.kind();
    let changes = changes(&content.ids(kind), &parsed.ids());
    let held = crate::store::content::held(conn, kind, &changes.removed).await?;
    let (mut blocking, mut warnings) = (Vec::new(), Vec::new());
    for (id, count) in held {
        let players = if count >= crate::store::content::HELD_COUNT_CAP {
            format!("more than {}", crate::store::content::HELD_COUNT_CAP - 1)
        } else {
            count.to_string()
        };
        match kind {
            ContentKind::Shop => blocking.push(format!("'{id}' is in {players} players' backpacks")),
            ContentKind::Achievements => blocking.push(format!("'{id}' has been unlocked ({players} unlocks)")),
            ContentKind::Plans => blocking
                .push(format!("'{id}' is paid for or on sale ({players} subscriptions, tariffs or open invoices)")),
            ContentKind::Missions => {
                warnings.push(format!("'{id}' is under way ({players} open); those will end unpaid"))
            }
            ContentKind::Trivia => warnings.push(format!("'{id}' awaits {players} answers; those will expire")),
        }
    }
    blocking.extend(guard(parsed));
    Ok(Review { summary: parsed.summary(), changes, blocking, warnings })
}

#[derive(Debug, thiserror::Error)]
pub enum ActivateError {
    #[error("no version {0} of this kind")]
    NoSuchVersion(i64),
    #[error("it does not check: {0}")]
    Invalid(String),
    #[error("it cannot go live yet: {}", .0.join("; "))]
    StillHeld(Vec<String>),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// What went live.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Activated {
    pub kind: ContentKind,
    /// `None`: the shipped document.
    pub version: Option<i64>,
    pub previous: Option<i64>,
    pub changes: Changes,
}

/// Put a saved version (or, with `None`, the shipped document) live for everyone, now: checked
/// again, refused while it would take away what players hold, recorded so it outlives
/// restarts. Achievement definitions are written to their table first, as unlocks refer to them.
pub async fn activate(
    conn: &crate::store::Connection,
    content: &Content,
    kind: ContentKind,
    version: Option<i64>,
    by: &str,
    guard: Guard<'_>,
) -> Result<Activated, ActivateError> {
    let text = match version {
        Some(id) => crate::store::content::get(conn, kind, id).await?.ok_or(ActivateError::NoSuchVersion(id))?.body,
        None => kind.embedded().to_owned(),
    };
    let parsed = kind.check(&text).map_err(ActivateError::Invalid)?;
    // One activation at a time: each is reviewed against the one before it, and what is
    // recorded and what runs happen in the same order.
    let _one_at_a_time = ACTIVATING.lock().await;
    let review = review(conn, content, &parsed, guard).await?;
    if !review.blocking.is_empty() {
        return Err(ActivateError::StillHeld(review.blocking));
    }
    if let Parsed::Achievements(achievements) = &parsed {
        crate::store::achievements::sync(conn, &achievements.all).await?;
    }
    let previous = crate::store::content::running_id(conn, kind).await?;
    crate::store::content::record_activation(conn, kind, version, by).await?;
    content.apply(parsed);
    tracing::info!(kind = kind.as_str(), ?version, by, "content version activated");
    // A purchase or an unlock of a removed id could land between the review and now; it is
    // reported, for an admin to settle (the player keeps it; the game no longer offers it).
    let late = crate::store::content::held(conn, kind, &review.changes.removed).await?;
    if !late.is_empty() && matches!(kind, ContentKind::Shop | ContentKind::Achievements | ContentKind::Plans) {
        crate::metrics::count_error("content_removed_while_held");
        tracing::error!(kind = kind.as_str(), ?late, "players came to hold what this version removed");
    }
    Ok(Activated { kind, version, previous, changes: review.changes })
}

/// Put live the versions the dashboard activated (they outlive restarts). A stored version
/// that no longer checks (a newer binary reads it differently) is reported, and the shipped
/// document runs instead. Returns the kinds and versions now running.
pub async fn load_running(
    conn: &crate::store::Connection,
    content: &Content,
) -> Result<Vec<(ContentKind, i64)>, crate::store::StoreError> {
    let mut running = Vec::new();
    for (kind, version) in crate::store::content::running(conn).await? {
        match kind.check(&version.body) {
            Ok(parsed) => {
                content.apply(parsed);
                running.push((kind, version.id));
                tracing::info!(kind = kind.as_str(), version = version.id, "content version running");
            }
            Err(error) => {
                crate::metrics::count_error("content_version_invalid");
                tracing::error!(kind = kind.as_str(), version = version.id, %error, "an activated content version no longer checks; running the shipped one");
            }
        }
    }
    Ok(running)
}

static ACTIVATING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

static SHELF: LazyLock<Content> =
    LazyLock::new(|| Content::embedded().expect("the shipped content documents parse (tested)"));

/// The process's content: what the server runs with, and what renderers read. Tests that
/// need other content build their own `Content`.
pub fn shelf() -> &'static Content {
    &SHELF
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_document_checks() {
        for kind in ContentKind::ALL {
            let parsed = kind.check(kind.embedded()).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
            assert_eq!(parsed.kind(), kind);
            assert!(!parsed.ids().is_empty());
            assert_eq!(ContentKind::parse(kind.as_str()), Some(kind));
        }
    }

    #[test]
    fn a_broken_document_says_where() {
        let error = ContentKind::Shop.check("[[item]]\nid = \"x\"\nprice = \n").unwrap_err();
        assert!(error.contains("line 3"), "{error}");
        let empty = ContentKind::Plans.check("").unwrap_err();
        assert!(empty.contains("plans.toml"), "{empty}");
    }

    #[test]
    fn a_new_version_goes_live_for_the_next_reader_only() {
        let content = Content::embedded().unwrap();
        let held = content.shop.get();
        let text = ContentKind::Shop.embedded().replacen("price = ", "price = 1", 1);
        let parsed = ContentKind::Shop.check(&text).unwrap();
        content.apply(parsed);
        assert_ne!(content.shop.get().items[0].price, held.items[0].price, "the next read sees it");
        assert_eq!(held.items[0].price, Catalogue::embedded().unwrap().items[0].price, "a held one stays");
    }

    #[test]
    fn changes_are_counted_by_id() {
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let c = changes(&ids(&["a", "b", "c"]), &ids(&["b", "c", "d"]));
        assert_eq!(c, Changes { added: ids(&["d"]), removed: ids(&["a"]), kept: 2 });
    }
}

#[cfg(test)]
#[path = "content_tests.rs"]
mod store_tests;
