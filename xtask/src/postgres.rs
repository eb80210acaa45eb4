//! A throw-away PostgreSQL server for tests: its own data directory, a free port on
//! loopback, no fsync; stopped by its PID and deleted when dropped — or when `cargo xtask`
//! is interrupted.
//!
//! It trusts every connection ([`TempPostgres::start`]), or, to test what a real
//! deployment does, asks every one for a password ([`TempPostgres::start_with_password`]).

use crate::process::{self, run, Registration};
use anyhow::{Context, Result};
use nix::sys::signal::Signal;
use nix::unistd::{chown, geteuid, User};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use std::fs::Permissions;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

pub struct TempPostgres {
    dir: PathBuf,
    port: u16,
    /// The superuser `postgres`'s password, when connections need one.
    password: Option<String>,
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
    /// superuser `postgres` has `superuser_password`. The client commands below give it.
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
        std::fs::create_dir_all(&dir)?;
        // initdb refuses to run as root: run the server as the `postgres` user then.
        let owner = if geteuid().is_root() {
            let user = User::from_name("postgres")?
                .context("running as root, and there is no `postgres` user to run PostgreSQL as")?;
            chown(&dir, Some(user.uid), Some(user.gid))?;
            Some(user.name)
        } else {
            None
        };
        let as_owner = |program: &str| {
            let mut command = match &owner {
                Some(user) => {
                    let mut runuser = Command::new("runuser");
                    runuser.args(["-u", user, "--"]).arg(bin.join(program));
                    runuser
                }
                None => Command::new(bin.join(program)),
            };
            command.current_dir(&dir);
            command
        };
        let data = dir.join("data");
        // From here on, an interrupt stops the server (once it runs) and deletes its files.
        let registration = {
            let (dir, data) = (dir.clone(), data.clone());
            process::on_interrupt(move || stop_and_remove(&dir, &data))
        };
        let mut initdb = as_owner("initdb");
        initdb.arg("-D").arg(&data).args([
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ]);
        // initdb reads the superuser's password from a file (never from argv); the file
        // lives in the server's own directory, readable by its owner only, until used.
        let password_file = dir.join("superuser-password");
        match password {
            Some(password) => {
                std::fs::write(&password_file, format!("{password}\n"))?;
                std::fs::set_permissions(&password_file, Permissions::from_mode(0o600))?;
                if let Some(user) = &owner {
                    let user = User::from_name(user)?.context("the postgres user vanished")?;
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
        let initialised = run(initdb.stdout(std::process::Stdio::null()));
        let _ = std::fs::remove_file(&password_file);
        initialised?;
        let server = Self {
            dir: dir.clone(),
            port,
            password: password.map(str::to_owned),
            _registration: registration,
        };
        run(as_owner("pg_ctl")
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(server.dir.join("postgres.log"))
            .arg("-o")
            .arg(format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
                server.dir.display()
            ))
            .args(["-w", "-t", "30", "start"])
            .stdout(std::process::Stdio::null()))?;
        Ok(server)
    }

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
            .stdout(std::process::Stdio::null()))
    }
}

/// Stops the postmaster by the PID in its pid file, then deletes the server's files.
fn stop_and_remove(dir: &Path, data: &Path) {
    let pid = std::fs::read_to_string(data.join("postmaster.pid"))
        .ok()
        .and_then(|pid_file| pid_file.lines().next()?.trim().parse().ok());
    if let Some(pid) = pid {
        // SIGINT is PostgreSQL's "fast shutdown": disconnect clients, stop cleanly.
        process::stop_pid(pid, Signal::SIGINT, Duration::from_secs(10));
    }
    let _ = std::fs::remove_dir_all(dir);
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        stop_and_remove(&self.dir, &self.dir.join("data"));
    }
}
