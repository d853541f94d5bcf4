//! One update, applied in one transaction: claim its `update_id`, apply its effects, commit the
//! replies to the outbox. Nothing is answered before the commit.

use super::{UserDeps, daily, referral, shop, trivia};
use crate::achievements::Evaluate;
use crate::domain::flood::{self, FloodVerdict};
use crate::domain::referral::{StartPayload, referrer_for_new_user};
use crate::domain::{Action, Lang, LedgerLine, Notice, Outgoing, Player, Reply, UserUpdate};
use crate::domain::{achievements, level};
use crate::leaderboard::{GetStandings, PlayerScored};
use crate::store::{self, StoreError, outbox::Pending};

/// What came of an update.
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateOutcome {
    /// Effects committed; these replies are in the outbox, and the button (if any) gets `notice`.
    Applied { outgoing: Vec<Outgoing>, notice: Option<Notice> },
    /// This `update_id` was processed before; nothing was done.
    Duplicate,
}

/// Apply `update` for a user whose stored state is `player` (`None`: not registered).
/// `local` is the in-process flood verdict, used when Redis does not answer. The update shares
/// a group commit with other users' updates unless `alone`.
/// Returns the player as it is after the commit.
pub(super) async fn apply_update(
    deps: &UserDeps,
    mut player: Option<Player>,
    update: UserUpdate,
    local: FloodVerdict,
    alone: bool,
) -> Result<(Option<Player>, UpdateOutcome), StoreError> {
    let user_id = update.identity.user_id;
    // Standings come from another actor that needs its own connection: ask before taking ours,
    // so a slow board can never hold the pool.
    let asked = match &update.action {
        Action::ShowRanking { board, period } => vec![standings(deps, *board, *period, user_id).await?],
        // The reconciler records the payment on a connection of its own: ask it before taking
        // ours, so a payment never waits for a second connection while holding the first.
        Action::PaymentReceived { .. } => super::vip::paid(deps, user_id, &update.action).await?,
        _ => Vec::new(),
    };
    let seat = if alone || update.action.commits_alone() {
        deps.commits.solo().await?
    } else {
        deps.commits.seat(super::directory::spread(user_id, deps.commits.lanes())).await?
    };
    let tx = seat.transaction();
    // A banned player is neither flood-counted nor moved on (days, missions): only the ban answers.
    let registered = player.as_ref().map(|p| p.user_id);
    let banned = match update.update_id {
        Some(update_id) => {
            let kind = update.action.kind();
            let claim = store::updates::claim(&tx, update_id, registered.or(Some(user_id)), kind, registered).await?;
            if !claim.fresh {
                // Wrote nothing; the seat still waits for its batch, which has no effect here.
                drop(tx);
                seat.commit().await?;
                return Ok((player, UpdateOutcome::Duplicate));
            }
            claim.banned
        }
        None if registered.is_some() => store::users::ban_state(&tx, user_id).await?,
        None => None,
    };
    let asked = Asked { replies: asked, banned };
    // Counted only once the update is claimed: redeliveries must not eat the budget.
    let verdict = if let Some(update_id) = update.update_id
        && update.action.is_user_initiated()
        && !update.action.is_payment()
        && banned.is_none()
    {
        let minute = chrono::Utc::now().timestamp() / 60;
        // A set of the minute's update ids (not a counter, as it once was under "flood"): an
        // update applied again after its group rolled back is not counted twice.
        let key = deps.redis.key(&["flood_updates", &user_id.to_string(), &minute.to_string()]);
        match deps.redis.count_once(&key, &update_id.to_string(), 120).await {
            Some(count) => flood::verdict(count, deps.settings.flood_per_minute),
            None => local,
        }
    } else {
        FloodVerdict::Allowed
    };

    let lang = player.as_ref().map_or(Lang::from_language_code(update.identity.language_code.as_deref()), |p| {
        if p.identity_differs(&update.identity) {
            Lang::from_language_code(update.identity.language_code.as_deref())
        } else {
            p.lang()
        }
    });
    if let Some(p) = player.as_mut() {
        p.context.set_game_tz(deps.settings.timezone);
    }
    let mut replies = Vec::new();
    // The player's first action today: a day-count moved, achievements and missions may follow.
    let mut new_day = false;
    // Replies to other players (a referrer told about their new friend).
    let mut elsewhere = Vec::new();
    let notice = match verdict {
        FloodVerdict::Ignore => Some(Notice::SlowDown),
        FloodVerdict::SlowDown => {
            replies.push(Reply::SlowDown);
            Some(Notice::SlowDown)
        }
        FloodVerdict::Allowed => {
            if let Some(p) = player.as_mut().filter(|_| update.action.is_user_initiated() && banned.is_none()) {
                let today = chrono::Utc::now().with_timezone(&deps.settings.timezone).date_naive();
                // Most updates come on a day already counted: the actor remembers, and the
                // statement is skipped.
                if p.counted_active_on != Some(today) {
                    new_day = store::achievements::bump(&tx, user_id, "days_active", 1, today, true).await?;
                    if new_day {
                        store::analytics::mark_active(&tx, user_id, today).await?;
                    }
                    p.counted_active_on = Some(today);
                }
                if p.missions_assigned_on != Some(today) {
                    let (missions, economy) = (deps.settings.content.missions.get(), &deps.settings.economy);
                    super::missions::ensure_assigned(&tx, &missions, economy, user_id, today).await?;
                    p.missions_assigned_on = Some(today);
                }
                if p.identity_differs(&update.identity) {
                    store::users::update_identity(&tx, &update.identity).await?;
                    p.adopt_identity(&update.identity);
                }
                if !p.is_active {
                    store::users::set_active(&tx, user_id, true).await?;
                    p.is_active = true;
                }
            }
            apply_action(&tx, deps, &mut player, &update, &mut replies, &mut elsewhere, asked).await?
        }
    };

    if let Some(p) = player.as_mut() {
        let now = chrono::Utc::now();
        for reply in &replies {
            p.context.observe_reply(reply, now);
        }
    }
    let pending = replies
        .into_iter()
        .map(|reply| Pending { chat_id: update.chat_id, user_id: Some(user_id), lang, reply })
        .chain(elsewhere)
        .collect::<Vec<_>>();
    let scored: Vec<i64> = pending_scored(&update, &pending);
    drop(tx);
    let outgoing = seat.commit_with(pending).await?;
    if let Some(leaderboard) = &deps.leaderboard {
        for user_id in &scored {
            leaderboard.do_send(PlayerScored { user_id: *user_id });
        }
    }
    if let Some(achievements) = &deps.achievements {
        let buying = (new_day || matches!(update.action, Action::Buy { .. })).then_some(user_id);
        for user_id in scored.iter().copied().chain(buying) {
            achievements.do_send(Evaluate { user_id });
        }
    }
    Ok((player, UpdateOutcome::Applied { outgoing, notice }))
}

