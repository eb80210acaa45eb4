//! PostgreSQL servers that xtask runs itself, on loopback, stopped by their PID:
//!
//! - [`TempPostgres`], a throw-away server for tests: its own data directory under the
//!   system's temporary directory, a free port, no fsync; stopped and deleted when
//!   dropped — or when `cargo xtask` is interrupted. It trusts every connection
//!   ([`TempPostgres::start`]), or, to test what a real deployment does, asks every one
//!   for a password ([`TempPostgres::start_with_password`]).
//! - [`LocalPostgres`], the cluster `cargo xtask up --database postgres` keeps under
//!   `var/postgres/`: initialised once, started with `pg_ctl` on every `up`, one database
//!   per slice, stopped (never deleted) when `up` ends.
//!
//! Both are a [`Cluster`] (initdb, pg_ctl, the postmaster's PID) reached through an
//! [`Endpoint`] (URLs and client commands).

use crate::process::{self, run, Registration};
use anyhow::{bail, Context, Result};
use nix::sys::signal::Signal;
use nix::unistd::{chown, geteuid, User};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use std::fs::Permissions;
use std::ops::Deref;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// A running server's address on 127.0.0.1 and its superuser `postgres`, with the client
/// commands that reach it.
pub struct Endpoint {
    port: u16,
    /// The superuser `postgres`'s password, when connections need one.
    password: Option<String>,
}

impl Endpoint {
    /// A URL for the `postgres` database as the superuser `postgres`.
    pub fn url(&self) -> String {
        self.database_url("postgres")
    }

    /// A URL for database `name` on this server, as the superuser (with its password,
    /// percent-encoded, when the server asks for one).
    pub fn database_url(&self, name: &str) -> String {
        let user = match &self.password {
            Some(password) => format!(
                "postgres:{}",
                utf8_percent_encode(password, NON_ALPHANUMERIC)
            ),
            None => "postgres".to_owned(),
        };
        format!("postgres://{user}@127.0.0.1:{}/{name}", self.port)
    }

    /// The TCP port it listens on, on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The superuser's password, when it was started with one.
    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }

    /// `program` (a PostgreSQL client: `psql`, `createdb`, or a script that runs them) set
    /// up to reach this server as the superuser: `PGHOST`, `PGPORT`, `PGUSER` and, when
    /// the server asks for one, `PGPASSWORD`.
    pub fn client(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command
            .env("PGHOST", "127.0.0.1")
            .env("PGPORT", self.port.to_string())
            .env("PGUSER", "postgres")
            .env_remove("PGPASSWORD")
            .env_remove("PGDATABASE");
        if let Some(password) = &self.password {
            command.env("PGPASSWORD", password);
        }
        command
    }

    /// Creates an empty database `name` (with `createdb` from `bin`) and returns its URL.
    pub fn create_database(&self, bin: &Path, name: &str) -> Result<String> {
        run(self
            .client(bin.join("createdb"))
            .args(["-h", "127.0.0.1", "-U", "postgres", "-p"])
            .arg(self.port.to_string())
            .arg(name))?;
        Ok(self.database_url(name))
    }

    /// Runs one SQL statement in database `name` (with `psql` from `bin`).
    pub fn execute(&self, bin: &Path, name: &str, sql: &str) -> Result<()> {
        run(self
            .client(bin.join("psql"))
            .args([
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-p",
            ])
            .arg(self.port.to_string())
            .args(["-d", name, "-c", sql])
            .stdout(Stdio::null()))
    }

    /// The names of the databases on this server (with `psql` from `bin`).
    pub fn databases(&self, bin: &Path) -> Result<Vec<String>> {
        let listing = process::output(
            self.client(bin.join("psql"))
                .args(["-h", "127.0.0.1", "-U", "postgres", "-At", "-p"])
                .arg(self.port.to_string())
                .args(["-d", "postgres", "-c", "SELECT datname FROM pg_database"]),
        )
        .context("listing the databases with psql")?;
        Ok(listing.lines().map(str::to_owned).collect())
    }
}

/// A data directory and the binaries that run it; as root, every command runs as the
/// `postgres` user (initdb refuses to run as root).
struct Cluster {
    bin: PathBuf,
    /// Holds `data/`, `postgres.log` and the server's socket.
    dir: PathBuf,
    owner: Option<User>,
}

