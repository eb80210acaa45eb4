//! `cargo xtask <command>` — see `cargo xtask help`.

use anyhow::{bail, Context, Result};
use std::time::Duration;
use xtask::postgres::TempPostgres;
use xtask::process::{cargo, run};
use xtask::site::Site;
use xtask::tools::{self, step, Purpose};
use xtask::{mfe, process, stack, workspace};

const HELP: &str = "\
cargo xtask <command>

  up [--port N] [--release] [--replicas N] [--database sqlite|postgres]
                             install what is missing, build everything, run the shop on
                             http://127.0.0.1:N/ (default 8080, or $STOREFRONT_PORT) until
                             Ctrl-C. --replicas N: N processes of every service and BFF
                             (default 1), balanced by nginx, on PostgreSQL (kept in
                             var/postgres/; --database postgres picks it for 1 replica too).
                             A server that exits is started again (1 s back-off, doubling
                             to 30 s) on the port it had; the rest keeps running
  test                       install what is missing, then fmt and clippy checks, unit and
                             integration tests on SQLite and PostgreSQL, the deployment checks
                             (docker-compose.yml, deploy/), browser tests, and the chaos check
                             (2 replicas on PostgreSQL, faults under load, exact reconciliation)
  load [--replicas N] [--users 8,16,32,64,128,256] [--seconds S]
                             Online Boutique's mix (goose) against N replicas (default 2) of
                             every server on PostgreSQL, release builds, at each number of
                             shoppers; writes its section of docs/BENCHMARKS.md
  chaos [--users N] [--spacing S] [--debug]
                             under that load with 2 replicas of everything, kill -9 one replica
                             of each server in turn, restart PostgreSQL, reload nginx; then
                             reconcile the databases. Fails unless they agree exactly; writes
                             its section of docs/BENCHMARKS.md (--debug: debug builds, a quick
                             try that writes nothing)
  bench                      measure bundle sizes, throughput and time to first product
                             (writes docs/BENCHMARKS.md)
  bench cart                 only the cart's throughput (printed, docs/ left as they are)
  bench ssr                  the server-rendered first view: bundle sizes, render times,
                             pages through nginx, first product visible rendered on the
                             server and drawn in the browser (its section of docs/BENCHMARKS.md)
  build-mfe <name>           build one micro-frontend (trunk) into target/mfe-build/<name>
  deploy <name>              build one micro-frontend and make it live in var/site — a running
                             shop serves it from the next page load, nothing restarts
  rollback <name>            make the previously live version of <name> live again
  render-deploy              write the gateway image's nginx configurations and header slots
                             (deploy/gateway/) from the one nginx template and the slice table,
                             and the Kubernetes copy of deploy/compose/postgres-init.sh
";

