//! Content versions against real Postgres: saved, reviewed against what players hold,
//! activated for the next reader, kept across restarts, rolled back.

use super::*;
use crate::domain::Identity;
use crate::store::{self, test_db::TestDb};

/// The shipped shop with one item more, and without `without` if given.
fn shop_text(extra_price: i64, without: Option<&str>) -> String {
    let mut text = ContentKind::Shop.embedded().to_owned();
    if let Some(id) = without {
        let start = text.find(&format!("id = \"{id}\"")).and_then(|at| text[..at].rfind("[[item]]")).unwrap();
        let end = text[start + 8..].find("[[item]]").map_or(text.len(), |at| start + 8 + at);
        text.replace_range(start..end, "");
    }
    text.push_str(&format!(
        "\n[[item]]\nid = \"rosa\"\nkind = \"consumable\"\nprice = {extra_price}\nname_es = \"Rosa 🌹\"\nname_en = \"Rose 🌹\"\ndescription_es = \"Una rosa.\"\ndescription_en = \"A rose.\"\n"
    ));
    text
}

#[tokio::test]
async fn a_shop_version_goes_live_is_kept_across_restarts_and_never_takes_what_players_hold() {
    let (db, pool) = TestDb::create().await;
    let conn = pool.get().await.unwrap();
    let content = Content::embedded().unwrap();
    let first = content.shop.get().items[0].id.clone();

    // A player owns the first item.
    {
        let mut c = pool.get().await.unwrap();
        let tx = crate::store::begin(&mut c).await.unwrap();
        let identity =
            Identity { user_id: 5, first_name: "Ana".into(), last_name: None, username: None, language_code: None };
        store::users::register(&tx, &identity, None).await.unwrap();
        store::inventory::add(&tx, 5, &first, 1).await.unwrap();
        tx.commit().await.unwrap();
    }

    // A version that adds a rose: reviewed, saved, activated; the next reader sees it.
    let text = shop_text(15, None);
    let parsed = ContentKind::Shop.check(&text).unwrap();
    let reviewed = super::review(&conn, &content, &parsed, &unguarded).await.unwrap();
    assert_eq!(reviewed.changes.added, ["rosa"]);
    assert!(reviewed.blocking.is_empty(), "{:?}", reviewed.blocking);
    let id = store::content::create(&conn, ContentKind::Shop, &text, "admin:1").await.unwrap();
    let activated = activate(&conn, &content, ContentKind::Shop, Some(id), "admin:1", &unguarded).await.unwrap();
    assert_eq!((activated.version, activated.previous), (Some(id), None));
    assert_eq!(content.shop.get().get("rosa").map(|i| i.price), Some(15));

    // After a restart, the same version runs.
    let restarted = Content::embedded().unwrap();
    assert!(restarted.shop.get().get("rosa").is_none());
    assert_eq!(load_running(&conn, &restarted).await.unwrap(), [(ContentKind::Shop, id)]);
    assert_eq!(restarted.shop.get().get("rosa").map(|i| i.price), Some(15));

    // A version without the item a player owns is saved but cannot go live.
    let taking = shop_text(20, Some(&first));
    let parsed = ContentKind::Shop.check(&taking).unwrap();
    let reviewed = super::review(&conn, &content, &parsed, &unguarded).await.unwrap();
    assert_eq!(reviewed.changes.removed, std::slice::from_ref(&first));
    assert_eq!(reviewed.blocking.len(), 1, "{:?}", reviewed.blocking);
    let taking_id = store::content::create(&conn, ContentKind::Shop, &taking, "admin:1").await.unwrap();
    let refused =
        activate(&conn, &content, ContentKind::Shop, Some(taking_id), "admin:1", &unguarded).await.unwrap_err();
    assert!(matches!(refused, ActivateError::StillHeld(_)), "{refused}");
    assert_eq!(content.shop.get().get("rosa").map(|i| i.price), Some(15), "the running version stays");

    // Rolled back to the shipped file: the rose is gone, for readers and after a restart.
    activate(&conn, &content, ContentKind::Shop, None, "admin:1", &unguarded).await.unwrap();
    assert!(content.shop.get().get("rosa").is_none());
    assert!(load_running(&conn, &Content::embedded().unwrap()).await.unwrap().is_empty());
    // A version of another kind is not found under this one.
    assert!(matches!(
        activate(&conn, &content, ContentKind::Plans, Some(id), "admin:1", &unguarded).await,
        Err(ActivateError::NoSuchVersion(_))
    ));
    drop(conn);
    db.drop_now().await;
}

