//! Content documents: the trivia bank, missions, shop, achievements and plans. Each is edited
//! as its TOML (in the page, or uploaded as a file), checked as the server would load it, kept
//! as a version, reviewed against what players hold, and put live without a restart; any
//! earlier version, or the shipped file, can go live again.

use super::auth::Admin;
use super::layout::{Html, action_form, shell, table};
use super::roles::Permission;
use super::texts::{Lang, t};
use super::{Dashboard, Refusal};
use actix_web::{HttpRequest, HttpResponse, web};
use diana_actors::content::{self, ActivateError, Content, ContentKind, Parsed, Review};
use diana_actors::store::content::{self as versions, ContentVersion};
use maud::{Markup, html};

/// The largest document accepted (the shipped trivia bank is about 40 KB).
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

fn shelf() -> &'static Content {
    content::shelf()
}

/// What else a version must satisfy to go live here: plans on sale through PayPal each need
/// their PayPal plan, and the shop keeps every item the daily gift can give.
pub fn outside_rules(dash: &Dashboard) -> impl Fn(&Parsed) -> Vec<String> + Sync + '_ {
    move |parsed| match (parsed, &dash.paypal) {
        (Parsed::Plans(plans), Some(paypal)) => {
            paypal.covers(plans).err().map(|why| format!("{why}: add it there and restart first")).into_iter().collect()
        }
        (Parsed::Shop(shop), _) => gifted_items(&dash.economy)
            .into_iter()
            .filter(|item| shop.get(item).is_none())
            .map(|item| format!("'{item}' is a daily gift (economy.toml); it must stay in the shop"))
            .collect(),
        _ => Vec::new(),
    }
}

/// `{id}` or `shipped` in an activation's path: a version, or the shipped file (`None`);
/// `Err` when it is neither.
pub fn which_version(which: &str) -> Result<Option<i64>, String> {
    match which {
        "shipped" => Ok(None),
        id => id.parse().map(Some).map_err(|_| format!("no version '{id}'")),
    }
}

/// Keep a checked document as a version, audited (the page and the API).
pub async fn keep_version(
    dash: &Dashboard,
    admin: &Admin,
    parsed: &Parsed,
    text: &str,
) -> Result<i64, diana_actors::store::StoreError> {
    let kind = parsed.kind();
    let id = versions::create(&dash.pool.get().await?, kind, text, &admin.actor()).await?;
    let after = serde_json::json!({ "version": id, "entries": parsed.ids().len() });
    super::audit(dash, &admin.actor(), "content.save", &format!("content:{}", kind.as_str()), Some(after)).await?;
    Ok(id)
}

/// Put a version (or the shipped file) live for everyone, audited (the page and the API).
pub async fn go_live(
    dash: &Dashboard,
    admin: &Admin,
    kind: ContentKind,
    version: Option<i64>,
) -> Result<content::Activated, ActivateError> {
    let conn = dash.pool.get().await.map_err(diana_actors::store::StoreError::from)?;
    let activated = content::activate(&conn, shelf(), kind, version, &admin.actor(), &outside_rules(dash)).await?;
    let after = serde_json::json!({ "version": activated.version, "previous": activated.previous,
        "added": activated.changes.added, "removed": activated.changes.removed });
    let target = format!("content:{}", kind.as_str());
    super::audit(dash, &admin.actor(), "content.activate", &target, Some(after)).await?;
    Ok(activated)
}

/// The shop items the daily gift can hand out.
fn gifted_items(economy: &diana_actors::domain::economy::Economy) -> Vec<String> {
    use diana_actors::domain::economy::GiftReward;
    let rewards = economy.gift.rarities.iter().flat_map(|r| &r.rewards);
    let mut items: Vec<String> = rewards
        .filter_map(|w| match &w.reward {
            GiftReward::Item { item } => Some(item.clone()),
            _ => None,
        })
        .collect();
    items.sort();
    items.dedup();
    items
}