impl Cluster {
    /// The cluster in `dir` (made if missing, and given to the `postgres` user as root).
    fn new(bin: &Path, dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir)?;
        let owner = if geteuid().is_root() {
            let user = User::from_name("postgres")?
                .context("running as root, and there is no `postgres` user to run PostgreSQL as")?;
            chown(dir, Some(user.uid), Some(user.gid))?;
            Some(user)
        } else {
            None
        };
        Ok(Self {
            bin: bin.to_owned(),
            dir: dir.to_owned(),
            owner,
        })
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// `program` of PostgreSQL's, run as the cluster's owner, in its directory.
    fn command(&self, program: &str) -> Command {
        let mut command = match &self.owner {
            Some(user) => {
                let mut runuser = Command::new("runuser");
                runuser
                    .args(["-u", &user.name, "--"])
                    .arg(self.bin.join(program));
                runuser
            }
            None => Command::new(self.bin.join(program)),
        };
        command.current_dir(&self.dir);
        command
    }

    /// Whether `initdb` has made the data directory.
    fn initialised(&self) -> bool {
        self.data().join("PG_VERSION").is_file()
    }

    /// `initdb`: trust every connection, or (with `password`) ask every one for its
    /// password, the superuser's being `password`.
    fn initdb(&self, password: Option<&str>) -> Result<()> {
        let mut initdb = self.command("initdb");
        initdb.arg("-D").arg(self.data()).args([
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ]);
        // initdb reads the superuser's password from a file (never from argv); the file
        // lives in the server's own directory, readable by its owner only, until used.
        let password_file = self.dir.join("superuser-password");
        match password {
            Some(password) => {
                std::fs::write(&password_file, format!("{password}\n"))?;
                std::fs::set_permissions(&password_file, Permissions::from_mode(0o600))?;
                if let Some(user) = &self.owner {
                    chown(&password_file, Some(user.uid), Some(user.gid))?;
                }
                initdb
                    .args(["-A", "scram-sha-256", "--pwfile"])
                    .arg(&password_file);
            }
            None => {
                initdb.args(["-A", "trust"]);
            }
        }
        let initialised = run(initdb.stdout(Stdio::null()));
        let _ = std::fs::remove_file(&password_file);
        initialised.with_context(|| format!("initdb in {}", self.data().display()))
    }

    /// `pg_ctl start` on 127.0.0.1:`port` (its socket in the cluster's directory), waiting
    /// until it accepts connections. `settings` are more `-c name=value` options.
    fn start(&self, port: u16, settings: &str) -> Result<()> {
        run(self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.join("postgres.log"))
            .arg("-o")
            .arg(format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=300 {settings}",
                self.dir.display()
            ))
            .args(["-w", "-t", "30", "start"])
            .stdout(Stdio::null()))
        .with_context(|| {
            format!(
                "starting PostgreSQL on port {port}; see {}",
                self.dir.join("postgres.log").display()
            )
        })
    }

    /// The postmaster's PID, from its pid file, while one is running.
    fn pid(&self) -> Option<i32> {
        let pid = postmaster_pid(&self.data())?;
        process::is_alive(pid).then_some(pid)
    }

    /// Stops the postmaster by its PID: SIGINT, PostgreSQL's "fast shutdown" (disconnect
    /// clients, stop cleanly), then SIGKILL if it has not stopped within 10 s.
    fn stop(&self) {
        stop_postmaster(&self.data());
    }
}

fn postmaster_pid(data: &Path) -> Option<i32> {
    std::fs::read_to_string(data.join("postmaster.pid"))
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()
}

fn stop_postmaster(data: &Path) {
    if let Some(pid) = postmaster_pid(data) {
        process::stop_pid(pid, Signal::SIGINT, Duration::from_secs(10));
    }
}

/// A throw-away server for tests (see the module's docs).
pub struct TempPostgres {
    cluster: Cluster,
    endpoint: Endpoint,
    _registration: Registration,
}

impl TempPostgres {
    /// Initialises and starts a server with the binaries in `bin` (`initdb`, `pg_ctl`) on a
    /// free port (another one if that port was taken meanwhile).
    pub fn start(bin: &Path) -> Result<Self> {
        Self::start_with(bin, None)
    }

    /// Like [`TempPostgres::start`], but every connection, also over the socket, must
    /// give its role's password (SCRAM-SHA-256, as the official image sets up); the
    /// superuser `postgres` has `superuser_password`. The client commands give it.
    pub fn start_with_password(bin: &Path, superuser_password: &str) -> Result<Self> {
        anyhow::ensure!(
            !superuser_password.is_empty() && !superuser_password.contains(['\n', '\r']),
            "the superuser password must be one line, not empty"
        );
        Self::start_with(bin, Some(superuser_password))
    }

