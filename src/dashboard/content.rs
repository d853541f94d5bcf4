//! Content: upload a story (its `.ink` files, and world files or pictures if they changed),
//! see it checked as `diana story check` does, activate it without a restart, and roll back to
//! any earlier good version or to the shipped folder. Every upload is kept in its own folder.

use super::auth::Admin;
use super::layout::{Html, action_form, shell, table};
use super::roles::Permission;
use super::texts::t;
use super::{Dashboard, Refusal};
use actix_web::{HttpRequest, HttpResponse, web};
use diana_actors::store::story_versions::{self, StoryVersion};
use diana_actors::story::engine::LoadStoryVersion;
use maud::{Markup, html};
use std::path::{Path, PathBuf};

const MAX_FILES: usize = 60;
const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// The largest upload accepted (the route's payload limit).
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;

fn when(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

/// Where a file of a story goes, or why it is refused: plain names only, known kinds only.
pub fn destination(name: &str) -> Result<PathBuf, String> {
    let plain = !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !plain {
        return Err(format!("'{name}': use letters, digits, '_', '-' and '.' only"));
    }
    // Exactly the extensions the story looks for (`# imagen:<asset>` finds `<asset>.png`,
    // `.jpg` or `.webp`, in lowercase).
    let extension = name.rsplit_once('.').map(|(_, e)| e).unwrap_or_default();
    match extension {
        "ink" | "toml" => Ok(PathBuf::from(name)),
        "png" | "jpg" | "webp" => Ok(Path::new("images").join(name)),
        _ => Err(format!("'{name}': only .ink, .toml and pictures (.png, .jpg, .webp, in lowercase)")),
    }
}

/// Copy a story folder (the running one, so files not uploaded carry over).
fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

fn running_dir(dash: &Dashboard) -> Option<PathBuf> {
    let book = dash.story.shelf.current()?;
    book.images_dir.parent().map(Path::to_path_buf)
}

fn version_row(admin: &Admin, v: &StoryVersion, active: Option<&str>) -> Markup {
    let lang = admin.lang;
    let running = active.is_some_and(|dir| Path::new(dir) == Path::new(&v.dir));
    html! {
        tr {
            td { a href={ "/admin/content/story/" (v.id) } { "#" (v.id) } }
            td { (when(&v.uploaded_at)) }
            td { (v.uploaded_by) }
            td { (v.files.len()) }
            td {
                @if !v.checked { "…" }
                @else if v.errors.is_empty() { span.ok { "✓ " (t(lang, "story_good")) } }
                @else { span.error { (v.errors.len()) " " (t(lang, "story_errors")) } }
                @if running { " " span.badge.vip { (t(lang, "story_running")) } }
            }
        }
    }
}

pub async fn page(admin: Admin, dash: web::Data<Dashboard>) -> Result<Html, Refusal> {
    let lang = admin.lang;
    let conn = dash.pool.get().await.map_err(|e| Refusal::Internal(e.to_string()))?;
    let versions = story_versions::list(&conn, 30).await.map_err(|e| Refusal::Internal(e.to_string()))?;
    let book = dash.story.shelf.current();
    let running = running_dir(&dash).map(|d| d.to_string_lossy().into_owned());
    let documents = super::catalogues::overview(&admin, &conn).await?;
    let body = html! {
        section.panel #story-running {
            h2 { (t(lang, "story")) }
            @match &book {
                Some(book) => p { (t(lang, "story_running")) ": " code { (book.hash()) } " · "
                    (book.chapters.len()) " " (t(lang, "chapters")) " · " code { (running.as_deref().unwrap_or_default()) } },
                None => p.muted { (t(lang, "story_none")) },
            }
            (action_form(&admin, Permission::EditContent, "/admin/content/story/shipped/activate", "activate-shipped", html! {
                button type="submit" { (t(lang, "story_use_shipped")) }
            }))
        }
        @if admin.may(Permission::EditContent) {
            section.panel #story-upload {
                h2 { (t(lang, "story_upload")) }
                p.muted { (t(lang, "story_upload_explain")) }
                form.action method="post" action="/admin/content/story" enctype="multipart/form-data" {
                    (super::layout::csrf(&admin))
                    input type="file" name="files" multiple required accept=".ink,.toml,.png,.jpg,.webp";
                    button type="submit" { (t(lang, "story_check")) }
                }
            }
        }
        section.panel #story-versions {
            h2 { (t(lang, "story_versions")) }
            table.data {
                thead { tr { th { "#" } th { (t(lang, "when")) } th { (t(lang, "who")) } th { "files" } th { (t(lang, "status")) } } }
                tbody { @for v in &versions { (version_row(&admin, v, running.as_deref())) } }
            }
        }
        (documents)
    };
    Ok(shell(&admin, "content", "/admin/content", t(lang, "nav_content"), body))
}

