//! The shop's catalogue (`assets/shop.toml`) and who may buy what.

use serde::Deserialize;

pub const EMBEDDED: &str = include_str!("../../../assets/shop.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Consumable,
    Boost,
    Mystery,
    Clue,
    Title,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Item {
    pub id: String,
    pub kind: ItemKind,
    pub price: i64,
    #[serde(default)]
    pub max_owned: Option<i32>,
    #[serde(default = "first_level")]
    pub min_level: u32,
    #[serde(default)]
    pub vip_only: bool,
    #[serde(default)]
    pub factor: Option<f64>,
    #[serde(default)]
    pub hours: Option<u32>,
    #[serde(default)]
    pub title_es: Option<String>,
    #[serde(default)]
    pub title_en: Option<String>,
    #[serde(flatten)]
    pub wording: super::wording::Wording,
}

fn first_level() -> u32 {
    1
}

#[derive(Debug, Clone, Deserialize)]
pub struct Catalogue {
    #[serde(rename = "item")]
    pub items: Vec<Item>,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("shop catalogue does not parse: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("shop catalogue is inconsistent: {0}")]
    Invalid(String),
}

/// Why a purchase is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Refusal {
    UnknownItem,
    LevelTooLow { needed: u32 },
    VipOnly,
    AlreadyOwned,
    NotEnoughBesitos { missing: i64 },
}

impl Catalogue {
    pub fn embedded() -> Result<Catalogue, CatalogueError> {
        Catalogue::parse(EMBEDDED)
    }

    pub fn parse(text: &str) -> Result<Catalogue, CatalogueError> {
        let catalogue: Catalogue = toml::from_str(text)?;
        let mut seen = std::collections::HashSet::new();
        for item in &catalogue.items {
            let bad = |m: &str| Err(CatalogueError::Invalid(format!("item {}: {m}", item.id)));
            if !seen.insert(item.id.as_str()) {
                return bad("listed twice");
            }
            // Item ids travel in button data (64 bytes with the rest).
            if item.id.is_empty() || item.id.len() > 24 || !item.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
            {
                return bad("ids are 1-24 characters of a-z and _");
            }
            if item.price <= 0 {
                return bad("needs a positive price");
            }
            match item.kind {
                ItemKind::Boost if item.factor.is_none_or(|f| f < 1.0) || item.hours.is_none_or(|h| h == 0) => {
                    return bad("a boost needs factor ≥ 1 and hours > 0");
                }
                ItemKind::Title if item.title_es.is_none() || item.title_en.is_none() => {
                    return bad("a title needs title_es and title_en");
                }
                _ => {}
            }
        }
        Ok(catalogue)
    }

    pub fn get(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }
}

/// Whether a player may buy `item` now.
pub fn may_buy(item: &Item, level: u32, vip: bool, owned: i32, balance: i64) -> Result<(), Refusal> {
    if level < item.min_level {
        return Err(Refusal::LevelTooLow { needed: item.min_level });
    }
    if item.vip_only && !vip {
        return Err(Refusal::VipOnly);
    }
    if item.max_owned.is_some_and(|max| owned >= max) {
        return Err(Refusal::AlreadyOwned);
    }
    super::points::spend(balance, item.price).map(drop).map_err(|missing| Refusal::NotEnoughBesitos { missing })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalogue_has_what_the_game_needs() {
        let c = Catalogue::embedded().unwrap();
        for id in ["streak_freeze", "clue_hint", "double_besitos", "mystery_box"] {
            assert!(c.get(id).is_some(), "{id}");
        }
        assert!(c.items.iter().filter(|i| i.kind == ItemKind::Title).count() >= 3);
        assert!(c.items.iter().any(|i| i.vip_only) && c.items.iter().any(|i| i.min_level > 1));
    }

    #[test]
    fn purchase_rules_in_order() {
        let c = Catalogue::embedded().unwrap();
        let freeze = c.get("streak_freeze").unwrap();
        assert_eq!(may_buy(freeze, 1, false, 0, 60), Ok(()));
        assert_eq!(may_buy(freeze, 1, false, 0, 59), Err(Refusal::NotEnoughBesitos { missing: 1 }));
        assert_eq!(may_buy(freeze, 1, false, 3, 1000), Err(Refusal::AlreadyOwned));
        let poet = c.get("title_poeta").unwrap();
        assert_eq!(may_buy(poet, 2, false, 0, 9999), Err(Refusal::LevelTooLow { needed: 3 }));
        let enigma = c.get("title_enigma").unwrap();
        assert_eq!(may_buy(enigma, 9, false, 0, 9999), Err(Refusal::VipOnly));
        assert_eq!(may_buy(enigma, 9, true, 0, 9999), Ok(()));
    }

    #[test]
    fn inconsistent_catalogues_are_refused() {
        let twice =
            format!("{EMBEDDED}\n{}", EMBEDDED.split("[[item]]").nth(1).map(|s| format!("[[item]]{s}")).unwrap());
        assert!(matches!(Catalogue::parse(&twice), Err(CatalogueError::Invalid(_))));
        let free = EMBEDDED.replacen("price = 60", "price = 0", 1);
        assert!(matches!(Catalogue::parse(&free), Err(CatalogueError::Invalid(_))));
    }
}
