//! What the mood model sees of a message: Spanish text normalised (lowercase, accents folded,
//! repeated letters squeezed, negation marked), word and character n-grams and emoji, hashed
//! into a fixed number of buckets; and the player's recent behaviour, as named features in the
//! same space. Pure functions: training and the server compute exactly the same features.

use std::collections::BTreeMap;

/// Hashed feature buckets. Big enough that n-grams of a chat message rarely collide, small
/// enough that the dense training matrix stays small (rows × buckets).
pub const BUCKETS: usize = 1 << 15;

/// Words that turn what follows into its opposite, until punctuation or a few words on.
const NEGATORS: [&str; 8] = ["no", "nunca", "ni", "nada", "tampoco", "jamas", "sin", "nadie"];
/// How many words a negation reaches.
const NEGATION_REACH: usize = 3;

/// What the player did lately, as the user actor sees it (all optional: the corpus has text
/// only, and a message from the CLI has no player behind it).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Behaviour {
    /// Minutes since the player's previous message.
    pub minutes_since_last: Option<f64>,
    /// Messages in this session (a gap of 30 minutes starts a new one).
    pub session_messages: u32,
    /// The daily streak broke since the player last wrote.
    pub streak_lost: bool,
    /// Besitos spent in the last hour.
    pub spent_recently: bool,
    /// Recent story choices tagged romantic / hostile.
    pub romantic_choices: u32,
    pub hostile_choices: u32,
    /// Story scenes skipped lately.
    pub skipped_scenes: u32,
}

impl Behaviour {
    /// The behaviour as named features (present or absent; a few carry a count).
    fn features(&self) -> Vec<(String, f64)> {
        let mut out = Vec::new();
        if let Some(minutes) = self.minutes_since_last {
            let gap = match minutes {
                m if m < 2.0 => "gap_moments",
                m if m < 60.0 => "gap_minutes",
                m if m < 60.0 * 24.0 => "gap_hours",
                _ => "gap_days",
            };
            out.push((format!("beh:{gap}"), 1.0));
        }
        // Nothing known (a corpus message, the CLI) adds nothing.
        let session = match self.session_messages {
            0 => None,
            1 => Some("session_start"),
            2..=10 => Some("session_short"),
            _ => Some("session_long"),
        };
        out.extend(session.map(|s| (format!("beh:{s}"), 1.0)));
        let flags = [
            ("streak_lost", self.streak_lost),
            ("spent_recently", self.spent_recently),
            ("romantic_choice", self.romantic_choices > 0),
            ("hostile_choice", self.hostile_choices > 0),
            ("skipped_scenes", self.skipped_scenes > 0),
        ];
        out.extend(flags.into_iter().filter(|(_, on)| *on).map(|(name, _)| (format!("beh:{name}"), 1.0)));
        out
    }
}

/// Lowercase, accents folded (ñ kept apart from n), runs of three or more of a letter squeezed
/// to one ("holaaa" → "hola", "siiii" → "si"; doubles like "ll", "rr" stay).
pub fn normalise(text: &str) -> String {
    let folded: String = text.to_lowercase().chars().map(fold).collect();
    let mut out = String::with_capacity(folded.len());
    let chars: Vec<char> = folded.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut run = 1;
        while i + run < chars.len() && chars[i + run] == c {
            run += 1;
        }
        let keep = if c.is_alphabetic() && run >= 3 { 1 } else { run };
        out.extend(std::iter::repeat_n(c, keep));
        i += run;
    }
    out
}

fn fold(c: char) -> char {
    match c {
        'á' | 'à' | 'ä' | 'â' => 'a',
        'é' | 'è' | 'ë' | 'ê' => 'e',
        'í' | 'ì' | 'ï' | 'î' => 'i',
        'ó' | 'ò' | 'ö' | 'ô' => 'o',
        'ú' | 'ù' | 'ü' | 'û' => 'u',
        other => other,
    }
}

/// Whether a character is an emoji (or a symbol used like one: ❤, ✨).
pub fn is_emoji(c: char) -> bool {
    let c = c as u32;
    (0x1F300..=0x1FAFF).contains(&c) || (0x2600..=0x27BF).contains(&c) || (0x1F000..=0x1F2FF).contains(&c)
}

/// Words of a normalised message, negation marked: after a negator, the next few words (until
/// punctuation) carry `neg_`, so "no estoy feliz" is not "feliz".
pub fn words(normalised: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut negated = 0;
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<String>, negated: &mut usize| {
        if word.is_empty() {
            return;
        }
        let w = std::mem::take(word);
        let marked = if *negated > 0 { format!("neg_{w}") } else { w.clone() };
        *negated = negated.saturating_sub(1);
        if NEGATORS.contains(&w.as_str()) {
            *negated = NEGATION_REACH;
        }
        out.push(marked);
    };
    for c in normalised.chars() {
        if c.is_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out, &mut negated);
            if matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | '¡' | '¿') || is_emoji(c) {
                negated = 0;
            }
        }
    }
    flush(&mut word, &mut out, &mut negated);
    out
}

