//! `cargo xtask bench ssr`: the server-rendered first view, measured; written to its
//! section of docs/BENCHMARKS.md (between `<!-- ssr -->` and `<!-- /ssr -->`).
//!
//! - bytes of each MFE (wasm + JS, brotli) — the aim is 80 kB each;
//! - render time of each fragment in its BFF (its `Server-Timing: render`), p50 and p99,
//!   release builds;
//! - listing pages through nginx with server rendering, against the listing's JSON API;
//! - time until the first product's name is painted (Element Timing), cold cache, plain and
//!   on a slow phone, on the listing and a product page, rendered on the server and drawn in
//!   the browser (the same site with the fragment includes off), and the bytes the home page
//!   transferred.

use crate::bench::{self, wrk};
use crate::process::{cargo, output, run};
use crate::stack;
use crate::tools::{self, step, Purpose};
use crate::workspace;
use anyhow::{Context, Result};
use std::fmt::Write as _;
use std::process::Command;
use std::time::Duration;

const START: &str = "<!-- ssr -->";
const END: &str = "<!-- /ssr -->";
const RENDERS: usize = 400;
const BROWSER_RUNS: usize = 5;

pub fn measure() -> Result<()> {
    let tools = tools::ensure(Purpose::Bench)?;
    let mut report = String::new();
    writeln!(
        report,
        "{START}\n## Server-rendered first view (`cargo xtask bench ssr`)\n"
    )?;
    writeln!(
        report,
        "Measured on {}, {}.\n",
        bench::cpu_model(),
        output(Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"]))
            .unwrap_or_default()
            .trim()
    )?;
    step("measuring bundle sizes");
    bench::sizes(&mut report, &tools)?;

    let (stack, state) = bench::release_stack(&tools, "bench-ssr")?;
    step("measuring render times");
    render_times(&mut report, &stack)?;
    step("measuring listing pages through nginx");
    let page = format!("http://127.0.0.1:{}/products", stack.port);
    let api = format!("http://127.0.0.1:{}/api/catalog/products", stack.port);
    wrk(&page, None, 3)?;
    wrk(&api, None, 3)?;
    let pages = wrk(&page, None, 10)?;
    let answers = wrk(&api, None, 10)?;
    writeln!(
        report,
        "### The listing through nginx, 64 connections, 10 s (release, SQLite)\n\n\
         | what | per second | p50 | p99 |\n|---|---:|---:|---:|\n\
         | the page, rendered (`/products`: shell + catalog fragment + cart badge + account menu) | **{:.0}** | {:.2} ms | {:.2} ms |\n\
         | the listing's JSON (`/api/catalog/products`) | {:.0} | {:.2} ms | {:.2} ms |\n\n\
         Aim: pages ≥ the API's answers (the same screen). The catalog fragment is the same for \
         everyone, so nginx keeps it a second; the badge and the menu are rendered per shopper \
         on every page.\n",
        pages.requests_per_second,
        pages.p50_ms,
        pages.p99_ms,
        answers.requests_per_second,
        answers.p50_ms,
        answers.p99_ms
    )?;

    step("measuring the first product in headless Chromium");
    first_product(&mut report, &tools, &stack, &state)?;
    drop(stack);
    writeln!(report, "{END}")?;

    let path = workspace::root().join("docs/BENCHMARKS.md");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let new = match (old.find(START), old.find(END)) {
        (Some(start), Some(end)) => format!(
            "{}{}{}",
            &old[..start],
            report.trim_end(),
            &old[end + END.len()..]
        ),
        _ => format!("{}\n{}\n", old.trim_end(), report.trim_end()),
    };
    std::fs::write(&path, new)?;
    println!("\n{report}");
    step(&format!("written to {}", path.display()));
    Ok(())
}

/// Each fragment asked of its BFF directly, one after another: the BFF's own render time.
fn render_times(report: &mut String, stack: &stack::Stack) -> Result<()> {
    let bff = |name: &str| -> Result<u16> {
        stack
            .supervisor
            .port_of(&format!("{name}-bff"), 1)
            .with_context(|| format!("{name}-bff is not running"))
    };
    let (catalog, cart, account) = (bff("catalog")?, bff("cart")?, bff("account")?);
    let fragments = [
        ("catalog: home", format!("http://127.0.0.1:{catalog}/api/catalog/fragments/page/")),
        ("catalog: listing of a category", format!("http://127.0.0.1:{catalog}/api/catalog/fragments/page/products?category=books")),
        ("catalog: product page", format!("http://127.0.0.1:{catalog}/api/catalog/fragments/page/products/cast-iron-skillet-26-cm")),
        ("cart: badge (guest)", format!("http://127.0.0.1:{cart}/api/cart/fragments/badge")),
        ("cart: cart page (guest)", format!("http://127.0.0.1:{cart}/api/cart/fragments/page/cart")),
        ("account: menu (guest)", format!("http://127.0.0.1:{account}/api/account/fragments/menu")),
    ];
    writeln!(
        report,
        "### Render time per fragment ({RENDERS} renders each, release; the BFF's `Server-Timing: render`)\n\n\
         | fragment | HTML | p50 | p99 |\n|---|---:|---:|---:|"
    )?;
    for (name, url) in fragments {
        let mut times = Vec::with_capacity(RENDERS);
        let mut size = 0;
        for _ in 0..RENDERS {
            let (head, body) = get(&url)?;
            let timing = head
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("server-timing")
                        .then(|| value.trim())
                })
                .and_then(|value| value.strip_prefix("render;dur="))
                .and_then(|ms| ms.parse::<f64>().ok())
                .with_context(|| format!("{url} was not rendered: {head}"))?;
            size = body.len();
            times.push(timing);
        }
        times.sort_by(f64::total_cmp);
        let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
        writeln!(
            report,
            "| {name} | {:.1} kB | {:.2} ms | **{:.2} ms** |",
            size as f64 / 1024.0,
            at(0.5),
            at(0.99)
        )?;
    }
    writeln!(report, "\nAim: p99 ≤ 5 ms.\n")?;
    Ok(())
}

