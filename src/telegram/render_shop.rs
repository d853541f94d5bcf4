//! Texts and buttons of `/tienda` and `/mochila`. Names and descriptions come from the
//! shop catalogue; item ids never reach a user.

use super::callback::CallbackData;
use super::render::button;
use super::render_economy::reward_line;
use super::texts::{fill, get};
use diana_actors::domain::economy::GiftReward;
use diana_actors::domain::shop::{Catalogue, ItemKind, Refusal};
use diana_actors::domain::{Lang, ShopOffer};
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

/// The running catalogue (an admin may replace it while the server runs).
fn catalogue() -> std::sync::Arc<Catalogue> {
    diana_actors::content::shelf().shop.get()
}

/// The name of an item (or clue) in the player's language.
pub fn item_name(lang: Lang, id: &str) -> String {
    let from_catalogue = catalogue().get(id).map(|i| i.wording.name(lang).to_owned());
    from_catalogue.unwrap_or_else(|| match get(lang, &format!("item_{id}")) {
        "" => get(lang, "action_other").to_owned(),
        name => name.to_owned(),
    })
}

fn description(lang: Lang, id: &str) -> String {
    catalogue().get(id).map_or_else(String::new, |i| i.wording.description(lang).to_owned())
}

fn kind(id: &str) -> Option<ItemKind> {
    catalogue().get(id).map(|i| i.kind)
}

/// The title an item gives, in the player's language.
pub fn title_name(lang: Lang, id: &str) -> Option<String> {
    let catalogue = catalogue();
    let item = catalogue.get(id)?;
    match lang {
        Lang::Es => item.title_es.clone(),
        Lang::En => item.title_en.clone(),
    }
}

pub fn nav(lang: Lang) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([vec![
        button(lang, "btn_shop", CallbackData::Shop),
        button(lang, "btn_backpack", CallbackData::Backpack),
        button(lang, "btn_menu", CallbackData::Menu),
    ]])
}

pub fn shop(lang: Lang, balance: i64, offers: &[ShopOffer], offer: u32) -> (String, InlineKeyboardMarkup) {
    let mut text = fill(lang, "shop_header", &[("balance", &balance.to_string())]);
    let mut rows = Vec::new();
    for o in offers {
        let name = item_name(lang, &o.item_id);
        text.push_str("\n\n");
        text.push_str(&fill(
            lang,
            "shop_line",
            &[("name", &name), ("price", &o.price.to_string()), ("description", &description(lang, &o.item_id))],
        ));
        match &o.refusal {
            None => {
                let label = fill(lang, "btn_buy", &[("name", &name), ("price", &o.price.to_string())]);
                let data = CallbackData::Buy { item: o.item_id.clone(), offer };
                rows.push(vec![InlineKeyboardButton::callback(html_free(&label), data.encode())]);
            }
            Some(refusal) => {
                text.push('\n');
                text.push_str(&why_not(lang, refusal));
            }
        }
    }
    rows.push(vec![button(lang, "btn_backpack", CallbackData::Backpack), button(lang, "btn_menu", CallbackData::Menu)]);
    (text, InlineKeyboardMarkup::new(rows))
}

/// Button labels are plain text: undo the escaping `fill` applied to names.
fn html_free(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&")
}

fn why_not(lang: Lang, refusal: &Refusal) -> String {
    match refusal {
        Refusal::NotEnoughBesitos { missing } => fill(lang, "shop_missing", &[("missing", &missing.to_string())]),
        Refusal::LevelTooLow { needed } => fill(lang, "shop_level", &[("level", &needed.to_string())]),
        Refusal::VipOnly => get(lang, "shop_vip").to_owned(),
        Refusal::AlreadyOwned => get(lang, "shop_owned").to_owned(),
        Refusal::UnknownItem => get(lang, "shop_unknown").to_owned(),
    }
}

pub fn purchased(lang: Lang, item_id: &str, balance: i64) -> String {
    fill(lang, "shop_bought", &[("item", &item_name(lang, item_id)), ("balance", &balance.to_string())])
}

pub fn refused(lang: Lang, item_id: &str, refusal: &Refusal) -> String {
    format!("{}\n{}", fill(lang, "shop_refused", &[("item", &item_name(lang, item_id))]), why_not(lang, refusal))
}

pub fn already_bought(lang: Lang, item_id: &str) -> String {
    fill(lang, "shop_already_bought", &[("item", &item_name(lang, item_id))])
}

pub fn backpack(
    lang: Lang,
    items: &[(String, i32)],
    title: Option<&str>,
    clues: usize,
) -> (String, InlineKeyboardMarkup) {
    let mut text = get(lang, "backpack_header").to_owned();
    if let Some(title) = title.and_then(|t| title_name(lang, t)) {
        text.push('\n');
        text.push_str(&fill(lang, "backpack_title", &[("title", &title)]));
    }
    let mut rows = Vec::new();
    if items.is_empty() && clues == 0 {
        text.push_str("\n\n");
        text.push_str(get(lang, "backpack_empty"));
    }
    if clues > 0 {
        text.push('\n');
        text.push_str(&fill(lang, "backpack_clues", &[("count", &clues.to_string())]));
        rows.push(vec![button(lang, "btn_clues", CallbackData::Clues)]);
    }
    for (id, quantity) in items {
        let name = item_name(lang, id);
        text.push('\n');
        text.push_str(&fill(lang, "backpack_line", &[("name", &name), ("quantity", &quantity.to_string())]));
        if matches!(kind(id), Some(ItemKind::Boost | ItemKind::Mystery)) {
            let label = html_free(&fill(lang, "btn_use", &[("name", &name)]));
            rows.push(vec![InlineKeyboardButton::callback(label, CallbackData::Use { item: id.clone() }.encode())]);
        }
    }
    rows.push(vec![button(lang, "btn_shop", CallbackData::Shop), button(lang, "btn_menu", CallbackData::Menu)]);
    (text, InlineKeyboardMarkup::new(rows))
}

pub fn item_used(lang: Lang, item_id: &str, reward: &GiftReward, paid: Option<i64>) -> String {
    format!("{}\n{}", fill(lang, "item_used", &[("item", &item_name(lang, item_id))]), reward_line(lang, reward, paid))
}

pub fn nothing_to_use(lang: Lang, item_id: &str) -> String {
    fill(lang, "nothing_to_use", &[("item", &item_name(lang, item_id))])
}
