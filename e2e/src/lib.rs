//! The browser tests' harness: the whole shop, started once per test run, as `cargo xtask
//! up` starts it — from the slice table.
//!
//! Every built slice's service (on a fresh SQLite database) and BFF run as processes, on
//! ports they chose and reported; the published site (shell + the MFE builds `cargo xtask
//! test` made), nginx and chromedriver are real. All are stopped by their PID when the
//! [`Shop`] is dropped, or when the test run is interrupted. Tests drive headless Chromium
//! through nginx, as a shopper would.

use anyhow::{bail, Context, Result};
use fantoccini::{elements::Element, Client, ClientBuilder, Locator};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;
use xtask::gateway::Gateway;
use xtask::process::Child;
use xtask::site::{Descriptor, Site};
use xtask::stack::{self, Profile};
use xtask::supervisor::Supervisor;
use xtask::{mfe, tools, workspace};

/// How long a shopper-visible change may take before a test gives up on it.
pub const PATIENCE: Duration = Duration::from_secs(15);

pub struct Shop {
    runtime: tokio::runtime::Runtime,
    // Stopped in this order when dropped: the gateways (and lone BFFs), chromedriver, then
    // the servers.
    gateways: Mutex<Vec<Child>>,
    chromedriver: Child,
    /// The servers, one replica each (nothing restarts them: nobody calls `supervise`).
    servers: Supervisor,
    work: PathBuf,
    nginx: PathBuf,
    chromedriver_url: String,
    /// How many lone BFFs were started (each gets a folder of its own).
    lone_bffs: std::sync::atomic::AtomicUsize,
    /// The shop, through nginx: `http://127.0.0.1:<port>`.
    pub url: String,
}

