//! Load and faults: `cargo xtask load`, `cargo xtask chaos`, and the chaos check of
//! `cargo xtask test`.
//!
//! Each starts its own shop the way the orchestrators run it — `replicas` processes of
//! every service and BFF behind nginx, on a PostgreSQL cluster of its own in a fresh
//! directory, durable (a restart loses nothing acknowledged) — raises every product's
//! stock to [`STARTING_STOCK`] so the mix measures selling, not "sold out", and drives it
//! with `storefront-load` (Online Boutique's mix, goose). `chaos` kills one replica of
//! every server in turn, restarts PostgreSQL and reloads nginx while the load runs, then
//! reconciles the databases (`storefront-load reconcile`): every paid order placed or
//! refunded, units sold + stock + held = the starting stock, no reservation past its TTL,
//! every acknowledged order there.

use crate::process::{cargo, free_port, run, Child};
use crate::slices::{self, Tier};
use crate::stack::{self, Database, Options, Profile, Stack};
use crate::supervisor::Supervisor;
use crate::tools::{step, Tools};
use crate::workspace;
use anyhow::{bail, Context, Result};
use serde_json::Value;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Units of every product when a run starts.
pub const STARTING_STOCK: i64 = 1_000_000;

/// The shop a load runs against.
pub struct LoadedShop {
    pub stack: Stack,
    /// e.g. `http://127.0.0.1:41234`
    pub url: String,
    pub catalog_db: String,
    pub cart_db: String,
    pub state: PathBuf,
}

/// Builds and starts `replicas` of every server (`profile` builds) on a new PostgreSQL in
/// `state` (emptied first), and raises the stock.
pub fn start_shop(
    tools: &Tools,
    profile: Profile,
    replicas: usize,
    state: &Path,
) -> Result<LoadedShop> {
    let _ = std::fs::remove_dir_all(state);
    std::fs::create_dir_all(state)?;
    let options = Options {
        profile,
        replicas,
        database: Database::Postgres,
        // The load signs up its members from one address: more than a shopper may.
        env: vec![(
            "ACCOUNT_SERVICE__SIGN_UPS_PER_CLIENT".to_owned(),
            "1000".to_owned(),
        )],
        ..Options::new(free_port()?, state)
    };
    let stack = stack::start(tools, &options)?;
    let bin = tools
        .postgres_bin
        .as_ref()
        .context("PostgreSQL is not installed")?;
    let postgres = stack
        .supervisor
        .postgres()
        .context("the shop does not run on PostgreSQL")?;
    postgres.execute(
        bin,
        "catalog",
        &format!("UPDATE product SET stock = {STARTING_STOCK}"),
    )?;
    Ok(LoadedShop {
        url: format!("http://127.0.0.1:{}", stack.port),
        catalog_db: postgres.database_url("catalog"),
        cart_db: postgres.database_url("cart"),
        state: state.to_owned(),
        stack,
    })
}

/// Builds `storefront-load`; its path.
pub fn build_load(profile: Profile) -> Result<PathBuf> {
    let mut build = cargo();
    build.args(["build", "--quiet", "-p", "storefront-load"]);
    if profile == Profile::Release {
        build.arg("--release");
    }
    run(&mut build)?;
    Ok(workspace::binary(profile.dir(), "storefront-load"))
}

/// A `storefront-load` run in the background.
pub struct LoadRun {
    child: Child,
    summary: PathBuf,
    deadline: Instant,
}

impl LoadRun {
    /// `users` shoppers against `shop` for `run_time` after they all started (8 a second);
    /// the requests while they start count too.
    pub fn start(
        binary: &Path,
        shop: &LoadedShop,
        users: usize,
        run_time: Duration,
        name: &str,
    ) -> Result<Self> {
        let summary = shop.state.join(format!("{name}.json"));
        let _ = std::fs::remove_file(&summary);
        let mut command = Command::new(binary);
        command
            .args(["--host", &shop.url])
            .args(["--users", &users.to_string()])
            .args(["--increase-rate", "8"])
            .args(["--run-time", &format!("{}s", run_time.as_secs().max(1))])
            .arg("--quiet")
            // Every request counts, those while shoppers start too (the errors do anyway).
            .arg("--no-reset-metrics")
            .env("STOREFRONT_LOAD_SUMMARY", &summary)
            .env("NO_COLOR", "1");
        let log = shop.state.join("log").join(format!("{name}.log"));
        let ramp = Duration::from_secs((users as u64).div_ceil(8));
        Ok(Self {
            child: Child::spawn(name, command, &log)?,
            summary,
            deadline: Instant::now() + ramp + run_time + Duration::from_secs(120),
        })
    }

