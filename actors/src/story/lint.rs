//! `diana story check`: compile a story folder, read every tag in its sources, play every path
//! with the explorer, and report what a writer must fix (errors), what they should look at
//! (warnings), and the story's size.

use super::StoryBook;
use super::explore::{self, Exploration, Profile};
use crate::domain::achievements::Achievements;
use crate::domain::story_tags::{self, StoryTag};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// How deep and wide the explorer goes: deeper than any path of a sane story.
pub const MAX_DEPTH: usize = 300;
pub const MAX_STATES: usize = 40_000;

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    pub chapters: usize,
    pub knots: usize,
    pub stitches: usize,
    pub choices: usize,
    pub words: usize,
    pub endings: usize,
}

#[derive(Debug, Default)]
pub struct Report {
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    pub stats: Stats,
    pub exploration: Exploration,
}

struct SourceLine {
    file: String,
    number: usize,
    text: String,
}

fn sources(dir: &Path) -> Vec<SourceLine> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|x| x == "ink"));
    files.sort();
    let mut lines = Vec::new();
    for path in files {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let mut in_block_comment = false;
        for (i, raw) in text.lines().enumerate() {
            let mut line = raw.to_owned();
            if in_block_comment {
                match line.find("*/") {
                    Some(end) => {
                        line = line[end + 2..].to_owned();
                        in_block_comment = false;
                    }
                    None => continue,
                }
            }
            if let Some(start) = line.find("/*") {
                in_block_comment = !line[start..].contains("*/");
                line.truncate(start);
            }
            if let Some(comment) = line.find("//") {
                line.truncate(comment);
            }
            lines.push(SourceLine { file: name.clone(), number: i + 1, text: line });
        }
    }
    lines
}

/// The tags written on a line: each `#` up to the next `#`, `]` or the end.
fn tags_on(line: &str) -> Vec<String> {
    let mut tags = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find('#') {
        let after = &rest[at + 1..];
        let end = after.find(['#', ']']).unwrap_or(after.len());
        let tag = after[..end].trim();
        if !tag.is_empty() {
            tags.push(tag.to_owned());
        }
        rest = &after[end..];
    }
    tags
}

fn knot_name(line: &str) -> Option<String> {
    let trimmed = line.trim_start();
    if !trimmed.starts_with("==") {
        return None;
    }
    let name = trimmed.trim_start_matches('=').trim();
    let name = name.split(['=', '(']).next()?.trim();
    if name.starts_with("function ") || name.is_empty() {
        return None;
    }
    Some(name.to_owned())
}

/// What a choice line has after its `]` other than a divert: the engine drops it.
fn after_brackets(line: &str) -> Option<String> {
    let after = line[line.rfind(']')? + 1..].trim();
    let after = after.split("->").next().unwrap_or_default().trim();
    (!after.is_empty()).then(|| after.to_owned())
}

/// A stitch (`= name`) inside the knot above it.
fn stitch_name(line: &str) -> Option<String> {
    let rest = line.trim_start().strip_prefix('=')?;
    if rest.starts_with('=') {
        return None;
    }
    let name = rest.trim().split(['(', ' ']).next()?.trim();
    (!name.is_empty()).then(|| name.to_owned())
}

fn is_choice(line: &str) -> bool {
    let t = line.trim_start();
    (t.starts_with('*') || t.starts_with('+')) && !t.starts_with("*/")
}

/// Words a player reads: text lines and choice texts, without logic, tags or diverts.
fn words(line: &str) -> usize {
    let t = line.trim();
    if t.is_empty()
        || t.starts_with('~')
        || t.starts_with('=')
        || t.starts_with('#')
        || t.starts_with("VAR ")
        || t.starts_with("CONST ")
        || t.starts_with("INCLUDE ")
        || t.starts_with("EXTERNAL ")
        || t.starts_with("->")
    {
        return 0;
    }
    let text = t.trim_start_matches(['*', '+', '-', ' ']);
    let text = text.split('#').next().unwrap_or_default();
    let text = text.split("->").next().unwrap_or_default();
    text.split_whitespace().filter(|w| w.chars().any(char::is_alphabetic)).count()
}

