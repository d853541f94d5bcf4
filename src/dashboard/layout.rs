//! The page around every dashboard page: head, navigation, the admin's name and role, the
//! language switch and the logout button.

use super::auth::Admin;
use super::texts::{Lang, t};
use super::{Refusal, roles::Permission};
use actix_web::HttpResponse;
use maud::{DOCTYPE, Markup, html};

/// A page ready to send.
pub struct Html {
    markup: Markup,
    status: u16,
}

impl Html {
    pub fn status(mut self, status: u16) -> Html {
        self.status = status;
        self
    }

    pub fn into_response(self) -> HttpResponse {
        let status = actix_web::http::StatusCode::from_u16(self.status).unwrap_or_default();
        HttpResponse::build(status).content_type("text/html; charset=utf-8").body(self.markup.into_string())
    }
}

impl actix_web::Responder for Html {
    type Body = actix_web::body::BoxBody;

    fn respond_to(self, _: &actix_web::HttpRequest) -> HttpResponse {
        self.into_response()
    }
}

fn head(title: &str, lang: Lang) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · Diana" }
            link rel="stylesheet" href="/admin/static/app.css";
            script src="/admin/static/app.js" defer {}
            meta name="lang" content=(lang.code());
        }
    }
}

const NAV: [(&str, &str, &str); 10] = [
    ("overview", "/admin/", "nav_overview"),
    ("users", "/admin/users", "nav_users"),
    ("content", "/admin/content", "nav_content"),
    ("broadcast", "/admin/broadcast", "nav_broadcast"),
    ("payments", "/admin/payments", "nav_payments"),
    ("channels", "/admin/channels", "nav_channels"),
    ("playground", "/admin/playground", "nav_playground"),
    ("audit", "/admin/audit", "nav_audit"),
    ("system", "/admin/system", "nav_system"),
    ("account", "/admin/account", "nav_account"),
];

/// A dashboard page: `active` names the navigation entry to highlight, `path` where the
/// language switch comes back to.
pub fn shell(admin: &Admin, active: &str, path: &str, title: &str, body: Markup) -> Html {
    let lang = admin.lang;
    let other = if lang == Lang::Es { ("en", "English") } else { ("es", "Español") };
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(title, lang))
            body {
                header.top {
                    a.brand href="/admin/" { "💋 " (t(lang, "brand")) }
                    nav {
                        @for (id, href, key) in NAV {
                            a.active[id == active] href=(href) { (t(lang, key)) }
                        }
                    }
                    div.who {
                        span.role { "admin:" (admin.user_id) " · " (admin.role.as_str()) }
                        a href={ "/admin/lang/" (other.0) "?back=" (path) } { (other.1) }
                        @if admin.csrf.is_some() {
                            form.inline method="post" action="/admin/logout" {
                                (csrf(admin))
                                button.link type="submit" id="logout" { (t(lang, "logout")) }
                            }
                        }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    };
    Html { markup, status: 200 }
}

/// The hidden CSRF field every form carries.
pub fn csrf(admin: &Admin) -> Markup {
    html! { input type="hidden" name="csrf" value=(admin.csrf.as_deref().unwrap_or_default()); }
}

/// A form for an action: posted with the CSRF token, confirmed first, shown only to those
/// whose role allows it.
pub fn action_form(admin: &Admin, permission: Permission, action: &str, id: &str, fields: Markup) -> Markup {
    if !admin.may(permission) {
        return html! {};
    }
    html! {
        form.action method="post" action=(action) id=(id) data-confirm=(t(admin.lang, "confirm")) {
            (csrf(admin))
            (fields)
        }
    }
}

/// A form for something harmless (recomputing figures): the CSRF token, no confirmation.
pub fn quiet_form(admin: &Admin, action: &str, id: &str, fields: Markup) -> Markup {
    html! {
        form.inline method="post" action=(action) id=(id) {
            (csrf(admin))
            (fields)
        }
    }
}

/// A page for someone not signed in.
fn bare(lang: Lang, title: &str, body: Markup) -> Html {
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(title, lang))
            body.bare { main.narrow { h1 { "💋 " (title) } (body) } }
        }
    };
    Html { markup, status: 200 }
}

/// The login page: the link's token in a form, or why it failed.
pub fn login(lang: Lang, token: &str, problem: Option<&'static str>) -> Html {
    bare(
        lang,
        t(lang, "login_title"),
        html! {
            @if let Some(problem) = problem {
                p.error role="alert" { (t(lang, problem)) }
            } @else if token.is_empty() {
                p { (t(lang, "login_needed")) }
            } @else {
                p { (t(lang, "login_explain")) }
                form method="post" action="/admin/login" {
                    input type="hidden" name="token" value=(token);
                    button.primary type="submit" id="login" { (t(lang, "login_button")) }
                }
            }
        },
    )
}

pub fn refusal(refusal: &Refusal) -> Html {
    let lang = Lang::Es;
    let key = match refusal {
        Refusal::SignedOut => "login_needed",
        Refusal::Csrf => "refused_csrf",
        Refusal::Forbidden(_) => "refused_role",
        Refusal::Internal(_) => "refused_internal",
        Refusal::NotFound(why) | Refusal::BadRequest(why) => {
            return bare(lang, t(lang, "login_title"), html! { p.error role="alert" { (why) } });
        }
    };
    bare(lang, t(lang, "login_title"), html! { p.error role="alert" { (t(lang, key)) } })
}

/// A table of numbers beside each chart: headers, then rows of cells.
pub fn table(headers: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Markup {
    html! {
        table.data {
            thead { tr { @for h in headers { th { (h) } } } }
            tbody { @for row in rows { tr { @for cell in row { td { (cell) } } } } }
        }
    }
}
