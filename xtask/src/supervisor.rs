//! Keeping the shop's processes running, as compose's `restart: unless-stopped` and a
//! Kubernetes Deployment do: a server replica (or nginx, or the local PostgreSQL) that
//! exits is logged with its exit status and started again after a back-off — 1 s, doubling
//! up to 30 s, back to 1 s once it had run for a minute — while everything else keeps
//! running. A server comes back on the port it had, so nginx and its callers need no
//! change; when another program took that port meanwhile it starts on a new one, says so,
//! and nginx (or, for a lone service replica called directly, its callers) follow.
//!
//! [`Supervisor::supervise`] does one round of that; `cargo xtask up` calls it every
//! 200 ms. A chaos run drives it too: [`Supervisor::kill`] a replica (SIGKILL, as
//! `kill -9`), [`Supervisor::wait_until_healthy`] until it serves again,
//! [`Supervisor::reload_gateway`] (SIGHUP to nginx), [`Supervisor::restart_postgres`], and
//! [`Supervisor::status`] for every replica's PID, port, log and restarts.
//!
//! Everything is stopped by PID when the supervisor is dropped — nginx first, then the
//! servers in reverse start order (a BFF before its service), then PostgreSQL — or, on
//! Ctrl-C, by the interrupt handler (see [`crate::process`]).

use crate::gateway::{Gateway, ServiceBalancer};
use crate::health;
use crate::postgres::LocalPostgres;
use crate::process::Child;
use crate::slices::{self, Slice, Tier};
use anyhow::{bail, Context, Result};
use nix::sys::signal::Signal;
use std::collections::BTreeMap;
use std::fmt;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long a server may take to report its port and answer its ready path (the first
/// start of a service migrates and seeds its database).
const START_DEADLINE: Duration = Duration::from_secs(60);

/// The wait before a restart: 1 s after the first exit, doubling after each further one
/// up to 30 s, and 1 s again for a process that had run for a minute before it exited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backoff {
    next: Duration,
}

impl Backoff {
    pub const FIRST: Duration = Duration::from_secs(1);
    pub const MAX: Duration = Duration::from_secs(30);
    /// A process that ran this long counts as healthy: its next crash waits [`Self::FIRST`].
    pub const RESET_AFTER: Duration = Duration::from_secs(60);

    pub fn new() -> Self {
        Self { next: Self::FIRST }
    }

    /// How long to wait before starting again a process that exited after `ran_for`.
    pub fn after_exit(&mut self, ran_for: Duration) -> Duration {
        if ran_for >= Self::RESET_AFTER {
            self.next = Self::FIRST;
        }
        let wait = self.next;
        self.next = (self.next * 2).min(Self::MAX);
        wait
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new()
    }
}

/// Everything needed to start one replica of a server, again and again.
#[derive(Debug, Clone)]
pub struct Launch {
    pub slice: &'static Slice,
    pub tier: Tier,
    /// 1 to the number of replicas.
    pub number: usize,
    /// Its name in logs and messages: the server's (`catalog-service`) when it runs alone,
    /// with its number (`catalog-service-2`) when it has siblings.
    pub label: String,
    pub program: PathBuf,
    pub args: Vec<String>,
    /// Its environment, but for the port.
    pub env: Vec<(String, String)>,
    /// The variable that tells it its port (`0`: any free one, reported in `port_file`).
    pub port_env: String,
    /// Where it reports the port it bound (`STOREFRONT_PORT_FILE`).
    pub port_file: PathBuf,
    /// The path it answers 200 on once it can serve.
    pub ready_path: String,
    pub log: PathBuf,
}

impl Launch {
    /// The server's name: `catalog-service`.
    pub fn server(&self) -> String {
        self.slice.package(self.tier)
    }

    fn command(&self, port: u16) -> Command {
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .env("NO_COLOR", "1")
            .env("STOREFRONT_PORT_FILE", &self.port_file)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env(&self.port_env, port.to_string());
        command
    }

    /// Starts it on `port` (0: any free one).
    fn spawn(&self, port: u16) -> Result<Child> {
        if let Some(dir) = self.port_file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let _ = std::fs::remove_file(&self.port_file);
        Child::spawn(&self.label, self.command(port), &self.log)
    }

    fn reported_port(&self) -> Option<u16> {
        std::fs::read_to_string(&self.port_file)
            .ok()
            .and_then(|text| text.trim().parse().ok())
    }
}

