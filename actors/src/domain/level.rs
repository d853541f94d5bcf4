//! Levels from lifetime besitos.

use super::economy::Level;

/// Where a player stands: their level (1-based), its index, and progress to the next.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LevelStanding {
    pub number: u32,
    pub name_es: String,
    pub name_en: String,
    /// Points earned within this level, and the points it spans (`None` at the top level).
    pub progress: i64,
    pub span: Option<i64>,
}

pub fn standing(levels: &[Level], total_points: i64) -> LevelStanding {
    let index = levels.iter().rposition(|l| l.min_points <= total_points).unwrap_or(0);
    let level = &levels[index];
    LevelStanding {
        number: index as u32 + 1,
        name_es: level.name_es.clone(),
        name_en: level.name_en.clone(),
        progress: total_points - level.min_points,
        span: levels.get(index + 1).map(|next| next.min_points - level.min_points),
    }
}

/// A text progress bar of `width` cells.
pub fn bar(progress: i64, span: i64, width: usize) -> String {
    let filled = if span <= 0 { width } else { ((progress.clamp(0, span) * width as i64) / span) as usize };
    format!("{}{}", "▰".repeat(filled), "▱".repeat(width - filled))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::economy::Economy;

    #[test]
    fn levels_follow_lifetime_points() {
        let levels = Economy::embedded().unwrap().levels;
        assert_eq!(standing(&levels, 0).number, 1);
        let s = standing(&levels, 150);
        assert_eq!((s.number, s.progress, s.span), (2, 50, Some(200)));
        let top = standing(&levels, 1_000_000);
        assert_eq!((top.number as usize, top.span), (levels.len(), None));
    }

    #[test]
    fn bars_fill_proportionally() {
        assert_eq!(bar(0, 10, 5), "▱▱▱▱▱");
        assert_eq!(bar(5, 10, 4), "▰▰▱▱");
        assert_eq!(bar(99, 10, 3), "▰▰▰");
        assert_eq!(bar(1, 0, 3), "▰▰▰");
    }
}
