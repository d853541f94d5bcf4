//! Replies rendered for Telegram: HTML text within limits, and inline keyboards.

use super::callback::CallbackData;
use super::render_achievements as achievements;
use super::render_economy as economy;
use super::render_missions as missions;
use super::render_ranking as ranking;
use super::render_shop as shop;
use super::render_story as story;
use super::render_trivia as trivia;
use super::render_vip as vip;
use super::texts::{fill, get};
use diana_actors::domain::leaderboard::{Board, Period};
use diana_actors::domain::{Lang, Outgoing, Reply};
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

/// Telegram's limit for a message's text.
pub const MAX_TEXT_CHARS: usize = 4096;

#[derive(Debug, Clone)]
pub enum Rendered {
    Text {
        text: String,
        keyboard: Option<InlineKeyboardMarkup>,
    },
    Document {
        file_name: String,
        bytes: Vec<u8>,
        caption: String,
    },
    /// A story picture: `asset` names a file in the story's `images/` folder.
    Photo {
        asset: String,
    },
    /// An invoice in Telegram Stars; recurring plans go as a subscription link.
    Invoice {
        plan: String,
        title: String,
        description: String,
        label: String,
        payload: String,
        stars: u32,
        recurring: bool,
    },
    /// A one-time invite link to the VIP channel, made and sent as a button.
    VipInvite,
    /// Approve the player's request to join a channel.
    ApproveJoin {
        channel_id: i64,
    },
    /// Out of the VIP channel (ban, then unban: they may come back when they pay again).
    VipRemove,
    /// A Stripe Checkout page or a PayPal subscription to create and send as a button.
    CardCheckout {
        plan: String,
        payload: String,
        provider: diana_actors::domain::plans::CardProvider,
    },
    /// The answer to a pre-checkout query: `error` when the payment may not go ahead.
    PreCheckout {
        query_id: String,
        error: Option<String>,
    },
}