/// What a replica is doing.
enum State {
    /// Ready once since it started (not probed again: an exit is what is watched).
    Running { child: Child, since: Instant },
    /// Started; not ready yet.
    Starting {
        child: Child,
        since: Instant,
        /// Whether it was told its old port (rather than any free one).
        on_old_port: bool,
        /// Where its log was when it started: what it writes from there is its own.
        log_from: u64,
    },
    /// Not running; started again at `at` (on a new port if `new_port`).
    Waiting { at: Instant, new_port: bool },
    /// Stopped on purpose, not to be started again.
    Stopped,
}

/// A replica's state as [`Supervisor::status`] reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// It answered its ready path since it last started.
    Ready,
    /// Started, not ready yet.
    Starting,
    /// Exited; it starts again in this long.
    Restarting {
        in_: Duration,
    },
    Stopped,
}

impl fmt::Display for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Health::Ready => write!(f, "ready"),
            Health::Starting => write!(f, "starting"),
            Health::Restarting { in_ } => write!(f, "restarting in {:.1} s", in_.as_secs_f64()),
            Health::Stopped => write!(f, "stopped"),
        }
    }
}

/// One replica of a server, kept running.
pub struct Replica {
    launch: Launch,
    /// The port it serves on (known once it reported it).
    port: Option<u16>,
    state: State,
    backoff: Backoff,
    restarts: u32,
    last_exit: Option<ExitStatus>,
}

/// What [`Supervisor::status`] says about one replica (or nginx, or PostgreSQL).
#[derive(Debug, Clone)]
pub struct ReplicaStatus {
    /// `catalog-service`, `nginx`, `postgres`.
    pub server: String,
    /// 1 to the number of replicas (1 for nginx and PostgreSQL).
    pub number: usize,
    pub label: String,
    pub pid: Option<u32>,
    pub port: Option<u16>,
    pub log: PathBuf,
    pub health: Health,
    /// How often it was started again.
    pub restarts: u32,
    /// How it last exited.
    pub last_exit: Option<String>,
}

/// nginx, supervised like a server.
struct SupervisedGateway {
    nginx: PathBuf,
    /// Its configuration; the upstreams are filled in from the replicas at each render.
    config: Gateway,
    child: Option<Child>,
    since: Instant,
    restart_at: Option<Instant>,
    backoff: Backoff,
    restarts: u32,
    last_exit: Option<ExitStatus>,
}

/// The local PostgreSQL, supervised like a server.
struct SupervisedPostgres {
    server: LocalPostgres,
    since: Instant,
    restart_at: Option<Instant>,
    backoff: Backoff,
    restarts: u32,
}

/// Every process of a running shop, kept running (see the module's docs).
pub struct Supervisor {
    /// Server replicas, in start order (a slice's service replicas, then its BFF's).
    replicas: Vec<Replica>,
    gateway: Option<SupervisedGateway>,
    /// The loopback port of each slice's service balancer (empty: BFFs call their one
    /// service replica directly).
    balancers: BTreeMap<String, u16>,
    postgres: Option<SupervisedPostgres>,
}

impl Default for Supervisor {
    fn default() -> Self {
        Self::new()
    }
}

impl Supervisor {
    pub fn new() -> Self {
        Self {
            replicas: vec![],
            gateway: None,
            balancers: BTreeMap::new(),
            postgres: None,
        }
    }

    /// Supervises `postgres` from now on (stopped after everything else).
    pub fn adopt_postgres(&mut self, server: LocalPostgres) {
        self.postgres = Some(SupervisedPostgres {
            server,
            since: Instant::now(),
            restart_at: None,
            backoff: Backoff::new(),
            restarts: 0,
        });
    }

    /// The local PostgreSQL, if the shop runs on it.
    pub fn postgres(&self) -> Option<&LocalPostgres> {
        self.postgres.as_ref().map(|postgres| &postgres.server)
    }

    /// Service balancers on these loopback ports, by slice name, in every rendering of the
    /// gateway from now on (call before [`Supervisor::start_gateway`]).
    pub fn use_balancers(&mut self, balancers: BTreeMap<String, u16>) {
        self.balancers = balancers;
    }

