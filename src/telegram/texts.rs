//! The texts users read, from `assets/i18n/<lang>.toml`, embedded in the binary.

use super::html;
use diana_actors::domain::Lang;
use std::collections::HashMap;
use std::sync::LazyLock;

static CATALOG: LazyLock<HashMap<Lang, HashMap<String, String>>> = LazyLock::new(|| {
    let parse = |src: &str| -> HashMap<String, String> {
        // The files are embedded at build time and checked by the tests below.
        toml::from_str(src).expect("assets/i18n is valid TOML of strings")
    };
    HashMap::from([
        (Lang::Es, parse(include_str!("../../assets/i18n/es.toml"))),
        (Lang::En, parse(include_str!("../../assets/i18n/en.toml"))),
    ])
});

/// The raw template for `key`. A key missing in English falls back to Spanish.
pub fn get(lang: Lang, key: &str) -> &'static str {
    CATALOG
        .get(&lang)
        .and_then(|m| m.get(key))
        .or_else(|| CATALOG.get(&Lang::Es).and_then(|m| m.get(key)))
        .map_or("", String::as_str)
}

/// Fill `{name}` placeholders with escaped, clipped values.
pub fn fill(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut text = get(lang, key).to_owned();
    for (name, value) in args {
        text = text.replace(&format!("{{{name}}}"), &html::escape(&html::clip(value, 256)));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let es: Vec<_> = {
            let mut k: Vec<_> = CATALOG[&Lang::Es].keys().collect();
            k.sort();
            k
        };
        let en: Vec<_> = {
            let mut k: Vec<_> = CATALOG[&Lang::En].keys().collect();
            k.sort();
            k
        };
        assert_eq!(es, en);
        assert!(es.len() > 20);
    }

    #[test]
    fn placeholders_are_escaped() {
        let text = fill(Lang::Es, "welcome_back", &[("name", r#"<b>Ana</b> & "Co""#)]);
        assert!(text.contains("&lt;b&gt;Ana&lt;/b&gt; &amp; &quot;Co&quot;"), "{text}");
        assert!(!text.contains("{name}"));
    }
}
