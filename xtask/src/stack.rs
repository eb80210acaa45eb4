//! The whole shop running locally: every built slice's service and BFF — one or more
//! replicas of each — and nginx in front, on loopback, on SQLite files or a local
//! PostgreSQL — as `cargo xtask up`, the benchmarks and the browser tests run it. What
//! keeps it running is the [`Supervisor`].
//!
//! With one replica, each BFF calls its service directly and cart-service calls
//! catalog-service directly. With more, each service gets a loopback address in nginx
//! that balances its replicas (as a Kubernetes Service does), and every caller uses that.

use crate::gateway::Gateway;
use crate::health::{wait_for_port_file, wait_until_ready};
use crate::postgres::LocalPostgres;
use crate::process::{cargo, free_port, run, Child};
use crate::site::{Descriptor, Site};
use crate::slices::{self, Slice, Tier};
use crate::supervisor::{Launch, Supervisor};
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
    /// Its directory under `target/`.
    pub fn dir(self) -> &'static str {
        match self {
            Profile::Debug => "debug",
            Profile::Release => "release",
        }
    }
}

/// Which database the services run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file per slice under the state directory (one writer, one machine: for
    /// one replica only).
    Sqlite,
    /// A database per slice on the PostgreSQL cluster kept under the state directory
    /// (`var/postgres/` for `cargo xtask up`).
    Postgres,
}

impl Database {
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "sqlite" => Ok(Database::Sqlite),
            "postgres" | "postgresql" => Ok(Database::Postgres),
            other => bail!("unknown database {other:?}: sqlite or postgres"),
        }
    }
}

/// How to run the shop.
#[derive(Debug, Clone)]
pub struct Options {
    pub profile: Profile,
    /// The shop's port on 127.0.0.1 (nginx).
    pub port: u16,
    /// Processes of every service and every BFF (at least 1).
    pub replicas: usize,
    pub database: Database,
    /// Where the site, databases, logs, port files and nginx's files go (`var/`).
    pub state: PathBuf,
    /// Database URLs given for some slices, by slice name (a throw-away PostgreSQL's, say);
    /// the others follow `database` (or `STOREFRONT_<SLICE>_DATABASE_URL`).
    pub databases: BTreeMap<String, String>,
    /// More environment for every server (each reads the variables of its own prefix):
    /// settings a load run changes, e.g. `ACCOUNT_SERVICE__SIGN_UPS_PER_CLIENT`.
    pub env: Vec<(String, String)>,
}

impl Options {
    /// One replica of each server on SQLite, debug builds.
    pub fn new(port: u16, state: &Path) -> Self {
        Self {
            profile: Profile::Debug,
            port,
            replicas: 1,
            database: Database::Sqlite,
            state: state.to_owned(),
            databases: BTreeMap::new(),
            env: Vec::new(),
        }
    }

    /// Checks that the options make sense together.
    pub fn check(&self) -> Result<()> {
        if self.replicas == 0 {
            bail!("--replicas must be at least 1");
        }
        let on_sqlite = slices::built().any(|slice| {
            !self.databases.contains_key(slice.name)
                && self.database == Database::Sqlite
                && std::env::var(slice.database_url_env()).is_err()
        });
        if self.replicas > 1 && on_sqlite {
            bail!(
                "{} replicas cannot share a SQLite file (one writer, one machine): use \
                 --database postgres (the default for --replicas > 1)",
                self.replicas
            );
        }
        Ok(())
    }
}

/// Every process of the shop — its servers (all replicas), nginx in front and, when it
/// runs on it, PostgreSQL — kept running by a [`Supervisor`].
pub struct Stack {
    pub supervisor: Supervisor,
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

/// Builds everything and starts the shop as `options` say: PostgreSQL first when the
/// services use it, then nginx (its upstreams filled in as servers become ready), then
/// each slice's service replicas and its BFF replicas, one after another (a service's first
/// replica migrates its database before the next one starts).
pub fn start(tools: &Tools, options: &Options) -> Result<Stack> {
    options.check()?;
    let port = options.port;
    if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
        bail!("port {port} is in use; choose another with --port N");
    }
    build_servers(options.profile)?;
    let site = site(&options.state);
    site.install_shell()?;
    for slice in slices::built() {
        publish(&site, slice.name, tools)?;
    }
    let mut supervisor = Supervisor::new();
    let mut databases = options.databases.clone();
    if options.database == Database::Postgres {
        let bin = tools
            .postgres_bin
            .as_ref()
            .context("PostgreSQL is not installed")?;
        step("starting PostgreSQL");
        let names: Vec<&str> = slices::built().map(|slice| slice.name).collect();
        let postgres = LocalPostgres::start(bin, &options.state.join("postgres"), &names)?;
        for slice in slices::built() {
            // A URL given, or STOREFRONT_<SLICE>_DATABASE_URL, still wins.
            if std::env::var(slice.database_url_env()).is_err() {
                databases
                    .entry(slice.name.to_owned())
                    .or_insert_with(|| postgres.database_url(slice.name));
            }
        }
        supervisor.adopt_postgres(postgres);
    }
    step("starting nginx, the services and the BFFs");
    start_gateway(&mut supervisor, tools, options, &site)?;
    start_servers_into(&mut supervisor, options, &databases)?;
    supervisor.reload_gateway()?;
    Ok(Stack { supervisor, port })
}