    /// Where callers reach `slice`'s service: its balancer, or its one replica.
    pub fn service_url(&self, slice: &Slice) -> Result<String> {
        if let Some(port) = self.balancers.get(slice.name) {
            return Ok(format!("http://127.0.0.1:{port}"));
        }
        let server = slice.package(Tier::Service);
        let port = self
            .port_of(&server, 1)
            .with_context(|| format!("{server} has not started"))?;
        Ok(format!("http://127.0.0.1:{port}"))
    }

    /// Starts nginx with `config` (its upstreams are filled in from the replicas; those
    /// without any yet get a placeholder) and waits until it serves the shell.
    pub fn start_gateway(&mut self, nginx: &Path, config: Gateway) -> Result<()> {
        let mut gateway = SupervisedGateway {
            nginx: nginx.to_owned(),
            config,
            child: None,
            since: Instant::now(),
            restart_at: None,
            backoff: Backoff::new(),
            restarts: 0,
            last_exit: None,
        };
        gateway.config = self.render_config(&gateway.config);
        gateway.child = Some(gateway.config.start(nginx)?);
        self.gateway = Some(gateway);
        Ok(())
    }

    /// The gateway's configuration with the upstreams as the replicas are now.
    fn render_config(&self, base: &Gateway) -> Gateway {
        let mut config = base.clone();
        config.bffs = slices::built()
            .map(|slice| (slice.name.to_owned(), self.addresses(slice, Tier::Bff)))
            .collect();
        config.services = self
            .balancers
            .iter()
            .filter_map(|(name, port)| {
                let slice = slices::get(name)?;
                Some((
                    name.clone(),
                    ServiceBalancer {
                        port: *port,
                        replicas: self.addresses(slice, Tier::Service),
                    },
                ))
            })
            .collect();
        config
    }

    /// `127.0.0.1:<port>` of every replica of `slice`'s `tier` with a known port.
    fn addresses(&self, slice: &Slice, tier: Tier) -> Vec<String> {
        self.replicas
            .iter()
            .filter(|r| r.launch.slice.name == slice.name && r.launch.tier == tier)
            .filter_map(|r| r.port.map(|port| format!("127.0.0.1:{port}")))
            .collect()
    }

    /// Starts one replica on a port of its choosing and waits until it is ready.
    pub fn start(&mut self, launch: Launch) -> Result<u16> {
        if !launch.program.is_file() {
            bail!(
                "{} is not built (cargo build -p {})",
                launch.program.display(),
                launch.server()
            );
        }
        let mut child = launch.spawn(0)?;
        let port = health::wait_for_port_file(&mut child, &launch.port_file, START_DEADLINE)?;
        health::wait_until_ready(&mut child, port, &launch.ready_path, START_DEADLINE)?;
        self.replicas.push(Replica {
            launch,
            port: Some(port),
            state: State::Running {
                child,
                since: Instant::now(),
            },
            backoff: Backoff::new(),
            restarts: 0,
            last_exit: None,
        });
        Ok(port)
    }

    /// Renders the gateway's configuration from the replicas as they are now and makes
    /// nginx take it (SIGHUP to its PID), waiting until it has. Without a running nginx,
    /// it takes the configuration when it starts again.
    pub fn reload_gateway(&mut self) -> Result<()> {
        let Some(gateway) = &self.gateway else {
            return Ok(());
        };
        let config = self.render_config(&gateway.config);
        let Some(gateway) = self.gateway.as_mut() else {
            return Ok(());
        };
        gateway.config = config;
        match &gateway.child {
            Some(child) => gateway.config.reload(&gateway.nginx, child),
            None => Ok(()),
        }
    }

    /// The port replica `number` of `server` serves on.
    pub fn port_of(&self, server: &str, number: usize) -> Option<u16> {
        self.find(server, number).ok()?.port
    }

    /// `host:port` of every replica of each built slice's BFF, by slice name.
    pub fn bffs(&self) -> BTreeMap<String, Vec<String>> {
        slices::built()
            .map(|slice| (slice.name.to_owned(), self.addresses(slice, Tier::Bff)))
            .collect()
    }

    /// The shop's port (nginx's), when it runs one.
    pub fn gateway_port(&self) -> Option<u16> {
        self.gateway.as_ref().map(|gateway| gateway.config.port)
    }

    /// The service balancers' ports, by slice name.
    pub fn balancers(&self) -> &BTreeMap<String, u16> {
        &self.balancers
    }

    fn find(&self, server: &str, number: usize) -> Result<&Replica> {
        self.replicas
            .iter()
            .find(|r| r.launch.server() == server && r.launch.number == number)
            .with_context(|| format!("there is no replica {number} of {server}"))
    }