fn when(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

fn kind_of(name: &str) -> Result<ContentKind, Refusal> {
    ContentKind::parse(name).ok_or_else(|| Refusal::NotFound(format!("no content kind '{name}'")))
}

pub fn title(lang: Lang, kind: ContentKind) -> &'static str {
    let key = match kind {
        ContentKind::Trivia => "doc_trivia",
        ContentKind::Missions => "doc_missions",
        ContentKind::Shop => "doc_shop",
        ContentKind::Achievements => "doc_achievements",
        ContentKind::Plans => "doc_plans",
    };
    t(lang, key)
}

fn path(kind: ContentKind) -> String {
    format!("/admin/content/docs/{}", kind.as_str())
}

/// The running document's entries, a row each, with the columns that tell them apart.
fn entries(kind: ContentKind) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let content = shelf();
    match kind {
        ContentKind::Trivia => (
            vec!["id", "difficulty", "text", "vip"],
            content
                .trivia
                .get()
                .questions
                .iter()
                .map(|q| vec![q.id.clone(), format!("{:?}", q.difficulty), q.text.clone(), yes(q.vip)])
                .collect(),
        ),
        ContentKind::Missions => (
            vec!["id", "name", "counter", "target", "reward"],
            content
                .missions
                .get()
                .all
                .iter()
                .map(|m| {
                    let name = m.wording.name(diana_actors::domain::Lang::Es).to_owned();
                    vec![m.id.clone(), name, m.counter.clone(), m.target.to_string(), m.reward.to_string()]
                })
                .collect(),
        ),
        ContentKind::Shop => (
            vec!["id", "name", "kind", "price", "vip"],
            content
                .shop
                .get()
                .items
                .iter()
                .map(|i| {
                    let name = i.wording.name(diana_actors::domain::Lang::Es).to_owned();
                    vec![i.id.clone(), name, format!("{:?}", i.kind), i.price.to_string(), yes(i.vip_only)]
                })
                .collect(),
        ),
        ContentKind::Achievements => (
            vec!["id", "name", "counter", "tiers", "rewards"],
            content
                .achievements
                .get()
                .all
                .iter()
                .map(|a| {
                    let name = a.wording.name(diana_actors::domain::Lang::Es).to_owned();
                    vec![a.id.clone(), name, a.counter.clone(), format!("{:?}", a.tiers), format!("{:?}", a.rewards)]
                })
                .collect(),
        ),
        ContentKind::Plans => (
            vec!["id", "name", "days", "stars", "eur_cents", "vip_multiplier"],
            content
                .plans
                .get()
                .all
                .iter()
                .map(|p| {
                    vec![
                        p.id.clone(),
                        p.name_es.clone(),
                        p.days.to_string(),
                        p.stars.to_string(),
                        p.eur_cents.to_string(),
                        p.vip_multiplier.to_string(),
                    ]
                })
                .collect(),
        ),
    }
}

fn yes(flag: bool) -> String {
    if flag { "✓".into() } else { String::new() }
}

fn counted(lang: Lang, what: &str) -> &'static str {
    match what {
        "questions" => t(lang, "count_questions"),
        "vip_only" => t(lang, "count_vip_only"),
        "missions" => t(lang, "count_missions"),
        "items" => t(lang, "count_items"),
        "achievements" => t(lang, "count_achievements"),
        "secret" => t(lang, "count_secret"),
        "plans" => t(lang, "count_plans"),
        _ => "",
    }
}

