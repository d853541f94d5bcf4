//! `/tienda` and `/mochila`: buying with besitos and using what was bought. A purchase, its
//! ledger row and the item commit together; a button pressed twice buys once.

use super::UserDeps;
use super::wallet::{self, Credited, Debited, Earning};
use crate::domain::economy::GiftReward;
use crate::domain::shop::{self, ItemKind};
use crate::domain::story_world::ClueOrigin;
use crate::domain::{Reply, gift, level};
use crate::store::{self, StoreError, Transaction};
use chrono::Utc;
use serde_json::json;

pub(super) async fn show(tx: &Transaction<'_>, deps: &UserDeps, user_id: i64) -> Result<Reply, StoreError> {
    let Some(wallet) = store::ledger::lock_wallet(tx, user_id).await? else {
        return Ok(Reply::PleaseStart);
    };
    let level = level::standing(&deps.settings.economy.levels, wallet.total_points).number;
    let vip = wallet.is_vip();
    let held = store::inventory::quantities(tx, user_id).await?;
    let mut offers = Vec::new();
    for item in &deps.settings.content.shop.get().items {
        let owned = held.get(&item.id).copied().unwrap_or(0);
        let verdict = shop::may_buy(item, level, vip, owned, wallet.available_points).err();
        offers.push(crate::domain::reply::ShopOffer { item_id: item.id.clone(), price: item.price, refusal: verdict });
    }
    // A fresh number per shop view: its buttons buy once each, however often pressed.
    let offer = rand::random::<u32>();
    Ok(Reply::Shop { balance: wallet.available_points, offers, offer })
}

pub(super) async fn buy(
    tx: &Transaction<'_>,
    deps: &UserDeps,
    user_id: i64,
    item_id: &str,
    offer: u32,
) -> Result<Reply, StoreError> {
    let shop = deps.settings.content.shop.get();
    let Some(item) = shop.get(item_id) else {
        return Ok(Reply::PurchaseRefused { item_id: item_id.to_owned(), refusal: shop::Refusal::UnknownItem });
    };
    let Some(mut wallet) = store::ledger::lock_wallet(tx, user_id).await? else {
        return Ok(Reply::PleaseStart);
    };
    let key = format!("buy:{user_id}:{}:{offer}", item.id);
    if store::ledger::prior(tx, &key, user_id, "shop_purchase", None).await?.key_used {
        return Ok(Reply::AlreadyBought { item_id: item.id.clone() });
    }
    let level = level::standing(&deps.settings.economy.levels, wallet.total_points).number;
    let owned = store::inventory::quantity(tx, user_id, &item.id).await?;
    if let Err(refusal) = shop::may_buy(item, level, wallet.is_vip(), owned, wallet.available_points) {
        return Ok(Reply::PurchaseRefused { item_id: item.id.clone(), refusal });
    }
    // A clue from the shop is a story clue the player lacks; with none left there is nothing to sell.
    if item.kind == ItemKind::Clue && !super::clues::any_left(tx, deps, user_id, ClueOrigin::Tienda).await? {
        return Ok(Reply::PurchaseRefused { item_id: item.id.clone(), refusal: shop::Refusal::AlreadyOwned });
    }
    let context = json!({ "item": item.id, "price": item.price });
    let balance =
        match wallet::debit_locked(tx, &mut wallet, user_id, "shop_purchase", item.price, &key, context).await? {
            Debited::Spent { balance } => balance,
            Debited::AlreadyDone => {
                return Ok(Reply::AlreadyBought { item_id: item.id.clone() });
            }
            Debited::Insufficient { missing, .. } => {
                let refusal = shop::Refusal::NotEnoughBesitos { missing };
                return Ok(Reply::PurchaseRefused { item_id: item.id.clone(), refusal });
            }
            Debited::NoWallet => return Ok(Reply::PleaseStart),
        };
    store::inventory::add(tx, user_id, &item.id, 1).await?;
    let today = Utc::now().with_timezone(&deps.settings.timezone).date_naive();
    store::achievements::bump(tx, user_id, "purchases", 1, today, false).await?;
    if item.kind == ItemKind::Title {
        store::profiles::set_title(tx, user_id, &item.id).await?;
    }
    let clues = match item.kind {
        ItemKind::Clue => super::clues::give_next(tx, deps, user_id, ClueOrigin::Tienda).await?,
        _ => Vec::new(),
    };
    Ok(Reply::Purchased { item_id: item.id.clone(), balance, clues })
}