/// The main menu for this player now (`interface::main_menu`), with the recommender's pick
/// among what they can act on: shop items on sale to them, achievements they can chase (not
/// secret), and the next chapter at most.
fn main_menu(deps: &UserDeps, p: &Player, now: chrono::DateTime<chrono::Utc>) -> Reply {
    let lang = p.lang();
    let shop = deps.settings.content.shop.get();
    let achievements = deps.settings.content.achievements.get();
    let next_chapter = p.context.chapter().unwrap_or(0) + 1;
    let vip = p.context.is_vip(now);
    let name_of = |item: &str| -> Option<String> {
        match item.split_once(':')? {
            // What they could not buy (VIP only, for a player without VIP) is not proposed.
            ("tienda", id) => {
                shop.items.iter().find(|i| i.id == id && (!i.vip_only || vip)).map(|i| i.wording.name(lang).to_owned())
            }
            ("logro", id) => {
                achievements.all.iter().find(|a| a.id == id && !a.secret).map(|a| a.wording.name(lang).to_owned())
            }
            ("capitulo", n) => n.parse::<i32>().ok().filter(|n| *n <= next_chapter).map(|_| String::new()),
            _ => None,
        }
    };
    // Asked only if the menu gets as far as a recommendation (a streak at risk or a mood
    // comes first).
    let recommended = || {
        let picked = deps.settings.recommender.get().recommend(p.context.engaged(), 1, |item| name_of(item).is_some());
        picked.into_iter().next().and_then(|item| name_of(&item).map(|name| (item, name)))
    };
    crate::domain::interface::main_menu(&p.context, p.archetype.as_deref(), recommended, now)
}