pub fn render(out: &Outgoing) -> Rendered {
    let lang = out.lang;
    let (text, keyboard) = match &out.reply {
        Reply::Welcome { first_name, returning, referral_bonus } => {
            let key = if *returning { "welcome_back" } else { "welcome_new" };
            let mut text = fill(lang, key, &[("name", first_name)]);
            if let Some(amount) = referral_bonus {
                text.push_str("\n\n");
                text.push_str(&fill(lang, "welcome_referral_bonus", &[("amount", &amount.to_string())]));
            }
            // A new player is invited to the four-question quiz (skippable).
            if *returning {
                (text, None)
            } else {
                text.push_str("\n\n");
                text.push_str(get(lang, "quiz_invite"));
                (text, Some(super::render_quiz::invitation(lang)))
            }
        }
        Reply::MainMenu => (get(lang, "main_menu").to_owned(), Some(main_menu(lang))),
        Reply::Profile {
            first_name,
            besitos,
            current_streak,
            longest_streak,
            member_since,
            level,
            title,
            relationships,
            badge,
        } => {
            let since = member_since.format(get(lang, "date_format")).to_string();
            let [(k1, v1), (k2, v2), (k3, v3)] = economy::level_lines(lang, level);
            // The level lines are plain text (digits, names, bar glyphs), filled like any value.
            let text = fill(
                lang,
                "profile",
                &[
                    ("name", first_name),
                    ("besitos", &besitos.to_string()),
                    ("streak", &current_streak.to_string()),
                    ("longest", &longest_streak.to_string()),
                    ("since", &since),
                    (k1, &v1),
                    (k2, &v2),
                    (k3, &v3),
                ],
            );
            let mut text = match title.as_deref().and_then(|t| shop::title_name(lang, t)) {
                Some(title) => format!("{text}\n{}", fill(lang, "backpack_title", &[("title", &title)])),
                None => text,
            };
            if let Some(badge) = badge {
                text.push('\n');
                text.push_str(&fill(lang, "profile_badge", &[("badge", &vip::badge(lang, badge))]));
            }
            text.push_str(&story::relationships(lang, relationships));
            (text, Some(back_to_menu(lang)))
        }
        Reply::DailyGift(claimed) => (economy::daily_gift(lang, claimed), Some(after_gift(lang))),
        Reply::DailyAlreadyClaimed { next_at, streak } => {
            (economy::daily_already(lang, *next_at, *streak, chrono::Utc::now()), Some(back_to_menu(lang)))
        }
        Reply::Besitos { balance, total, entries } => {
            (economy::besitos(lang, *balance, *total, entries), Some(back_to_menu(lang)))
        }
        Reply::Shop { balance, offers, offer } => {
            let (text, keyboard) = shop::shop(lang, *balance, offers, *offer);
            (text, Some(keyboard))
        }
        Reply::Purchased { item_id, balance, clues } => {
            let mut text = shop::purchased(lang, item_id, *balance);
            for name in clues {
                text.push('\n');
                text.push_str(&fill(lang, "story_found", &[("name", name)]));
            }
            (text, Some(shop::nav(lang)))
        }
        Reply::PurchaseRefused { item_id, refusal } => (shop::refused(lang, item_id, refusal), Some(shop::nav(lang))),
        Reply::AlreadyBought { item_id } => (shop::already_bought(lang, item_id), Some(shop::nav(lang))),
        Reply::Backpack { items, title, clues } => {
            let (text, keyboard) = shop::backpack(lang, items, title.as_deref(), *clues);
            (text, Some(keyboard))
        }
        Reply::ItemUsed { item_id, reward, paid } => {
            (shop::item_used(lang, item_id, reward, *paid), Some(shop::nav(lang)))
        }
        Reply::Ranking { standings } => (ranking::text(lang, standings), Some(ranking::keyboard(lang, standings))),
        Reply::AchievementUnlocked { achievement_id, tier, reward } => {
            (achievements::unlocked(lang, achievement_id, *tier, *reward), Some(achievements::nav(lang)))
        }
        Reply::Achievements { entries } => (achievements::list(lang, entries), Some(back_to_menu(lang))),
        Reply::TriviaQuestion { round_id, difficulty, text, options, reward, fast_seconds, expires_at: _ } => {
            let text = trivia::question(lang, *difficulty, text, *reward, *fast_seconds);
            (text, Some(trivia::answers(*round_id, options)))
        }
        Reply::TriviaRight { paid, fast } => (trivia::right(lang, *paid, *fast), Some(trivia::nav(lang))),
        Reply::TriviaWrong { correct_option } => (trivia::wrong(lang, correct_option), Some(trivia::nav(lang))),
        Reply::TriviaExpired => (get(lang, "trivia_expired").to_owned(), Some(trivia::nav(lang))),
        Reply::TriviaAlreadyAnswered => (get(lang, "trivia_already").to_owned(), Some(trivia::nav(lang))),
        Reply::TriviaNotAsked => (get(lang, "trivia_not_asked").to_owned(), Some(trivia::nav(lang))),
        Reply::TriviaDone { next_at } => (trivia::done(lang, *next_at), Some(back_to_menu(lang))),
        Reply::MissionCompleted { mission_id, reward } => {
            (missions::completed(lang, mission_id, *reward), Some(missions::nav(lang)))
        }
        Reply::Missions { entries } => (missions::list(lang, entries), Some(back_to_menu(lang))),
        Reply::StrongerBoostActive { item_id } => {
            (fill(lang, "stronger_boost", &[("item", &shop::item_name(lang, item_id))]), Some(shop::nav(lang)))
        }
        Reply::StoryScene { lines, choices, turn, ended, vip, found, note, .. } => {
            (story::scene(lang, lines, *ended, found, *note), Some(story::choices(lang, choices, *turn, *ended, *vip)))
        }
        Reply::StoryText { lines } => (story::scene(lang, lines, false, &[], None), None),
        Reply::StoryImage { asset } => return Rendered::Photo { asset: asset.clone() },
        Reply::StoryChapterLocked { chapter, requirement } => {
            let (text, keyboard) = story::locked(lang, *chapter, requirement);
            (text, Some(keyboard))
        }
        Reply::Clues { entries, held, total, continued } => {
            (story::clues(lang, entries, *held, *total, *continued), Some(story::resume(lang)))
        }
        Reply::VipInfo { vip: _, plan, expires_at, card, paypal } => {
            let (text, keyboard) = vip::info(lang, plan.as_deref().zip(expires_at.as_ref()), *card, *paypal);
            (text, Some(keyboard))
        }
        Reply::CardCheckout { plan, payload, provider } => {
            return Rendered::CardCheckout { plan: plan.clone(), payload: payload.clone(), provider: *provider };
        }
        Reply::Invoice { plan, payload, stars, recurring } => {
            let (title, description, label) = vip::invoice_texts(lang, plan);
            return Rendered::Invoice {
                plan: plan.clone(),
                title,
                description,
                label,
                payload: payload.clone(),
                stars: *stars,
                recurring: *recurring,
            };
        }
        Reply::PreCheckoutAnswer { query_id, refusal } => {
            return Rendered::PreCheckout { query_id: query_id.clone(), error: refusal.map(|r| vip::refusal(lang, r)) };
        }
        Reply::VipActivated { plan, expires_at } => (vip::activated(lang, plan, expires_at), Some(back_to_menu(lang))),
        Reply::PaymentProblem => (get(lang, "payment_problem").to_owned(), Some(back_to_menu(lang))),
        Reply::Banned => (get(lang, "banned").to_owned(), None),
        Reply::StoryReset => (get(lang, "story_reset").to_owned(), None),
        Reply::AdminLoginLink { url } => {
            (format!("{}\n{}", get(lang, "admin_login_link"), super::html::escape(url)), None)
        }
        Reply::MessageFromTeam { text, .. } => {
            (format!("{}\n\n{}", get(lang, "message_from_team"), super::html::escape(text)), Some(back_to_menu(lang)))
        }
        Reply::VipInvite => return Rendered::VipInvite,
        Reply::ApproveJoin { channel_id } => return Rendered::ApproveJoin { channel_id: *channel_id },
        Reply::VipRemove => return Rendered::VipRemove,
        Reply::ChannelWelcome { minutes } => {
            (fill(lang, "channel_welcome", &[("minutes", &minutes.to_string())]), Some(main_menu(lang)))
        }
        Reply::TokenRefused { refusal } => (vip::token_refused(lang, *refusal), Some(vip::renew(lang))),
        Reply::VipEndingSoon { days, expires_at, plan } => {
            (vip::ending_soon(lang, plan, *days, expires_at), Some(vip::renew(lang)))
        }
        Reply::VipEnded { refunded } => {
            (get(lang, if *refunded { "vip_refunded" } else { "vip_ended" }).to_owned(), Some(vip::renew(lang)))
        }
        Reply::StaleScene => (get(lang, "story_stale").to_owned(), Some(story::resume(lang))),
        Reply::StoryUnavailable => (get(lang, "story_unavailable").to_owned(), Some(back_to_menu(lang))),
        Reply::StoryNeedsVip => (get(lang, "story_needs_vip").to_owned(), Some(story::to_vip(lang))),
        Reply::StoryNeedsBesitos { missing } => {
            (fill(lang, "story_needs_besitos", &[("missing", &missing.to_string())]), Some(story::to_shop(lang)))
        }
        Reply::NothingToUse { item_id } => (shop::nothing_to_use(lang, item_id), Some(shop::nav(lang))),
        Reply::ReferralRewarded { friend_name, amount } => {
            (fill(lang, "referral_rewarded", &[("name", friend_name), ("amount", &amount.to_string())]), None)
        }
        Reply::Help => (get(lang, "help").to_owned(), Some(back_to_menu(lang))),
        Reply::PrivacyMenu { reminders } => {
            (get(lang, "privacy").to_owned(), Some(super::render_menu::privacy_menu(lang, *reminders)))
        }
        Reply::DataExport { file_name, json } => {
            return Rendered::Document {
                file_name: file_name.clone(),
                bytes: json.as_bytes().to_vec(),
                caption: get(lang, "export_caption").to_owned(),
            };
        }
        Reply::ConfirmDelete => (get(lang, "confirm_delete").to_owned(), Some(confirm_delete(lang))),
        Reply::DataDeleted => (get(lang, "data_deleted").to_owned(), None),
        Reply::DeleteCancelled => (get(lang, "delete_cancelled").to_owned(), Some(back_to_menu(lang))),
        Reply::Unrecognised => (get(lang, "unrecognised").to_owned(), Some(back_to_menu(lang))),
        Reply::MoodReply { mood, ask } => {
            let (text, keyboard) = super::render_mood::reply(lang, mood, *ask);
            (text, Some(keyboard))
        }
        Reply::MoodThanks { mood } => (super::render_mood::thanks(lang, mood), Some(back_to_menu(lang))),
        Reply::PersonalMenu { mood, archetype, day_part, streak_at_risk, suggestion } => {
            let view = super::render_menu::MenuView {
                mood: mood.as_deref(),
                archetype: archetype.as_deref(),
                day_part: day_part.as_deref(),
                streak_at_risk: *streak_at_risk,
                suggestion: suggestion.as_ref(),
            };
            let (text, keyboard) = super::render_menu::personal_menu(lang, &view);
            (text, Some(keyboard))
        }
        Reply::StreakReminder { streak, hours_left } => {
            let (text, keyboard) = super::render_menu::streak_reminder(lang, *streak, *hours_left);
            (text, Some(keyboard))
        }
        Reply::RemindersSet { on } => (super::render_menu::reminders_set(lang, *on), Some(back_to_menu(lang))),
        Reply::QuizQuestion { question } => super::render_quiz::question(lang, *question),
        Reply::QuizResult { archetype } => (super::render_quiz::result(lang, archetype), None),
        Reply::QuizSkipped => (get(lang, "quiz_skipped").to_owned(), None),
        Reply::PleaseStart => (get(lang, "please_start").to_owned(), None),
        Reply::SlowDown => (get(lang, "slow_down").to_owned(), None),
        Reply::SomethingWentWrong => (get(lang, "something_went_wrong").to_owned(), Some(back_to_menu(lang))),
    };
    if text.chars().count() > MAX_TEXT_CHARS {
        // Our own templates overflowed: a bug of ours, never something to send half of.
        diana_actors::metrics::count_error("text_too_long");
        tracing::error!(reply = out.reply.kind(), "rendered text exceeds Telegram's limit");
        return Rendered::Text { text: get(lang, "something_went_wrong").to_owned(), keyboard: None };
    }
    Rendered::Text { text, keyboard }
}

