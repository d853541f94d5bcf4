//! Texts of the economy's replies: the daily gift, `/besitos`, levels and referrals.

use super::render_shop::item_name;
use super::texts::{fill, get};
use chrono::{DateTime, Utc};
use diana_actors::domain::economy::GiftReward;
use diana_actors::domain::level::{LevelStanding, bar};
use diana_actors::domain::{DailyGift, Lang, LedgerLine};

pub fn level_lines(lang: Lang, level: &LevelStanding) -> [(&'static str, String); 3] {
    let name = match lang {
        Lang::Es => level.name_es.clone(),
        Lang::En => level.name_en.clone(),
    };
    let progress = match level.span {
        Some(span) => fill(
            lang,
            "level_progress",
            &[
                ("bar", &bar(level.progress, span, 10)),
                ("progress", &level.progress.to_string()),
                ("span", &span.to_string()),
            ],
        ),
        None => get(lang, "level_top").to_owned(),
    };
    [("level", level.number.to_string()), ("level_name", name), ("level_progress", progress)]
}

/// `{placeholder}` values are escaped by `fill`; lines are joined after filling.
pub fn daily_gift(lang: Lang, claimed: &DailyGift) -> String {
    let DailyGift {
        gift,
        paid,
        capped,
        streak,
        milestone,
        freezes_used,
        late_claim_forgiven,
        streak_lost,
        clues,
        vip_bonus,
    } = claimed;
    let (paid, capped, streak, milestone) = (*paid, *capped, *streak, *milestone);
    let (freezes_used, late_claim_forgiven, streak_lost) = (*freezes_used, *late_claim_forgiven, *streak_lost);
    let rarity = get(lang, &format!("rarity_{}", gift.rarity));
    let mut lines = vec![fill(lang, "gift_header", &[("rarity", rarity)])];
    lines.push(if capped { get(lang, "gift_capped").to_owned() } else { reward_line(lang, &gift.reward, paid) });
    lines.extend(clues.iter().map(|name| fill(lang, "story_found", &[("name", name)])));
    if let Some(bonus) = vip_bonus {
        lines.push(fill(lang, "gift_vip_bonus", &[("amount", &bonus.to_string())]));
    }
    lines.push(String::new());
    if streak_lost {
        lines.push(get(lang, "streak_lost").to_owned());
    }
    if late_claim_forgiven {
        lines.push(get(lang, "streak_forgiven").to_owned());
    }
    if freezes_used > 0 {
        lines.push(get(lang, "streak_freeze_used").to_owned());
    }
    lines.push(fill(lang, "streak_line", &[("streak", &streak.to_string())]));
    if let Some((days, amount)) = milestone {
        lines.push(fill(lang, "streak_milestone", &[("streak", &days.to_string()), ("amount", &amount.to_string())]));
    }
    lines.join("\n")
}

/// What a gift or a mystery box gave, on one line.
pub fn reward_line(lang: Lang, reward: &GiftReward, paid: Option<i64>) -> String {
    match reward {
        GiftReward::Besitos { amount } => {
            fill(lang, "gift_besitos", &[("amount", &paid.unwrap_or(*amount).to_string())])
        }
        GiftReward::Boost { factor, hours } => {
            fill(lang, "gift_boost", &[("factor", &format!("{factor}")), ("hours", &hours.to_string())])
        }
        GiftReward::Item { item } => fill(lang, "gift_item", &[("item", &item_name(lang, item))]),
        GiftReward::Clue { item } => fill(lang, "gift_clue", &[("item", &item_name(lang, item))]),
    }
}

pub fn daily_already(lang: Lang, next_at: DateTime<Utc>, streak: i32, now: DateTime<Utc>) -> String {
    let left = (next_at - now).num_minutes().max(0);
    fill(
        lang,
        "daily_already",
        &[("streak", &streak.to_string()), ("hours", &(left / 60).to_string()), ("minutes", &(left % 60).to_string())],
    )
}

pub fn besitos(lang: Lang, balance: i64, total: i64, entries: &[LedgerLine]) -> String {
    let mut text = fill(lang, "besitos_header", &[("balance", &balance.to_string()), ("total", &total.to_string())]);
    text.push_str("\n\n");
    if entries.is_empty() {
        text.push_str(get(lang, "besitos_empty"));
        return text;
    }
    text.push_str(get(lang, "besitos_recent"));
    for e in entries {
        let action_key = format!("action_{}", e.action_type);
        let action = match get(lang, &action_key) {
            "" => get(lang, "action_other"),
            name => name,
        };
        let change = if e.points_change >= 0 { format!("+{}", e.points_change) } else { e.points_change.to_string() };
        text.push('\n');
        text.push_str(&fill(
            lang,
            "besitos_line",
            &[
                ("change", &change),
                ("action", action),
                ("date", &e.at.format(get(lang, "date_format")).to_string()),
                ("balance", &e.balance_after.to_string()),
            ],
        ));
    }
    text
}