pub async fn version(admin: Admin, dash: web::Data<Dashboard>, id: web::Path<i64>) -> Result<Html, Refusal> {
    let lang = admin.lang;
    let conn = dash.pool.get().await.map_err(|e| Refusal::Internal(e.to_string()))?;
    let path = format!("/admin/content/story/{id}");
    let Some(v) = story_versions::get(&conn, *id).await.map_err(|e| Refusal::Internal(e.to_string()))? else {
        return Ok(shell(&admin, "content", &path, &format!("#{id}"), html! { p.error { (t(lang, "not_found")) } })
            .status(404));
    };
    let running = running_dir(&dash).is_some_and(|d| d == Path::new(&v.dir));
    let stat = |key: &str| v.stats.as_ref().and_then(|s| s.pointer(key)).map(|x| x.to_string()).unwrap_or_default();
    let body = html! {
        p { (t(lang, "who")) ": " (v.uploaded_by) " · " (when(&v.uploaded_at)) " · " (v.files.join(", ")) }
        @if v.errors.is_empty() {
            p.ok #story-verdict { "✓ " (t(lang, "story_good")) }
        } @else {
            section.panel #story-errors {
                h2.error #story-verdict { (v.errors.len()) " " (t(lang, "story_errors")) }
                ul { @for e in &v.errors { li { code { (e) } } } }
            }
        }
        @if !v.warnings.is_empty() {
            section.panel #story-warnings { h2 { (t(lang, "story_warnings")) } ul { @for w in &v.warnings { li { code { (w) } } } } }
        }
        @if v.stats.is_some() && v.errors.is_empty() {
            (table(&["chapters", "knots", "stitches", "choices", "words", "endings"], [vec![
                stat("/stats/chapters"), stat("/stats/knots"), stat("/stats/stitches"), stat("/stats/choices"),
                stat("/stats/words"), stat("/stats/endings"),
            ]]))
            p.muted { "explored: " (stat("/exploration/states")) " states · endings " (stat("/exploration/endings"))
                " · without VIP " (stat("/exploration/free_endings")) }
        }
        @if running {
            p { span.badge.vip { (t(lang, "story_running")) } }
        } @else if v.errors.is_empty() && v.checked {
            (action_form(&admin, Permission::EditContent, &format!("/admin/content/story/{}/activate", v.id), "activate", html! {
                button type="submit" { (t(lang, "story_activate")) }
            }))
        }
        p { a href="/admin/content" { "← " (t(lang, "nav_content")) } }
    };
    Ok(shell(&admin, "content", &path, &format!("{} #{}", t(lang, "story"), v.id), body))
}

/// `POST /admin/content/story` (multipart): keep the files as a new version and check it.
pub async fn upload(admin: Admin, dash: web::Data<Dashboard>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let lang = admin.lang;
    let content_type = req.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let Some(boundary) = crate::http::multipart::boundary(content_type) else {
        return problem(&admin, "multipart/form-data expected");
    };
    let parts = crate::http::multipart::parts(&body, boundary);
    let csrf = parts.iter().find(|p| p.name == "csrf").map(|p| String::from_utf8_lossy(&p.body).into_owned());
    if let Err(refusal) = admin.check(Permission::EditContent, csrf.as_deref().unwrap_or_default()) {
        return refusal.into();
    }
    let files: Vec<_> = parts.into_iter().filter(|p| p.name == "files" && p.file_name.is_some()).collect();
    if files.is_empty() || files.iter().all(|f| f.body.is_empty()) {
        return problem(&admin, t(lang, "story_no_files"));
    }
    if files.len() > MAX_FILES {
        return problem(&admin, &format!("{MAX_FILES} files at most"));
    }
    let mut placed = Vec::new();
    for file in &files {
        let name = file.file_name.clone().unwrap_or_default();
        match destination(&name) {
            Ok(_) if file.body.len() > MAX_FILE_BYTES => return problem(&admin, &format!("'{name}' is over 5 MB")),
            Ok(target) => placed.push((name, target, &file.body)),
            Err(why) => return problem(&admin, &why),
        }
    }
    let names: Vec<String> = placed.iter().map(|(n, ..)| n.clone()).collect();
    let stored = async {
        let conn = dash.pool.get().await.map_err(|e| e.to_string())?;
        let id = story_versions::create(&conn, &names, &admin.actor()).await.map_err(|e| e.to_string())?;
        let dir = dash.story.uploads_dir.join(format!("v{id}"));
        // The running story's files carry over; the uploaded ones replace theirs.
        let base = running_dir(&dash).unwrap_or_else(|| dash.story.shipped_dir.clone());
        let written = {
            let (dir, base) = (dir.clone(), base.clone());
            let files: Vec<(PathBuf, Vec<u8>)> = placed.iter().map(|(_, t, b)| (t.clone(), b.to_vec())).collect();
            tokio::task::spawn_blocking(move || {
                if base.is_dir() {
                    copy_dir(&base, &dir)?;
                }
                for (target, bytes) in files {
                    let path = dir.join(target);
                    if let Some(parent) = path.parent() {
                        std::fs::create_dir_all(parent)?;
                    }
                    std::fs::write(path, bytes)?;
                }
                Ok::<_, std::io::Error>(diana_actors::story::lint::check(&dir))
            })
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?
        };
        let report = written;
        let stats = serde_json::json!({ "stats": report.stats, "exploration": report.exploration });
        let dir_text = dir.to_string_lossy().into_owned();
        story_versions::set_report(&conn, id, &dir_text, &report.errors, &report.warnings, &stats)
            .await
            .map_err(|e| e.to_string())?;
        let after = serde_json::json!({ "version": id, "files": names, "errors": report.errors.len() });
        super::audit(&dash, &admin.actor(), "story.upload", &format!("story:{id}"), Some(after))
            .await
            .map_err(|e| e.to_string())?;
        Ok::<_, String>(id)
    };
    match stored.await {
        Ok(id) => HttpResponse::SeeOther().insert_header(("Location", format!("/admin/content/story/{id}"))).finish(),
        Err(error) => super::internal(error),
    }
}