/// The longest character n-gram taken from each word (from 3 up): training tries a few and keeps
/// the one that scores best on its held-out share.
pub const CHAR_GRAM_CHOICES: [usize; 2] = [4, 5];

/// The named features of a message: words and word pairs, character 3–`char_max`-grams of each
/// word, emoji, the message's shape (length, punctuation, shouting), and the behaviour.
pub fn named(text: &str, behaviour: &Behaviour, char_max: usize) -> Vec<(String, f64)> {
    let normalised = normalise(text);
    let words = words(&normalised);
    let mut out: Vec<(String, f64)> = Vec::new();
    for w in &words {
        out.push((format!("w:{w}"), 1.0));
        let bounded: Vec<char> = format!("<{}>", w.trim_start_matches("neg_")).chars().collect();
        for n in 3..=char_max {
            for gram in bounded.windows(n) {
                out.push((format!("c:{}", gram.iter().collect::<String>()), 1.0));
            }
        }
    }
    for pair in words.windows(2) {
        out.push((format!("b:{} {}", pair[0], pair[1]), 1.0));
    }
    for c in text.chars().filter(|c| is_emoji(*c)) {
        out.push((format!("e:{c}"), 1.0));
    }
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    let upper = text.chars().filter(|c| c.is_uppercase()).count();
    let length = match words.len() {
        0..=2 => "len_tiny",
        3..=8 => "len_short",
        9..=20 => "len_medium",
        _ => "len_long",
    };
    out.push((format!("s:{length}"), 1.0));
    if text.contains('?') {
        out.push(("s:question".into(), 1.0));
    }
    if text.contains('!') {
        out.push(("s:exclaim".into(), 1.0));
    }
    if text.contains("!!") || text.contains("??") {
        out.push(("s:repeated_punct".into(), 1.0));
    }
    if text.contains("...") || text.contains('…') {
        out.push(("s:ellipsis".into(), 1.0));
    }
    if letters >= 4 && upper * 10 >= letters * 7 {
        out.push(("s:shouting".into(), 1.0));
    }
    if normalised != text.to_lowercase().chars().map(fold).collect::<String>() {
        out.push(("s:stretched".into(), 1.0));
    }
    out.extend(behaviour.features());
    out
}

/// FNV-1a: a stable hash, the same on every machine and Rust version.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, b| (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// The hashed features of a message: bucket → value, summed where names collide.
pub fn hashed(text: &str, behaviour: &Behaviour, char_max: usize) -> BTreeMap<usize, f64> {
    let mut out = BTreeMap::new();
    for (name, value) in named(text, behaviour, char_max) {
        *out.entry((fnv1a(&name) % BUCKETS as u64) as usize).or_insert(0.0) += value;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spanish_chat_is_normalised() {
        assert_eq!(normalise("¡HOLAAAA Diana! Qué tal"), "¡hola diana! que tal");
        assert_eq!(normalise("siiiii, llegó el coche"), "si, llego el coche");
        assert_eq!(normalise("jajaja 😂😂😂"), "jajaja 😂😂😂", "emoji runs are kept: each is a feature");
        assert_eq!(normalise("año"), "año", "ñ is not n");
    }

    #[test]
    fn negation_marks_the_words_it_reaches() {
        assert_eq!(words("no estoy feliz"), ["no", "neg_estoy", "neg_feliz"]);
        assert_eq!(words("no, estoy feliz"), ["no", "estoy", "feliz"], "punctuation ends it");
        assert_eq!(words("nunca me aburro contigo hoy"), ["nunca", "neg_me", "neg_aburro", "neg_contigo", "hoy"]);
    }

    #[test]
    fn emoji_shape_and_behaviour_are_features() {
        let named = named("ESTOY HARTO!!! 😡", &Behaviour { streak_lost: true, ..Behaviour::default() }, 5);
        let has = |name: &str| named.iter().any(|(n, _)| n == name);
        assert!(has("e:😡") && has("s:shouting") && has("s:repeated_punct") && has("beh:streak_lost"));
        assert!(has("w:harto") && has("c:<ha"));
        assert!(!has("beh:hostile_choice"));
    }

    #[test]
    fn hashing_is_stable() {
        assert_eq!(fnv1a("w:feliz"), fnv1a("w:feliz"));
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
        let a = hashed("qué bien", &Behaviour::default(), 5);
        assert_eq!(a, hashed("que bien", &Behaviour::default(), 5));
        assert!(a.keys().all(|&k| k < BUCKETS));
    }
}