pub(super) fn button(lang: Lang, key: &str, data: CallbackData) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(get(lang, key), data.encode())
}

/// The main menu's buttons, two to a row, in this order unless a player's archetype puts
/// some first.
pub(super) fn main_menu_buttons() -> [(&'static str, CallbackData); 12] {
    [
        ("btn_daily", CallbackData::Daily),
        ("btn_besitos", CallbackData::Besitos),
        ("btn_shop", CallbackData::Shop),
        ("btn_backpack", CallbackData::Backpack),
        ("btn_ranking", CallbackData::Ranking { board: Board::Points, period: Period::Week }),
        ("btn_achievements", CallbackData::Achievements),
        ("btn_missions", CallbackData::Missions),
        ("btn_trivia", CallbackData::Trivia),
        ("btn_story", CallbackData::Story),
        ("btn_profile", CallbackData::Profile),
        ("btn_help", CallbackData::Help),
        ("btn_privacy", CallbackData::Privacy),
    ]
}

fn main_menu(lang: Lang) -> InlineKeyboardMarkup {
    super::render_quiz::menu_for(lang, None, false)
}

fn after_gift(lang: Lang) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([vec![
        button(lang, "btn_besitos", CallbackData::Besitos),
        button(lang, "btn_menu", CallbackData::Menu),
    ]])
}