pub fn check(dir: &Path) -> Report {
    let mut report = Report::default();
    let book = match StoryBook::load(dir, None) {
        Ok(book) => book,
        Err(error) => {
            report.errors.push(error.to_string());
            return report;
        }
    };
    // The running definitions: an admin may have changed them from the dashboard.
    let achievements = Some((*crate::content::shelf().achievements.get()).clone());
    let lines = sources(dir);
    let mut knots = BTreeSet::new();
    let mut stitches = BTreeSet::new();
    let mut endings = BTreeSet::new();
    let mut current_knot = String::new();
    for line in &lines {
        let at = format!("{}:{}", line.file, line.number);
        if let Some(knot) = knot_name(&line.text) {
            current_knot.clone_from(&knot);
            knots.insert(knot);
        } else if let Some(stitch) = stitch_name(&line.text) {
            stitches.insert(format!("{current_knot}.{stitch}"));
        }
        if is_choice(&line.text) {
            report.stats.choices += 1;
            if let Some(after) = after_brackets(&line.text) {
                report.errors.push(format!(
                    "{at}: '{after}' after the choice's ']' is lost by the engine: put tags inside the brackets \
                     and text on the lines below"
                ));
            }
        }
        report.stats.words += words(&line.text);
        for raw in tags_on(&line.text) {
            let tag = story_tags::parse(&raw);
            if let Some(problem) = problem(&book, achievements.as_ref(), &tag) {
                report.errors.push(format!("{at}: {problem}"));
            }
            if matches!(tag, StoryTag::VipOnly | StoryTag::Cost(_)) && !is_choice(&line.text) {
                report.errors.push(format!("{at}: '#{raw}' gates a choice: put it inside the choice's brackets"));
            }
            if let StoryTag::Ending(id) = tag {
                endings.insert(id);
            }
        }
    }
    let found = explore::explore(&book, &[Profile::free(), Profile::vip(&book)], MAX_DEPTH, MAX_STATES);
    report.errors.extend(found.failures.iter().map(|f| format!("the engine failed while playing: {f}")));
    report.errors.extend(found.problems.iter().cloned());
    for ending in endings.difference(&found.endings) {
        report.errors.push(format!("ending '{ending}' cannot be reached"));
    }
    if !endings.is_empty() && found.free_endings.is_empty() {
        report.errors.push("no ending can be reached without VIP".to_owned());
    }
    for knot in knots.iter().chain(&stitches).filter(|k| !found.knots.contains(*k)) {
        report.warnings.push(format!("knot '{knot}' is never reached"));
    }
    for chapter in book.chapters.keys().filter(|c| !found.chapters.contains(c)) {
        report.errors.push(format!("chapter {chapter} cannot be reached"));
    }
    if found.truncated {
        report.warnings.push(format!(
            "the explorer stopped at {MAX_DEPTH} choices deep or {MAX_STATES} states: some paths were not played"
        ));
    }
    report.stats.chapters = book.chapters.len();
    report.stats.knots = knots.len();
    report.stats.stitches = stitches.len();
    report.stats.endings = endings.len();
    report.exploration = found;
    report
}