/// What a document holds, counted ("7 artículos · 1 solo VIP").
fn summary(lang: Lang, counts: &[(&'static str, usize)]) -> Markup {
    html! {
        p.summary { @for (i, (what, n)) in counts.iter().enumerate() {
            @if i > 0 { " · " } strong { (n) } " " (counted(lang, what))
        } }
    }
}

/// The running version's id (`None`: the shipped file) and its text.
async fn running(conn: &diana_actors::store::Connection, kind: ContentKind) -> Result<(Option<i64>, String), Refusal> {
    let id = versions::running_id(conn, kind).await.map_err(Refusal::internal)?;
    let text = match id {
        Some(id) => versions::get(conn, kind, id).await.map_err(Refusal::internal)?.map(|v| v.body),
        None => None,
    };
    Ok((id, text.unwrap_or_else(|| kind.embedded().to_owned())))
}

/// The Content page's list of documents, each with what runs.
pub async fn overview(admin: &Admin, conn: &diana_actors::store::Connection) -> Result<Markup, Refusal> {
    let lang = admin.lang;
    let mut rows = Vec::new();
    for kind in ContentKind::ALL {
        let id = versions::running_id(conn, kind).await.map_err(Refusal::internal)?;
        rows.push((kind, id, shelf().ids(kind).len()));
    }
    Ok(html! {
        section.panel #documents {
            h2 { (t(lang, "documents")) }
            p.muted { (t(lang, "documents_explain")) }
            table.data {
                thead { tr { th { (t(lang, "document")) } th { (t(lang, "story_running")) } th { (t(lang, "entries")) } } }
                tbody { @for (kind, id, n) in &rows { tr {
                    td { a href=(path(*kind)) { (title(lang, *kind)) " " code { (kind.file_name()) } } }
                    td { @match id { Some(id) => { "#" (id) }, None => (t(lang, "shipped_file")) } }
                    td { (n) }
                } } }
            }
        }
    })
}

/// The editor: the given text (the running one, or what was just sent and refused).
fn editor(admin: &Admin, kind: ContentKind, text: &str, error: Option<&str>) -> Markup {
    let lang = admin.lang;
    if !admin.may(Permission::EditContent) {
        return html! {};
    }
    html! {
        section.panel #doc-edit {
            h2 { (t(lang, "doc_edit")) }
            @if let Some(error) = error {
                p.error #doc-error role="alert" { (error) }
            }
            p.muted { (t(lang, "doc_edit_explain")) }
            form.action method="post" action=(path(kind)) enctype="multipart/form-data" {
                (super::layout::csrf(admin))
                textarea name="text" rows="24" spellcheck="false" aria-label=(kind.file_name()) { (text) }
                label { (t(lang, "doc_or_file")) " " input type="file" name="file" accept=".toml"; }
                button type="submit" { (t(lang, "doc_check_save")) }
            }
        }
    }
}

async fn document_page(
    admin: &Admin,
    dash: &Dashboard,
    kind: ContentKind,
    draft: Option<(&str, &str)>,
) -> Result<Html, Refusal> {
    let lang = admin.lang;
    let conn = dash.pool.get().await.map_err(Refusal::internal)?;
    let (running_id, running_text) = running(&conn, kind).await?;
    let listed = versions::list(&conn, kind, 30).await.map_err(Refusal::internal)?;
    let (headers, rows) = entries(kind);
    let (text, error) = match draft {
        Some((text, error)) => (text, Some(error)),
        None => (running_text.as_str(), None),
    };
    let body = html! {
        section.panel #doc-running {
            h2 { (t(lang, "story_running")) ": "
                @match running_id { Some(id) => { "#" (id) }, None => (t(lang, "shipped_file")) } }
            @if let Ok(parsed) = kind.check(&running_text) { (summary(lang, &parsed.summary())) }
            (table(&headers, rows))
        }
        (editor(admin, kind, text, error))
        section.panel #doc-versions {
            h2 { (t(lang, "story_versions")) }
            table.data {
                thead { tr { th { "#" } th { (t(lang, "when")) } th { (t(lang, "who")) } th { (t(lang, "status")) } } }
                tbody { @for v in &listed { (version_row(admin, kind, v, running_id)) } }
            }
            @if running_id.is_some() {
                (action_form(admin, Permission::EditContent, &format!("{}/shipped/activate", path(kind)), "activate-shipped", html! {
                    button type="submit" { (t(lang, "doc_use_shipped")) }
                }))
            }
        }
        p { a href="/admin/content" { "← " (t(lang, "nav_content")) } }
    };
    let page = shell(admin, "content", &path(kind), &format!("{} · {}", title(lang, kind), kind.file_name()), body);
    Ok(if draft.is_some() { page.status(422) } else { page })
}