fn problem(admin: &Admin, why: &str) -> HttpResponse {
    let body = html! {
        p.error role="alert" { (why) }
        p { a href="/admin/content" { "← " (t(admin.lang, "nav_content")) } }
    };
    shell(admin, "content", "/admin/content", t(admin.lang, "nav_content"), body).status(400).into_response()
}

/// `POST /admin/content/story/{id|shipped}/activate`: compile and swap it in, for everyone, now.
pub async fn activate(
    admin: Admin,
    dash: web::Data<Dashboard>,
    which: web::Path<String>,
    form: web::Form<super::CsrfOnly>,
) -> HttpResponse {
    if let Err(refusal) = admin.check(Permission::EditContent, &form.csrf) {
        return refusal.into();
    }
    let conn = match dash.pool.get().await {
        Ok(conn) => conn,
        Err(error) => return super::internal(error),
    };
    let (version_id, dir) = match which.as_str() {
        "shipped" => (None, dash.story.shipped_dir.clone()),
        id => {
            let Ok(id) = id.parse::<i64>() else { return HttpResponse::NotFound().finish() };
            match story_versions::get(&conn, id).await {
                Ok(Some(v)) if v.checked && v.errors.is_empty() => (Some(id), PathBuf::from(v.dir)),
                Ok(Some(_)) => return problem(&admin, t(admin.lang, "story_not_activatable")),
                Ok(None) => return HttpResponse::NotFound().finish(),
                Err(error) => return super::internal(error),
            }
        }
    };
    let Some(engine) = &dash.story.engine else { return super::internal("the story engine is not running") };
    let active = match engine.send(LoadStoryVersion { dir }).await {
        Ok(Ok(active)) => active,
        Ok(Err(error)) => return problem(&admin, &error.to_string()),
        Err(error) => return super::internal(error),
    };
    let recorded = async {
        story_versions::record_activation(&conn, version_id, &active.version, &admin.actor()).await?;
        let after =
            serde_json::json!({ "version": version_id, "compiled": active.version, "chapters": active.chapters });
        let target = version_id.map_or_else(|| "story:shipped".to_owned(), |id| format!("story:{id}"));
        super::audit(&dash, &admin.actor(), "story.activate", &target, Some(after)).await
    };
    if let Err(error) = recorded.await {
        return super::internal(error);
    }
    let back = version_id.map_or_else(|| "/admin/content".to_owned(), |id| format!("/admin/content/story/{id}"));
    HttpResponse::SeeOther().insert_header(("Location", back)).finish()
}

#[cfg(test)]
mod tests {
    use super::destination;
    use std::path::Path;

    #[test]
    fn only_plain_story_files_are_accepted() {
        assert_eq!(destination("main.ink").unwrap(), Path::new("main.ink"));
        assert_eq!(destination("personajes.toml").unwrap(), Path::new("personajes.toml"));
        assert_eq!(destination("piano.png").unwrap(), Path::new("images/piano.png"));
        for bad in ["../main.ink", "a/b.ink", ".hidden.ink", "run.sh", "", "main ink.ink", "piano.PNG", "piano.jpeg"] {
            assert!(destination(bad).is_err(), "{bad}");
        }
    }
}