/// Starts nginx before any server (its upstreams are placeholders until replicas are
/// ready), on `options.port`, with a service balancer per slice when there is more than
/// one replica — on ports picked now, picked again if one was taken meanwhile.
fn start_gateway(
    supervisor: &mut Supervisor,
    tools: &Tools,
    options: &Options,
    site: &Site,
) -> Result<()> {
    let mut last_error = None;
    for _ in 0..3 {
        let mut balancers = BTreeMap::new();
        if options.replicas > 1 {
            for slice in slices::built() {
                balancers.insert(slice.name.to_owned(), free_port()?);
            }
        }
        supervisor.use_balancers(balancers);
        let gateway = Gateway {
            port: options.port,
            site_root: site.root().to_owned(),
            bffs: BTreeMap::new(),
            services: BTreeMap::new(),
            runtime_dir: options.state.join("nginx"),
            log_dir: options.state.join("log"),
        };
        match supervisor.start_gateway(&tools.nginx, gateway) {
            Ok(()) => return Ok(()),
            Err(error) => last_error = Some(error),
        }
    }
    Err(last_error.unwrap_or_else(|| anyhow::anyhow!("nginx did not start")))
}

/// Starts every built slice's service, then its BFF, in table order (a service starts
/// after the services it calls), one replica of each on a port of its own choosing, and
/// waits until each is ready. Databases, logs and port files go under `state`; no nginx.
/// The binaries must be built. (The browser tests' shop: they start their own gateways.)
pub fn start_servers(profile: Profile, state: &Path) -> Result<Supervisor> {
    let mut supervisor = Supervisor::new();
    let options = Options {
        profile,
        ..Options::new(0, state)
    };
    start_servers_into(&mut supervisor, &options, &BTreeMap::new())?;
    Ok(supervisor)
}

/// Starts `options.replicas` of every server into `supervisor`, each slice's services
/// before its BFFs; with a gateway, nginx takes each slice's service replicas as soon as
/// they are ready (its BFFs and the services after it call them through nginx).
fn start_servers_into(
    supervisor: &mut Supervisor,
    options: &Options,
    databases: &BTreeMap<String, String>,
) -> Result<()> {
    let keys = IdentityKeys::ensure(&options.state)?;
    for slice in slices::built() {
        let mut env = vec![(
            "DATABASE_URL".to_owned(),
            databases
                .get(slice.name)
                .cloned()
                .unwrap_or_else(|| database_url(slice, &options.state)),
        )];
        for called in slice.called() {
            env.push((
                slice.service_url_env(Tier::Service, called),
                supervisor.service_url(called)?,
            ));
        }
        if slice.signs_identity {
            env.push(keys.signing_env(slice));
        }
        for number in 1..=options.replicas {
            supervisor.start(launch(slice, Tier::Service, number, env.clone(), options))?;
        }
        if !supervisor.balancers().is_empty() {
            supervisor.reload_gateway()?;
        }
        let mut env = vec![
            (
                slice.service_url_env(Tier::Bff, slice),
                supervisor.service_url(slice)?,
            ),
            keys.verifying_env(slice),
        ];
        if slice.server_rendered {
            // It renders its MFE's first views while the live build is its own.
            env.push((
                slice.env(Tier::Bff, "MFE_MANIFEST"),
                site(&options.state)
                    .root()
                    .join("mfe/manifest.json")
                    .display()
                    .to_string(),
            ));
        }
        for number in 1..=options.replicas {
            supervisor.start(launch(slice, Tier::Bff, number, env.clone(), options))?;
        }
    }
    Ok(())
}

/// How to start replica `number` of `slice`'s `tier`: its binary, environment, port file
/// and log under `options.state`.
fn launch(
    slice: &'static Slice,
    tier: Tier,
    number: usize,
    env: Vec<(String, String)>,
    options: &Options,
) -> Launch {
    let server = slice.package(tier);
    let label = if options.replicas == 1 {
        server.clone()
    } else {
        format!("{server}-{number}")
    };
    Launch {
        slice,
        tier,
        number,
        program: workspace::binary(options.profile.dir(), &server),
        args: vec![],
        env: env.into_iter().chain(options.env.iter().cloned()).collect(),
        port_env: slice.env(tier, "PORT"),
        port_file: options.state.join("run").join(format!("{label}.port")),
        ready_path: slice.ready_path(tier),
        log: options.state.join("log").join(format!("{label}.log")),
        label,
    }
}

/// One more BFF of `slice`, calling its service at `service_url`, with its port file and
/// log under `state`; waits only until it answers `/healthz` (its service may be down on
/// purpose: the browser tests point one at a stopped service).
pub fn start_lone_bff(
    slice: &Slice,
    service_url: &str,
    profile: Profile,
    state: &Path,
    more_env: &[(String, String)],
) -> Result<(Child, u16)> {
    let mut env = vec![
        (slice.env(Tier::Bff, "PORT"), "0".to_owned()),
        (
            slice.service_url_env(Tier::Bff, slice),
            service_url.to_owned(),
        ),
        IdentityKeys::ensure(state)?.verifying_env(slice),
    ];
    env.extend_from_slice(more_env);
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
