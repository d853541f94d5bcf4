//! The overview: actives, new players, retention, besitos, the story funnel, subscribers and
//! revenue, each as a chart with its numbers. The figures are computed in the background every
//! minute, so the page costs nothing however many players there are.

use super::auth::Admin;
use super::charts::{Series, bars, lines};
use super::layout::{shell, table};
use super::texts::t;
use super::{Dashboard, Refusal};
use actix_web::web;
use diana_actors::store::Pool;
use diana_actors::store::analytics::{Overview, overview};
use maud::{PreEscaped, html};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// How often the figures are recomputed.
const REFRESH: Duration = Duration::from_secs(60);

/// The figures, and the game's time zone: days are counted on its calendar.
#[derive(Clone)]
pub struct OverviewCache(Arc<RwLock<Option<Snapshot>>>, chrono_tz::Tz);

/// The figures and when they were computed.
type Snapshot = (Overview, chrono::DateTime<chrono::Utc>);

impl OverviewCache {
    pub fn start(pool: Pool, timezone: chrono_tz::Tz) -> OverviewCache {
        let cache = OverviewCache(Arc::default(), timezone);
        let filling = cache.clone();
        // At start, then every minute: the page never waits for them (seconds with 100,000
        // players), and "Recalcular" computes them on demand.
        tokio::spawn(async move {
            loop {
                filling.refresh(&pool).await;
                tokio::time::sleep(REFRESH).await;
            }
        });
        cache
    }

    pub async fn refresh(&self, pool: &Pool) {
        let computed = async { overview(&pool.get().await?, self.1.name()).await }.await;
        match computed {
            Ok(o) => *self.0.write().expect("overview lock") = Some((o, chrono::Utc::now())),
            Err(error) => {
                diana_actors::metrics::count_error("dashboard_overview");
                tracing::warn!(%error, "could not compute the overview; the last figures stay");
            }
        }
    }

    /// The latest figures, computing them now if there are none yet.
    pub async fn get(&self, pool: &Pool) -> Option<Snapshot> {
        if self.0.read().expect("overview lock").is_none() {
            self.refresh(pool).await;
        }
        self.0.read().expect("overview lock").clone()
    }
}

fn day(d: &chrono::NaiveDate) -> String {
    d.format("%d/%m").to_string()
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{v:.0} %"))
}

