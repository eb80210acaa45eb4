//! `cargo xtask <command>` — see `cargo xtask help`.

use anyhow::{bail, Context, Result};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use xtask::gateway::Gateway;
use xtask::health::wait_until_ready;
use xtask::postgres::TempPostgres;
use xtask::process::{free_port, run, Child};
use xtask::site::{Descriptor, Site};
use xtask::tools::{self, step, Purpose, Tools};
use xtask::{mfe, workspace};

const HELP: &str = "\
cargo xtask <command>

  up [--port N] [--release]  install what is missing, build everything, run the shop on
                             http://127.0.0.1:N/ (default 8080, or $STOREFRONT_PORT) until Ctrl-C
  test                       install what is missing, then fmt and clippy checks, unit and
                             integration tests on SQLite and PostgreSQL, and browser tests
  bench                      measure bundle sizes, throughput and time to first product
                             (writes docs/BENCHMARKS.md)
  build-mfe <name>           build one micro-frontend (trunk) into target/mfe-build/<name>
  deploy <name>              build one micro-frontend and make it live in var/site — a running
                             shop serves it from the next page load, nothing restarts
  rollback <name>            make the previously live version of <name> live again
";

fn main() {
    if let Err(error) = run_command() {
        eprintln!("\x1b[1;31merror:\x1b[0m {error:#}");
        std::process::exit(1);
    }
}

fn run_command() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = args
        .split_first()
        .map_or(("help", &[][..]), |(c, r)| (c.as_str(), r));
    std::env::set_current_dir(workspace::root())?;
    match command {
        "up" => up(rest),
        "test" => test(),
        "bench" => xtask_bench(),
        "build-mfe" => {
            let tools = tools::ensure(Purpose::Run)?;
            cargo(&["fetch", "--quiet"])?;
            let dir = mfe::build(one_name(rest)?, &tools)?;
            println!("{}", dir.display());
            Ok(())
        }
        "deploy" => {
            let name = one_name(rest)?;
            let tools = tools::ensure(Purpose::Run)?;
            cargo(&["fetch", "--quiet"])?;
            let version = publish(&site(), name, &tools)?;
            println!("{name} {version} is live");
            Ok(())
        }
        "rollback" => {
            let name = one_name(rest)?;
            let version = site().rollback(name)?;
            println!("{name} {version} is live again");
            Ok(())
        }
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            Ok(())
        }
        other => bail!("unknown command {other:?}\n\n{HELP}"),
    }
}

fn one_name(args: &[String]) -> Result<&str> {
    match args {
        [name] => Ok(name),
        _ => bail!(
            "expected one micro-frontend name, one of: {}",
            mfe::names()?.join(", ")
        ),
    }
}

/// The site `cargo xtask up` serves.
fn site() -> Site {
    Site::new(workspace::var_dir().join("site"))
}

fn cargo(args: &[&str]) -> Result<()> {
    run(Command::new(env!("CARGO")).args(args))
}

/// Builds MFE `name` and makes that build live in `site`.
fn publish(site: &Site, name: &str, tools: &Tools) -> Result<String> {
    let build = mfe::build(name, tools)?;
    let version = site.publish(name, &build, Descriptor::read(name)?)?;
    step(&format!("{name} MFE {version} is live"));
    Ok(version)
}

/// Build profile of the servers.
#[derive(Clone, Copy)]
enum Profile {
    Debug,
    Release,
}

impl Profile {
    fn dir(self) -> &'static str {
        match self {
            Profile::Debug => "debug",
            Profile::Release => "release",
        }
    }
}

/// Every server of the shop, running; stopped in reverse order when dropped.
struct Stack {
    children: Vec<Child>,
    port: u16,
    service_port: u16,
}

impl Drop for Stack {
    fn drop(&mut self) {
        while let Some(mut child) = self.children.pop() {
            child.stop(Duration::from_secs(10));
        }
    }
}

