//! Names and descriptions that content files give in Spanish and English.

use super::Lang;
use serde::{Deserialize, Serialize};

/// `name_es`, `name_en`, `description_es`, `description_en`, flattened into a content entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Wording {
    pub name_es: String,
    pub name_en: String,
    pub description_es: String,
    pub description_en: String,
}

impl Wording {
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Es => &self.name_es,
            Lang::En => &self.name_en,
        }
    }

    pub fn description(&self, lang: Lang) -> &str {
        match lang {
            Lang::Es => &self.description_es,
            Lang::En => &self.description_en,
        }
    }
}