impl Shop {
    pub fn start() -> Result<Self> {
        xtask::process::stop_everything_on_interrupt()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let work = std::env::temp_dir().join(format!("storefront-e2e-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&work);
        std::fs::create_dir_all(&work)?;

        let servers = stack::start_servers(Profile::Debug, &work)
            .context("starting the services and BFFs (cargo xtask test builds them)")?;

        let nginx = std::env::var_os("STOREFRONT_NGINX")
            .map(PathBuf::from)
            .or_else(|| tools::which("nginx"))
            .context("nginx is not installed: run `cargo xtask test`")?;
        let chromedriver_bin = std::env::var_os("STOREFRONT_CHROMEDRIVER")
            .map(PathBuf::from)
            .or_else(|| tools::which("chromedriver"))
            .context("chromedriver is not installed: run `cargo xtask test`")?;
        let (chromedriver, chromedriver_url) =
            xtask::chromedriver::start(&chromedriver_bin, &work.join("chromedriver.log"))?;

        let mut shop = Self {
            runtime,
            gateways: Mutex::new(vec![]),
            chromedriver,
            servers,
            work,
            nginx,
            chromedriver_url,
            lone_bffs: std::sync::atomic::AtomicUsize::new(0),
            url: String::new(),
        };
        shop.url = shop.gateway("shop", |_| Ok(()), None)?.0;
        Ok(shop)
    }

    /// Where slice `name`'s service answers (what its BFF calls).
    pub fn service_url(&self, name: &str) -> Result<String> {
        let slice = xtask::slices::get(name).with_context(|| format!("no slice {name}"))?;
        self.servers.service_url(slice)
    }

    /// The folder a gateway started as `name` serves its site from (see [`Shop::gateway`]).
    pub fn site_of(&self, name: &str) -> PathBuf {
        self.work.join(name).join("site")
    }

    /// `host:port` of each slice's BFF, by slice name.
    pub fn bffs(&self) -> BTreeMap<String, String> {
        self.servers
            .bffs()
            .into_iter()
            .filter_map(|(slice, replicas)| Some((slice, replicas.into_iter().next()?)))
            .collect()
    }

    /// Runs a test body on the shop's runtime.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.handle().block_on(future)
    }

    /// Another nginx in front of its own copy of the site, which `change` may alter (to
    /// break a bundle, say), proxying to `bffs` (default: the shop's BFFs). Returns its URL
    /// and its site, which a test may publish to while it runs.
    pub fn gateway(
        &self,
        name: &str,
        change: impl FnOnce(&Site) -> Result<()>,
        bffs: Option<BTreeMap<String, String>>,
    ) -> Result<(String, Site)> {
        let dir = self.work.join(name);
        // The shop's own site is the one its BFFs read the live builds from.
        let site = if name == "shop" {
            stack::site(&self.work)
        } else {
            Site::new(dir.join("site"))
        };
        site.install_shell()?;
        for mfe_name in mfe::names()? {
            let build = mfe::build_dir(&mfe_name);
            if !build.join("index.html").is_file() {
                bail!(
                    "{} has no build of the {mfe_name} MFE: run `cargo xtask test` (it builds them first)",
                    build.display()
                );
            }
            site.publish(&mfe_name, &build, Descriptor::read(&mfe_name)?)?;
        }
        change(&site)?;
        let gateway = Gateway {
            port: 0,
            site_root: site.root().to_owned(),
            bffs: bffs
                .unwrap_or_else(|| self.bffs())
                .into_iter()
                .map(|(slice, address)| (slice, vec![address]))
                .collect(),
            services: BTreeMap::new(),
            runtime_dir: dir.join("nginx"),
            log_dir: dir.join("log"),
        };
        let (child, port) = gateway.start_on_a_free_port(&self.nginx)?;
        self.gateways
            .lock()
            .map_err(|_| anyhow::anyhow!("gateway list poisoned"))?
            .push(child);
        Ok((format!("http://127.0.0.1:{port}"), site))
    }

    /// One more BFF of slice `name`, calling its service at `service_url` (say, where
    /// nothing listens, to see the slice's service down); stopped with the shop. Returns
    /// its `host:port`, for [`Shop::gateway`]'s `bffs`.
    pub fn lone_bff(&self, name: &str, service_url: &str) -> Result<String> {
        self.lone_bff_with(name, service_url, &[])
    }

    /// [`Shop::lone_bff`] with more settings (`<SLICE>_BFF__<SETTING>`, value).
    pub fn lone_bff_with(
        &self,
        name: &str,
        service_url: &str,
        settings: &[(&str, String)],
    ) -> Result<String> {
        let slice = xtask::slices::get(name).with_context(|| format!("no slice {name}"))?;
        let env: Vec<(String, String)> = settings
            .iter()
            .map(|(setting, value)| (slice.env(xtask::slices::Tier::Bff, setting), value.clone()))
            .collect();
        let (child, port) = stack::start_lone_bff(
            slice,
            service_url,
            Profile::Debug,
            &self.work.join(format!(
                "lone-{name}-bff-{}",
                self.lone_bffs
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            )),
            &env,
        )?;
        self.gateways
            .lock()
            .map_err(|_| anyhow::anyhow!("process list poisoned"))?
            .push(child);
        Ok(format!("127.0.0.1:{port}"))
    }

    /// A new headless Chromium session (its own profile: a cold cache).
    pub async fn browser(&self) -> Result<Browser> {
        Browser::connect(&self.chromedriver_url, (1280, 900)).await
    }

    /// A session the size of a phone.
    pub async fn phone(&self) -> Result<Browser> {
        Browser::connect(&self.chromedriver_url, (390, 844)).await
    }

    /// GETs a path through the shop's gateway as JSON (what the page would get).
    pub async fn api(&self, path: &str) -> Result<serde_json::Value> {
        Ok(reqwest::get(format!("{}{path}", self.url))
            .await?
            .json()
            .await?)
    }
}

impl Drop for Shop {
    fn drop(&mut self) {
        if let Ok(mut gateways) = self.gateways.lock() {
            gateways.clear();
        }
        self.runtime.block_on(close_all_browsers());
        self.chromedriver.stop(Duration::from_secs(5));
        // Before their files go: in reverse start order (BFFs before their services).
        self.servers.stop();
        let _ = std::fs::remove_dir_all(&self.work);
    }
}

/// Every browser session opened in this process. A test that fails half-way never reaches
/// its `close()`, and stopping chromedriver does not stop the browsers it started, so
/// [`close_all_browsers`] closes whatever is still open before chromedriver stops.
static SESSIONS: Mutex<Vec<Client>> = Mutex::new(Vec::new());

/// Closes every browser session still open (closing a closed one is a harmless error).
pub async fn close_all_browsers() {
    let sessions = SESSIONS
        .lock()
        .map(|mut sessions| std::mem::take(&mut *sessions))
        .unwrap_or_default();
    for session in sessions {
        let _ = session.close().await;
    }
}

/// One browser window, with the few things tests ask of it.
pub struct Browser {
    client: Client,
}

impl Browser {
    pub async fn connect(webdriver: &str, (width, height): (u32, u32)) -> Result<Self> {
        let chrome_binary = tools::which("chromium").or_else(|| tools::which("google-chrome"));
        let mut options = serde_json::json!({
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-quic", "--no-proxy-server", "--hide-scrollbars",
                format!("--window-size={width},{height}"),
            ],
        });
        if width < 600 {
            // A phone: its viewport, not just a narrow window.
            options["mobileEmulation"] = serde_json::json!({
                "deviceMetrics": { "width": width, "height": height, "pixelRatio": 2.0, "touch": true }
            });
        }
        if let Some(binary) = chrome_binary {
            options["binary"] = serde_json::json!(binary);
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), options);
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(webdriver)
            .await
            .context("starting a Chromium session")?;
        if let Ok(mut sessions) = SESSIONS.lock() {
            sessions.push(client.clone());
        }
        Ok(Self { client })
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Sends a Chrome DevTools Protocol command to this window (through chromedriver).
    pub async fn devtools(
        &self,
        command: &str,
        params: serde_json::Value,
    ) -> Result<serde_json::Value> {
        self.client
            .issue_cmd(DevTools {
                body: serde_json::json!({ "cmd": command, "params": params }).to_string(),
            })
            .await
            .with_context(|| format!("DevTools {command}"))
    }