/// Builds everything and starts services, BFFs and nginx on loopback, the shop on `port`.
fn start_stack(tools: &Tools, profile: Profile, port: u16) -> Result<Stack> {
    if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
        bail!("port {port} is in use; choose another with --port N");
    }
    cargo(&["fetch", "--quiet"])?;
    step("building the services and BFFs");
    let mut build = vec!["build", "-p", "catalog-service", "-p", "catalog-bff"];
    if let Profile::Release = profile {
        build.push("--release");
    }
    cargo(&build)?;
    let site = site();
    site.install_shell()?;
    for name in mfe::names()? {
        publish(&site, &name, tools)?;
    }

    let var = workspace::var_dir();
    let logs = var.join("log");
    let mut stack = Stack {
        children: vec![],
        port,
        service_port: free_port()?,
    };
    let database_url = std::env::var("STOREFRONT_CATALOG_DATABASE_URL").unwrap_or_else(|_| {
        format!(
            "sqlite://{}?mode=rwc",
            var.join("data/catalog.db").display()
        )
    });
    let server = |name: &str, envs: &[(&str, String)]| {
        let mut command = Command::new(workspace::binary(profile.dir(), name));
        command
            .env("NO_COLOR", "1")
            .envs(envs.iter().map(|(k, v)| (k, v)));
        Child::spawn(name, command, &logs.join(format!("{name}.log")))
    };

    step("starting catalog-service, catalog-bff and nginx");
    let mut service = server(
        "catalog-service",
        &[
            ("CATALOG_SERVICE__PORT", stack.service_port.to_string()),
            ("DATABASE_URL", database_url),
        ],
    )?;
    wait_until_ready(
        &mut service,
        stack.service_port,
        "/readyz",
        Duration::from_secs(60),
    )?;
    stack.children.push(service);

    let bff_port = free_port()?;
    let mut bff = server(
        "catalog-bff",
        &[
            ("CATALOG_BFF__PORT", bff_port.to_string()),
            (
                "CATALOG_BFF__CATALOG_SERVICE_URL",
                format!("http://127.0.0.1:{}", stack.service_port),
            ),
        ],
    )?;
    wait_until_ready(
        &mut bff,
        bff_port,
        "/api/catalog/readyz",
        Duration::from_secs(30),
    )?;
    stack.children.push(bff);

    let gateway = Gateway {
        port,
        site_root: site.root().to_owned(),
        catalog_bff: format!("127.0.0.1:{bff_port}"),
        runtime_dir: var.join("nginx"),
        log_dir: logs.clone(),
    };
    stack.children.push(gateway.start(&tools.nginx)?);
    Ok(stack)
}

fn up(args: &[String]) -> Result<()> {
    let mut port: u16 = xtask_port()?;
    let mut profile = Profile::Debug;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                port = args
                    .next()
                    .context("--port needs a number")?
                    .parse()
                    .context("--port needs a number")?
            }
            "--release" => profile = Profile::Release,
            other => bail!("unknown option {other:?} for up\n\n{HELP}"),
        }
    }
    let tools = tools::ensure(Purpose::Run)?;
    let mut stack = start_stack(&tools, profile, port)?;

    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))?;
    println!();
    for child in &stack.children {
        println!(
            "  {:<16} pid {:<7} log {}",
            child.name(),
            child.pid(),
            child.log().display()
        );
    }
    println!(
        "  catalog-service on 127.0.0.1:{} (internal)",
        stack.service_port
    );
    println!(
        "\nStorefront: http://127.0.0.1:{}/\n\nPress Ctrl-C to stop.",
        stack.port
    );
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(200));
        for child in &mut stack.children {
            if let Some(status) = child.exited() {
                bail!(
                    "{} stopped unexpectedly ({status}); the rest is being stopped. Last lines of {}:\n{}",
                    child.name(),
                    child.log().display(),
                    child.log_tail(20)
                );
            }
        }
    }
    println!("\nStopping…");
    drop(stack);
    println!("Stopped.");
    Ok(())
}

fn xtask_port() -> Result<u16> {
    match std::env::var("STOREFRONT_PORT") {
        Ok(port) => port
            .parse()
            .context("STOREFRONT_PORT must be a port number"),
        Err(_) => Ok(8080),
    }
}

fn test() -> Result<()> {
    let tools = tools::ensure(Purpose::Test)?;
    cargo(&["fetch", "--quiet"])?;

    step("checking formatting");
    cargo(&["fmt", "--all", "--", "--check"])?;
    step("clippy (native)");
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    step("clippy (wasm32: the micro-frontends)");
    let mut wasm_clippy = vec![
        "clippy",
        "--target",
        "wasm32-unknown-unknown",
        "-p",
        "mfe-kit",
    ];
    let packages: Vec<String> = mfe::names()?.iter().map(|n| format!("{n}-mfe")).collect();
    for package in &packages {
        wasm_clippy.extend(["-p", package.as_str()]);
    }
    wasm_clippy.extend(["--", "-D", "warnings"]);
    cargo(&wasm_clippy)?;

    {
        step("starting a throw-away PostgreSQL");
        let bin = tools
            .postgres_bin
            .as_ref()
            .context("PostgreSQL is not installed")?;
        let postgres = TempPostgres::start(bin)?;
        step("unit and integration tests, on SQLite and on PostgreSQL");
        run(Command::new(env!("CARGO"))
            .args(["test", "--workspace"])
            .env("STOREFRONT_TEST_POSTGRES_URL", postgres.url())
            .env("STOREFRONT_REQUIRE_POSTGRES", "1"))?;
    }

    for name in mfe::names()? {
        mfe::build(&name, &tools)?;
    }
    step("browser tests (headless Chromium through nginx)");
    let chromedriver = tools
        .chromedriver
        .as_ref()
        .context("chromedriver is not installed")?;
    run(Command::new(env!("CARGO"))
        .args(["test", "-p", "e2e"])
        .env("STOREFRONT_CHROMEDRIVER", chromedriver)
        .env("STOREFRONT_NGINX", &tools.nginx))?;
    step("all tests passed");
    Ok(())
}

fn xtask_bench() -> Result<()> {
    bail!("bench is not written yet")
}
