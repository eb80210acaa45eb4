//! A throw-away PostgreSQL server for tests: its own data directory, a free port on
//! loopback, no fsync; stopped by its PID and deleted when dropped — or when `cargo xtask`
//! is interrupted.

use crate::process::{self, run, Registration};
use anyhow::{Context, Result};
use nix::sys::signal::Signal;
use nix::unistd::{chown, geteuid, User};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

pub struct TempPostgres {
    dir: PathBuf,
    port: u16,
    _registration: Registration,
}

impl TempPostgres {
    /// Initialises and starts a server with the binaries in `bin` (`initdb`, `pg_ctl`) on a
    /// free port (another one if that port was taken meanwhile).
    pub fn start(bin: &Path) -> Result<Self> {
        let mut last_error = None;
        for _ in 0..3 {
            match Self::start_on(bin, process::free_port()?) {
                Ok(server) => return Ok(server),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("PostgreSQL did not start")))
    }

    fn start_on(bin: &Path, port: u16) -> Result<Self> {
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
        run(as_owner("initdb")
            .arg("-D")
            .arg(&data)
            .args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .stdout(std::process::Stdio::null()))?;
        let server = Self {
            dir: dir.clone(),
            port,
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

    /// A URL for database `name` on this server.
    pub fn database_url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates an empty database `name` (with `createdb` from `bin`) and returns its URL.
    pub fn create_database(&self, bin: &Path, name: &str) -> Result<String> {
        run(Command::new(bin.join("createdb"))
            .args(["-h", "127.0.0.1", "-U", "postgres", "-p"])
            .arg(self.port.to_string())
            .arg(name))?;
        Ok(self.database_url(name))
    }

    /// Runs one SQL statement in database `name` (with `psql` from `bin`).
    pub fn execute(&self, bin: &Path, name: &str, sql: &str) -> Result<()> {
        run(Command::new(bin.join("psql"))
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
