//! The whole shop running locally: every built slice's service and BFF, and nginx in
//! front, on loopback — as `cargo xtask up`, the benchmarks and the browser tests run it.

use crate::gateway::Gateway;
use crate::health::{wait_for_port_file, wait_until_ready};
use crate::process::{cargo, run, Child};
use crate::site::{Descriptor, Site};
use crate::slices::{self, Slice, Tier};
use crate::tools::{step, Tools};
use crate::{mfe, workspace};
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Build profile of the servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
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

/// Every service and BFF of the built slices, as child processes (stopped by PID, in
/// reverse start order, when dropped), and the port each one reported.
pub struct Servers {
    pub children: Vec<Child>,
    /// By process name (`catalog-service`, `catalog-bff`).
    pub ports: BTreeMap<String, u16>,
}

impl Drop for Servers {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Servers {
    /// Stops every server by PID, in reverse start order (a BFF before its service).
    pub fn stop(&mut self) {
        while let Some(mut child) = self.children.pop() {
            child.stop(Duration::from_secs(10));
        }
    }

    /// `host:port` of each built slice's BFF, by slice name: what the gateway proxies to.
    pub fn bffs(&self) -> BTreeMap<String, String> {
        slices::built()
            .filter_map(|slice| {
                let port = self.ports.get(&slice.package(Tier::Bff))?;
                Some((slice.name.to_owned(), format!("127.0.0.1:{port}")))
            })
            .collect()
    }

    fn url(&self, slice: &Slice) -> Result<String> {
        let name = slice.package(Tier::Service);
        let port = self
            .ports
            .get(&name)
            .with_context(|| format!("{name} has not started"))?;
        Ok(format!("http://127.0.0.1:{port}"))
    }
}

/// Every process of the shop: its servers and nginx in front.
pub struct Stack {
    /// nginx; declared first, so it stops before the servers behind it.
    pub gateway: Child,
    pub servers: Servers,
    /// The shop's port on 127.0.0.1.
    pub port: u16,
}

/// The site served from `state`.
pub fn site(state: &Path) -> Site {
    Site::new(state.join("site"))
}

/// Builds MFE `name` and makes that build live in `site`. Returns its version.
pub fn publish(site: &Site, name: &str, tools: &Tools) -> Result<String> {
    let build = mfe::build(name, tools)?;
    let version = site.publish(name, &build, Descriptor::read(name)?)?;
    step(&format!("{name} MFE {version} is live"));
    Ok(version)
}

/// `cargo build` of every built slice's service and BFF.
pub fn build_servers(profile: Profile) -> Result<()> {
    step("building the services and BFFs");
    let mut build = cargo();
    build.arg("build");
    for slice in slices::built() {
        build.args(["-p", &slice.package(Tier::Service)]);
        build.args(["-p", &slice.package(Tier::Bff)]);
    }
    if profile == Profile::Release {
        build.arg("--release");
    }
    run(&mut build)
}

/// Builds everything and starts the shop on `port`, keeping its site, databases, logs and
/// nginx files under `state` (`var/` for `cargo xtask up`).
pub fn start(tools: &Tools, profile: Profile, port: u16, state: &Path) -> Result<Stack> {
    start_on(tools, profile, port, state, &BTreeMap::new())
}

/// [`start`], with the database URL of some slices given (by slice name); the others use
/// `STOREFRONT_<SLICE>_DATABASE_URL` or SQLite under `state`.
pub fn start_on(
    tools: &Tools,
    profile: Profile,
    port: u16,
    state: &Path,
    databases: &BTreeMap<String, String>,
) -> Result<Stack> {
    if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
        bail!("port {port} is in use; choose another with --port N");
    }
    build_servers(profile)?;
    let site = site(state);
    site.install_shell()?;
    for slice in slices::built() {
        publish(&site, slice.name, tools)?;
    }
    step("starting the services, the BFFs and nginx");
    let servers = start_servers_on(profile, state, databases)?;
    let gateway = Gateway {
        port,
        site_root: site.root().to_owned(),
        bffs: servers.bffs(),
        runtime_dir: state.join("nginx"),
        log_dir: state.join("log"),
    }
    .start(&tools.nginx)?;
    Ok(Stack {
        gateway,
        servers,
        port,
    })
}

/// Starts every built slice's service, then its BFF, in table order (a service starts
/// after the services it calls), each on a port of its own choosing, and waits until each
/// is ready. Databases, logs and port files go under `state`. The binaries must be built.
pub fn start_servers(profile: Profile, state: &Path) -> Result<Servers> {
    start_servers_on(profile, state, &BTreeMap::new())
}

