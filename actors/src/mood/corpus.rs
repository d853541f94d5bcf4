//! Labelled messages: `assets/mood/*.tsv` (`mood<TAB>message`), and players' own answers to
//! "¿te he entendido bien?", which also carry what they had been doing (a third column, JSON).

use super::features::Behaviour;
use super::model::MOODS;

#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Index into `MOODS`.
    pub mood: usize,
    pub text: String,
    pub behaviour: Behaviour,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CorpusError {
    #[error("line {line}: expected `mood<TAB>message`")]
    Shape { line: usize },
    #[error("line {line}: unknown mood '{mood}' (one of {})", MOODS.join(", "))]
    UnknownMood { line: usize, mood: String },
    #[error("line {line}: the behaviour column is not valid JSON: {reason}")]
    Behaviour { line: usize, reason: String },
}

pub fn mood_index(name: &str) -> Option<usize> {
    MOODS.iter().position(|m| *m == name)
}

/// Read a TSV corpus; blank lines and `#` comments are skipped.
pub fn parse(text: &str) -> Result<Vec<Example>, CorpusError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() || raw.starts_with('#') {
            continue;
        }
        let mut columns = raw.split('\t');
        let (Some(mood), Some(message)) = (columns.next(), columns.next()) else {
            return Err(CorpusError::Shape { line });
        };
        if message.trim().is_empty() {
            return Err(CorpusError::Shape { line });
        }
        let mood = mood.trim();
        let Some(index) = mood_index(mood) else {
            return Err(CorpusError::UnknownMood { line, mood: mood.to_owned() });
        };
        let behaviour = match columns.next().filter(|c| !c.trim().is_empty()) {
            Some(json) => {
                serde_json::from_str(json).map_err(|e| CorpusError::Behaviour { line, reason: e.to_string() })?
            }
            None => Behaviour::default(),
        };
        out.push(Example { mood: index, text: message.to_owned(), behaviour });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_and_mistakes_name_their_line() {
        let corpus = parse("# comment\nfeliz\t¡Qué bien!\n\ntriste\tno estoy feliz\t{\"streak_lost\":true}\n").unwrap();
        assert_eq!(corpus.len(), 2);
        assert_eq!((corpus[1].mood, corpus[1].behaviour.streak_lost), (1, true));
        assert_eq!(parse("feliz\n"), Err(CorpusError::Shape { line: 1 }));
        assert!(matches!(parse("feliz\tok\ncontento\thola"), Err(CorpusError::UnknownMood { line: 2, .. })));
    }
}