fn version_row(admin: &Admin, kind: ContentKind, v: &ContentVersion, running: Option<i64>) -> Markup {
    html! {
        tr {
            td { a href={ (path(kind)) "/" (v.id) } { "#" (v.id) } }
            td { (when(&v.uploaded_at)) }
            td { (v.uploaded_by) }
            td { @if running == Some(v.id) { span.badge.vip { (t(admin.lang, "story_running")) } } }
        }
    }
}

/// `GET /admin/content/docs/{kind}`.
pub async fn page(admin: Admin, dash: web::Data<Dashboard>, kind: web::Path<String>) -> Result<Html, Refusal> {
    document_page(&admin, &dash, kind_of(&kind)?, None).await
}

/// `GET /admin/content/docs/{kind}/{id}`: a saved version, what it would change, and whether it
/// may go live now.
pub async fn version(
    admin: Admin,
    dash: web::Data<Dashboard>,
    path_parts: web::Path<(String, i64)>,
) -> Result<Html, Refusal> {
    let lang = admin.lang;
    let (kind, id) = path_parts.into_inner();
    let kind = kind_of(&kind)?;
    let conn = dash.pool.get().await.map_err(Refusal::internal)?;
    let Some(v) = versions::get(&conn, kind, id).await.map_err(Refusal::internal)? else {
        return Err(Refusal::NotFound(format!("no version {id} of {}", kind.file_name())));
    };
    let running_id = versions::running_id(&conn, kind).await.map_err(Refusal::internal)?;
    let reviewed = match kind.check(&v.body) {
        Ok(parsed) => {
            Ok(content::review(&conn, shelf(), &parsed, &outside_rules(&dash)).await.map_err(Refusal::internal)?)
        }
        Err(error) => Err(error),
    };
    let body = html! {
        p { (t(lang, "who")) ": " (v.uploaded_by) " · " (when(&v.uploaded_at)) }
        @match &reviewed {
            Err(error) => p.error #doc-verdict role="alert" { (error) },
            Ok(review) => (review_panel(&admin, kind, &v, running_id, review)),
        }
        details { summary { (kind.file_name()) } pre.document { (v.body) } }
        p { a href=(path(kind)) { "← " (title(lang, kind)) } }
    };
    Ok(shell(&admin, "content", &format!("{}/{id}", path(kind)), &format!("{} #{id}", title(lang, kind)), body))
}

fn review_panel(admin: &Admin, kind: ContentKind, v: &ContentVersion, running: Option<i64>, review: &Review) -> Markup {
    let lang = admin.lang;
    html! {
        section.panel #doc-review {
            p.ok #doc-verdict { "✓ " (t(lang, "doc_good")) }
            (summary(lang, &review.summary))
            p #doc-changes {
                (t(lang, "doc_added")) ": " @if review.changes.added.is_empty() { "—" } @else { code { (review.changes.added.join(", ")) } }
                " · " (t(lang, "doc_removed")) ": " @if review.changes.removed.is_empty() { "—" } @else { code { (review.changes.removed.join(", ")) } }
                " · " (t(lang, "doc_kept")) ": " (review.changes.kept)
            }
            @if !review.blocking.is_empty() {
                div.error #doc-blocking role="alert" {
                    p { (t(lang, "doc_blocked")) }
                    ul { @for b in &review.blocking { li { (b) } } }
                }
            }
            @if !review.warnings.is_empty() {
                div #doc-warnings { p { (t(lang, "story_warnings")) } ul { @for w in &review.warnings { li { (w) } } } }
            }
            @if running == Some(v.id) {
                p { span.badge.vip { (t(lang, "story_running")) } }
            } @else if review.blocking.is_empty() {
                (action_form(admin, Permission::EditContent, &format!("{}/{}/activate", path(kind), v.id), "activate", html! {
                    button type="submit" { (t(lang, "story_activate")) }
                }))
            }
        }
    }
}