    fn find_mut(&mut self, server: &str, number: usize) -> Result<&mut Replica> {
        self.replicas
            .iter_mut()
            .find(|r| r.launch.server() == server && r.launch.number == number)
            .with_context(|| format!("there is no replica {number} of {server}"))
    }

    /// Every replica, then nginx and PostgreSQL: PID, port, log, health, restarts.
    pub fn status(&self) -> Vec<ReplicaStatus> {
        let now = Instant::now();
        let mut all: Vec<ReplicaStatus> = self
            .replicas
            .iter()
            .map(|r| {
                let (pid, health) = match &r.state {
                    State::Running { child, .. } => (Some(child.pid()), Health::Ready),
                    State::Starting { child, .. } => (Some(child.pid()), Health::Starting),
                    State::Waiting { at, .. } => (
                        None,
                        Health::Restarting {
                            in_: at.saturating_duration_since(now),
                        },
                    ),
                    State::Stopped => (None, Health::Stopped),
                };
                ReplicaStatus {
                    server: r.launch.server(),
                    number: r.launch.number,
                    label: r.launch.label.clone(),
                    pid,
                    port: r.port,
                    log: r.launch.log.clone(),
                    health,
                    restarts: r.restarts,
                    last_exit: r.last_exit.map(|status| status.to_string()),
                }
            })
            .collect();
        if let Some(gateway) = &self.gateway {
            all.push(ReplicaStatus {
                server: "nginx".into(),
                number: 1,
                label: "nginx".into(),
                pid: gateway.child.as_ref().map(Child::pid),
                port: Some(gateway.config.port),
                log: gateway.config.log_dir.join("nginx.log"),
                health: match (&gateway.child, gateway.restart_at) {
                    (Some(_), _) => Health::Ready,
                    (None, Some(at)) => Health::Restarting {
                        in_: at.saturating_duration_since(now),
                    },
                    (None, None) => Health::Stopped,
                },
                restarts: gateway.restarts,
                last_exit: gateway.last_exit.map(|status| status.to_string()),
            });
        }
        if let Some(postgres) = &self.postgres {
            let pid = postgres.server.pid();
            all.push(ReplicaStatus {
                server: "postgres".into(),
                number: 1,
                label: "postgres".into(),
                pid: pid.map(|pid| pid as u32),
                port: Some(postgres.server.port()),
                log: postgres.server.log(),
                health: match (pid, postgres.restart_at) {
                    (Some(_), _) => Health::Ready,
                    (None, Some(at)) => Health::Restarting {
                        in_: at.saturating_duration_since(now),
                    },
                    (None, None) => Health::Starting,
                },
                restarts: postgres.restarts,
                last_exit: None,
            });
        }
        all
    }

    /// Kills replica `number` of `server` (`nginx` for the gateway, `postgres` for the
    /// postmaster) with SIGKILL, as `kill -9` would, and returns the PID it had. The supervisor starts it again after
    /// its back-off (the next [`Supervisor::supervise`] rounds do).
    pub fn kill(&mut self, server: &str, number: usize) -> Result<u32> {
        if server == "postgres" {
            let postgres = self
                .postgres
                .as_ref()
                .context("the shop does not run on PostgreSQL")?;
            let pid = postgres.server.pid().context("PostgreSQL is not running")?;
            crate::process::stop_pid(pid, Signal::SIGKILL, Duration::from_secs(10));
            return Ok(pid as u32);
        }
        if server == "nginx" {
            let gateway = self.gateway.as_mut().context("no nginx runs")?;
            let child = gateway.child.as_mut().context("nginx is not running")?;
            let pid = child.pid();
            child.signal(Signal::SIGKILL)?;
            wait_for_exit(child)?;
            gateway.notice_exit();
            return Ok(pid);
        }
        let replica = self.find_mut(server, number)?;
        let child = match &mut replica.state {
            State::Running { child, .. } | State::Starting { child, .. } => child,
            _ => bail!("{} is not running", replica.launch.label),
        };
        let pid = child.pid();
        child.signal(Signal::SIGKILL)?;
        wait_for_exit(child)?;
        replica.notice_exit();
        Ok(pid)
    }