pub async fn page(admin: Admin, dash: web::Data<Dashboard>) -> Result<super::layout::Html, Refusal> {
    let lang = admin.lang;
    let Some((o, at)) = dash.overview.get(&dash.pool).await else {
        return Err(Refusal::Internal("the overview could not be computed".into()));
    };
    let live = diana_actors::metrics::LIVE_USER_ACTORS.get();
    let days: Vec<String> = o.daily.iter().map(|(d, ..)| day(d)).collect();
    let actives = lines(
        &days,
        &[
            Series { name: t(lang, "active"), values: o.daily.iter().map(|r| r.1 as f64).collect() },
            Series { name: t(lang, "new"), values: o.daily.iter().map(|r| r.2 as f64).collect() },
        ],
    );
    let cohorts: Vec<String> = o.retention.iter().map(|(d, ..)| day(d)).collect();
    let retention = lines(
        &cohorts,
        &[
            Series { name: "D1", values: o.retention.iter().map(|r| r.2.unwrap_or(0.0)).collect() },
            Series { name: "D7", values: o.retention.iter().map(|r| r.3.unwrap_or(0.0)).collect() },
            Series { name: "D30", values: o.retention.iter().map(|r| r.4.unwrap_or(0.0)).collect() },
        ],
    );
    let besitos_days: Vec<String> = o.besitos.iter().map(|(d, ..)| day(d)).collect();
    let besitos = bars(
        &besitos_days,
        &[
            Series { name: t(lang, "issued"), values: o.besitos.iter().map(|r| r.1 as f64).collect() },
            Series { name: t(lang, "spent"), values: o.besitos.iter().map(|r| r.2 as f64).collect() },
        ],
    );
    let chapters: Vec<String> = o.funnel.iter().map(|(c, ..)| c.to_string()).collect();
    let funnel = bars(
        &chapters,
        &[
            Series { name: t(lang, "started"), values: o.funnel.iter().map(|r| r.1 as f64).collect() },
            Series { name: t(lang, "finished"), values: o.funnel.iter().map(|r| r.2 as f64).collect() },
        ],
    );
    let revenue_days: Vec<String> = o.revenue.iter().map(|(d, ..)| day(d)).collect();
    let revenue = lines(
        &revenue_days,
        &[
            Series { name: t(lang, "subscribers"), values: o.revenue.iter().map(|r| r.1 as f64).collect() },
            Series { name: t(lang, "revenue_eur"), values: o.revenue.iter().map(|r| r.2 as f64 / 100.0).collect() },
            Series { name: t(lang, "revenue_stars"), values: o.revenue.iter().map(|r| r.3 as f64).collect() },
        ],
    );
    let subscribers: i64 = o.subscribers.iter().map(|s| s.1).sum();
    let recent = |n: usize| o.daily.len().saturating_sub(n);
    let body = html! {
        section.cards {
            div.card #dau { span.k { "DAU" } span.v { (o.dau) } }
            div.card #wau { span.k { "WAU" } span.v { (o.wau) } }
            div.card #mau { span.k { "MAU" } span.v { (o.mau) } }
            div.card #players { span.k { (t(lang, "players")) } span.v { (o.players) } }
            div.card #subscribers { span.k { (t(lang, "subscribers")) } span.v { (subscribers) } }
            div.card #live { span.k { (t(lang, "live_actors")) } span.v { (live) } }
        }
        div.muted #computed {
            (t(lang, "computed_at")) " " (at.format("%H:%M:%S UTC")) " "
            (super::layout::quiet_form(&admin, "/admin/overview/refresh", "refresh-overview", html! {
                button.link type="submit" { (t(lang, "recompute")) }
            }))
        }
        section.chart #chart-actives {
            h2 { (t(lang, "chart_actives")) }
            figure { (PreEscaped(actives)) }
            details { summary { "Tabla" }
                (table(&[t(lang, "day"), t(lang, "active"), t(lang, "new")],
                    o.daily[recent(30)..].iter().rev().map(|(d, a, n)| vec![day(d), a.to_string(), n.to_string()])))
            }
        }
        section.chart #chart-retention {
            h2 { (t(lang, "chart_retention")) }
            figure { (PreEscaped(retention)) }
            details { summary { "Tabla" }
                (table(&[t(lang, "cohort"), t(lang, "players"), "D1", "D7", "D30"],
                    o.retention.iter().rev().map(|(d, n, d1, d7, d30)| vec![day(d), n.to_string(), pct(*d1), pct(*d7), pct(*d30)])))
            }
        }
        section.chart #chart-besitos {
            h2 { (t(lang, "chart_besitos")) }
            figure { (PreEscaped(besitos)) }
            details { summary { "Tabla" }
                (table(&[t(lang, "day"), t(lang, "issued"), t(lang, "spent")],
                    o.besitos.iter().rev().map(|(d, i, s)| vec![day(d), i.to_string(), s.to_string()])))
            }
        }
        section.chart #chart-funnel {
            h2 { (t(lang, "chart_funnel")) }
            figure { (PreEscaped(funnel)) }
            (table(&[t(lang, "chapter"), t(lang, "started"), t(lang, "finished")],
                o.funnel.iter().map(|(c, s, f)| vec![c.to_string(), s.to_string(), f.to_string()])))
        }
        section.chart #chart-revenue {
            h2 { (t(lang, "chart_revenue")) }
            figure { (PreEscaped(revenue)) }
            details { summary { "Tabla" }
                (table(&[t(lang, "day"), t(lang, "subscribers"), t(lang, "revenue_eur"), t(lang, "revenue_stars")],
                    o.revenue.iter().rev().map(|(d, s, eur, xtr)| {
                        vec![day(d), s.to_string(), format!("{},{:02}", eur / 100, eur % 100), xtr.to_string()]
                    })))
            }
            (table(&[t(lang, "plan"), t(lang, "subscribers")], o.subscribers.iter().map(|(p, n)| vec![p.clone(), n.to_string()])))
        }
    };
    Ok(shell(&admin, "overview", "/admin/", t(lang, "overview_title"), body))
}

/// The figures as JSON, for the API.
pub async fn json(dash: &Dashboard) -> Option<serde_json::Value> {
    let (o, at) = dash.overview.get(&dash.pool).await?;
    let mut value = serde_json::to_value(o).ok()?;
    value["computed_at"] = serde_json::json!(at);
    value["live_user_actors"] = serde_json::json!(diana_actors::metrics::LIVE_USER_ACTORS.get());
    Some(value)
}

/// `POST /admin/overview/refresh`: compute the figures now (seconds with 100,000 players).
pub async fn refresh(
    admin: Admin,
    dash: web::Data<Dashboard>,
    form: web::Form<super::CsrfOnly>,
) -> actix_web::HttpResponse {
    if let Err(refusal) = admin.check(super::roles::Permission::View, &form.csrf) {
        return refusal.into();
    }
    dash.overview.refresh(&dash.pool).await;
    actix_web::HttpResponse::SeeOther().insert_header(("Location", "/admin/")).finish()
}