/// `POST /admin/content/docs/{kind}` (multipart: `csrf`, `text`, or a `file` which wins):
/// check it; a good one is kept as a version, a bad one comes back in the editor with the
/// error, nothing lost.
pub async fn save(
    admin: Admin,
    dash: web::Data<Dashboard>,
    kind: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let kind = match kind_of(&kind) {
        Ok(kind) => kind,
        Err(refusal) => return refusal.into(),
    };
    let content_type = req.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let Some(boundary) = crate::http::multipart::boundary(content_type) else {
        return Refusal::BadRequest("multipart/form-data expected".into()).into();
    };
    let parts = crate::http::multipart::parts(&body, boundary);
    let field = |name: &str| parts.iter().find(|p| p.name == name && !p.body.is_empty()).map(|p| p.body.to_vec());
    let csrf = field("csrf").map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
    if let Err(refusal) = admin.check(Permission::EditContent, &csrf) {
        return refusal.into();
    }
    let sent = parts.iter().find(|p| p.name == "file" && p.file_name.is_some() && !p.body.is_empty());
    let bytes = sent.map(|p| p.body.to_vec()).or_else(|| field("text")).unwrap_or_default();
    let text = match String::from_utf8(bytes) {
        Ok(text) => text.replace("\r\n", "\n"),
        Err(_) => return refused_draft(&admin, &dash, kind, "", t(admin.lang, "doc_not_utf8")).await,
    };
    let parsed: Parsed = match kind.check(&text) {
        Ok(parsed) => parsed,
        Err(error) => return refused_draft(&admin, &dash, kind, &text, &error).await,
    };
    match keep_version(&dash, &admin, &parsed, &text).await {
        Ok(id) => HttpResponse::SeeOther().insert_header(("Location", format!("{}/{id}", path(kind)))).finish(),
        Err(error) => super::internal(error),
    }
}

/// A version that may not go live now, and why, with the way back.
fn problem(admin: &Admin, kind: ContentKind, why: &str) -> HttpResponse {
    let body = html! {
        p.error #doc-refused role="alert" { (why) }
        p { a href=(path(kind)) { "← " (title(admin.lang, kind)) } }
    };
    shell(admin, "content", &path(kind), title(admin.lang, kind), body).status(409).into_response()
}

async fn refused_draft(admin: &Admin, dash: &Dashboard, kind: ContentKind, text: &str, error: &str) -> HttpResponse {
    match document_page(admin, dash, kind, Some((text, error))).await {
        Ok(page) => page.into_response(),
        Err(refusal) => refusal.into(),
    }
}

/// `POST /admin/content/docs/{kind}/{id|shipped}/activate`: live for everyone, now.
pub async fn activate(
    admin: Admin,
    dash: web::Data<Dashboard>,
    path_parts: web::Path<(String, String)>,
    form: web::Form<super::CsrfOnly>,
) -> HttpResponse {
    if let Err(refusal) = admin.check(Permission::EditContent, &form.csrf) {
        return refusal.into();
    }
    let (kind, which) = path_parts.into_inner();
    let kind = match kind_of(&kind) {
        Ok(kind) => kind,
        Err(refusal) => return refusal.into(),
    };
    let version = match which_version(&which) {
        Ok(version) => version,
        Err(why) => return Refusal::NotFound(why).into(),
    };
    match go_live(&dash, &admin, kind, version).await {
        Ok(_) => {}
        Err(ActivateError::NoSuchVersion(id)) => return Refusal::NotFound(format!("no version {id}")).into(),
        Err(ActivateError::Store(error)) => return super::internal(error),
        Err(refused) => return problem(&admin, kind, &refused.to_string()),
    }
    let back = version.map_or_else(|| path(kind), |id| format!("{}/{id}", path(kind)));
    HttpResponse::SeeOther().insert_header(("Location", back)).finish()
}
