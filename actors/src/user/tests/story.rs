//! The story through user actors, against real Postgres: effects committed with the state,
//! gates that change nothing, chapter unlocks, clues, a version swap mid-play, a restart, and
//! two hundred players at once.

use super::*;
use crate::domain::reply::StoryNote;
use crate::domain::story_rules::Requirement;
use crate::story::{LoadStoryVersion, StoryBook, StoryEngine, StoryShelf};
use actix::Actor;
use std::path::{Path, PathBuf};

const CHARACTERS: &str = "[[personaje]]\nid = \"diana\"\nnombre = \"Diana\"\nemoji = \"💋\"\n";
const CLUES: &str = r#"
[[pista]]
id = "carta"
nombre = "La carta"
texto = "Una carta sin firma."
origen = "historia"
[[pista]]
id = "llave"
nombre = "La llave"
texto = "Una llave pequeña."
origen = "historia"
[[pista]]
id = "diario"
nombre = "El diario"
texto = "Un diario cerrado."
origen = "historia"
[[pista]]
id = "secreto"
nombre = "El secreto"
texto = "La llave abre la carta."
origen = "combinacion"
[[combinacion]]
a = "carta"
b = "llave"
revela = "secreto"
"#;

fn chapter_two(text: &str) -> String {
    format!(
        "=== capitulo_2 ===\n# capitulo:2\n# requiere:capitulo:1\n# requiere:nivel:2\n# puntos:+5\n{text}\n\
         * [Buscar la llave]\n    # pista:llave\n    -> final\n\
         === final ===\n# final:uno\nFin.\n-> END\n"
    )
}

fn story_v1() -> String {
    "EXTERNAL es_vip()\nEXTERNAL relacion(p)\nEXTERNAL tiene(x)\nVAR eleccion = 0\n-> capitulo_1\n\
     === capitulo_1 ===\n# capitulo:1\n# personaje:diana\nHola.\n\
     * [Besito gratis #puntos:+10]\n    # relacion:diana:+2:romance\n    ~ eleccion = 1\n    -> cruce\n\
     * [Un poema #coste:30]\n    # pista:carta\n    -> cruce\n\
     * [El diario #vip]\n    # pista:diario\n    -> cruce\n\
     = cruce\n{relacion(\"diana\") > 0: Diana sonríe.|Diana espera.}\n* [Seguir] -> capitulo_2\n"
        .to_owned()
        + &chapter_two("Dos.")
}