    /// Whether it still runs.
    pub fn running(&mut self) -> bool {
        self.child.exited().is_none()
    }

    /// Keeps the shop supervised until the run ends; its summary.
    pub fn finish(mut self, supervisor: &mut Supervisor) -> Result<Value> {
        while self.running() {
            if Instant::now() > self.deadline {
                bail!(self.child.report("did not end in time"));
            }
            supervisor.supervise();
            std::thread::sleep(Duration::from_millis(100));
        }
        let text = std::fs::read_to_string(&self.summary)
            .with_context(|| self.child.report("wrote no summary"))?;
        Ok(serde_json::from_str(&text)?)
    }
}

/// Runs `storefront-load reconcile` on the shop's databases; its report (`problems` is
/// empty when everything agrees).
pub fn reconcile(binary: &Path, shop: &LoadedShop, summary: &Path) -> Result<Value> {
    let output = Command::new(binary)
        .args(["reconcile", &shop.catalog_db, &shop.cart_db])
        .arg(STARTING_STOCK.to_string())
        .arg(summary)
        .output()
        .context("running storefront-load reconcile")?;
    let report: Value = serde_json::from_slice(&output.stdout).with_context(|| {
        format!(
            "storefront-load reconcile printed no report: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })?;
    Ok(report)
}

/// `cargo xtask load`: the mix at rising numbers of shoppers, each step `seconds` long;
/// the report (markdown).
pub fn measure(tools: &Tools, replicas: usize, steps: &[usize], seconds: u64) -> Result<String> {
    let binary = build_load(Profile::Release)?;
    // Outside the clone: PostgreSQL runs as its own user, which may not reach a clone in a
    // private directory (as one under /root is).
    let state = std::env::temp_dir().join("storefront-load");
    let mut shop = start_shop(tools, Profile::Release, replicas, &state)?;
    step("warming up (10 s, not counted)");
    LoadRun::start(&binary, &shop, 8, Duration::from_secs(10), "warm-up")?
        .finish(&mut shop.stack.supervisor)?;
    let mut rows = Vec::new();
    for &users in steps {
        step(&format!("{users} shoppers for {seconds} s"));
        let name = format!("load-{users}");
        let summary = LoadRun::start(&binary, &shop, users, Duration::from_secs(seconds), &name)?
            .finish(&mut shop.stack.supervisor)?;
        rows.push((users, summary));
    }
    Ok(load_report(replicas, seconds, &rows))
}

fn number(value: &Value) -> f64 {
    value.as_f64().unwrap_or_default()
}

fn checkout(summary: &Value) -> &Value {
    &summary["endpoints"]["POST /api/cart/checkout"]
}

/// The highest step with no error and checkout p99 ≤ 500 ms, a table of every step, and
/// the last step's endpoints.
fn load_report(replicas: usize, seconds: u64, rows: &[(usize, Value)]) -> String {
    let mut report = String::new();
    let best = rows
        .iter()
        .filter(|(_, s)| s["errors"] == 0 && number(&checkout(s)["p99_ms"]) <= 500.0)
        .max_by(|a, b| number(&a.1["per_second"]).total_cmp(&number(&b.1["per_second"])));
    let _ = writeln!(
        report,
        "## Online Boutique's mix under load (`cargo xtask load`)\n\n\
         {replicas} replicas of every service and BFF behind nginx, release builds, one \
         PostgreSQL, this 2-core machine (the load generator runs on it too). Simulated \
         shoppers with their own cookies, each doing Online Boutique's mix without pauses \
         (home 1, browse a product 10, add to cart 2, view the cart 3, check out 1) plus \
         search 2, one in five signed in; every page is the shell plus the API calls its \
         MFEs make. Stock starts at {STARTING_STOCK} per product. Right refusals (a declined \
         test card in one checkout of 20; sign-ins beyond the gateway's per-address limit, \
         since every shopper here comes from one address) are not errors. Each step runs \
         {seconds} s after its shoppers started (8 a second); every request counts.\n"
    );
    match best {
        Some((users, summary)) => {
            let _ = writeln!(
                report,
                "**Highest rate with 0 errors and checkout p99 ≤ 500 ms: {:.0} requests/s \
                 ({users} shoppers; checkout p99 {:.0} ms).**\n",
                number(&summary["per_second"]),
                number(&checkout(summary)["p99_ms"])
            );
        }
        None => {
            let _ = writeln!(
                report,
                "**No step met 0 errors with checkout p99 ≤ 500 ms.**\n"
            );
        }
    }
    let _ = writeln!(
        report,
        "| shoppers | requests/s | errors | checkouts/s | checkout p50 | p95 | p99 | right refusals |\n\
         |---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for (users, summary) in rows {
        let refusals: u64 = summary["refusals"]
            .as_object()
            .map(|r| r.values().filter_map(Value::as_u64).sum())
            .unwrap_or_default();
        let _ = writeln!(
            report,
            "| {users} | {:.0} | {} | {:.1} | {:.0} ms | {:.0} ms | {:.0} ms | {refusals} |",
            number(&summary["per_second"]),
            summary["errors"],
            number(&checkout(summary)["per_second"]),
            number(&checkout(summary)["p50_ms"]),
            number(&checkout(summary)["p95_ms"]),
            number(&checkout(summary)["p99_ms"]),
        );
    }
    if let Some((users, summary)) = best.or(rows.last()) {
        let _ = writeln!(
            report,
            "\nPer endpoint at {users} shoppers:\n\n\
             | request | per second | p50 | p95 | p99 | errors |\n|---|---:|---:|---:|---:|---:|"
        );
        if let Some(endpoints) = summary["endpoints"].as_object() {
            for (name, endpoint) in endpoints {
                let _ = writeln!(
                    report,
                    "| `{name}` | {:.1} | {:.1} ms | {:.1} ms | {:.1} ms | {} |",
                    number(&endpoint["per_second"]),
                    number(&endpoint["p50_ms"]),
                    number(&endpoint["p95_ms"]),
                    number(&endpoint["p99_ms"]),
                    endpoint["errors"]
                );
            }
        }
        errors_list(&mut report, summary);
    }
    report
}

fn errors_list(report: &mut String, summary: &Value) {
    if let Some(kinds) = summary["error_kinds"].as_object().filter(|k| !k.is_empty()) {
        let _ = writeln!(report, "\nErrors:\n");
        for (kind, count) in kinds {
            let _ = writeln!(report, "- `{kind}`: {count}");
        }
    }
}

/// How a chaos run goes.
#[derive(Debug, Clone)]
pub struct ChaosOptions {
    pub profile: Profile,
    pub users: usize,
    /// Between two faults: time for the shop to recover, and for its load to show it.
    pub spacing: Duration,
}

/// One fault and what it cost.
#[derive(Debug, Clone)]
pub struct Fault {
    pub what: String,
    /// Milliseconds since the UNIX epoch.
    pub at_ms: u64,
    /// Until the process was serving again.
    pub recovered_in: Duration,
}

/// What a chaos run found.
#[derive(Debug)]
pub struct ChaosReport {
    pub options: ChaosOptions,
    pub faults: Vec<Fault>,
    pub summary: Value,
    pub reconciliation: Value,
}

impl ChaosReport {
    /// Whether the databases agree exactly.
    pub fn exact(&self) -> bool {
        self.reconciliation["problems"]
            .as_array()
            .is_some_and(Vec::is_empty)
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64)
}

/// Starts a shop with 2 replicas of everything in `state`, puts `options.users` shoppers on
/// it, kills one replica of each server in turn (`kill -9`), restarts PostgreSQL and reloads
/// nginx, then reconciles.
pub fn chaos(tools: &Tools, options: &ChaosOptions, state: &Path) -> Result<ChaosReport> {
    let binary = build_load(options.profile)?;
    let mut shop = start_shop(tools, options.profile, 2, state)?;
    let kills: Vec<String> = slices::built()
        .flat_map(|slice| [slice.package(Tier::Service), slice.package(Tier::Bff)])
        .collect();
    // Every kill, then a restart of PostgreSQL and a reload of nginx.
    let faults_planned = kills.len() + 2;
    let warm_up = Duration::from_secs(5);
    let run_time = warm_up + options.spacing * (faults_planned as u32 + 1);
    let load = LoadRun::start(&binary, &shop, options.users, run_time, "chaos")?;
    let supervisor = &mut shop.stack.supervisor;
    let started = Instant::now();
    let ramp = Duration::from_secs((options.users as u64).div_ceil(8));
    let mut faults = Vec::new();
    let mut load = Some(load);
    let mut keep_going = |supervisor: &mut Supervisor, until: Instant| -> Result<()> {
        while Instant::now() < until {
            supervisor.supervise();
            if let Some(run) = &mut load {
                if !run.running() {
                    bail!(run.child.report("ended before the faults did"));
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(())
    };
    let mut next = started + ramp + warm_up;
    for server in &kills {
        keep_going(supervisor, next)?;
        let at_ms = now_ms();
        let killed = Instant::now();
        let pid = supervisor.kill(server, 1)?;
        step(&format!("killed {server}-1 (pid {pid}) with SIGKILL"));
        supervisor.wait_until_healthy(server, 1, Duration::from_secs(60))?;
        faults.push(Fault {
            what: format!("`kill -9` {server} replica 1"),
            at_ms,
            recovered_in: killed.elapsed(),
        });
        next += options.spacing;
    }
    keep_going(supervisor, next)?;
    let at_ms = now_ms();
    let restarted = Instant::now();
    supervisor.restart_postgres()?;
    supervisor.wait_until_all_healthy(Duration::from_secs(60))?;
    faults.push(Fault {
        what: "restart PostgreSQL".into(),
        at_ms,
        recovered_in: restarted.elapsed(),
    });
    next += options.spacing;
    keep_going(supervisor, next)?;
    let at_ms = now_ms();
    let reloaded = Instant::now();
    supervisor.reload_gateway()?;
    faults.push(Fault {
        what: "reload nginx (SIGHUP)".into(),
        at_ms,
        recovered_in: reloaded.elapsed(),
    });
    let summary = load.take().context("the load run")?.finish(supervisor)?;
    supervisor.wait_until_all_healthy(Duration::from_secs(60))?;
    step("reconciling the cart's and the catalog's databases");
    let reconciliation = reconcile(&binary, &shop, &shop.state.join("chaos.json"))?;
    Ok(ChaosReport {
        options: options.clone(),
        faults,
        summary,
        reconciliation,
    })
}

/// The slices a request name belongs to (`/api/cart/…` → cart; pages → the shell).
fn slice_of(name: &str) -> &'static str {
    slices::built()
        .find(|slice| name.contains(&format!("/api/{}", slice.name)))
        .map_or("pages", |slice| slice.name)
}

impl ChaosReport {
    /// The report, in markdown.
    pub fn markdown(&self) -> String {
        let mut report = String::new();
        let summary = &self.summary;
        let requests = summary["requests"].as_u64().unwrap_or_default();
        let errors = summary["errors"].as_u64().unwrap_or_default();
        let share = if requests == 0 {
            0.0
        } else {
            errors as f64 * 100.0 / requests as f64
        };
        let _ = writeln!(
            report,
            "## Faults under load (`cargo xtask chaos`)\n\n\
             2 replicas of every service and BFF on one PostgreSQL, {} builds, {} shoppers \
             doing the mix above the whole time. One fault every {} s: `kill -9` of replica 1 \
             of each server in turn (the supervisor restarts it on its port, as \
             `restart: unless-stopped` or Kubernetes would), then a restart of PostgreSQL and \
             a reload of nginx. A failed request is counted \
             against the fault whose window (from the fault until 2 s after it recovered) it \
             falls in.\n",
            match self.options.profile {
                Profile::Release => "release",
                Profile::Debug => "debug",
            },
            self.options.users,
            self.options.spacing.as_secs(),
        );
        let _ = writeln!(
            report,
            "**{requests} requests, {errors} failed ({share:.3} %); reconciliation: {}.**\n",
            if self.exact() { "exact" } else { "NOT exact" }
        );
        let _ = writeln!(
            report,
            "| fault | back in | failed requests in its window | by slice |\n|---|---:|---:|---|"
        );
        let times: Vec<(u64, String)> = summary["error_times"]
            .as_array()
            .map(|times| {
                times
                    .iter()
                    .filter_map(|pair| Some((pair[0].as_u64()?, pair[1].as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        for fault in &self.faults {
            let until = fault.at_ms + fault.recovered_in.as_millis() as u64 + 2_000;
            let mut by_slice = std::collections::BTreeMap::new();
            for (_, name) in times
                .iter()
                .filter(|(at, _)| (fault.at_ms..=until).contains(at))
            {
                *by_slice.entry(slice_of(name)).or_insert(0) += 1;
            }
            let failed: usize = by_slice.values().sum();
            let slices: Vec<String> = by_slice
                .iter()
                .map(|(slice, count)| format!("{slice} {count}"))
                .collect();
            let _ = writeln!(
                report,
                "| {} | {:.1} s | {failed} | {} |",
                fault.what,
                fault.recovered_in.as_secs_f64(),
                if slices.is_empty() {
                    "—".to_owned()
                } else {
                    slices.join(", ")
                }
            );
        }
        let r = &self.reconciliation;
        let _ = writeln!(
            report,
            "\nReconciliation after the run (checkouts settled in {} ms): {} orders — {} \
             placed, {} failed, {} refunds; {} units sold, {} held; {} acknowledged orders \
             all present.",
            r["settled_in_ms"],
            r["orders"],
            r["placed"],
            r["failed"],
            r["refunded"],
            r["units_sold"],
            r["units_held"],
            summary["acknowledged_orders"]
                .as_array()
                .map_or(0, Vec::len)
        );
        if let Some(problems) = r["problems"].as_array().filter(|p| !p.is_empty()) {
            let _ = writeln!(report, "\nProblems:\n");
            for problem in problems {
                let _ = writeln!(report, "- {}", problem.as_str().unwrap_or_default());
            }
        }
        errors_list(&mut report, summary);
        report
    }
}

/// Replaces the section between `<!-- name -->` and `<!-- /name -->` of
/// docs/BENCHMARKS.md with `text` (appends it at the end the first time). These sections
/// sit after the part `cargo xtask bench` rewrites, so it keeps them.
pub fn write_section(name: &str, text: &str) -> Result<()> {
    let path = workspace::root().join("docs/BENCHMARKS.md");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    std::fs::write(&path, with_section(&old, name, text))?;
    Ok(())
}

/// `document` with its section `name` replaced by `text`, or added at the end.
fn with_section(document: &str, name: &str, text: &str) -> String {
    let (open, close) = (format!("<!-- {name} -->"), format!("<!-- /{name} -->"));
    let block = format!("{open}\n{text}\n{close}");
    match (document.find(&open), document.find(&close)) {
        (Some(start), Some(end)) if start < end => {
            format!(
                "{}{block}{}",
                &document[..start],
                &document[end + close.len()..]
            )
        }
        _ => format!("{}\n\n{block}\n", document.trim_end()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_is_replaced_in_place_and_added_once() {
        let document = "# Benchmarks\n\n<!-- audit -->\naudit\n";
        let first = with_section(document, "load", "first run");
        assert_eq!(
            first,
            "# Benchmarks\n\n<!-- audit -->\naudit\n\n<!-- load -->\nfirst run\n<!-- /load -->\n"
        );
        let second = with_section(&first, "load", "second run");
        assert_eq!(second.matches("<!-- load -->").count(), 1);
        assert!(second.contains("second run") && !second.contains("first run"));
        assert!(second.starts_with("# Benchmarks\n\n<!-- audit -->\naudit\n"));
        let other = with_section(&second, "chaos", "faults");
        assert!(other.contains("second run") && other.ends_with("<!-- /chaos -->\n"));
    }

    #[test]
    fn requests_belong_to_the_slice_of_their_api() {
        assert_eq!(slice_of("POST /api/cart/checkout"), "cart");
        assert_eq!(slice_of("GET /api/catalog/products?q="), "catalog");
        assert_eq!(slice_of("GET /products/<slug> (page)"), "pages");
    }
}
