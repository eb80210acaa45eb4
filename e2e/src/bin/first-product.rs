//! Time until the first product card is visible, cold cache, in headless Chromium.
//!
//! `first-product <chromedriver-url> <shop-url> <runs> [plain|slow-phone]` prints one JSON
//! line: `{"profile": "...", "runs_ms": [...], "median_ms": ..., "transferred_bytes": ...}`
//! (the bytes of the last run, once the page was loaded and quiet). Each run is a new browser
//! profile (an empty cache). The time is when the first product's name was painted (its
//! `elementtiming="first-product"`, also for a page rendered on the server, before any
//! script ran), else the catalog MFE's `catalog:products-visible` performance mark:
//! milliseconds from navigation start until the cards are on screen.
//! `slow-phone` is 150 ms round trips, 1.6 Mbit/s down, 750 kbit/s up and a 4× slower CPU.
//! Run by `cargo xtask bench`.

use anyhow::{bail, Context, Result};
use e2e::Browser;
use std::time::Duration;

const MARK: &str = "catalog:products-visible";
/// The `elementtiming` of the first product's name on a listing and a product page.
const FIRST_PRODUCT: &str = "first-product";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [webdriver, url, runs, profile] = args.as_slice() else {
        bail!("usage: first-product <chromedriver-url> <shop-url> <runs> <plain|slow-phone>");
    };
    let runs: usize = runs.parse().context("runs must be a number")?;
    let slow = match profile.as_str() {
        "plain" => false,
        "slow-phone" => true,
        other => bail!("unknown profile {other}"),
    };
    let mut times = vec![];
    let mut transferred = 0.0;
    let mut waterfall = serde_json::Value::Null;
    for _ in 0..runs {
        let measured = measure(webdriver, url, slow).await;
        // A failed run leaves its browser open; chromedriver would not stop it.
        e2e::close_all_browsers().await;
        let (time, bytes, timeline) = measured?;
        times.push(time);
        transferred = bytes;
        waterfall = timeline;
    }
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    println!(
        "{}",
        serde_json::json!({ "profile": profile, "runs_ms": times, "median_ms": median, "transferred_bytes": transferred, "waterfall": waterfall })
    );
    Ok(())
}

/// The time of the mark, and the last run's waterfall: `[what, start ms, end ms]` for the
/// page and each resource it loaded before the mark, to see where the time goes.
async fn measure(webdriver: &str, url: &str, slow: bool) -> Result<(f64, f64, serde_json::Value)> {
    let (width, height) = if slow { (390, 844) } else { (1280, 900) };
    let browser = Browser::connect(webdriver, (width, height)).await?;
    if slow {
        browser
            .devtools("Network.enable", serde_json::json!({}))
            .await?;
        browser
            .devtools(
                "Network.emulateNetworkConditions",
                serde_json::json!({
                    "offline": false,
                    "latency": 150,
                    "downloadThroughput": 1_600_000 / 8,
                    "uploadThroughput": 750_000 / 8,
                }),
            )
            .await?;
        browser
            .devtools(
                "Emulation.setCPUThrottlingRate",
                serde_json::json!({ "rate": 4 }),
            )
            .await?;
    }
    browser.open(url).await?;
    // When the first product's name was painted (Element Timing: also for markup rendered
    // on the server, before any script ran), else when the catalog said it drew the cards.
    let script = format!(
        "const done = arguments[arguments.length - 1];\n\
         let answered = false;\n\
         const answer = (value) => {{ if (!answered) {{ answered = true; done(value); }} }};\n\
         new PerformanceObserver((list) => {{\n\
           const first = list.getEntries().find((e) => e.identifier === '{FIRST_PRODUCT}');\n\
           if (first) answer(first.renderTime || first.loadTime);\n\
         }}).observe({{ type: 'element', buffered: true }});\n\
         setTimeout(() => {{\n\
           const m = performance.getEntriesByName('{MARK}');\n\
           answer(m.length ? m[0].startTime : null);\n\
         }}, 100);"
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let time = loop {
        if let Some(time) = browser
            .client()
            .execute_async(&script, vec![])
            .await?
            .as_f64()
        {
            break time;
        }
        if tokio::time::Instant::now() > deadline {
            bail!("{MARK} never happened on {url}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // Everything the page transferred once it is loaded and quiet (cold cache: real bytes).
    let transferred = browser
        .client()
        .execute_async(
            "const done = arguments[arguments.length - 1];\n\
             const sum = () => {\n\
               const n = performance.getEntriesByType('navigation')[0];\n\
               let bytes = n ? n.transferSize : 0;\n\
               for (const r of performance.getEntriesByType('resource')) bytes += r.transferSize;\n\
               done(bytes);\n\
             };\n\
             const later = () => setTimeout(sum, 1500);\n\
             if (document.readyState === 'complete') later(); else addEventListener('load', later);",
            vec![],
        )
        .await?
        .as_f64()
        .unwrap_or_default();
    let waterfall = browser
        .client()
        .execute(
            "const n = performance.getEntriesByType('navigation')[0];\n\
             const rows = [['page', 0, Math.round(n.responseEnd)]];\n\
             for (const r of performance.getEntriesByType('resource'))\n\
               if (r.startTime < arguments[0]) rows.push([r.name.replace(location.origin, ''), Math.round(r.startTime), Math.round(r.responseEnd)]);\n\
             for (const m of performance.getEntriesByType('mark'))\n\
               rows.push(['mark ' + m.name, Math.round(m.startTime), Math.round(m.startTime)]);\n\
             return rows.sort((a, b) => a[2] - b[2]);",
            vec![serde_json::json!(time)],
        )
        .await?;
    browser.close().await?;
    Ok((time, transferred, waterfall))
}