/// The effects of one action. Writes through `tx`, pushes replies, and may answer the button.
async fn apply_action(
    tx: &store::Transaction<'_>,
    deps: &UserDeps,
    player: &mut Option<Player>,
    update: &UserUpdate,
    replies: &mut Vec<Reply>,
    elsewhere: &mut Vec<Pending>,
    asked: Asked,
) -> Result<Option<Notice>, StoreError> {
    let user_id = update.identity.user_id;
    // Someone from the channels who never opened the bot becomes a player on the way, and the
    // event is handled as any player's.
    if player.is_none() && update.action.is_channel_event() {
        *player = register_quietly(tx, update).await?;
    }
    let Some(p) = player.as_mut() else {
        match &update.action {
            Action::Start { payload } => {
                let payload = payload.as_deref().map_or(StartPayload::Unknown, StartPayload::parse);
                let referrer = referrer_for_new_user(user_id, true, &payload);
                let registered = store::users::register(tx, &update.identity, referrer).await?;
                let returning = registered.is_none();
                *player = match registered {
                    Some(p) => Some(p),
                    // Registered concurrently by another node: use what is stored.
                    None => load_in_tx(tx, user_id).await?,
                };
                // Their first session begins here (a returning player's went on as it was).
                if let Some(p) = player.as_mut().filter(|_| !returning) {
                    p.context.first_session(update.action.kind(), chrono::Utc::now());
                }
                let first_name = update.identity.first_name.clone();
                let mut referral_bonus = None;
                if !returning && let Some(referrer) = store::users::referrer_of(tx, user_id).await? {
                    let (bonus, notice) = referral::reward(tx, deps, user_id, &first_name, referrer).await?;
                    referral_bonus = bonus;
                    elsewhere.extend(notice);
                }
                replies.extend([Reply::Welcome { first_name, returning, referral_bonus }, Reply::MainMenu]);
                if let StartPayload::Token { token } = &payload {
                    replies.extend(super::vip::redeem(tx, deps, user_id, token).await?);
                }
            }
            Action::BlockedBot | Action::UnblockedBot => {}
            Action::StaleButton => return Ok(Some(Notice::StaleButton)),
            #[cfg(test)]
            Action::Explode => panic!("test explosion for user {user_id}"),
            _ => replies.push(Reply::PleaseStart),
        }
        return Ok(None);
    };
    let Asked { replies: mut asked, banned } = asked;
    // A banned player hears about it once; then nothing, except that payments are answered and
    // the VIP channel still keeps them out.
    if let Some(told) = banned {
        match &update.action {
            Action::PreCheckout { query_id, .. } => {
                let refusal = Some(crate::domain::plans::CheckoutRefusal::Banned);
                replies.push(Reply::PreCheckoutAnswer { query_id: query_id.clone(), refusal });
            }
            Action::PaymentReceived { .. } => replies.append(&mut asked),
            Action::JoinedChannel { channel_id } => {
                replies.extend(super::channels::joined(tx, deps, user_id, *channel_id).await?);
            }
            Action::BlockedBot | Action::UnblockedBot | Action::JoinRequest { .. } | Action::Reacted { .. } => {}
            _ if !told => {
                store::users::ban_told(tx, user_id).await?;
                replies.push(Reply::Banned);
            }
            _ => {}
        }
        return Ok(None);
    }
    let now = chrono::Utc::now();
    if update.action.is_user_initiated() {
        p.context.observe(update.action.kind(), now);
        // Play refines the archetype (saved with the habits when the actor passivates); only
        // an action that says something of the player's type can change it.
        if crate::domain::archetype::signal_of(update.action.kind()).is_some() {
            let signals = p.context.habits().signals;
            let refined = crate::domain::archetype::refine(p.context.personality(), signals, p.archetype.as_deref());
            if refined != p.archetype.as_deref() {
                p.archetype = refined.map(str::to_owned);
            }
        }
    }
    match &update.action {
        Action::Start { payload } => {
            let first_name = p.first_name.clone();
            let menu = main_menu(deps, p, now);
            replies.extend([Reply::Welcome { first_name, returning: true, referral_bonus: None }, menu]);
            if let Some(StartPayload::Token { token }) = payload.as_deref().map(StartPayload::parse) {
                replies.extend(super::vip::redeem(tx, deps, user_id, &token).await?);
            }
        }
        Action::ShowMenu => replies.push(main_menu(deps, p, now)),
        Action::ShowProfile => {
            // Read fresh: others' actions (a referral) may have changed the counters.
            if let Some(c) = store::users::counters(tx, user_id).await? {
                (p.total_points, p.available_points) = (c.total_points, c.available_points);
                (p.current_streak, p.longest_streak) = (c.current_streak, c.longest_streak);
            }
            replies.push(Reply::Profile {
                first_name: p.first_name.clone(),
                besitos: p.available_points,
                current_streak: p.current_streak,
                longest_streak: p.longest_streak,
                member_since: p.created_at,
                level: level::standing(&deps.settings.economy.levels, p.total_points),
                title: store::profiles::title(tx, user_id).await?,
                relationships: relationships(tx, deps, user_id).await?,
                badge: store::payments::active_subscription(tx, user_id).await?.map(|(plan, _, _)| plan),
            });
        }
        Action::ClaimDaily => replies.push(daily::claim(tx, deps, user_id).await?),
        Action::ShowShop => replies.push(shop::show(tx, deps, user_id).await?),
        Action::Buy { item_id, offer } => replies.push(shop::buy(tx, deps, user_id, item_id, *offer).await?),
        Action::ShowBackpack => replies.push(shop::backpack(tx, user_id).await?),
        Action::AskTrivia => replies.push(trivia::ask(tx, deps, user_id).await?),
        Action::PlayStory { choice } => replies.extend(super::story::play(tx, deps, user_id, *choice).await?),
        Action::ShowClues => replies.extend(super::clues::show(tx, deps, user_id).await?),
        Action::StartStoryAgain => replies.extend(super::story::start_again(tx, deps, user_id).await?),
        Action::StoryResetByAdmin => replies.extend(super::story::reset(tx, deps, user_id).await?),
        Action::ShowVip => replies.push(super::vip::show(tx, deps, user_id).await?),
        Action::BuyPlanByCard { plan, provider } => {
            replies.push(super::vip::buy_by_card(tx, deps, user_id, plan, *provider).await?)
        }
        Action::JoinRequest { channel_id } => {
            replies.extend(super::channels::join_request(tx, deps, user_id, *channel_id).await?);
        }
        Action::JoinedChannel { channel_id } => {
            replies.extend(super::channels::joined(tx, deps, user_id, *channel_id).await?);
        }
        Action::Reacted { channel_id, message_id, emoji } => {
            super::channels::reacted(tx, deps, user_id, *channel_id, *message_id, emoji.as_deref()).await?;
        }
        Action::BuyPlan { plan } => replies.push(super::vip::buy(tx, deps, user_id, plan).await?),
        Action::PreCheckout { query_id, payload, currency, total } => {
            replies.push(super::vip::pre_checkout(tx, deps, user_id, query_id, payload, currency, *total).await?);
        }
        Action::PaymentReceived { .. } => replies.append(&mut asked),
        Action::ShowMissions => {
            let today = chrono::Utc::now().with_timezone(&deps.settings.timezone).date_naive();
            replies.push(super::missions::view(tx, &deps.settings.content.missions.get(), user_id, today).await?);
        }
        Action::AnswerTrivia { round_id, option } => {
            replies.push(trivia::answer(tx, deps, user_id, *round_id, *option).await?)
        }
        Action::ShowAchievements => {
            let counters = store::achievements::counters(tx, user_id).await?;
            let unlocked = store::achievements::unlocked(tx, user_id).await?;
            let entries = achievements::progress_view(&deps.settings.content.achievements.get(), &counters, &unlocked);
            replies.push(Reply::Achievements { entries });
        }
        Action::ShowRanking { .. } => replies.push(asked.pop().unwrap_or(Reply::SomethingWentWrong)),
        Action::UseItem { item_id } => {
            let key = update.update_id.unwrap_or_default();
            replies.push(shop::use_item(tx, deps, user_id, item_id, key).await?);
        }
        Action::ShowBesitos => {
            let entries = store::ledger::recent(tx, user_id, 10).await?;
            let fresh = store::users::counters(tx, user_id).await?;
            let (balance, total) = fresh.map_or((0, 0), |c| (c.available_points, c.total_points));
            let entries = entries
                .into_iter()
                .map(|e| LedgerLine {
                    action_type: e.action_type,
                    points_change: e.points_change,
                    balance_after: e.balance_after,
                    at: e.created_at,
                })
                .collect();
            replies.push(Reply::Besitos { balance, total, entries });
        }
        Action::ShowHelp => replies.push(Reply::Help),
        Action::ShowPrivacy => replies.push(Reply::PrivacyMenu { reminders: p.context.reminders() }),
        Action::SetReminders { on } => {
            store::reminders::set_wanted(tx, user_id, *on).await?;
            p.context.set_reminders(*on);
            replies.push(Reply::RemindersSet { on: *on });
        }
        // Answered by the router; one that got here anyway is an unknown command.
        Action::AdminLogin => replies.push(Reply::Unrecognised),
        Action::ExportMyData => {
            let doc = store::users::export(tx, user_id).await?;
            let actor = format!("user:{user_id}");
            store::audit::append(tx, &actor, "privacy.export", &actor, None, None).await?;
            replies.push(Reply::DataExport {
                file_name: format!("diana-{user_id}.json"),
                json: serde_json::to_string_pretty(&doc)?,
            });
        }
        Action::AskDeleteMyData => replies.push(Reply::ConfirmDelete),
        Action::ConfirmDeleteMyData => {
            let anonymous_id = store::users::anonymise(tx, user_id).await?;
            let target = format!("user:{anonymous_id}");
            store::audit::append(tx, &target, "privacy.delete", &target, None, None).await?;
            replies.push(Reply::DataDeleted);
            *player = None;
        }
        Action::CancelDeleteMyData => replies.push(Reply::DeleteCancelled),
        Action::Unrecognised => replies.push(Reply::Unrecognised),
        Action::Chat { text } => replies.push(super::mood::chat(tx, deps, p, text, now).await?),
        Action::QuizStart => replies.push(Reply::QuizQuestion { question: 0 }),
        Action::QuizAnswer { question, answer } => {
            let answers = store::profiles::quiz_answer(tx, user_id, *question, *answer).await?;
            match crate::domain::archetype::from_answers(&answers) {
                // The quiz decides once; play refines it afterwards.
                Some((archetype, personality)) if p.context.personality().is_none() => {
                    let dims: serde_json::Map<String, serde_json::Value> = crate::domain::archetype::ARCHETYPES
                        .iter()
                        .zip(personality)
                        .map(|(name, share)| ((*name).to_owned(), share.into()))
                        .collect();
                    let dims = serde_json::Value::Object(dims);
                    store::profiles::finish_quiz(tx, user_id, Some(archetype), Some(&dims)).await?;
                    p.archetype = Some(archetype.to_owned());
                    p.context.set_personality(personality);
                    replies.extend([Reply::QuizResult { archetype: archetype.to_owned() }, main_menu(deps, p, now)]);
                }
                // Already decided: a stale button of the last question.
                Some(_) => replies.push(main_menu(deps, p, now)),
                None => {
                    let next = u8::try_from(answers.len()).unwrap_or(u8::MAX);
                    replies.push(Reply::QuizQuestion { question: next });
                }
            }
        }
        Action::QuizSkip => {
            store::profiles::finish_quiz(tx, user_id, None, None).await?;
            replies.extend([Reply::QuizSkipped, main_menu(deps, p, now)]);
        }
        Action::LabelMood { reading_id, mood } => {
            let (reply, told) = super::mood::label(tx, user_id, *reading_id, *mood).await?;
            // They told her how they feel (answering today's question): she believes them more
            // than her model.
            if let Some(told) = told {
                p.context.read_mood(told, 1.0, now);
            }
            replies.push(reply);
        }
        Action::StaleButton => return Ok(Some(Notice::StaleButton)),
        Action::BlockedBot => {
            store::users::set_active(tx, user_id, false).await?;
            p.is_active = false;
        }
        Action::UnblockedBot => {
            store::users::set_active(tx, user_id, true).await?;
            p.is_active = true;
        }
        #[cfg(test)]
        Action::Explode => panic!("test explosion for user {user_id}"),
    }
    Ok(None)
}

