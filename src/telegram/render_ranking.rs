//! `/ranking`: the top ten, the player's own place with two neighbours each side, and buttons
//! to switch board and period.

use super::callback::CallbackData;
use super::render::button;
use super::render_shop::title_name;
use super::texts::{fill, get};
use diana_actors::domain::Lang;
use diana_actors::domain::leaderboard::{Board, Period, Row, Standings};
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

fn medal(rank: i64) -> String {
    match rank {
        1 => "🥇".into(),
        2 => "🥈".into(),
        3 => "🥉".into(),
        n => format!("{n}."),
    }
}

fn line(lang: Lang, row: &Row, me: Option<i64>) -> String {
    let title = row.title.as_deref().and_then(|t| title_name(lang, t)).map(|t| format!(" · {t}")).unwrap_or_default();
    let mut name = if row.name.is_empty() { get(lang, "ranking_anonymous").to_owned() } else { row.name.clone() };
    if let Some(badge) = row.badge.as_deref().and_then(super::render_vip::badge_emoji) {
        name = format!("{badge} {name}");
    }
    let key = if Some(row.user_id) == me { "ranking_line_me" } else { "ranking_line" };
    fill(
        lang,
        key,
        &[("place", &medal(row.rank)), ("name", &name), ("title", &title), ("score", &row.score.to_string())],
    )
}

fn board_key(board: Board, period: Period) -> &'static str {
    match (board, period) {
        (Board::Streak, _) => "ranking_streak",
        (Board::Trivia, _) => "ranking_trivia",
        (Board::Points, Period::Week) => "ranking_week",
        (Board::Points, Period::Month) => "ranking_month",
        (Board::Points, Period::AllTime) => "ranking_all",
    }
}

pub fn text(lang: Lang, s: &Standings) -> String {
    let me = s.me.as_ref().map(|r| r.user_id);
    let mut text = fill(lang, "ranking_header", &[("board", get(lang, board_key(s.board, s.period)))]);
    if s.top.is_empty() {
        text.push_str("\n\n");
        text.push_str(get(lang, "ranking_empty"));
        return text;
    }
    text.push('\n');
    for row in &s.top {
        text.push('\n');
        text.push_str(&line(lang, row, me));
    }
    match &s.me {
        Some(mine) if mine.rank > s.top.len() as i64 => {
            text.push_str("\n…");
            for row in &s.around {
                text.push('\n');
                text.push_str(&line(lang, row, me));
            }
            text.push_str("\n\n");
            text.push_str(&fill(
                lang,
                "ranking_you",
                &[("rank", &mine.rank.to_string()), ("players", &s.players.to_string())],
            ));
        }
        Some(mine) => {
            text.push_str("\n\n");
            text.push_str(&fill(
                lang,
                "ranking_you",
                &[("rank", &mine.rank.to_string()), ("players", &s.players.to_string())],
            ));
        }
        None => {
            text.push_str("\n\n");
            text.push_str(get(lang, "ranking_not_yet"));
        }
    }
    text
}

pub fn keyboard(lang: Lang, s: &Standings) -> InlineKeyboardMarkup {
    let choices = [
        (Board::Points, Period::Week, "btn_week"),
        (Board::Points, Period::Month, "btn_month"),
        (Board::Points, Period::AllTime, "btn_all_time"),
        (Board::Streak, Period::AllTime, "btn_streak"),
        (Board::Trivia, Period::AllTime, "btn_trivia_board"),
    ];
    let row: Vec<InlineKeyboardButton> = choices
        .iter()
        .map(|(board, period, key)| {
            let label = if (*board, *period) == (s.board, s.period) {
                format!("• {}", get(lang, key))
            } else {
                get(lang, key).to_owned()
            };
            InlineKeyboardButton::callback(label, CallbackData::Ranking { board: *board, period: *period }.encode())
        })
        .collect();
    // Three periods on one row, the other boards and the way back on the next.
    let (periods, others) = row.split_at(3);
    InlineKeyboardMarkup::new([
        periods.to_vec(),
        others.iter().cloned().chain([button(lang, "btn_menu", CallbackData::Menu)]).collect(),
    ])
}