pub(super) async fn backpack(tx: &Transaction<'_>, user_id: i64) -> Result<Reply, StoreError> {
    let items = store::inventory::all(tx, user_id).await?;
    let title = store::profiles::title(tx, user_id).await?;
    let clues = store::story::clues(tx, user_id).await?.len();
    Ok(Reply::Backpack { items, title, clues })
}

/// Use a boost or open a mystery box from the backpack. `update_id` keys the effects, so a
/// redelivered press uses nothing twice.
pub(super) async fn use_item(
    tx: &Transaction<'_>,
    deps: &UserDeps,
    user_id: i64,
    item_id: &str,
    update_id: i64,
) -> Result<Reply, StoreError> {
    let shop = deps.settings.content.shop.get();
    let usable = shop.get(item_id).filter(|i| matches!(i.kind, ItemKind::Boost | ItemKind::Mystery));
    let Some(item) = usable else {
        return Ok(Reply::NothingToUse { item_id: item_id.to_owned() });
    };
    if item.kind == ItemKind::Boost
        && let Some(wallet) = store::ledger::lock_wallet(tx, user_id).await?
        && wallet.boost_until.is_some_and(|until| until > Utc::now())
        && wallet.boost_multiplier > item.factor.unwrap_or(1.0)
    {
        // Kept in the backpack for later rather than wasted under a stronger boost.
        return Ok(Reply::StrongerBoostActive { item_id: item.id.clone() });
    }
    if !store::inventory::consume(tx, user_id, &item.id, 1).await? {
        return Ok(Reply::NothingToUse { item_id: item.id.clone() });
    }
    let reward = match item.kind {
        ItemKind::Boost => GiftReward::Boost { factor: item.factor.unwrap_or(1.0), hours: item.hours.unwrap_or(0) },
        _ => {
            let economy = &deps.settings.economy;
            let today = Utc::now().with_timezone(&deps.settings.timezone).date_naive();
            gift::draw(&economy.gift, user_id, today, economy.gift.seed ^ update_id as u64, 0).reward
        }
    };
    let mut paid = None;
    match &reward {
        GiftReward::Boost { factor, hours } => {
            store::ledger::set_boost(tx, user_id, *factor, *hours as i32).await?;
        }
        GiftReward::Besitos { amount } => {
            // Once-ness comes from consuming the box in this transaction; the key only has to be new.
            let key = format!("mystery:{user_id}:{update_id}:{:016x}", rand::random::<u64>());
            let earning = Earning {
                user_id,
                action_type: "mystery_box",
                base: *amount,
                multiplied: true,
                key: &key,
                context: json!({ "item": item.id }),
            };
            if let Credited::Paid { amount, .. } =
                wallet::credit(tx, &deps.settings.economy, deps.settings.timezone, earning).await?
            {
                paid = Some(amount);
            }
        }
        GiftReward::Item { item } => store::inventory::add(tx, user_id, item, 1).await?,
        GiftReward::Clue { item } => {
            // Drawn like the daily gift: a story clue the player lacks, or the keepsake item.
            if super::clues::give_next(tx, deps, user_id, ClueOrigin::Regalo).await?.is_empty() {
                store::inventory::add(tx, user_id, item, 1).await?;
            }
        }
    }
    Ok(Reply::ItemUsed { item_id: item.id.clone(), reward, paid })
}