fn main() {
    if let Err(error) = run_command() {
        if process::interrupted() {
            // What failed was stopped on purpose; the handler exits once all is stopped.
            loop {
                std::thread::park();
            }
        }
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
    // Before anything starts: a Ctrl-C or SIGTERM at any moment stops every child by PID.
    process::stop_everything_on_interrupt()?;
    match command {
        "up" => up(rest),
        "test" => test(),
        "load" => load(rest),
        "chaos" => chaos(rest),
        "bench" if rest.first().map(String::as_str) == Some("cart") => xtask::bench::measure_cart(),
        "bench" if rest.first().map(String::as_str) == Some("ssr") => xtask::bench_ssr::measure(),
        "bench" => xtask::bench::measure_all(),
        "build-mfe" => {
            let tools = tools::ensure(Purpose::Run)?;
            let dir = mfe::build(one_name(rest)?, &tools)?;
            println!("{}", dir.display());
            Ok(())
        }
        "deploy" => {
            let name = one_name(rest)?;
            let tools = tools::ensure(Purpose::Run)?;
            let version = stack::publish(&site(), name, &tools)?;
            println!("{name} {version} is live");
            Ok(())
        }
        "rollback" => {
            let name = one_name(rest)?;
            let version = site().rollback(name)?;
            println!("{name} {version} is live again");
            Ok(())
        }
        "render-deploy" => {
            let dir = xtask::gateway::container_dir();
            std::fs::create_dir_all(&dir)?;
            for (name, text) in xtask::gateway::container_files()? {
                std::fs::write(dir.join(name), text)?;
                println!("wrote deploy/gateway/{name}");
            }
            let copy = xtask::gateway::POSTGRES_INIT_COPY;
            std::fs::write(
                workspace::root().join(copy),
                xtask::gateway::postgres_init_copy()?,
            )?;
            println!("wrote {copy}");
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
    stack::site(&stack::default_state())
}

fn up(args: &[String]) -> Result<()> {
    let mut options = stack::Options::new(xtask_port()?, &stack::default_state());
    let mut database = None;
    let mut args = args.iter();
    let number = |value: Option<&String>, option: &str| -> Result<usize> {
        value
            .with_context(|| format!("{option} needs a number"))?
            .parse()
            .with_context(|| format!("{option} needs a number"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                options.port = u16::try_from(number(args.next(), "--port")?)
                    .context("--port needs a port number")?
            }
            "--release" => options.profile = stack::Profile::Release,
            "--replicas" => options.replicas = number(args.next(), "--replicas")?,
            "--database" => {
                database = Some(stack::Database::parse(
                    args.next().context("--database needs sqlite or postgres")?,
                )?)
            }
            other => bail!("unknown option {other:?} for up\n\n{HELP}"),
        }
    }
    // Many replicas share nothing but their database: SQLite cannot be shared.
    options.database = database.unwrap_or(if options.replicas > 1 {
        stack::Database::Postgres
    } else {
        stack::Database::Sqlite
    });
    options.check()?;
    let tools = tools::ensure(match options.database {
        stack::Database::Sqlite => Purpose::Run,
        stack::Database::Postgres => Purpose::RunOnPostgres,
    })?;
    let mut stack = stack::start(&tools, &options)?;

    println!();
    for replica in stack.supervisor.status() {
        println!(
            "  {:<18} pid {:<7} port {:<6} log {}",
            replica.label,
            replica.pid.map_or("-".into(), |pid| pid.to_string()),
            replica.port.map_or("-".into(), |port| port.to_string()),
            replica.log.display()
        );
    }
    for (slice, port) in stack.supervisor.balancers() {
        println!(
            "  {slice}-service: its {} replicas behind 127.0.0.1:{port} (nginx), which its callers use",
            options.replicas
        );
    }
    println!(
        "\nStorefront: http://127.0.0.1:{}/\n\nA server that exits is started again; press Ctrl-C to stop everything.",
        stack.port
    );
    // Ctrl-C is handled by the interrupt handler, which stops every child and exits.
    loop {
        std::thread::sleep(Duration::from_millis(200));
        stack.supervisor.supervise();
    }
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

    step("checking formatting");
    run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    step("clippy (native)");
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
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
    run(cargo().args(&wasm_clippy))?;

    {
        step("starting a throw-away PostgreSQL");
        let bin = tools
            .postgres_bin
            .as_ref()
            .context("PostgreSQL is not installed")?;
        let postgres = TempPostgres::start(bin)?;
        step("unit and integration tests, on SQLite and on PostgreSQL");
        run(cargo()
            // The browser tests run last, once the MFEs are built.
            .args([
                "test",
                "--workspace",
                "--exclude",
                "e2e",
                "--exclude",
                "deploy-checks",
            ])
            .env("STOREFRONT_TEST_POSTGRES_URL", postgres.url())
            .env("STOREFRONT_REQUIRE_POSTGRES", "1"))?;
    }

    let chromedriver = tools
        .chromedriver
        .as_ref()
        .context("chromedriver is not installed")?;
    step("mfe-kit's tests in headless Chromium (wasm-bindgen-test)");
    // The runner reads the browser's options from webdriver.json in the current directory.
    run(cargo()
        .current_dir(mfe::source_dir("kit"))
        .args([
            "test",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "mfe-kit",
        ])
        .env("CHROMEDRIVER", chromedriver))?;

    for name in mfe::names()? {
        mfe::build(&name, &tools)?;
    }
    stack::build_servers(stack::Profile::Debug)?;
    step("deployment checks: Compose, Kubernetes schemas, hadolint, nginx -t, compose parity");
    run(cargo()
        .args(["test", "-p", "deploy-checks"])
        .env(
            "STOREFRONT_CONTAINER_TOOLS",
            tools
                .container_tools
                .as_ref()
                .context("the deployment checks' tools are not installed")?,
        )
        .env("STOREFRONT_NGINX", &tools.nginx)
        .env(
            "STOREFRONT_POSTGRES_BIN",
            tools
                .postgres_bin
                .as_ref()
                .context("PostgreSQL is not installed")?,
        ))?;
    step("browser tests (headless Chromium through nginx)");
    run(cargo()
        .args(["test", "-p", "e2e"])
        .env("STOREFRONT_CHROMEDRIVER", chromedriver)
        .env("STOREFRONT_NGINX", &tools.nginx))?;
    chaos_check(&tools)?;
    step("all tests passed");
    Ok(())
}

/// The chaos check of `cargo xtask test`: 2 replicas of every server on PostgreSQL (debug
/// builds), shoppers the whole time, one replica of each server killed in turn, PostgreSQL
/// restarted, nginx reloaded — and then the cart's and the catalog's databases must agree
/// exactly. (How many requests a fault costs is a benchmark figure: `cargo xtask chaos`.)
fn chaos_check(tools: &tools::Tools) -> Result<()> {
    step("chaos check: 2 replicas on PostgreSQL, faults under load, exact reconciliation");
    // Outside the clone: PostgreSQL runs as its own user, which may not reach a clone in a
    // private directory (as one under /root is).
    let state = std::env::temp_dir().join(format!("storefront-chaos-{}", std::process::id()));
    let options = xtask::load::ChaosOptions {
        profile: stack::Profile::Debug,
        users: 6,
        spacing: Duration::from_secs(5),
    };
    let report = xtask::load::chaos(tools, &options, &state)?;
    println!("\n{}", report.markdown());
    if !report.exact() {
        bail!(
            "after the faults the databases do not agree (logs in {})",
            state.display()
        );
    }
    let _ = std::fs::remove_dir_all(&state);
    Ok(())
}

/// `--name value` from `args`, parsed.
fn option<T: std::str::FromStr>(args: &[String], name: &str) -> Result<Option<T>> {
    match args.iter().position(|arg| arg == name) {
        None => Ok(None),
        Some(at) => args
            .get(at + 1)
            .and_then(|value| value.parse().ok())
            .map(Some)
            .with_context(|| format!("{name} needs a value")),
    }
}

fn load(args: &[String]) -> Result<()> {
    let tools = tools::ensure(Purpose::Bench)?;
    let replicas: usize = option(args, "--replicas")?.unwrap_or(2);
    let seconds: u64 = option(args, "--seconds")?.unwrap_or(30);
    let users: Vec<usize> = option::<String>(args, "--users")?
        .unwrap_or_else(|| "8,16,32,64,128,256".to_owned())
        .split(',')
        .map(|n| {
            n.trim()
                .parse()
                .context("--users takes numbers, e.g. 8,16,32")
        })
        .collect::<Result<_>>()?;
    let report = xtask::load::measure(&tools, replicas, &users, seconds)?;
    println!("\n{report}");
    xtask::load::write_section("load", &report)?;
    step("wrote its section of docs/BENCHMARKS.md");
    Ok(())
}

fn chaos(args: &[String]) -> Result<()> {
    let tools = tools::ensure(Purpose::Bench)?;
    let debug = args.iter().any(|arg| arg == "--debug");
    let options = xtask::load::ChaosOptions {
        profile: if debug {
            stack::Profile::Debug
        } else {
            stack::Profile::Release
        },
        users: option(args, "--users")?.unwrap_or(16),
        spacing: Duration::from_secs(option(args, "--spacing")?.unwrap_or(10)),
    };
    let state = std::env::temp_dir().join("storefront-chaos");
    let report = xtask::load::chaos(&tools, &options, &state)?;
    let markdown = report.markdown();
    println!("\n{markdown}\nLogs: {}", state.join("log").display());
    if !debug {
        xtask::load::write_section("chaos", &markdown)?;
        step("wrote its section of docs/BENCHMARKS.md");
    }
    if !report.exact() {
        bail!("after the faults the databases do not agree");
    }
    Ok(())
}