    /// Turns JavaScript off in this window, for the pages opened from now on: what a
    /// crawler, or a shopper whose scripts are blocked, gets.
    pub async fn without_javascript(&self) -> Result<()> {
        self.devtools(
            "Emulation.setScriptExecutionDisabled",
            serde_json::json!({ "value": true }),
        )
        .await?;
        Ok(())
    }

    /// From the next page on, keeps every console error and uncaught exception of the
    /// page (read with [`Browser::console_errors`]). A hydration mismatch shows there.
    pub async fn record_console_errors(&self) -> Result<()> {
        self.devtools(
            "Page.addScriptToEvaluateOnNewDocument",
            serde_json::json!({ "source": RECORD_ERRORS }),
        )
        .await?;
        Ok(())
    }

    /// The console errors and uncaught exceptions of this page so far (see
    /// [`Browser::record_console_errors`]).
    pub async fn console_errors(&self) -> Result<Vec<String>> {
        let errors = self
            .client
            .execute("return window.__consoleErrors || [];", vec![])
            .await?;
        Ok(serde_json::from_value(errors)?)
    }

    pub async fn open(&self, url: &str) -> Result<()> {
        self.client
            .goto(url)
            .await
            .with_context(|| format!("opening {url}"))
    }

    /// The first element matching `css`, waiting for it to appear.
    pub async fn wait_for(&self, css: &str) -> Result<Element> {
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("{css} did not appear"))
    }

    /// The texts of every element matching `css`, right now. When the page re-renders
    /// between finding them and reading one (a stale element: an MFE redrew after an
    /// event), they are found and read again.
    pub async fn texts(&self, css: &str) -> Result<Vec<String>> {
        let mut attempts = 0;
        loop {
            let mut texts = vec![];
            let mut stale = None;
            for element in self.client.find_all(Locator::Css(css)).await? {
                match element.text().await {
                    Ok(text) => texts.push(text),
                    Err(error) if error.is_stale_element_reference() => {
                        stale = Some(error);
                        break;
                    }
                    Err(error) => return Err(error.into()),
                }
            }
            match stale {
                None => return Ok(texts),
                Some(error) if attempts == 5 => return Err(error.into()),
                Some(_) => attempts += 1,
            }
        }
    }

    /// The text of the first element matching `css`, once it appears (read again when the
    /// page re-renders it in between).
    pub async fn text_of(&self, css: &str) -> Result<String> {
        let mut attempts = 0;
        loop {
            match self.wait_for(css).await?.text().await {
                Ok(text) => return Ok(text),
                Err(error) if error.is_stale_element_reference() && attempts < 5 => {
                    attempts += 1;
                }
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// Waits until `condition` holds for the page (checked every 100 ms).
    pub async fn wait_until<F, Fut>(&self, what: &str, mut condition: F) -> Result<()>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<bool>>,
    {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            if condition().await.unwrap_or(false) {
                return Ok(());
            }
            if tokio::time::Instant::now() > deadline {
                bail!("timed out waiting until {what}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the shell has put `slot` (its `data-slot`) in `state` (its
    /// `data-state`: `mounted`, `server-rendered`, `fallback`).
    pub async fn wait_for_slot(&self, slot: &str, state: &str) -> Result<()> {
        let script = format!("return document.querySelector('[data-slot={slot}]')?.dataset.state;");
        self.wait_until(&format!("the {slot} slot is {state}"), || async {
            Ok(self.client.execute(&script, vec![]).await? == state)
        })
        .await
    }

    /// How wide the page is, in CSS pixels (wider than the window: it scrolls sideways).
    pub async fn page_width(&self) -> Result<i64> {
        Ok(self
            .client
            .execute("return document.documentElement.scrollWidth;", vec![])
            .await?
            .as_i64()
            .unwrap_or(0))
    }

    /// The path and query of the current URL, e.g. `/products?category=books`.
    pub async fn location(&self) -> Result<String> {
        let url = self.client.current_url().await?;
        Ok(match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        })
    }

    /// Saves a screenshot to `target/screenshots/<name>.png` (for people to look at).
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let dir = screenshots_dir();
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, self.client.screenshot().await?)?;
        Ok(path)
    }

    pub async fn close(self) -> Result<()> {
        Ok(self.client.close().await?)
    }
}

/// Runs before the page's own scripts: keeps what goes to `console.error` and what is
/// thrown and not caught.
const RECORD_ERRORS: &str = r#"
window.__consoleErrors = [];
const originalError = console.error.bind(console);
console.error = (...args) => {
  window.__consoleErrors.push(args.map((arg) => String(arg && arg.stack || arg)).join(' '));
  originalError(...args);
};
window.addEventListener('error', (event) => window.__consoleErrors.push(String(event.message)));
window.addEventListener('unhandledrejection', (event) => window.__consoleErrors.push(String(event.reason)));
"#;

#[derive(Debug)]
struct DevTools {
    body: String,
}

impl fantoccini::wd::WebDriverCompatibleCommand for DevTools {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.clone()))
    }
}

pub fn screenshots_dir() -> PathBuf {
    workspace::target_dir().join("screenshots")
}

/// Writes a file into a site (for fixtures such as a deliberately broken MFE).
pub fn write(site: &Site, relative: &str, contents: &str) -> Result<()> {
    let path: &Path = &site.root().join(relative);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, contents)?;
    Ok(())
}