fn story_dir(main: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("diana-story-test-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("main.ink"), main).unwrap();
    std::fs::write(dir.join("personajes.toml"), CHARACTERS).unwrap();
    std::fs::write(dir.join("pistas.toml"), CLUES).unwrap();
    dir
}

fn shelf(dir: &Path) -> StoryShelf {
    StoryShelf::new(Some(StoryBook::load(dir, None).unwrap()))
}

struct Scene {
    text: String,
    choices: Vec<crate::domain::story_rules::StoryChoice>,
    turn: i64,
    ended: bool,
    found: Vec<String>,
    note: Option<StoryNote>,
}

fn scene(replies: Vec<Reply>) -> Scene {
    let mut text = String::new();
    for reply in replies {
        match reply {
            Reply::StoryText { lines } => text.extend(lines.into_iter().map(|l| l.text + "\n")),
            Reply::StoryScene { lines, choices, turn, ended, found, note, .. } => {
                text.extend(lines.into_iter().map(|l| l.text + "\n"));
                return Scene { text, choices, turn, ended, found, note };
            }
            other => panic!("a scene was expected, not {other:?}"),
        }
    }
    panic!("no scene")
}

fn play(id: i64, user: i64, choice: Option<(i64, usize)>) -> UserUpdate {
    update(id, user, Action::PlayStory { choice })
}

async fn scalar(pool: &Pool, sql: &str, user: i64) -> i64 {
    pool.get().await.unwrap().query_one(sql, &[&user]).await.unwrap().get(0)
}

async fn grant(pool: &Pool, user: i64, amount: i64) {
    let economy = crate::domain::economy::Economy::embedded().unwrap();
    crate::admin::grant_besitos(pool, &economy, chrono_tz::Europe::Madrid, "test", user, amount, "test", None)
        .await
        .unwrap();
}

#[actix::test]
async fn a_choice_commits_its_effects_with_the_state_and_refused_choices_change_nothing() {
    let (db, pool) = TestDb::create().await;
    let dir = story_dir(&story_v1());
    let users = directory_with_story(&pool, 1, shelf(&dir)).await;
    let u = 501;
    users.deliver(update(1, u, Action::Start { payload: None })).await.unwrap();
    let first = scene(replies(users.deliver(play(2, u, None)).await.unwrap()));
    assert_eq!(first.turn, 1);
    assert_eq!(first.text, "Hola.\n");
    assert_eq!(
        first.choices.iter().map(|c| (c.vip, c.cost)).collect::<Vec<_>>(),
        vec![(false, None), (false, Some(30)), (true, None)]
    );
    let besitos = |pool: Pool| async move {
        scalar(&pool, "SELECT available_points FROM user_gamification WHERE user_id = $1", u).await
    };
    let before = besitos(pool.clone()).await;
    // Refused: VIP-only, too dear, and a button from an earlier turn. None of them moves the story.
    assert_eq!(replies(users.deliver(play(3, u, Some((1, 2)))).await.unwrap()), vec![Reply::StoryNeedsVip]);
    assert_eq!(
        replies(users.deliver(play(4, u, Some((1, 1)))).await.unwrap()),
        vec![Reply::StoryNeedsBesitos { missing: 30 - before }]
    );
    assert_eq!(replies(users.deliver(play(5, u, Some((0, 0)))).await.unwrap()), vec![Reply::StaleScene]);
    assert_eq!(scalar(&pool, "SELECT turn FROM user_story_state WHERE user_id = $1", u).await, 1);
    assert_eq!(scalar(&pool, "SELECT count(*) FROM story_decisions WHERE user_id = $1", u).await, 0);
    assert_eq!(besitos(pool.clone()).await, before);

    // Taken: points through the ledger, a romantic relationship, the decision, all with the state.
    let second = scene(replies(users.deliver(play(6, u, Some((1, 0)))).await.unwrap()));
    assert_eq!(
        (second.turn, second.text.as_str()),
        (2, "Diana espera.\n"),
        "relacion() reads the state before the step"
    );
    assert_eq!(besitos(pool.clone()).await, before + 10);
    let conn = pool.get().await.unwrap();
    let row = conn
        .query_one(
            "SELECT score, romance FROM user_character_relationships WHERE user_id = $1 AND character = 'diana'",
            &[&u],
        )
        .await
        .unwrap();
    assert_eq!((row.get::<_, i32>(0), row.get::<_, i32>(1)), (2, 2));
    let decision = conn
        .query_one("SELECT chapter, knot, choice_text, turn FROM story_decisions WHERE user_id = $1", &[&u])
        .await
        .unwrap();
    assert_eq!(decision.get::<_, Option<i32>>(0), Some(1));
    assert_eq!(decision.get::<_, Option<String>>(1).as_deref(), Some("capitulo_1"));
    assert_eq!(decision.get::<_, String>(2), "Besito gratis");
    assert_eq!(decision.get::<_, i64>(3), 1);

    // Chapter 2 needs level 2: refused until the player has earned enough.
    assert_eq!(
        replies(users.deliver(play(7, u, Some((2, 0)))).await.unwrap()),
        vec![Reply::StoryChapterLocked { chapter: 2, requirement: Requirement::Level(2) }]
    );
    assert_eq!(scalar(&pool, "SELECT turn FROM user_story_state WHERE user_id = $1", u).await, 2);
    grant(&pool, u, 150).await;
    let third = scene(replies(users.deliver(play(8, u, Some((2, 0)))).await.unwrap()));
    assert_eq!(third.text, "Dos.\n");
    let done = "SELECT count(*) FROM user_story_chapters WHERE user_id = $1 AND finished_at IS NOT NULL";
    assert_eq!(scalar(&pool, done, u).await, 1, "entering chapter 2 finished chapter 1");
    let end = scene(replies(users.deliver(play(9, u, Some((3, 0)))).await.unwrap()));
    assert!(end.ended);
    assert_eq!(end.found, vec!["La llave".to_owned()], "no combination without the letter");
    assert_eq!(scalar(&pool, done, u).await, 2, "an ending finishes its chapter");
    let endings = "SELECT value FROM user_counters WHERE user_id = $1 AND counter = 'story_endings'";
    assert_eq!(scalar(&pool, endings, u).await, 1);
    let profile = replies(users.deliver(update(10, u, Action::ShowProfile)).await.unwrap());
    let Reply::Profile { relationships, .. } = &profile[0] else { panic!("{profile:?}") };
    assert_eq!(relationships[0].character, "💋 Diana");
    assert_eq!(relationships[0].kind, crate::domain::story_rules::RelationshipType::Romantic);

    // Again from the start: the same path pays nothing twice and the same ending counts once.
    let paid = besitos(pool.clone()).await;
    let again = scene(replies(users.deliver(update(11, u, Action::StartStoryAgain)).await.unwrap()));
    assert_eq!((again.turn, again.text.as_str()), (5, "Hola.\n"));
    scene(replies(users.deliver(play(12, u, Some((5, 0)))).await.unwrap()));
    scene(replies(users.deliver(play(13, u, Some((6, 0)))).await.unwrap()));
    assert!(scene(replies(users.deliver(play(14, u, Some((7, 0)))).await.unwrap())).ended);
    assert_eq!(besitos(pool.clone()).await, paid);
    assert_eq!(scalar(&pool, endings, u).await, 1);
    let score = "SELECT score::BIGINT FROM user_character_relationships WHERE user_id = $1";
    assert_eq!(scalar(&pool, score, u).await, 2);
    assert_eq!(scalar(&pool, "SELECT playthrough::BIGINT FROM user_story_state WHERE user_id = $1", u).await, 2);
    drop(conn);
    // What the next step would ask, read in the one statement a step makes.
    let mut conn = pool.get().await.unwrap();
    let tx = crate::store::begin(&mut conn).await.unwrap();
    let facts = crate::store::story::facts(&tx, u).await.unwrap().expect("a registered player has facts");
    assert_eq!(facts.wallet.available_points, paid);
    assert_eq!(facts.relationships, std::collections::HashMap::from([("diana".to_owned(), 2)]));
    assert_eq!(facts.chapters_done, std::collections::BTreeSet::from([1, 2]));
    assert_eq!(facts.clues.len(), 1, "{:?}", facts.clues);
    let place = facts.place.expect("the place is read with the facts");
    assert_eq!((place.playthrough, place.run.len()), (2, 16));
    // A step computed from an older place (its turn is not the stored one's next) is refused.
    let from_an_older_read = crate::store::story::save_state(&tx, u, &place).await;
    assert!(matches!(from_an_older_read, Err(crate::store::StoreError::Moved(_))), "{from_an_older_read:?}");
    let next = crate::store::story::StoryRow { turn: place.turn + 1, ..place.clone() };
    crate::store::story::save_state(&tx, u, &next).await.expect("the place that follows is saved");
    assert_eq!(crate::store::story::facts(&tx, 999_999).await.unwrap(), None, "no wallet, no facts");
    drop(tx);
    drop(conn);
    users.passivate_all().await;
    users.stop();
    db.drop_now().await;
}

#[actix::test]
async fn a_paid_choice_spends_once_and_two_clues_reveal_a_third() {
    let (db, pool) = TestDb::create().await;
    let dir = story_dir(&story_v1());
    let users = directory_with_story(&pool, 1, shelf(&dir)).await;
    let u = 502;
    users.deliver(update(1, u, Action::Start { payload: None })).await.unwrap();
    grant(&pool, u, 200).await;
    let balance = "SELECT available_points FROM user_gamification WHERE user_id = $1";
    let before = scalar(&pool, balance, u).await;
    scene(replies(users.deliver(play(2, u, None)).await.unwrap()));
    let poem = scene(replies(users.deliver(play(3, u, Some((1, 1)))).await.unwrap()));
    assert_eq!(poem.found, vec!["La carta".to_owned()]);
    assert_eq!(scalar(&pool, balance, u).await, before - 30);
    let spent = "SELECT count(*) FROM points_transactions WHERE user_id = $1 AND action_type = 'story_cost'";
    assert_eq!(scalar(&pool, spent, u).await, 1);
    scene(replies(users.deliver(play(4, u, Some((2, 0)))).await.unwrap()));
    let end = scene(replies(users.deliver(play(5, u, Some((3, 0)))).await.unwrap()));
    assert_eq!(end.found, vec!["La llave".to_owned(), "El secreto".to_owned()]);
    let clues = replies(users.deliver(update(6, u, Action::ShowClues)).await.unwrap());
    let Reply::Clues { entries, total, held: 3, continued: false } = &clues[0] else { panic!("{clues:?}") };
    assert_eq!(*total, 4);
    assert_eq!(entries.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["La carta", "La llave", "El secreto"]);
    // The ledger invariant holds after paying and earning through the story.
    let sum = "SELECT COALESCE(SUM(points_change), 0)::BIGINT FROM points_transactions WHERE user_id = $1";
    assert_eq!(scalar(&pool, sum, u).await, scalar(&pool, balance, u).await);
    users.passivate_all().await;
    users.stop();
    db.drop_now().await;
}

#[actix::test]
async fn a_new_version_mid_play_keeps_fitting_states_and_restarts_the_chapter_of_the_rest() {
    let (db, pool) = TestDb::create().await;
    let dir = story_dir(&story_v1());
    let shelf = shelf(&dir);
    let engine = StoryEngine::new(shelf.clone(), None).start();
    let users = directory_with_story(&pool, 2, shelf.clone()).await;
    let (ahead, behind) = (601, 602);
    for (i, u) in [ahead, behind].into_iter().enumerate() {
        let i = i as i64 * 100;
        users.deliver(update(i + 1, u, Action::Start { payload: None })).await.unwrap();
        scene(replies(users.deliver(play(i + 2, u, None)).await.unwrap()));
    }
    grant(&pool, ahead, 150).await;
    scene(replies(users.deliver(play(3, ahead, Some((1, 0)))).await.unwrap()));
    let two = scene(replies(users.deliver(play(4, ahead, Some((2, 0)))).await.unwrap()));
    assert_eq!(two.text, "Dos.\n");
    let old_version = shelf.current().unwrap().hash().to_owned();

    // Chapter 2 is rewritten: its choice changes, so the saved state no longer fits.
    let v2 = story_v1().replace("Dos.\n* [Buscar la llave]", "Dos, reescrito.\n* [Buscar otra llave]");
    std::fs::write(dir.join("main.ink"), v2).unwrap();
    let active = engine.send(LoadStoryVersion { dir: dir.clone() }).await.unwrap().unwrap();
    assert_ne!(active.version, old_version);
    assert_eq!(shelf.current().unwrap().hash(), active.version);

    let earned = "SELECT count(*) FROM points_transactions WHERE user_id = $1 AND action_type = 'story'";
    let paid_before = scalar(&pool, earned, ahead).await;
    assert_eq!(paid_before, 2, "the kiss and chapter 2's opening");
    let resumed = scene(replies(users.deliver(play(5, ahead, Some((3, 0)))).await.unwrap()));
    assert_eq!(resumed.note, Some(StoryNote::Resumed { chapter: Some(2) }));
    assert_eq!(scalar(&pool, earned, ahead).await, paid_before, "starting the chapter again pays nothing twice");
    assert_eq!(resumed.text, "Dos, reescrito.\n");
    assert_eq!(resumed.choices[0].text, "Buscar otra llave");
    assert_eq!(scalar(&pool, "SELECT count(*) FROM story_decisions WHERE user_id = $1", ahead).await, 2);
    let end = scene(replies(users.deliver(play(6, ahead, Some((resumed.turn, 0)))).await.unwrap()));
    assert!(end.ended);

    // The player still in chapter 1 sees the same choices: their state fits and play goes on.
    let on = scene(replies(users.deliver(play(103, behind, Some((1, 0)))).await.unwrap()));
    assert_eq!(on.note, None);
    assert_eq!(on.text, "Diana espera.\n");
    let version = pool
        .get()
        .await
        .unwrap()
        .query_one("SELECT version FROM user_story_state WHERE user_id = $1", &[&behind])
        .await
        .unwrap()
        .get::<_, String>(0);
    assert_eq!(version, active.version);

    // A broken version is refused and the running one stays.
    std::fs::write(dir.join("main.ink"), "-> nowhere\n").unwrap();
    assert!(engine.send(LoadStoryVersion { dir: dir.clone() }).await.unwrap().is_err());
    assert_eq!(shelf.current().unwrap().hash(), active.version);
    users.passivate_all().await;
    users.stop();
    db.drop_now().await;
}

#[actix::test]
async fn the_saved_place_survives_a_restart_of_actors_and_engines() {
    let (db, pool) = TestDb::create().await;
    let dir = story_dir(&story_v1());
    let u = 701;
    let users = directory_with_story(&pool, 1, shelf(&dir)).await;
    users.deliver(update(1, u, Action::Start { payload: None })).await.unwrap();
    scene(replies(users.deliver(play(2, u, None)).await.unwrap()));
    scene(replies(users.deliver(play(3, u, Some((1, 0)))).await.unwrap()));
    users.passivate_all().await;
    users.stop();
    // New arbiters, new threads, new engines, a freshly loaded book.
    let users = directory_with_story(&pool, 2, shelf(&dir)).await;
    let again = scene(replies(users.deliver(play(4, u, None)).await.unwrap()));
    assert_eq!(again.turn, 2, "coming back shows the same scene with the same buttons");
    assert_eq!(again.text, "Diana espera.\n");
    assert_eq!(again.choices[0].text, "Seguir");
    grant(&pool, u, 150).await;
    let two = scene(replies(users.deliver(play(5, u, Some((2, 0)))).await.unwrap()));
    assert_eq!(two.text, "Dos.\n");
    users.passivate_all().await;
    users.stop();
    db.drop_now().await;
}

#[actix::test]
async fn two_hundred_players_choose_at_once_and_each_keeps_their_own_story() {
    let (db, pool) = TestDb::create().await;
    let dir = story_dir(&story_v1());
    let users = directory_with_story(&pool, 2, shelf(&dir)).await;
    let players: Vec<i64> = (10_000..10_200).collect();
    let start = players.iter().map(|u| users.deliver(update(u * 10, *u, Action::Start { payload: None })));
    futures::future::join_all(start).await.into_iter().for_each(|r| assert!(r.is_ok()));
    let open = players.iter().map(|u| users.deliver(play(u * 10 + 1, *u, None)));
    futures::future::join_all(open).await.into_iter().for_each(|r| assert!(r.is_ok()));
    // Half take the free kiss, half try the VIP diary (refused): all at once, on two shards.
    let choose = players.iter().map(|u| users.deliver(play(u * 10 + 2, *u, Some((1, (*u % 2 * 2) as usize)))));
    let outcomes = futures::future::join_all(choose).await;
    for (u, outcome) in players.iter().zip(outcomes) {
        let got = replies(outcome.unwrap());
        if u % 2 == 0 {
            assert_eq!(scene(got).turn, 2, "player {u}");
        } else {
            assert_eq!(got, vec![Reply::StoryNeedsVip], "player {u}");
        }
    }
    let conn = pool.get().await.unwrap();
    let rows = conn
        .query(
            "SELECT s.user_id, s.turn, (SELECT count(*) FROM story_decisions d WHERE d.user_id = s.user_id),
                    COALESCE((SELECT score FROM user_character_relationships r WHERE r.user_id = s.user_id), 0)
             FROM user_story_state s WHERE s.user_id >= 10000 AND s.user_id < 10200",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 200);
    for row in rows {
        let (u, turn, decisions, score): (i64, i64, i64, i32) = (row.get(0), row.get(1), row.get(2), row.get(3));
        let expected = if u % 2 == 0 { (2, 1, 2) } else { (1, 0, 0) };
        assert_eq!((turn, decisions, score), expected, "player {u}");
    }
    drop(conn);
    users.passivate_all().await;
    users.stop();
    db.drop_now().await;
}
