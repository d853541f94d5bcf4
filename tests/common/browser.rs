//! A real Chromium, headless, driven through chromedriver (Debian's `chromium` and
//! `chromium-driver`; `scripts/test` installs them when missing).

use fantoccini::{Client, ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct Browser {
    pub client: Client,
    driver: Child,
}

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

impl Browser {
    pub async fn start() -> Browser {
        assert!(
            std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists(),
            "browser tests need Debian's chromium and chromium-driver: apt-get install chromium chromium-driver \
             (scripts/test installs them)"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = std::env::temp_dir().join(format!("diana-chromium-{:016x}", rand::random::<u64>()));
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--window-size=1280,1000", format!("--user-data-dir={}", profile.display()),
                ],
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut last = None;
        for _ in 0..50 {
            match ClientBuilder::new(connector.clone()).capabilities(caps.clone()).connect(&url).await {
                Ok(client) => return Browser { client, driver },
                Err(error) => last = Some(error),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("could not reach chromedriver: {last:?}");
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap_or_else(|e| panic!("goto {url}: {e}"));
    }

    /// Find `css` and do `act` on it, again if the page redrew it meanwhile (the playground
    /// refreshes its chat while a test reads it).
    async fn with<T, F, Fut>(&self, css: &str, act: F) -> T
    where
        F: Fn(fantoccini::elements::Element) -> Fut,
        Fut: std::future::Future<Output = Result<T, fantoccini::error::CmdError>>,
    {
        self.within(css, Duration::from_secs(10), act).await
    }

    async fn within<T, F, Fut>(&self, css: &str, patience: Duration, act: F) -> T
    where
        F: Fn(fantoccini::elements::Element) -> Fut,
        Fut: std::future::Future<Output = Result<T, fantoccini::error::CmdError>>,
    {
        let mut last = None;
        for _ in 0..20 {
            let found = self.client.wait().at_most(patience).for_element(Locator::Css(css)).await;
            let element = found.unwrap_or_else(|e| panic!("no {css}: {e}"));
            match act(element).await {
                Ok(value) => return value,
                Err(error) => last = Some(error),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css}: {last:?}");
    }

    pub async fn text(&self, css: &str) -> String {
        self.with(css, |e| async move { e.text().await }).await
    }

    /// The text of `css` once it appears, after something slow (a story checked by playing
    /// every path, in a debug build, on a busy machine).
    pub async fn slow_text(&self, css: &str) -> String {
        self.within(css, Duration::from_secs(90), |e| async move { e.text().await }).await
    }

    pub async fn click(&self, css: &str) {
        self.with(css, |e| async move { e.click().await }).await
    }

    pub async fn fill(&self, css: &str, text: &str) {
        self.with(css, |e| async move {
            e.clear().await?;
            e.send_keys(text).await
        })
        .await
    }

    /// Set a field's whole value at once (typing a long document key by key is slow).
    pub async fn set_value(&self, css: &str, text: &str) {
        let script = "document.querySelector(arguments[0]).value = arguments[1];";
        self.client.execute(script, vec![css.into(), text.into()]).await.expect("set a field's value");
    }

    /// A field's current value.
    pub async fn value(&self, css: &str) -> String {
        self.with(css, |e| async move { e.prop("value").await.map(Option::unwrap_or_default) }).await
    }

    /// Make the window phone-sized (or any size).
    pub async fn resize(&self, width: u32, height: u32) {
        self.client.set_window_size(width, height).await.expect("resize the window");
    }

    /// Whether the page fits the window's width (no sideways scrolling of the whole page).
    pub async fn fits_width(&self) -> bool {
        self.too_wide().await.is_empty()
    }

    /// The elements that stick out past the window's right edge (tag, class, width), widest
    /// first: empty when the page fits.
    pub async fn too_wide(&self) -> Vec<String> {
        let script = "if (document.documentElement.scrollWidth <= window.innerWidth) return [];
            return [...document.querySelectorAll('body *')]
              .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
              .map(e => [e.getBoundingClientRect().width, e.tagName + '.' + e.className + '#' + e.id])
              .sort((a, b) => b[0] - a[0]).slice(0, 6).map(x => x[1] + ' ' + Math.round(x[0]));";
        let found = self.client.execute(script, vec![]).await.expect("measure the page");
        serde_json::from_value(found).unwrap_or_default()
    }

    pub async fn exists(&self, css: &str) -> bool {
        self.client.find(Locator::Css(css)).await.is_ok()
    }

    /// Wait until the page's path is `path` (after a redirect, say).
    pub async fn wait_for_path(&self, path: &str) {
        for _ in 0..100 {
            if self.client.current_url().await.is_ok_and(|u| u.path() == path) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("never reached {path}: at {:?}", self.client.current_url().await);
    }

    /// Accept the page's confirmation dialog.
    pub async fn accept_confirm(&self) {
        for _ in 0..50 {
            if self.client.accept_alert().await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no confirmation dialog appeared");
    }

    /// Keep a picture of the page under docs/img/ when `DIANA_SCREENSHOTS` is set.
    pub async fn screenshot(&self, name: &str) {
        if std::env::var_os("DIANA_SCREENSHOTS").is_none() {
            return;
        }
        let png = self.client.screenshot().await.expect("a screenshot");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/img");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