/// The characters the player has met, named as the active story names them.
async fn relationships(
    tx: &store::Transaction<'_>,
    deps: &UserDeps,
    user_id: i64,
) -> Result<Vec<crate::domain::reply::RelationshipView>, StoreError> {
    let book = deps.settings.story.current();
    let named = |id: &str| match book.as_ref().and_then(|b| b.world.character(id)) {
        Some(c) => format!("{} {}", c.emoji, c.nombre),
        None => id.to_owned(),
    };
    Ok(store::story::relationships(tx, user_id)
        .await?
        .into_iter()
        .map(|r| crate::domain::reply::RelationshipView {
            character: named(&r.character),
            score: r.score,
            kind: r.kind,
        })
        .collect())
}

async fn standings(
    deps: &UserDeps,
    board: crate::domain::leaderboard::Board,
    period: crate::domain::leaderboard::Period,
    user_id: i64,
) -> Result<Reply, StoreError> {
    let Some(leaderboard) = &deps.leaderboard else { return Ok(Reply::SomethingWentWrong) };
    match leaderboard.send(GetStandings { board, period, user_id }).await {
        Ok(standings) => Ok(Reply::Ranking { standings: standings? }),
        Err(_) => Ok(Reply::SomethingWentWrong),
    }
}

/// Players whose earnings or streak this update may have changed: its sender for actions
/// that pay or claim, and anyone told of a reward (a referrer).
fn pending_scored(update: &UserUpdate, pending: &[Pending]) -> Vec<i64> {
    let mut scored: Vec<i64> = pending
        .iter()
        .filter(|p| matches!(p.reply, Reply::ReferralRewarded { .. }))
        .filter_map(|p| p.user_id)
        .collect();
    if matches!(
        update.action,
        Action::ClaimDaily
            | Action::UseItem { .. }
            | Action::Start { .. }
            | Action::AnswerTrivia { .. }
            | Action::PlayStory { choice: Some(_) }
    ) {
        scored.push(update.identity.user_id);
    }
    scored
}

/// What was worked out before the action: replies computed outside the transaction
/// (standings, a payment's outcome), and whether the player is banned (`Some(told)`).
struct Asked {
    replies: Vec<Reply>,
    banned: Option<bool>,
}

/// Register a player without a welcome (they came from a channel, not from /start).
async fn register_quietly(tx: &store::Transaction<'_>, update: &UserUpdate) -> Result<Option<Player>, StoreError> {
    match store::users::register(tx, &update.identity, None).await? {
        Some(p) => Ok(Some(p)),
        None => load_in_tx(tx, update.identity.user_id).await,
    }
}

async fn load_in_tx(tx: &store::Transaction<'_>, user_id: i64) -> Result<Option<Player>, StoreError> {
    store::users::load_player_tx(tx, user_id).await
}
