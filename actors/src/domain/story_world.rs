//! The people and the lore of the story, kept beside the ink files: `personajes.toml` (who may
//! speak, with a name and an emoji) and `pistas.toml` (the clues, where each can be found, and
//! which two reveal a third). They travel with the story, so a new version brings its own.

use serde::Deserialize;
use std::collections::BTreeSet;

pub const CHARACTERS_FILE: &str = "personajes.toml";
pub const CLUES_FILE: &str = "pistas.toml";
pub const MAX_CLUE_TEXT: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    #[error("{file} does not parse: {source}")]
    Parse {
        file: &'static str,
        #[source]
        source: toml::de::Error,
    },
    #[error("{file}: {message}")]
    Invalid { file: &'static str, message: String },
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Character {
    pub id: String,
    pub nombre: String,
    pub emoji: String,
    #[serde(default)]
    pub descripcion: String,
}

/// Where a clue can be found.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ClueOrigin {
    /// A `# pista:<id>` tag in the story.
    Historia,
    /// Now and then with the daily gift.
    Regalo,
    /// Bought in the shop.
    Tienda,
    /// Revealed by holding two others.
    Combinacion,
}

impl ClueOrigin {
    /// The value kept in `user_clues.source`.
    pub fn as_str(self) -> &'static str {
        match self {
            ClueOrigin::Historia => "historia",
            ClueOrigin::Regalo => "regalo",
            ClueOrigin::Tienda => "tienda",
            ClueOrigin::Combinacion => "combinacion",
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Clue {
    pub id: String,
    pub nombre: String,
    pub texto: String,
    pub origen: ClueOrigin,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Combination {
    pub a: String,
    pub b: String,
    pub revela: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct World {
    pub characters: Vec<Character>,
    pub clues: Vec<Clue>,
    pub combinations: Vec<Combination>,
}

#[derive(Deserialize)]
struct CharactersFile {
    #[serde(default)]
    personaje: Vec<Character>,
}

#[derive(Deserialize)]
struct CluesFile {
    #[serde(default)]
    pista: Vec<Clue>,
    #[serde(default)]
    combinacion: Vec<Combination>,
}

fn valid_id(id: &str) -> bool {
    (1..=40).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl World {
    /// Parse both files (either may be missing: an empty text is an empty list).
    pub fn parse(characters: &str, clues: &str) -> Result<World, WorldError> {
        let c: CharactersFile =
            toml::from_str(characters).map_err(|source| WorldError::Parse { file: CHARACTERS_FILE, source })?;
        let p: CluesFile = toml::from_str(clues).map_err(|source| WorldError::Parse { file: CLUES_FILE, source })?;
        let world = World { characters: c.personaje, clues: p.pista, combinations: p.combinacion };
        world.validate()?;
        Ok(world)
    }

    fn validate(&self) -> Result<(), WorldError> {
        let bad = |file, message: String| Err(WorldError::Invalid { file, message });
        let mut seen = BTreeSet::new();
        for c in &self.characters {
            if !valid_id(&c.id) || !seen.insert(c.id.as_str()) {
                return bad(CHARACTERS_FILE, format!("character id '{}' is malformed or repeated", c.id));
            }
            if c.nombre.trim().is_empty() || c.emoji.trim().is_empty() {
                return bad(CHARACTERS_FILE, format!("character '{}' needs a nombre and an emoji", c.id));
            }
        }
        let mut seen = BTreeSet::new();
        for clue in &self.clues {
            if !valid_id(&clue.id) || !seen.insert(clue.id.as_str()) {
                return bad(CLUES_FILE, format!("clue id '{}' is malformed or repeated", clue.id));
            }
            if clue.nombre.trim().is_empty() || clue.texto.trim().is_empty() {
                return bad(CLUES_FILE, format!("clue '{}' needs a nombre and a texto", clue.id));
            }
            // One clue must fit a message with room to spare; lore longer than this is a chapter.
            if clue.nombre.chars().count() > 80 || clue.texto.chars().count() > MAX_CLUE_TEXT {
                return bad(CLUES_FILE, format!("clue '{}' is too long (nombre 80, texto {MAX_CLUE_TEXT})", clue.id));
            }
        }
        for combo in &self.combinations {
            for id in [&combo.a, &combo.b, &combo.revela] {
                if self.clue(id).is_none() {
                    return bad(CLUES_FILE, format!("combination names an unknown clue '{id}'"));
                }
            }
            if combo.a == combo.b || combo.revela == combo.a || combo.revela == combo.b {
                return bad(CLUES_FILE, format!("combination revealing '{}' must join two other clues", combo.revela));
            }
        }
        Ok(())
    }

    pub fn character(&self, id: &str) -> Option<&Character> {
        self.characters.iter().find(|c| c.id == id)
    }

    pub fn clue(&self, id: &str) -> Option<&Clue> {
        self.clues.iter().find(|c| c.id == id)
    }

    /// Clues of an origin the player does not hold yet, in file order.
    pub fn missing_from<'a>(
        &'a self,
        origin: ClueOrigin,
        held: &'a BTreeSet<String>,
    ) -> impl Iterator<Item = &'a Clue> {
        self.clues.iter().filter(move |c| c.origen == origin && !held.contains(&c.id))
    }

    /// Clues revealed by combinations of those held (repeatedly: a revealed clue may complete
    /// another pair), not counting those already held.
    pub fn revealed_by(&self, held: &BTreeSet<String>) -> Vec<String> {
        let mut all = held.clone();
        let mut found = Vec::new();
        loop {
            let next =
                self.combinations.iter().find(|c| all.contains(&c.a) && all.contains(&c.b) && !all.contains(&c.revela));
            let Some(combo) = next else { return found };
            all.insert(combo.revela.clone());
            found.push(combo.revela.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLUES: &str = r#"
        [[pista]]
        id = "a"
        nombre = "A"
        texto = "la primera"
        origen = "historia"
        [[pista]]
        id = "b"
        nombre = "B"
        texto = "la segunda"
        origen = "regalo"
        [[pista]]
        id = "c"
        nombre = "C"
        texto = "la tercera"
        origen = "combinacion"
        [[combinacion]]
        a = "a"
        b = "b"
        revela = "c"
    "#;

    #[test]
    fn the_shipped_world_is_valid() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/story");
        let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
        let world = World::parse(&read(CHARACTERS_FILE), &read(CLUES_FILE)).unwrap();
        for id in ["diana", "lucien"] {
            assert!(world.character(id).is_some(), "{id}");
        }
        assert!(world.characters.len() >= 3);
        assert!(!world.combinations.is_empty());
        for origin in [ClueOrigin::Historia, ClueOrigin::Regalo, ClueOrigin::Tienda] {
            assert!(world.clues.iter().any(|c| c.origen == origin), "{origin:?}");
        }
    }

    #[test]
    fn two_clues_reveal_a_third_once() {
        let world = World::parse("", CLUES).unwrap();
        let held = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(world.revealed_by(&held(&["a"])), Vec::<String>::new());
        assert_eq!(world.revealed_by(&held(&["a", "b"])), vec!["c".to_owned()]);
        assert_eq!(world.revealed_by(&held(&["a", "b", "c"])), Vec::<String>::new());
        assert_eq!(world.missing_from(ClueOrigin::Regalo, &held(&["a"])).count(), 1);
        assert_eq!(world.missing_from(ClueOrigin::Regalo, &held(&["b"])).count(), 0);
    }

    #[test]
    fn mistakes_name_the_file() {
        let unknown = CLUES.replace("revela = \"c\"", "revela = \"z\"");
        let err = World::parse("", &unknown).unwrap_err().to_string();
        assert!(err.starts_with("pistas.toml") && err.contains("'z'"), "{err}");
        let twice =
            "[[personaje]]\nid='diana'\nnombre='D'\nemoji='💋'\n[[personaje]]\nid='diana'\nnombre='D'\nemoji='💋'\n";
        assert!(World::parse(twice, "").unwrap_err().to_string().starts_with("personajes.toml"));
        assert!(matches!(World::parse("[[personaje]]\nid=1", ""), Err(WorldError::Parse { .. })));
    }
}
