//! The language a user reads: Spanish by default, English when Telegram says so.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Es,
    En,
}

impl Lang {
    /// Telegram's `language_code` is an IETF tag such as `en`, `en-GB` or `es-419`.
    pub fn from_language_code(code: Option<&str>) -> Lang {
        match code {
            Some(c) if c.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("en")) => Lang::En,
            _ => Lang::Es,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Lang {
        Lang::from_language_code(Some(code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_only_when_the_tag_starts_with_en() {
        assert_eq!(Lang::from_language_code(Some("en")), Lang::En);
        assert_eq!(Lang::from_language_code(Some("en-GB")), Lang::En);
        assert_eq!(Lang::from_language_code(Some("EN")), Lang::En);
        assert_eq!(Lang::from_language_code(Some("es-419")), Lang::Es);
        assert_eq!(Lang::from_language_code(Some("e")), Lang::Es);
        assert_eq!(Lang::from_language_code(Some("ru")), Lang::Es);
        assert_eq!(Lang::from_language_code(None), Lang::Es);
    }
}