    /// Supervises until replica `number` of `server` (or `nginx`, or `postgres`) is ready
    /// again, for at most `timeout`.
    pub fn wait_until_healthy(
        &mut self,
        server: &str,
        number: usize,
        timeout: Duration,
    ) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            self.supervise();
            let health = self
                .status()
                .into_iter()
                .find(|s| s.server == server && s.number == number)
                .map(|s| s.health)
                .with_context(|| format!("there is no replica {number} of {server}"))?;
            if health == Health::Ready {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("replica {number} of {server} was not ready again within {timeout:?} ({health})");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Supervises until every process is ready, for at most `timeout`.
    pub fn wait_until_all_healthy(&mut self, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            self.supervise();
            let status = self.status();
            let waiting: Vec<String> = status
                .iter()
                .filter(|s| s.health != Health::Ready)
                .map(|s| format!("{} ({})", s.label, s.health))
                .collect();
            if waiting.is_empty() {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("not ready within {timeout:?}: {}", waiting.join(", "));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the local PostgreSQL (fast shutdown, by PID) and starts it again on the same
    /// port. The services' connection pools reconnect on their own.
    pub fn restart_postgres(&mut self) -> Result<()> {
        let postgres = self
            .postgres
            .as_mut()
            .context("the shop does not run on PostgreSQL")?;
        say("restarting PostgreSQL");
        postgres.server.restart()?;
        postgres.restarts += 1;
        postgres.since = Instant::now();
        postgres.restart_at = None;
        Ok(())
    }

    /// One round of supervision: notices every exit (logged with its status), starts again
    /// what is due, follows a replica that had to move to a new port. Never fails: what
    /// goes wrong is said and tried again later.
    pub fn supervise(&mut self) {
        if crate::process::interrupted() {
            return; // everything is being stopped
        }
        self.supervise_postgres();
        let mut moved = vec![];
        for replica in &mut self.replicas {
            let before = replica.port;
            replica.supervise();
            if let (Some(old), Some(new)) = (before, replica.port) {
                if old != new && matches!(replica.state, State::Running { .. }) {
                    moved.push((replica.launch.label.clone(), old, new));
                }
            }
        }
        for (label, old, new) in moved {
            self.follow_move(&label, old, new);
        }
        self.supervise_gateway();
    }

    /// A replica now serves on `new` instead of `old`: nginx's upstreams follow, and so do
    /// the servers that were told its old address (a lone service called directly): they
    /// are started again with the new one.
    fn follow_move(&mut self, label: &str, old: u16, new: u16) {
        let (old_url, new_url) = (
            format!("http://127.0.0.1:{old}"),
            format!("http://127.0.0.1:{new}"),
        );
        for replica in &mut self.replicas {
            let mut changed = false;
            for (_, value) in &mut replica.launch.env {
                if *value == old_url {
                    value.clone_from(&new_url);
                    changed = true;
                }
            }
            if changed {
                say(&format!(
                    "{} calls {label}, now on port {new}: starting it again with that address",
                    replica.launch.label
                ));
                replica.restart_now();
            }
        }
        if let Err(error) = self.reload_gateway() {
            say(&format!(
                "nginx could not follow {label} to port {new}: {error:#}"
            ));
        }
    }

    fn supervise_gateway(&mut self) {
        let Some(gateway) = self.gateway.as_mut() else {
            return;
        };
        if let Some(child) = gateway.child.as_mut() {
            if child.exited().is_some() {
                gateway.notice_exit();
            }
            return;
        }
        if gateway.restart_at.is_some_and(|at| Instant::now() >= at) {
            // The configuration as the replicas are now: one may have moved meanwhile.
            let base = gateway.config.clone();
            let config = self.render_config(&base);
            let Some(gateway) = self.gateway.as_mut() else {
                return;
            };
            gateway.config = config;
            match gateway.config.start(&gateway.nginx) {
                Ok(child) => {
                    say(&format!("nginx runs again (pid {})", child.pid()));
                    gateway.child = Some(child);
                    gateway.since = Instant::now();
                    gateway.restart_at = None;
                    gateway.restarts += 1;
                }
                Err(error) => {
                    let wait = gateway.backoff.after_exit(Duration::ZERO);
                    say(&format!(
                        "nginx did not start: {error:#}\nTrying again in {}",
                        seconds(wait)
                    ));
                    gateway.restart_at = Some(Instant::now() + wait);
                }
            }
        }
    }

    fn supervise_postgres(&mut self) {
        let Some(postgres) = self.postgres.as_mut() else {
            return;
        };
        if postgres.server.pid().is_some() {
            return;
        }
        let now = Instant::now();
        match postgres.restart_at {
            None => {
                let wait = postgres.backoff.after_exit(now - postgres.since);
                say(&format!(
                    "PostgreSQL stopped (see {}); starting it again in {}",
                    postgres.server.log().display(),
                    seconds(wait)
                ));
                postgres.restart_at = Some(now + wait);
            }
            Some(at) if now >= at => match postgres.server.restart() {
                Ok(()) => {
                    say("PostgreSQL runs again");
                    postgres.restarts += 1;
                    postgres.since = Instant::now();
                    postgres.restart_at = None;
                }
                Err(error) => {
                    let wait = postgres.backoff.after_exit(Duration::ZERO);
                    say(&format!(
                        "PostgreSQL did not start: {error:#}\nTrying again in {}",
                        seconds(wait)
                    ));
                    postgres.restart_at = Some(Instant::now() + wait);
                }
            },
            Some(_) => {}
        }
    }

    /// Stops everything by PID: nginx, then the servers in reverse start order, then
    /// PostgreSQL. Nothing is started again.
    pub fn stop(&mut self) {
        if let Some(mut gateway) = self.gateway.take() {
            if let Some(mut child) = gateway.child.take() {
                child.stop(Duration::from_secs(10));
            }
        }
        while let Some(mut replica) = self.replicas.pop() {
            replica.stop();
        }
        self.postgres = None;
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        self.stop();
    }
}

impl SupervisedGateway {
    fn notice_exit(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let status = child.exited();
        self.last_exit = status;
        let wait = self.backoff.after_exit(self.since.elapsed());
        say(&format!(
            "nginx (pid {}) exited ({}); starting it again in {}",
            child.pid(),
            describe(status),
            seconds(wait)
        ));
        self.restart_at = Some(Instant::now() + wait);
    }
}

impl Replica {
    fn supervise(&mut self) {
        let now = Instant::now();
        match &mut self.state {
            State::Running { child, .. } => {
                if child.exited().is_some() {
                    self.notice_exit();
                }
            }
            State::Starting {
                child,
                since,
                on_old_port,
                log_from,
            } => {
                if let Some(status) = child.exited() {
                    self.last_exit = Some(status);
                    let (on_old_port, log_from, since) = (*on_old_port, *log_from, *since);
                    if on_old_port
                        && log_since(&self.launch.log, log_from).contains("Address already in use")
                    {
                        say(&format!(
                            "{}: another program took port {} meanwhile; starting it on a new port",
                            self.launch.label,
                            self.port.unwrap_or_default()
                        ));
                        self.state = State::Waiting {
                            at: now,
                            new_port: true,
                        };
                    } else {
                        let wait = self.backoff.after_exit(now - since);
                        say(&format!(
                            "{} exited ({status}) before it was ready; see {}. Starting it again in {}",
                            self.launch.label,
                            self.launch.log.display(),
                            seconds(wait)
                        ));
                        self.state = State::Waiting {
                            at: now + wait,
                            new_port: false,
                        };
                    }
                    return;
                }
                let port = if *on_old_port {
                    self.port
                } else {
                    self.launch.reported_port()
                };
                let ready = port.is_some_and(|port| {
                    health::status(port, &self.launch.ready_path).is_ok_and(|code| code == 200)
                });
                if ready {
                    let since = *since;
                    let State::Starting { child, .. } =
                        std::mem::replace(&mut self.state, State::Stopped)
                    else {
                        return;
                    };
                    let moved = port != self.port;
                    say(&format!(
                        "{} is ready again (pid {}, port {}{})",
                        self.launch.label,
                        child.pid(),
                        port.unwrap_or_default(),
                        if moved { ", a new one" } else { "" }
                    ));
                    self.port = port;
                    self.state = State::Running { child, since };
                } else if now - *since > START_DEADLINE && port.is_none() {
                    // It never listened: hung, not merely waiting for what it needs.
                    child.stop(Duration::from_secs(5));
                    let wait = self.backoff.after_exit(Duration::ZERO);
                    say(&format!(
                        "{} did not listen within {START_DEADLINE:?}; see {}. Starting it again in {}",
                        self.launch.label,
                        self.launch.log.display(),
                        seconds(wait)
                    ));
                    self.state = State::Waiting {
                        at: now + wait,
                        new_port: false,
                    };
                }
                // Listening but not ready (a BFF whose service is down, say): it serves its
                // degraded answers meanwhile, and is ready once what it needs is back.
            }
            State::Waiting { at, new_port } => {
                if now >= *at {
                    let new_port = *new_port;
                    self.respawn(new_port);
                }
            }
            State::Stopped => {}
        }
    }

    /// Its exit was noticed: logged, and its restart scheduled after the back-off.
    fn notice_exit(&mut self) {
        let (mut child, since) = match std::mem::replace(&mut self.state, State::Stopped) {
            State::Running { child, since } | State::Starting { child, since, .. } => {
                (child, since)
            }
            other => {
                self.state = other;
                return;
            }
        };
        let status = child.exited();
        self.last_exit = status;
        let wait = self.backoff.after_exit(since.elapsed());
        say(&format!(
            "{} (pid {}) exited ({}) after {}; starting it again in {}",
            self.launch.label,
            child.pid(),
            describe(status),
            seconds(since.elapsed()),
            seconds(wait)
        ));
        self.state = State::Waiting {
            at: Instant::now() + wait,
            new_port: false,
        };
    }

    /// Starts it again: on its old port when it is free, else on a new one.
    fn respawn(&mut self, mut new_port: bool) {
        let old_port = self.port.filter(|_| !new_port);
        if let Some(port) = old_port {
            if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
                say(&format!(
                    "{}: port {port} is taken by another program; starting it on a new port",
                    self.launch.label
                ));
                new_port = true;
            }
        }
        let port = if new_port { 0 } else { old_port.unwrap_or(0) };
        let log_from = std::fs::metadata(&self.launch.log).map_or(0, |meta| meta.len());
        match self.launch.spawn(port) {
            Ok(child) => {
                self.restarts += 1;
                self.state = State::Starting {
                    child,
                    since: Instant::now(),
                    on_old_port: port != 0,
                    log_from,
                };
            }
            Err(error) => {
                let wait = self.backoff.after_exit(Duration::ZERO);
                say(&format!(
                    "{} did not start: {error:#}. Trying again in {}",
                    self.launch.label,
                    seconds(wait)
                ));
                self.state = State::Waiting {
                    at: Instant::now() + wait,
                    new_port,
                };
            }
        }
    }

    /// Stops it gracefully and starts it again at once (its environment changed).
    fn restart_now(&mut self) {
        if let State::Running { child, .. } | State::Starting { child, .. } = &mut self.state {
            child.stop(Duration::from_secs(10));
        }
        self.state = State::Waiting {
            at: Instant::now(),
            new_port: false,
        };
    }

    fn stop(&mut self) {
        if let State::Running { child, .. } | State::Starting { child, .. } = &mut self.state {
            child.stop(Duration::from_secs(10));
        }
        self.state = State::Stopped;
    }
}

/// Waits (briefly: it was sent SIGKILL) until `child` has exited.
fn wait_for_exit(child: &mut Child) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.exited().is_none() {
        if Instant::now() > deadline {
            bail!("{} did not exit after SIGKILL", child.name());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(())
}

/// What a log file got since it was `from` bytes long.
fn log_since(log: &Path, from: u64) -> String {
    let mut text = String::new();
    if let Ok(mut file) = std::fs::File::open(log) {
        if file.seek(SeekFrom::Start(from)).is_ok() {
            let _ = file.read_to_string(&mut text);
        }
    }
    text
}

fn describe(status: Option<ExitStatus>) -> String {
    status.map_or_else(|| "status unknown".to_owned(), |status| status.to_string())
}

fn seconds(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}

/// A line about a process coming or going, with the time of day (UTC), for the person
/// watching `cargo xtask up`.
pub fn say(message: &str) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let (hours, minutes, seconds) = ((now / 3600) % 24, (now / 60) % 60, now % 60);
    eprintln!("\x1b[1;33m[{hours:02}:{minutes:02}:{seconds:02}]\x1b[0m {message}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_up_to_thirty_seconds_and_resets_after_a_minute_of_running() {
        let mut backoff = Backoff::new();
        let quick = Duration::from_secs(2);
        let waits: Vec<u64> = (0..7)
            .map(|_| backoff.after_exit(quick).as_secs())
            .collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30]);
        assert_eq!(backoff.after_exit(Duration::from_secs(61)), Backoff::FIRST);
        assert_eq!(backoff.after_exit(quick), Duration::from_secs(2));
    }
}