/// [`start_servers`] with the database URL of some slices given, by slice name.
pub fn start_servers_on(
    profile: Profile,
    state: &Path,
    databases: &BTreeMap<String, String>,
) -> Result<Servers> {
    let mut servers = Servers {
        children: vec![],
        ports: BTreeMap::new(),
    };
    let keys = IdentityKeys::ensure(state)?;
    for slice in slices::built() {
        let mut env = vec![
            (slice.env(Tier::Service, "PORT"), "0".to_owned()),
            (
                "DATABASE_URL".to_owned(),
                databases
                    .get(slice.name)
                    .cloned()
                    .unwrap_or_else(|| database_url(slice, state)),
            ),
        ];
        for called in slice.called() {
            env.push((
                slice.service_url_env(Tier::Service, called),
                servers.url(called)?,
            ));
        }
        if slice.signs_identity {
            env.push(keys.signing_env(slice));
        }
        start_server(&mut servers, slice, Tier::Service, env, profile, state)?;
        let env = vec![
            (slice.env(Tier::Bff, "PORT"), "0".to_owned()),
            (slice.service_url_env(Tier::Bff, slice), servers.url(slice)?),
            keys.verifying_env(slice),
        ];
        start_server(&mut servers, slice, Tier::Bff, env, profile, state)?;
    }
    Ok(servers)
}

fn start_server(
    servers: &mut Servers,
    slice: &Slice,
    tier: Tier,
    env: Vec<(String, String)>,
    profile: Profile,
    state: &Path,
) -> Result<()> {
    let name = slice.package(tier);
    let (child, port) = spawn_server(&name, env, profile, state, &slice.ready_path(tier))?;
    servers.children.push(child);
    servers.ports.insert(name, port);
    Ok(())
}

/// One more BFF of `slice`, calling its service at `service_url`, with its port file and
/// log under `state`; waits only until it answers `/healthz` (its service may be down on
/// purpose: the browser tests point one at a stopped service).
pub fn start_lone_bff(
    slice: &Slice,
    service_url: &str,
    profile: Profile,
    state: &Path,
) -> Result<(Child, u16)> {
    let env = vec![
        (slice.env(Tier::Bff, "PORT"), "0".to_owned()),
        (
            slice.service_url_env(Tier::Bff, slice),
            service_url.to_owned(),
        ),
        IdentityKeys::ensure(state)?.verifying_env(slice),
    ];
    let health = format!("/api/{}/healthz", slice.name);
    spawn_server(&slice.package(Tier::Bff), env, profile, state, &health)
}

/// Starts binary `name` on a port of its choosing and waits until `ready_path` answers 200.
fn spawn_server(
    name: &str,
    env: Vec<(String, String)>,
    profile: Profile,
    state: &Path,
    ready_path: &str,
) -> Result<(Child, u16)> {
    let binary = workspace::binary(profile.dir(), name);
    if !binary.is_file() {
        bail!("{} is not built (cargo build -p {name})", binary.display());
    }
    let port_file = state.join("run").join(format!("{name}.port"));
    std::fs::create_dir_all(state.join("run"))?;
    let _ = std::fs::remove_file(&port_file);
    let mut command = Command::new(binary);
    command
        .env("NO_COLOR", "1")
        .env("STOREFRONT_PORT_FILE", &port_file)
        .envs(env);
    let log = state.join("log").join(format!("{name}.log"));
    let mut child = Child::spawn(name, command, &log)?;
    // The first start of a service migrates and seeds its database.
    let port = wait_for_port_file(&mut child, &port_file, Duration::from_secs(60))?;
    wait_until_ready(&mut child, port, ready_path, Duration::from_secs(60))?;
    Ok((child, port))
}

/// The key pair that signs identity tokens, under `state/keys/`: made at the first start
/// (private key file mode 0600) and kept, so sessions survive restarts. Only the signing
/// slice's service is told where the private key is; every BFF gets the public key.
pub struct IdentityKeys {
    private: PathBuf,
    public: PathBuf,
}

impl IdentityKeys {
    pub fn ensure(state: &Path) -> Result<Self> {
        let private = state.join("keys").join("identity.pem");
        let public = identity::KeyPair::ensure_files(&private)
            .with_context(|| format!("making the identity key pair in {}", private.display()))?;
        Ok(Self { private, public })
    }

    fn signing_env(&self, slice: &Slice) -> (String, String) {
        (
            slice.env(Tier::Service, "SIGNING_KEY_FILE"),
            self.private.display().to_string(),
        )
    }

    fn verifying_env(&self, slice: &Slice) -> (String, String) {
        (
            slice.env(Tier::Bff, "IDENTITY_PUBLIC_KEY_FILE"),
            self.public.display().to_string(),
        )
    }
}

/// `STOREFRONT_<SLICE>_DATABASE_URL`, or a SQLite file under `state/data/`.
fn database_url(slice: &Slice, state: &Path) -> String {
    std::env::var(slice.database_url_env()).unwrap_or_else(|_| {
        format!(
            "sqlite://{}?mode=rwc",
            state
                .join("data")
                .join(format!("{}.db", slice.name))
                .display()
        )
    })
}

/// `var/` — the state of `cargo xtask up`.
pub fn default_state() -> PathBuf {
    workspace::var_dir()
}