#[tokio::test]
async fn new_achievements_are_written_to_their_table_before_anyone_can_unlock_them() {
    let (db, pool) = TestDb::create().await;
    let conn = pool.get().await.unwrap();
    let content = Content::embedded().unwrap();
    store::achievements::sync(&conn, &content.achievements.get().all).await.unwrap();
    let text = format!(
        "{}\n[[achievement]]\nid = \"gran_comprador\"\ncategory = \"economia\"\ncounter = \"purchases\"\ntiers = [50]\nrewards = [100]\nname_es = \"Coleccionista\"\nname_en = \"Collector\"\ndescription_es = \"Compra 50 cosas.\"\ndescription_en = \"Buy 50 things.\"\n",
        ContentKind::Achievements.embedded()
    );
    let parsed = ContentKind::Achievements.check(&text);
    let parsed = parsed.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(super::review(&conn, &content, &parsed, &unguarded).await.unwrap().changes.added, ["gran_comprador"]);
    let id = store::content::create(&conn, ContentKind::Achievements, &text, "admin:1").await.unwrap();
    activate(&conn, &content, ContentKind::Achievements, Some(id), "admin:1", &unguarded).await.unwrap();
    let row = conn.query_one("SELECT count(*) FROM achievements WHERE id = 'gran_comprador'", &[]).await.unwrap();
    assert_eq!(row.get::<_, i64>(0), 1);
    assert!(content.achievements.get().get("gran_comprador").is_some());
    drop(conn);
    db.drop_now().await;
}

#[tokio::test]
async fn what_players_hold_is_found_for_every_kind() {
    let (db, pool) = TestDb::create().await;
    let conn = pool.get().await.unwrap();
    let content = Content::embedded().unwrap();
    store::achievements::sync(&conn, &content.achievements.get().all).await.unwrap();
    let achievement = content.achievements.get().all[0].id.clone();
    conn.batch_execute(&format!(
        "INSERT INTO users (id, first_name) VALUES (7, 'Ana');
         INSERT INTO user_inventory (user_id, item_id, quantity) VALUES (7, 'streak_freeze', 1), (7, 'clue_hint', 0);
         INSERT INTO user_achievements (user_id, achievement_id, tier) VALUES (7, '{achievement}', 1);
         INSERT INTO user_missions (user_id, mission_id, period, baseline) VALUES (7, 'd_regalo', 'hoy', 0);
         INSERT INTO trivia_rounds (user_id, question_id, day) VALUES (7, 't001', CURRENT_DATE);
         INSERT INTO tariffs (name, plan, days, price_cents, created_by) VALUES ('bizum', 'premium', 30, 999, 'a');"
    ))
    .await
    .unwrap();
    let held = |kind, ids: &[&str]| {
        let ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        let conn = &conn;
        async move { store::content::held(conn, kind, &ids).await.unwrap() }
    };
    let one = |id: &str| vec![(id.to_owned(), 1)];
    assert_eq!(held(ContentKind::Shop, &["streak_freeze", "clue_hint", "rosa"]).await, one("streak_freeze"));
    assert_eq!(held(ContentKind::Achievements, &[&achievement, "nada"]).await, one(&achievement));
    assert_eq!(held(ContentKind::Missions, &["d_regalo", "d_trivia"]).await, one("d_regalo"));
    assert_eq!(held(ContentKind::Trivia, &["t001", "t002"]).await, one("t001"));
    assert_eq!(held(ContentKind::Plans, &["premium", "vip"]).await, one("premium"));
    drop(conn);
    db.drop_now().await;
}
