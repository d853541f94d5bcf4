//! The admin dashboard: in a real browser (log in by link, the overview's charts, finding a
//! player, granting besitos, the audit chain, logging out), and at the HTTP level (links used
//! once and expiring, CSRF, roles, a tampered audit row, the security headers).

use crate::common::browser::Browser;
use crate::common::server::{Options, TestServer, count};
use crate::common::telegram_standin::{Standin, TgUser};

pub const ADMIN: i64 = 777_001;

fn start_options(tg: Option<&Standin>) -> Options {
    Options::new(tg.map(|t| t.url.as_str())).env("DIANA_ADMIN_IDS", &ADMIN.to_string())
}

/// A fresh one-time link's token, from the CLI.
pub fn link_token(server: &TestServer, user_id: i64) -> String {
    let out = server.admin_with(
        &["login-link", "--user-id", &user_id.to_string()],
        &[("DIANA_ADMIN_IDS", &ADMIN.to_string()), ("DIANA_PUBLIC_URL", &server.base_url)],
    );
    let link = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(out.status.success(), "login-link: {}", String::from_utf8_lossy(&out.stderr));
    assert!(link.starts_with(&format!("{}/admin/login?token=", server.base_url)), "{link}");
    link.rsplit('=').next().unwrap().to_owned()
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Log in over HTTP: the session cookie, and the CSRF token from a page's form.
pub async fn http_login(server: &TestServer, user_id: i64) -> (String, String) {
    let token = link_token(server, user_id);
    let response =
        client().post(format!("{}/admin/login", server.base_url)).form(&[("token", &token)]).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let cookie = response.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let page = client()
        .get(format!("{}/admin/system", server.base_url))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = page.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    (cookie, csrf)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_logs_in_sees_charts_finds_a_player_grants_besitos_and_logs_out_in_a_browser() {
    let tg = Standin::start().await;
    let server = TestServer::start(start_options(Some(&tg))).await;
    let db = server.db().await;
    let lucia = TgUser::new(880_001, "Lucía");
    tg.send_text(&lucia, "/start");
    tg.wait_replies(lucia.id, 2).await;
    tg.send_text(&lucia, "/regalo");
    tg.wait_replies(lucia.id, 3).await;

    let browser = Browser::start().await;
    // The link shows a button; only pressing it signs in.
    let token = link_token(&server, ADMIN);
    browser.goto(&format!("{}/admin/login?token={token}", server.base_url)).await;
    assert_eq!(count(&db, "SELECT count(*) FROM admin_login_links WHERE used_at IS NOT NULL").await, 0);
    browser.click("#login").await;
    browser.wait_for_path("/admin/").await;
    assert_eq!(browser.text("h1").await, "Resumen");
    // Figures are computed in the background every minute; Lucía came after the last time.
    browser.click("#refresh-overview button").await;
    browser.wait_for_path("/admin/").await;
    for chart in ["actives", "retention", "besitos", "funnel", "revenue"] {
        assert!(browser.exists(&format!("#chart-{chart} svg")).await, "the {chart} chart is drawn");
    }
    assert_eq!(browser.text("#players .v").await, "1");
    assert_eq!(browser.text("#dau .v").await, "1");
    browser.screenshot("overview").await;

    // Find Lucía by part of her name, open her page, give her 25 besitos.
    browser.click("nav a[href='/admin/users']").await;
    browser.fill("input[name=q]", "ucí").await;
    browser.click("#search").await;
    // What play taught about her (saved when her actor passivates; written here directly).
    let mut hours = [0.0f64; 24];
    hours[21] = 4.0;
    hours[9] = 1.0;
    let habits = serde_json::json!({ "hours": hours, "signals": [6.0, 1.0, 0.0, 2.0] });
    db.execute("UPDATE user_profiles SET habits = $1, archetype = 'explorador' WHERE user_id = 880001", &[&habits])
        .await
        .unwrap();
    browser.click("#players tbody tr td a").await;
    browser.wait_for_path("/admin/users/880001").await;
    assert_eq!(browser.text("#archetype").await, "explorador");
    assert!(browser.text("#best-hour").await.starts_with("21:00"), "{}", browser.text("#best-hour").await);
    assert!(browser.text("#reminders").await.starts_with("sí"));
    assert!(browser.exists("#play figure svg").await, "her hours are drawn");
    browser.screenshot("player").await;
    browser.goto(&format!("{}/admin/users/880001#play", server.base_url)).await;
    browser.screenshot("player-play").await;
    browser.fill("#grant-besitos input[name=amount]", "25").await;
    browser.fill("#grant-besitos input[name=reason]", "premio del concurso").await;
    browser.click("#grant-besitos button").await;
    browser.accept_confirm().await;
    let done = browser.text("#done").await;
    let ledger = "SELECT balance_after FROM points_transactions WHERE user_id = 880001 AND action_type = 'admin_grant'
                  AND points_change = 25 AND context->>'reason' = 'premio del concurso'";
    let after = count(&db, ledger).await;
    assert!(done.contains(&format!("+25 besitos → {after}")), "{done}");
    assert!(browser.text("#ledger tbody tr").await.contains("admin_grant"));
    let audited = format!(
        "SELECT count(*) FROM audit_log WHERE actor = 'admin:{ADMIN}' AND action = 'besitos.grant' AND target = 'user:880001'"
    );
    assert_eq!(count(&db, &audited).await, 1);

    // The audit log shows it, and the chain verifies.
    browser.click("nav a[href='/admin/audit']").await;
    assert!(browser.text("#audit tbody tr").await.contains("besitos.grant"));
    browser.click("nav a[href='/admin/system']").await;
    browser.click("#verify-chain button").await;
    browser.accept_confirm().await;
    assert!(browser.text("#chain-result").await.contains("intacta"), "the chain verifies");
    browser.screenshot("system").await;

    // Logging out ends the session: the dashboard asks for a link again.
    browser.click("#logout").await;
    browser.wait_for_path("/admin/login").await;
    browser.goto(&format!("{}/admin/", server.base_url)).await;
    assert!(browser.text(".error").await.contains("enlace de acceso"));
    assert_eq!(count(&db, "SELECT count(*) FROM admin_sessions WHERE revoked_at IS NOT NULL").await, 1);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_work_once_and_expire_and_actions_need_the_csrf_token_and_the_role() {
    let server = TestServer::start(start_options(None)).await;
    let db = server.db().await;
    let http = client();
    let post_login =
        |token: String| http.post(format!("{}/admin/login", server.base_url)).form(&[("token", token)]).send();
    // Used once; a second use, an expired link and a made-up one are refused.
    let token = link_token(&server, ADMIN);
    assert_eq!(post_login(token.clone()).await.unwrap().status().as_u16(), 303);
    assert_eq!(post_login(token).await.unwrap().status().as_u16(), 403);
    let expired = link_token(&server, ADMIN);
    db.execute("UPDATE admin_login_links SET expires_at = now() - INTERVAL '1 second' WHERE used_at IS NULL", &[])
        .await
        .unwrap();
    assert_eq!(post_login(expired).await.unwrap().status().as_u16(), 403);
    assert_eq!(post_login("0".repeat(64)).await.unwrap().status().as_u16(), 403);
    // Someone without a role gets no link at all.
    let refused = server.admin_with(&["login-link", "--user-id", "5"], &[("DIANA_ADMIN_IDS", &ADMIN.to_string())]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no dashboard role"));

    // A player to act on.
    db.execute("INSERT INTO users (id, first_name) VALUES (42, 'Ana')", &[]).await.unwrap();
    db.execute("INSERT INTO user_gamification (user_id) VALUES (42)", &[]).await.unwrap();
    let (cookie, csrf) = http_login(&server, ADMIN).await;
    let grant = |cookie: String, csrf: Option<String>| {
        let mut form = vec![("amount", "10".to_owned()), ("reason", "prueba".to_owned())];
        if let Some(csrf) = csrf {
            form.push(("csrf", csrf));
        }
        http.post(format!("{}/admin/users/42/besitos", server.base_url)).header("Cookie", cookie).form(&form).send()
    };
    let balance = "SELECT available_points FROM user_gamification WHERE user_id = 42";
    assert_eq!(grant(cookie.clone(), None).await.unwrap().status().as_u16(), 403, "no CSRF token");
    assert_eq!(grant(cookie.clone(), Some("f".repeat(64))).await.unwrap().status().as_u16(), 403, "a wrong one");
    assert_eq!(count(&db, balance).await, 0);
    assert_eq!(grant(cookie.clone(), Some(csrf)).await.unwrap().status().as_u16(), 303);
    assert_eq!(count(&db, balance).await, 10);

    // A viewer sees the pages but cannot act.
    db.execute("INSERT INTO admin_roles (user_id, role, granted_by) VALUES (43, 'viewer', 'test')", &[]).await.unwrap();
    let (viewer, viewer_csrf) = http_login(&server, 43).await;
    let page = http.get(format!("{}/admin/users/42", server.base_url)).header("Cookie", &viewer).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(!page.text().await.unwrap().contains("grant-besitos"), "no action forms for a viewer");
    assert_eq!(grant(viewer, Some(viewer_csrf)).await.unwrap().status().as_u16(), 403);
    assert_eq!(count(&db, balance).await, 10);

    // Signed out: no page, no action.
    let anonymous = http.get(format!("{}/admin/", server.base_url)).send().await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_is_append_only_and_a_tampered_row_is_found() {
    let server = TestServer::start(start_options(None)).await;
    let db = server.db().await;
    db.execute("INSERT INTO users (id, first_name) VALUES (42, 'Ana')", &[]).await.unwrap();
    db.execute("INSERT INTO user_gamification (user_id) VALUES (42)", &[]).await.unwrap();
    for amount in ["5", "7", "9"] {
        server.admin(&["grant", "--user-id", "42", "--amount", amount, "--reason", "serie"]);
    }
    // The database itself refuses edits and deletions.
    let edit = db.execute("UPDATE audit_log SET action = 'nada' WHERE action = 'besitos.grant'", &[]).await;
    let delete = db.execute("DELETE FROM audit_log", &[]).await;
    for refused in [edit.unwrap_err(), delete.unwrap_err()] {
        assert_eq!(refused.as_db_error().map(|e| e.message()), Some("audit_log is append-only"));
    }
    assert_eq!(count(&db, "SELECT count(*) FROM audit_log WHERE action = 'besitos.grant'").await, 3);

    let (cookie, csrf) = http_login(&server, ADMIN).await;
    let verify = || {
        client()
            .post(format!("{}/admin/system/verify-audit", server.base_url))
            .header("Cookie", &cookie)
            .form(&[("csrf", &csrf)])
            .send()
    };
    let intact = verify().await.unwrap().text().await.unwrap();
    assert!(intact.contains("La cadena está intacta"), "{intact}");
    // Someone with the database's keys goes around the trigger and changes an amount.
    db.batch_execute(
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
         UPDATE audit_log SET after = jsonb_set(after, '{amount}', '500') WHERE id = (
             SELECT id FROM audit_log WHERE action = 'besitos.grant' ORDER BY id LIMIT 1 OFFSET 1);
         ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;",
    )
    .await
    .unwrap();
    let tampered_id =
        count(&db, "SELECT id FROM audit_log WHERE action = 'besitos.grant' ORDER BY id LIMIT 1 OFFSET 1").await;
    let broken = verify().await.unwrap().text().await.unwrap();
    assert!(broken.contains(&format!("rota desde la entrada #{tampered_id}")), "{broken}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_pages_carry_the_security_headers() {
    let server = TestServer::start(start_options(None)).await;
    let (cookie, _) = http_login(&server, ADMIN).await;
    for path in ["/admin/", "/admin/users", "/admin/audit", "/admin/system", "/admin/login"] {
        let response =
            client().get(format!("{}{path}", server.base_url)).header("Cookie", &cookie).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let headers = response.headers();
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    }
    // Spanish by default, English by a switch that only ever sends back to the dashboard.
    let switch = |back: &str| client().get(format!("{}/admin/lang/en?back={back}", server.base_url)).send();
    let to_users = switch("/admin/users").await.unwrap();
    assert_eq!(to_users.headers()["location"], "/admin/users");
    let lang = to_users.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    assert_eq!(switch("//evil.example/").await.unwrap().headers()["location"], "/admin/");
    let spanish = client().get(format!("{}/admin/users", server.base_url)).header("Cookie", &cookie).send().await;
    assert!(spanish.unwrap().text().await.unwrap().contains("<h1>Jugadores</h1>"));
    let english = client()
        .get(format!("{}/admin/users", server.base_url))
        .header("Cookie", format!("{cookie}; {lang}"))
        .send()
        .await
        .unwrap();
    assert!(english.text().await.unwrap().contains("<h1>Players</h1>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_api_reads_and_acts_with_the_same_session_roles_and_csrf() {
    let server = TestServer::start(start_options(None)).await;
    let db = server.db().await;
    db.execute("INSERT INTO users (id, first_name, username) VALUES (42, 'Ana', 'ana_g')", &[]).await.unwrap();
    db.execute("INSERT INTO user_gamification (user_id) VALUES (42)", &[]).await.unwrap();
    let api = |path: &str| format!("{}/api/v1{path}", server.base_url);
    let http = client();
    // The document describes every route.
    let spec: serde_json::Value = http.get(api("/openapi.json")).send().await.unwrap().json().await.unwrap();
    for path in ["/overview", "/users", "/users/{id}", "/users/{id}/{action}", "/audit", "/content/{kind}"] {
        assert!(spec["paths"][path].is_object(), "openapi.json describes {path}");
    }
    // Signed out: 401 as JSON, not a page.
    let anonymous = http.get(api("/users")).send().await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    assert!(anonymous.json::<serde_json::Value>().await.unwrap()["error"].is_string());

    let (cookie, csrf) = http_login(&server, ADMIN).await;
    let found: serde_json::Value =
        http.get(api("/users?q=@ana")).header("Cookie", &cookie).send().await.unwrap().json().await.unwrap();
    assert_eq!(found["users"][0]["id"], 42);
    // Two letters match names from their start; three or more, anywhere in them.
    let search = |q: &'static str| http.get(api(&format!("/users?q={q}"))).header("Cookie", &cookie).send();
    let ids = |v: serde_json::Value| {
        v["users"].as_array().unwrap().iter().map(|u| u["id"].as_i64().unwrap()).collect::<Vec<_>>()
    };
    assert_eq!(ids(search("An").await.unwrap().json().await.unwrap()), vec![42]);
    assert_eq!(ids(search("na").await.unwrap().json().await.unwrap()), Vec::<i64>::new());
    // Usernames match from their start, and `_` is a letter there, not a wildcard.
    assert_eq!(ids(search("ana_").await.unwrap().json().await.unwrap()), vec![42]);
    assert_eq!(ids(search("an_").await.unwrap().json().await.unwrap()), Vec::<i64>::new());
    let grant = serde_json::json!({ "amount": 12, "reason": "por la API" });
    let no_csrf = http.post(api("/users/42/besitos")).header("Cookie", &cookie).json(&grant).send().await.unwrap();
    assert_eq!(no_csrf.status().as_u16(), 403);
    let done = http
        .post(api("/users/42/besitos"))
        .header("Cookie", &cookie)
        .header("X-CSRF-Token", &csrf)
        .json(&grant)
        .send()
        .await
        .unwrap();
    assert_eq!(done.status().as_u16(), 200);
    assert_eq!(done.json::<serde_json::Value>().await.unwrap()["done"], "+12 besitos → 12");
    let bad = serde_json::json!({ "amount": 5, "reason": "" });
    let refused = http
        .post(api("/users/42/besitos"))
        .header("Cookie", &cookie)
        .header("X-CSRF-Token", &csrf)
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 400, "a reason is required");
    let player: serde_json::Value =
        http.get(api("/users/42")).header("Cookie", &cookie).send().await.unwrap().json().await.unwrap();
    assert_eq!(player["profile"]["row"]["balance"], 12);
    let audit: serde_json::Value =
        http.get(api("/audit?action=besitos.")).header("Cookie", &cookie).send().await.unwrap().json().await.unwrap();
    assert_eq!(audit["entries"][0]["actor"], format!("admin:{ADMIN}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_telegram_token_an_admin_plays_the_story_in_the_playground() {
    let cache = std::env::temp_dir().join(crate::common::server::unique_name("diana_story_cache"));
    let options = start_options(None)
        .env("DIANA__STORY__DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/assets/story"))
        .env("DIANA__STORY__CACHE_DIR", cache.to_str().unwrap());
    let server = TestServer::start(options).await;
    let db = server.db().await;
    let browser = Browser::start().await;
    let token = link_token(&server, ADMIN);
    browser.goto(&format!("{}/admin/login?token={token}", server.base_url)).await;
    browser.click("#login").await;
    browser.wait_for_path("/admin/").await;
    browser.click("nav a[href='/admin/playground']").await;
    browser.wait_for_path("/admin/playground").await;

    // /start: the greeting and the menu, as a Telegram player would get them.
    browser.fill("#say input[name=text]", "/start").await;
    browser.click("#say button").await;
    let greeting = wait_for_bubble(&browser, |text| text.contains("Prueba")).await;
    assert!(greeting.contains("Prueba"), "greeted by name: {greeting}");
    // The story: a scene with choices as buttons; pressing one plays it.
    browser.fill("#say input[name=text]", "/historia").await;
    browser.click("#say button").await;
    let choice = "#chat .bubble:last-child .keyboard form:has(input[name=data][value^='1:c:']) button";
    let first_choice = browser.text(choice).await;
    browser.screenshot("playground").await;
    let player = 1_000_000_000_000_i64 + ADMIN;
    assert_eq!(count(&db, &format!("SELECT count(*) FROM story_decisions WHERE user_id = {player}")).await, 0);
    browser.click(choice).await;
    let decided = format!("SELECT count(*) FROM story_decisions WHERE user_id = {player}");
    crate::common::server::eventually("the choice is recorded", std::time::Duration::from_secs(10), || async {
        count(&db, &decided).await == 1
    })
    .await;
    let chosen: String =
        db.query_one("SELECT choice_text FROM story_decisions WHERE user_id = $1", &[&player]).await.unwrap().get(0);
    assert!(!chosen.is_empty() && first_choice.contains(chosen.trim()), "{first_choice} / {chosen}");
    // A test player, left out of the figures.
    assert_eq!(count(&db, &format!("SELECT count(*) FROM users WHERE id = {player} AND is_test")).await, 1);
    browser.click("nav a[href='/admin/']").await;
    browser.click("#refresh-overview button").await;
    assert_eq!(browser.text("#players .v").await, "0");
    browser.close().await;
}

/// Wait until the last bot message of the playground's chat passes `check`; returns its text.
async fn wait_for_bubble(browser: &Browser, check: impl Fn(&str) -> bool) -> String {
    for _ in 0..100 {
        let bubbles = browser.client.find_all(fantoccini::Locator::Css("#chat .bubble:not(.me) .text")).await;
        for bubble in bubbles.unwrap_or_default().iter().rev() {
            let text = bubble.text().await.unwrap_or_default();
            if check(&text) {
                return text;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the bot never said what was expected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_in_telegram_gives_admins_a_working_link_and_nobody_else() {
    let tg = Standin::start().await;
    let server = TestServer::start(start_options(Some(&tg))).await;
    let db = server.db().await;
    let (boss, player) = (TgUser::new(ADMIN, "Jefa"), TgUser::new(880_002, "Pablo"));
    for user in [&boss, &player] {
        tg.send_text(user, "/start");
        tg.wait_replies(user.id, 2).await;
        tg.send_text(user, "/admin");
    }
    let link = tg.wait_replies(boss.id, 3).await.remove(2);
    assert!(link.text().contains("Sirve una sola vez"), "{}", link.text());
    let token = link.text().split("token=").nth(1).expect("a link with a token").trim().to_owned();
    let login =
        client().post(format!("{}/admin/login", server.base_url)).form(&[("token", &token)]).send().await.unwrap();
    assert_eq!(login.status().as_u16(), 303, "the link from Telegram signs in");
    let refused = tg.wait_replies(player.id, 3).await.remove(2);
    assert!(!refused.text().contains("token="), "no link for a player: {}", refused.text());
    // Only a digest of the link is kept, and nothing of it in the outbox.
    assert_eq!(count(&db, "SELECT count(*) FROM admin_login_links").await, 1);
    assert_eq!(count(&db, "SELECT count(*) FROM outbox WHERE reply::text LIKE '%token=%'").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_story_upload_shows_its_line_and_a_good_one_goes_live_without_a_restart() {
    let work = std::env::temp_dir().join(crate::common::server::unique_name("diana_story_upload"));
    std::fs::create_dir_all(&work).unwrap();
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/story");
    let main = std::fs::read_to_string(format!("{shipped}/main.ink")).unwrap();
    let broken = work.join("broken").join("main.ink");
    std::fs::create_dir_all(broken.parent().unwrap()).unwrap();
    std::fs::write(&broken, format!("{main}\n-> un_nudo_que_no_existe\n")).unwrap();
    let good = work.join("good").join("main.ink");
    std::fs::create_dir_all(good.parent().unwrap()).unwrap();
    std::fs::write(&good, format!("// Revisión del equipo.\n{main}")).unwrap();
    let options = start_options(None)
        .env("DIANA__STORY__DIR", shipped)
        .env("DIANA__STORY__CACHE_DIR", work.join("cache").to_str().unwrap())
        .env("DIANA__STORY__UPLOADS_DIR", work.join("uploads").to_str().unwrap());
    let server = TestServer::start(options).await;
    let db = server.db().await;
    let browser = Browser::start().await;
    let token = link_token(&server, ADMIN);
    browser.goto(&format!("{}/admin/login?token={token}", server.base_url)).await;
    browser.click("#login").await;
    browser.click("nav a[href='/admin/content']").await;
    let before = browser.text("#story-running code").await;

    // The broken one: the error names the file and the line; it cannot be activated.
    browser.fill("#story-upload input[type=file]", broken.to_str().unwrap()).await;
    browser.click("#story-upload button").await;
    let verdict = browser.slow_text("#story-verdict").await;
    assert!(verdict.contains("error(es)"), "{verdict}");
    let errors = browser.text("#story-errors ul").await;
    assert!(errors.contains("main.ink:") && errors.contains("un_nudo_que_no_existe"), "{errors}");
    assert!(!browser.exists("#activate").await, "a broken version offers no activation");
    browser.screenshot("story-error").await;

    // The good one: checked clean, activated for everyone, running now.
    browser.click("a[href='/admin/content']").await;
    browser.fill("#story-upload input[type=file]", good.to_str().unwrap()).await;
    browser.click("#story-upload button").await;
    assert!(browser.slow_text("#story-verdict").await.contains("Compila"));
    browser.click("#activate button").await;
    browser.accept_confirm().await;
    assert!(browser.slow_text("main .badge.vip").await.contains("En juego"));
    browser.click("nav a[href='/admin/content']").await;
    let after = browser.text("#story-running code").await;
    assert_ne!(before, after, "a new version runs");
    assert_eq!(count(&db, "SELECT count(*) FROM story_versions").await, 2);
    assert_eq!(count(&db, "SELECT count(*) FROM story_activations WHERE version_id IS NOT NULL").await, 1);
    let audited = format!("SELECT count(*) FROM audit_log WHERE actor = 'admin:{ADMIN}' AND action LIKE 'story.%'");
    assert_eq!(count(&db, &audited).await, 3, "two uploads and one activation");
    browser.close().await;

    // A restart keeps the activated version.
    let options = server.kill9();
    let server = TestServer::start(options).await;
    let restarted = server.logged("story loaded");
    assert_eq!(restarted.last().unwrap()["version"].as_str(), Some(after.as_str()), "{restarted:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sees_payments_refunds_stars_and_gives_vip_days_from_the_dashboard() {
    let tg = Standin::start().await;
    let server = TestServer::start(start_options(Some(&tg))).await;
    let db = server.db().await;
    let ana = TgUser::new(880_010, "Ana");
    tg.send_text(&ana, "/start");
    tg.wait_replies(ana.id, 2).await;
    tg.send_text(&ana, "/vip");
    tg.wait_replies(ana.id, 3).await;
    tg.press(&ana, "1:pl:vip");
    let link = tg
        .wait_for("the invoice link", std::time::Duration::from_secs(15), |s| {
            s.calls().into_iter().find(|c| c.method == "createInvoiceLink" && c.refused.is_none())
        })
        .await;
    let payload = link.params["payload"].as_str().unwrap().to_owned();
    tg.wait_replies(ana.id, 4).await;
    tg.successful_payment(&ana, &payload, 250, "stars-charge-dash", false);
    tg.wait_replies(ana.id, 5).await;

    let (cookie, csrf) = http_login(&server, ADMIN).await;
    let http = client();
    let page = http.get(format!("{}/admin/payments", server.base_url)).header("Cookie", &cookie).send().await.unwrap();
    let page = page.text().await.unwrap();
    assert!(page.contains("telegram_stars") && page.contains("250 ⭐"), "the payment is listed");
    let payment = count(&db, "SELECT id FROM payments WHERE external_id = 'stars-charge-dash'").await;
    assert!(page.contains(&format!("refund-{payment}")), "with a refund button");
    let player = http.get(format!("{}/admin/users/{}", server.base_url, ana.id)).header("Cookie", &cookie).send().await;
    let player = player.unwrap().text().await.unwrap();
    assert!(player.contains(&format!("refund-{payment}")), "and on the player's page");
    let refund = |cookie: String, csrf: String| {
        http.post(format!("{}/admin/payments/{payment}/refund", server.base_url))
            .header("Cookie", cookie)
            .form(&[("csrf", csrf)])
            .send()
    };
    // A viewer may look but not refund.
    db.execute("INSERT INTO admin_roles (user_id, role, granted_by) VALUES (44, 'viewer', 'test')", &[]).await.unwrap();
    let (viewer, viewer_csrf) = http_login(&server, 44).await;
    assert_eq!(refund(viewer, viewer_csrf).await.unwrap().status().as_u16(), 403);
    assert_eq!(refund(cookie.clone(), csrf.clone()).await.unwrap().status().as_u16(), 303);
    let refunded = tg.calls().into_iter().find(|c| c.method == "refundStarPayment").expect("Telegram refunds");
    assert_eq!(refunded.params["telegram_payment_charge_id"], "stars-charge-dash");
    assert_eq!(
        count(&db, &format!("SELECT count(*) FROM payments WHERE id = {payment} AND status = 'refunded'")).await,
        1
    );
    let audited = format!("SELECT count(*) FROM audit_log WHERE action = 'payment.refund' AND actor = 'admin:{ADMIN}'");
    assert_eq!(count(&db, &audited).await, 1);

    // Ten VIP days as a gift: a payment of nothing, the subscription, the player told.
    let gift = serde_json::json!({ "plan": "vip", "days": 10, "reason": "disculpa por la caída" });
    let given = http
        .post(format!("{}/api/v1/users/{}/vip", server.base_url, ana.id))
        .header("Cookie", &cookie)
        .header("X-CSRF-Token", &csrf)
        .json(&gift)
        .send()
        .await
        .unwrap();
    assert_eq!(given.status().as_u16(), 200, "{:?}", given.text().await);
    let active = format!(
        "SELECT count(*) FROM user_subscriptions WHERE user_id = {} AND status = 'active'
                          AND expires_at > now() + INTERVAL '9 days'",
        ana.id
    );
    assert_eq!(count(&db, &active).await, 1);
    assert_eq!(count(&db, "SELECT count(*) FROM payments WHERE provider = 'admin_grant' AND amount = 0").await, 1);
    let told = tg.wait_replies(ana.id, 7).await;
    assert!(told.iter().skip(5).any(|m| m.text().contains("VIP")), "the player hears of it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_tokens_and_roles_are_managed_from_the_account_page() {
    let server = TestServer::start(start_options(None)).await;
    let db = server.db().await;
    db.execute("INSERT INTO users (id, first_name) VALUES (42, 'Ana')", &[]).await.unwrap();
    db.execute("INSERT INTO user_gamification (user_id) VALUES (42)", &[]).await.unwrap();
    let http = client();
    let (cookie, csrf) = http_login(&server, ADMIN).await;
    let post = |path: &str, cookie: &str, form: Vec<(&str, String)>| {
        http.post(format!("{}{path}", server.base_url)).header("Cookie", cookie.to_owned()).form(&form).send()
    };
    // A token, shown once, works as a bearer; revoked, it does not.
    let made = post("/admin/account/tokens", &cookie, vec![("csrf", csrf.clone()), ("name", "informes".into())]).await;
    let page = made.unwrap().text().await.unwrap();
    let token = page.split("id=\"new-token\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
    assert!(token.starts_with("dia_"), "{token}");
    let users = |token: String| http.get(format!("{}/api/v1/users", server.base_url)).bearer_auth(token).send();
    assert_eq!(users(token.clone()).await.unwrap().status().as_u16(), 200);
    // Bearer tokens need no CSRF token: no cookie can carry them.
    let grant = http
        .post(format!("{}/api/v1/users/42/besitos", server.base_url))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "amount": 3, "reason": "script" }))
        .send()
        .await
        .unwrap();
    assert_eq!(grant.status().as_u16(), 200);
    let id = count(&db, "SELECT id FROM admin_api_tokens").await;
    post(&format!("/admin/account/tokens/{id}/revoke"), &cookie, vec![("csrf", csrf.clone())]).await.unwrap();
    assert_eq!(users(token).await.unwrap().status().as_u16(), 401);

    // A moderator may ban but not give besitos; losing the role ends their session.
    let set_role = |role: &str| {
        post(
            "/admin/account/roles",
            &cookie,
            vec![("csrf", csrf.clone()), ("user_id", "45".into()), ("role", role.into())],
        )
    };
    assert_eq!(set_role("moderator").await.unwrap().status().as_u16(), 303);
    let (moderator, moderator_csrf) = http_login(&server, 45).await;
    let besitos = vec![("csrf", moderator_csrf.clone()), ("amount", "5".into()), ("reason", "x".into())];
    assert_eq!(post("/admin/users/42/besitos", &moderator, besitos).await.unwrap().status().as_u16(), 403);
    let ban = vec![("csrf", moderator_csrf.clone()), ("reason", "spam".into())];
    assert_eq!(post("/admin/users/42/ban", &moderator, ban).await.unwrap().status().as_u16(), 303);
    assert_eq!(count(&db, "SELECT count(*) FROM users WHERE id = 42 AND banned_at IS NOT NULL").await, 1);
    assert_eq!(set_role("none").await.unwrap().status().as_u16(), 303);
    let after = http.get(format!("{}/admin/", server.base_url)).header("Cookie", &moderator).send().await.unwrap();
    assert_eq!(after.status().as_u16(), 401);
    let audited = format!("SELECT count(*) FROM audit_log WHERE actor = 'admin:{ADMIN}' AND action = 'admin.role'");
    assert_eq!(count(&db, &audited).await, 2);
    // Configured superadmins cannot be demoted from the page.
    let demote = post(
        "/admin/account/roles",
        &cookie,
        vec![("csrf", csrf.clone()), ("user_id", ADMIN.to_string()), ("role", "viewer".into())],
    );
    assert_eq!(demote.await.unwrap().status().as_u16(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tariffs_tokens_and_join_requests_are_run_from_the_channels_page() {
    const FREE: i64 = -1_005_555;
    let tg = Standin::start().await;
    let options = start_options(Some(&tg))
        .env("DIANA__CHANNELS__FREE_ID", &FREE.to_string())
        .env("DIANA__CHANNELS__APPROVE_AFTER", "1h");
    let server = TestServer::start(options).await;
    let db = server.db().await;
    let (cookie, csrf) = http_login(&server, ADMIN).await;
    let http = client();
    let post = |path: &str, form: Vec<(&str, String)>| {
        http.post(format!("{}{path}", server.base_url)).header("Cookie", cookie.clone()).form(&form).send()
    };
    // A tariff, then a token for it: the page shows the /start payload and the bot's deep link.
    let bad = post(
        "/admin/channels/tariffs",
        vec![
            ("csrf", csrf.clone()),
            ("name", "Promo Verano".into()),
            ("plan", "vip".into()),
            ("days", "90".into()),
            ("price_cents", "1200".into()),
        ],
    );
    let bad = bad.await.unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    assert!(bad.text().await.unwrap().contains("a-z, 0-9"), "the rule is explained");
    let tariff = post(
        "/admin/channels/tariffs",
        vec![
            ("csrf", csrf.clone()),
            ("name", "promo-verano".into()),
            ("plan", "vip".into()),
            ("days", "90".into()),
            ("price_cents", "1200".into()),
        ],
    );
    assert_eq!(tariff.await.unwrap().status().as_u16(), 200);
    let made = post("/admin/channels/tokens", vec![("csrf", csrf.clone()), ("tariff", "promo-verano".into())]);
    let page = made.await.unwrap().text().await.unwrap();
    let payload = page.split("/start ").nth(1).unwrap().split('<').next().unwrap().to_owned();
    assert!(payload.starts_with("tok_"), "{payload}");
    assert!(page.contains(&format!("https://t.me/diana_bot?start={payload}")), "a deep link");
    let buyer = TgUser::new(880_020, "Berta");
    tg.send_text(&buyer, &format!("/start {payload}"));
    tg.wait_replies(buyer.id, 3).await;
    let vip = "SELECT count(*) FROM user_subscriptions WHERE user_id = 880020 AND status = 'active'";
    assert_eq!(count(&db, vip).await, 1);

    // A join request waits an hour; approve-now lets it in within seconds.
    let walker = TgUser::new(880_021, "Walter");
    tg.join_request(&walker, FREE);
    tg.wait_replies(walker.id, 1).await;
    let listed =
        http.get(format!("{}/admin/channels", server.base_url)).header("Cookie", &cookie).send().await.unwrap();
    assert!(listed.text().await.unwrap().contains("Walter"), "the request is listed");
    assert_eq!(post("/admin/channels/approve-now", vec![("csrf", csrf.clone())]).await.unwrap().status().as_u16(), 303);
    tg.wait_for("the approval", std::time::Duration::from_secs(15), |s| {
        s.calls().into_iter().find(|c| c.method == "approveChatJoinRequest" && c.params["user_id"] == walker.id)
    })
    .await;
    let audited = format!(
        "SELECT count(*) FROM audit_log WHERE actor = 'admin:{ADMIN}' AND action IN ('tariff.put', 'token.create', 'channel.approve_now')"
    );
    assert_eq!(count(&db, &audited).await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_reaches_its_segment_within_the_limits_and_a_cancel_stops_it() {
    let tg = Standin::start().await;
    let server = TestServer::start(start_options(Some(&tg))).await;
    let db = server.db().await;
    // 300 players seen today, and 6,000 who have not played for a month.
    db.batch_execute(
        "INSERT INTO users (id, first_name) SELECT 100000 + g, 'Activa' FROM generate_series(1, 300) g;
         INSERT INTO users (id, first_name, last_seen_at)
             SELECT 200000 + g, 'Dormida', now() - INTERVAL '30 days' FROM generate_series(1, 6000) g;
         INSERT INTO users (id, first_name, banned_at) VALUES (300001, 'Vetada', now());",
    )
    .await
    .unwrap();
    let (cookie, csrf) = http_login(&server, ADMIN).await;
    let http = client();
    let start = |segment: &str, days: &str, text: &str| {
        http.post(format!("{}/admin/broadcast", server.base_url))
            .header("Cookie", cookie.clone())
            .form(&[("csrf", csrf.as_str()), ("segment", segment), ("inactive_days", days), ("text", text)])
            .send()
    };
    assert_eq!(start("all", "", "").await.unwrap().status().as_u16(), 400, "a message is required");
    // The inactive ones: a long broadcast, cancelled once it is under way.
    assert_eq!(start("inactive", "7", "Te echamos de menos 💋").await.unwrap().status().as_u16(), 303);
    let queued = "SELECT queued::BIGINT FROM broadcasts WHERE segment = 'inactive'";
    crate::common::server::eventually("the first batches", std::time::Duration::from_secs(10), || async {
        count(&db, queued).await > 0
    })
    .await;
    assert_eq!(count(&db, "SELECT total::BIGINT FROM broadcasts WHERE segment = 'inactive'").await, 6000);
    let id = count(&db, "SELECT id FROM broadcasts WHERE segment = 'inactive'").await;
    let cancel = http
        .post(format!("{}/admin/broadcast/{id}/cancel", server.base_url))
        .header("Cookie", &cookie)
        .form(&[("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status().as_u16(), 303);
    let at_cancel = count(&db, queued).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(count(&db, queued).await, at_cancel, "no batch after the cancel");
    assert!(at_cancel < 6000, "cancelled before the end: {at_cancel}");
    // What was queued and not yet sent is taken back, not sent out over the next minute.
    let missed = |tg: &Standin| tg.calls().iter().filter(|c| c.text().contains("Te echamos de menos")).count();
    let sent = missed(&tg);
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(missed(&tg), sent, "nothing more of it goes out");
    // Under load the outbox may have sent all it held before the cancel; never more.
    assert!((sent as i64) <= at_cancel, "{sent} sent of {at_cancel} queued");
    let left = "SELECT count(*) FROM outbox WHERE reply->>'type' = 'message_from_team'";
    assert_eq!(count(&db, left).await, 0);
    assert_eq!(count(&db, "SELECT count(*) FROM broadcasts WHERE status = 'cancelled'").await, 1);

    // Everyone who can hear us: the 6,300, but not the banned one; each once.
    assert_eq!(start("all", "", "¡Capítulo nuevo!").await.unwrap().status().as_u16(), 303);
    crate::common::server::eventually("the broadcast to finish", std::time::Duration::from_secs(60), || async {
        count(&db, "SELECT count(*) FROM broadcasts WHERE status = 'done'").await == 1
    })
    .await;
    assert_eq!(count(&db, "SELECT queued::BIGINT FROM broadcasts WHERE status = 'done'").await, 6300);
    let delivered = |tg: &Standin| {
        tg.calls().iter().filter(|c| c.method == "sendMessage" && c.text().contains("¡Capítulo nuevo!")).count()
    };
    tg.wait_for("every message sent", std::time::Duration::from_secs(60), |s| (delivered(s) == 6300).then_some(()))
        .await;
    assert!(
        !tg.calls().iter().any(|c| c.chat_id() == Some(300001) && c.text().contains("Capítulo")),
        "not to the banned"
    );
    let page = http.get(format!("{}/admin/broadcast", server.base_url)).header("Cookie", &cookie).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("6300 / 6300"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_story_reset_from_the_dashboard_starts_the_player_over_without_paying_twice() {
    let tg = Standin::start().await;
    let cache = std::env::temp_dir().join(crate::common::server::unique_name("diana_story_cache"));
    let options = start_options(Some(&tg))
        .env("DIANA__STORY__DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/assets/story"))
        .env("DIANA__STORY__CACHE_DIR", cache.to_str().unwrap());
    let server = TestServer::start(options).await;
    let db = server.db().await;
    let eva = TgUser::new(880_030, "Eva");
    tg.send_text(&eva, "/start");
    tg.wait_replies(eva.id, 2).await;
    tg.send_text(&eva, "/historia");
    let with_buttons = |seen: usize| {
        move |s: &Standin| {
            let r = s.replies_to(880_030);
            (r.len() > seen && r.last().is_some_and(|m| !m.buttons().is_empty())).then_some(r.len())
        }
    };
    let seen = tg.wait_for("the first scene", std::time::Duration::from_secs(15), with_buttons(2)).await;
    let choice = tg.replies_to(eva.id).last().unwrap().buttons()[0].1.clone();
    tg.press(&eva, &choice);
    let seen = tg.wait_for("the next scene", std::time::Duration::from_secs(15), with_buttons(seen)).await;
    // What the first scenes did, each once per place: effects (besitos, relationships, clues).
    let effects = "SELECT count(*) FROM story_effects WHERE user_id = 880030";
    let done_once = count(&db, effects).await;
    assert!(done_once > 0, "the opening and the choice had effects");
    let story_pay = "SELECT count(*) FROM points_transactions WHERE user_id = 880030 AND action_type = 'story'";
    let paid_once = count(&db, story_pay).await;

    let (cookie, csrf) = http_login(&server, ADMIN).await;
    let reset = client()
        .post(format!("{}/api/v1/users/880030/story-reset", server.base_url))
        .header("Cookie", &cookie)
        .header("X-CSRF-Token", &csrf)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status().as_u16(), 200);
    let seen = tg.wait_for("the opening again", std::time::Duration::from_secs(15), with_buttons(seen)).await;
    let told = tg.replies_to(eva.id);
    assert!(told.iter().any(|m| m.text().contains("de nuevo al principio")), "the player is told");
    assert_eq!(count(&db, "SELECT playthrough::BIGINT FROM user_story_state WHERE user_id = 880030").await, 2);
    // The same first choice again: the scene plays, nothing is paid a second time.
    let again = told.last().unwrap().buttons()[0].1.clone();
    tg.press(&eva, &again);
    tg.wait_for("the scene after it", std::time::Duration::from_secs(15), with_buttons(seen)).await;
    assert_eq!(count(&db, effects).await, done_once, "no place takes effect twice");
    assert_eq!(count(&db, story_pay).await, paid_once, "nor pays twice");
    let audited = format!("SELECT count(*) FROM audit_log WHERE actor = 'admin:{ADMIN}' AND action = 'story.reset'");
    assert_eq!(count(&db, &audited).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erasing_a_player_keeps_the_audit_chain_whole_and_nothing_else_may_rename() {
    let tg = Standin::start().await;
    let server = TestServer::start(start_options(Some(&tg))).await;
    let db = server.db().await;
    let sara = TgUser::new(880_040, "Sara");
    tg.send_text(&sara, "/start");
    tg.wait_replies(sara.id, 2).await;
    server.admin(&["grant", "--user-id", "880040", "--amount", "7", "--reason", "antes de irse"]);
    // Sara erases her data: her audit rows now name her anonymous id.
    tg.send_text(&sara, "/privacidad");
    let menu = tg.wait_replies(sara.id, 3).await.remove(2);
    tg.press(&sara, "1:dq");
    assert!(menu.buttons().iter().any(|(_, d)| d == "1:dq"), "{:?}", menu.buttons());
    let confirm = tg.wait_replies(sara.id, 4).await.remove(3);
    tg.press(&sara, &confirm.buttons()[0].1);
    tg.wait_replies(sara.id, 5).await;
    assert_eq!(count(&db, "SELECT count(*) FROM audit_log WHERE target = 'user:880040'").await, 0);
    let (cookie, csrf) = http_login(&server, ADMIN).await;
    let verify = || {
        client()
            .post(format!("{}/admin/system/verify-audit", server.base_url))
            .header("Cookie", &cookie)
            .form(&[("csrf", &csrf)])
            .send()
    };
    assert!(verify().await.unwrap().text().await.unwrap().contains("La cadena está intacta"));
    // Renaming anyone else to an anonymous id is refused: only an erasure may.
    let anonymous = count(&db, "SELECT id FROM users WHERE deleted_at IS NOT NULL").await;
    let rename = format!("UPDATE audit_log SET actor = 'user:{anonymous}' WHERE actor = 'cli'");
    let refused = db.execute(&rename, &[]).await.unwrap_err();
    assert_eq!(refused.as_db_error().map(|e| e.message()), Some("audit_log is append-only"));
}

/// The shipped shop plus a rose, and without the item `without` if given.
fn shop_with_a_rose(without: Option<&str>) -> String {
    let mut text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/shop.toml")).unwrap();
    if let Some(id) = without {
        let start = text.find(&format!("id = \"{id}\"")).and_then(|at| text[..at].rfind("[[item]]")).unwrap();
        let end = text[start + 8..].find("[[item]]").map_or(text.len(), |at| start + 8 + at);
        text.replace_range(start..end, "");
    }
    text + "\n[[item]]\nid = \"rosa\"\nkind = \"consumable\"\nprice = 15\nname_es = \"Rosa 🌹\"\nname_en = \"Rose 🌹\"\ndescription_es = \"Una rosa para Diana.\"\ndescription_en = \"A rose for Diana.\"\n"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shop_is_edited_checked_activated_for_players_and_rolled_back_without_a_restart() {
    let tg = Standin::start().await;
    let server = TestServer::start(start_options(Some(&tg))).await;
    let db = server.db().await;
    let ana = TgUser::new(9_501, "Ana");
    tg.send_text(&ana, "/start");
    tg.wait_replies(ana.id, 2).await;
    let browser = Browser::start().await;
    let token = link_token(&server, ADMIN);
    browser.goto(&format!("{}/admin/login?token={token}", server.base_url)).await;
    browser.click("#login").await;
    browser.click("nav a[href='/admin/content']").await;
    browser.click("#documents a[href='/admin/content/docs/shop']").await;
    assert!(browser.text("#doc-running").await.contains("streak_freeze"), "the running items are listed");
    browser.screenshot("content-shop").await;
    // On a phone the page still fits: wide tables scroll inside their panel.
    browser.resize(390, 844).await;
    assert!(browser.fits_width().await, "the content page fits a phone's width");
    for page in [
        "/admin/",
        "/admin/users",
        "/admin/users/9501",
        "/admin/content",
        "/admin/content/docs/trivia",
        "/admin/broadcast",
        "/admin/payments",
        "/admin/channels",
        "/admin/audit",
        "/admin/system",
        "/admin/account",
        "/admin/playground",
    ] {
        browser.goto(&format!("{}{page}", server.base_url)).await;
        let wide = browser.too_wide().await;
        assert!(wide.is_empty(), "{page} fits a phone's width: {wide:?}");
        if page == "/admin/users/9501" {
            browser.screenshot("phone-player").await;
        }
    }
    browser.goto(&format!("{}/admin/content/docs/shop", server.base_url)).await;
    browser.resize(1280, 900).await;

    // A mistake: the error says where, and what was typed stays in the editor.
    let typed = "\n[[item]]\nid = \"rosa\"\nprice = \n";
    let broken = browser.value("#doc-edit textarea").await + typed;
    browser.set_value("#doc-edit textarea", &broken).await;
    browser.click("#doc-edit button").await;
    let error = browser.slow_text("#doc-error").await;
    assert!(error.contains("line"), "{error}");
    assert!(browser.value("#doc-edit textarea").await.ends_with(typed), "nothing typed is lost");

    // Fixed: checked, kept as a version, what it adds shown, then live for everyone.
    browser.set_value("#doc-edit textarea", &shop_with_a_rose(None)).await;
    browser.click("#doc-edit button").await;
    assert!(browser.slow_text("#doc-verdict").await.contains("sin errores"));
    assert!(browser.text("#doc-changes").await.contains("rosa"));
    browser.screenshot("content-document").await;
    browser.click("#activate button").await;
    browser.accept_confirm().await;
    assert!(browser.slow_text("main .badge.vip").await.contains("En juego"));
    tg.send_text(&ana, "/tienda");
    let shop = tg.wait_replies(ana.id, 3).await.remove(2);
    assert!(shop.text().contains("Rosa 🌹"), "{}", shop.text());

    // A version that would take away what a player owns is kept but cannot go live.
    db.execute("INSERT INTO user_inventory (user_id, item_id, quantity) VALUES (9501, 'streak_freeze', 1)", &[])
        .await
        .unwrap();
    let (cookie, csrf) = http_login(&server, ADMIN).await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .part("file", reqwest::multipart::Part::text(shop_with_a_rose(Some("streak_freeze"))).file_name("shop.toml"));
    let saved = client()
        .post(format!("{}/admin/content/docs/shop", server.base_url))
        .header("Cookie", &cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status().as_u16(), 303);
    let version = saved.headers()["location"].to_str().unwrap().to_owned();
    let page = client().get(format!("{}{version}", server.base_url)).header("Cookie", &cookie).send().await.unwrap();
    let page = page.text().await.unwrap();
    assert!(page.contains("doc-blocking") && page.contains("streak_freeze"), "{page}");
    let activate = client()
        .post(format!("{}{version}/activate", server.base_url))
        .header("Cookie", &cookie)
        .form(&[("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(activate.status().as_u16(), 409);

    // Back to the shipped file, from the browser: the rose is gone for players.
    browser.goto(&format!("{}/admin/content/docs/shop", server.base_url)).await;
    browser.click("#activate-shipped button").await;
    browser.accept_confirm().await;
    browser.wait_for_path("/admin/content/docs/shop").await;
    assert!(browser.slow_text("#doc-running h2").await.contains("archivo incluido"));
    tg.send_text(&ana, "/tienda");
    let shop = tg.wait_replies(ana.id, 4).await.remove(3);
    assert!(!shop.text().contains("Rosa"), "{}", shop.text());
    assert_eq!(count(&db, "SELECT count(*) FROM content_versions WHERE kind = 'shop'").await, 2);
    let audited = |action: &str| format!("SELECT count(*) FROM audit_log WHERE action = '{action}'");
    assert_eq!(count(&db, &audited("content.save")).await, 2);
    assert_eq!(count(&db, &audited("content.activate")).await, 2, "the rose, then the shipped file");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_checks_keeps_and_activates_content_documents() {
    let server = TestServer::start(start_options(None)).await;
    let db = server.db().await;
    let api = |path: &str| format!("{}/api/v1{path}", server.base_url);
    let http = client();
    let (cookie, csrf) = http_login(&server, ADMIN).await;
    let post = |path: &str, body: String| {
        http.post(api(path)).header("Cookie", &cookie).header("X-CSRF-Token", &csrf).body(body).send()
    };
    // A broken document: 422 with the line.
    let broken = post("/content/trivia", "[[question]]\nid = \"t999\"\ntext = ".into()).await.unwrap();
    assert_eq!(broken.status().as_u16(), 422);
    let error = broken.json::<serde_json::Value>().await.unwrap()["error"].as_str().unwrap().to_owned();
    assert!(error.contains("line"), "{error}");
    // A question more: kept, reviewed, activated, running.
    let shipped = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/trivia.toml")).unwrap();
    let more = format!(
        "{shipped}\n[[question]]\nid = \"t999\"\ndifficulty = \"facil\"\ntext = \"¿De qué color es el café solo?\"\noptions = [\"Negro\", \"Verde\"]\nanswer = 0\n"
    );
    let saved = post("/content/trivia", more).await.unwrap();
    assert_eq!(saved.status().as_u16(), 201);
    let saved: serde_json::Value = saved.json().await.unwrap();
    assert_eq!(saved["review"]["changes"]["added"], serde_json::json!(["t999"]));
    let version = saved["version"].as_i64().unwrap();
    let activated = post(&format!("/content/trivia/{version}/activate"), String::new()).await.unwrap();
    assert_eq!(activated.status().as_u16(), 200);
    let now: serde_json::Value =
        http.get(api("/content/trivia")).header("Cookie", &cookie).send().await.unwrap().json().await.unwrap();
    assert_eq!(now["running_version"], version);
    assert!(now["entries"].as_array().unwrap().iter().any(|id| id == "t999"));
    // Plans without one a tariff still sells: kept, but it cannot go live.
    db.execute("INSERT INTO tariffs (name, plan, days, price_cents, created_by) VALUES ('bizum', 'premium', 30, 999, 'admin:1')", &[])
        .await
        .unwrap();
    let plans = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/plans.toml")).unwrap();
    let only_vip = plans.split("[[plan]]").take(2).collect::<Vec<_>>().join("[[plan]]");
    let saved: serde_json::Value = post("/content/plans", only_vip).await.unwrap().json().await.unwrap();
    assert_eq!(saved["review"]["changes"]["removed"], serde_json::json!(["premium"]));
    assert_eq!(saved["review"]["blocking"].as_array().map(Vec::len), Some(1));
    let refused = post(&format!("/content/plans/{}/activate", saved["version"]), String::new()).await.unwrap();
    assert_eq!(refused.status().as_u16(), 409);
    // Without the CSRF header a cookie session may not save.
    let forged = http.post(api("/content/trivia")).header("Cookie", &cookie).body(shipped).send().await.unwrap();
    assert_eq!(forged.status().as_u16(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_can_go_to_one_archetype() {
    let tg = Standin::start().await;
    let server = TestServer::start(start_options(Some(&tg))).await;
    let db = server.db().await;
    db.batch_execute(
        "INSERT INTO users (id, first_name) SELECT 400000 + g, 'Jugadora' FROM generate_series(1, 5) g;
         INSERT INTO user_profiles (user_id, archetype)
             SELECT 400000 + g, CASE WHEN g <= 3 THEN 'explorador' ELSE 'competidor' END FROM generate_series(1, 5) g;",
    )
    .await
    .unwrap();
    let (cookie, csrf) = http_login(&server, ADMIN).await;
    let sent = client()
        .post(format!("{}/admin/broadcast", server.base_url))
        .header("Cookie", &cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("segment", "archetype:explorador"),
            ("inactive_days", ""),
            ("text", "Un secreto nuevo 🗺️"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status().as_u16(), 303);
    assert_eq!(count(&db, "SELECT total::BIGINT FROM broadcasts").await, 3);
    tg.wait_for("the explorers to hear it", std::time::Duration::from_secs(30), |s| {
        let got: Vec<i64> =
            s.calls().iter().filter(|c| c.text().contains("Un secreto nuevo")).filter_map(|c| c.chat_id()).collect();
        (got.len() == 3).then_some(got)
    })
    .await;
    let reached: Vec<i64> =
        tg.calls().iter().filter(|c| c.text().contains("Un secreto nuevo")).filter_map(|c| c.chat_id()).collect();
    assert!(reached.iter().all(|id| (400001..=400003).contains(id)), "{reached:?}");
    let bad = client()
        .post(format!("{}/admin/broadcast", server.base_url))
        .header("Cookie", &cookie)
        .form(&[("csrf", csrf.as_str()), ("segment", "archetype:nadie"), ("inactive_days", ""), ("text", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
}
