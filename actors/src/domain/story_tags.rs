//! The tags writers put in the ink story, parsed into what the game does with them. Unknown or
//! malformed tags are kept as `Unknown` (logged by the engine), never a panic.

use super::story_rules::{RelationKind, Requirement};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoryTag {
    /// `# puntos:+10`: besitos through the ledger.
    Points(i64),
    /// `# relacion:diana:+2`: a change in a character's relationship.
    Relationship {
        character: String,
        delta: i32,
        kind: RelationKind,
    },
    /// `# logro:<id>`: an achievement event.
    Achievement(String),
    /// `# personaje:lucien`: who speaks.
    Speaker(String),
    /// `# imagen:<asset>`: a picture to send.
    Image(String),
    /// `# vip`: a VIP-only choice.
    VipOnly,
    /// `# coste:20`: the choice costs besitos.
    Cost(i64),
    /// `# capitulo:<n>`: a chapter starts.
    Chapter(u32),
    /// `# final:<id>`: an ending.
    Ending(String),
    /// `# pista:<id>`: the player finds a clue.
    Clue(String),
    /// `# requiere:nivel:2`: a chapter's unlock condition, at the top of its knot.
    Requires(Requirement),
    Unknown(String),
}

/// Ids and names in tags: 1-40 characters of `a-z`, `0-9`, `_` and `-`.
fn id(text: &str) -> Option<String> {
    let text = text.trim();
    let ok = (1..=40).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    ok.then(|| text.to_owned())
}

fn signed(text: &str) -> Option<i64> {
    let text = text.trim();
    text.strip_prefix('+').unwrap_or(text).parse::<i64>().ok().filter(|n| n.abs() <= 1_000_000)
}

pub fn parse(tag: &str) -> StoryTag {
    let raw = tag.trim();
    let unknown = || StoryTag::Unknown(raw.to_owned());
    let (name, value) = raw.split_once(':').unwrap_or((raw, ""));
    match name.trim().to_lowercase().as_str() {
        "puntos" => signed(value).map_or_else(unknown, StoryTag::Points),
        "relacion" => {
            let Some((character, rest)) = value.split_once(':') else { return unknown() };
            let (delta, kind) = match rest.split_once(':') {
                Some((delta, kind)) => (delta, RelationKind::parse(kind)),
                None => (rest, None),
            };
            match (id(character), signed(delta).and_then(|d| i32::try_from(d).ok())) {
                (Some(character), Some(delta)) if kind.is_some() || !rest.contains(':') => {
                    let kind = kind.unwrap_or_else(|| RelationKind::implied(delta));
                    StoryTag::Relationship { character, delta, kind }
                }
                _ => unknown(),
            }
        }
        "logro" => id(value).map_or_else(unknown, StoryTag::Achievement),
        "personaje" => id(value).map_or_else(unknown, StoryTag::Speaker),
        "imagen" => id(value).map_or_else(unknown, StoryTag::Image),
        "vip" if value.is_empty() => StoryTag::VipOnly,
        "coste" => signed(value).filter(|c| *c > 0).map_or_else(unknown, StoryTag::Cost),
        "capitulo" => value.trim().parse::<u32>().ok().filter(|n| *n > 0).map_or_else(unknown, StoryTag::Chapter),
        "final" => id(value).map_or_else(unknown, StoryTag::Ending),
        "pista" => id(value).map_or_else(unknown, StoryTag::Clue),
        "requiere" => Requirement::parse(value).map_or_else(unknown, StoryTag::Requires),
        _ => unknown(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_tag_of_the_writers_contract_parses() {
        assert_eq!(parse("puntos:+10"), StoryTag::Points(10));
        assert_eq!(parse(" puntos:-5 "), StoryTag::Points(-5));
        assert_eq!(
            parse("relacion:diana:+2"),
            StoryTag::Relationship { character: "diana".into(), delta: 2, kind: RelationKind::Friendship }
        );
        assert_eq!(
            parse("relacion:lucien:-1"),
            StoryTag::Relationship { character: "lucien".into(), delta: -1, kind: RelationKind::Rivalry }
        );
        assert_eq!(
            parse("relacion:diana:+3:romance"),
            StoryTag::Relationship { character: "diana".into(), delta: 3, kind: RelationKind::Romance }
        );
        assert_eq!(parse("requiere:nivel:2"), StoryTag::Requires(Requirement::Level(2)));
        assert_eq!(parse("requiere:vip"), StoryTag::Requires(Requirement::Vip));
        assert_eq!(parse("logro:primer_beso"), StoryTag::Achievement("primer_beso".into()));
        assert_eq!(parse("personaje:lucien"), StoryTag::Speaker("lucien".into()));
        assert_eq!(parse("imagen:cafe-noche"), StoryTag::Image("cafe-noche".into()));
        assert_eq!(parse("vip"), StoryTag::VipOnly);
        assert_eq!(parse("coste:20"), StoryTag::Cost(20));
        assert_eq!(parse("capitulo:2"), StoryTag::Chapter(2));
        assert_eq!(parse("final:primer_encuentro"), StoryTag::Ending("primer_encuentro".into()));
        assert_eq!(parse("pista:diario"), StoryTag::Clue("diario".into()));
    }

    #[test]
    fn malformed_tags_are_unknown() {
        for bad in [
            "puntos:diez",
            "relacion:diana",
            "relacion:Diana:+1",
            "relacion:diana:+1:amor",
            "requiere:edad:18",
            "coste:0",
            "coste:-3",
            "capitulo:0",
            "vip:si",
            "foo",
            "",
        ] {
            assert!(matches!(parse(bad), StoryTag::Unknown(_)), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn parsing_never_panics(s in ".{0,80}") {
            let _ = parse(&s);
        }
    }
}