/// `GET url` (plain http on loopback), one connection: its head and body.
fn get(url: &str) -> Result<(String, String)> {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").context("not an http URL")?;
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = std::net::TcpStream::connect(host)?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    Ok((head.to_owned(), body.to_owned()))
}

fn first_product(
    report: &mut String,
    tools: &tools::Tools,
    stack: &stack::Stack,
    state: &std::path::Path,
) -> Result<()> {
    run(cargo().args(["build", "--quiet", "-p", "e2e", "--bin", "first-product"]))?;
    let chromedriver_bin = tools
        .chromedriver
        .as_ref()
        .context("chromedriver is not installed")?;
    let (mut chromedriver, webdriver) =
        crate::chromedriver::start(chromedriver_bin, &state.join("log/chromedriver.log"))?;
    // The same site, servers and BFFs, with every fragment include off: the page drawn in
    // the browser, as before server rendering.
    let site = crate::site::Site::new(state.join("site-client-rendered"));
    let _ = std::fs::remove_dir_all(site.root());
    site.install_shell()?;
    for name in crate::mfe::names()? {
        site.publish(
            &name,
            &crate::mfe::build_dir(&name),
            crate::site::Descriptor::read(&name)?,
        )?;
    }
    for file in ["index.html", "shell/header-slots.html"] {
        let path = site.root().join(file);
        let html = std::fs::read_to_string(&path)?;
        std::fs::write(
            &path,
            html.replace("virtual=\"/_fragments/", "virtual=\"/_fragments/off/"),
        )?;
    }
    let (mut client_rendered, client_port) = crate::gateway::Gateway {
        port: 0,
        site_root: site.root().to_owned(),
        bffs: stack.supervisor.bffs(),
        services: std::collections::BTreeMap::new(),
        runtime_dir: state.join("nginx-client-rendered"),
        log_dir: state.join("log"),
    }
    .start_on_a_free_port(&tools.nginx)?;

    writeln!(
        report,
        "### Time until the first product is visible (cold cache, headless Chromium, {BROWSER_RUNS} runs each, median)\n\n\
         | page | profile | rendered on the server | drawn in the browser | home page bytes (rendered) |\n|---|---|---:|---:|---:|"
    )?;
    for (page, path) in [
        ("listing", "/products"),
        ("product", "/products/cast-iron-skillet-26-cm"),
    ] {
        for profile in ["plain", "slow-phone"] {
            let mut medians = Vec::new();
            let mut bytes = String::new();
            for port in [stack.port, client_port] {
                let shop = format!("http://127.0.0.1:{port}{path}");
                let json = output(
                    Command::new(workspace::binary("debug", "first-product")).args([
                        &webdriver,
                        &shop,
                        &BROWSER_RUNS.to_string(),
                        profile,
                    ]),
                )
                .with_context(|| format!("measuring {profile} on {shop} failed"))?;
                let result: serde_json::Value = serde_json::from_str(json.trim())?;
                medians.push(result["median_ms"].as_f64().unwrap_or_default());
                if port == stack.port && page == "listing" {
                    bytes = format!(
                        "{:.0} kB",
                        result["transferred_bytes"].as_f64().unwrap_or_default() / 1024.0
                    );
                }
            }
            writeln!(
                report,
                "| {page} | {profile} | **{:.0} ms** | {:.0} ms | {bytes} |",
                medians[0], medians[1]
            )?;
        }
    }
    writeln!(
        report,
        "\nFrom navigation start to the paint of the first product's name (`elementtiming`). \
         The slow phone: 150 ms round trips, 1.6 Mbit/s down, 4× CPU slowdown. Aims: ≤ 700 ms \
         on the slow phone (the server-rendered reference shop: 716 ms here), ≤ 150 ms plain; \
         the home page ≤ 200 kB. Bytes: everything the listing page transferred until it was \
         loaded and idle (HTML, CSS, JS, wasm, the images in view).\n"
    )?;
    client_rendered.stop(Duration::from_secs(5));
    chromedriver.stop(Duration::from_secs(5));
    Ok(())
}