    fn start_with(bin: &Path, password: Option<&str>) -> Result<Self> {
        let mut last_error = None;
        for _ in 0..3 {
            match Self::start_on(bin, process::free_port()?, password) {
                Ok(server) => return Ok(server),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("PostgreSQL did not start")))
    }

    fn start_on(bin: &Path, port: u16, password: Option<&str>) -> Result<Self> {
        let dir = std::env::temp_dir().join(format!("storefront-pg-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let cluster = Cluster::new(bin, &dir)?;
        // From here on, an interrupt stops the server (once it runs) and deletes its files.
        let registration = {
            let (dir, data) = (dir.clone(), cluster.data());
            process::on_interrupt(move || {
                stop_postmaster(&data);
                let _ = std::fs::remove_dir_all(&dir);
            })
        };
        let server = Self {
            cluster,
            endpoint: Endpoint {
                port,
                password: password.map(str::to_owned),
            },
            _registration: registration,
        };
        server.cluster.initdb(password)?;
        // Nothing here needs to survive a crash of the machine.
        server.cluster.start(
            port,
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
        )?;
        Ok(server)
    }
}

impl Deref for TempPostgres {
    type Target = Endpoint;

    fn deref(&self) -> &Endpoint {
        &self.endpoint
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        self.cluster.stop();
        let _ = std::fs::remove_dir_all(&self.cluster.dir);
    }
}

/// The cluster `cargo xtask up --database postgres` keeps (see the module's docs). It
/// trusts connections on 127.0.0.1 (as a developer's own machine may), listens on a port
/// chosen at each start, and keeps the same port when restarted.
pub struct LocalPostgres {
    cluster: Cluster,
    endpoint: Endpoint,
    _registration: Registration,
}

impl LocalPostgres {
    /// Starts the cluster in `dir` (initialising it the first time) on a free port, and
    /// creates each database of `databases` that does not exist yet.
    pub fn start(bin: &Path, dir: &Path, databases: &[&str]) -> Result<Self> {
        let cluster = Cluster::new(bin, dir)?;
        if let Some(pid) = cluster.pid() {
            bail!(
                "the PostgreSQL of {} is running already (pid {pid}) — another `cargo xtask up`? \
                 Stop that one, or stop it with: {} -D {} stop",
                dir.display(),
                bin.join("pg_ctl").display(),
                cluster.data().display()
            );
        }
        if let Some(user) = &cluster.owner {
            // As root the server runs as `postgres`, which must be able to reach `dir`.
            let reachable = Command::new("runuser")
                .args(["-u", &user.name, "--", "test", "-w"])
                .arg(dir)
                .status()
                .is_ok_and(|status| status.success());
            if !reachable {
                bail!(
                    "PostgreSQL runs as the `postgres` user, which cannot write {} (a directory \
                     above it is private to root?). Use a clone it can reach, or SQLite \
                     (--database sqlite)",
                    dir.display()
                );
            }
        }
        let registration = {
            let data = cluster.data();
            process::on_interrupt(move || stop_postmaster(&data))
        };
        if !cluster.initialised() {
            crate::tools::step(&format!(
                "initialising a PostgreSQL cluster in {} (once)",
                cluster.data().display()
            ));
            let _ = std::fs::remove_dir_all(cluster.data());
            cluster.initdb(None)?;
        }
        let mut last_error = None;
        for _ in 0..3 {
            let endpoint = Endpoint {
                port: process::free_port()?,
                password: None,
            };
            match cluster.start(endpoint.port, "") {
                Ok(()) => {
                    let server = Self {
                        cluster,
                        endpoint,
                        _registration: registration,
                    };
                    let existing = server.databases(bin)?;
                    for name in databases {
                        if !existing.iter().any(|database| database == name) {
                            server.create_database(bin, name)?;
                        }
                    }
                    return Ok(server);
                }
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("PostgreSQL did not start")))
    }

    /// The postmaster's PID, while it runs.
    pub fn pid(&self) -> Option<i32> {
        self.cluster.pid()
    }

    /// Its log file.
    pub fn log(&self) -> PathBuf {
        self.cluster.dir.join("postgres.log")
    }

    /// Starts it again on the same port (after it stopped or crashed); stops it first if
    /// it still runs.
    pub fn restart(&self) -> Result<()> {
        self.cluster.stop();
        self.cluster.start(self.endpoint.port, "")
    }
}

impl Deref for LocalPostgres {
    type Target = Endpoint;

    fn deref(&self) -> &Endpoint {
        &self.endpoint
    }
}

impl Drop for LocalPostgres {
    fn drop(&mut self) {
        self.cluster.stop();
    }
}