pub(super) fn back_to_menu(lang: Lang) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([vec![button(lang, "btn_menu", CallbackData::Menu)]])
}

fn confirm_delete(lang: Lang) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([
        vec![button(lang, "btn_confirm_delete", CallbackData::ConfirmDelete)],
        vec![button(lang, "btn_cancel", CallbackData::CancelDelete)],
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use diana_actors::domain::LedgerLine;
    use diana_actors::domain::economy::Economy;
    use diana_actors::domain::gift::Gift;
    use diana_actors::domain::interface::Suggestion;
    use diana_actors::domain::level;
    use diana_actors::domain::reply::{ClueEntry, RelationshipView, StoryNote};
    use diana_actors::domain::story_rules::{RelationshipType, Requirement, SceneLine, StoryChoice};

    fn out(reply: Reply, lang: Lang) -> Outgoing {
        Outgoing { id: 1, chat_id: 1, user_id: Some(1), lang, reply }
    }

    #[test]
    fn a_hostile_name_is_escaped_and_menu_has_buttons() {
        let r = render(&out(
            Reply::Welcome { first_name: r#"<b>Ana</b> & "Co""#.into(), returning: false, referral_bonus: Some(25) },
            Lang::Es,
        ));
        let Rendered::Text { text, .. } = r else { panic!("text expected") };
        assert!(text.contains("&lt;b&gt;Ana&lt;/b&gt; &amp; &quot;Co&quot;"));
        assert!(text.contains("<b>25</b> besitos"), "{text}");
        let Rendered::Text { keyboard: Some(k), .. } = render(&out(Reply::MainMenu, Lang::En)) else {
            panic!("menu keyboard expected")
        };
        assert_eq!(k.inline_keyboard.iter().flatten().count(), 12);
    }

    /// Every reward of the gift table, with every streak remark.
    fn gifts(economy: &Economy) -> Vec<Reply> {
        economy
            .gift
            .rarities
            .iter()
            .flat_map(|r| r.rewards.iter().map(move |w| (r.id.clone(), w.reward.clone())))
            .map(|(rarity, reward)| {
                Reply::DailyGift(diana_actors::domain::DailyGift {
                    gift: Gift { rarity, reward },
                    paid: Some(12),
                    capped: false,
                    streak: 7,
                    milestone: Some((7, 50)),
                    freezes_used: 1,
                    late_claim_forgiven: true,
                    streak_lost: true,
                    clues: vec!["La carta <de> Valeria".into()],
                    vip_bonus: Some(10),
                })
            })
            .collect()
    }

    fn story_lines() -> Vec<SceneLine> {
        vec![
            SceneLine { speaker: Some("💋 Diana".into()), text: "<Hola> & adiós".into() },
            SceneLine { speaker: None, text: "x".repeat(2900) },
        ]
    }

    fn story_choices() -> Vec<StoryChoice> {
        vec![
            StoryChoice { text: "Sí".into(), vip: false, cost: None },
            StoryChoice { text: "Un poema".into(), vip: false, cost: Some(20) },
            StoryChoice { text: "El diario".repeat(10), vip: true, cost: Some(5) },
        ]
    }

    #[test]
    fn story_choices_show_their_gates_and_long_scenes_fit() {
        let scene = Reply::StoryScene {
            lines: story_lines(),
            choices: story_choices(),
            turn: 7,
            ended: false,
            vip: false,
            found: vec![],
            note: None,
            felt: vec![],
            chapter: None,
        };
        let Rendered::Text { text, keyboard: Some(k) } = render(&out(scene, Lang::Es)) else { panic!() };
        assert!(text.starts_with("<b>💋 Diana</b>: &lt;Hola&gt; &amp; adiós"), "{text}");
        let labels: Vec<String> = k.inline_keyboard.iter().flatten().map(|b| b.text.clone()).collect();
        assert_eq!(labels[0], "Sí");
        assert_eq!(labels[1], "Un poema · 💋 20");
        assert!(labels[2].starts_with("🔒 El diario") && labels[2].ends_with("· 💋 5"), "{}", labels[2]);
        assert!(labels[2].chars().count() <= 80);
        let photo = Reply::StoryImage { asset: "salon".into() };
        assert!(matches!(render(&out(photo, Lang::Es)), Rendered::Photo { asset } if asset == "salon"));
    }

    /// Every shop screen, for every item and refusal.
    fn shop_replies() -> Vec<Reply> {
        use diana_actors::domain::ShopOffer;
        use diana_actors::domain::shop::{Catalogue, Refusal};
        let catalogue = Catalogue::embedded().unwrap();
        let refusals = [
            None,
            Some(Refusal::NotEnoughBesitos { missing: 5 }),
            Some(Refusal::LevelTooLow { needed: 3 }),
            Some(Refusal::VipOnly),
            Some(Refusal::AlreadyOwned),
            Some(Refusal::UnknownItem),
        ];
        let offers = catalogue
            .items
            .iter()
            .zip(refusals.iter().cycle())
            .map(|(i, r)| ShopOffer { item_id: i.id.clone(), price: i.price, refusal: *r })
            .collect();
        let mut replies = vec![
            Reply::Shop { balance: 100, offers, offer: u32::MAX },
            Reply::Backpack { items: vec![], title: None, clues: 0 },
            Reply::Backpack {
                items: catalogue.items.iter().map(|i| (i.id.clone(), 2)).collect(),
                title: Some("title_musa".into()),
                clues: 3,
            },
        ];
        for item in &catalogue.items {
            replies.push(Reply::Purchased { item_id: item.id.clone(), balance: 3, clues: vec!["Pista".into()] });
            replies.push(Reply::AlreadyBought { item_id: item.id.clone() });
            replies.push(Reply::NothingToUse { item_id: item.id.clone() });
            replies.push(Reply::StrongerBoostActive { item_id: item.id.clone() });
            replies.push(Reply::ItemUsed {
                item_id: item.id.clone(),
                reward: diana_actors::domain::economy::GiftReward::Besitos { amount: 9 },
                paid: Some(9),
            });
            for refusal in refusals.iter().flatten() {
                replies.push(Reply::PurchaseRefused { item_id: item.id.clone(), refusal: *refusal });
            }
        }
        replies
    }

    fn ranking_replies() -> Vec<Reply> {
        use diana_actors::domain::leaderboard::{Row, Standings};
        let row = |rank: i64, user_id: i64| Row {
            rank,
            user_id,
            name: if user_id == 3 { String::new() } else { format!("<P{user_id}>") },
            title: (rank == 1).then(|| "title_musa".to_owned()),
            badge: (rank == 2).then(|| "premium".to_owned()),
            score: 1000 - rank,
        };
        let top: Vec<Row> = (1..=10).map(|r| row(r, r)).collect();
        let around: Vec<Row> = (40..=44).map(|r| row(r, r)).collect();
        let standings = |me: Option<Row>, around: Vec<Row>, top: Vec<Row>| Standings {
            board: Board::Points,
            period: Period::Week,
            top,
            around,
            me,
            players: 99,
        };
        vec![
            Reply::Ranking { standings: standings(Some(row(42, 42)), around.clone(), top.clone()) },
            Reply::Ranking { standings: standings(Some(row(2, 2)), top[..4].to_vec(), top.clone()) },
            Reply::Ranking { standings: standings(None, vec![], top) },
            Reply::Ranking { standings: standings(None, vec![], vec![]) },
        ]
    }

    fn trivia_and_mission_replies() -> Vec<Reply> {
        use diana_actors::domain::MissionProgress;
        use diana_actors::domain::missions::Missions;
        use diana_actors::domain::trivia::Bank;
        let bank = Bank::embedded().unwrap();
        let mut replies: Vec<Reply> = bank
            .questions
            .iter()
            .map(|q| Reply::TriviaQuestion {
                round_id: i64::MAX,
                difficulty: q.difficulty,
                text: q.text.clone(),
                options: q.options.clone(),
                reward: 100,
                fast_seconds: 30,
                expires_at: chrono::Utc::now(),
            })
            .collect();
        replies.extend([
            Reply::TriviaRight { paid: Some(15), fast: true },
            Reply::TriviaRight { paid: None, fast: false },
            Reply::StoryScene {
                lines: story_lines(),
                choices: story_choices(),
                turn: 3,
                ended: false,
                vip: false,
                found: vec!["La <carta>".into()],
                note: Some(StoryNote::Resumed { chapter: Some(2) }),
                felt: vec![],
                chapter: None,
            },
            Reply::StoryScene {
                lines: story_lines(),
                choices: vec![],
                turn: 4,
                ended: true,
                vip: true,
                found: vec![],
                note: Some(StoryNote::Resumed { chapter: None }),
                felt: vec![],
                chapter: None,
            },
            Reply::StoryText { lines: story_lines() },
            // A choice that leads straight to more choices: still a message Telegram accepts.
            Reply::StoryScene {
                lines: vec![],
                choices: story_choices(),
                turn: 5,
                ended: false,
                vip: false,
                found: vec![],
                note: None,
                felt: vec![],
                chapter: None,
            },
            Reply::StoryChapterLocked { chapter: 3, requirement: Requirement::Level(2) },
            Reply::StoryChapterLocked { chapter: 3, requirement: Requirement::Besitos(100) },
            Reply::StoryChapterLocked { chapter: 3, requirement: Requirement::Vip },
            Reply::StoryChapterLocked { chapter: 3, requirement: Requirement::Chapter(2) },
            Reply::Clues { entries: vec![], held: 0, total: 9, continued: false },
            Reply::Clues {
                entries: vec![ClueEntry { name: "<Carta>".into(), text: "Una & otra ".repeat(90) }; 3],
                held: 9,
                total: 9,
                continued: false,
            },
            Reply::Clues {
                entries: vec![ClueEntry { name: "<Carta>".into(), text: "Una & otra".into() }; 2],
                held: 9,
                total: 9,
                continued: true,
            },
            Reply::VipInfo { vip: false, plan: None, expires_at: None, card: true, paypal: true },
            Reply::VipInfo {
                vip: true,
                plan: Some("premium".into()),
                expires_at: Some(chrono::Utc::now()),
                card: false,
                paypal: false,
            },
            Reply::VipActivated { plan: "vip".into(), expires_at: chrono::Utc::now() },
            Reply::PaymentProblem,
            Reply::Banned,
            Reply::MessageFromTeam { text: "Hola <b>tú</b> & compañía".into(), broadcast: None },
            Reply::AdminLoginLink { url: "https://diana.example/admin/login?token=ab&c".into() },
            Reply::StoryReset,
            Reply::ChannelWelcome { minutes: 5 },
            Reply::TokenRefused { refusal: diana_actors::payments::TokenRefusal::Used },
            Reply::TokenRefused { refusal: diana_actors::payments::TokenRefusal::Expired },
            Reply::TokenRefused { refusal: diana_actors::payments::TokenRefusal::Unknown },
            Reply::VipEndingSoon { days: 3, expires_at: chrono::Utc::now(), plan: "premium".into() },
            Reply::VipEnded { refunded: false },
            Reply::VipEnded { refunded: true },
            Reply::StaleScene,
            Reply::StoryUnavailable,
            Reply::StoryNeedsVip,
            Reply::StoryNeedsBesitos { missing: 20 },
            Reply::TriviaWrong { correct_option: "<Madrid>".into() },
            Reply::TriviaExpired,
            Reply::TriviaAlreadyAnswered,
            Reply::TriviaNotAsked,
            Reply::TriviaDone { next_at: chrono::Utc::now() },
        ]);
        let missions = Missions::embedded().unwrap();
        replies.extend(
            missions.all.iter().map(|m| Reply::MissionCompleted { mission_id: m.id.clone(), reward: m.reward }),
        );
        let entries = missions
            .all
            .iter()
            .enumerate()
            .map(|(i, m)| MissionProgress {
                mission_id: m.id.clone(),
                daily: i % 2 == 0,
                progress: 1,
                target: m.target,
                reward: m.reward,
                completed: i % 3 == 0,
            })
            .collect();
        replies.push(Reply::Missions { entries });
        replies.push(Reply::Missions { entries: vec![] });
        replies
    }

    fn achievement_replies() -> Vec<Reply> {
        use diana_actors::domain::achievements::{Achievements, progress_view};
        let all = Achievements::embedded().unwrap();
        let mut replies: Vec<Reply> = all
            .all
            .iter()
            .flat_map(|a| {
                (1..=a.tiers.len() as u32).map(|tier| Reply::AchievementUnlocked {
                    achievement_id: a.id.clone(),
                    tier,
                    reward: 10,
                })
            })
            .collect();
        let counters = std::collections::HashMap::from([("daily_claims".to_owned(), 8)]);
        let unlocked = std::collections::HashMap::from([("primer_regalo".to_owned(), vec![1])]);
        replies.push(Reply::Achievements { entries: progress_view(&all, &counters, &unlocked) });
        replies
    }

    #[test]
    fn achievements_show_progress_and_hide_secrets() {
        let list = achievement_replies().pop().unwrap();
        let Rendered::Text { text, .. } = render(&out(list, Lang::Es)) else { panic!() };
        assert!(text.contains("🏅 <b>El primer regalo</b>"), "{text}");
        assert!(text.contains("▰▰▰▰▰▰▰▱ 7/7") || text.contains("7/7"), "{text}");
        assert!(text.contains("❓ <i>Logro secreto</i>"), "{text}");
        assert!(!text.contains("Lluvia de besitos"), "a secret name leaked: {text}");
    }

    #[test]
    fn the_ranking_marks_the_player_and_escapes_names() {
        let first = ranking_replies().remove(0);
        let Rendered::Text { text, keyboard: Some(k) } = render(&out(first, Lang::Es)) else { panic!() };
        assert!(text.contains("🥇 &lt;P1&gt; · Musa — 999"), "{text}");
        assert!(text.contains("<b>42. &lt;P42&gt; — 958</b> 👈"), "{text}");
        assert!(text.contains("puesto <b>42</b> de 99"), "{text}");
        assert!(text.contains("🥉 Alguien"), "an erased player shows as someone: {text}");
        assert!(text.contains("👑 &lt;P2&gt;"), "a Premium player wears the badge: {text}");
        assert_eq!(k.inline_keyboard[0].len(), 3, "week, month, all time");
        assert_eq!(k.inline_keyboard[1].len(), 3, "streaks, trivia, menu");
    }

    #[test]
    fn the_profile_shows_level_progress_title_and_characters() {
        let economy = Economy::embedded().unwrap();
        let profile = Reply::Profile {
            first_name: "Ana".into(),
            besitos: 7,
            current_streak: 1,
            longest_streak: 2,
            member_since: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            level: level::standing(&economy.levels, 150),
            title: Some("title_musa".into()),
            relationships: vec![
                RelationshipView { character: "💋 Diana".into(), score: 5, kind: RelationshipType::Romantic },
                RelationshipView { character: "🎩 Lucien".into(), score: -2, kind: RelationshipType::Rival },
            ],
            badge: Some("vip".into()),
        };
        let Rendered::Text { text, .. } = render(&out(profile, Lang::Es)) else { panic!() };
        assert!(text.contains("Nivel 2: <b>Conocida</b>"), "{text}");
        assert!(text.contains("50/200"), "{text}");
        assert!(text.contains("Tu título: <b>Musa</b>"), "{text}");
        assert!(text.contains("<b>Personajes</b>\n💋 Diana: romance (+5)\n🎩 Lucien: rivalidad (-2)"), "{text}");
        assert!(text.contains("Suscripción: <b>💎 VIP</b>"), "{text}");
    }

    #[test]
    fn the_shop_names_items_and_its_buttons_fit() {
        let shop = shop_replies().remove(0);
        let Rendered::Text { text, keyboard: Some(k) } = render(&out(shop, Lang::Es)) else { panic!() };
        assert!(text.contains("Congelador de racha") && text.contains("Solo para VIP"), "{text}");
        assert!(!text.contains("streak_freeze"), "ids never reach the player: {text}");
        for b in k.inline_keyboard.iter().flatten() {
            if let teloxide::types::InlineKeyboardButtonKind::CallbackData(data) = &b.kind {
                assert!(data.len() <= 64, "{data}");
            }
        }
    }

    #[test]
    fn every_gift_names_its_rarity_and_reward() {
        for reply in gifts(&Economy::embedded().unwrap()) {
            let Rendered::Text { text, .. } = render(&out(reply.clone(), Lang::Es)) else { panic!() };
            assert!(!text.contains("movimiento"), "an unnamed item or clue in {reply:?}: {text}");
            assert!(!text.contains(" · \n"), "an unnamed rarity: {text}");
        }
    }

    #[test]
    fn every_reply_renders_within_limits_in_both_languages() {
        let since = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let economy = Economy::embedded().unwrap();
        let replies: Vec<Reply> = [
            Reply::Welcome { first_name: "x".repeat(5000), returning: true, referral_bonus: None },
            Reply::MainMenu,
            Reply::Profile {
                first_name: "y".repeat(5000),
                besitos: 1,
                current_streak: 2,
                longest_streak: 3,
                member_since: since,
                level: level::standing(&economy.levels, 150),
                title: Some("title_musa".into()),
                relationships: vec![
                    RelationshipView {
                        character: "z".repeat(300),
                        score: 1,
                        kind: RelationshipType::Friend
                    };
                    3
                ],
                badge: Some("premium".into()),
            },
            Reply::Profile {
                first_name: "top".into(),
                besitos: 1,
                current_streak: 2,
                longest_streak: 3,
                member_since: since,
                level: level::standing(&economy.levels, 1_000_000),
                title: None,
                relationships: vec![],
                badge: None,
            },
            Reply::DailyAlreadyClaimed { next_at: since, streak: 4 },
            Reply::Besitos { balance: 10, total: 20, entries: vec![] },
            Reply::Besitos {
                balance: 10,
                total: 20,
                entries: ["daily_gift", "streak_milestone", "referral", "referral_welcome", "unknown_kind"]
                    .iter()
                    .map(|a| LedgerLine { action_type: a.to_string(), points_change: -5, balance_after: 10, at: since })
                    .collect(),
            },
            Reply::ReferralRewarded { friend_name: "<Bea>".into(), amount: 50 },
            Reply::Help,
            Reply::PersonalMenu {
                mood: None,
                archetype: Some("competidor".into()),
                day_part: Some("night".into()),
                streak_at_risk: true,
                suggestion: Some(Suggestion::KeepStreak { streak: 365 }),
            },
            Reply::PersonalMenu {
                mood: Some("triste".into()),
                archetype: None,
                day_part: Some("morning".into()),
                streak_at_risk: false,
                suggestion: Some(Suggestion::Comfort),
            },
            Reply::PersonalMenu {
                mood: Some("aburrido".into()),
                archetype: Some("social".into()),
                day_part: None,
                streak_at_risk: false,
                suggestion: Some(Suggestion::Challenge),
            },
            Reply::PersonalMenu {
                mood: None,
                archetype: None,
                day_part: Some("afternoon".into()),
                streak_at_risk: false,
                suggestion: Some(Suggestion::Recommended { item: "tienda:rosa".into(), name: "<Rosa> & co".into() }),
            },
            Reply::PersonalMenu {
                mood: None,
                archetype: None,
                day_part: Some("evening".into()),
                streak_at_risk: false,
                suggestion: Some(Suggestion::Recommended { item: "capitulo:3".into(), name: String::new() }),
            },
            Reply::PersonalMenu {
                mood: Some("feliz".into()),
                archetype: Some("explorador".into()),
                day_part: Some("evening".into()),
                streak_at_risk: false,
                suggestion: Some(Suggestion::ContinueStory { chapter: 2 }),
            },
            Reply::PrivacyMenu { reminders: true },
            Reply::PrivacyMenu { reminders: false },
            Reply::StreakReminder { streak: 12, hours_left: 3 },
            Reply::RemindersSet { on: false },
            Reply::ConfirmDelete,
            Reply::DataDeleted,
            Reply::DeleteCancelled,
            Reply::Unrecognised,
            Reply::PleaseStart,
            Reply::SlowDown,
            Reply::SomethingWentWrong,
        ]
        .into_iter()
        .chain(gifts(&economy))
        .chain(shop_replies())
        .chain(ranking_replies())
        .chain(achievement_replies())
        .chain(trivia_and_mission_replies())
        .collect();
        for lang in [Lang::Es, Lang::En] {
            for reply in &replies {
                let Rendered::Text { text, keyboard } = render(&out(reply.clone(), lang)) else { panic!() };
                assert!(!text.is_empty() && text.chars().count() <= MAX_TEXT_CHARS, "{reply:?}");
                assert!(!text.contains('{'), "unfilled placeholder in {reply:?}: {text}");
                for b in keyboard.iter().flat_map(|k| k.inline_keyboard.iter().flatten()) {
                    assert!(!b.text.is_empty());
                }
            }
        }
    }
}