/// What is wrong with a tag, if anything: unknown, or naming a character, clue, picture or
/// achievement the story does not have.
fn problem(book: &StoryBook, achievements: Option<&Achievements>, tag: &StoryTag) -> Option<String> {
    match tag {
        StoryTag::Unknown(raw) => Some(format!("unknown tag '#{raw}'")),
        StoryTag::Points(n) if *n <= 0 => {
            Some(format!("'#puntos:{n}' must be positive: a choice takes besitos with '#coste:'"))
        }
        StoryTag::Speaker(id) | StoryTag::Relationship { character: id, .. } if book.world.character(id).is_none() => {
            Some(format!("unknown character '{id}' (add it to personajes.toml)"))
        }
        StoryTag::Clue(id) if book.world.clue(id).is_none() => {
            Some(format!("unknown clue '{id}' (add it to pistas.toml)"))
        }
        StoryTag::Image(asset)
            if !["jpg", "png", "webp"].iter().any(|x| book.images_dir.join(format!("{asset}.{x}")).is_file()) =>
        {
            Some(format!("picture '{asset}' not found in images/"))
        }
        StoryTag::Achievement(id)
            if achievements.is_some_and(|a| !a.all.iter().any(|x| x.counter == format!("story:{id}"))) =>
        {
            Some(format!("no achievement watches 'story:{id}' (add one to achievements.toml)"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_knots_and_words_are_read_from_source_lines() {
        assert_eq!(tags_on("* [Sí #coste:20 #vip] texto # puntos:+5"), vec!["coste:20", "vip", "puntos:+5"]);
        assert_eq!(tags_on("Nada aquí"), Vec::<String>::new());
        assert_eq!(knot_name("=== capitulo_1 ==="), Some("capitulo_1".into()));
        assert_eq!(knot_name("= despedida"), None, "stitches are part of their knot");
        assert_eq!(stitch_name("= despedida"), Some("despedida".into()));
        assert_eq!(stitch_name("=== capitulo_1 ==="), None);
        assert_eq!(knot_name("=== function tiene_dos(a) ==="), None);
        assert_eq!(knot_name("==="), None);
        assert!(is_choice("  * [A] -> b"));
        assert!(is_choice("+ [A]"));
        assert_eq!(after_brackets("* [A #vip] -> b"), None);
        assert_eq!(after_brackets("* [A] # puntos:+5"), Some("# puntos:+5".into()));
        assert_eq!(after_brackets("* [A] Dicho."), Some("Dicho.".into()));
        assert_eq!(words("—Bienvenida a Los Kinkys. # personaje:diana"), 4);
        assert_eq!(words("~ x = 1"), 0);
        assert_eq!(words("* [Algo para leer] -> fin"), 3);
    }

    /// The explorer plays every path of the shipped story through the engine, saving and
    /// loading at each step: every ending is reached, without VIP too, and nothing is unknown.
    #[test]
    fn the_shipped_story_is_clean_and_every_ending_is_reachable() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/story");
        let report = check(&dir);
        assert!(report.errors.is_empty(), "{:#?}", report.errors);
        assert!(report.warnings.is_empty(), "{:#?}", report.warnings);
        let found = &report.exploration;
        assert!(!found.truncated && found.failures.is_empty());
        assert!(found.endings.len() >= 3 && found.free_endings.len() >= 3, "{:?}", found.endings);
        assert_eq!(found.endings.len(), report.stats.endings);
        assert!(report.stats.chapters >= 5 && report.stats.choices >= 40, "{:?}", report.stats);
        assert!(!found.tags.iter().any(|t| matches!(t, StoryTag::Unknown(_))));
        for tag in [StoryTag::VipOnly, StoryTag::Achievement("llave_del_divan".into())] {
            assert!(found.tags.contains(&tag), "{tag:?} is played");
        }
        assert!(found.tags.iter().any(|t| matches!(t, StoryTag::Cost(_))));
        assert!(found.tags.iter().any(|t| matches!(t, StoryTag::Clue(_))));
        assert!(found.tags.iter().any(|t| matches!(t, StoryTag::Image(_))));
    }

    #[test]
    fn choice_points_players_cannot_use_are_errors() {
        let dir = std::env::temp_dir().join(format!("diana-lint-{:016x}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        let many: String = (0..11).map(|i| format!("* [Opción {i}] -> fin\n")).collect();
        std::fs::write(
            dir.join("main.ink"),
            format!("-> a\n=== a ===\nHola.\n{many}=== fin ===\nY ahora.\n* [Pagar #coste:5] -> b\n* [Entrar #vip] -> b\n=== b ===\n# final:b\n-> END\n"),
        )
        .unwrap();
        let report = check(&dir);
        let all = report.errors.join("\n");
        assert!(all.contains("a: 11 choices at once"), "{all}");
        assert!(all.contains("fin: every choice is VIP or costs besitos"), "{all}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_story_with_mistakes_gets_each_one_reported_with_its_place() {
        let dir = std::env::temp_dir().join(format!("diana-lint-{:016x}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("personajes.toml"), "[[personaje]]\nid='diana'\nnombre='Diana'\nemoji='💋'\n").unwrap();
        std::fs::write(
            dir.join("main.ink"),
            "-> inicio\n=== inicio ===\n# personaje:mateo\nHola. # brillo\n# vip\n* [A] -> fin_a\n* [B #vip] -> fin_b\n\
             * [C #puntos:-5] -> fin_a\n\
             === fin_a ===\n# final:a\n-> END\n= nunca\nNunca.\n-> END\n=== fin_b ===\n# final:b\n-> END\n\
             === olvidado ===\n# final:c\n-> END\n",
        )
        .unwrap();
        let report = check(&dir);
        let all = report.errors.join("\n");
        assert!(all.contains("main.ink:3: unknown character 'mateo'"), "{all}");
        assert!(all.contains("main.ink:4: unknown tag '#brillo'"), "{all}");
        assert!(all.contains("main.ink:5: '#vip' gates a choice"), "{all}");
        assert!(all.contains("main.ink:8: '#puntos:-5' must be positive"), "{all}");
        assert!(all.contains("ending 'c' cannot be reached"), "{all}");
        assert!(!all.contains("ending 'b'"), "the VIP explorer reaches b: {all}");
        assert!(report.warnings.iter().any(|w| w.contains("'olvidado'")), "{:?}", report.warnings);
        assert!(report.warnings.iter().any(|w| w.contains("'fin_a.nunca'")), "{:?}", report.warnings);
        assert!(
            !report.warnings.iter().any(|w| w.contains("'fin_a'") || w.contains("'inicio'")),
            "{:?}",
            report.warnings
        );
        assert_eq!(report.stats.endings, 3);
        assert_eq!(report.stats.choices, 3);
        let _ = std::fs::remove_dir_all(dir);
    }
}
